"""One-to-one email: merge fields, recipients, header safety and the MIME message (its HTML is
made safe and tracked by shared.domain.mail_html). Pure functions: no I/O, no clock, no randomness.

Every refusal of input is a ValidationFailed (422) whose details name each field:
`subject`, `body_text`, `body_html`, `to`, `cc[i]`, `bcc[i]`, `sender.name`, `sender.email`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, MIMEPart
from email.utils import format_datetime
from typing import Any, cast

from shared.domain import contacts, validation
from shared.domain.formatting import format_value
from shared.domain.mail_html import drop_unsafe_links, plain_text_from_html
from shared.errors import FieldError, ValidationFailed, require_valid

NO_EMAIL_MESSAGE = "This contact has no email address; add one before sending."
MAX_RECIPIENTS = 50  # to + cc + bcc: the SES limit of destinations per message
# Headers compose() writes itself; extra headers may not replace them.
_OWN_HEADERS = {
    "from", "to", "cc", "bcc", "subject", "date", "message-id", "in-reply-to", "references",
    "mime-version", "content-type", "content-transfer-encoding", "x-crm-email-id",
}

# --- merge fields ----------------------------------------------------------------------------

_MERGE_FIELD = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
_CONTACT_FIELDS = frozenset(contacts.PUBLIC_FIELDS) - {"properties"}
_SENDER_FIELDS = ("name", "email")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    body_text: str
    body_html: str | None


def _is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip()) or value in ([], ())


def _field_problem(name: str, definitions: dict[str, dict[str, Any]]) -> tuple[str, str] | None:
    """(problem, code) when `name` (such as `contact.properties.size`) is no merge field this
    tenant has, whatever the contact: unknown, or an undefined or archived property."""
    shown = f"{{{{{name}}}}}"
    parts = name.split(".")
    if len(parts) == 2 and ((parts[0] == "contact" and parts[1] in _CONTACT_FIELDS)
                            or (parts[0] == "sender" and parts[1] in _SENDER_FIELDS)):
        return None
    if len(parts) == 3 and parts[:2] == ["contact", "properties"]:
        definition = definitions.get(parts[2])
        if definition is None:
            return f"{shown} is not a defined property", "unknown_merge_field"
        if definition.get("archived"):
            return f"{shown} is an archived property; restore it or remove the merge field", "archived_merge_field"
        return None
    return (f"{shown} is not a merge field; use {{{{contact.FIELD}}}}, "
            "{{contact.properties.KEY}}, {{sender.name}} or {{sender.email}}", "unknown_merge_field")


def _lookup(
    name: str, contact: dict[str, Any], definitions: dict[str, dict[str, Any]],
    sender: dict[str, Any], name_order: str,
) -> tuple[Any, str | None, tuple[str, str] | None]:
    """(value, kind, (problem, code) or None) of one merge field such as `contact.properties.size`."""
    problem = _field_problem(name, definitions)
    if problem is not None:
        return None, None, problem
    parts = name.split(".")
    if parts[0] == "sender":
        return sender.get(parts[1]), None, None
    if len(parts) == 3:
        return (contact.get("properties") or {}).get(parts[2]), definitions[parts[2]].get("type"), None
    field = parts[1]
    if field == "display_name" and "display_name" not in contact:
        return contacts.display_name(contact, name_order), None, None
    return contact.get(field), ("timestamp" if field.endswith("_at") else None), None


def merge_field_problems(template: str, location: str, definitions: dict[str, dict[str, Any]]) -> list[FieldError]:
    """One problem per distinct merge field of `template` that no contact could fill (unknown,
    undefined or archived property): the check a template gets when saved, as an email does."""
    problems: dict[str, FieldError] = {}
    for name in _MERGE_FIELD.findall(template):
        problem = _field_problem(name, definitions)
        if problem is not None:
            problems.setdefault(name, FieldError(location, *problem))
    return list(problems.values())


def _render(
    template: str, location: str, contact: dict[str, Any], definitions: dict[str, dict[str, Any]],
    sender: dict[str, Any], *, html_escape: bool, name_order: str,
) -> tuple[str, list[FieldError]]:
    """The template with its merge fields replaced, and one problem per distinct bad field."""
    problems: dict[str, FieldError] = {}

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        value, kind, problem = _lookup(name, contact, definitions, sender, name_order)
        if problem is None and _is_empty(value):
            problem = (f"{{{{{name}}}}} has no value for this contact; fill it in or remove the merge field",
                       "empty_merge_field")
        if problem is not None:
            problems.setdefault(name, FieldError(location, *problem))
            return match.group(0)
        text = format_value(value, kind)
        return html.escape(text) if html_escape else text

    return _MERGE_FIELD.sub(replace, template), list(problems.values())


def render(
    template: str, contact: dict[str, Any], properties_defs: dict[str, dict[str, Any]], sender: dict[str, Any],
    *, location: str = "template", html_escape: bool = False, name_order: str = "family_given",
) -> str:
    """`template` with `{{contact.FIELD}}`, `{{contact.properties.KEY}}`, `{{sender.name}}` and
    `{{sender.email}}` replaced; raises ValidationFailed naming `location` for each unknown,
    archived or empty one.

    `{{contact.display_name}}` takes the contact's `display_name` when the dict has that key (as
    `contacts.public` shapes it); otherwise it is built with `name_order`.
    """
    rendered, problems = _render(template, location, contact, properties_defs, sender,
                                 html_escape=html_escape, name_order=name_order)
    require_valid(problems, "Some merge fields are unknown or have no value; see details.")
    return rendered


def _optional_text(value: Any, field: str, errors: list[FieldError]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors.append(FieldError(field, "must be a string"))
        return None
    return value if value.strip() else None


def render_email(
    subject: Any, body_text: Any, body_html: Any, contact: dict[str, Any],
    properties_defs: dict[str, dict[str, Any]], sender: dict[str, Any], *, name_order: str = "family_given",
) -> RenderedEmail:
    """Subject and bodies rendered together; one ValidationFailed lists every problem.

    A subject is required, and at least one body. Without `body_text` it is derived from the
    rendered HTML. The rendered subject must be a single line (it becomes a header). Script
    links are dropped from the HTML whether or not clicks are tracked.
    """
    errors: list[FieldError] = []
    subject = _optional_text(subject, "subject", errors)
    body_text = _optional_text(body_text, "body_text", errors)
    body_html = _optional_text(body_html, "body_html", errors)
    named = {error.field for error in errors}
    if subject is None and "subject" not in named:
        errors.append(FieldError("subject", "is required", "required"))
    if body_text is None and body_html is None and not named & {"body_text", "body_html"}:
        errors.append(FieldError("body_text", "is required unless body_html is given", "required"))
        errors.append(FieldError("body_html", "is required unless body_text is given", "required"))

    rendered: dict[str, str | None] = {}
    for location, template in (("subject", subject), ("body_text", body_text), ("body_html", body_html)):
        if template is None:
            rendered[location] = None
            continue
        rendered[location], problems = _render(template, location, contact, properties_defs, sender,
                                               html_escape=location == "body_html", name_order=name_order)
        errors += problems
    problem = header_problem(rendered["subject"] or "")
    if problem:
        errors.append(FieldError("subject", problem, "header_injection"))
    require_valid(errors)
    body_html = drop_unsafe_links(rendered["body_html"]) if rendered["body_html"] is not None else None
    text = rendered["body_text"] if rendered["body_text"] is not None else plain_text_from_html(body_html)
    return RenderedEmail(cast(str, rendered["subject"]), text, body_html)  # a subject: require_valid raised otherwise


# --- recipients and headers ------------------------------------------------------------------

@dataclass(frozen=True)
class Recipients:
    to: str
    cc: tuple[str, ...] = ()
    bcc: tuple[str, ...] = ()

    @property
    def envelope(self) -> list[str]:
        """Every address the message goes to (SMTP RCPT TO / SES Destinations), Bcc included."""
        return [self.to, *self.cc, *self.bcc]


def header_problem(value: str) -> str | None:
    """Why `value` cannot go into a header: a CR or LF would start a header of the sender's
    choosing, so every control character (and the Unicode line separators) is refused."""
    if any(unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in value):
        return "must not contain line breaks or control characters"
    return None


def _address_list(value: Any, field: str, errors: list[FieldError]) -> list[tuple[str, str]]:
    """(field path, address) of each valid address of a cc/bcc list."""
    if value is None:
        return []
    if not isinstance(value, list):
        errors.append(FieldError(field, "must be a list of email addresses"))
        return []
    found: list[tuple[str, str]] = []
    for index, item in enumerate(value):
        address, error = validation.email(item)
        if error or not address:
            errors.append(FieldError(f"{field}[{index}]", error or "must not be empty"))
        else:
            found.append((f"{field}[{index}]", address))
    return found


def check_recipients(to: Any, cc: Any = None, bcc: Any = None) -> Recipients:
    """The contact's address and the cc/bcc lists, validated: at most 50 in all, no address twice
    (case-insensitive, across the three). A missing `to` answers NO_EMAIL_MESSAGE."""
    errors: list[FieldError] = []
    to_address = None
    if to is None or (isinstance(to, str) and not to.strip()):
        errors.append(FieldError("to", NO_EMAIL_MESSAGE, "no_email"))
    else:
        to_address, error = validation.email(to)
        if error:
            errors.append(FieldError("to", error))
    cc_found = _address_list(cc, "cc", errors)
    bcc_found = _address_list(bcc, "bcc", errors)
    seen = {to_address.lower()} if to_address else set()
    for field, address in cc_found + bcc_found:
        if address.lower() in seen:
            errors.append(FieldError(field, f"{address} is already a recipient", "duplicate"))
            continue
        seen.add(address.lower())
        if len(seen) == MAX_RECIPIENTS + 1:
            errors.append(FieldError(field, f"an email can have at most {MAX_RECIPIENTS} recipients "
                                            "(to, cc and bcc together)", "limit"))
    if any(error.code == "no_email" for error in errors):
        raise ValidationFailed(NO_EMAIL_MESSAGE, errors)
    require_valid(errors)
    return Recipients(cast(str, to_address),  # an address: require_valid raised otherwise
                      tuple(address for _, address in cc_found), tuple(address for _, address in bcc_found))


# --- the MIME message ------------------------------------------------------------------------

_MESSAGE_ID = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]{1,250}>")  # printable ASCII except < and >
_ID_PART = re.compile(r"^[A-Za-z0-9._-]{1,64}$")  # also in the MIME boundary (at most 70)
_DOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$")
_HEADER_NAME = re.compile(r"^[\x21-\x39\x3b-\x7e]{1,76}$")  # RFC 5322 ftext


def message_ids(value: str | Sequence[str] | None) -> list[str]:
    """The `<id>` tokens of a Message-ID/References value (or a list of them); a bare id is
    bracketed. Anything malformed is skipped, so a stranger's odd header cannot break a reply."""
    if not value:
        return []
    values = [value] if isinstance(value, str) else list(value)
    found: list[str] = []
    for item in values:
        tokens = _MESSAGE_ID.findall(item)
        if not tokens and "<" not in item and ">" not in item:
            tokens = _MESSAGE_ID.findall(f"<{item.strip()}>")
        found += [token for token in tokens if token not in found]
    return found


