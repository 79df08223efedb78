"""Exports: POST /v1/exports queues a job; functions/export_worker streams the rows into an S3
multipart upload (CSV in UTF-8 with BOM, UTF-8 or cp932, or xlsx; with a password, an AES-256
zip), and mails the requester a link. GET /v1/exports/{id}/download checks the 24-hour window
itself and redirects to a fresh S3 URL valid for five minutes (or answers it as JSON, for a
browser's fetch): a presigned URL dies with the credentials that signed it, and a Lambda's are
temporary, so a 24-hour S3 URL is never handed out. Nothing is downloadable until the upload
is complete, so a failed export leaves no file.

Every export is audited (who, when, why, which fields, how many rows); one export per user per
30 minutes (429 with Retry-After); only roles of `settings.export_roles`; the rows are those the
requester may see.
"""

from __future__ import annotations

import itertools
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from shared import files, tabular_files
from shared.config import CONFIG
from shared.db import exports as repository
from shared.db import jobs as job_store
from shared.db import search as contact_source
from shared.db import tenant_config
from shared.domain import exports, search_match, search_plan, validation
from shared.domain.access import Principal
from shared.domain.ids import new_id
from shared.errors import Conflict, CrmError, NotFound, TooManyRequests
from shared.http import Response, to_json
from shared.keys import export_object_key, is_plain_id
from shared.observability import count, logger
from shared.services import job_queue, segments
from shared.services import search as searching

if TYPE_CHECKING:
    from shared.domain.entities import Job

_CONTENT_TYPES = {"csv": "text/csv", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  "zip": "application/zip"}
PROGRESS_EVERY_ROWS = 5_000


class Gone(CrmError):
    status, code = 410, "gone"


def _criteria(principal: Principal, config: tenant_config.TenantConfig,
              selection: dict[str, Any]) -> tuple[searching.Criteria | None, list[str] | None]:
    """(criteria, ids) of a selection: all contacts, a filter, a segment, or ids."""
    kind, target = next(iter(selection.items()))
    if kind == "ids":
        return None, list(dict.fromkeys(target))
    if kind == "filter":
        return searching.parse_criteria(target, None, config, path="selection.filter"), None
    if kind == "segment_id":
        return segments.criteria_of(principal, target, config), None
    return searching.Criteria(None, None, None), None


def create(principal: Principal, body: Any, language: str) -> dict[str, Any]:
    """Queue an export; `language` ("ja" or "en", the request's Accept-Language) words the labels
    of a header row of labels."""
    config = tenant_config.load(principal.tenant)
    exports.require_role(principal.role, config.settings)
    request = exports.parse(body, config.properties)
    _criteria(principal, config, request.selection)  # a bad filter or segment: 4xx now, not a failed job
    moment = datetime.now(UTC)
    now = validation.format_time(moment)
    last = repository.claim_export_slot(principal.tenant, principal.user_id, now,
                                        validation.format_time(moment - exports.EXPORT_INTERVAL))
    if last is not None:
        wait = exports.retry_after(datetime.fromisoformat(last.replace("Z", "+00:00")), moment)
        raise TooManyRequests(exports.wait_message(wait), retry_after=wait)
    job_id = new_id()
    job: Job = {"job_id": job_id, "job_kind": "export", "status": "queued", "action": "export",
           "params": {"format": request.format, "encoding": request.encoding, "fields": request.fields,
                      "headers": request.headers, "language": language, "reason": request.reason,
                      "password_protected": request.password is not None,
                      "filename": exports.filename(moment, request)},
           "selection": request.selection,
           "principal": principal.as_record(),
           "counts": {}, "created_at": now, "updated_at": now}
    job_store.create(principal.tenant, job)
    repository.audit(principal.tenant, now, job_id, _audit_entry(job, row_count=None))
    message = {"tenant": principal.tenant, "job_id": job_id, "password": request.password}
    job_queue.enqueue(principal.tenant, job_id, CONFIG.export_queue_url, message)
    return public(cast("Job", job_store.get(principal.tenant, job_id)))  # created just above


def _audit_entry(job: Job, row_count: int | None) -> dict[str, Any]:
    params = job["params"]
    return {"kind": "export", "job_id": job["job_id"], "user_id": job["principal"]["user_id"],
            "email": job["principal"].get("email"), "at": job["created_at"], "reason": params["reason"],
            "fields": params["fields"], "format": params["format"], "selection": job["selection"],
            "password_protected": params["password_protected"], "row_count": row_count}


