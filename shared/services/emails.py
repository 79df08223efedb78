"""One-to-one email use cases: preview, send now or at a time, list, read, reschedule, cancel.

Sending: the email is stored as `sending` (or `scheduled`) before anything leaves, then the
transport is called, then one transaction records it `sent` with its timeline entries and the
contact's new fields. A transport error marks it `failed` and records nothing as sent; SES's
sending limits (throttling, the daily quota) put it back to `scheduled` a little later instead,
so a send now answers `scheduled` and the sweep sends it once the limit has passed.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from shared import cursor, keys
from shared.config import CONFIG, tracking_keyring
from shared.db import contacts as contact_store
from shared.db import emails as repository
from shared.db import templates as template_store
from shared.db import tenant_config
from shared.db.contacts import ContactChange
from shared.db.retries import backoff
from shared.db.transactions import ConditionFailed
from shared.domain import activities, listing, mail, outbound, validation
from shared.domain import contacts as contact_rules
from shared.domain.access import Principal
from shared.domain.ids import new_id
from shared.errors import (
    Busy,
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    TransportFailed,
    TransportThrottled,
    ValidationFailed,
    require_valid,
)
from shared.observability import count, logger
from shared.services import contacts as contact_service
from shared.services import delivery, schedules
from shared.services.contacts import visible_contact

if TYPE_CHECKING:
    from shared.domain.entities import Email

EMAIL_MANAGER_ROLES = frozenset({"owner", "admin", "manager"})
RECORD_ATTEMPTS = 8


HIDDEN_ADDRESS = "is the address of another contact, one you may not see"


def _undeliverable(delivery_status: str) -> ValidationFailed:
    return ValidationFailed(
        f"This contact's address is marked {delivery_status}; mail to it is refused. "
        "Correct the address (or wait for a delivery) before sending.",
        [FieldError("contact_id", f"delivery status is {delivery_status}", "suppressed")],
    )


def _contact_not_found(contact_id: str) -> NotFound:
    return NotFound(f"No contact with id {contact_id} exists (or you may not see it).")


def _email_not_found(email_id: str) -> NotFound:
    return NotFound(f"No email with id {email_id} exists (or you may not see it).")


def sender_of(principal: Principal) -> dict[str, Any]:
    """The caller as the sender, exactly as the message will name them (else 422, before
    anything is stored)."""
    if not principal.email:
        raise ValidationFailed("Your account has no email address to send from; ask an administrator to add one.",
                               [FieldError("sender.email", "is missing from your sign-in token", "required")])
    return mail.check_sender({"id": principal.user_id, "name": principal.name, "email": principal.email})


def _check_copies(principal: Principal, recipients: mail.Recipients, settings: dict[str, Any]) -> None:
    """Cc and Bcc addresses of contacts whose address is suppressed are refused too: mail to
    an `invalid_address`, `error` or `spam` address is refused whichever field it is in. So is
    the address of a contact the sender may not see (owner visibility): no copy reaches it, and
    the refusal names only the address given, as POST /v1/contacts' 409 for a taken email does."""
    copies = [("cc", index, address) for index, address in enumerate(recipients.cc)]
    copies += [("bcc", index, address) for index, address in enumerate(recipients.bcc)]
    if not copies:
        return
    known = contact_store.by_emails(principal.tenant, [address.lower() for _, _, address in copies])
    errors, hidden = [], []
    for field, index, address in copies:
        contact = known.get(address.lower())
        if contact is not None and not principal.can_see(contact, settings):
            hidden.append(FieldError(f"{field}[{index}]", HIDDEN_ADDRESS, "not_visible"))
        elif (status := (contact or {}).get("delivery_status")) in outbound.SUPPRESSED_DELIVERY:
            errors.append(FieldError(f"{field}[{index}]",
                                     f"{address} is marked {status}; mail to it is refused", "suppressed"))
    require_valid(hidden, "Some addresses belong to contacts you may not see; remove them before sending.")
    require_valid(errors, "Some addresses are marked undeliverable; remove them or correct them before sending.")


