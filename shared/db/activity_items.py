"""The timeline entry item: in its contact's partition by time, findable by id (GSI8) and by
type (GSI15). Its own module, so the contact repository can write entries without importing
the timeline repository (which imports it)."""

from __future__ import annotations

from typing import Any

from shared import indexes, keys
from shared.db.item_size import require_storable
from shared.db.models import ActivityItem
from shared.domain import activities


def activity_model(tenant: str, contact_id: str, activity: dict[str, Any]) -> ActivityItem:
    sort_key = keys.activity_sk(activity["occurred_at"], activity["id"])
    # a model's **attributes: typed Any, as mypy matches them to every parameter
    entries: dict[str, Any] = {
        **keys.index_entry(indexes.ACTIVITY_BY_ID, keys.activity_id_pk(tenant, activity["id"]), keys.ACTIVITY_ID_SK),
        **keys.index_entry(indexes.TIMELINE_BY_TYPE, keys.timeline_type_pk(tenant, contact_id, activity["type"]),
                           sort_key),
    }
    searchable = activities.searchable_mail_event(activity)
    if searchable is not None:  # the `emails` search condition's index (docs/data-model.md)
        event, template_id = searchable
        at = keys.timed_sk(activity["occurred_at"], activity["id"])
        entries |= keys.index_entry(indexes.MAIL_EVENTS, keys.mail_activity_pk(tenant, event), at)
        if template_id is not None:
            entries |= keys.index_entry(indexes.TEMPLATE_MAIL_EVENTS, keys.mail_activity_pk(tenant, event, template_id),
                                        at)
    model = ActivityItem(keys.contact_pk(tenant, contact_id), sort_key, data=activity, **entries)
    return require_storable(model, "The timeline entry is too large to store; shorten its text.")