def public(job: Job) -> dict[str, Any]:
    result = job["result"]
    succeeded = job["status"] == "succeeded"
    return {"id": job["job_id"], "status": job["status"],
            "progress": 1.0 if succeeded else round(job["progress"] or 0.0, 4),
            "row_count": result.get("row_count"), "rows_written": job["processed"] or 0,
            "replaced_characters": result.get("replaced"),
            "format": job["params"]["format"], "encoding": job["params"]["encoding"],
            "fields": job["params"]["fields"], "headers": job["params"].get("headers", "keys"),
            "password_protected": job["params"]["password_protected"],
            "expires_at": result.get("expires_at"), "completed_at": result.get("completed_at"),
            "download_url": f"{CONFIG.api_base_url}/v1/exports/{job['job_id']}/download" if succeeded else None,
            "error": job["error"], "created_by": job["principal"].get("user_id"), "created_at": job["created_at"]}


def _export_of(principal: Principal, export_id: str) -> Job:
    """The export, for its requester or an owner/admin; 404 for anyone else."""
    job = job_store.get(principal.tenant, export_id) if is_plain_id(export_id) else None
    if job is None or job["job_kind"] != "export" or not principal.sees_jobs_of(job["principal"]):
        raise NotFound(f"No export with id {export_id} exists (or it is someone else's).")
    return job


def get(principal: Principal, export_id: str) -> dict[str, Any]:
    return public(_export_of(principal, export_id))


def download(principal: Principal, export_id: str, as_json: bool) -> Response:
    """A 302 to a fresh S3 URL (links in mails); `as_json`: 200 {"url", "expires_at"} instead, for a
    browser's fetch, which cannot read a redirect to another origin."""
    job = _export_of(principal, export_id)
    if job["status"] != "succeeded":
        raise Conflict(f"This export is {job['status']}; it has no file to download.")
    if validation.now() >= job["result"]["expires_at"]:
        raise Gone("This export's download link expired 24 hours after it was made; export again.")
    signed = files.download_url(CONFIG.files_bucket, job["result"]["key"], job["params"]["filename"],
                                exports.PRESIGNED_SECONDS)
    private = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    if as_json:
        return Response(200, to_json({"url": signed.url, "expires_at": validation.format_time(signed.expires_at)}),
                        headers=private)
    return Response(302, content_type=None, headers={"Location": signed.url, **private})


# --- the worker ------------------------------------------------------------------------------

def run(tenant: str, job_id: str, password: str | None) -> None:
    """Write the export's file, or fail it with the reason; either way the requester is told."""
    job = job_store.get(tenant, job_id)
    if job is None or job["status"] in ("succeeded", "failed"):
        return
    if job["result"].get("upload_id"):  # a previous attempt died mid-upload: drop its parts, start again
        files.abort_upload(CONFIG.files_bucket, job["result"]["key"], job["result"]["upload_id"])
    principal = Principal.from_record(tenant, job["principal"])
    key = export_object_key(tenant, job_id, job["params"]["filename"])
    try:
        result = _write_file(principal, job, key, password)
    except Exception as error:
        logger.exception("export failed", extra={"job_id": job_id})
        reason = error.message if isinstance(error, CrmError) else "The export could not be written; try again."
        job_store.finish(tenant, job_id, "failed", reason)
        _notify(job, None, reason)
        return
    job_store.complete(tenant, job_id, result)
    count("ExportRows", result["row_count"])
    repository.audit(tenant, job["created_at"], job_id, _audit_entry(job, row_count=result["row_count"]))
    _notify(job, result, None)


def fail(tenant: str, job_id: str, reason: str) -> None:
    """Fail an export that `run` could not finish nor fail itself (its last delivery), and tell
    the requester."""
    job_store.finish(tenant, job_id, "failed", reason)
    job = job_store.get(tenant, job_id)
    if job is not None and job["status"] == "failed" and job["error"] == reason:  # not one that finished meanwhile
        _notify(job, None, reason)


def _write_file(principal: Principal, job: Job, key: str, password: str | None) -> dict[str, Any]:
    params = job["params"]
    config = tenant_config.load(principal.tenant, fresh=True)
    criteria, ids = _criteria(principal, config, job["selection"])
    extension = "zip" if params["password_protected"] else params["format"]
    upload = files.MultipartWriter(CONFIG.files_bucket, key, _CONTENT_TYPES[extension])
    job_store.set_result(principal.tenant, job["job_id"], {"key": key, "upload_id": upload.upload_id}, status="running")
    progress = _Progress(principal.tenant, job["job_id"])
    # a job queued before the `headers` option existed has neither: the field names
    header = exports.header(params["fields"], params.get("headers", "keys"), params.get("language", "ja"),
                            config.properties)
    try:
        with _sink(upload, params, password) as out:
            values = (exports.row(contact, params["fields"], config.settings)
                      for contact in _contacts(principal, config, criteria, ids, progress.fraction))
            first = list(itertools.islice(values, tabular_files.WIDTH_SAMPLE_ROWS))  # an xlsx's widths fit these
            with _writer(out, params, header, first) as writer:
                rows = 0
                for row in itertools.chain(first, values):
                    writer.write_row(row)
                    rows += 1
                    if rows % PROGRESS_EVERY_ROWS == 0:
                        progress.save(rows)
        upload.complete()
    except BaseException:
        upload.abort()
        raise
    completed = datetime.now(UTC)
    return {"key": key, "row_count": rows, "replaced": writer.replaced, "size": upload.size,
            "completed_at": validation.format_time(completed),
            "expires_at": validation.format_time(completed + exports.DOWNLOAD_WINDOW)}


