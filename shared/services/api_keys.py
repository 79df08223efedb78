"""API keys for server-side ingest (owner and admin only): create (the key shown once), list
(no secrets), delete; and authenticating an ingest request by its key."""

from __future__ import annotations

from typing import Any

from shared.db import api_keys as repository
from shared.domain import api_keys as rules
from shared.domain import validation
from shared.domain.access import Principal
from shared.domain.ids import new_id
from shared.errors import NotFound, Unauthorized
from shared.keys import is_plain_id
from shared.observability import for_tenant


def _public(key: dict[str, Any]) -> dict[str, Any]:
    return {"id": key["key_id"], "name": key["name"], "created_at": key["created_at"], "created_by": key["created_by"]}


def create(principal: Principal, body: Any) -> dict[str, Any]:
    principal.require_admin("create API keys")
    key_id = new_id()
    secret = rules.new_secret(key_id)
    key = {"key_id": key_id, "name": rules.parse_name(body), "secret_hash": rules.secret_hash(secret),
           "created_at": validation.now(), "created_by": principal.user_id}
    repository.create(principal.tenant, key)
    return {**_public(key), "secret": secret}


def list_keys(principal: Principal) -> dict[str, Any]:
    principal.require_admin("see API keys")
    return {"items": [_public(key) for key in repository.list_keys(principal.tenant)]}


def delete(principal: Principal, key_id: str) -> None:
    principal.require_admin("delete API keys")
    key = repository.get_listed(principal.tenant, key_id) if is_plain_id(key_id) else None
    if key is None:
        raise NotFound(f"No API key with id {key_id} exists.")
    repository.delete(principal.tenant, key)


def tenant_of(presented: Any) -> str:
    """The tenant an `X-Api-Key` belongs to; 401 for a missing, malformed, unknown or deleted key."""
    key_id = rules.key_id_of(presented)
    found = repository.lookup(key_id) if key_id else None
    if found is None or not rules.matches(presented, found[1]):
        raise Unauthorized("Send a valid API key in the X-Api-Key header (owners and admins create them).")
    for_tenant(found[0])
    return found[0]
