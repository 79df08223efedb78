"""Web collection in the single table: site keys (a listing item under the tenant and a lookup
item by key, written together), visitors and their anonymous page views, and the one
transaction that records a hit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pynamodb.exceptions import UpdateError

from shared import keys
from shared.db import contact_actions
from shared.db import contacts as contact_store
from shared.db.activity_items import activity_model
from shared.db.models import RateCounterItem, SiteKeyItem, TableItem, VisitorItem, VisitorViewItem, as_dict
from shared.db.reads import query_all
from shared.db.tenant_config import TenantConfig
from shared.db.transactions import Transaction, error_code

_SITE_FIELDS = ("site_key", "name", "allowed_origins", "created_at", "created_by")
_VISITOR_FIELDS = ("visitor_id", "contact_id", "email_key", "first_seen_at", "last_hit_at", "sessions", "views",
                   "flood_minute", "flood_hits", "expires_at_epoch")


# --- site keys ------------------------------------------------------------------------------

def _site_items(tenant: str, site: dict[str, Any]) -> tuple[SiteKeyItem, SiteKeyItem]:
    listed = SiteKeyItem(keys.tenant_pk(tenant), keys.site_key_sk(site["site_key"]), tenant=tenant, **site)
    lookup = SiteKeyItem(keys.site_key_lookup_pk(site["site_key"]), keys.SITE_KEY_LOOKUP_SK, tenant=tenant, **site)
    return listed, lookup


def _site_of(item: SiteKeyItem) -> dict[str, Any]:
    return {name: getattr(item, name) for name in _SITE_FIELDS}


def save_site_key(tenant: str, site: dict[str, Any], *, new: bool) -> None:
    """Both items of a site key; a new key must not exist yet, a changed one must still exist."""
    transaction = Transaction()
    condition = SiteKeyItem.pk.does_not_exist() if new else SiteKeyItem.pk.exists()
    for item in _site_items(tenant, site):
        transaction.put("site_key", item, condition=condition)
    transaction.commit()


def list_site_keys(tenant: str) -> list[dict[str, Any]]:
    raws = query_all(keys.tenant_pk(tenant), TableItem.sk.startswith(keys.SITE_KEY_SK_PREFIX), consistent=True)
    return [_site_of(SiteKeyItem.from_raw_data(raw)) for raw in raws]


def get_site_key(tenant: str, site_key: str) -> dict[str, Any] | None:
    try:
        return _site_of(SiteKeyItem.get(keys.tenant_pk(tenant), keys.site_key_sk(site_key), consistent_read=True))
    except SiteKeyItem.DoesNotExist:
        return None


def delete_site_key(tenant: str, site: dict[str, Any]) -> None:
    transaction = Transaction()
    for item in _site_items(tenant, site):
        transaction.delete("site_key", item)
    transaction.commit()


def lookup_site_key(site_key: str) -> tuple[str, list[str]] | None:
    """(tenant, allowed origins) of a site key, from its lookup item."""
    try:
        item = SiteKeyItem.get(keys.site_key_lookup_pk(site_key), keys.SITE_KEY_LOOKUP_SK)
    except SiteKeyItem.DoesNotExist:
        return None
    return item.tenant, list(item.allowed_origins)


# --- rate counters --------------------------------------------------------------------------

def within_limit(window: str, scope: str, limit: int, expires_at_epoch: int) -> bool:
    """Count one more for `scope` in `window` unless it already reached `limit` (then False and
    nothing changes). One UpdateItem of an item under 1 KB: one write unit; never part of a
    transaction, so that concurrent hits add up instead of conflicting."""
    item = RateCounterItem(keys.rate_pk(window, scope), keys.RATE_SK)
    try:
        item.update([RateCounterItem.kind.set(RateCounterItem), RateCounterItem.hits.add(1),
                     RateCounterItem.expires_at_epoch.set(expires_at_epoch)],
                    condition=RateCounterItem.hits.does_not_exist() | (RateCounterItem.hits < limit))
    except UpdateError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            return False
        raise
    return True


# --- visitors -------------------------------------------------------------------------------

def get_visitor(tenant: str, visitor_id: str) -> tuple[dict[str, Any], int] | None:
    try:
        item = VisitorItem.get(keys.visitor_pk(tenant, visitor_id), keys.VISITOR_SK, consistent_read=True)
    except VisitorItem.DoesNotExist:
        return None
    return {name: getattr(item, name) for name in _VISITOR_FIELDS}, item.version


def anonymous_views(tenant: str, visitor_id: str) -> list[tuple[str, dict[str, Any]]]:
    """(sort key, page view entry) of the views kept while the visitor was anonymous."""
    raws = query_all(keys.visitor_pk(tenant, visitor_id), TableItem.sk.startswith(keys.VISITOR_VIEW_SK_PREFIX),
                     consistent=True)
    return [(raw["sk"]["S"], as_dict(VisitorViewItem.from_raw_data(raw).data)) for raw in raws]


def record_hit(
    tenant: str,
    visitor: dict[str, Any],
    version: int | None,
    *,
    view: tuple[int, dict[str, Any]] | None = None,
    entries: Sequence[dict[str, Any]] = (),
    joined_views: Sequence[str] = (),
    action: tuple[str, str, bool] | None = None,
    contact_change: tuple[dict[str, Any], dict[str, Any], int, TenantConfig] | None = None,
) -> None:
    """One transaction: the visitor, guarded by its version (ConditionFailed "visitor"), with
    - `view`: (ring slot, entry) an anonymous page view kept with the visitor;
    - `entries`: timeline entries of the visitor's contact, and `joined_views` (sort keys) the
      anonymous views they came from, deleted;
    - `action`: (type, at, new session) written onto the contact without a read
      (db.contact_actions: "contact", "email_key"), or `contact_change`: (contact, previous,
      version, config) read before (db.contacts.stage_save: "contact", "config", ...).
    """
    pk = keys.visitor_pk(tenant, visitor["visitor_id"])
    expires = visitor["expires_at_epoch"]
    transaction = Transaction()
    versioned: dict[str, Any] = {} if version is None else {"version": version}
    transaction.put("visitor", VisitorItem(pk, keys.VISITOR_SK, **visitor, **versioned))
    if view is not None:
        slot, entry = view
        transaction.put("view", VisitorViewItem(pk, keys.visitor_view_sk(slot), data=entry, expires_at_epoch=expires))
    for sort_key in joined_views:
        transaction.delete("view", VisitorViewItem(pk, sort_key))
    for entry in entries:
        transaction.put("activity", activity_model(tenant, visitor["contact_id"], entry))
    if action is not None:
        action_type, at, new_session = action
        contact_actions.stage(transaction, tenant, visitor["contact_id"], visitor["email_key"], action_type, at,
                              new_session=new_session)
    if contact_change is not None:
        contact, previous, contact_version, config = contact_change
        contact_store.stage_save(transaction, tenant, contact, config, previous=previous, version=contact_version)
    transaction.commit()
