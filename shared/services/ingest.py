"""Server-side ingest (POST /v1/events): up to 500 events a call, each accepted, a duplicate
(its `event_id` was seen before: a retry) or rejected with the reason; the rest go on.

Writes: the timeline entries with their `event_id` markers in transactions of up to 50
events (a marker that exists fails its transaction, which is then retried without it), and
the contacts' score counts and `last_customer_action_*` (services.customer_actions).
"""

from __future__ import annotations

from typing import Any, Callable

from shared.db import contacts as contact_store
from shared.db import ingest as repository
from shared.db.transactions import ConditionFailed
from shared.domain import ingest
from shared.domain.customer_actions import Action
from shared.domain.ids import new_id
from shared.errors import BadRequest, Forbidden, PayloadTooLarge
from shared.keys import is_plain_id
from shared.services import api_keys, contacts, customer_actions

CHUNK = 50


def receive(api_key: Any, read_body: Callable[[], Any]) -> dict[str, Any]:
    """Ingest the batch `read_body()` returns; it is read only once the API key is known, so an
    unknown caller's body is never parsed."""
    tenant = api_keys.tenant_of(api_key)
    body = read_body()
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
    accepted: dict[str, list[Action]] = {}
    for event, contact_id in entries:
        if statuses.get(event.index) == "accepted":
            accepted.setdefault(contact_id, []).append(Action(event.type, event.occurred_at, event.data.get("machine") is True))
    customer_actions.record(tenant, accepted)
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
            try:
                contact = contacts.ownerless_with_email(tenant, event.email)
            except Forbidden as full:  # the plan's contact limit: this event is rejected, the others go on
                errors[event.index] = full.message
                continue
            by_email[event.email] = contact
            found[event.index] = contact["id"]
        else:
            errors[event.index] = f"no contact with email {event.email} (send \"create\": true to create it)"
    return found


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
