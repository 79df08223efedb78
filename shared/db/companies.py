"""Companies in the single table: the company (`TENANT#{t}#COMPANY#{id}` / `COMPANY`), its
domain item (unique per tenant, how a new contact finds it) and its contacts' memberships (GSI6)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shared import indexes, keys
from shared.db import batches, tenant_config
from shared.db.contacts import contact_id_of_raw
from shared.db.models import CompanyDomainItem, CompanyItem, as_dict, index_sort_key
from shared.db.reads import Page, key_after, query
from shared.db.transactions import Transaction
from shared.domain import companies as company_rules


def _key(tenant: str, company_id: str) -> tuple[str, str]:
    return keys.company_pk(tenant, company_id), keys.COMPANY_SK


def _domain_item(tenant: str, domain: str, company: dict[str, Any] | None = None) -> CompanyDomainItem:
    values = {"company_id": company["id"], "name": company["name"]} if company else {}
    return CompanyDomainItem(keys.company_domain_pk(tenant, domain), keys.COMPANY_DOMAIN_SK, **values)


def _of(item: CompanyItem) -> dict[str, Any]:
    return {**as_dict(item.data), "contact_count": int(item.contact_count or 0)}


def get(tenant: str, company_id: str) -> tuple[dict[str, Any], int] | None:
    """The company and its version; None when there is none or it is being deleted."""
    try:
        item = CompanyItem.get(*_key(tenant, company_id), consistent_read=True)
    except CompanyItem.DoesNotExist:
        return None
    return None if item.deleting else (_of(item), item.version)


def save(tenant: str, company: dict[str, Any], previous: dict[str, Any] | None, version: int | None) -> None:
    """Create (`previous` None) or replace a company with its domain item, in one transaction.
    ConditionFailed labels: "company" (changed or deleted meanwhile), "domain" (taken)."""
    transaction = Transaction()
    stored = {name: value for name, value in company.items() if name != "contact_count"}
    pk, sk = _key(tenant, company["id"])
    index_keys: dict[str, Any] = company_rules.index_keys(tenant, company)
    versioned: dict[str, Any] = {} if version is None else {"version": version}
    model = CompanyItem(pk, sk, data=stored, **index_keys, **versioned)
    if previous is None:
        transaction.put("company", model)
    else:
        # the counter moves in contact transactions: a replace must keep it, so only data and keys are set
        actions = [CompanyItem.data.set(stored)] + [getattr(CompanyItem, name).set(value)
                                                   for name, value in company_rules.index_keys(tenant, company).items()]
        transaction.update("company", model, actions, condition=CompanyItem.deleting.does_not_exist())
    old_domain, new_domain = (previous or {}).get("domain"), company.get("domain")
    if bool(new_domain) != bool(old_domain):
        tenant_config.stage_company_domains(transaction, tenant, 1 if new_domain else -1)
    if old_domain and old_domain != new_domain:
        transaction.delete("old_domain", _domain_item(tenant, old_domain),
                           condition=CompanyDomainItem.company_id == company["id"])
    if new_domain:
        condition = CompanyDomainItem.pk.does_not_exist()
        if new_domain == old_domain:
            condition |= CompanyDomainItem.company_id == company["id"]
        transaction.put("domain", _domain_item(tenant, new_domain, company), condition=condition)
    transaction.commit()


def mark_deleting(tenant: str, company_id: str, version: int) -> None:
    """From now on no contact can be linked to the company, and it reads as gone."""
    transaction = Transaction()
    transaction.update("company", CompanyItem(*_key(tenant, company_id), version=version),
                       [CompanyItem.deleting.set(True)])
    transaction.commit()


def being_deleted(tenant: str, company_id: str) -> dict[str, Any] | None:
    """A company marked `deleting` (a DELETE to resume), else None."""
    try:
        item = CompanyItem.get(*_key(tenant, company_id), consistent_read=True)
    except CompanyItem.DoesNotExist:
        return None
    return _of(item) if item.deleting else None


def remove(tenant: str, company: dict[str, Any]) -> None:
    """The company and its domain item, once no contact is linked to it any more."""
    transaction = Transaction()
    transaction.delete("company", CompanyItem(*_key(tenant, company["id"])),
                       condition=CompanyItem.contact_count == 0, version_checked=False)
    if company.get("domain"):
        transaction.delete("domain", _domain_item(tenant, company["domain"]),
                           condition=CompanyDomainItem.company_id == company["id"])
        tenant_config.stage_company_domains(transaction, tenant, -1)
    transaction.commit()


def page(tenant: str, sort: str, descending: bool, start: dict[str, Any] | None, limit: int,
         name_prefix: str | None) -> Page[dict[str, Any]]:
    """A page of companies from GSI1 (by creation) or GSI2 (by name; `name_prefix` narrows it)."""
    index = indexes.COMPANIES_BY_NAME if sort == "name" else indexes.COMPANIES_BY_CREATION
    condition = (index_sort_key(CompanyItem, indexes.COMPANIES_BY_NAME).startswith(keys.sort_head(name_prefix))
                 if name_prefix else None)
    kept: list[dict[str, Any]] = []
    while len(kept) < limit:
        raws, start = query(keys.companies_index_pk(tenant), condition, index=index, forward=not descending,
                            limit=limit - len(kept), start=start)
        kept += [raw for raw in raws if not raw.get("deleting", {}).get("BOOL")]
        if not start:
            break
    return Page([_of(CompanyItem.from_raw_data(raw)) for raw in kept], [key_after(raw, index) for raw in kept], start)


def member_ids(tenant: str, company_id: str, start: dict[str, Any] | None, limit: int | None) -> Page[str]:
    """Ids of the company's contacts (GSI6), in id order."""
    raws, start = query(keys.company_members_pk(tenant, company_id), index=indexes.COMPANY_CONTACTS, limit=limit,
                        start=start)
    return Page.of(raws, start, indexes.COMPANY_CONTACTS, contact_id_of_raw)


def by_domains(tenant: str, domains: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Domain → (company id, company name) for the domains some company of the tenant has."""
    wanted = [(keys.company_domain_pk(tenant, domain), keys.COMPANY_DOMAIN_SK) for domain in dict.fromkeys(domains)]
    return {item.pk.rsplit("#", 1)[1]: (item.company_id, item.name) for item in batches.get(CompanyDomainItem, wanted)}

