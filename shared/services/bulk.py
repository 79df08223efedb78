"""Bulk actions (POST /v1/contacts/bulk) and the jobs that run the large ones.

Up to 100 ids answer at once with a result per id. Anything larger (more ids, a filter, a
segment) becomes a job: answered 202, queued on SQS, run by functions/bulk_worker. The worker
first fixes the job's targets (the selection as it stands then, with the requester's
visibility), then works through them in slices. Each slice is one transaction: the contacts'
writes, their timeline entries, the tag counts and the job's cursor (only if the cursor is still
where this worker read it). So a worker that crashed or timed out resumes after the last slice
that was written, and two workers on one job never write a slice twice.

Per contact: `ok` (done, or already so), `not_found` (no such contact in this tenant, or one the
requester may not see), `forbidden` (the requester's role may not, or the action cannot apply,
with the reason).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, cast

from shared import cursor, keys
from shared.config import CONFIG
from shared.db import contacts as contact_store
from shared.db import groups as group_store
from shared.db import jobs as job_store
from shared.db import tenant_config
from shared.db.activity_items import activity_model
from shared.db.retries import backoff
from shared.db.transactions import MAX_ITEMS, ConditionFailed, Transaction
from shared.domain import activities, bulk, bulk_email, listing, validation
from shared.domain.access import CONTACT_DELETER_ROLES, Principal
from shared.domain.ids import new_id
from shared.domain.lifecycle import target_count
from shared.domain.sizes import MAX_TRANSACTION_BYTES
from shared.errors import Busy, Conflict, FieldError, NotFound, ValidationFailed
from shared.keys import is_plain_id
from shared.observability import logger
from shared.services import contacts as contact_service
from shared.services import exports, imports, job_queue, search, segments

if TYPE_CHECKING:
    from shared.domain.entities import Job

_RESERVED_ITEMS = 3 + bulk.MAX_TAGS_PER_ACTION  # config check, job update, usage, one count per tag
# Of DynamoDB's 4 MB per transaction, what the slice's contacts and email keys (up to ~800 KB a
# contact) may take: the rest holds the counters, the job, keys of deletions and timeline entries.
_SLICE_BYTES = MAX_TRANSACTION_BYTES - 512 * 1024
_WINDOW = 100  # targets read at once (one BatchGetItem), then cut into slices
_ATTEMPTS = 8


class JobMoved(Exception):
    """Another worker moved the job's cursor: this one stops."""


@dataclass
class _Slice:
    """Targets [start, end) of a selection, their results and the writes they need."""

    start: int
    end: int = 0
    results: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    items: int = 0
    size: int = 0  # bytes of the contacts saved, toward _SLICE_BYTES
    writes: list[tuple[dict[str, Any] | None, dict[str, Any], int, list[dict[str, Any]]]] = field(default_factory=list)


def _outcome(principal: Principal, settings: dict[str, Any], request: bulk.Request, found: Any,
             now: str) -> tuple[str, str | None, dict[str, Any] | None, dict[str, Any] | None, int | None,
                                list[dict[str, Any]]]:
    """(status, error, the contact after, the contact before, version, timeline entries)."""
    if found is None or not principal.can_see(found[0], settings):
        return "not_found", None, None, None, None, []
    contact, version = found
    if request.action == "delete":
        if principal.role not in CONTACT_DELETER_ROLES:
            return "forbidden", "Your role (user) cannot delete contacts.", None, None, None, []
        return "ok", None, None, contact, version, []
    try:
        updated = bulk.applied(contact, request.action, request.params, now)
    except bulk.Refused as refused:
        return "forbidden", str(refused), None, None, None, []
    if updated is contact:
        return "ok", None, None, None, None, []
    group_names = {request.params["group_id"]: request.params["group_name"]} if "group_name" in request.params else None
    entries = activities.contact_changes(contact, updated, principal.user_id, now, new_id, group_names)
    return "ok", None, updated, contact, version, entries


