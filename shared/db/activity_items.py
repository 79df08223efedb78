"""The timeline entry item: in its contact's partition by time, findable by id (GSI8) and by
type (GSI15). Its own module, so the contact repository can write entries without importing
the timeline repository (which imports it)."""

from __future__ import annotations

from typing import Any

from shared import keys
from shared.db.item_size import require_storable
from shared.db.models import ActivityItem
from shared.domain import activities


def activity_model(tenant: str, contact_id: str, activity: dict[str, Any]) -> ActivityItem:
    sort_key = keys.activity_sk(activity["occurred_at"], activity["id"])
    model = ActivityItem(keys.contact_pk(tenant, contact_id), sort_key, data=activity,
                         gsi8pk=keys.activity_id_pk(tenant, activity["id"]), gsi8sk=keys.ACTIVITY_ID_SK,
                         gsi15pk=keys.timeline_type_pk(tenant, contact_id, activity["type"]), gsi15sk=sort_key)
    searchable = activities.searchable_mail_event(activity)
    if searchable is not None:  # the `emails` search condition's index (docs/data-model.md)
        event, template_id = searchable
        model.gsi13pk, model.gsi13sk = keys.mail_activity_pk(tenant, event), keys.timed_sk(activity["occurred_at"],
                                                                                           activity["id"])
        if template_id is not None:
            model.gsi9pk, model.gsi9sk = keys.mail_activity_pk(tenant, event, template_id), model.gsi13sk
    return require_storable(model, "The timeline entry is too large to store; shorten its text.")
