"""Inbound email: the raw RFC 5322 bytes an SES receipt rule stores in S3, parsed into a plain
InboundMessage. Pure functions: no I/O, no clock.

`parse` never raises on what a stranger may send: broken encodings, wrong or missing charsets,
missing headers, bare LF line endings, 8-bit headers and bodies. Bodies and header text
(subject, display names, attachment names) are decoded by shared.domain.charsets.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, timedelta, timezone
from email import policy
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from typing import cast

from shared.domain import charsets, mail, mail_html
from shared.domain.validation import format_time

MAX_TEXT_BYTES = 1_000_000  # each of body_text and body_html, counted as UTF-8; the rest is dropped
MAX_ATTACHMENTS = 100  # later ones are not listed
MAX_PARTS = 1_000  # MIME parts looked at; a message of thousands of empty parts is not worth walking

# Precedence values vacation(1) and its successors never answer: mail sent by a program.
_AUTOMATED_PRECEDENCE = frozenset({"auto_reply", "bulk", "junk", "list"})
_JST = timezone(timedelta(hours=9), "JST")


@dataclass(frozen=True)
class Attachment:
    filename: str | None  # decoded; None when the part names no file
    content_type: str  # lower case, such as "application/pdf"
    size: int  # bytes after the transfer encoding is undone


@dataclass(frozen=True)
class InboundMessage:
    message_id: str | None = None  # "<id@host>"
    in_reply_to: list[str] = field(default_factory=list)  # "<id@host>" tokens
    references: list[str] = field(default_factory=list)
    from_address: str | None = None  # lower case addr-spec
    from_name: str | None = None
    to: list[str] = field(default_factory=list)  # lower case addr-specs, each once
    cc: list[str] = field(default_factory=list)
    # The RCPT TO address the receiving server wrote in its Received header ("… for a@b;"): SES
    # names it there, so mail Bcc'd to a tenant's inbound address still finds the tenant.
    envelope_to: list[str] = field(default_factory=list)
    subject: str = ""
    date: str | None = None  # UTC, "2026-11-23T01:02:03.000Z"
    body_text: str = ""  # LF line endings
    body_html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)
    auto_reply: bool = False  # sent by a program (vacation notice, autoresponder, bulk or list mail)
    is_bounce: bool = False  # a delivery status notification (multipart/report; report-type=delivery-status)


def _headers(message: Message) -> dict[str, list[str]]:
    """Each header's raw values (as received, unfolded), by lower-case name."""
    found: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        found.setdefault(str(name).strip().lower(), []).append(charsets.FOLDING.sub("", str(value)))
    return found


def _address(value: str) -> str | None:
    address = charsets.raw_header_text(value).strip().lower()
    if "@" not in address or len(address) > 320 or any(ch.isspace() or ch in "<>,;" for ch in address):
        return None
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in address):
        return None
    return address


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    """(display name, addr-spec) of each usable address of address headers."""
    try:
        pairs = getaddresses(values)
    except Exception:  # a stranger's header must not lose the whole message
        return []
    found = []
    for name, value in pairs:
        address = _address(value)
        if address:
            found.append((name, address))
    return found


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _address_list(values: list[str]) -> list[str]:
    return _unique(address for _, address in _addresses(values))


_RECEIVED_FOR = re.compile(r"\sfor\s+<?([^\s<>;()]+@[^\s<>;()]+?)>?\s*(?:\([^()]*\)\s*)?(?:;|$)", re.I)


def _envelope_to(received: list[str]) -> list[str]:
    """The recipient in the `for` clause of the topmost Received header (the one SES adds:
    "from … by inbound-smtp.ap-northeast-1.amazonaws.com with SMTP id … for a@b; date")."""
    match = _RECEIVED_FOR.search(received[0]) if received else None
    address = _address(match.group(1)) if match else None
    return [address] if address else []


def _date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
        if moment.tzinfo is None:  # "-0000" or a zone name Python does not know
            moment = moment.replace(tzinfo=_JST if re.search(r"\bJST\b", value, re.I) else UTC)
        if not 1900 <= moment.year <= 2999:
            return None
        return format_time(moment)
    except (ValueError, TypeError, IndexError, OverflowError):
        return None