def _slices(principal: Principal, config: tenant_config.TenantConfig, request: bulk.Request, ids: list[str],
            start: int) -> list[_Slice]:
    """The targets from `start` read (consistently) and cut into slices that each fit one
    transaction."""
    now = validation.now()
    current = contact_store.versions(principal.tenant, [i for i in ids if is_plain_id(i)])
    slices, piece = [], _Slice(start)
    for offset, contact_id in enumerate(ids):
        status, error, after, before, version, entries = _outcome(principal, config.settings, request,
                                                                  current.get(contact_id), now)
        cost = size = 0
        # a contact `before` comes with its version, and one saved (not deleted) with `after`
        if before is not None and after is None:
            cost = contact_store.delete_footprint(principal.tenant, before, cast(int, version))
        elif before is not None:
            cost, size = contact_store.save_footprint(principal.tenant, cast(dict[str, Any], after), config,
                                                      previous=before, version=cast(int, version),
                                                      actor=principal.user_id)
        cost += len(entries)
        if piece.items + cost > MAX_ITEMS - _RESERVED_ITEMS or piece.size + size > _SLICE_BYTES:
            piece.end = start + offset
            slices.append(piece)
            piece = _Slice(start + offset)
        piece.results[contact_id] = (status, error)
        piece.items += cost
        piece.size += size
        if before is not None:
            piece.writes.append((after, before, cast(int, version), entries))
    piece.end = start + len(ids)
    slices.append(piece)
    return [piece for piece in slices if piece.results]


def _write(principal: Principal, config: tenant_config.TenantConfig, piece: _Slice,
           job: Job | None) -> list[str]:
    """One transaction for the slice (and the job's cursor); the ids it deleted. A job then tidies
    the rest of each deleted contact's partition itself (named on the job first, so a crash leaves
    it to redo); a request leaves that to `contact_service.tidy_deleted`."""
    transaction = Transaction()
    counters = contact_store.Counters()
    deleted: list[str] = []
    for position, (after, before, version, entries) in enumerate(piece.writes):
        label = f"contact:{before['id']}"
        if after is None:
            contact_store.stage_delete(transaction, principal.tenant, before, version, counters, label=label)
            deleted.append(before["id"])
        else:
            contact_store.stage_save(transaction, principal.tenant, after, config, previous=before, version=version,
                                     check_config=position == 0, label=label, counters=counters,
                                     actor=principal.user_id)
            for entry in entries:
                transaction.put("activity", activity_model(principal.tenant, after["id"], entry))
    contact_store.stage_counters(transaction, principal.tenant, counters, validation.now(),
                                 config.settings.get("contact_limit"))
    if job is not None:
        counts: dict[str, int] = {}
        for status, _ in piece.results.values():
            counts[status] = counts.get(status, 0) + 1
        job_store.stage_progress(transaction, principal.tenant, job["job_id"], piece.start, piece.end - piece.start,
                                 counts, target_count(job), cleanup=deleted)
    if len(transaction):
        transaction.commit()
    if job is not None:
        for contact_id in deleted:
            contact_store.delete_rest_of_partition(principal.tenant, contact_id)
    return deleted


def _apply(principal: Principal, config: tenant_config.TenantConfig, request: bulk.Request, ids: list[str],
           start: int, job: Job | None, time_left: Callable[[], float] | None = None,
           ) -> dict[str, tuple[str, str | None]]:
    """Apply the action to `ids` (targets from `start`), read 100 at a time and written slice by
    slice; when a slice's contacts changed meanwhile, they are read again and the slice retried.
    A job stops between slices when `time_left()` runs short (its cursor says where it stopped);
    a request tidies what its deletions left once all slices are in."""
    results: dict[str, tuple[str, str | None]] = {}
    deleted: list[str] = []
    pending: list[_Slice]
    position, end, pending, attempt = start, start + len(ids), [], 0
    while position < end:
        if time_left is not None and time_left() < job_queue.WORKER_MARGIN_SECONDS:
            break
        if not pending:
            pending = _slices(principal, config, request, ids[position - start:position - start + _WINDOW], position)
        piece = pending[0]
        try:
            deleted += _write(principal, config, piece, job)
        except ConditionFailed as failure:
            if "job" in failure.labels:
                raise JobMoved() from None
            if "group" in failure.labels:
                raise Conflict("The member group was deleted meanwhile; contacts were not added to it.") from None
            if "config" in failure.labels:
                config = tenant_config.load(principal.tenant, fresh=True)
            attempt += 1
            if attempt == _ATTEMPTS:
                raise Busy("These contacts kept changing; retry in a moment.") from None
            backoff(attempt)
            pending = []
            continue
        attempt = 0
        results.update(piece.results)
        position = piece.end
        pending.pop(0)
    if job is None and deleted:
        contact_service.tidy_deleted(principal.tenant, deleted)
    return results


# --- the API ---------------------------------------------------------------------------------

