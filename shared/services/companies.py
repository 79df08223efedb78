"""Companies: CRUD, a company's contacts, and the link new contacts get from their email domain.

Any role reads companies; owner, admin and manager change them. Deleting a company unlinks its
contacts first (each keeps its `company` text): the company is marked `deleting` (it reads as
gone and takes no new contacts), its contacts are unlinked in transactions of up to 30 (past 300,
by the bulk worker), then it is removed; a DELETE that stopped half-way is resumed by the next one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from shared import cursor, keys
from shared.config import CONFIG
from shared.db import companies as repository
from shared.db import contacts as contact_store
from shared.db import tenant_config
from shared.db.transactions import ConditionFailed, Transaction
from shared.domain import companies as company_rules
from shared.domain import listing, text, validation
from shared.domain.access import CONTACT_DELETER_ROLES, Principal
from shared.domain.ids import new_id
from shared.errors import Busy, Conflict, FieldError, Forbidden, NotFound, require_valid
from shared.services import contact_pages, job_queue
from shared.services.contacts import until_settled

_UNLINK_BATCH = 24  # contacts per transaction: contact, email key, membership, history entry each, + company and config
UNLINK_BATCHES_PER_REQUEST = 10  # 240 contacts (2 requests each batch) in a DELETE; more by the worker


def _not_found(company_id: str) -> NotFound:
    return NotFound(f"No company with id {company_id} exists.")


def _require_editor(principal: Principal) -> None:
    if principal.role not in CONTACT_DELETER_ROLES:
        raise Forbidden(f"Your role ({principal.role}) cannot change companies; ask a manager, admin or owner.")


def _domain_taken(domain: str) -> Conflict:
    return Conflict("Another company already has this domain; open that company or use another domain.",
                    [FieldError("domain", f"{domain} is already used by another company", "duplicate")])


def _found(principal: Principal, company_id: str) -> tuple[dict[str, Any], int]:
    found = repository.get(principal.tenant, company_id) if keys.is_plain_id(company_id) else None
    if found is None:
        raise _not_found(company_id)
    return found


def _save(principal: Principal, company: dict[str, Any], previous: dict[str, Any] | None, version: int | None) -> None:
    try:
        repository.save(principal.tenant, company, previous, version)
    except ConditionFailed as failure:
        if "domain" in failure.labels:
            raise _domain_taken(company["domain"]) from None
        raise


def create(principal: Principal, body: Any) -> dict[str, Any]:
    _require_editor(principal)
    now = validation.now()
    company = {"id": new_id(), **company_rules.parse(body), "created_at": now, "updated_at": now}
    _save(principal, company, None, None)
    return company_rules.public(company)


def _counted(principal: Principal) -> bool:
    """Whether the caller is shown companies' tenant-wide `contact_count` (null otherwise)."""
    return principal.sees_all(tenant_config.load(principal.tenant).settings)


def get(principal: Principal, company_id: str) -> dict[str, Any]:
    return company_rules.public(_found(principal, company_id)[0], counted=_counted(principal))


def update(principal: Principal, company_id: str, body: Any) -> dict[str, Any]:
    _require_editor(principal)

    def attempt() -> dict[str, Any]:
        company, version = _found(principal, company_id)
        updated = {**company, **company_rules.parse(body, company), "updated_at": validation.now()}
        _save(principal, updated, company, version)
        return company_rules.public(updated)

    return until_settled(attempt)


def delete(principal: Principal, company_id: str) -> None:
    """Mark the company, unlink up to UNLINK_BATCHES_PER_REQUEST batches of its contacts and, when
    none are left, remove it; a company with more contacts is finished by the bulk worker (a
    `company_delete` message), so no DELETE's time grows with the company (API Gateway ends an
    integration after 30 s: https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html).
    The company reads as gone from the mark on."""
    _require_editor(principal)
    if not keys.is_plain_id(company_id):
        raise _not_found(company_id)
    company = repository.being_deleted(principal.tenant, company_id)
    if company is None:
        def mark() -> dict[str, Any]:
            found, version = _found(principal, company_id)
            repository.mark_deleting(principal.tenant, company_id, version)
            return found

        company = until_settled(mark)
    batches = iter(range(UNLINK_BATCHES_PER_REQUEST))
    if not _unlink_all(principal.tenant, company, lambda: next(batches, None) is not None):
        try:
            job_queue.send(CONFIG.bulk_queue_url, {"kind": "company_delete", "tenant": principal.tenant,
                                                   "company_id": company_id})
        except (BotoCoreError, ClientError) as error:  # still marked: the same DELETE again goes on with it
            raise Busy("The company is partly deleted; send the same DELETE again in a moment.") from error


