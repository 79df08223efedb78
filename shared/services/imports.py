"""Imports: POST /v1/imports answers an upload URL; POST /v1/imports/{id}/start checks the file
(its encoding, its columns, the mapping) and queues the job, which functions/bulk_worker runs.

The worker streams the file from S3 and takes 1,000 rows at a time: new emails become ownerless
contacts written with BatchWriteItem (25 items a request) once their emails are claimed with a
condition (unique even against a contact created meanwhile), known emails are updated or skipped
(`on_duplicate`), each bad row is reported (row, column, message) and the others go on. The
job's cursor (the last row done) moves after each chunk, so a worker that ran out of time or
crashed resumes there; a row done twice changes nothing twice: a new contact's id comes from
the import and the row, and a known email is found again.

The import acts with its requester's rights: a known email whose contact they may not see (owner
visibility) is a failed row, whether `update` or `skip` (as POST /v1/contacts answers 409 for
it), and an update writes the timeline entries (`tag_added`, `status_changed`) every edit writes.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from shared import files, tabular_files
from shared.config import CONFIG
from shared.db import contacts as contact_store
from shared.db import groups as group_store
from shared.db import jobs as job_store
from shared.db import tenant_config
from shared.domain import activities, history, imports, tabular, validation
from shared.domain import contacts as contact_rules
from shared.domain.access import Principal
from shared.domain.ids import new_id
from shared.errors import Conflict, FieldError, NotFound, PayloadTooLarge, ValidationFailed, require_valid
from shared.keys import import_object_key, is_plain_id
from shared.observability import count
from shared.services import job_queue
from shared.services.contacts import linked_by_domain, until_settled

if TYPE_CHECKING:
    from shared.domain.entities import Job

UPLOAD_SECONDS = 3600
UNSTARTED_KEPT_SECONDS = 2 * 24 * 3600  # an import never started expires (its file too: lifecycle)
CHUNK_ROWS = 1_000
FILE_GONE = "The uploaded file is no longer there (files are kept seven days); upload it again in a new import."


def public(job: Job) -> dict[str, Any]:
    result = job["result"]
    return {"id": job["job_id"], "status": job["status"],
            "progress": 1.0 if job["status"] == "succeeded" else round(job["progress"] or 0.0, 4),
            "rows": result.get("rows", 0), "created": job["counts"].get("created", 0),
            "updated": job["counts"].get("updated", 0), "skipped": job["counts"].get("skipped", 0),
            "failed": job["counts"].get("failed", 0), "errors": result.get("errors", []),
            "errors_truncated": result.get("errors_truncated", False),
            "encoding": job["params"].get("encoding"), "mapping": job["params"].get("mapping"),
            "on_duplicate": job["params"].get("on_duplicate"), "error": job["error"],
            "created_by": job["principal"].get("user_id"), "created_at": job["created_at"]}


def _import_of(principal: Principal, import_id: str) -> Job:
    job = job_store.get(principal.tenant, import_id) if is_plain_id(import_id) else None
    if job is None or job["job_kind"] != "import" or not principal.sees_jobs_of(job["principal"]):
        raise NotFound(f"No import with id {import_id} exists (or it is someone else's).")
    return job


def create(principal: Principal, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        require_valid([FieldError("body", "must be a JSON object (or empty)")])
    require_valid([FieldError(name, "is not a field of an import", "unknown_field") for name in body])
    now = validation.now()
    job_id = new_id()
    job: Job = {"job_id": job_id, "job_kind": "import", "status": "created", "action": "import", "params": {},
           "selection": {}, "principal": principal.as_record(),
           "counts": {}, "created_at": now, "updated_at": now,
           "expires_at_epoch": int(time.time()) + UNSTARTED_KEPT_SECONDS}
    job_store.create(principal.tenant, job)
    upload = files.upload_url(CONFIG.files_bucket, import_object_key(principal.tenant, job_id), UPLOAD_SECONDS)
    return {"id": job_id, "upload_url": upload.url, "upload_method": "PUT", "upload_expires_in": upload.seconds,
            "max_bytes": imports.MAX_BYTES}


def get(principal: Principal, import_id: str) -> dict[str, Any]:
    return public(_import_of(principal, import_id))


def start(principal: Principal, import_id: str, body: Any) -> dict[str, Any]:
    job = _import_of(principal, import_id)
    if job["status"] != "created":
        raise Conflict(f"This import was started already (it is {job['status']}); create a new import.")
    size, sniffed, _ = _uploaded(principal.tenant, job)
    config = tenant_config.load(principal.tenant)
    plan = imports.parse_start(body, sniffed.header, config.properties)
    params = {"mapping": plan.mapping, "on_duplicate": plan.on_duplicate, "encoding": sniffed.encoding,
              "delimiter": sniffed.delimiter, "header": sniffed.header, "size": size}
    if not job_store.queue_import(principal.tenant, import_id, params):
        raise Conflict("This import was started already; create a new import.")
    job_queue.enqueue(principal.tenant, import_id, CONFIG.bulk_queue_url,
                      {"tenant": principal.tenant, "job_id": import_id, "kind": "import"})
    return public(cast("Job", job_store.get(principal.tenant, import_id)))  # queued just above


PREVIEW_ROWS = 5


def preview(principal: Principal, import_id: str) -> dict[str, Any]:
    """What the uploaded file holds, before its mapping is chosen: its encoding, its columns, its
    first rows and the target each column's header suggests. Reads only the file's start (one
    ranged GET for a CSV; an .xlsx's central directory, shared strings and first rows)."""
    job = _import_of(principal, import_id)
    _, sniffed, rows = _uploaded(principal.tenant, job, PREVIEW_ROWS)
    return {"encoding": sniffed.encoding, "format": "xlsx" if sniffed.encoding == tabular.XLSX else "csv",
            "columns": sniffed.header, "rows": rows,
            "suggested_mapping": imports.suggested_mapping(sniffed.header,
                                                           tenant_config.load(principal.tenant).properties)}


def _uploaded(tenant: str, job: Job,
              first_rows: int = 0) -> tuple[int, tabular_files.Sniffed, list[list[str]]]:
    """The import's file: its size, how to read it (its encoding and header) and its first rows
    (cells in the header's order), read in ranges; refused (409, 413, 422) when it is missing, too
    large or unreadable (its head, or one of those rows)."""
    key = import_object_key(tenant, job["job_id"])
    size = files.size_of(CONFIG.files_bucket, key)
    if size is None and job["status"] != "created":
        raise Conflict(FILE_GONE)
    if size is None:
        raise Conflict("No file was uploaded for this import yet: PUT it to the upload_url first.")
    if size > imports.MAX_BYTES:
        raise PayloadTooLarge(f"The file is {size // 2**20} MB; "
                              f"an import takes at most {imports.MAX_BYTES // 2**20} MB. "
                              "Split it into several files.")
    # an empty object has no range to read (S3 refuses one): RangedFile reads nothing of it
    source = files.RangedFile(CONFIG.files_bucket, key, size)
    try:
        head = source.read(imports.HEAD_BYTES)
        sniffed = tabular_files.sniff_xlsx(source) if tabular_files.is_workbook(head) else tabular_files.sniff(head)
        source.seek(0)
        read = tabular_files.read_rows(source, sniffed)
        rows = [[row.get(column, "") for column in sniffed.header]
                for _, row in itertools.islice(read, first_rows)] if first_rows else []
    except tabular.NotTabular as refused:
        raise ValidationFailed(f"The file is not a CSV file or an Excel workbook we can read: {refused}",
                               [FieldError("file", str(refused), "not_csv")]) from None
    return size, sniffed, rows


# --- the worker ------------------------------------------------------------------------------

class _CountingStream:
    """The S3 body, counting the bytes read (the job's progress); a read cut short (the connection
    dropped under a slow reader) goes on from the byte it reached, on a new request."""

    REOPENS = 5

    def __init__(self, bucket: str, key: str) -> None:
        self._bucket, self._key = bucket, key
        self._body, self.read_bytes, self._reopened = files.open_stream(bucket, key), 0, 0

    def read(self, size: int = -1) -> bytes:
        while True:
            try:
                data = self._body.read(size)
                break
            except files.STREAM_BROKEN:
                if self._reopened == self.REOPENS:
                    raise
                self._reopened += 1
                self._body = files.open_stream(self._bucket, self._key, self.read_bytes)
        self.read_bytes += len(data)
        return data

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    @property
    def closed(self) -> bool:
        return False


def run(tenant: str, job_id: str, time_left: Callable[[], float]) -> bool:
    """Import the file from the row after the cursor; False when time ran short (send it again)."""
    job = job_store.get(tenant, job_id)
    if job is None or job["status"] not in ("queued", "running"):
        return True
    params = job["params"]
    config = tenant_config.load(tenant, fresh=True)
    plan = imports.Start(params["mapping"], params["on_duplicate"])
    sniffed = tabular_files.Sniffed(params["encoding"], params["delimiter"], params["header"])
    created_ms = int(datetime.fromisoformat(job["created_at"].replace("Z", "+00:00")).timestamp() * 1000)
    key = import_object_key(tenant, job_id)
    done_until = job["cursor"] or 0
    kept = _ErrorsKept(len(job["result"].get("errors", [])))
    group_names = group_store.names(tenant) if "groups" in plan.mapping.values() else {}
    chunk: list[tuple[int, dict[str, str]]] = []
    try:
        # an .xlsx is a zip, read from its end: in ranges (files.RangedFile), not as a stream
        stream = (files.RangedFile(CONFIG.files_bucket, key, params["size"]) if params["encoding"] == tabular.XLSX
                  else _CountingStream(CONFIG.files_bucket, key))
        for row_number, row in tabular_files.read_rows(stream, sniffed):
            if row_number <= done_until:
                continue
            chunk.append((row_number, row))
            if len(chunk) == CHUNK_ROWS:
                _import_chunk(tenant, job, config, plan, created_ms, chunk, _progress(stream, params),
                              kept, group_names)
                chunk = []
                if time_left() < 60:
                    return False
    except files.Missing:  # removed after start (the bucket's lifecycle): no delivery will find it
        job_store.finish(tenant, job_id, "failed", FILE_GONE)
        return True
    except tabular.NotTabular as unreadable:
        # past the head that `start` checked (a bad byte, another encoding, an oversized cell): no
        # delivery would get further, so the rows before it are imported and the job fails, saying where
        if chunk:
            _import_chunk(tenant, job, config, plan, created_ms, chunk, _progress(stream, params), kept, group_names)
        job_store.finish(tenant, job_id, "failed", imports.unreadable_past_head(str(unreadable)))
        return True
    if chunk:
        _import_chunk(tenant, job, config, plan, created_ms, chunk, 1.0, kept, group_names)
    job_store.finish(tenant, job_id, "succeeded")
    return True


def _progress(stream: _CountingStream | files.RangedFile, params: dict[str, Any]) -> float:
    """The share of the file read (an .xlsx's ranges may be fetched twice: never past 1)."""
    size: int = params["size"]
    return min(1.0, stream.read_bytes / max(1, size))


class _ErrorsKept:
    """How many row errors the job holds: at most MAX_ERRORS_KEPT are kept (the item stays small)."""

    def __init__(self, count: int) -> None:
        self.count = count

    def take(self, errors: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
        room = max(0, imports.MAX_ERRORS_KEPT - self.count)
        self.count += min(room, len(errors))
        return errors[:room], len(errors) > room


def _import_chunk(tenant: str, job: Job, config: tenant_config.TenantConfig, plan: imports.Start,
                  created_ms: int, rows: list[tuple[int, dict[str, str]]], progress: float, kept: _ErrorsKept,
                  group_names: dict[str, str]) -> None:
    counts = {"created": 0, "updated": 0, "skipped": 0, "failed": 0}
    errors: list[dict[str, Any]] = []
    parsed: list[tuple[int, dict[str, Any]]] = []
    for row_number, row in rows:
        changes, problems = imports.row_changes(row_number, row, plan, config.properties, group_names)
        if problems:
            counts["failed"] += 1
            errors += problems
        else:
            parsed.append((row_number, changes))
    # an email given: its key is a str
    emails = [cast(str, contact_rules.email_key(changes)) for _, changes in parsed if changes.get("email")]
    known = contact_store.by_emails(tenant, emails, consistent_read=True)
    ids = {row_number: imports.contact_id(job["job_id"], created_ms, row_number) for row_number, _ in parsed}
    own = set(ids.values())
    claimed_only = _claimed_but_not_written(tenant, known, own)
    importer = Principal.from_record(tenant, job["principal"])
    now = validation.now()
    new: list[tuple[int, dict[str, Any]]] = []
    for row_number, changes in parsed:
        email = contact_rules.email_key(changes)
        try:
            if email in known and known[email]["id"] not in claimed_only:
                seen = known[email]["id"] in own or importer.can_see(known[email], config.settings)
                if seen and plan.on_duplicate == "skip":
                    counts["skipped"] += 1
                elif seen and _update(tenant, importer, job["job_id"], known[email]["id"],
                                      changes, config, own, group_names):
                    counts["updated"] += 1
                else:
                    counts["failed"] += 1
                    errors.append(imports.row_error(row_number, imports.email_column(plan), imports.HIDDEN_DUPLICATE))
                continue
            contact = contact_rules.new_contact(ids[row_number], {**changes, "owner_id": None}, None, now)
            contact_store.require_fits(tenant, contact)
        except (PayloadTooLarge,
                ValidationFailed) as refused:  # too large for an item, too many changes for a transaction
            counts["failed"] += 1
            errors.append(imports.row_error(row_number, None, refused.message))
            continue
        new.append((row_number, contact))
        counts["created"] += 1
        if email:
            known[email] = contact  # a later row with the same email updates this one
    new = _with_emails_claimed(tenant, plan, new, counts, errors)
    if new:
        granted = _room_for(tenant, job, rows[-1][0], len(new), config.settings["contact_limit"])
        for row_number, _ in new[granted:]:
            counts["created"] -= 1
            counts["failed"] += 1
            errors.append(imports.row_error(row_number, None, imports.over_limit(config.settings["contact_limit"])))
        contact_store.release_emails(tenant, [contact for _, contact in new[granted:]])
        new = new[:granted]
    errors.sort(key=lambda error: error["row"])
    stored, truncated = kept.take(errors)
    contact_store.insert_many(tenant, linked_by_domain(config, [contact for _, contact in new]),
                              lambda transaction: job_store.stage_import_chunk(
                                  transaction, tenant, job["job_id"], rows[-1][0], len(rows), counts, stored, truncated,
                                  progress), emails_claimed=True)
    count("ImportRows", len(rows))


def _claimed_but_not_written(tenant: str, known: dict[str, dict[str, Any]], own_ids: set[str]) -> set[str]:
    """The chunk's own contacts whose emails a first run of this chunk claimed without writing
    the contacts (it stopped between the two): new contacts again, not duplicates."""
    claimed = {contact["id"] for contact in known.values()} & own_ids
    return claimed - set(contact_store.versions(tenant, claimed))


def _with_emails_claimed(tenant: str, plan: imports.Start, new: list[tuple[int, dict[str, Any]]],
                         counts: dict[str, int], errors: list[dict[str, Any]]) -> list[tuple[int, dict[str, Any]]]:
    """The new rows whose emails are now theirs: the read of the email keys may have missed a
    contact created since, so each email is claimed by a conditional write; a row that lost its
    claim is an error (never a second contact with the address)."""
    taken = contact_store.claim_emails(tenant, [contact for _, contact in new]) if new else set()
    for row_number, _ in (entry for entry in new if entry[1]["id"] in taken):
        counts["created"] -= 1
        counts["failed"] += 1
        errors.append(imports.row_error(row_number, imports.email_column(plan), imports.EMAIL_TAKEN))
    return [entry for entry in new if entry[1]["id"] not in taken]


def _room_for(tenant: str, job: Job, through_row: int, wanted: int, contact_limit: int | None) -> int:
    """How many of a chunk's new contacts the plan has room for. A chunk redone after a crash was
    counted already: its contacts written since are known now, and the rest of its grant stands."""
    earlier = job["result"].get("reservation") or {}
    if earlier.get("through") == through_row:
        return max(0, int(earlier["granted"]) - (int(earlier["new"]) - wanted))
    return contact_store.reserve_contacts(
        tenant, wanted, contact_limit,
        lambda transaction, granted: job_store.stage_import_reservation(transaction, tenant, job["job_id"], through_row,
                                                                        granted, wanted))


def _update(tenant: str, importer: Principal, job_id: str, contact_id: str, changes: dict[str, Any],
            config: tenant_config.TenantConfig, own: set[str], group_names: dict[str, str]) -> bool:
    """A known contact takes the row's values (its tags are added to), with the timeline entries
    and the history (by "import:<job>") of the change; False when the importer may not see it
    (any more), which changes nothing. The import's `own` contacts (a chunk redone) are always
    its to update."""

    tries = iter(range(1_000))

    def attempt() -> bool:
        current = config if next(tries) == 0 else tenant_config.load(tenant, fresh=True)
        found = contact_store.versions(tenant, [contact_id]).get(contact_id)
        if found is None:
            return True
        contact, version = found
        if contact_id not in own and not importer.can_see(contact, current.settings):
            return False
        now = validation.now()
        updated = contact_rules.apply_changes(contact, imports.merged(contact, changes), now)
        if contact_rules.differs(contact, updated):
            entries = activities.contact_changes(contact, updated, importer.user_id, now, new_id, group_names)
            contact_store.save(tenant, updated, current, previous=contact, version=version, activities=entries,
                               actor=history.import_actor(job_id))
        return True

    return until_settled(attempt)

