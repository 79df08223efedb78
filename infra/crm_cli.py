"""``crm``: sign in, and import and export contacts through the CRM's HTTP API, with a progress
bar; and the operator's ``crm admin`` commands (infra/admin.py).

A client of the HTTP API only (standard library; no boto3, nothing of ``shared/``; Cognito is
called through its JSON API): it works against any deployment, or against the local stack
(``make dev``) by default.

Examples::

    # sign in with the stack's Cognito user pool (an invited member chooses a new password);
    # the tokens are kept in ~/.config/crm/sessions.json ($XDG_CONFIG_HOME) for that API
    crm login --email rep@acme.co.jp

    # the local stack on http://127.0.0.1:3000 without `crm login`: the local pool issues a token
    # for you (tenant "demo", `crm-local token`)
    crm import 顧客リスト.csv --map "姓=family_name" --map "名=given_name" \\
        --map "メールアドレス=email" --map "タグ=tags" --on-duplicate skip
    crm import leads.csv --map-json '{"会社名": "company", "電話番号": "phone"}'
    crm export -o 顧客.csv --encoding cp932 --fields family_name,given_name,email,tags \\
        --reason "展示会のフォローアップ"
    crm export -o vip.xlsx --format xlsx --filter '{"tags": {"include": ["VIP"]}}' --reason "VIP 名簿"
    crm export -o all.zip --password 'S3cret-42' --reason "監査のため"

    # a deployment
    export CRM_API_URL=https://api.crm.example.jp
    crm login --email rep@acme.co.jp
    crm import contacts.csv --map "Email=email" --no-wait

``--map "COLUMN=FIELD"`` splits at the *last* ``=``: a field (``email``, ``properties.KEY``,
``tags``) never contains one, a CSV column name might. Options before or after the command
(``crm --tenant acme export ...`` or ``crm export --tenant acme ...``) both work.

Exit status: 0 done; 1 the API refused or the job failed; 2 a usage error (bad option, missing
file, no token); 130 interrupted (the job goes on: its id is printed).
"""

from __future__ import annotations

import argparse
import base64
import getpass
import json
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from infra import admin  # its commands import boto3 and shared/ only when run

LOCAL_API = "http://127.0.0.1:3000"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1"}
TIMEOUT_SECONDS = 60
CHUNK_BYTES = 64 * 1024
POLL_FIRST, POLL_MOST = 0.5, 2.0
MAX_ROW_ERRORS_SHOWN = 20
TRANSIENT_STATUSES = {429, 502, 503, 504}
TRANSIENT_TRIES = 6
USER_AGENT = "crm-cli/0.1"
LOCAL_TENANT, LOCAL_ROLE = "demo", "owner"
# a kept ID token this close to its expiry is refreshed first
REFRESH_MARGIN_SECONDS = 60


class UsageError(Exception):
    """Exit 2: the command line or a local file is wrong; nothing was asked of the API."""


