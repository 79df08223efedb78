"""The tenant's settings and property definitions: one item, cached per warm Lambda.

The cache never serves a stale decision: every write that relied on it carries a
condition check on the config item's version (see `check_fresh`), so a write made with an
outdated config fails, the cache is refreshed and the request is evaluated again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pynamodb.exceptions import PutError

from shared import keys
from shared.db.item_size import require_storable
from shared.db.models import TenantConfigItem, as_dict
from shared.db.transactions import Transaction, error_code
from shared.domain import settings as settings_rules
from shared.errors import Busy


@dataclass
class TenantConfig:
    tenant: str
    stored_settings: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)
    version: int | None = None  # None: no config item written yet
    company_domains: int = 0  # how many companies have a domain (0: a new contact needs no lookup)

    @property
    def settings(self) -> dict[str, Any]:
        return settings_rules.effective(self.stored_settings)


_cache: dict[str, TenantConfig] = {}


def from_item(tenant: str, item: TenantConfigItem | None) -> TenantConfig:
    config = TenantConfig(tenant)
    if item is not None:
        # an item first made by a company's domain count has no settings or properties yet
        config = TenantConfig(tenant, as_dict(item.settings) if item.settings else {},
                              as_dict(item.properties) if item.properties else {}, item.version,
                              int(item.company_domains or 0))
    _cache[tenant] = config
    return config


def config_key(tenant: str) -> tuple[str, str]:
    return keys.tenant_pk(tenant), keys.CONFIG_SK


def load(tenant: str, *, fresh: bool = False) -> TenantConfig:
    if not fresh and tenant in _cache:
        return _cache[tenant]
    try:
        item = TenantConfigItem.get(*config_key(tenant), consistent_read=True)
    except TenantConfigItem.DoesNotExist:
        item = None
    return from_item(tenant, item)


def check_fresh(transaction: Transaction, config: TenantConfig) -> None:
    """Make `transaction` fail with the label "config" if the config changed since it was read."""
    pk, sk = config_key(config.tenant)
    if config.version is None:
        condition = TenantConfigItem.pk.does_not_exist()
    else:
        condition = TenantConfigItem.version == config.version
    transaction.check("config", TenantConfigItem, pk, sk, condition)


def save(config: TenantConfig) -> TenantConfig:
    """Write the config if nobody changed it since it was read; raises StaleConfig otherwise."""
    pk, sk = config_key(config.tenant)
    versioned: dict[str, Any] = {} if config.version is None else {"version": config.version}
    item = require_storable(
        TenantConfigItem(pk, sk, settings=config.stored_settings, properties=config.properties,
                         company_domains=config.company_domains, **versioned),
        "The workspace's settings and property definitions are too large to store; remove select options "
        "or properties no longer used.")
    try:
        item.save()
    except PutError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            _cache.pop(config.tenant, None)
            raise StaleConfig() from None
        raise
    return from_item(config.tenant, item)


def stage_company_domains(transaction: Transaction, tenant: str, delta: int) -> None:
    """Count companies with a domain up or down, bumping the config's version: a cached config
    that still says "no company has a domain" then fails its next check and is read again."""
    item = TenantConfigItem(*config_key(tenant), version=0)
    transaction.update("config", item, [TenantConfigItem.kind.set(TenantConfigItem),
                                        TenantConfigItem.company_domains.add(delta)], version_checked=False)


class StaleConfig(Exception):
    """The config changed under a read-modify-write; read it again and retry."""


def modify(tenant: str, change: Callable[[TenantConfig], TenantConfig]) -> TenantConfig:
    """Apply `change(config) -> config` with optimistic concurrency, retrying on a race."""
    for _ in range(5):
        config = load(tenant, fresh=True)
        try:
            return save(change(config))
        except StaleConfig:
            continue
    raise Busy("The settings were changed by someone else several times in a row; retry.")
