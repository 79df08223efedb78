"""Notifications in the single table: `TENANT#{t}#USER#{u}` / `NOTIFY#{email id}#{kind}`, listed
newest first through GSI1 (`{t}#NOTIFY#{u}` → `{at}#{id}`)."""

from __future__ import annotations

from typing import Any, cast

from pynamodb.exceptions import UpdateError

from shared import indexes, keys
from shared.db.models import NotificationItem, as_dict
from shared.db.reads import query
from shared.db.transactions import Transaction, error_code
from shared.domain import notifications as notification_rules


def _key(tenant: str, user_id: str, notification_id: str) -> tuple[str, str]:
    # a valid id: the service answers 404 for one that does not parse
    email_id, kind = cast(tuple[str, str], notification_rules.parse_id(notification_id))
    return keys.user_pk(tenant, user_id), keys.notification_sk(email_id, kind)


def _of(item: NotificationItem) -> dict[str, Any]:
    return {**as_dict(item.data), "read": bool(item.read)}


def stage_new(transaction: Transaction, tenant: str, user_id: str, notification: dict[str, Any]) -> None:
    """The notification, written once: a second one for the same email and kind fails ("notification")."""
    # a model's **attributes: typed Any, as mypy matches them to every parameter
    listed: dict[str, Any] = keys.index_entry(indexes.USER_NOTIFICATIONS, keys.notifications_pk(tenant, user_id),
                                              f"{notification['occurred_at']}#{notification['id']}")
    item = NotificationItem(*_key(tenant, user_id, notification["id"]), data=notification, read=False,
                            expires_at_epoch=notification_rules.expires_at_epoch(notification["occurred_at"]),
                            **listed)
    transaction.put("notification", item, condition=NotificationItem.pk.does_not_exist())


def get(tenant: str, user_id: str, notification_id: str) -> dict[str, Any] | None:
    try:
        return _of(NotificationItem.get(*_key(tenant, user_id, notification_id), consistent_read=True))
    except NotificationItem.DoesNotExist:
        return None


def page(tenant: str, user_id: str, unread_only: bool, limit: int, start: dict[str, Any] | None
         ) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    items: list[dict[str, Any]] = []
    condition = NotificationItem.read == False if unread_only else None  # noqa: E712 - a DynamoDB condition
    while len(items) < limit:
        raws, start = query(keys.notifications_pk(tenant, user_id), index=indexes.USER_NOTIFICATIONS, forward=False,
                            limit=limit - len(items), start=start, filter_condition=condition)
        items += [_of(NotificationItem.from_raw_data(raw)) for raw in raws]
        if not start:
            break
    return items, start


def unread_ids(tenant: str, user_id: str) -> list[str]:
    """Ids of the user's unread notifications (GSI1, all of them: they expire after 90 days)."""
    sort_key = keys.index_key_names(indexes.USER_NOTIFICATIONS)[1]
    ids, start = [], None
    while True:
        raws, start = query(keys.notifications_pk(tenant, user_id), index=indexes.USER_NOTIFICATIONS, start=start,
                            filter_condition=NotificationItem.read == False)  # noqa: E712
        ids += [raw[sort_key]["S"].split("#", 1)[1] for raw in raws]
        if not start:
            return ids


def set_read(tenant: str, user_id: str, notification_id: str, read: bool) -> bool:
    """False when the user has no such notification."""
    try:
        NotificationItem(*_key(tenant, user_id, notification_id)).update(
            [NotificationItem.read.set(read)], condition=NotificationItem.pk.exists())
    except UpdateError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            return False
        raise
    return True