class ApiError(Exception):
    """Exit 1: the API (or S3) answered with an error."""

    def __init__(self, status: int, message: str, details: list[dict[str, Any]] | None = None,
                 retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.details, self.retry_after = status, message, details or [], retry_after


class JobFailed(Exception):
    """Exit 1: the import or export job ended as failed."""


class Interrupted(Exception):
    """Ctrl-C while a job runs: the job goes on server-side."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


# --- HTTP ------------------------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects come back as HTTPError: the export download follows them itself, without the token."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001 - urllib's signature
        return None


_PROXIED = urllib.request.build_opener(_NoRedirect)
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


def is_local(url: str) -> bool:
    """Whether URL is on this machine (the local stack): tokens are minted, proxies skipped."""
    return (urlsplit(url).hostname or "") in LOCAL_HOSTS


def _open(request: urllib.request.Request) -> Any:
    opener = _DIRECT if is_local(request.full_url) else _PROXIED
    return opener.open(request, timeout=TIMEOUT_SECONDS)


def _api_error(error: urllib.error.HTTPError) -> ApiError:
    """The API's {"error": {...}}, S3's XML <Message>, or whatever else a gateway answered."""
    raw = error.read()
    message, details = "", []
    try:
        body = json.loads(raw)
    except ValueError:
        found = re.search(rb"<Message>(.*?)</Message>", raw, re.S)
        message = found.group(1).decode("utf-8", "replace") if found else raw.decode("utf-8", "replace").strip()[:300]
    else:
        problem = body.get("error") if isinstance(body, dict) else None
        if isinstance(problem, dict):
            message, details = str(problem.get("message", "")), list(problem.get("details") or [])
        elif isinstance(body, dict) and body.get("message"):  # API Gateway's own errors
            message = str(body["message"])
    retry_after = error.headers.get("Retry-After")
    return ApiError(error.code, message or f"HTTP {error.code} {error.reason}", details,
                    int(retry_after) if retry_after and retry_after.isdigit() else None)


class Api:
    """The CRM's HTTP API at BASE, with a bearer token (none for the public routes)."""

    def __init__(self, base: str, token: str | None) -> None:
        self.base, self.token = base.rstrip("/"), token

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(self.base + path, data=data, method=method, headers={
            **({"Authorization": f"Bearer {self.token}"} if self.token else {}),
            "Accept": "application/json", "User-Agent": USER_AGENT,
            **({"Content-Type": "application/json"} if data is not None else {})})
        try:
            with _open(request) as response:
                raw = response.read()
        except urllib.error.HTTPError as error:
            raise _api_error(error) from None
        except (urllib.error.URLError, OSError) as error:
            raise ConnectionError(self._unreachable(error)) from None
        return json.loads(raw) if raw else None

    def poll(self, path: str) -> Any:
        """GET PATH, riding out a few transient failures (throttling, a gateway timeout, a blip)."""
        for attempt in range(TRANSIENT_TRIES):
            try:
                return self.call("GET", path)
            except ApiError as error:
                if error.status not in TRANSIENT_STATUSES or attempt == TRANSIENT_TRIES - 1:
                    raise
                time.sleep(min(30, error.retry_after or 2 ** attempt))
            except ConnectionError:
                if attempt == TRANSIENT_TRIES - 1:
                    raise
                time.sleep(2 ** attempt)
        raise AssertionError("unreachable")

    def _unreachable(self, error: Exception) -> str:
        reason = getattr(error, "reason", error)
        hint = " (is the local stack running? `make dev`)" if is_local(self.base) else ""
        return f"cannot reach {self.base}: {reason}{hint}"


def _transfer_error(what: str, error: Exception) -> Exception:
    if isinstance(error, urllib.error.HTTPError):
        failure = _api_error(error)
        return ApiError(failure.status, f"the {what} failed (HTTP {failure.status}): {failure.message}")
    return ConnectionError(f"the {what} failed: {getattr(error, 'reason', error)}")


# --- sign-in ---------------------------------------------------------------------------------

def cognito(config: dict[str, Any], action: str, body: dict[str, Any]) -> dict[str, Any]:
    """ACTION of Cognito's user pools API (JSON over HTTPS, unsigned: the sign-in calls need no AWS
    credentials) where GET /auth/config says it answers."""
    url = config.get("cognito_endpoint") or f"https://cognito-idp.{config['region']}.amazonaws.com/"
    request = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"), method="POST", headers={
        "Content-Type": "application/x-amz-json-1.1", "User-Agent": USER_AGENT,
        "X-Amz-Target": f"AWSCognitoIdentityProviderService.{action}"})
    try:
        with _open(request) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        raw = error.read()
        try:
            problem = json.loads(raw)
        except ValueError:
            problem = {}
        message = problem.get("message") or problem.get("Message") or raw.decode("utf-8", "replace")[:300]
        raise ApiError(error.code, f"sign-in refused: {message}") from None
    except (urllib.error.URLError, OSError) as error:
        raise ConnectionError(f"cannot reach Cognito at {url}: {getattr(error, 'reason', error)}") from None


def sessions_path() -> Path:
    """Where `crm login` keeps its tokens, one session per API URL."""
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(base) / "crm" / "sessions.json"