def render(
    principal: Principal, request: outbound.EmailRequest, contact: dict[str, Any], config: tenant_config.TenantConfig,
    sender: dict[str, Any],
) -> tuple[mail.Recipients, mail.RenderedEmail]:
    """The recipients and the merged content, after the refusals every send shares."""
    delivery_status = contact.get("delivery_status", "unconfirmed")
    if delivery_status in outbound.SUPPRESSED_DELIVERY:
        raise _undeliverable(delivery_status)
    recipients = mail.check_recipients(contact.get("email"), request.cc, request.bcc)
    _check_copies(principal, recipients, config.settings)
    shaped = contact_rules.public(contact, config.settings, config.properties)
    rendered = mail.render_email(request.subject, request.body_text, request.body_html, shaped,
                                 config.properties, sender, name_order=config.settings["name_order"])
    outbound.check_size(rendered)
    return recipients, rendered


def preview(principal: Principal, body: Any) -> dict[str, Any]:
    request = outbound.parse_request(body, datetime.now(UTC))
    if request.contact_id is None:
        require_valid([FieldError("contact_id", "a preview merges the fields of an existing contact", "required")])
    contact, config = visible_contact(principal, cast(str, request.contact_id))  # None: refused above
    if request.template_id is not None:
        found = template_store.get(principal.tenant, request.template_id)
        request = with_template(request, found[0] if found else None)
    _, rendered = render(principal, request, contact, config, sender_of(principal))
    return {"subject": rendered.subject, "body_text": rendered.body_text, "body_html": rendered.body_html}


def _may_see(principal: Principal, email: Email, settings: dict[str, Any]) -> bool:
    """Under owner visibility a `user` sees the emails they sent; everyone else sees all."""
    owner = principal.visible_owner(settings)
    return owner is None or email["sender_id"] == owner


def _check_parent(principal: Principal, request: outbound.EmailRequest, context: repository.SendContext) -> None:
    if request.in_reply_to is None:
        return
    parent = context.parent
    if parent is None or not _may_see(principal, parent, context.config.settings):
        require_valid([FieldError("in_reply_to", "is not the id of an email you can see", "not_found")])
    if cast(dict[str, Any], parent)["contact_id"] != request.contact_id:  # None: refused above
        require_valid([FieldError("in_reply_to", "is an email to another contact; reply to the same contact")])


def send(principal: Principal, body: Any) -> dict[str, Any]:
    """POST /v1/emails: store the email, then send it now or schedule it. With `to_email`, an
    address no contact has becomes a contact of the sender, saved only once everything else
    about the email has been checked."""
    request = outbound.parse_request(body, datetime.now(UTC))
    sender = sender_of(principal)
    new_contact = None
    if request.to_email is not None:
        request, new_contact = _recipient_of_address(principal, request)
    contact_id = cast(str, request.contact_id)  # parse_request: a contact_id, or a to_email that gave one
    if not keys.is_plain_id(contact_id):
        raise _contact_not_found(contact_id)
    if request.in_reply_to is not None and not keys.is_plain_id(request.in_reply_to):
        require_valid([FieldError("in_reply_to", "is not the id of an email you can see", "not_found")])
    context = repository.load_send_context(principal.tenant, contact_id, request.in_reply_to,
                                           principal.user_id if request.transport == "smtp" else None,
                                           request.template_id)
    if new_contact is not None:
        new_contact = context.contact = contact_service.linked_by_domain(context.config, [new_contact])[0]
    contact = context.contact
    if contact is None or not principal.can_see(contact, context.config.settings):
        raise _contact_not_found(contact_id)
    request = with_template(request, context.template)
    _check_parent(principal, request, context)
    if request.transport == "smtp" and context.mailbox is None:
        require_valid([FieldError("transport", "smtp needs your mailbox: set it with PUT /v1/me/mailbox first",
                                  "no_mailbox")])
    recipients, rendered = render(principal, request, contact, context.config, sender)
    email = outbound.new_email(email_id=new_id(), contact_id=contact_id, request=request, recipients=recipients,
                               rendered=rendered, sender=sender, parent=context.parent, now=validation.now(),
                               identify_clicks=context.config.settings["identify_visitors_from_email_clicks"])
    repository.require_fits(principal.tenant, email)  # refused before the new contact is saved
    if new_contact is not None:
        contact_service.insert_new(principal.tenant, new_contact, context.config)
        context.contact_version = 1
    repository.insert(principal.tenant, email)
    if request.send_at is not None:  # the email is `scheduled` for then
        schedules.schedule(principal.tenant, email["email_id"], request.send_at)
        return outbound.public(email)
    return outbound.public(deliver(principal.tenant, email, context))


