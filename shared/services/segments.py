"""Segments: saved filters, evaluated live on every read (GET /v1/segments/{id}/contacts pages
like GET /v1/contacts, with `total`). Any role may keep segments and use everyone's; only a
segment's creator, an owner or an admin changes or deletes it (403). What a segment shows is
still limited by the reader's owner visibility."""

from __future__ import annotations

from typing import Any

from shared.db import segments as repository
from shared.db import tenant_config
from shared.domain import listing, validation
from shared.domain import segments as rules
from shared.domain.access import Principal
from shared.domain.ids import new_id
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.keys import is_plain_id
from shared.services import search


def _public(segment: dict[str, Any]) -> dict[str, Any]:
    return {"id": segment["segment_id"], "name": segment["name"], "filter": segment["filter"],
            "created_at": segment["created_at"], "updated_at": segment["updated_at"],
            "created_by": segment["created_by"]}


def _not_found(segment_id: str) -> NotFound:
    return NotFound(f"No segment with id {segment_id} exists.")


def _parse(tenant: str, body: Any, segment_id: str | None = None) -> dict[str, Any]:
    """`{"name", "filter"}` (rules.SEGMENT_INPUT); the filter is checked against today's properties
    and segments (the segment `segment_id` may not reach itself through them)."""
    segment = rules.parse(body)
    search.parse_criteria(segment["filter"], None, tenant_config.load(tenant),
                          within=(segment_id,) if segment_id else ())
    return segment


def _found(principal: Principal, segment_id: str) -> dict[str, Any]:
    segment = repository.get(principal.tenant, segment_id) if is_plain_id(segment_id) else None
    if segment is None:
        raise _not_found(segment_id)
    return segment


def create(principal: Principal, body: Any) -> dict[str, Any]:
    now = validation.now()
    segment = {"segment_id": new_id(), **_parse(principal.tenant, body), "created_at": now, "updated_at": now,
               "created_by": principal.user_id}
    repository.put(principal.tenant, segment, new=True)
    return _public(segment)


def list_segments(principal: Principal) -> dict[str, Any]:
    return {"items": [_public(segment) for segment in repository.list_segments(principal.tenant)]}


def get(principal: Principal, segment_id: str) -> dict[str, Any]:
    return _public(_found(principal, segment_id))


def replace(principal: Principal, segment_id: str, body: Any) -> dict[str, Any]:
    found = _found(principal, segment_id)
    principal.require_editor_of(found["created_by"], "segment")
    segment = {**found, **_parse(principal.tenant, body, segment_id), "updated_at": validation.now()}
    if not repository.put(principal.tenant, segment, new=False):
        raise _not_found(segment_id)
    return _public(segment)


def delete(principal: Principal, segment_id: str) -> None:
    principal.require_editor_of(_found(principal, segment_id)["created_by"], "segment")
    if not repository.delete(principal.tenant, segment_id):
        raise _not_found(segment_id)


def criteria_of(principal: Principal, segment_id: str, config: tenant_config.TenantConfig) -> search.Criteria:
    """The segment's filter as it reads today; 409 when it names a property archived or deleted
    since it was saved, or a segment deleted since (the segment must be edited)."""
    segment = _found(principal, segment_id)
    try:
        return search.parse_criteria(segment["filter"], None, config, within=(segment_id,))
    except ValidationFailed as invalid:
        raise Conflict("This segment's filter no longer fits the properties or segments it uses (one was archived "
                       "or deleted); edit the segment.", invalid.details) from None


def contacts(principal: Principal, segment_id: str, params: dict[str, str]) -> dict[str, Any]:
    config = tenant_config.load(principal.tenant)
    criteria = criteria_of(principal, segment_id, config)
    order = listing.parse_query({name: value for name, value in params.items() if name in ("sort", "order", "limit")})
    return search.page_of(principal, config, criteria, order, params.get("cursor"), {"segment": segment_id})