def _sessions() -> dict[str, Any]:
    try:
        return json.loads(sessions_path().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except ValueError:
        raise UsageError(f"{sessions_path()} is not JSON: delete it and sign in again (`crm login`)") from None


def _keep_session(api: str, session: dict[str, Any]) -> Path:
    path = sessions_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    sessions = {**_sessions(), api: session}
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # tokens: the user's eyes only
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(sessions, handle, indent=2)
    return path


def run_login(api_url: str, args: argparse.Namespace) -> int:
    """Sign in to the stack's user pool (USER_PASSWORD_AUTH with the app client of GET /auth/config),
    answering the new-password challenge of an invited member, and keep the tokens for API_URL."""
    config = Api(api_url, None).call("GET", "/auth/config")
    if not config.get("client_id"):
        raise ApiError(0, f"{api_url} names no user pool to sign in to (GET /auth/config)")
    password = args.password or getpass.getpass(f"Password for {args.email}: ")
    answer = cognito(config, "InitiateAuth", {"AuthFlow": "USER_PASSWORD_AUTH", "ClientId": config["client_id"],
                                              "AuthParameters": {"USERNAME": args.email, "PASSWORD": password}})
    if answer.get("ChallengeName") == "NEW_PASSWORD_REQUIRED":
        print("This is your first sign-in: choose a new password.", file=sys.stderr)
        chosen = getpass.getpass("New password: ")
        if getpass.getpass("New password again: ") != chosen:
            raise UsageError("the two new passwords differ; nothing was changed")
        answer = cognito(config, "RespondToAuthChallenge", {
            "ChallengeName": "NEW_PASSWORD_REQUIRED", "ClientId": config["client_id"], "Session": answer["Session"],
            "ChallengeResponses": {"USERNAME": args.email, "NEW_PASSWORD": chosen}})
    result = answer.get("AuthenticationResult")
    if not result:
        raise ApiError(0, f"Cognito asks for {answer.get('ChallengeName')!r}, which `crm login` cannot answer")
    path = _keep_session(api_url, {"email": args.email, "id_token": result["IdToken"],
                                   "refresh_token": result.get("RefreshToken"), "config": config})
    print(f"signed in as {args.email}; the token is kept in {path}")
    return 0


def session_token(api: str) -> str | None:
    """The kept ID token for API, refreshed first when it is about to expire; None without a session."""
    session = _sessions().get(api)
    if not session:
        return None
    if _expires_at(session["id_token"]) - time.time() > REFRESH_MARGIN_SECONDS:
        return session["id_token"]
    if not session.get("refresh_token"):
        raise UsageError(f"the session of {session['email']} has expired: sign in again (`crm login`)")
    try:
        answer = cognito(session["config"], "InitiateAuth", {
            "AuthFlow": "REFRESH_TOKEN_AUTH", "ClientId": session["config"]["client_id"],
            "AuthParameters": {"REFRESH_TOKEN": session["refresh_token"]}})
    except ApiError:
        raise UsageError(f"the session of {session['email']} has expired: sign in again (`crm login`)") from None
    session["id_token"] = answer["AuthenticationResult"]["IdToken"]
    _keep_session(api, session)
    return session["id_token"]


def _expires_at(token: str) -> float:
    """The `exp` of a JWT as the client reads it (the API verifies the token; this only decides
    when to refresh it): 0 when unreadable."""
    try:
        payload = token.split(".")[1]
        return float(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["exp"])
    except (IndexError, ValueError, KeyError, TypeError):
        return 0.0


# --- progress --------------------------------------------------------------------------------

class Progress:
    """A one-line bar redrawn in place on a terminal; on anything else (CI logs) a line per 10 points."""

    WIDTH = 20

    def __init__(self, stream: Any = None, tty: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self._printed: int | None = None
        self._drawn = ""

    def line(self, fraction: float, text: str) -> str:
        fraction = min(1.0, max(0.0, fraction))
        filled = int(fraction * self.WIDTH)
        return f"[{'#' * filled}{'.' * (self.WIDTH - filled)}] {int(fraction * 100):3d}%  {text}".rstrip()

    def show(self, fraction: float, text: str, transfer: bool = False) -> None:
        """Draw the bar; a transfer (upload, download) only shows on a terminal."""
        line = self.line(fraction, text)
        if self.tty:
            if line == self._drawn:
                return
            self.stream.write(f"\r{line}\x1b[K")
            self._drawn = line
        elif not transfer:
            percent = int(min(1.0, max(0.0, fraction)) * 100)
            if self._printed is None or abs(percent - self._printed) >= 10:
                self.stream.write(line + "\n")
                self._printed = percent
        self.stream.flush()

    def end(self) -> None:
        """Leave the bar's last state on its own line."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
        self._drawn, self._printed = "", None


class _CountingReader:
    """A file read for an upload, reporting how far it got."""

    def __init__(self, handle: BinaryIO, size: int, report: Callable[[int], None]) -> None:
        self._handle, self.size, self._report, self.done = handle, size, report, 0

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size)
        self.done += len(data)
        self._report(self.done)
        return data


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _megabytes(count: int) -> str:
    return f"{count / 2**20:,.1f}"


def _size(count: int) -> str:
    """A byte count for people: 512 B, 12.3 KB, 1,024.0 MB."""
    if count < 1024:
        return f"{count} B"
    return f"{count / 1024:.1f} KB" if count < 2**20 else f"{_megabytes(count)} MB"


# --- jobs ------------------------------------------------------------------------------------

def wait_for(api: Api, path: str, progress: Progress, describe: Callable[[dict[str, Any]], str],
             kind: str, job_id: str) -> dict[str, Any]:
    """Poll PATH (every 0.5 s, backing off to 2 s) until the job succeeded or failed."""
    delay = POLL_FIRST
    try:
        while True:
            job = api.poll(path)
            progress.show(float(job.get("progress") or 0.0), describe(job))
            if job["status"] in ("succeeded", "failed"):
                return job
            time.sleep(delay)
            delay = min(POLL_MOST, delay * 1.5)
    except KeyboardInterrupt:
        raise Interrupted(f"the {kind} {job_id} goes on; see GET {path}") from None
    finally:
        progress.end()


def _rows(count: Any, fallback: str) -> str:
    return f"{count:,} rows" if isinstance(count, int) else fallback


def run_import(api: Api, args: argparse.Namespace, progress: Progress) -> int:
    path = Path(args.file)
    size = path.stat().st_size
    job = api.call("POST", "/v1/imports", {})
    job_id = job["id"]
    if job.get("max_bytes") and size > job["max_bytes"]:
        raise ApiError(413, f"{path} is {_megabytes(size)} MB; an import takes at most "
                            f"{_megabytes(job['max_bytes'])} MB: split the file")
    _upload(job["upload_url"], job.get("upload_method") or "PUT", path, size, progress)
    api.call("POST", f"/v1/imports/{job_id}/start", {"mapping": args.mapping, "on_duplicate": args.on_duplicate})
    if args.no_wait:
        print(job_id)
        return 0
    print(f"import {job_id} started", file=sys.stderr)
    job = wait_for(api, f"/v1/imports/{job_id}", progress,
                   lambda job: _rows(job.get("rows") or None, job["status"]), "import", job_id)
    if job["status"] == "failed":
        raise JobFailed(f"the import {job_id} failed: {job.get('error') or 'no reason given'}")
    print(f"imported: {job['created']:,} created, {job['updated']:,} updated, {job['skipped']:,} skipped, "
          f"{job['failed']:,} failed")
    errors = job.get("errors") or []
    for error in errors[:MAX_ROW_ERRORS_SHOWN]:
        where = f"row {error.get('row')}" + (f", column {error['column']}" if error.get("column") else "")
        print(f"{where}: {error.get('message')}")
    if len(errors) > MAX_ROW_ERRORS_SHOWN:
        more = f"{len(errors) - MAX_ROW_ERRORS_SHOWN:,}"
        print(f"… and {more}{'+' if job.get('errors_truncated') else ''} more")
    elif job.get("errors_truncated"):
        print("… and more (the API keeps only the first row errors)")
    return 0


def _upload(url: str, method: str, path: Path, size: int, progress: Progress) -> None:
    """PUT the file to the presigned URL: no token (S3 would refuse it), streamed."""
    with path.open("rb") as handle:
        body = _CountingReader(handle, size, lambda done: progress.show(
            done / size if size else 1.0, f"{_size(done)} of {_size(size)} uploaded", transfer=True))
        request = urllib.request.Request(url, data=body, method=method, headers={
            "Content-Type": "text/csv", "Content-Length": str(size), "User-Agent": USER_AGENT})
        try:
            with _open(request) as response:
                response.read()
        except (urllib.error.URLError, OSError) as error:  # HTTPError included
            raise _transfer_error("upload", error) from None
        finally:
            progress.end()


def run_export(api: Api, args: argparse.Namespace, progress: Progress) -> int:
    body: dict[str, Any] = {"format": args.format, "selection": args.selection, "password": args.password,
                            "reason": args.reason}
    if args.encoding:
        body["encoding"] = args.encoding
    if args.fields:
        body["fields"] = args.fields
    job = api.call("POST", "/v1/exports", body)
    job_id = job["id"]
    if args.no_wait:
        print(job_id)
        return 0
    print(f"export {job_id} started", file=sys.stderr)
    job = wait_for(api, f"/v1/exports/{job_id}", progress,
                   lambda job: _rows(job.get("row_count"), job["status"]), "export", job_id)
    if job["status"] == "failed":
        raise JobFailed(f"the export {job_id} failed: {job.get('error') or 'no reason given'}")
    try:
        _download(api, job.get("download_url"), job_id, Path(args.output), progress)
    except KeyboardInterrupt:
        raise Interrupted(f"the export {job_id} is ready for 24 hours: GET /v1/exports/{job_id}/download") from None
    line = f"exported {_plural(job.get('row_count') or 0, 'row')} to {args.output}"
    replaced = job.get("replaced_characters") or 0
    if replaced:
        encoding = job.get("encoding") or args.encoding
        line += f' ({_plural(replaced, "character")} {encoding} could not hold {"was" if replaced == 1 else "were"} ' \
                'replaced by "?")'
    print(line)
    return 0


def _download(api: Api, download_url: str | None, job_id: str, output: Path, progress: Progress) -> None:
    """GET the download link with the token, follow its redirect to S3 without it, stream to OUTPUT."""
    url = download_url or ""
    here, there = urlsplit(api.base), urlsplit(url)
    if (there.scheme, there.netloc) != (here.scheme, here.netloc):
        # The link names another host (the API's own base URL, a proxy...): never send the token
        # elsewhere than where the user pointed us; the route is the same on this API.
        url = f"{api.base}/v1/exports/{job_id}/download"
    headers = {"Authorization": f"Bearer {api.token}", "User-Agent": USER_AGENT}
    for _ in range(5):
        try:
            response = _open(urllib.request.Request(url, headers=headers))
        except urllib.error.HTTPError as error:
            if error.code in (301, 302, 303, 307, 308) and error.headers.get("Location"):
                url = urllib.request.urljoin(url, error.headers["Location"])
                headers = {"User-Agent": USER_AGENT}  # the presigned URL is the credential
                error.close()
                continue
            raise (_api_error(error) if "Authorization" in headers else _transfer_error("download", error)) from None
        except (urllib.error.URLError, OSError) as error:
            raise _transfer_error("download", error) from None
        with response:
            _save(response, output, progress)
        return
    raise ConnectionError("the download failed: it redirected too many times")


def _save(response: Any, output: Path, progress: Progress) -> None:
    """Stream RESPONSE into OUTPUT (through OUTPUT.part, so a broken download leaves no half file)."""
    total = int(response.headers.get("Content-Length") or 0)
    partial = output.with_name(output.name + ".part")
    done = 0
    try:
        with partial.open("wb") as handle:
            while chunk := response.read(CHUNK_BYTES):
                handle.write(chunk)
                done += len(chunk)
                progress.show(done / total if total else 0.0, f"{_size(done)} downloaded", transfer=True)
        partial.replace(output)
    except (urllib.error.URLError, OSError) as error:
        raise _transfer_error("download", error) from None
    finally:
        progress.end()
        partial.unlink(missing_ok=True)


# --- the command line ------------------------------------------------------------------------

def _connection_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """--api, --token and the local token's claims; on a subcommand they default to SUPPRESS so that
    the same option given before the command is not overwritten."""
    def default(value: Any) -> Any:
        return argparse.SUPPRESS if suppress else value

    group = parser.add_argument_group("connection")
    group.add_argument("--api", metavar="URL", default=default(None),
                       help=f"the API's base URL (default: env CRM_API_URL, else {LOCAL_API}, the local stack)")
    group.add_argument("--token", default=default(None),
                       help="bearer token (default: env CRM_TOKEN, else the `crm login` session of the API; "
                            "for a local API one is minted)")
    group.add_argument("--tenant", default=default(None),
                       help=f"local token: tenant (default: {LOCAL_TENANT}); given, it is minted even after "
                            "`crm login`")
    group.add_argument("--user", metavar="EMAIL", default=default(None),
                       help="local token: user email (default: you+TENANT@example.jp, as an email belongs to one "
                            "tenant)")
    group.add_argument("--role", default=default(None),
                       help=f"local token: owner, admin, manager or user (default: {LOCAL_ROLE})")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crm", description="Import and export contacts through the CRM's HTTP API.",
        epilog="Exit status: 0 done, 1 API error or failed job, 2 usage error, 130 interrupted.")
    _connection_options(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", required=True, metavar="{login,import,export,admin}")

    login = commands.add_parser(
        "login", help="sign in with your email and password (kept for the API's later commands)",
        description="Sign in to the stack's Cognito user pool. An invited member chooses a new password.")
    login.add_argument("--email", required=True)
    login.add_argument("--password", help="default: asked for without echo")
    group = login.add_argument_group("connection")
    group.add_argument("--api", metavar="URL", default=argparse.SUPPRESS,
                       help=f"the API's base URL (default: env CRM_API_URL, else {LOCAL_API}, the local stack)")

    importing = commands.add_parser(
        "import", help="import a CSV file (UTF-8 with or without BOM, or Shift_JIS/cp932)",
        description="Upload a CSV file and import its rows as contacts (matched by email).")
    importing.add_argument("file", metavar="FILE", help="the CSV file")
    importing.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD", dest="maps",
                           help='a CSV column and the field it fills, e.g. "メール=email" (repeat; split at the '
                                'last "="); fields: contact fields, properties.KEY, tags')
    importing.add_argument("--map-json", metavar="JSON",
                           help='the mapping as a JSON object, e.g. \'{"姓": "family_name"}\' (--map entries win)')
    importing.add_argument("--on-duplicate", choices=("update", "skip"), default="update",
                           help="a row whose email is known: update that contact (default) or skip the row")
    importing.add_argument("--no-wait", action="store_true", help="print the import's id once started and exit")
    _connection_options(importing, suppress=True)

    exporting = commands.add_parser(
        "export", help="export contacts to a CSV or xlsx file",
        description="Export contacts (one export per user per 30 minutes; every export is audited).")
    exporting.add_argument("-o", "--output", required=True, metavar="FILE", help="where to save the file")
    exporting.add_argument("--format", choices=("csv", "xlsx"), default="csv", help="default: csv")
    exporting.add_argument("--encoding", choices=("utf-8-bom", "utf-8", "cp932"),
                           help="CSV encoding (default: utf-8-bom, which Excel opens correctly)")
    exporting.add_argument("--fields", metavar="A,B,...",
                           help="fields in column order, e.g. family_name,email,tags,properties.KEY (default: all)")
    which = exporting.add_mutually_exclusive_group()
    which.add_argument("--filter", metavar="JSON",
                       help="only contacts matching this filter (the language of POST /v1/contacts/search)")
    which.add_argument("--segment", metavar="ID", help="only the contacts of this segment")
    exporting.add_argument("--password", help="an AES-256 zip with this password (6+ characters, letters and digits)")
    exporting.add_argument("--reason", required=True, help="why these contacts leave the CRM (kept in the audit log)")
    exporting.add_argument("--no-wait", action="store_true",
                           help="print the export's id once queued and exit")
    _connection_options(exporting, suppress=True)
    admin.add_commands(commands)
    return parser


def parse_mapping(maps: list[str], map_json: str | None) -> dict[str, str]:
    """{CSV column: field} from --map-json, then each --map "COLUMN=FIELD" (split at the last "=")."""
    mapping: dict[str, str] = {}
    if map_json is not None:
        try:
            loaded = json.loads(map_json)
        except ValueError as error:
            raise UsageError(f"--map-json is not JSON: {error}") from None
        if not isinstance(loaded, dict) or not all(isinstance(value, str) for value in loaded.values()):
            raise UsageError('--map-json must be a JSON object of "column": "field"')
        mapping.update(loaded)
    for entry in maps:
        column, equals, field = entry.rpartition("=")
        if not equals or not column.strip() or not field.strip():
            raise UsageError(f'--map {entry!r}: expected "COLUMN=FIELD", e.g. "メール=email"')
        mapping[column.strip()] = field.strip()
    if not mapping:
        raise UsageError('say which CSV column fills which field: --map "メール=email" (repeat) or --map-json')
    return mapping


def _check_import(args: argparse.Namespace) -> None:
    path = Path(args.file)
    if not path.is_file():
        raise UsageError(f"{args.file}: no such file" if not path.exists() else f"{args.file}: not a file")
    if not os.access(path, os.R_OK):
        raise UsageError(f"{args.file}: not readable")
    args.mapping = parse_mapping(args.maps, args.map_json)


def _check_export(args: argparse.Namespace) -> None:
    args.fields = [name.strip() for name in args.fields.split(",") if name.strip()] if args.fields else None
    if args.filter is not None:
        try:
            args.selection = {"filter": json.loads(args.filter)}
        except ValueError as error:
            raise UsageError(f"--filter is not JSON: {error}") from None
    elif args.segment is not None:
        args.selection = {"segment_id": args.segment}
    else:
        args.selection = {"all": True}
    folder = Path(args.output).parent
    if not folder.is_dir():
        raise UsageError(f"{args.output}: the folder {folder} does not exist")
    if Path(args.output).is_dir():
        raise UsageError(f"{args.output} is a folder; name the file to save")
    if args.password and not args.output.lower().endswith(".zip"):
        print(f"note: with --password the file is an encrypted zip; {args.output} does not end in .zip",
              file=sys.stderr)


def resolve_api(args: argparse.Namespace) -> str:
    api = (args.api or os.environ.get("CRM_API_URL") or LOCAL_API).rstrip("/")
    parts = urlsplit(api)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--api {api!r} is not an http(s) URL")
    return api


def resolve_token(args: argparse.Namespace, api: str) -> str:
    """--token or CRM_TOKEN; else, unless a local token's tenant, user or role is given, the session
    `crm login` kept for API; else, for a local API, a token the local pool issues."""
    token = args.token or os.environ.get("CRM_TOKEN")
    if token:
        return token.strip()
    local_asked = any((args.tenant, args.user, args.role))
    session = None if local_asked and is_local(api) else session_token(api)
    if session:
        return session
    if not is_local(api):
        raise UsageError(f"{api} needs a token: sign in (`crm login`), pass --token or set CRM_TOKEN")
    tenant = args.tenant or LOCAL_TENANT
    return local_token(tenant, args.user or f"you+{tenant}@example.jp", args.role or LOCAL_ROLE)


def local_token(tenant: str, email: str, role: str) -> str:
    """An ID token of the local stack's user pool, from `crm-local token` (in its own process: this
    client imports no boto3), which makes the user exist; its data folder is CRM_LOCAL_DATA's."""
    try:
        minted = subprocess.run([sys.executable, "-m", "infra.local.cli", "token", "--tenant", tenant, "--user", email,
                                 "--role", role], capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise ConnectionError("`crm-local token` did not answer: is the local stack running? (`make dev`)") from None
    if minted.returncode != 0:
        raise UsageError(f"cannot mint a local token: {minted.stderr.strip() or minted.returncode}; "
                         "start the local stack (`make dev`), set CRM_LOCAL_DATA to its data folder, or pass --token")
    return minted.stdout.strip().splitlines()[-1]


def _report_api_error(error: ApiError, api: str) -> None:
    print(f"error: {error.message}", file=sys.stderr)
    for detail in error.details:
        print(f"  {detail.get('field')}: {detail.get('message')}", file=sys.stderr)
    if error.status == 429:
        wait = error.retry_after
        when = time.strftime("%H:%M", time.localtime(time.time() + wait)) if wait is not None else None
        print(f"retry after {wait // 60} min {wait % 60} s (at {when})" if wait is not None
              else "retry later (the API is rate limiting)", file=sys.stderr)
    elif error.status == 401:
        print("the API refused the token: sign in again (`crm login`), pass a valid --token or set CRM_TOKEN"
              + ("" if not is_local(api) else " (or check CRM_LOCAL_DATA names the stack's data folder)"),
              file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "admin":
        return admin.run(args)
    api_url = ""
    try:
        if args.command == "login":
            api_url = resolve_api(args)
            return run_login(api_url, args)
        (_check_import if args.command == "import" else _check_export)(args)
        api_url = resolve_api(args)
        api = Api(api_url, resolve_token(args, api_url))
        run = run_import if args.command == "import" else run_export
        return run(api, args, Progress())
    except UsageError as error:
        return _usage(parser, str(error))
    except ApiError as error:
        _report_api_error(error, api_url)
    except ConnectionError as error:
        print(f"error: {error}", file=sys.stderr)
    except JobFailed as error:
        print(f"error: {error}", file=sys.stderr)
    except (Interrupted, KeyboardInterrupt) as interrupted:
        what = interrupted.what if isinstance(interrupted, Interrupted) else "nothing was started"
        print(f"\ninterrupted: {what}", file=sys.stderr)
        return 130
    return 1


def _usage(parser: argparse.ArgumentParser, message: str) -> int:
    """As argparse reports a usage error (exit 2), without repeating the usage for a missing file."""
    print(f"{parser.prog}: error: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