def _transfer_encoding(body: str) -> str:
    """Base64 for Japanese text (a third larger, not three times as quoted-printable would be);
    quoted-printable keeps ASCII readable and avoids spam rules against base64 ASCII text."""
    return "quoted-printable" if body.isascii() else "base64"


def _text_part(body: str, subtype: str) -> MIMEPart:
    part = MIMEPart(policy=policy.SMTP)
    part.set_content(body, subtype=subtype, charset="utf-8", cte=_transfer_encoding(body))
    return part


def _sender_parts(sender: Mapping[str, Any], errors: list[FieldError]) -> tuple[str, str | None]:
    """The sender's display name (one line) and address (NFKC-normalised, valid)."""
    address, error = validation.email(sender.get("email") or "")
    if error or not address:
        errors.append(FieldError("sender.email", error or "is required"))
    name = sender.get("name") or ""
    problem = header_problem(name)
    if problem:
        errors.append(FieldError("sender.name", problem, "header_injection"))
    return name, address


def check_sender(sender: Mapping[str, Any]) -> dict[str, Any]:
    """The sender as compose() will write it into From (and Message-ID), or a 422 naming
    `sender.name`/`sender.email`: checked before anything is stored or scheduled."""
    errors: list[FieldError] = []
    name, address = _sender_parts(sender, errors)
    require_valid(errors, "Your name or email address (from your sign-in) cannot be used as a sender; "
                          "ask an administrator to correct your profile.")
    return {**sender, "name": name or None, "email": address}


