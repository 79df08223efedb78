"""Apply SES mail events: each recipient's event once, on the timeline, on the contact's
delivery status and on the email. A notification for mail we did not send is logged and
ignored; one that arrives before our record of the mail is visible is asked for again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from shared import keys
from shared.db import emails as email_store
from shared.db import mail_events as repository
from shared.db.retries import backoff
from shared.db.transactions import ConditionFailed
from shared.domain import activities, mail_events, validation
from shared.domain.ids import new_id
from shared.errors import Busy
from shared.observability import count, for_tenant, logger
from shared.services.contacts import until_settled

if TYPE_CHECKING:
    from shared.domain.entities import Email

_LOOKUPS = 4  # within about a second: what an index usually lags


def record(notification: Any, source_id: str) -> dict[str, int]:
    """Apply one SES notification (`source_id`, its SNS MessageId or EventBridge id, is for the
    logs). An event is known by what it says (message, recipient, kind, time), so the same event
    redelivered, or delivered both through SNS and EventBridge, is applied once. Counts of
    applied, duplicate and ignored events."""
    counts = {"applied": 0, "duplicate": 0, "ignored": 0}
    try:
        events = mail_events.read(notification)
    except mail_events.NotAMailEvent as error:
        logger.warning("not an SES notification; ignored", extra={"source_id": source_id, "reason": str(error)})
        counts["ignored"] += 1
        return counts
    if not events:
        return counts
    found = _email_of(events[0].provider_message_id, notification, source_id)
    if found is None:
        counts["ignored"] += len(events)
        return counts
    tenant, email = found
    for_tenant(tenant)
    for event in events:
        event_key = keys.mail_event_key(event.provider_message_id, event.recipient, event.kind, event.occurred_at)
        applied = _apply(tenant, email, event, event_key)
        counts["applied" if applied else "duplicate"] += 1
        if applied:
            count("MailEvents", kind=event.kind)
    return counts


def _email_of(provider_message_id: str, notification: dict[str, Any],
              source_id: str) -> tuple[str, Email] | None:
    """(tenant, email) the notification is about, found through an index that lags the table:
    for mail SES took moments ago it is looked up again a few times within a second, then Busy
    asks for the notification again (a 503 makes SNS deliver it again; raised from an
    EventBridge invocation, Lambda invokes again). None: mail we did not send, logged."""
    recent = mail_events.may_not_be_recorded_yet(notification, datetime.now(UTC))
    for attempt in range(_LOOKUPS if recent else 1):
        if attempt:
            backoff(attempt - 1, base=0.1, cap=0.4)
        found = email_store.email_by_provider_id(provider_message_id)
        if found is not None:
            return found
    extra = {"provider_message_id": provider_message_id, "source_id": source_id}
    if recent:
        logger.info("mail event for mail not recorded yet; asked for again", extra=extra)
        raise Busy("The email of this notification is not recorded yet; deliver the notification again.")
    logger.info("mail event for mail we did not send; ignored", extra=extra)
    return None


def _apply(tenant: str, email: Email, event: mail_events.MailEvent, event_key: str) -> bool:
    """Apply one event, again from a fresh read when the contact changed meanwhile; False when
    it had been applied before."""

    def attempt() -> bool:
        contact, version, config = repository.recipient_contact(tenant, email["contact_id"], event.recipient)
        activity = change = None
        if contact is not None and event.kind in mail_events.ACTIVITY_TYPES:
            activity = (contact["id"], activities.mail_event(new_id(), mail_events.ACTIVITY_TYPES[event.kind], email,
                                                            event, mail_events.summary(event, email["subject"])))
            fields = mail_events.contact_change(contact, event)
            if fields is not None:
                change = ({**contact, **fields, "updated_at": validation.now()}, contact, version, config)
        try:
            repository.apply(tenant, email, event_key, event.recipient, event.kind, activity, change)
            return True
        except ConditionFailed as failure:
            if "event" in failure.labels:
                return False
            if "message" in failure.labels:
                logger.info("mail event for a deleted email; ignored", extra={"email_id": email["email_id"]})
                return True
            raise

    return until_settled(attempt)
