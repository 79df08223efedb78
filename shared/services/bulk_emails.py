"""1:1 email to a selection (POST /v1/emails/bulk, its preview, and the job that sends it).

The request is checked, then becomes a `bulk_email` job (202) run by functions/bulk_worker. The
worker fixes the targets as bulk actions do (shared.services.bulk), then goes through them a
slice at a time: each contact is skipped with its reason, or gets its own merged, tracked email
through the single-send path (shared.services.emails: the Message-ID, tracking, the `email_sent`
entry, the contacted fields). Each slice's counts move the job's cursor in one conditional write.

Exactly once per contact: the email's id is derived from the job and the contact
(shared.domain.bulk_email.email_id) and stored only if absent before anything is sent, so a
retried message or a worker that crashed mid-slice finds the emails it already sent (and counts
them) instead of sending them again. SES's rate: every send waits its turn
(shared.services.delivery.SES_PACE); a send SES still throttles goes back to `scheduled`
(emails.deliver), and the job stops and queues itself again for when it is due, then claims it
(emails.send_scheduled) unless the sweep sent it first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from shared.config import CONFIG
from shared.db import contacts as contact_store
from shared.db import emails as email_store
from shared.db import jobs as job_store
from shared.db import templates as template_store
from shared.db import tenant_config
from shared.db.transactions import ConditionFailed, Transaction
from shared.domain import bulk_email, mail, outbound, validation
from shared.domain import contacts as contact_rules
from shared.domain.access import Principal
from shared.domain.ids import new_id
from shared.domain.lifecycle import target_count
from shared.errors import CrmError, FieldError, NotFound, ValidationFailed, require_valid
from shared.keys import is_plain_id
from shared.observability import logger
from shared.services import bulk, emails, job_queue

if TYPE_CHECKING:
    from shared.domain.entities import Email, Job

SLICE = 25  # contacts sent between two moves of the job's cursor
SENDING_RECHECK_SECONDS = 60  # an email another invocation is sending: look again this much later
_SENT_STATES = {"sent": "sent", "failed": "failed", "cancelled": "cancelled"}


class _Pause(Exception):
    """The job waits `seconds` (SES's limit, or another invocation still sending)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(seconds)
        self.seconds = seconds


def _content(principal: Principal, request: bulk_email.BulkEmailRequest,
             config: tenant_config.TenantConfig) -> outbound.EmailRequest:
    """The email's content with its template's, checked as far as no contact is needed: a
    subject and a body, no merge field that no contact could fill (else 422)."""
    email = request.email
    if email.template_id is not None:
        found = template_store.get(principal.tenant, email.template_id)
        email = emails.with_template(email, found[0] if found else None)
    errors = []
    for location in outbound.TEMPLATE_FIELDS:
        value = getattr(email, location)
        if value is not None and not isinstance(value, str):
            errors.append(FieldError(location, "must be a string"))
        elif value:
            errors += mail.merge_field_problems(value, location, config.properties)
    if not isinstance(email.subject, str) or not email.subject.strip():
        errors.append(FieldError("subject", "is required (or a template_id whose template has one)", "required"))
    if not any(isinstance(getattr(email, name), str) and getattr(email, name).strip()
               for name in ("body_text", "body_html")):
        errors.append(FieldError("body_text", "is required unless body_html is given", "required"))
    require_valid(errors)
    return email


def _checked(principal: Principal, body: Any) -> tuple[bulk_email.BulkEmailRequest, outbound.EmailRequest,
                                                        dict[str, Any], tenant_config.TenantConfig]:
    request = bulk_email.parse(body, datetime.now(UTC))
    sender = emails.sender_of(principal)
    config = tenant_config.load(principal.tenant)
    bulk.check_selection(principal, config, request.selection, request.target)
    return request, _content(principal, request, config), sender, config


def submit(principal: Principal, body: Any) -> dict[str, Any]:
    """POST /v1/emails/bulk: the job (its public form), queued."""
    request, _, _, _ = _checked(principal, body)
    now = validation.now()
    job: Job = {"job_id": new_id(), "job_kind": "bulk_email", "status": "queued", "action": "send_email",
           "params": {name: value for name, value in request.as_params().items() if value is not None},
           "selection": {request.selection: request.target}, "principal": principal.as_record(), "counts": {},
           "created_at": now, "updated_at": now}
    job_store.create(principal.tenant, job)
    job_queue.enqueue(principal.tenant, job["job_id"], CONFIG.bulk_queue_url, _message(principal.tenant, job["job_id"]))
    return bulk.public_job(cast("Job", job_store.get(principal.tenant, job["job_id"])))  # created above


def _message(tenant: str, job_id: str) -> dict[str, Any]:
    return {"tenant": tenant, "job_id": job_id, "kind": "bulk_email"}


def _merged(principal: Principal, request: outbound.EmailRequest, contact: dict[str, Any],
            config: tenant_config.TenantConfig, sender: dict[str, Any]) -> tuple[str | None, Any]:
    """(skip reason, None) or (None, (recipients, rendered)) for one contact."""
    reason = bulk_email.skip_reason(contact)
    if reason is not None:
        return reason, None
    try:
        return None, emails.render(principal, request, contact, config, sender)
    except ValidationFailed as refusal:
        if bulk_email.merge_skip(refusal.details):
            return "empty_merge_field", None
        raise


def preview(principal: Principal, body: Any) -> dict[str, Any]:
    """POST /v1/emails/bulk/preview (same body): the first recipients' emails merged, and what
    the whole selection would give now: how many would be sent, and each skip reason's count.
    Nothing is stored or sent."""
    request, content, sender, config = _checked(principal, body)
    targets = bulk.targets_of(principal, config, {request.selection: request.target})
    counts: Counter[str] = Counter()
    recipients: list[dict[str, Any]] = []
    for start in range(0, len(targets), 100):
        window = targets[start:start + 100]
        found = contact_store.versions(principal.tenant, [i for i in window if is_plain_id(i)])
        for contact_id in window:
            contact = (found.get(contact_id) or (None,))[0]
            if contact is None or not principal.can_see(contact, config.settings):
                counts["not_found"] += 1
                continue
            try:
                reason, merged = _merged(principal, content, contact, config, sender)
            except CrmError:
                reason, merged = "failed", None
            counts[reason or "sent"] += 1
            if merged is not None and len(recipients) < bulk_email.PREVIEW_RECIPIENTS:
                rendered = merged[1]
                shaped = contact_rules.public(contact, config.settings, config.properties)
                recipients.append({"contact_id": contact_id, "display_name": shaped.get("display_name"),
                                   "to": merged[0].to, "subject": rendered.subject, "body_text": rendered.body_text,
                                   "body_html": rendered.body_html})
    return {"total": len(targets), "counts": {name: counts.get(name, 0) for name in
                                               ("sent", *bulk_email.SKIP_REASONS, "failed", "not_found")},
            "recipients": recipients}


# --- the worker ------------------------------------------------------------------------------

def _millis(moment: str) -> int:
    return int(datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp() * 1000)


def _seconds_until(moment: str) -> float:
    return max(0.0, _millis(moment) / 1000 - datetime.now(UTC).timestamp())


def _state_of(tenant: str, email: Email, scheduled_on_purpose: bool) -> str:
    """The job's outcome for an email of its own; _Pause while it is not settled yet."""
    status = email["status"]
    if status in _SENT_STATES:
        return _SENT_STATES[status]
    if status == "scheduled" and scheduled_on_purpose:
        return "scheduled"  # the sweep sends it at the request's send_at
    if status == "scheduled":  # deferred by SES's limits: claim it once it is due
        sent = emails.send_scheduled(tenant, email["email_id"])
        if sent is not None and sent["status"] != "scheduled":
            return _SENT_STATES.get(sent["status"], "failed")
        latest = email_store.get(tenant, email["email_id"]) or email
        if latest["status"] in _SENT_STATES:
            return _SENT_STATES[latest["status"]]
        raise _Pause(_seconds_until(cast(str, latest["send_at"])) if latest["status"] == "scheduled"
                     else SENDING_RECHECK_SECONDS)
    raise _Pause(SENDING_RECHECK_SECONDS)  # sending: by another invocation, or one that died (the sweep settles it)


def _send_one(principal: Principal, job: Job, request: outbound.EmailRequest,
              config: tenant_config.TenantConfig, sender: dict[str, Any],
              found: tuple[dict[str, Any], int] | None, contact_id: str) -> str:
    """What the job does for one contact: its outcome or skip reason (_Pause: not settled yet)."""
    tenant = principal.tenant
    email_id = bulk_email.email_id(job["job_id"], _millis(job["created_at"]), contact_id)
    scheduled_on_purpose = request.send_at is not None
    if found is None or not principal.can_see(found[0], config.settings):
        existing = email_store.get(tenant, email_id) if is_plain_id(contact_id) else None  # deleted since it was sent?
        return "not_found" if existing is None else _state_of(tenant, existing, scheduled_on_purpose)
    contact, version = found
    request = replace(request, contact_id=contact_id)
    try:
        reason, merged = _merged(principal, request, contact, config, sender)
    except CrmError as refusal:  # a merged subject or size that cannot go out: this contact only
        logger.warning("bulk email not sent to a contact", extra={"job_id": job["job_id"], "reason": refusal.message})
        reason, merged = "failed", None
    if merged is None:
        existing = email_store.get(tenant, email_id)  # sent before the contact changed (a retried slice)?
        # no merge: a reason (_merged)
        return cast(str, reason) if existing is None else _state_of(tenant, existing, scheduled_on_purpose)
    recipients, rendered = merged
    email = outbound.new_email(email_id=email_id, contact_id=contact_id, request=request, recipients=recipients,
                               rendered=rendered, sender=sender, parent=None, now=validation.now(),
                               identify_clicks=config.settings["identify_visitors_from_email_clicks"],
                               bulk_job_id=job["job_id"])
    existing = email_store.insert_once(tenant, email)
    if existing is not None:
        return _state_of(tenant, existing, scheduled_on_purpose)
    if scheduled_on_purpose:
        return "scheduled"
    context = email_store.SendContext(contact, version, config, None, None)
    return _state_of(tenant, emails.deliver(tenant, email, context), scheduled_on_purpose)


def _job_request(principal: Principal, job: Job) -> outbound.EmailRequest:
    """The job's content, its template read now (a template deleted meanwhile fails the job)."""
    params = job["params"]
    request = outbound.EmailRequest(
        contact_id=None, cc=None, bcc=None, subject=params.get("subject"), body_text=params.get("body_text"),
        body_html=params.get("body_html"), track_opens=params.get("track_opens", True),
        track_clicks=params.get("track_clicks", True), send_at=params.get("send_at"),
        template_id=params.get("template_id"))
    if request.template_id is not None:
        found = template_store.get(principal.tenant, request.template_id)
        request = emails.with_template(request, found[0] if found else None)
    return request


def run(tenant: str, job_id: str, time_left: Callable[[], float]) -> bool:
    """Work on a job until it is done or must wait (True), or time runs short (False: send it again)."""
    opened = bulk.open_job(tenant, job_id)
    if opened is None:
        return True
    job, principal, config = opened
    try:
        request, sender = _job_request(principal, job), emails.sender_of(principal)
        job = bulk.begun(principal, config, job)
        while job["cursor"] < target_count(job):
            if time_left() < job_queue.WORKER_MARGIN_SECONDS:
                return False
            chunk, offset = divmod(job["cursor"], job_store.CHUNK_IDS)
            ids = job_store.targets(tenant, job_id, chunk)[offset:offset + SLICE]
            found = contact_store.versions(tenant, [i for i in ids if is_plain_id(i)])
            counts: Counter[str] = Counter()
            pause = None
            for contact_id in ids:
                try:
                    counts[_send_one(principal, job, request, config, sender, found.get(contact_id), contact_id)] += 1
                except _Pause as waiting:
                    pause = waiting.seconds
                    break
            done = sum(counts.values())
            if done:
                transaction = Transaction()
                job_store.stage_progress(transaction, tenant, job_id, job["cursor"], done, dict(counts),
                                         target_count(job))
                transaction.commit()
            if pause is not None:
                logger.info("bulk email job waits", extra={"job_id": job_id, "seconds": pause})
                job_queue.send(CONFIG.bulk_queue_url, _message(tenant, job_id), delay_seconds=int(pause) + 1)
                return True
            job = cast("Job", job_store.get(tenant, job_id))  # the job being run
    except ConditionFailed as failure:
        if "job" in failure.labels:
            return True  # another worker moved the cursor: it goes on with the job
        raise
    except (ValidationFailed, NotFound) as refused:
        job_store.finish(tenant, job_id, "failed", refused.message)
        return True
    job_store.finish(tenant, job_id, "succeeded")
    logger.info("bulk email job done", extra={"job_id": job_id, "counts": job["counts"]})
    return True
