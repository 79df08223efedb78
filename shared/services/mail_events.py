"""Apply SES mail events: each recipient's event once, on the timeline, on the contact's
delivery status and on the email. A notification for mail we did not send is logged and
ignored."""

from __future__ import annotations

from typing import Any

from shared.db import emails as email_store
from shared.db import mail_events as repository
from shared.db.transactions import ConditionFailed
from shared.domain import activities, mail_events, validation
from shared.domain.ids import new_id
from shared.observability import logger
from shared.services.contacts import until_settled


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
    found = email_store.email_by_provider_id(events[0].provider_message_id)
    if found is None:
        logger.info("mail event for mail we did not send; ignored",
                    extra={"provider_message_id": events[0].provider_message_id, "source_id": source_id})
        counts["ignored"] += len(events)
        return counts
    tenant, email = found
    for event in events:
        event_key = f"{event.provider_message_id}#{event.recipient}#{event.kind}#{event.occurred_at}"
        applied = _apply(tenant, email, event, event_key)
        counts["applied" if applied else "duplicate"] += 1
    return counts


def _apply(tenant: str, email: dict[str, Any], event: mail_events.MailEvent, event_key: str) -> bool:
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