def _recipient_of_address(principal: Principal, request: outbound.EmailRequest
                          ) -> tuple[outbound.EmailRequest, dict[str, Any] | None]:
    """The request addressed to the contact with `to_email`, or to a new contact of the sender
    (not saved yet: validated as POST /v1/contacts validates it)."""
    address = cast(str, request.to_email).lower()  # called when there is one
    known = contact_store.by_emails(principal.tenant, [address]).get(address)
    config = tenant_config.load(principal.tenant)
    if known is not None:
        if not principal.can_see(known, config.settings):
            # neither the hidden contact's id nor a second contact with its (unique) address:
            # the 409 POST /v1/contacts answers for this email
            raise Conflict("Another contact already has this email address, one you may not see; "
                           "ask its owner or a manager.", [FieldError("to_email", HIDDEN_ADDRESS, "duplicate")])
        return replace(request, contact_id=known["id"]), None
    changes = contact_rules.parse_changes({"email": request.to_email}, config.properties)
    contact = contact_rules.new_contact(new_id(), changes, principal.user_id, validation.now())
    return replace(request, contact_id=contact["id"]), contact


def with_template(request: outbound.EmailRequest, template: dict[str, Any] | None) -> outbound.EmailRequest:
    """The subject and bodies the request leaves out, from its template (None: not found)."""
    if request.template_id is None:
        return request
    if template is None:
        require_valid([FieldError("template_id", "is not the id of one of your templates", "not_found")],
                      "The email template does not exist; choose another one.")
    given = {name: getattr(request, name) for name in outbound.TEMPLATE_FIELDS}
    template = cast(dict[str, Any], template)  # None: refused above
    return replace(request, **{name: template[name] if value is None else value
                               for name, value in given.items()})


def duplicate(principal: Principal, email_id: str) -> dict[str, Any]:
    """POST /v1/emails/{id}/duplicate (seed 004: 複製): a new draft with the email's content, as
    the body of a POST /v1/emails to edit and send. Drafts live in the client: nothing is stored."""
    email, _ = visible_email(principal, email_id)
    return {"draft": {"contact_id": email["contact_id"] or None, "cc": list(email.get("cc") or []),
                      "bcc": list(email.get("bcc") or []), "subject": email["subject"],
                      "body_text": email["body_text"], "body_html": email.get("body_html"),
                      "track_opens": email["track_opens"] if email["status"] != "received" else True,
                      "track_clicks": email["track_clicks"] if email["status"] != "received" else True}}


def deliver(tenant: str, email: Email, context: repository.SendContext) -> Email:
    """Send an email that is `sending`; record it `sent` (or `failed`)."""
    moment = datetime.now(UTC)
    now = validation.format_time(moment)
    try:
        raw = outbound.build_message(tenant, email, tracking_keyring(), CONFIG.tracking_base_url, moment)
        provider_message_id = delivery.deliver(email, raw, context.mailbox)
    except ValidationFailed as refusal:  # checked when accepted; only a changed rule could get here
        return _fail(tenant, email, refusal.message)
    except TransportFailed as failure:
        return _fail(tenant, email, failure.reason)
    except TransportThrottled as throttled:
        return _defer(tenant, email, throttled, moment)
    sent: Email = {**email, "status": "sent", "sent_at": now, "updated_at": now,
                   "provider_message_id": provider_message_id}
    _record_sent(tenant, sent, context)
    count("EmailsSent")
    return sent


