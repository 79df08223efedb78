"""Contacts' system fields kept current from their customers' actions (see
domain.customer_actions): read, apply, write with each contact's version, for many contacts per
transaction; contacts changed meanwhile are read again and retried."""

from __future__ import annotations

from collections.abc import Iterable

from shared.db import contacts as contact_store
from shared.db import tenant_config
from shared.db.retries import backoff
from shared.domain import validation
from shared.domain.customer_actions import Action, Visits, applied
from shared.observability import logger

ATTEMPTS = 8


def record(tenant: str, actions: dict[str, Iterable[Action]], visits: dict[str, Visits] | None = None) -> None:
    """Apply each contact's `actions` (contact id → actions) and `visits` (contact id → visits)."""
    actions = {contact_id: list(found) for contact_id, found in actions.items()}
    visits = visits or {}
    pending = list(dict.fromkeys([*actions, *visits]))
    for attempt in range(ATTEMPTS):
        if not pending:
            return
        if attempt:
            backoff(attempt)
        config = tenant_config.load(tenant, fresh=attempt > 0)
        changes = []
        for contact_id, (contact, version) in contact_store.versions(tenant, pending).items():
            updated = applied(contact, actions.get(contact_id, ()), visits.get(contact_id))
            if updated != contact:
                changes.append(({**updated, "updated_at": validation.now()}, contact, version))
        pending = contact_store.save_changes(tenant, changes, config) if changes else []
    logger.error("contacts not updated from their customers' actions: they kept changing",
                 extra={"contact_ids": pending[:20]})
