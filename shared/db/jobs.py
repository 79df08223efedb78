"""Jobs in the single table: the job under its tenant (`TENANT#{t}` / `JOB#{id}`, and in GSI6 under
its requester) and the ids it works through in chunks (`TENANT#{t}#JOB#{id}` / `CHUNK#n`,
expiring with the job's data)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from pynamodb.exceptions import UpdateError

from shared import indexes, keys
from shared.db import batches
from shared.db.models import JobChunkItem, JobItem, TableItem, as_dict
from shared.db.reads import Page, key_after, query
from shared.db.transactions import Transaction, error_code
from shared.domain import validation

if TYPE_CHECKING:
    from shared.domain.entities import Job

CHUNK_IDS = 1_000
KEPT_SECONDS = 30 * 24 * 3600  # a job's target lists outlive it by a month at most
_FIELDS = ("job_id", "job_kind", "status", "action", "total", "processed", "chunks", "cursor", "cleanup", "progress",
           "error",
           "created_at", "updated_at")


def _of(item: JobItem) -> Job:
    job = {name: getattr(item, name) for name in _FIELDS}
    for name in ("params", "selection", "principal", "counts", "result"):
        job[name] = as_dict(getattr(item, name))
    job["progress"] = None if job["progress"] is None else float(job["progress"])
    for name in ("total", "processed", "chunks", "cursor"):
        job[name] = None if job[name] is None else int(job[name])
    job["counts"] = {name: int(count) for name, count in job["counts"].items()}
    job["cleanup"] = list(job["cleanup"] or [])
    return cast("Job", job)  # the item's attributes are Job's keys (tests/test_entities.py)


def _key(tenant: str, job_id: str) -> tuple[str, str]:
    return keys.tenant_pk(tenant), keys.job_sk(job_id)


def _new_item(tenant: str, job: Job) -> JobItem:
    requester = keys.requester_jobs_pk(tenant, job["principal"]["user_id"])
    # a model's **attributes: typed Any, as mypy matches them to every parameter
    attributes: dict[str, Any] = {**job, **keys.index_entry(indexes.REQUESTER_JOBS, requester, job["job_id"])}
    return JobItem(*_key(tenant, job["job_id"]), **attributes)


def create(tenant: str, job: Job) -> None:
    _new_item(tenant, job).save(condition=JobItem.pk.does_not_exist())


def stage_create(transaction: Transaction, tenant: str, job: Job) -> None:
    """`create` inside a transaction that also writes what the job is about (a tag's deletion)."""
    transaction.put("job", _new_item(tenant, job), condition=JobItem.pk.does_not_exist())


def get(tenant: str, job_id: str) -> Job | None:
    try:
        return _of(JobItem.get(*_key(tenant, job_id), consistent_read=True))
    except JobItem.DoesNotExist:
        return None


def page(tenant: str, limit: int, start: dict[str, Any] | None) -> Page[Job]:
    """The tenant's jobs, newest first (their ULID ids sort by creation)."""
    raws, last = query(keys.tenant_pk(tenant), TableItem.sk.startswith(keys.JOB_SK_PREFIX), forward=False,
                       limit=limit, start=start, consistent=True)
    return Page.of(raws, last, None, lambda raw: _of(JobItem.from_raw_data(raw)))


def requester_page(tenant: str, user_id: str, limit: int, start: dict[str, Any] | None,
                   ) -> Page[Job | None]:
    """One requester's jobs, newest first: a Query of GSI6 (keys only), then the jobs themselves
    (one consistent BatchGetItem); None for a job gone meanwhile."""
    raws, last = query(keys.requester_jobs_pk(tenant, user_id), index=indexes.REQUESTER_JOBS, forward=False,
                       limit=limit, start=start)
    sort_key = keys.index_key_names(indexes.REQUESTER_JOBS)[1]
    ids = [raw[sort_key]["S"] for raw in raws]
    found = {item.job_id: _of(item) for item in batches.get(JobItem, [_key(tenant, job_id) for job_id in ids],
                                                             consistent_read=True)}
    return Page([found.get(job_id) for job_id in ids], [key_after(raw, indexes.REQUESTER_JOBS) for raw in raws], last)


def _update(tenant: str, job_id: str, actions: list[Any], condition: Any) -> bool:
    """An UpdateItem of the job (its version not checked); False when `condition` fails."""
    try:
        JobItem(*_key(tenant, job_id), version=0).update(actions + [JobItem.updated_at.set(validation.now())],
                                                         condition=condition, add_version_condition=False)
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
    with batches.writing() as batch:
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
                   counts: dict[str, int], total: int, cleanup: Sequence[str] = ()) -> None:
    """Move the job's cursor from `cursor` over `done` targets and add their counts, only if no
    other worker moved it meanwhile (ConditionFailed "job"); `cleanup` names the contacts whose
    partitions are still to tidy once the transaction is in."""
    actions = [JobItem.cursor.set(cursor + done), JobItem.processed.set(cursor + done),
               JobItem.updated_at.set(validation.now()),
               JobItem.cleanup.set(list(cleanup) or None)]  # type: ignore[arg-type]  # PynamoDB: set(None) writes NULL
    actions += [JobItem.counts[name].set((JobItem.counts[name] | 0) + count) for name, count in counts.items() if count]
    transaction.update("job", JobItem(*_key(tenant, job_id), version=0), actions,
                       condition=(JobItem.cursor == cursor) & (JobItem.total == total), version_checked=False)


