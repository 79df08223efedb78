"""Site keys of web collection (owner and admin only): the public key a tenant's collect.js
snippet carries, and the origins whose pages may use it."""

from __future__ import annotations

from typing import Any

from shared.config import CONFIG
from shared.db import web as repository
from shared.db.transactions import ConditionFailed
from shared.domain import site_keys as rules
from shared.domain import validation
from shared.domain.access import Principal
from shared.domain.ids import new_id
from shared.errors import NotFound


def _site_not_found(site_key: str) -> NotFound:
    return NotFound(f"No site key {site_key} exists.")


def _public(site: dict[str, Any]) -> dict[str, Any]:
    """A site key as the API answers it: with the snippet to paste."""
    return {**site, "snippet": rules.snippet(CONFIG.api_base_url, site["site_key"])}


def create(principal: Principal, body: Any) -> dict[str, Any]:
    principal.require_admin("create site keys")
    site = {"site_key": rules.new_site_key(new_id()), **rules.parse_site_key(body, partial=False),
            "created_at": validation.now(), "created_by": principal.user_id}
    repository.save_site_key(principal.tenant, site, new=True)
    return _public(site)


def list_keys(principal: Principal) -> dict[str, Any]:
    principal.require_admin("see site keys")
    return {"items": [_public(site) for site in repository.list_site_keys(principal.tenant)]}


def update(principal: Principal, site_key: str, body: Any) -> dict[str, Any]:
    principal.require_admin("change site keys")
    site = repository.get_site_key(principal.tenant, site_key) if rules.is_site_key(site_key) else None
    if site is None:
        raise _site_not_found(site_key)
    site |= rules.parse_site_key(body, partial=True)
    try:
        repository.save_site_key(principal.tenant, site, new=False)
    except ConditionFailed:
        raise _site_not_found(site_key) from None
    return _public(site)


def delete(principal: Principal, site_key: str) -> None:
    principal.require_admin("delete site keys")
    site = repository.get_site_key(principal.tenant, site_key) if rules.is_site_key(site_key) else None
    if site is None:
        raise _site_not_found(site_key)
    repository.delete_site_key(principal.tenant, site)