def run_deletion(tenant: str, company_id: str, time_left: Callable[[], float]) -> bool:
    """The worker's part of `delete`: True when done, False when time runs short (sent again)."""
    company = repository.being_deleted(tenant, company_id)
    return company is None or _unlink_all(tenant, company, lambda: time_left() >= job_queue.WORKER_MARGIN_SECONDS)


def _unlink_all(tenant: str, company: dict[str, Any], go_on: Callable[[], bool]) -> bool:
    """Unlink the company's contacts a batch at a time while `go_on()`, then remove it: True when removed."""
    while go_on():
        ids = repository.member_ids(tenant, company["id"], None, _UNLINK_BATCH).items
        if not ids:
            repository.remove(tenant, company)
            return True
        until_settled(lambda: _unlink(tenant, ids))  # noqa: B023 - called before the loop moves on
    return False


def _unlink(tenant: str, contact_ids: list[str]) -> None:
    """Take the company off these contacts in one transaction (their memberships and the count go with it)."""
    config = tenant_config.load(tenant, fresh=True)
    now = validation.now()
    transaction = Transaction()
    counters = contact_store.Counters()
    for position, (contact, version) in enumerate(contact_store.versions(tenant, contact_ids).values()):
        contact_store.stage_save(transaction, tenant, {**contact, "company_id": None, "updated_at": now}, config,
                                 previous=contact, version=version, check_config=position == 0,
                                 label=f"contact:{contact['id']}", counters=counters)
    contact_store.stage_counters(transaction, tenant, counters, now, None)
    if len(transaction):
        transaction.commit()


def list_companies(principal: Principal, params: dict[str, str]) -> dict[str, Any]:
    errors = []
    sort, order = params.get("sort", "name"), params.get("order")
    if sort not in ("name", "created_at"):
        errors.append(FieldError("sort", "must be name or created_at"))
    if order not in (None, "asc", "desc"):
        errors.append(FieldError("order", "must be asc or desc"))
    q = (params.get("q") or "").strip()
    if len(q) > 200:
        errors.append(FieldError("q", "must be at most 200 characters"))
    limit = listing.parse_limit(params.get("limit"))
    require_valid(errors)
    descending = order == "desc" if order else sort == "created_at"
    prefix = (text.company_core(q) or text.fold(q)) if q else None
    if prefix:
        sort, descending = "name", False  # a name search reads the name index, in name order
    fingerprint = cursor.fingerprint({"companies": [sort, descending, prefix]})
    start = cursor.decode(CONFIG.cursor_secret, principal.tenant, fingerprint, params["cursor"]) \
        if params.get("cursor") else None
    if start is not None and not isinstance(start, dict):
        raise listing.bad_cursor()
    page = repository.page(principal.tenant, sort, descending, start, limit, prefix)
    counted = _counted(principal)
    items, last = page.fit([company_rules.public(company, counted=counted) for company in page.items])
    return {"items": items,
            "next_cursor": cursor.encode(CONFIG.cursor_secret, principal.tenant, fingerprint, last) if last else None}


def contacts(principal: Principal, company_id: str, params: dict[str, str]) -> dict[str, Any]:
    """The company's contacts, in creation order, as GET /v1/contacts shapes them."""
    _found(principal, company_id)
    return contact_pages.of_ids(principal, {"company_contacts": company_id}, params,
                                lambda start, limit: repository.member_ids(principal.tenant, company_id, start, limit))