def finish(tenant: str, job_id: str, status: str, error: str | None = None) -> None:
    _update(tenant, job_id, [JobItem.status.set(status),
                             JobItem.error.set(error)],  # type: ignore[arg-type]  # PynamoDB: set(None) writes NULL
            JobItem.status.is_in("queued", "running"))


def set_result(tenant: str, job_id: str, result: dict[str, Any], status: str) -> None:
    """Note what a running job produces so far (an export's upload), and its status."""
    _update(tenant, job_id, [JobItem.result.set(result), JobItem.status.set(status), JobItem.progress.set(0)],
            JobItem.status.is_in("queued", "running"))


def set_progress(tenant: str, job_id: str, fraction: float, processed: int) -> None:
    _update(tenant, job_id, [JobItem.progress.set(round(fraction, 4)), JobItem.processed.set(processed)],
            JobItem.status == "running")


def complete(tenant: str, job_id: str, result: dict[str, Any]) -> None:
    _update(tenant, job_id, [JobItem.result.set(result), JobItem.status.set("succeeded"), JobItem.progress.set(1),
                             JobItem.processed.set(result.get("row_count", 0))], JobItem.status == "running")


def queue_import(tenant: str, job_id: str, params: dict[str, Any]) -> bool:
    """`created → queued` with the import's settings; False when it was started already."""
    return _update(tenant, job_id, [JobItem.params.set(params), JobItem.status.set("queued"), JobItem.cursor.set(0),
                                    JobItem.expires_at_epoch.remove()], JobItem.status == "created")


def stage_import_reservation(transaction: Transaction, tenant: str, job_id: str, through_row: int, granted: int,
                             new_rows: int) -> None:
    """Which chunk the plan's room was counted for (its last row, the contacts granted of those
    it wanted), in the transaction that counts them: the chunk redone after a crash counts none again."""
    transaction.update("job", JobItem(*_key(tenant, job_id), version=0),
                       [JobItem.result["reservation"].set({"through": through_row, "granted": granted,
                                                           "new": new_rows})],
                       condition=JobItem.status.is_in("queued", "running"), version_checked=False)


def stage_import_chunk(transaction: Transaction, tenant: str, job_id: str, last_row: int, rows: int,
                       counts: dict[str, int], errors: list[dict[str, Any]], truncated: bool, progress: float) -> None:
    """After a chunk, in the transaction that writes its last contacts: the cursor (the last row
    done), counts, row errors, progress."""
    actions = [JobItem.status.set("running"), JobItem.cursor.set(last_row), JobItem.progress.set(round(progress, 4)),
               JobItem.processed.set((JobItem.processed | 0) + rows),
               JobItem.result["rows"].set((JobItem.result["rows"] | 0) + rows),
               JobItem.updated_at.set(validation.now())]
    actions += [JobItem.counts[name].set((JobItem.counts[name] | 0) + count) for name, count in counts.items() if count]
    if errors:
        actions.append(JobItem.result["errors"].set((JobItem.result["errors"] | []).append(errors)))
    if truncated:
        actions.append(JobItem.result["errors_truncated"].set(True))
    transaction.update("job", JobItem(*_key(tenant, job_id), version=0), actions,
                       condition=JobItem.status.is_in("queued", "running"), version_checked=False)
