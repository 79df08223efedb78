"""Segments (saved filters) in the single table: `TENANT#{t}` / `SEGMENT#{id}`."""

from __future__ import annotations

from typing import Any

from pynamodb.exceptions import DeleteError, PutError

from shared import keys
from shared.db import batches
from shared.db.models import SegmentItem, TableItem, as_dict
from shared.db.reads import query_all
from shared.db.transactions import error_code

_FIELDS = ("segment_id", "name", "created_at", "updated_at", "created_by")


def _of(item: SegmentItem) -> dict[str, Any]:
    return {**{name: getattr(item, name) for name in _FIELDS}, "filter": as_dict(item.tree)}


def _item(tenant: str, segment: dict[str, Any]) -> SegmentItem:
    values = {name: segment[name] for name in _FIELDS}
    return SegmentItem(keys.tenant_pk(tenant), keys.segment_sk(segment["segment_id"]), tree=segment["filter"], **values)


def put(tenant: str, segment: dict[str, Any], *, new: bool) -> bool:
    """Write a new segment, or replace one that still exists; False when that condition fails."""
    try:
        _item(tenant, segment).save(condition=SegmentItem.pk.does_not_exist() if new else SegmentItem.pk.exists())
    except PutError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def get(tenant: str, segment_id: str) -> dict[str, Any] | None:
    try:
        return _of(SegmentItem.get(keys.tenant_pk(tenant), keys.segment_sk(segment_id), consistent_read=True))
    except SegmentItem.DoesNotExist:
        return None


def filters_of(tenant: str, segment_ids: set[str]) -> dict[str, Any]:
    """The filters of those of the segments that exist, by id (BatchGetItem)."""
    found = batches.get(SegmentItem, [(keys.tenant_pk(tenant), keys.segment_sk(segment_id))
                                      for segment_id in segment_ids])
    return {item.segment_id: as_dict(item.tree) for item in found}


def list_segments(tenant: str) -> list[dict[str, Any]]:
    raws = query_all(keys.tenant_pk(tenant), TableItem.sk.startswith(keys.SEGMENT_SK_PREFIX), consistent=True)
    return [_of(SegmentItem.from_raw_data(raw)) for raw in raws]


def delete(tenant: str, segment_id: str) -> bool:
    try:
        SegmentItem(keys.tenant_pk(tenant), keys.segment_sk(segment_id)).delete(condition=SegmentItem.pk.exists())
    except DeleteError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            return False
        raise
    return True
