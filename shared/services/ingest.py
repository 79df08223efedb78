"""Server-side ingest (POST /v1/events): up to 500 events a call, each accepted, a duplicate
(its `event_id` was seen before: a retry) or rejected with the reason; the rest go on.

Writes: each event's timeline entry, its `event_id` marker and its effect on the contact (score
counts, `last_customer_action_*`) in one transaction, so a retry of an event never finds it
recorded without its effect. Events go in groups that fit DynamoDB's transaction limits (100
actions, 4 MB: a large contact with its email key's copy takes up to 800 KB); a marker that
exists fails its group, which is then retried without that event; a contact changed meanwhile
is read again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from shared.db import contacts as contact_store
from shared.db import ingest as repository
from shared.db import tenant_config
from shared.db.retries import backoff
from shared.db.transactions import MAX_ITEMS, ConditionFailed
from shared.domain import ingest, validation
from shared.domain.customer_actions import Action, applied
from shared.domain.ids import new_id
from shared.domain.sizes import KB, MAX_TRANSACTION_BYTES
from shared.errors import BadRequest, Busy, Forbidden, PayloadTooLarge
from shared.keys import is_plain_id
from shared.services import api_keys, contacts

ATTEMPTS = 8
# What one event's timeline entry and marker may take (its data is at most 8 KB).
_EVENT_BYTES = ingest.MAX_DATA_BYTES + 4 * KB


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
    entries = [(event, contacts[event.index]) for event in events
               if event.index in contacts and event.index not in statuses]
    for group in _groups(tenant, entries):
        statuses.update(_write(tenant, group))
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
                contact = contacts.ownerless_with_email(tenant, cast(str, event.email))  # no id: an email
            except Forbidden as full:  # the plan's contact limit: this event is rejected, the others go on
                errors[event.index] = full.message
                continue
            by_email[cast(str, event.email)] = contact
            found[event.index] = contact["id"]
        else:
            errors[event.index] = f"no contact with email {event.email} (send \"create\": true to create it)"
    return found


def _groups(tenant: str, entries: list[tuple[ingest.Event, str]]) -> list[list[tuple[ingest.Event, str]]]:
    """`entries` in consecutive groups whose writes fit one transaction with room to spare: each
    event's entry and marker, and once per group each contact's save as it stands now."""
    config = tenant_config.load(tenant)
    # each contact's save as the call's events change it: a changed sort value moves its view items
    footprint = {contact_id: contact_store.save_footprint(tenant, updated, config, previous=contact, version=version)
                 for contact_id, (updated, contact, version) in _changed_contacts(tenant, entries).items()}
    groups: list[list[tuple[ingest.Event, str]]] = []
    in_group: set[str] = set()
    actions = size = 0
    for event, contact_id in entries:
        event_cost = (2, _EVENT_BYTES)
        contact_cost = footprint.get(contact_id, (0, 0))
        fresh = contact_id not in in_group
        more_actions = event_cost[0] + (contact_cost[0] if fresh else 0)
        more_bytes = event_cost[1] + (contact_cost[1] if fresh else 0)
        if not groups or actions + more_actions > MAX_ITEMS - 1 or size + more_bytes > MAX_TRANSACTION_BYTES - 64 * KB:
            groups.append([])
            in_group = set()
            # 1: the config check
            actions, size = 1 + event_cost[0] + contact_cost[0], KB + event_cost[1] + contact_cost[1]
        else:
            actions, size = actions + more_actions, size + more_bytes
        in_group.add(contact_id)
        groups[-1].append((event, contact_id))
    return groups


def _changed_contacts(tenant: str, entries: list[tuple[ingest.Event, str]]
                     ) -> dict[str, tuple[dict[str, Any], dict[str, Any], int]]:
    """Each contact of `entries` read now, as its events leave it: (updated, as read, version);
    `updated` is the contact read itself when the events change nothing."""
    actions: dict[str, list[Action]] = {}
    for event, contact_id in entries:
        actions.setdefault(contact_id, []).append(Action(event.type, event.occurred_at,
                                                         event.data.get("machine") is True))
    changed = {}
    for contact_id, (contact, version) in contact_store.versions(tenant, list(actions)).items():
        updated = applied(contact, actions[contact_id])
        changed[contact_id] = ({**updated, "updated_at": validation.now()} if updated != contact else contact,
                               contact, version)
    return changed


def _write(tenant: str, entries: list[tuple[ingest.Event, str]]) -> dict[int, str]:
    """Record a group's events with their effects on their contacts in one transaction: again
    without the events already recorded, or from a fresh read when a contact or the config moved."""
    statuses: dict[int, str] = {}
    pending = list(entries)
    for attempt in range(ATTEMPTS):
        if not pending:
            return statuses
        config = tenant_config.load(tenant, fresh=attempt > 0)
        changes = [(updated, contact, version)
                   for updated, contact, version in _changed_contacts(tenant, pending).values()
                   if updated is not contact]
        try:
            repository.record(tenant, [(ingest.activity(new_id(), event, contact_id), contact_id, event.event_id)
                                       for event, contact_id in pending], changes, config)
        except ConditionFailed as failure:
            seen = set(failure.labels)
            for event, _ in pending:
                if event.event_id and f"event:{event.event_id}" in seen:
                    statuses[event.index] = "duplicate"
            pending = [(event, contact_id) for event, contact_id in pending if event.index not in statuses]
            if not pending:
                return statuses
            if not any(label.startswith("event:") for label in seen):
                backoff(attempt)  # a contact or the config moved: read them again
            continue
        statuses.update({event.index: "accepted" for event, _ in pending})
        return statuses
    raise Busy("The contacts of these events kept changing; retry the call (recorded events answer duplicate).")