def _fail(tenant: str, email: Email, reason: str) -> Email:
    logger.warning("email not sent", extra={"email_id": email["email_id"], "reason": reason})
    failed: Email = {**email, "status": "failed", "failure_reason": reason, "updated_at": validation.now()}
    repository.transition(tenant, failed, "sending")
    count("EmailsFailed")
    return failed


def _defer(tenant: str, email: Email, throttled: TransportThrottled, moment: datetime) -> Email:
    """SES took nothing, only for now (its sending limits): the email goes back to `scheduled`,
    due again after `retry_after`, for the sweep (or a trigger) to claim and send once. The
    condition on `sending` keeps two deferrals or a deferral and a record from both winning."""
    send_at = validation.format_time(moment + timedelta(seconds=throttled.retry_after))
    logger.warning("email deferred: SES sending limit", extra={"email_id": email["email_id"], "send_at": send_at,
                                                                "reason": throttled.reason})
    deferred: Email = {**email, "status": "scheduled", "send_at": send_at, "updated_at": validation.now()}
    return repository.transition(tenant, deferred, "sending") or repository.get(tenant, email["email_id"]) or deferred


def _record_sent(tenant: str, sent: Email, context: repository.SendContext) -> None:
    """The email `sent`, `email_sent` (and `owner_assigned`) on the timeline and the contact
    contacted, in one transaction, read again and retried if the contact changed meanwhile.
    The message is out whatever happens here: if the contact keeps changing (or stays
    contended: Busy), the email and its timeline entry are recorded without it, then the contact
    is updated on its own."""
    for attempt in range(RECORD_ATTEMPTS):
        if attempt:
            backoff(attempt)
            context = repository.load_send_context(tenant, sent["contact_id"], None, None)
        try:
            repository.complete_sent(tenant, sent["contact_id"], sent, *_contacted(sent, context))
            return
        except ConditionFailed as failure:
            if "message" in failure.labels:
                # only this call moves a claimed email on: an earlier try of this very
                # transaction was applied (its answer lost and the request retried)
                logger.info("sent email already recorded", extra={"email_id": sent["email_id"]})
                return
        except Busy:  # the commit already retried the contention: record the email without the contact
            break
    repository.complete_sent(tenant, sent["contact_id"], sent, [activities.email_sent(new_id(), sent)], None)
    for attempt in range(RECORD_ATTEMPTS):
        backoff(attempt)
        context = repository.load_send_context(tenant, sent["contact_id"], None, None)
        entries, contact_update = _contacted(sent, context, with_email_sent=False)
        if contact_update is None:
            return  # the contact was deleted meanwhile
        try:
            repository.complete_sent(tenant, sent["contact_id"], None, entries, contact_update)
            return
        except ConditionFailed:
            continue
        except Busy:
            break
    logger.error("contact not marked contacted: it kept changing", extra={"email_id": sent["email_id"]})


def _contacted(
    sent: Email, context: repository.SendContext, *, with_email_sent: bool = True,
) -> tuple[list[dict[str, Any]], ContactChange | None]:
    """The timeline entries and the contact update that record a sent email (none while the
    contact is gone)."""
    if context.contact is None:
        return [], None
    entries, updated = outbound.reached(sent, context.contact, new_id)
    if not with_email_sent:
        entries = [entry for entry in entries if entry["type"] != "email_sent"]
    # a contact read comes with its version
    return entries, (updated, context.contact, cast(int, context.contact_version), context.config)


def send_scheduled(tenant: str, email_id: str) -> Email | None:
    """Send a scheduled email if it is due and nobody else claimed, cancelled or moved it.

    The claim (scheduled → sending, only if send_at has come) is a conditional write, so of two
    triggers firing at once exactly one sends. None when there was nothing to send.
    """
    email = repository.get(tenant, email_id)
    if email is None or email["status"] != "scheduled":
        return None
    now = validation.now()
    claimed = repository.transition(tenant, {**email, "status": "sending", "updated_at": now}, "scheduled", due_by=now)
    if claimed is None:
        return None
    context = repository.load_send_context(tenant, claimed["contact_id"], None,
                                           claimed["sender_id"] if claimed["transport"] == "smtp" else None)
    problem = _scheduled_problem(claimed, context)
    if problem:
        return _fail(tenant, claimed, problem)
    return deliver(tenant, claimed, context)