def _writer(out: Any, params: dict[str, Any], header: list[str], first: list[list[Any]]) -> Any:
    """The file's writer, its header row written: an xlsx's columns as wide as the header and the
    first rows need (its rows are written in order, so the widths come before them)."""
    if params["format"] == "xlsx":
        return tabular_files.xlsx_writer(out, header=header, widths=tabular_files.column_widths([header, *first]))
    writer = tabular_files.csv_writer(out, params["encoding"])
    writer.write_row(header)
    return writer


class _sink:
    """The stream the rows go to: the upload itself, or an AES-256 zip member inside it."""

    def __init__(self, upload: files.MultipartWriter, params: dict[str, Any], password: str | None) -> None:
        # password_protected: the request gave a password, which the queue message carries
        self._zip = tabular_files.encrypted_zip(upload, params["filename"].rsplit(".", 1)[0] + "." + params["format"],
                                          cast(str, password)) if params["password_protected"] else None
        self._upload = upload

    def __enter__(self) -> Any:
        return self._zip.__enter__() if self._zip is not None else self._upload

    def __exit__(self, *exc_info: Any) -> Any:
        return self._zip.__exit__(*exc_info) if self._zip is not None else None


def _contacts(principal: Principal, config: tenant_config.TenantConfig, criteria: searching.Criteria | None,
              ids: list[str] | None, on_progress: Any) -> Any:
    """The rows' contacts, streamed: those the requester may see that meet the selection."""
    if ids is not None:
        source: search_plan.Source = search_plan.Lookup("id", tuple(ids))
        node = None
    else:
        node = cast(searching.Criteria, criteria).node  # _criteria gives criteria when no ids
        source = search_plan.plan(node) if node is not None else search_plan.FullScan()
        owner = principal.visible_owner(config.settings)
        if owner is not None:
            source = search_plan.AllOf((search_plan.Lookup("owner", (owner,)), source))
    context = searching.context_of(principal.tenant, config, criteria if ids is None else None)
    for contact in contact_source.contacts_of(principal.tenant, source, on_progress, searching.known_ids(context)):
        if principal.can_see(contact, config.settings) and (node is None
                                                            or search_match.matches(node, contact, context)):
            yield contact


class _Progress:
    def __init__(self, tenant: str, job_id: str) -> None:
        self.tenant, self.job_id, self.fraction_done, self._saved = tenant, job_id, 0.0, 0.0

    def fraction(self, value: float) -> None:
        self.fraction_done = value

    def save(self, rows: int) -> None:
        if time.monotonic() - self._saved >= 2:
            job_store.set_progress(self.tenant, self.job_id, min(0.99, self.fraction_done), rows)
            self._saved = time.monotonic()


def _notify(job: Job, result: dict[str, Any] | None, failure: str | None) -> None:
    """Mail the requester that the export is ready (with the link) or failed (with why)."""
    from shared.services import delivery

    recipient = job["principal"].get("email")
    if not recipient or not CONFIG.notify_from:
        return
    link = f"{CONFIG.api_base_url}/v1/exports/{job['job_id']}/download"
    if failure is None:
        result = cast(dict[str, Any], result)  # given when there is no failure
        subject = "エクスポートが完了しました / Your export is ready"
        text = (f"エクスポート（{result['row_count']:,} 件）の準備ができました。"
                "24時間以内に次のリンクからダウンロードしてください。\n"
                f"Your export of {result['row_count']:,} contacts is ready. Download it within 24 hours:\n\n{link}\n")
    else:
        subject = "エクスポートに失敗しました / Your export failed"
        text = f"エクスポートに失敗しました。/ Your export failed:\n\n{failure}\n"
    try:
        delivery.notice(recipient, subject, text, f"export-{job['job_id']}")
    except Exception:  # the job's state is what counts; the mail is a courtesy
        logger.exception("export notification not sent", extra={"job_id": job["job_id"]})

