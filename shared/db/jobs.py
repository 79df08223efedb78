"""Jobs in the single table: the job under its tenant (`TENANT#{t}` / `JOB#{id}`) and the ids it
works through in chunks (`TENANT#{t}#JOB#{id}` / `CHUNK#n`, expiring with the job's data)."""

from __future__ import annotations

import time
from typing import Any

from pynamodb.exceptions import UpdateError

from shared import keys
from shared.db.contacts import query
from shared.db.models import JobChunkItem, JobItem, TableItem
from shared.db.transactions import Transaction, error_code
from shared.domain import validation

CHUNK_IDS = 1_000
KEPT_SECONDS = 30 * 24 * 3600  # a job's target lists outlive it by a month at most
_FIELDS = ("job_id", "job_kind", "status", "action", "total", "processed", "chunks", "cursor", "cleanup", "error",
           "created_at", "updated_at")


def _of(item: JobItem) -> dict[str, Any]:
    job = {name: getattr(item, name) for name in _FIELDS}
    for name in ("params", "selection", "principal", "counts"):
        job[name] = getattr(item, name).as_dict()
    for name in ("total", "processed", "chunks", "cursor"):
        job[name] = None if job[name] is None else int(job[name])
    job["counts"] = {name: int(count) for name, count in job["counts"].items()}
    job["cleanup"] = list(job["cleanup"] or [])
    return job


def _key(tenant: str, job_id: str) -> tuple[str, str]:
    return keys.tenant_pk(tenant), keys.job_sk(job_id)


def create(tenant: str, job: dict[str, Any]) -> None:
    JobItem(*_key(tenant, job["job_id"]), **job).save(condition=JobItem.pk.does_not_exist())


def get(tenant: str, job_id: str) -> dict[str, Any] | None:
    try:
        return _of(JobItem.get(*_key(tenant, job_id), consistent_read=True))
    except JobItem.DoesNotExist:
        return None


def page(tenant: str, limit: int, start: dict[str, Any] | None) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """The tenant's jobs, newest first (their ULID ids sort by creation)."""
    raws, last = query(keys.tenant_pk(tenant), TableItem.sk.startswith(keys.JOB_SK_PREFIX), forward=False,
                       limit=limit, start=start, consistent=True)
    return [_of(JobItem.from_raw_data(raw)) for raw in raws], last


def _update(tenant: str, job_id: str, actions: list[Any], condition: Any) -> bool:
    """An UpdateItem of the job (its version not checked); False when `condition` fails."""
    try:
        JobItem(*_key(tenant, job_id), version=0).update(actions + [JobItem.updated_at.set(validation.now())], condition=condition,
                                                         add_version_condition=False)
    except UpdateError as error:
        if error_code(error) == "ConditionalCheckFailedException":
            return False
        raise
    return True


def start(tenant: str, job_id: str, ids: list[str]) -> bool:
    """Fix the job's targets (chunks written first, so a crash before the update leaves the job
    queued and the next attempt writes the same chunks again), then `queued → running`."""
    expires = int(time.time()) + KEPT_SECONDS
    chunks = [ids[index:index + CHUNK_IDS] for index in range(0, len(ids), CHUNK_IDS)]
    with TableItem.batch_write() as batch:
        for number, chunk in enumerate(chunks):
            batch.save(JobChunkItem(keys.job_targets_pk(tenant, job_id), keys.job_chunk_sk(number), ids=chunk,
                                    expires_at_epoch=expires))
    return _update(tenant, job_id, [JobItem.status.set("running"), JobItem.total.set(len(ids)),
                                    JobItem.chunks.set(len(chunks)), JobItem.cursor.set(0)],
                   JobItem.status == "queued")


def targets(tenant: str, job_id: str, chunk: int) -> list[str]:
    item = JobChunkItem.get(keys.job_targets_pk(tenant, job_id), keys.job_chunk_sk(chunk), consistent_read=True)
    return list(item.ids)


def stage_progress(transaction: Transaction, tenant: str, job_id: str, cursor: int, done: int,
                   counts: dict[str, int], total: int, cleanup: list[str] = ()) -> None:
    """Move the job's cursor from `cursor` over `done` targets and add their counts, only if no
    other worker moved it meanwhile (ConditionFailed "job"); `cleanup` names the contacts whose
    partitions are still to tidy once the transaction is in."""
    actions = [JobItem.cursor.set(cursor + done), JobItem.processed.set(cursor + done),
               JobItem.updated_at.set(validation.now()), JobItem.cleanup.set(list(cleanup) or None)]
    actions += [JobItem.counts[name].set((JobItem.counts[name] | 0) + count) for name, count in counts.items() if count]
    transaction.update("job", JobItem(*_key(tenant, job_id), version=0), actions,
                       condition=(JobItem.cursor == cursor) & (JobItem.total == total), version_checked=False)


def finish(tenant: str, job_id: str, status: str, error: str | None = None) -> None:
    _update(tenant, job_id, [JobItem.status.set(status), JobItem.error.set(error)],
            JobItem.status.is_in("queued", "running"))
