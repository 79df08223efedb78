"""Tenant-level use cases: settings, custom property definitions and tags."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pynamodb.exceptions import PutError

from shared.db import contacts as contact_repository
from shared.db import tenant_config
from shared.db.transactions import error_code
from shared.domain import contacts as contact_rules
from shared.domain import properties as property_rules
from shared.domain import settings as settings_rules
from shared.domain import validation
from shared.domain.access import Principal
from shared.errors import Conflict, FieldError, Forbidden, NotFound
from shared.services import bulk

if TYPE_CHECKING:
    from shared.db.models import TagItem


def _column_names(config: tenant_config.TenantConfig) -> set[str]:
    return set(contact_rules.PUBLIC_FIELDS) | {f"properties.{key}" for key in config.properties}


def _with_usage(tenant: str, settings: dict[str, Any], counted: bool = True) -> dict[str, Any]:
    """The settings and the plan's usage; its tenant-wide contact count is null for a reader who
    does not see every contact (owner visibility), as tag and company counts are."""
    return {**settings, "usage": {"contacts": contact_repository.usage(tenant) if counted else None}}


def get_settings(principal: Principal) -> dict[str, Any]:
    settings = tenant_config.load(principal.tenant, fresh=True).settings
    return _with_usage(principal.tenant, settings, principal.sees_all(settings))


def put_settings(principal: Principal, body: Any) -> dict[str, Any]:
    principal.require_admin("change the settings")

    def change(config: tenant_config.TenantConfig) -> tenant_config.TenantConfig:
        stored = settings_rules.updated(config.settings, body, _column_names(config))
        if stored["contact_limit"] != config.settings["contact_limit"] and principal.role != "owner":
            raise Forbidden("Only the owner can change the contact limit (the plan); your role is "
                            f"{principal.role}.")
        config.stored_settings = stored
        return config

    return _with_usage(principal.tenant, tenant_config.modify(principal.tenant, change).settings)


# --- properties -------------------------------------------------------------------------

def list_properties(principal: Principal) -> dict[str, Any]:
    config = tenant_config.load(principal.tenant, fresh=True)
    items = sorted(config.properties.values(), key=lambda definition: definition["key"])
    return {"items": [property_rules.public_definition(definition) for definition in items], "next_cursor": None}


def create_property(principal: Principal, body: Any) -> dict[str, Any]:
    principal.require_admin("define properties")
    created: dict[str, Any] = {}

    def change(config: tenant_config.TenantConfig) -> tenant_config.TenantConfig:
        definition = property_rules.new_definition(body, config.properties)
        if definition["key"] in config.properties:
            raise Conflict(
                f"A property with key {definition['key']} already exists; choose another key or restore it.",
                [FieldError("key", "already exists", "duplicate")],
            )
        config.properties = {**config.properties, definition["key"]: definition}
        created.update(definition)
        return config

    tenant_config.modify(principal.tenant, change)
    return property_rules.public_definition(created)


def update_property(principal: Principal, key: str, body: Any) -> dict[str, Any]:
    principal.require_admin("change properties")
    updated: dict[str, Any] = {}

    def change(config: tenant_config.TenantConfig) -> tenant_config.TenantConfig:
        if key not in config.properties:
            raise NotFound(f"No property with key {key} exists.")
        definition = property_rules.updated_definition(config.properties[key], body)
        config.properties = {**config.properties, key: definition}
        updated.update(definition)
        return config

    tenant_config.modify(principal.tenant, change)
    return property_rules.public_definition(updated)


# --- tags -------------------------------------------------------------------------------

def _public_tag(item: TagItem, counted: bool = True) -> dict[str, Any]:
    """A tag; `contact_count` is null for a reader who does not see every contact (owner
    visibility): the counter is tenant-wide, and counting their own would read every member."""
    return {"name": item.name, "contact_count": max(int(item.contact_count or 0), 0) if counted else None}


def list_tags(principal: Principal) -> dict[str, Any]:
    tags = sorted(contact_repository.list_tags(principal.tenant), key=lambda item: item.name)
    counted = principal.sees_all(tenant_config.load(principal.tenant).settings)
    return {"items": [_public_tag(item, counted) for item in tags], "next_cursor": None}


def create_tag(principal: Principal, body: Any) -> dict[str, Any]:
    name: str = contact_rules.TAG_INPUT.parse(body)["name"]
    try:
        item = contact_repository.create_tag(principal.tenant, name, validation.now())
    except PutError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            existing = contact_repository.get_tag(principal.tenant, name)
            if existing is not None and existing.deleting:
                raise Conflict(f"The tag {name} is being deleted; create it again once that job is done.",
                               [FieldError("name", "is being deleted", "duplicate")]) from None
            raise Conflict(f"The tag {name} already exists.",
                           [FieldError("name", "already exists", "duplicate")]) from None
        raise
    return _public_tag(item)


def delete_tag(principal: Principal, name: str) -> dict[str, Any] | None:
    """The tag off every contact, then the tag: None when done at once, else the job doing it.
    A tenant-wide change: refused (403) to a caller who does not see every contact."""
    principal.require_sees_all(tenant_config.load(principal.tenant).settings, "delete a tag from every contact")
    return bulk.delete_tag(principal, name)
