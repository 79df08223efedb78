"""Server-side ingest (POST /v1/events): up to 500 events a call, each accepted, a duplicate
(its `event_id` was seen before: a retry) or rejected with the reason; the rest go on.

Writes: the timeline entries with their `event_id` markers in transactions of up to 50
events (a marker that exists fails its transaction, which is then retried without it), and
one update per contact for `last_customer_action_*` (the newest event).
"""

from __future__ import annotations

from typing import Any

from shared.db import contacts as contact_store
from shared.db import tenant_config
from shared.db import ingest as repository
from shared.db.transactions import ConditionFailed, backoff
from shared.domain import contacts as contact_rules
from shared.domain import ingest, score, validation
from shared.domain.ids import new_id
from shared.errors import BadRequest, PayloadTooLarge
from shared.keys import is_plain_id
from shared.observability import logger
from shared.services import api_keys
from shared.services.contacts import until_settled

CHUNK = 50
ATTEMPTS = 8


def receive(api_key: Any, body: Any) -> dict[str, Any]:
    tenant = api_keys.tenant_of(api_key)
    if not isinstance(body, dict) or not isinstance(body.get("events"), list):
        raise BadRequest('The body must be {"events": [...]}.')
    if len(body["events"]) > ingest.MAX_EVENTS:
        raise PayloadTooLarge(f"At most {ingest.MAX_EVENTS} events a call; split the batch.")
    events, errors = ingest.parse_batch(body)
    contacts = _resolve(tenant, events, errors)
    statuses: dict[int, str] = {}
    first_of: dict[str, int] = {}
    for event in events:  # an event_id twice in one call: the later ones are retries too
        if event.event_id is not None and event.index in contacts:
            if event.event_id in first_of:
                statuses[event.index] = "duplicate"
            else:
                first_of[event.event_id] = event.index
    entries = [(event, contacts[event.index]) for event in events if event.index in contacts and event.index not in statuses]
    for start in range(0, len(entries), CHUNK):
        statuses.update(_write(tenant, entries[start:start + CHUNK]))
    _mark_actions(tenant, [(event, contact_id) for event, contact_id in entries if statuses.get(event.index) == "accepted"])
    results = []
    for index in range(len(body["events"])):
        if index in errors:
            results.append({"index": index, "status": "rejected", "error": errors[index]})
        else:
            results.append({"index": index, "status": statuses[index], "error": None})
    return {"results": results}


def _resolve(tenant: str, events: list[ingest.Event], errors: dict[int, str]) -> dict[int, str]:
    """The contact id of each event; events naming no contact are added to `errors`."""
    by_id = contact_store.get_many(tenant, [e.contact_id for e in events if e.contact_id and is_plain_id(e.contact_id)])
    by_email = contact_store.by_emails(tenant, [e.email for e in events if e.email])
    found: dict[int, str] = {}
    for event in events:
        if event.contact_id:
            if event.contact_id in by_id:
                found[event.index] = event.contact_id
            else:
                errors[event.index] = f"no contact with id {event.contact_id}"
        elif event.email in by_email:
            found[event.index] = by_email[event.email]["id"]
        elif event.create:
            contact = _create(tenant, event.email)
            by_email[event.email] = contact
            found[event.index] = contact["id"]
        else:
            errors[event.index] = f"no contact with email {event.email} (send \"create\": true to create it)"
    return found


def _create(tenant: str, email: str) -> dict[str, Any]:
    """An ownerless contact for an unknown email (as imports and ingested events create them)."""

    def attempt() -> dict[str, Any]:
        config = tenant_config.load(tenant, fresh=True)
        contact = contact_rules.new_contact(new_id(), {"email": email, "owner_id": None}, None, validation.now())
        try:
            contact_store.save(tenant, contact, config)
        except ConditionFailed as failure:
            if "email" in failure.labels:  # created meanwhile by another event
                return contact_store.by_emails(tenant, [email])[email]
            raise
        return contact

    return until_settled(attempt)


def _write(tenant: str, entries: list[tuple[ingest.Event, str]]) -> dict[int, str]:
    statuses: dict[int, str] = {}
    pending = list(entries)
    while pending:
        try:
            repository.record(tenant, [(ingest.activity(new_id(), event, contact_id), contact_id, event.event_id)
                                       for event, contact_id in pending])
        except ConditionFailed as failure:
            seen = set(failure.labels)
            for event, _ in pending:
                if event.event_id and f"event:{event.event_id}" in seen:
                    statuses[event.index] = "duplicate"
            pending = [(event, contact_id) for event, contact_id in pending if event.index not in statuses]
            continue
        statuses.update({event.index: "accepted" for event, _ in pending})
        pending = []
    return statuses


def _mark_actions(tenant: str, accepted: list[tuple[ingest.Event, str]]) -> None:
    """Each contact's score counts and `last_customer_action_*` (its newest event), written for
    many contacts per transaction; contacts changed meanwhile are read again and retried.
    Machine events (`data.machine`) neither score nor count as the contact's action."""
    by_contact: dict[str, list[ingest.Event]] = {}
    for event, contact_id in accepted:
        by_contact.setdefault(contact_id, []).append(event)
    pending = list(by_contact)
    for attempt in range(ATTEMPTS):
        if not pending:
            return
        if attempt:
            backoff(attempt)
        config = tenant_config.load(tenant, fresh=attempt > 0)
        current = contact_store.versions(tenant, pending)
        changes = []
        for contact_id, (contact, version) in current.items():
            updated = _acted(contact, by_contact[contact_id])
            if updated != contact:
                changes.append(({**updated, "updated_at": validation.now()}, contact, version))
        pending = contact_store.save_changes(tenant, changes, config) if changes else []
    logger.error("contacts not updated from their events: they kept changing", extra={"contact_ids": pending[:20]})


def _acted(contact: dict[str, Any], events: list[ingest.Event]) -> dict[str, Any]:
    updated = score.counted(contact, [(e.type, e.occurred_at, e.data.get("machine") is True) for e in events])
    newest = max((e for e in events if e.data.get("machine") is not True), key=lambda e: e.occurred_at, default=None)
    if newest is not None and (contact.get("last_customer_action_at") or "") < newest.occurred_at:
        updated |= {"last_customer_action_at": newest.occurred_at, "last_customer_action_type": newest.type}
    return updated