def submit(principal: Principal, body: Any) -> tuple[int, dict[str, Any]]:
    """(200, per-contact results) for up to 100 ids, else (202, the job)."""
    request = bulk.parse(body)
    if request.action == "set_owner":
        contact_service.require_assignable(principal, request.params["owner_id"], field="params.owner_id")
    if request.action in bulk.GROUP_ACTIONS:
        request = replace(request, params=named_group(principal, request.params["group_id"]))
    config = tenant_config.load(principal.tenant)
    if request.synchronous:
        results = _apply(principal, config, request, request.target, 0, None)
        return 200, {"results": [{"id": contact_id, "status": status, "error": error}
                                 for contact_id, (status, error) in results.items()]}
    check_selection(principal, config, request.selection, request.target)
    job = _new_job(principal, request)
    job_store.create(principal.tenant, job)
    return 202, _enqueued(principal.tenant, job)


def check_selection(principal: Principal, config: tenant_config.TenantConfig, kind: str, target: Any) -> None:
    """A filter that parses, a segment that exists (else 422/404), before a job is made of them."""
    if kind == "filter":
        search.parse_criteria(target, None, config, path="selection.filter")
    elif kind == "segment_id":
        segments.criteria_of(principal, target, config)


def named_group(principal: Principal, group_id: str, field: str = "params.group_id") -> dict[str, Any]:
    """The params of a group action on this group, with its name for the timeline entries; 422
    when it is not one of the tenant's member groups."""
    group = group_store.get(principal.tenant, group_id) if is_plain_id(group_id) else None
    if group is None:
        raise ValidationFailed("Some fields are invalid; see details.",
                               [FieldError(field, "is not the id of one of your member groups", "not_found")])
    return {"group_id": group_id, "group_name": group["name"]}


def _new_job(principal: Principal, request: bulk.Request) -> Job:
    now = validation.now()
    return {"job_id": new_id(), "job_kind": "bulk_action", "status": "queued", "action": request.action,
            "params": request.params, "selection": {request.selection: request.target},
            "principal": principal.as_record(), "counts": {}, "created_at": now, "updated_at": now}


def _enqueued(tenant: str, job: Job) -> dict[str, Any]:
    job_queue.enqueue(tenant, job["job_id"], CONFIG.bulk_queue_url, {"tenant": tenant, "job_id": job["job_id"]})
    return public_job(cast("Job", job_store.get(tenant, job["job_id"])))  # created by the caller


@dataclass(frozen=True)
class _HolderKind:
    """How a DELETE empties one kind of counted holder of contacts (a tag, a member group) before
    deleting it: its (contact count, deleting job) or None, its contacts' ids (at most `limit`),
    its `deleting` mark staged with a job, and its deletion once empty (True when deleted)."""

    action: str
    params: Callable[[str, str], dict[str, Any]]  # (tenant, key): the removing action's
    state: Callable[[str, str], tuple[int, str | None] | None]
    member_ids: Callable[[str, str, int | None], list[str]]
    stage_mark: Callable[[Transaction, str, str, str], None]
    finish: Callable[[str, str, str | None], bool]
    not_found: Callable[[str], NotFound]
    busy: Callable[[], Busy]


def _group_params(tenant: str, group_id: str) -> dict[str, Any]:
    group = group_store.get(tenant, group_id)
    return {"group_id": group_id, "group_name": group["name"] if group else group_id}


def _tag_state(tenant: str, name: str) -> tuple[int, str | None] | None:
    tag = contact_store.get_tag(tenant, name)
    return None if tag is None else (int(tag.contact_count or 0), tag.deleting)


_HOLDERS = {
    "tag": _HolderKind("remove_tags", lambda tenant, name: {"tags": [name]}, _tag_state, contact_store.tag_member_ids,
                       contact_store.stage_tag_deletion, contact_store.finish_tag_deletion,
                       lambda name: NotFound(f"No tag named {name} exists."),
                       lambda: Busy("This tag is being used by others right now; retry in a moment.")),
    "group": _HolderKind("remove_from_group", _group_params, group_store.deletion_of,
                         group_store.all_member_ids, group_store.stage_deletion, group_store.finish_deletion_of,
                         lambda group_id: NotFound(f"No member group with id {group_id} exists."),
                         lambda: Busy("This member group is being joined by others right now; retry in a moment.")),
}


def delete_tag(principal: Principal, name: str) -> dict[str, Any] | None:
    """DELETE /v1/tags/{name}: the tag off every contact carrying it (a `tag_removed` entry on
    each, as a bulk remove_tags), then the tag (see `delete_holder`)."""
    return delete_holder(principal, "tag", name)