def _scheduled_problem(email: Email, context: repository.SendContext) -> str | None:
    """Why a scheduled email can no longer go out: what changed since it was scheduled."""
    if context.contact is None:
        return "The contact was deleted before the scheduled time."
    delivery_status = context.contact.get("delivery_status", "unconfirmed")
    if delivery_status in outbound.SUPPRESSED_DELIVERY:
        return f"The contact's address was marked {delivery_status} before the scheduled time; nothing was sent."
    if email.get("bulk_job_id") and context.contact.get("marketing_opt_out"):
        return "The contact opted out of marketing mail before the scheduled time; nothing was sent."
    if email["transport"] == "smtp" and context.mailbox is None:
        return "The sender's mailbox was removed before the scheduled time; nothing was sent."
    return None


# --- reading ---------------------------------------------------------------------------------

def visible_email(principal: Principal, email_id: str) -> tuple[Email, dict[str, Any]]:
    config = tenant_config.load(principal.tenant)
    email = repository.get(principal.tenant, email_id) if keys.is_plain_id(email_id) else None
    if email is None or not _may_see(principal, email, config.settings):
        raise _email_not_found(email_id)
    return email, config.settings


def get(principal: Principal, email_id: str) -> dict[str, Any]:
    return outbound.public(visible_email(principal, email_id)[0])


def thread(principal: Principal, email_id: str, params: dict[str, str]) -> dict[str, Any]:
    """The thread's emails the caller may see, oldest first, a page at a time (`limit`, `cursor`)."""
    email, settings = visible_email(principal, email_id)
    limit = listing.parse_limit(params.get("limit"))
    fingerprint = cursor.fingerprint({"thread": email["thread_id"]})
    start = _start(principal, fingerprint, params.get("cursor"))
    page = repository.thread_page(principal.tenant, email["thread_id"], limit, start)
    items, last = page.fit([outbound.public(item) if _may_see(principal, item, settings) else None
                            for item in page.items])
    return {"items": items, "next_cursor": _next_cursor(principal, fingerprint, last)}


def _start(principal: Principal, fingerprint: str, raw_cursor: str | None) -> dict[str, Any] | None:
    start = cursor.decode(CONFIG.cursor_secret, principal.tenant, fingerprint, raw_cursor) if raw_cursor else None
    if start is not None and not isinstance(start, dict):
        raise listing.bad_cursor()
    return start


def _next_cursor(principal: Principal, fingerprint: str, last: dict[str, Any] | None) -> str | None:
    return cursor.encode(CONFIG.cursor_secret, principal.tenant, fingerprint, last) if last else None


def list_folder(principal: Principal, params: dict[str, str]) -> dict[str, Any]:
    folder = params.get("folder", "sent")
    if folder not in outbound.FOLDERS:
        require_valid([FieldError("folder", f"must be one of {', '.join(outbound.FOLDERS)}")])
    limit = listing.parse_limit(params.get("limit"))
    config = tenant_config.load(principal.tenant)
    sender = principal.visible_owner(config.settings)
    fingerprint = cursor.fingerprint({"emails": folder, "sender": sender})
    start = _start(principal, fingerprint, params.get("cursor"))
    page = repository.folder_page(principal.tenant, folder, sender, limit, start)
    items, last = page.fit([outbound.public(email) for email in page.items])
    return {"items": items, "next_cursor": _next_cursor(principal, fingerprint, last)}


# --- changing a scheduled email --------------------------------------------------------------

def _changeable(principal: Principal, email_id: str, action: str) -> Email:
    email, _ = visible_email(principal, email_id)
    if email["sender_id"] != principal.user_id and principal.role not in EMAIL_MANAGER_ROLES:
        raise Forbidden(f"Only the sender or a manager, admin or owner can {action} this email.")
    if email["status"] != "scheduled":
        raise _not_scheduled(email, action)
    return email


