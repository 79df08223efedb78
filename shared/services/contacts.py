"""Contact use cases: create, read, update, delete, list, quick search and bulk lookup."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from botocore.exceptions import BotoCoreError, ClientError

from shared import cursor, keys
from shared.config import CONFIG
from shared.db import companies as company_store
from shared.db import contacts as repository
from shared.db import members as member_store
from shared.db import tenant_config
from shared.db.retries import backoff
from shared.db.transactions import ConditionFailed
from shared.domain import activities, listing, sizes, validation
from shared.domain import companies as company_rules
from shared.domain import contacts as contact_rules
from shared.domain import members as member_rules
from shared.domain.access import Principal
from shared.domain.contacts import MAX_LOOKUP_VALUES
from shared.domain.ids import new_id
from shared.errors import (
    Busy,
    Conflict,
    CrmError,
    FieldError,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
)
from shared.observability import logger
from shared.services import contact_pages, job_queue
from shared.services import members as member_service

T = TypeVar("T")



def _not_found(contact_id: str) -> NotFound:
    return NotFound(f"No contact with id {contact_id} exists (or you may not see it).")


def _duplicate_email(email: str | None) -> Conflict:
    return Conflict(
        "Another contact already has this email address; open that contact or use another address.",
        [FieldError("email", f"{email} is already used by another contact", "duplicate")],
    )


OPTIMISTIC_ATTEMPTS = 12


def until_settled(attempt: Callable[[], T]) -> T:
    """Run a read-validate-write again, after a jittered pause, when a concurrent change beat
    it (the contact's version or the tenant config moved on). Each round one of the competing
    writers wins, so a burst of writers on one contact settles within the rounds."""
    for number in range(OPTIMISTIC_ATTEMPTS):
        try:
            return attempt()
        except ConditionFailed:
            backoff(number)
    raise Busy("This contact is being changed by others right now; retry in a moment.")


def over_quota(limit: int) -> Forbidden:
    return Forbidden(f"This workspace's plan allows {limit:,} contacts and all of them are in use; delete contacts "
                     "or ask the owner to raise the limit.")


def refusal(failure: ConditionFailed, contact: dict[str, Any], config: tenant_config.TenantConfig) -> CrmError | None:
    """What a contact write's failed conditions mean to the caller, unless they only mean that
    something moved meanwhile (then the write is evaluated again)."""
    if "email" in failure.labels:
        return _duplicate_email(contact.get("email"))
    if "config" in failure.labels:
        return None
    if "quota" in failure.labels:
        return over_quota(config.settings["contact_limit"])
    if "company" in failure.labels:
        return ValidationFailed("The company does not exist (or is being deleted); choose another one.",
                                [FieldError("company_id", "is not the id of one of your companies", "not_found")])
    return None


def _save(tenant: str, contact: dict[str, Any], config: tenant_config.TenantConfig, **previous: Any) -> None:
    """Write the contact; a taken email (409), a full plan (403) or a missing company (422) are refused."""
    try:
        repository.save(tenant, contact, config, **previous)
    except ConditionFailed as failure:
        refused = refusal(failure, contact, config)
        if refused is not None:
            raise refused from None
        raise


def insert_new(tenant: str, contact: dict[str, Any], config: tenant_config.TenantConfig) -> None:
    """Save a contact made elsewhere (an email to a new address): 409, 403 or 422 as a create."""
    _save(tenant, contact, config)


def linked_by_domain(config: tenant_config.TenantConfig, new_contacts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """New contacts without a company, linked to the company their email domain names (free mail
    never does): one BatchGetItem of the domains, none while no company has a domain. The
    contacts' write checks the config, so a cached "none" that went stale is caught there."""
    if not config.company_domains:
        return new_contacts
    tenant = config.tenant
    domain_of = {contact["id"]: company_rules.email_domain(contact.get("email")) for contact in new_contacts
                 if not contact.get("company_id")}
    wanted = [domain for domain in domain_of.values() if domain]
    if not wanted:
        return new_contacts
    companies = company_store.by_domains(tenant, wanted)
    return [contact_rules.linked_to_company(contact, *companies[cast(str, domain_of[contact["id"]])])
            if domain_of.get(contact["id"]) in companies else contact for contact in new_contacts]


def require_assignable(principal: Principal, owner_id: str | None, previous: str | None = None,
                       field: str = "owner_id") -> None:
    """`owner_id` must be null, a member of the tenant (one GetItem) or stay what it was: 422
    otherwise. The caller is a member (the member check passed), so naming oneself reads nothing."""
    if owner_id in (None, previous, principal.user_id):
        return
    if not member_store.existing(principal.tenant, [owner_id]):
        raise member_rules.unknown_owner(field)


def _shape(contact: dict[str, Any], config: tenant_config.TenantConfig) -> dict[str, Any]:
    return contact_rules.public(contact, config.settings, config.properties)


def create(principal: Principal, body: Any) -> dict[str, Any]:
    attempts = 0

    def attempt() -> dict[str, Any]:
        nonlocal attempts
        config = tenant_config.load(principal.tenant, fresh=attempts > 0)  # a retry means the cache was stale
        attempts += 1
        changes = contact_rules.parse_changes(body, config.properties)
        contact = contact_rules.new_contact(new_id(), changes, principal.user_id, validation.now())
        require_assignable(principal, contact["owner_id"])
        contact = linked_by_domain(config, [contact])[0]
        _save(principal.tenant, contact, config)
        return _shape(contact, config)

    return until_settled(attempt)


def visible_contact_versioned(principal: Principal,
                              contact_id: str) -> tuple[dict[str, Any], int, tenant_config.TenantConfig]:
    if not keys.is_plain_id(contact_id):
        raise _not_found(contact_id)
    contact, version, config = repository.get_with_config(principal.tenant, contact_id)
    if contact is None or not principal.can_see(contact, config.settings):
        raise _not_found(contact_id)
    return contact, cast(int, version), config  # a stored contact has its version


def visible_contact(principal: Principal, contact_id: str) -> tuple[dict[str, Any], tenant_config.TenantConfig]:
    """The stored contact and the tenant config, if the caller may see the contact (else 404)."""
    contact, _, config = visible_contact_versioned(principal, contact_id)
    return contact, config


def get(claimed: Principal, contact_id: str) -> dict[str, Any]:
    """GET /v1/contacts/{id} for the token's claims: the member check's read rides in the
    contact's BatchGetItem, so the whole request is one DynamoDB request."""
    if not keys.is_plain_id(contact_id):
        member_service.checked(claimed)
        raise _not_found(contact_id)
    contact, _, config, member = repository.get_with_config_and_member(claimed.tenant, contact_id, claimed.user_id)
    principal = member_service.confirmed(claimed, member)
    if contact is None or not principal.can_see(contact, config.settings):
        raise _not_found(contact_id)
    return _shape(contact, config)


def _modify(
    principal: Principal,
    contact_id: str,
    changes_for: Callable[[dict[str, Any], tenant_config.TenantConfig], dict[str, Any]],
) -> tuple[dict[str, Any], tenant_config.TenantConfig]:
    """Read, change and write back a contact, again from the start if someone else wrote first."""

    def attempt() -> tuple[dict[str, Any], tenant_config.TenantConfig]:
        contact, version, config = visible_contact_versioned(principal, contact_id)
        now = validation.now()
        changes = changes_for(contact, config)
        if "owner_id" in changes:
            require_assignable(principal, changes["owner_id"], contact.get("owner_id"))
        updated = contact_rules.apply_changes(contact, changes, now)
        if contact_rules.differs(contact, updated):
            entries = activities.contact_changes(contact, updated, principal.user_id, now, new_id)
            _save(principal.tenant, updated, config, previous=contact, version=version, activities=entries,
                  actor=principal.user_id)
            return updated, config
        return contact, config

    return until_settled(attempt)


def update(principal: Principal, contact_id: str, body: Any) -> dict[str, Any]:
    return _shape(*_modify(principal, contact_id,
                           lambda _, config: contact_rules.parse_changes(body, config.properties)))


def unsubscribe(tenant: str, contact_id: str) -> bool:
    """A one-click unsubscribe (RFC 8058) from mail to a selection: `marketing_opt_out` set and
    `email_unsubscribed` on the timeline, once however often it is clicked. False when the
    contact is gone."""

    def attempt() -> bool:
        found = repository.versions(tenant, [contact_id]).get(contact_id)
        if found is None:
            return False
        contact, version = found
        if contact.get("marketing_opt_out"):
            return True
        now = validation.now()
        updated = contact_rules.apply_changes(contact, {"marketing_opt_out": True}, now)
        _save(tenant, updated, tenant_config.load(tenant, fresh=True), previous=contact, version=version,
              activities=[activities.email_unsubscribed(new_id(), contact_id, now)])
        return True

    return until_settled(attempt)


def remove_tag(principal: Principal, contact_id: str, tag: str) -> None:
    _modify(principal, contact_id, lambda contact, _: {"tags": [t for t in contact.get("tags", []) if t != tag]})


def delete(principal: Principal, contact_id: str) -> None:
    principal.require_contact_delete()

    def attempt() -> None:
        contact, version, _ = visible_contact_versioned(principal, contact_id)
        repository.delete(principal.tenant, contact, version)

    try:
        until_settled(attempt)
    except NotFound:  # perhaps deleted by this request sent before, cut short: finish its cleanup
        tidy_deleted(principal.tenant, repository.pending_cleanups(principal.tenant))
        raise
    # with any delete of the tenant cut short before (its partition still marked)
    tidy_deleted(principal.tenant, list(dict.fromkeys([contact_id, *repository.pending_cleanups(principal.tenant)])))


# A request deletes at most this many of its deleted contacts' leftover items itself (a Query and
# ten BatchWriteItem requests); more (long timelines) go to the worker, so no DELETE's time grows
# with a timeline: API Gateway ends an integration after 30 s
# (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
TIDY_ITEMS_PER_REQUEST = 250
TIDY_ITEMS_PER_READ = 1_000


def tidy_deleted(tenant: str, contact_ids: list[str]) -> None:
    """What deleted contacts leave in their partitions (search terms, timeline entries, which no
    read reaches once the contact is gone): up to TIDY_ITEMS_PER_REQUEST items here, the rest
    handed to the bulk worker as a `tidy` message. Should SQS refuse it, the leftovers stay
    unreachable (logged); the contacts are deleted either way."""
    budget, left = TIDY_ITEMS_PER_REQUEST, []
    for contact_id in contact_ids:
        if budget > 0:
            deleted, done = repository.delete_partition_items(tenant, contact_id, budget)
            budget -= deleted
            if done:
                continue
        left.append(contact_id)
    if left:
        try:
            job_queue.send(CONFIG.bulk_queue_url, {"kind": "tidy", "tenant": tenant, "contact_ids": left})
        except (BotoCoreError, ClientError):
            logger.exception("deleted contacts' leftovers not handed over", extra={"contact_ids": left})


def run_tidy(tenant: str, contact_ids: list[str], time_left: Callable[[], float]) -> bool:
    """The worker's part of `tidy_deleted`: True when done, False when time runs short (the
    message is sent again; contacts already tidied cost one empty Query then)."""
    for contact_id in contact_ids:
        done = False
        while not done:
            if time_left() < job_queue.WORKER_MARGIN_SECONDS:
                return False
            done = repository.delete_partition_items(tenant, contact_id, TIDY_ITEMS_PER_READ)[1]
    return True


# --- listing ------------------------------------------------------------------------------

def list_contacts(principal: Principal, params: dict[str, str], raw_cursor: str | None) -> dict[str, Any]:
    """GET /v1/contacts: a page that reads what it shows (docs/data-model.md, "Views"); with `q`,
    also the exact number of matches (`total`)."""
    query = listing.parse_query(params)
    config = tenant_config.load(principal.tenant)
    visible_owner = principal.visible_owner(config.settings)
    fingerprint = cursor.fingerprint(query.fingerprint_fields(principal.user_id, visible_owner))
    position = cursor.decode(CONFIG.cursor_secret, principal.tenant, fingerprint, raw_cursor) if raw_cursor else None
    views = listing.views_of(principal.tenant, query.filters, visible_owner)

    def keep(contact: dict[str, Any]) -> bool:
        return listing.matches(contact, query.filters) and principal.can_see(contact, config.settings)

    contacts: list[dict[str, Any]]
    total: int | None = None
    if views is None:  # conditions no contact can meet
        contacts, next_position, total = [], None, 0
    elif query.q:
        contacts, next_position, total = quick_search_page(principal.tenant, query, views, position, keep)
    elif views:
        contacts, next_position = contact_pages.view_list_page(principal.tenant, views, query, position, keep)
    else:
        if position is not None and not isinstance(position, dict):
            raise listing.bad_cursor()
        contacts, next_position = repository.sorted_page(
            principal.tenant, query.sort, query.descending, position, query.limit,
            listing.unserved_filters(query.filters),
        )
    next_cursor = None
    if next_position is not None:
        next_cursor = cursor.encode(CONFIG.cursor_secret, principal.tenant, fingerprint, next_position)
    answer = {"items": [_shape(contact, config) for contact in contacts], "next_cursor": next_cursor}
    return answer if query.q is None else answer | {"total": total}


def quick_search_page(
    tenant: str, query: listing.ContactQuery, views: list[listing.View], position: Any,
    keep: Callable[[dict[str, Any]], bool],
) -> tuple[list[dict[str, Any]], Any, int]:
    """Quick search: every match's id and sort key from the search indexes' entries (so `total` is
    exact and no contact is read to count); when there are more than a page can read whole,
    narrowed to the list's conditions by their views' ids (keys too), then ordered by those sort
    keys, reading only the page's contacts (contact_pages.ids_page)."""
    # called with a `q` (list_contacts)
    matches = repository.search_ids(tenant, contact_rules.search_prefixes(cast(str, query.q)), query.sort)
    ids = set(matches)
    if len(ids) > query.fetch_cap:
        for view in views:
            ids &= set(repository.view_ids(view.partition))
        if query.filters.get("starred") is False:
            ids -= set(repository.view_ids(keys.starred_pk(tenant)))
    return contact_pages.ids_page(tenant, ids, query, position, keep, None, sort_keys=matches)


# --- bulk lookup ------------------------------------------------------------------------

LOOKUP_WINDOW = 500  # values looked up at a time: a page that fills up early wastes at most these


def lookup(principal: Principal, body: Any) -> dict[str, Any]:
    """`{"found", "missing", "next_cursor"}` for the values in order. When the contacts found do
    not fit one response (Lambda answers at most 6 MB), the answer covers the values up to where
    it stopped: each of those is in `found` (by its contacts) or in `missing`, the rest in neither,
    and `next_cursor`, sent back with the same field and values, continues after them. An answer
    without `next_cursor` covers every value (and keeps the contract's exact two-field shape). A
    contact matching values on two pages is on both."""
    field, values, raw_cursor = contact_rules.parse_lookup(body)
    if len(values) > MAX_LOOKUP_VALUES:
        raise PayloadTooLarge(f"Look up at most {MAX_LOOKUP_VALUES:,} values per request; split the list.")
    fingerprint = cursor.fingerprint({"lookup": field, "values": values})
    position: int | None
    position = 0
    if raw_cursor:
        decoded = cursor.decode(CONFIG.cursor_secret, principal.tenant, fingerprint, raw_cursor)
        position = decoded.get("offset") if isinstance(decoded, dict) else None
        if not isinstance(position, int) or not 0 < position < len(values):
            raise listing.bad_cursor()
    config = tenant_config.load(principal.tenant)
    found: dict[str, dict[str, Any]] = {}
    missing: list[str] = []
    used = 0
    # phone numbers are resolved all at once: their index reads are bounded per request, not per window
    window_size = len(values) if field == "phone" else LOOKUP_WINDOW
    while position < len(values):
        window = values[position:position + window_size]
        matched = _matches(principal.tenant, field, window)
        for value in window:
            visible = [c for c in matched.get(value, []) if principal.can_see(c, config.settings)]
            added = [_shape(contact, config) for contact in visible if contact["id"] not in found]
            cost = sum(sizes.response_size(item) + 1 for item in added) if visible else sizes.response_size(value) + 1
            if used + cost > sizes.RESPONSE_BUDGET_BYTES and (found or missing):
                next_cursor = cursor.encode(CONFIG.cursor_secret, principal.tenant, fingerprint, {"offset": position})
                return {"found": list(found.values()), "missing": missing, "next_cursor": next_cursor}
            used += cost
            if not visible:
                missing.append(value)
            found.update((contact["id"], contact) for contact in added)
            position += 1
    return {"found": list(found.values()), "missing": missing}


def _matches(tenant: str, field: str, values: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The stored contacts each value names (by id, email or phone digits), before visibility."""
    if field == "id":
        by_id = repository.get_many(tenant, [value for value in values if keys.is_plain_id(value)])
        return {value: [by_id[value]] for value in values if value in by_id}
    if field == "email":
        email_of = {value: value.strip().lower() for value in values}
        by_email = repository.by_emails(tenant, [email for email in email_of.values() if email])
        return {value: [by_email[email]] for value, email in email_of.items() if email in by_email}
    digits_of = {value: contact_rules.phone_digits(value) for value in values}
    numbers = len({digits for digits in digits_of.values() if digits})
    tenant_size = repository.usage(tenant) if numbers > contact_rules.PHONE_RANGES else 0
    whole_index, reads = contact_rules.phone_lookup_reads(numbers, tenant_size)
    if reads > contact_rules.MAX_PHONE_QUERIES:
        raise PayloadTooLarge(f"Look up at most {contact_rules.MAX_PHONE_QUERIES:,} phone numbers per request in a "
                              "workspace of this size; split the list.")
    ids_by_digits = repository.ids_by_phone_digits(tenant, digits_of.values(), whole_index)
    contacts = repository.get_many(tenant, [i for ids in ids_by_digits.values() for i in ids])
    return {value: [contacts[i] for i in ids_by_digits.get(digits, []) if i in contacts]
            for value, digits in digits_of.items()}


def ownerless_with_email(tenant: str, email: str,
                         before_create: Callable[[tenant_config.TenantConfig], None] | None = None) -> dict[str, Any]:
    """The contact with this (lower-cased) email, created ownerless when there is none (as
    ingested events, web forms and imports create them); `before_create` may refuse a creation
    (web forms' daily budget) by raising."""

    def attempt() -> dict[str, Any]:
        known = repository.by_emails(tenant, [email])
        if email in known:
            return known[email]
        config = tenant_config.load(tenant, fresh=True)
        if before_create is not None:
            before_create(config)
        contact = contact_rules.new_contact(new_id(), {"email": email, "owner_id": None}, None, validation.now())
        contact = linked_by_domain(config, [contact])[0]
        try:
            repository.save(tenant, contact, config)
        except ConditionFailed as failure:
            if "email" in failure.labels:  # created meanwhile by another request
                return repository.by_emails(tenant, [email])[email]
            refused = refusal(failure, contact, config)
            if refused is not None:
                raise refused from None
            raise
        return contact

    return until_settled(attempt)
