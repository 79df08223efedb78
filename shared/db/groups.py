"""Member groups in the single table: the group (`TENANT#{t}` / `GROUP#{id}`, its contact count
moved by contact transactions) and its contacts' memberships (GSI6, written with the contact:
shared.db.contacts)."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import UpdateError

from shared import indexes, keys
from shared.db.contacts import contact_id_of_raw, finish_deletion, stage_deletion_mark
from shared.db.models import MemberGroupItem, TableItem, as_dict
from shared.db.reads import Page, query, query_all
from shared.db.transactions import Transaction, error_code

_DATA_FIELDS = ("name", "redirect_url", "web_form_joinable", "created_at", "updated_at", "created_by")


def _item(tenant: str, group_id: str) -> MemberGroupItem:
    return MemberGroupItem(keys.tenant_pk(tenant), keys.group_sk(group_id))


def _of(item: MemberGroupItem) -> dict[str, Any]:
    return {"id": item.group_id, **as_dict(item.data), "contact_count": int(item.contact_count or 0)}


def _raw(tenant: str, group_id: str) -> MemberGroupItem | None:
    try:
        return MemberGroupItem.get(keys.tenant_pk(tenant), keys.group_sk(group_id), consistent_read=True)
    except MemberGroupItem.DoesNotExist:
        return None


def get(tenant: str, group_id: str) -> dict[str, Any] | None:
    """The group; None when there is none or it is being deleted."""
    item = _raw(tenant, group_id)
    return None if item is None or item.deleting else _of(item)


def deletion_of(tenant: str, group_id: str) -> tuple[int, str | None] | None:
    """(contact count, the job deleting it or None) of a group; None when there is none."""
    item = _raw(tenant, group_id)
    return None if item is None else (int(item.contact_count or 0), item.deleting)


def create(tenant: str, group: dict[str, Any]) -> None:
    data = {name: group.get(name) for name in _DATA_FIELDS}
    MemberGroupItem(keys.tenant_pk(tenant), keys.group_sk(group["id"]), group_id=group["id"], data=data,
                    contact_count=0).save(condition=MemberGroupItem.pk.does_not_exist())


def update(tenant: str, group: dict[str, Any]) -> bool:
    """Replace the group's fields (never its count, which contact writes move); False when it is
    gone or being deleted meanwhile."""
    data = {name: group.get(name) for name in _DATA_FIELDS}
    try:
        _item(tenant, group["id"]).update(
            [MemberGroupItem.data.set(data)],
            condition=MemberGroupItem.pk.exists() & MemberGroupItem.deleting.does_not_exist())
    except UpdateError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def page(tenant: str, start: dict[str, Any] | None, limit: int) -> Page[dict[str, Any] | None]:
    """A page of the tenant's groups in id (creation) order; one being deleted is None."""
    raws, last = query(keys.tenant_pk(tenant), TableItem.sk.startswith(keys.GROUP_SK_PREFIX), limit=limit,
                       start=start, consistent=True)
    return Page.of(raws, last, None, lambda raw: None if "deleting" in raw
                   else _of(MemberGroupItem.from_raw_data(raw)))


def member_ids(tenant: str, group_id: str, start: dict[str, Any] | None, limit: int | None) -> Page[str]:
    """Ids of the group's contacts (GSI6), in id order."""
    raws, start = query(keys.group_members_pk(tenant, group_id), index=indexes.GROUP_CONTACTS, limit=limit,
                        start=start)
    return Page.of(raws, start, indexes.GROUP_CONTACTS, contact_id_of_raw)


def stage_deletion(transaction: Transaction, tenant: str, group_id: str, job_id: str) -> None:
    """Mark the group as being emptied by the job; fails ("group") when it is gone or marked."""
    stage_deletion_mark(transaction, "group", _item(tenant, group_id), job_id)


def finish_deletion_of(tenant: str, group_id: str, job_id: str | None) -> bool:
    """Delete the group once it has no contacts (see shared.db.contacts.finish_deletion)."""
    return finish_deletion(_item(tenant, group_id), job_id)



def all_member_ids(tenant: str, group_id: str, limit: int | None = None) -> list[str]:
    """Ids of the group's contacts: all of them, or at most `limit` (one Query)."""
    ids: list[str] = []
    start = None
    while True:
        found = member_ids(tenant, group_id, start, limit)
        ids += found.items
        start = found.last
        if limit is not None or not start:
            return ids


def names(tenant: str) -> dict[str, str]:
    """Id → name of the tenant's member groups (but those being deleted): what an import's cells name."""
    raws = query_all(keys.tenant_pk(tenant), TableItem.sk.startswith(keys.GROUP_SK_PREFIX), consistent=True)
    return {raw["group_id"]["S"]: raw["data"]["M"]["name"]["S"] for raw in raws if "deleting" not in raw}