def _not_scheduled(email: Email, action: str) -> Conflict:
    done = {"cancel": "cancelled", "reschedule": "rescheduled"}[action]
    return Conflict(f"This email is {email['status']}, no longer scheduled, so it cannot be {done}.",
                    [FieldError("status", f"is {email['status']}", "not_scheduled")])


def reschedule(principal: Principal, email_id: str, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or set(body) != set(outbound.EMAIL_RESCHEDULE.fields):
        require_valid([FieldError("send_at", "is required, and the only field that can change", "required")])
    send_at = outbound.parse_send_at(body["send_at"], datetime.now(UTC))
    email = _changeable(principal, email_id, "reschedule")
    moved = repository.transition(principal.tenant, {**email, "send_at": send_at, "updated_at": validation.now()},
                                  "scheduled")
    if moved is None:
        raise _not_scheduled(repository.get(principal.tenant, email_id) or email, "reschedule")
    schedules.schedule(principal.tenant, email_id, send_at)
    return outbound.public(moved)


def cancel(principal: Principal, email_id: str) -> None:
    """DELETE /v1/emails/{id}: cancel a scheduled email, or delete a received one."""
    received, _ = visible_email(principal, email_id)
    if received["status"] == "received":
        repository.delete(principal.tenant, email_id)
        return
    email = _changeable(principal, email_id, "cancel")
    cancelled = repository.transition(principal.tenant,
                                      {**email, "status": "cancelled", "updated_at": validation.now()},
                                      "scheduled")
    if cancelled is None:
        raise _not_scheduled(repository.get(principal.tenant, email_id) or email, "cancel")
    schedules.unschedule(email_id)


SWEEP_BATCH = 200
SWEEP_WORKERS = 16
# Lambda's longest run (https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html):
# an email `sending` for longer has no invocation left that could still finish its send.
STUCK_AFTER = timedelta(minutes=15)
# Whether the transport took the message before the invocation died is unknown (SES gives no way
# to look a message up by our id), so it is neither sent again (a second copy) nor called sent.
UNKNOWN_OUTCOME = ("The send did not complete, so it may or may not have been delivered; check with the recipient "
                   "before sending it again.")


def sweep(time_left_ms: Callable[[], int], reserve_ms: int = 15_000) -> dict[str, int]:
    """Send every due scheduled email (the safety net behind the per-email triggers), batch by
    batch while time is left; what the sweep sent has its trigger deleted. Then settle the
    emails whose send never finished."""
    due_count = sent_count = 0
    with ThreadPoolExecutor(max_workers=SWEEP_WORKERS) as pool:
        while time_left_ms() > reserve_ms:
            due = repository.due(validation.now(), SWEEP_BATCH)
            if not due:
                break
            due_count += len(due)
            for email in pool.map(_send_due, due):
                if email is not None and email["status"] == "sent":
                    sent_count += 1
                    schedules.unschedule(email["email_id"])
            if len(due) < SWEEP_BATCH:
                break
    return {"due": due_count, "sent": sent_count, "stuck": _settle_stuck()}


def _settle_stuck() -> int:
    """Mark `failed` (UNKNOWN_OUTCOME) the emails left `sending` past STUCK_AFTER: their
    invocation died between the claim and the record. Each one only if it is still that send
    (`sending`, not updated since), so a retry that claimed it meanwhile is left alone."""
    began_by = validation.format_time(datetime.now(UTC) - STUCK_AFTER)
    settled = 0
    for tenant, email in repository.sending_since(began_by, SWEEP_BATCH):
        failed: Email = {**email, "status": "failed", "failure_reason": UNKNOWN_OUTCOME, "updated_at": validation.now()}
        if repository.transition(tenant, failed, "sending", unchanged_since=began_by) is not None:
            logger.error("email left sending: settled as failed", extra={"email_id": email["email_id"],
                                                                       "sending_since": email["updated_at"]})
            count("EmailsFailed")
            settled += 1
    return settled


def _send_due(due: tuple[str, str]) -> Email | None:
    tenant, email_id = due
    try:
        return send_scheduled(tenant, email_id)
    except Exception:  # one email's trouble must not hold back the others; it is retried next minute
        logger.exception("scheduled email not sent", extra={"email_id": email_id})
        return None
