"""Tenants and their members in the single table (docs/data-model.md, "Tenants and members").

The tenant (`TENANT#{t}` / `TENANT`) and its members (`TENANT#{t}` / `MEMBER#{sub}`) share the
tenant's partition: a members page is one Query, a member check one GetItem (or a key in the
BatchGetItem of a contact read). Every member write moves the tenant's `owners` count in the same
transaction, conditioned on it staying above 0 (shared.domain.members.owner_delta).

Also the addresses members send from (`remember`, `member_of`): received mail from one of them is
that member's own outgoing mail.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from pynamodb.exceptions import DeleteError, UpdateError

from shared import keys
from shared.db import batches
from shared.db.models import MemberAddressItem, MemberItem, TableItem, TenantItem
from shared.db.reads import Page, RawItem, query
from shared.db.transactions import ConditionFailed, Transaction, error_code
from shared.domain.members import owner_delta

_FIELDS = ("email", "name", "role", "status", "created_at", "updated_at", "removing", "version")


def tenant_key(tenant: str) -> tuple[str, str]:
    return keys.tenant_pk(tenant), keys.TENANT_SK


def member_key(tenant: str, user_id: str) -> tuple[str, str]:
    return keys.tenant_pk(tenant), keys.member_sk(user_id)


def as_member(item: MemberItem) -> dict[str, Any]:
    return {"id": item.sk.removeprefix(keys.MEMBER_SK_PREFIX), **{name: getattr(item, name) for name in _FIELDS}}


def as_tenant(tenant: str, item: TenantItem) -> dict[str, Any]:
    return {"id": tenant, "name": item.name, "created_at": item.created_at, "owners": int(item.owners or 0)}


def create_tenant(tenant: str, name: str, now: str) -> bool:
    """The tenant's record, unless it exists (False then: it is left as it is)."""
    try:
        transaction = Transaction()
        transaction.put("tenant", TenantItem(*tenant_key(tenant), name=name, created_at=now, owners=0),
                        condition=TenantItem.pk.does_not_exist())
        transaction.commit()
    except ConditionFailed:
        return False
    return True


def delete_empty_tenant(tenant: str) -> None:
    """The tenant's record, while it has no owner (just created, its first owner refused)."""
    try:
        TenantItem(*tenant_key(tenant)).delete(condition=TenantItem.owners == 0)
    except DeleteError as error:
        if error_code(error) != "ConditionalCheckFailedException":
            raise


def get(tenant: str, user_id: str) -> dict[str, Any] | None:
    """The member (one consistent GetItem), or None; a member being removed included."""
    try:
        return as_member(MemberItem.get(*member_key(tenant, user_id), consistent_read=True))
    except MemberItem.DoesNotExist:
        return None


def get_with_tenant(tenant: str, user_id: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The member and the tenant, in one consistent BatchGetItem."""
    member = found_tenant = None
    for item in batches.get(TableItem, [member_key(tenant, user_id), tenant_key(tenant)], consistent_read=True):
        if isinstance(item, MemberItem):
            member = as_member(item)
        elif isinstance(item, TenantItem):
            found_tenant = as_tenant(tenant, item)
    return member, found_tenant


def existing(tenant: str, user_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The members among `user_ids` (100 per BatchGetItem), by id; those being removed left out."""
    wanted = [member_key(tenant, user_id) for user_id in dict.fromkeys(user_ids) if keys.is_plain_id(user_id)]
    members = (as_member(item) for item in batches.get(MemberItem, wanted))
    return {member["id"]: member for member in members if not member["removing"]}


def page(tenant: str, limit: int, start: RawItem | None) -> Page[dict[str, Any]]:
    """One Query of the tenant's members, in id order."""
    raws, last = query(keys.tenant_pk(tenant), TableItem.sk.startswith(keys.MEMBER_SK_PREFIX), limit=limit,
                       start=start, consistent=True)
    return Page.of(raws, last, None, lambda raw: as_member(MemberItem.from_raw_data(raw)))


def _stage_owners(transaction: Transaction, tenant: str, delta: int) -> None:
    """Move the tenant's owner count; the tenant must exist, and a decrease must leave an owner."""
    condition = TenantItem.pk.exists() if delta >= 0 else TenantItem.owners > -delta
    transaction.update("owners", TenantItem(*tenant_key(tenant)), [TenantItem.owners.add(delta)], condition=condition)


def _model(tenant: str, member: dict[str, Any]) -> MemberItem:
    values: dict[str, Any] = {name: member.get(name) for name in _FIELDS if name != "version"}
    versioned: dict[str, Any] = {} if member.get("version") is None else {"version": member["version"]}
    pk, sk = member_key(tenant, member["id"])
    return MemberItem(pk, sk, **values, **versioned)


def write(tenant: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    """Add (`before` None), change or delete (`after` None) a member with the tenant's owner
    count, in one transaction. ConditionFailed labels: "member" (it exists already, or changed
    meanwhile), "owners" (the tenant is missing, or would be left without an owner)."""
    transaction = Transaction()
    if after is None:
        transaction.delete("member", _model(tenant, cast(dict[str, Any], before)))  # a delete has a `before`
    elif before is None:
        transaction.put("member", _model(tenant, after), condition=MemberItem.pk.does_not_exist())
    else:
        transaction.put("member", _model(tenant, {**after, "version": before["version"]}))
    delta = owner_delta(before, after)
    if delta or before is None:
        _stage_owners(transaction, tenant, delta)
    transaction.commit()


def mark_active(tenant: str, member: dict[str, Any], now: str) -> None:
    """An invited member's first request: active from now on (a race with a change that
    came first leaves that change as it is)."""
    try:
        _model(tenant, member).update(actions=[MemberItem.status.set("active"), MemberItem.updated_at.set(now)],
                                      condition=MemberItem.status == "invited")
    except UpdateError as error:
        if error_code(error) != "ConditionalCheckFailedException":  # moved on meanwhile: nothing to do
            raise


def remember(tenant: str, address: str, user_id: str, name: str | None, now: str) -> None:
    """Record that `user_id` sends from `address` (the last user to claim it wins)."""
    MemberAddressItem(keys.member_address_pk(tenant, address.lower()), keys.MEMBER_ADDRESS_SK,
                      user_id=user_id, name=name, updated_at=now).save()


def member_of(tenant: str, address: str | None) -> dict[str, Any] | None:
    """`{"user_id", "name", "email"}` of the tenant's user who sends from `address`, or None."""
    if not address:
        return None
    try:
        item = MemberAddressItem.get(keys.member_address_pk(tenant, address.lower()), keys.MEMBER_ADDRESS_SK)
    except MemberAddressItem.DoesNotExist:
        return None
    return {"user_id": item.user_id, "name": item.name, "email": address.lower()}