# Subject prefixes that auto-responders put before the subject they answer, where they set no
# RFC 3834 header: Exchange/Outlook's out-of-office reply ("Automatic reply:", Sisimai's corpus
# set-of-emails/maildir/bsd/rfc3834-02.eml and -04.eml: only X-Auto-Response-Suppress and
# X-MS-Exchange-Inbox-Rules-Loop beside it), iCloud's vacation reply ("Auto reply:", rfc3834-03.eml),
# the prefixes Sisimai's rfc3834/lib.go reads, and Outlook's Japanese 「自動応答:」 (tests/fixtures/mail/
# 05_out_of_office.eml) and 「不在」 notices. Sisimai's bare "Auto:" is left out: a person writes
# "Auto: …" about cars.
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(?:(?:automatic reply|auto[- ]?reply|auto response|out of (?:the )?office(?: auto ?reply)?"
    r"|自動応答|自動返信|不在(?:通知)?)\s*[:：]|[\[【](?:自動応答|自動返信|不在)[\]】])",
    re.IGNORECASE)


def _auto_reply(headers: dict[str, list[str]], subject: str) -> bool:
    """Whether a program sent the message: RFC 3834 Auto-Submitted (any value but "no"),
    X-Autoreply / X-Autorespond, Precedence auto_reply, bulk, junk or list, iCloud's
    X-Apple-Action: vacation, or an auto-responder's subject prefix. Not X-Auto-Response-Suppress
    alone (it asks *other* programs not to answer; Outlook, calendars and mailing tools put it on
    mail people write), nor X-MS-Exchange-Inbox-Rules-Loop (also on a person's mail that a rule
    redirected, such as a team forwarding its mail to the tenant's inbound address)."""
    for value in headers.get("auto-submitted", []):
        token = cast(re.Match[str], re.match(r"\s*([A-Za-z0-9_-]*)", value)).group(1).lower()  # matches any text
        if token and token != "no":
            return True
    for name in ("x-autoreply", "x-autorespond"):
        if any(value.strip().lower() not in ("no", "false", "0") for value in headers.get(name, [])):
            return True
    if any(value.strip().lower() == "vacation" for value in headers.get("x-apple-action", [])):
        return True
    if _AUTO_REPLY_SUBJECT.match(subject):
        return True
    return any(value.strip().lower() in _AUTOMATED_PRECEDENCE for value in headers.get("precedence", []))


# --- MIME parts ------------------------------------------------------------------------------

def _mime(part: Message) -> Message:
    """The part's Content-Type and Content-Disposition in a compat32 Message, whose parameter
    parsing works on the raw text (RFC 2231 continuations and charsets included) and never
    decodes it with a codec of its choosing."""
    helper = Message()
    for name, value in part.raw_items():
        if str(name).strip().lower() in ("content-type", "content-disposition"):
            # Raw 8-bit text decoded first: compat32 would turn it into U+FFFD.
            helper[str(name).strip()] = charsets.raw_header_text(charsets.FOLDING.sub("", str(value)))
    helper.set_default_type(part.get_default_type())
    return helper


def _param(helper: Message, name: str, header: str = "content-type") -> str | None:
    value = helper.get_param(name, None, header=header)
    if value is None:
        return None
    if isinstance(value, tuple):  # RFC 2231: (charset, language, text of latin-1 bytes)
        charset, _, text = value
        try:
            data = str(text).encode("latin-1", "surrogateescape")
        except UnicodeEncodeError:  # raw 8-bit text in the value, already decoded by _mime
            data = charsets.source_bytes(str(text))
        return charsets.decode_text(data, charset or None)
    return charsets.decode_header(str(value))


def _filename(helper: Message) -> str | None:
    try:
        name = _param(helper, "filename", "content-disposition") or _param(helper, "name")
    except (ValueError, LookupError):
        return None
    return name or None


def _disposition(helper: Message) -> str:
    value = helper.get("content-disposition", "")
    return str(value).split(";")[0].strip().lower()


def _leaves(message: Message) -> Iterator[tuple[Message, Message]]:
    """(part, its `_mime` headers) of each part that holds content, in order, without recursion.
    A message/* part (a forwarded message, a DSN's status) is one part: what it holds is not
    this message's body."""
    stack = [message]
    seen = 0
    while stack and seen < MAX_PARTS:
        part = stack.pop()
        seen += 1
        helper = _mime(part)
        if part.is_multipart() and helper.get_content_maintype() == "multipart":
            stack.extend(reversed(cast("list[Message]", part.get_payload())))  # a multipart's: its parts
        else:
            yield part, helper


def _size(part: Message) -> int:
    """The content's size in bytes; for a message/* part, that of the message(s) written out."""
    try:
        if part.is_multipart():  # message/rfc822 and message/delivery-status hold parsed messages
            return sum(len(inner.as_bytes(policy=policy.compat32))
                       for inner in cast("list[Message]", part.get_payload()))
        return len(part.get_payload(decode=True) or b"")
    except Exception:  # a size is not worth losing the attachment for
        return 0


_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})""", re.I)


def _text(data: bytes, charset: str | None, html: bool) -> str:
    if html and not charsets.codec_of(charset):
        meta = _META_CHARSET.search(data[:4096])
        charset = meta.group(1).decode("ascii") if meta else charset
    text = charsets.decode_text(data, charset)
    return _truncated(text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"))


def _truncated(text: str) -> str:
    """`text` cut to MAX_TEXT_BYTES of UTF-8, on a character boundary."""
    if len(text) * 4 <= MAX_TEXT_BYTES:
        return text
    encoded = text[:MAX_TEXT_BYTES].encode("utf-8", "surrogatepass")
    if len(encoded) <= MAX_TEXT_BYTES:
        return text[:MAX_TEXT_BYTES]
    return encoded[:MAX_TEXT_BYTES].decode("utf-8", "ignore")


@dataclass
class _Content:
    text: str | None = None
    html: str | None = None
    attachments: list[Attachment] = field(default_factory=list)


def _content(message: Message) -> _Content:
    content = _Content()
    for part, helper in _leaves(message):
        try:
            content_type = helper.get_content_type()
            filename = _filename(helper)
            body_type = content_type in ("text/plain", "text/html") or content_type.startswith("multipart/")
            if body_type and filename is None and _disposition(helper) != "attachment":
                slot = "html" if content_type == "text/html" else "text"
                if getattr(content, slot) is None:
                    data = cast("bytes | None", part.get_payload(decode=True)) or b""  # a leaf's: bytes
                    setattr(content, slot, _text(data, _param(helper, "charset"), slot == "html"))
                continue  # a further inline text part (Apple Mail splits text around images)
            if len(content.attachments) < MAX_ATTACHMENTS:
                content.attachments.append(Attachment(filename, content_type, _size(part)))
        except Exception:  # one broken part must not lose the rest of the message
            continue
    return content


def _is_bounce(message: Message) -> bool:
    """Whether the message is a delivery status notification (RFC 3464)."""
    try:
        helper = _mime(message)
        report_type = _param(helper, "report-type") or ""
    except (ValueError, LookupError):
        return False
    return helper.get_content_type() == "multipart/report" and report_type.lower() == "delivery-status"


def _message(raw: bytes) -> tuple[Message, bool]:
    """The parsed message, and whether its MIME structure could be read. The modern header
    parser has failed on odd input (a NUL in a parameter raises ValueError): compat32 reads the
    headers as plain text. The parser recurses into nested multiparts: a thousand levels raise
    RecursionError, and then only the headers are read."""
    for parser in (BytesParser(policy=policy.default), BytesParser(policy=policy.compat32)):
        try:
            return parser.parsebytes(raw), True
        except RecursionError:
            break
        except Exception:  # the next parser, then the headers alone
            continue
    return BytesParser(policy=policy.compat32).parsebytes(raw, headersonly=True), False


def parse(raw: bytes) -> InboundMessage:
    """The message in `raw` (RFC 5322 bytes, CRLF or bare LF) as an InboundMessage. Never raises
    for any bytes: what cannot be read is left empty (None, "" or [])."""
    raw = bytes(raw)  # a str is a caller's mistake, not malformed mail: TypeError
    try:
        return _parse(raw)
    except Exception:  # the last resort of the never-raises promise
        return InboundMessage()


def _parse(raw: bytes) -> InboundMessage:
    message, complete = _message(raw)
    headers = _headers(message)

    def first(name: str) -> str | None:
        values = headers.get(name)
        return values[0] if values else None

    sender = _addresses(headers.get("from", [])[:1])
    from_name = charsets.decode_header(sender[0][0]) if sender else ""
    content = _content(message) if complete else _Content()
    body_html = content.html
    body_text = content.text
    if (body_text is None or not body_text.strip()) and body_html is not None:
        body_text = _truncated(mail_html.plain_text_from_html(body_html))
    subject = charsets.decode_header(first("subject"))
    return InboundMessage(
        message_id=(mail.message_ids(first("message-id")) or cast("list[str | None]", [None]))[0],
        in_reply_to=_unique(mail.message_ids(headers.get("in-reply-to", []))),
        references=_unique(mail.message_ids(headers.get("references", []))),
        from_address=sender[0][1] if sender else None,
        from_name=from_name or None,
        to=_address_list(headers.get("to", [])),
        cc=_address_list(headers.get("cc", [])),
        envelope_to=_envelope_to(headers.get("received", [])),
        subject=subject,
        date=_date(first("date")),
        body_text=body_text or "",
        body_html=body_html,
        attachments=content.attachments,
        auto_reply=_auto_reply(headers, subject),
        is_bounce=_is_bounce(message),
    )