def delete_holder(principal: Principal, kind: str, key: str) -> dict[str, Any] | None:
    """A tag or member group off every contact it holds (a timeline entry on each, as the bulk
    action removing it), then the holder. Up to SYNC_IDS contacts it is done at once (None:
    204). More become a job (its public form: 202), so the request's work does not grow with the
    holder's contacts (API Gateway ends an integration after 30 s:
    https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html); the holder
    is marked in the job's own transaction, which hides it from its list at once, and the
    worker deletes it when done. A DELETE while that runs answers the same job."""
    tenant, holder = principal.tenant, _HOLDERS[kind]
    everyone = Principal(tenant, principal.user_id, "owner", principal.email, principal.name)  # every contact
    request = bulk.Request(kind, key, holder.action, holder.params(tenant, key))
    for attempt in range(_ATTEMPTS):
        state = holder.state(tenant, key)
        if state is None:
            raise holder.not_found(key)
        count, deleting = state
        if deleting:
            return public_job(cast("Job", job_store.get(tenant, deleting)))  # the job deleting it
        members = holder.member_ids(tenant, key, bulk.SYNC_IDS + 1)
        if len(members) > bulk.SYNC_IDS or count > bulk.SYNC_IDS:
            job = _new_job(everyone, request)
            transaction = Transaction()
            job_store.stage_create(transaction, tenant, job)
            holder.stage_mark(transaction, tenant, key, job["job_id"])
            try:
                transaction.commit()
            except ConditionFailed:
                continue  # deleted meanwhile, or another DELETE started its job: look again
            try:
                return _enqueued(tenant, job)
            except Busy:
                holder.finish(tenant, key, job["job_id"])  # shown again, as it was
                raise
        _apply(everyone, tenant_config.load(tenant), request, members, 0, None)
        if holder.finish(tenant, key, None):
            return None
        backoff(attempt)  # joined meanwhile, or the index had not caught up yet: again
    raise holder.busy()


def release_contacts_of(requester: Principal, owner_id: str) -> dict[str, Any]:
    """A removed member's contacts made ownerless: a bulk `set_owner` job (null) over their owner
    view, run by the worker in resumable slices like any bulk job; its targets are fixed when it
    starts, after the member is gone, so no assignment made before is missed. Acts for every
    contact, whatever the requester's visibility."""
    everyone = Principal(requester.tenant, requester.user_id, "owner", requester.email, requester.name)
    job = _new_job(everyone, bulk.Request("owner", owner_id, "set_owner", {"owner_id": None}))
    job_store.create(requester.tenant, job)
    return _enqueued(requester.tenant, job)


# What a job's `counts` answer, by kind: a bulk action's per-contact results; an email to a
# selection's outcomes and skip reasons (shared.domain.bulk_email).
_COUNTED = {"bulk_action": ("ok", "not_found", "forbidden"),
            "bulk_email": (*bulk_email.OUTCOMES, *bulk_email.SKIP_REASONS, "not_found")}


def public_job(job: Job) -> dict[str, Any]:
    """A job as GET /v1/jobs lists it: bulk actions, exports and imports alike, with `type`."""
    if job["job_kind"] == "export":
        return {"type": "export", **exports.public(job)}
    if job["job_kind"] == "import":
        return {"type": "import", **imports.public(job)}
    total, processed = job["total"], job["processed"] or 0
    progress = 1.0 if job["status"] == "succeeded" else (round(processed / total, 4) if total else 0.0)
    return {"id": job["job_id"], "type": job["job_kind"], "status": job["status"], "action": job["action"],
            "progress": progress, "total": total, "processed": processed,
            "counts": {name: job["counts"].get(name, 0)
                       for name in _COUNTED.get(job["job_kind"], _COUNTED["bulk_action"])},
            "error": job["error"], "created_by": job["principal"].get("user_id"),
            "created_at": job["created_at"], "updated_at": job["updated_at"]}


def list_jobs(principal: Principal, params: dict[str, str]) -> dict[str, Any]:
    """The tenant's jobs to an owner or admin; anyone else's own jobs only (their index)."""
    limit = listing.parse_limit(params.get("limit"))
    everyones = principal.sees_every_job()
    fingerprint = cursor.fingerprint({"jobs": True} if everyones else {"jobs_of": principal.user_id})
    start = cursor.decode(CONFIG.cursor_secret, principal.tenant, fingerprint, params["cursor"]) \
        if params.get("cursor") else None
    if start is not None and not isinstance(start, dict):
        raise listing.bad_cursor()
    page = job_store.page(principal.tenant, limit, start) if everyones \
        else job_store.requester_page(principal.tenant, principal.user_id, limit, start)
    items, last = page.fit([None if job is None else public_job(job) for job in page.items])
    return {"items": items,
            "next_cursor": cursor.encode(CONFIG.cursor_secret, principal.tenant, fingerprint, last) if last else None}


