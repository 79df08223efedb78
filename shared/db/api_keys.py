"""API keys in the single table: the tenant's listing item and the lookup item, written and
deleted together."""

from __future__ import annotations

from typing import Any

from shared import keys
from shared.db.models import ApiKeyItem, TableItem
from shared.db.reads import query_all
from shared.db.transactions import Transaction

_PUBLIC = ("key_id", "name", "created_at", "created_by")


def _items(tenant: str, key: dict[str, Any]) -> tuple[ApiKeyItem, ApiKeyItem]:
    listed = ApiKeyItem(keys.tenant_pk(tenant), keys.api_key_sk(key["key_id"]), tenant=tenant, **key)
    lookup = ApiKeyItem(keys.api_key_lookup_pk(key["key_id"]), keys.API_KEY_LOOKUP_SK, tenant=tenant, **key)
    return listed, lookup


def create(tenant: str, key: dict[str, Any]) -> None:
    transaction = Transaction()
    for item in _items(tenant, key):
        transaction.put("api_key", item, condition=ApiKeyItem.pk.does_not_exist())
    transaction.commit()


def list_keys(tenant: str) -> list[dict[str, Any]]:
    raws = query_all(keys.tenant_pk(tenant), TableItem.sk.startswith(keys.API_KEY_SK_PREFIX), consistent=True)
    return [{name: getattr(ApiKeyItem.from_raw_data(raw), name) for name in _PUBLIC} for raw in raws]


def get_listed(tenant: str, key_id: str) -> dict[str, Any] | None:
    try:
        item = ApiKeyItem.get(keys.tenant_pk(tenant), keys.api_key_sk(key_id), consistent_read=True)
    except ApiKeyItem.DoesNotExist:
        return None
    return {name: getattr(item, name) for name in (*_PUBLIC, "secret_hash")}


def delete(tenant: str, key: dict[str, Any]) -> None:
    transaction = Transaction()
    for item in _items(tenant, key):
        transaction.delete("api_key", item)
    transaction.commit()


def lookup(key_id: str) -> tuple[str, str] | None:
    """(tenant, secret hash) of a key id, from its lookup item."""
    try:
        item = ApiKeyItem.get(keys.api_key_lookup_pk(key_id), keys.API_KEY_LOOKUP_SK)
    except ApiKeyItem.DoesNotExist:
        return None
    return item.tenant, item.secret_hash
