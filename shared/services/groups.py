"""Member groups (会員グループ): CRUD, their members paged, adding and removing members.

Any role reads groups and adds or removes the contacts it sees (as with tags); a manager, an admin
or an owner creates, changes and deletes groups. Adding and removing run as the bulk actions
`add_to_group` / `remove_from_group` (shared.services.bulk): a `group_joined` / `group_left`
entry on each contact's timeline, its `groups` field and the group's `contact_count` move in the
same transaction. Deleting a group takes it off its contacts first (as deleting a tag does)."""

from __future__ import annotations

from typing import Any, cast

from shared import keys
from shared.db import contacts as contact_store
from shared.db import groups as repository
from shared.db import tenant_config
from shared.domain import bulk as bulk_rules
from shared.domain import groups as group_rules
from shared.domain import validation
from shared.domain.access import Principal
from shared.domain.ids import new_id
from shared.errors import NotFound
from shared.services import bulk, contact_pages, keyed_pages


def _not_found(group_id: str) -> NotFound:
    return NotFound(f"No member group with id {group_id} exists.")


def found(principal: Principal, group_id: str) -> dict[str, Any]:
    group = repository.get(principal.tenant, group_id) if keys.is_plain_id(group_id) else None
    if group is None:
        raise _not_found(group_id)
    return group


def _counted(principal: Principal) -> bool:
    """Whether the caller is shown groups' tenant-wide `contact_count` (null otherwise)."""
    return principal.sees_all(tenant_config.load(principal.tenant).settings)


def create(principal: Principal, body: Any) -> dict[str, Any]:
    principal.require_group_manager()
    now = validation.now()
    group = {"id": new_id(), **group_rules.parse(body), "created_at": now, "updated_at": now,
             "created_by": principal.user_id}
    repository.create(principal.tenant, group)
    return group_rules.public(group)


def list_groups(principal: Principal, params: dict[str, str]) -> dict[str, Any]:
    counted = _counted(principal)
    return keyed_pages.answer(
        principal, {"member_groups": True}, params,
        lambda start, limit: repository.page(principal.tenant, start, limit),
        lambda groups: [None if group is None else group_rules.public(group, counted=counted) for group in groups])


def get(principal: Principal, group_id: str) -> dict[str, Any]:
    return group_rules.public(found(principal, group_id), counted=_counted(principal))


def update(principal: Principal, group_id: str, body: Any) -> dict[str, Any]:
    principal.require_group_manager()
    group = found(principal, group_id)
    updated = {**group, **group_rules.parse(body, group), "updated_at": validation.now()}
    if not repository.update(principal.tenant, updated):
        raise _not_found(group_id)
    return group_rules.public(updated, counted=_counted(principal))


def delete(principal: Principal, group_id: str) -> dict[str, Any] | None:
    """None when the group is gone at once (204), else the job taking it off its contacts (202)."""
    principal.require_group_manager()
    principal.require_sees_all(tenant_config.load(principal.tenant).settings, "delete a member group")
    if not keys.is_plain_id(group_id):
        raise _not_found(group_id)
    return bulk.delete_holder(principal, "group", group_id)


def members(principal: Principal, group_id: str, params: dict[str, str]) -> dict[str, Any]:
    """The group's contacts (those the caller sees), in id order, shaped as GET /v1/contacts answers them."""
    found(principal, group_id)
    return contact_pages.of_ids(principal, {"group_members": group_id}, params,
                                lambda start, limit: repository.member_ids(principal.tenant, group_id, start, limit))


def add_members(principal: Principal, group_id: str, body: Any) -> tuple[int, dict[str, Any]]:
    """`{"contact_ids": [...]}`: up to 100 answer per contact at once (200), more become a bulk job (202)."""
    found(principal, group_id)
    ids = bulk_rules.MEMBER_GROUP_MEMBERS_INPUT.parse(body)["contact_ids"]
    return bulk.submit(principal, {"selection": {"ids": ids}, "action": "add_to_group",
                                   "params": {"group_id": group_id}})


def remove_member(principal: Principal, group_id: str, contact_id: str) -> None:
    """404 when the contact (one the caller sees) is not in the group."""
    found(principal, group_id)
    contact, _, config = contact_store.get_with_config(principal.tenant, contact_id) \
        if keys.is_plain_id(contact_id) else (None, None, None)
    # a contact read comes with the config
    if contact is None or not principal.can_see(contact, cast(tenant_config.TenantConfig, config).settings) \
            or group_id not in contact.get("groups", []):
        raise NotFound(f"The contact {contact_id} is not in this member group.")
    bulk.submit(principal, {"selection": {"ids": [contact_id]}, "action": "remove_from_group",
                            "params": {"group_id": group_id}})
