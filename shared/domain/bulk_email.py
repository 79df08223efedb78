"""1:1 email to a selection (POST /v1/emails/bulk and its preview): the request, why a contact is
skipped, and the id of the one email a job sends a contact. Pure.

Each contact gets its own merged, tracked email, sent by the single-send path. A contact is
skipped, with the reason counted on the job, when it has no email address (`no_email`), a merge
field has no value for it (`empty_merge_field`), its address is suppressed (`delivery_status`:
`invalid_address`, `error`, `spam`) or it opted out of marketing mail (`opted_out`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from shared.domain import bulk, fields, outbound
from shared.domain.ids import ulid
from shared.errors import FieldError, ValidationFailed, require_valid

SKIP_REASONS = ("no_email", "empty_merge_field", "delivery_status", "opted_out")
# What became of each contact's email, besides the skips: counted on the job under these names.
OUTCOMES = ("sent", "scheduled", "failed", "cancelled")
PREVIEW_RECIPIENTS = 5  # how many merged recipients a preview shows
# the fields of one email (outbound.EMAIL_REQUEST) a bulk email takes; parse_request checks them
_CONTENT = ("template_id", "subject", "body_text", "body_html", "track_opens", "track_clicks", "send_at")
BULK_EMAIL_REQUEST = fields.Body(
    "BulkEmailRequest", "email to a selection",
    {"selection": bulk.SELECTION_SCHEMA, **{name: outbound.EMAIL_REQUEST.fields[name] for name in _CONTENT}},
    required=("selection",),
    description="The body of POST /v1/emails/bulk and POST /v1/emails/bulk/preview: the contacts (`selection`) and "
                "the email each gets, merged with their own fields. A subject and at least one body are required, "
                "given or taken from the template (`template_id`). Merge fields as for POST /v1/emails; an unknown "
                "one is a 422, while an empty one only skips that contact (`empty_merge_field`). With `send_at`, the "
                "job stores every email `scheduled` and they go out at that time as scheduled emails do.",
    example={"selection": {"filter": {"field": "status", "op": "eq", "value": "new"}},
             "subject": "{{contact.family_name}}様 セミナーのご案内",
             "body_text": "{{contact.display_name}}様\n\n来月のセミナーのご案内です。"})


@dataclass(frozen=True)
class BulkEmailRequest:
    selection: str  # "ids", "filter" or "segment_id"
    target: Any
    email: outbound.EmailRequest  # the content and options (contact_id None: set per contact)

    def as_params(self) -> dict[str, Any]:
        """What the job keeps of the request, to send each email with."""
        return {name: getattr(self.email, name) for name in _CONTENT}


def parse(body: Any, now: datetime) -> BulkEmailRequest:
    """The checked request (BULK_EMAIL_REQUEST); ValidationFailed names every wrong field, the
    selection's first. Subject and bodies are checked when merged, as for one email."""
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object")], "The request body must be a JSON object.")
    errors = BULK_EMAIL_REQUEST.unknown(body)
    selection, target = bulk.parse_selection(body.get("selection"), errors)
    content = {name: body[name] for name in _CONTENT if name in body}
    try:
        email = outbound.parse_request({**content, "contact_id": "-"}, now)
    except ValidationFailed as refusal:  # its details join the selection's
        errors += refusal.details
        email = None
    require_valid(errors)
    return BulkEmailRequest(selection, target, cast(outbound.EmailRequest, email))  # None only with an error


def request_of(params: dict[str, Any], contact_id: str) -> outbound.EmailRequest:
    """One contact's email request, from what the job kept."""
    return outbound.EmailRequest(contact_id=contact_id, cc=None, bcc=None, **params)


def skip_reason(contact: dict[str, Any]) -> str | None:
    """Why the contact gets no email, before merging (None: it may get one)."""
    if not contact.get("email"):
        return "no_email"
    if contact.get("delivery_status", "unconfirmed") in outbound.SUPPRESSED_DELIVERY:
        return "delivery_status"
    if contact.get("marketing_opt_out"):
        return "opted_out"
    return None


def merge_skip(details: list[FieldError]) -> bool:
    """Whether a merge refused only for empty merge fields (a skip); anything else is the request's fault."""
    return bool(details) and all(detail.code == "empty_merge_field" for detail in details)


def email_id(job_id: str, created_at_ms: int, contact_id: str) -> str:
    """The id of the one email job `job_id` sends this contact: the same on every try, so the
    email's conditional insert is the per-(job, contact) marker; a ULID (time part: the job's
    creation) like every email id, so replies and tokens treat it as any other."""
    digest = hashlib.sha256(f"{job_id}\x00{contact_id}".encode()).digest()
    return ulid(created_at_ms, int.from_bytes(digest[:10], "big"))
