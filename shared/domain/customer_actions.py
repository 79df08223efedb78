"""What a customer's own actions (an open, a click, a page view, a form, an ingested event) do
to the contact's system fields: the score counts, `last_customer_action_*`, and for web visits
`last_seen_at` and `session_count`, for purchases `purchase_count` and `last_purchase_at`.
Machine actions (`data.machine`) change none of them. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shared.domain import score


@dataclass(frozen=True)
class Action:
    type: str
    at: str
    machine: bool = False


@dataclass(frozen=True)
class Visits:
    """Web visits to add: sessions started, and the time of the latest hit."""

    sessions: int
    seen_at: str


def applied(contact: dict[str, Any], actions: Iterable[Action], visits: Visits | None = None) -> dict[str, Any]:
    """The contact with `actions` (and `visits`) taken into account; unchanged fields are kept."""
    actions = list(actions)
    updated = score.counted(contact, [(action.type, action.at, action.machine) for action in actions])
    newest = max((action for action in actions if not action.machine), key=lambda action: action.at, default=None)
    if newest is not None and (contact.get("last_customer_action_at") or "") < newest.at:
        updated |= {"last_customer_action_at": newest.at, "last_customer_action_type": newest.type}
    purchases = [action.at for action in actions if action.type == "purchase" and not action.machine]
    if purchases:
        updated["purchase_count"] = int(contact.get("purchase_count") or 0) + len(purchases)
        updated["last_purchase_at"] = max(contact.get("last_purchase_at") or "", *purchases)
    if visits is not None:
        updated["session_count"] = int(contact.get("session_count") or 0) + visits.sessions
        if (contact.get("last_seen_at") or "") < visits.seen_at:
            updated["last_seen_at"] = visits.seen_at
    return updated