def get_job(principal: Principal, job_id: str) -> dict[str, Any]:
    job = job_store.get(principal.tenant, job_id) if is_plain_id(job_id) else None
    if job is None or not principal.sees_jobs_of(job["principal"]):
        raise NotFound(f"No job with id {job_id} exists (or it is someone else's).")
    return public_job(job)


# --- the worker ------------------------------------------------------------------------------

def targets_of(principal: Principal, config: tenant_config.TenantConfig, selection: dict[str, Any]) -> list[str]:
    """The ids a job's selection names now: given ids as given, else the matching contacts the requester may see."""
    kind, target = next(iter(selection.items()))
    if kind == "ids":
        return list(target)
    if kind in _HOLDERS:  # a tag's or member group's deletion
        return sorted(_HOLDERS[kind].member_ids(principal.tenant, target, None))
    if kind == "owner":  # a removed member's contacts (their owner view)
        return sorted(contact_store.view_ids(keys.owner_pk(principal.tenant, target)))
    criteria = segments.criteria_of(principal, target, config) if kind == "segment_id" \
        else search.parse_criteria(target, None, config, path="selection.filter")
    return sorted(contact["id"] for contact in search.matching(principal, config, criteria))


def open_job(tenant: str, job_id: str) -> tuple[Job, Principal, tenant_config.TenantConfig] | None:
    """A job to work on, with the member it runs as and the tenant's config read fresh; None when
    it is finished or gone."""
    job = job_store.get(tenant, job_id)
    if job is None or job["status"] in ("succeeded", "failed"):
        return None
    return job, Principal.from_record(tenant, job["principal"]), tenant_config.load(tenant, fresh=True)


def begun(principal: Principal, config: tenant_config.TenantConfig, job: Job) -> Job:
    """The job with its targets fixed: on its first run, the selection evaluated now (what that
    refuses is raised: a segment deleted since is NotFound)."""
    if job["status"] != "queued":
        return job
    job_store.start(principal.tenant, job["job_id"], targets_of(principal, config, job["selection"]))
    return cast("Job", job_store.get(principal.tenant, job["job_id"]))  # the job being run


def run(tenant: str, job_id: str, time_left: Callable[[], float]) -> bool:
    """Work on a job until it is done (True) or time runs short (False: send it again)."""
    opened = open_job(tenant, job_id)
    if opened is None:
        return True
    job, principal, config = opened
    request = bulk.Request(next(iter(job["selection"])), None, job["action"], job["params"])
    try:
        job = begun(principal, config, job)
        for contact_id in job.get("cleanup") or []:
            contact_store.delete_rest_of_partition(tenant, contact_id)
        while job["cursor"] < target_count(job):
            if time_left() < job_queue.WORKER_MARGIN_SECONDS:
                return False
            chunk, offset = divmod(job["cursor"], job_store.CHUNK_IDS)
            ids = job_store.targets(tenant, job_id, chunk)[offset:]
            _apply(principal, config, request, ids, job["cursor"], job, time_left)
            job = cast("Job", job_store.get(tenant, job_id))  # the job being run
    except JobMoved:
        return True  # the other worker goes on with it
    except (ValidationFailed, Conflict, NotFound) as refused:
        _close(tenant, job, "failed", refused.message)
        return True
    _close(tenant, job, "succeeded")
    logger.info("bulk job done", extra={"job_id": job_id, "counts": job["counts"]})
    return True


def _close(tenant: str, job: Job, status: str, error: str | None = None) -> None:
    """The job's end; a tag's or member group's deletion first deletes it (or, failed or joined
    meanwhile, shows it again)."""
    kind = next(iter(job["selection"]))
    if kind in _HOLDERS:
        _HOLDERS[kind].finish(tenant, job["selection"][kind], job["job_id"])
    job_store.finish(tenant, job["job_id"], status, error)


def fail(tenant: str, job_id: str, reason: str) -> None:
    job = job_store.get(tenant, job_id)
    if job is not None:
        _close(tenant, job, "failed", reason)