def compose(
    *, email_id: str, sender: dict[str, Any], recipients: Recipients, subject: str, body_text: str,
    body_html: str | None, sent_at: datetime, mail_domain: str | None = None,
    parent_message_id: str | None = None, parent_references: str | Sequence[str] | None = None,
    extra_headers: Mapping[str, str] | None = None,
) -> tuple[str, bytes]:
    """(Message-ID, the RFC 5322 message with CRLF line endings) ready for SES SendRawEmail or SMTP.

    Message-ID is `<email_id@domain>`, the domain being `mail_domain` or the sender's. Bcc never
    appears in the headers: send to `recipients.envelope`. A reply carries In-Reply-To (the
    parent's Message-ID) and References (the parent's References, then its Message-ID).
    A naive `sent_at` is UTC.
    """
    if not _ID_PART.match(email_id):
        raise ValueError(f"email_id must be 1-64 characters of A-Z a-z 0-9 . _ -: {email_id!r}")
    errors: list[FieldError] = []
    sender_name, sender_email = _sender_parts(sender, errors)
    domain = (mail_domain or (sender_email or "").rpartition("@")[2]).lower()
    headers_to_check = {
        "subject": subject, "to": recipients.to,
        **{f"cc[{i}]": address for i, address in enumerate(recipients.cc)},
        **{f"bcc[{i}]": address for i, address in enumerate(recipients.bcc)},
        **{f"headers.{name}": value for name, value in (extra_headers or {}).items()},
    }
    for field, value in headers_to_check.items():
        problem = header_problem(value)
        if problem:
            errors.append(FieldError(field, problem, "header_injection"))
    for name in extra_headers or {}:
        if not _HEADER_NAME.match(name) or name.lower() in _OWN_HEADERS:
            errors.append(FieldError(f"headers.{name}", "is not a header name that may be added"))
    require_valid(errors)
    if not _DOMAIN.match(domain):
        raise ValueError(f"mail_domain must be a domain name: {domain!r}")

    message_id = f"<{email_id}@{domain}>"
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = Address(display_name=sender_name, addr_spec=sender_email)
    message["To"] = recipients.to
    if recipients.cc:
        message["Cc"] = ", ".join(recipients.cc)
    message["Subject"] = subject
    message["Date"] = format_datetime(sent_at if sent_at.tzinfo else sent_at.replace(tzinfo=UTC))
    message["Message-ID"] = message_id
    parent = message_ids(parent_message_id)[:1]
    if parent:
        message["In-Reply-To"] = parent[0]
        chain = [token for token in message_ids(parent_references) if token != parent[0]]
        message["References"] = " ".join(chain + parent)
    message["X-CRM-Email-Id"] = email_id
    for name, value in (extra_headers or {}).items():
        message[name] = value
    message["MIME-Version"] = "1.0"
    if body_html is None:
        message.set_content(body_text, subtype="plain", charset="utf-8", cte=_transfer_encoding(body_text))
    else:
        message.make_alternative()
        # typeshed has MIMEPart.attach take Self; email attaches any part (the message becomes multipart)
        message.attach(_text_part(body_text, "plain"))  # type: ignore[arg-type]
        message.attach(_text_part(body_html, "html"))  # type: ignore[arg-type]
        # "=_" never occurs in base64 or quoted-printable text, so the boundary cannot collide,
        # and the message stays a pure function of its inputs.
        message.set_boundary(f"=_{email_id}")
    return message_id, message.as_bytes(policy=policy.SMTP)
