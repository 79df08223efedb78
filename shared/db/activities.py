"""Timeline entries in the single table: each in its contact's partition, sorted by time."""

from __future__ import annotations

from typing import Any

from shared import keys
from shared.db.models import ActivityItem


def activity_model(tenant: str, contact_id: str, activity: dict[str, Any]) -> ActivityItem:
    return ActivityItem(keys.contact_pk(tenant, contact_id), keys.activity_sk(activity["occurred_at"], activity["id"]),
                        data=activity)
