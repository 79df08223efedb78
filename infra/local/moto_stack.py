"""The AWS side of the local stack.

By default an embedded moto server on 127.0.0.1 (a free port) emulates AWS; when
``AWS_ENDPOINT_URL`` is already set (DynamoDB Local, LocalStack) that endpoint is used
instead and no server starts. Either way the resources of template.yaml are provisioned.

moto keeps everything in memory, so for the embedded server the state is snapshotted
into the data folder: on a clean shutdown, and every few seconds while anything changes
(a middleware in front of moto counts mutating calls, so an idle stack costs nothing).
On startup, after provisioning, the snapshots are restored.
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import gc
import io
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import orjson
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

from infra.local import (
    attribute_values,
    cognito_realism,
    dynamo_limits,
    dynamodb_realism,
    forget_running_aws,
    index_partitions,
    stack_secret_values,
    strict_secrets,
    write_running_aws,
)
from infra.local.ses import replace_message_ids_as_ses_does, throttle_beyond_the_max_send_rate
from infra.local.strict_s3 import StrictS3
from infra.local.wsgi import BackgroundServer
from infra.provision import provision

log = logging.getLogger("crm-local")

DEFAULT_REGION = "ap-northeast-1"
SNAPSHOT_INTERVAL_SECONDS = 5.0
_READ_ACTIONS = ("Get", "BatchGet", "TransactGet", "Query", "Scan", "Describe", "List")
_BATCH_WRITE_SIZE = 25
# How long the emulator waits on a client's socket (a request's body, an idle connection) before
# it gives up: a stalled client then costs one server thread for that long, never the lock.
BODY_READ_TIMEOUT_SECONDS = 30.0


class StateSnapshot(Protocol):
    """One resource of the emulated AWS state, kept in the data folder across restarts.

    The DynamoDB table and the user pool's users so far; S3 buckets add their own implementation
    to the list in ``AwsEmulation._provision_and_restore`` when they arrive.
    """

    def save(self) -> None: ...

    def restore(self) -> None: ...

    def forget(self) -> None:
        """Remove the resource from moto, whose state is process-wide: a later stack in the
        same process (tests) must see its snapshot, not this one's leftovers, and other moto
        servers in the process (test fixtures) keep theirs."""


class DynamoTableSnapshot:
    """A table's items as DynamoDB JSON, one item per line (binary values base64, as on the wire),
    read from and written into the embedded moto's table in this process, under its lock.

    Through the API this took minutes at 100,000 contacts: moto answers each Scan page by
    sorting the whole table and stepping over every item before the page (a save was quadratic
    in the table), and a restore sent 25 items a BatchWriteItem. Here a save writes each item
    once, and a restore builds moto's items from the lines directly (they were checked when
    first written), without the garbage collector walking the millions of values it creates.
    Lines are written and read with orjson: the standard library's json took half of a save.
    """

    def __init__(self, table_name: str, region: str, path: Path, lock: threading.Lock) -> None:
        self._table_name = table_name
        self._region = region
        self._path = path
        self._lock = lock

    def _backend(self) -> Any:
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends[DEFAULT_ACCOUNT_ID][self._region]

    def save(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._path.with_name(self._path.name + ".tmp")
        with open(temporary, "wb") as handle:
            with self._lock, _without_collection():
                items = index_partitions.every_item(self._backend().get_table(self._table_name))
                for item in items:
                    line = {name: _stored(value) for name, value in item.attrs.items()}
                    handle.write(orjson.dumps(line, default=_encode_binary, option=orjson.OPT_APPEND_NEWLINE))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self._path)
        log.debug("saved %d items of %s to %s", len(items), self._table_name, self._path)

    def restore(self) -> None:
        if not self._path.exists():
            return
        count = 0
        with open(self._path, "rb") as handle, self._lock, _without_collection():
            table = self._backend().get_table(self._table_name)
            for line in handle:
                if not line.strip():
                    continue
                attributes = orjson.loads(line)
                item = Item.__new__(Item)  # as moto's Item.__deepcopy__: no size check again
                item.hash_key = _loaded(attributes[table.hash_key_attr])
                item.range_key = _loaded(attributes[table.range_key_attr]) if table.range_key_attr else None
                item.attrs = LimitedSizeDict.__new__(LimitedSizeDict)
                dict.__init__(item.attrs, {name: _loaded(value) for name, value in attributes.items()})
                if item.range_key is None:
                    table.items[item.hash_key] = item
                else:
                    table.items[item.hash_key][item.range_key] = item
                count += 1
            index_partitions.forget(table)
        log.info("restored %d items of %s from %s", count, self._table_name, self._path)

    def forget(self) -> None:
        with self._lock:
            dropped = self._backend().delete_table(self._table_name)
        # Freeing a large table's millions of values takes seconds: not on the way out.
        threading.Thread(target=_free_gradually, args=(dropped.items,), name="forget-table", daemon=True).start()


class UserPoolSnapshot:
    """The users of the stack's user pool (their `sub`, attributes, password and status) and its
    refresh tokens, as JSON, read from and written into the embedded moto's pool under its lock:
    moto keeps them in memory only, so a restart lost every invited member and password. The pool
    and its app client keep their ids across restarts by themselves (`_keep_user_pool_ids`), so
    ID tokens issued before a restart still verify after it."""

    def __init__(self, pool_id: str, region: str, path: Path, lock: threading.Lock) -> None:
        self._pool_id = pool_id
        self._region = region
        self._path = path
        self._lock = lock

    def _backend(self) -> Any:
        from moto.cognitoidp.models import cognitoidp_backends
        from moto.core import DEFAULT_ACCOUNT_ID

        return cognitoidp_backends[DEFAULT_ACCOUNT_ID][self._region]

    def save(self) -> None:
        with self._lock:
            pool = self._backend().user_pools[self._pool_id]
            state = {
                "users": [{"id": user.id, "username": user.username, "password": user.password,
                           "status": user.status.name, "enabled": user.enabled, "attributes": user.attributes,
                           "created": user.create_date.isoformat(), "modified": user.last_modified_date.isoformat()}
                          for user in pool.users.values()],
                "refresh_tokens": {token: list(owner) for token, owner in pool.refresh_tokens.items() if owner},
            }
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._path.with_name(self._path.name + ".tmp")
        temporary.write_bytes(orjson.dumps(state))
        os.replace(temporary, self._path)

    def restore(self) -> None:
        if not self._path.exists():
            return
        from moto.cognitoidp.models import CognitoIdpUser, UserStatus

        state = orjson.loads(self._path.read_bytes())
        with self._lock:
            pool = self._backend().user_pools[self._pool_id]
            for saved in state["users"]:
                user = CognitoIdpUser(self._pool_id, saved["username"], saved["password"],
                                      UserStatus[saved["status"]], [])
                user.id, user.enabled = saved["id"], saved["enabled"]
                user.update_attributes(saved["attributes"])  # their `sub` among them, not the one just drawn
                user.create_date = datetime.datetime.fromisoformat(saved["created"])
                user.last_modified_date = datetime.datetime.fromisoformat(saved["modified"])
                pool.users[user.username] = user
            pool.refresh_tokens.update({token: tuple(owner) for token, owner in state["refresh_tokens"].items()})
        log.info("restored %d users of the user pool from %s", len(state["users"]), self._path)

    def forget(self) -> None:
        with self._lock:
            self._backend().delete_user_pool(self._pool_id)


def _keep_user_pool_ids() -> None:
    """Give a user pool and an app client ids derived from their name and configuration (moto's
    HASH id strategy) instead of moto's random ones: in AWS a pool keeps its id for its lifetime,
    and the local stack's pool after a restart is the same pool, whose earlier ID tokens (their
    issuer names the pool, their audience the client) must still verify."""
    os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY", "HASH")
    os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_CLIENT_ID_STRATEGY", "HASH")


def _free_gradually(items: dict[Any, Any]) -> None:
    """Empty a dropped table's items a thousand partitions at a time, letting other threads run
    in between (freeing is C code that would otherwise hold the interpreter for its whole length)."""
    while items:
        for _ in range(min(1_000, len(items))):
            items.popitem()
        time.sleep(0)


@contextlib.contextmanager
def _without_collection() -> Iterator[None]:
    """No garbage collection while a snapshot builds millions of short-lived or lasting values:
    each collection would walk the whole table, and none of these values makes a cycle."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _stored(value: Any) -> dict[str, Any]:
    """A moto value as DynamoDB JSON (what moto's own JSON encoder writes, in one pass)."""
    if value.type == "M":
        return {"M": {name: _stored(inner) for name, inner in value.value.items()}}
    if value.type == "L":
        return {"L": [_stored(inner) for inner in value.value]}
    return {value.type: value.value}


def _loaded(stored: dict[str, Any]) -> Any:
    """DynamoDB JSON as a moto value (what `DynamoType(stored)` builds, without its checks)."""
    ((kind, inner),) = stored.items()
    value = object.__new__(DynamoType)
    value.type = kind
    if kind == "M":
        value.value = {name: _loaded(element) for name, element in inner.items()}
    elif kind == "L":
        value.value = [_loaded(element) for element in inner]
    else:
        value.value = inner
    return value


def _encode_binary(data: bytes) -> str:
    """A binary value moto holds as bytes, base64 as on the wire (it holds most as that text already)."""
    return base64.b64encode(data).decode("ascii")


def _keep_item_size_running() -> None:
    """Make moto's 400 KB item-size check linear instead of quadratic, and DynamoDB's.

    moto re-measures every attribute of an item each time one attribute is set, so writing
    an item with n attributes costs n² measurements; a contact has ~35 (its GSI keys), which
    made seeding a benchmark tenant take hours. This keeps a running total instead, raising
    the same ItemSizeTooLarge, with each attribute measured and the limit set as DynamoDB
    does instead of moto's count (see infra.local.dynamo_limits).
    """
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    from shared.domain.sizes import MAX_ITEM_BYTES

    def entry_size(key: str, value: Any) -> int:
        return dynamo_limits.attribute_size(key, value) if type(value) is DynamoType \
            else bytesize(key) + bytesize(str(value))

    def set_item(self: LimitedSizeDict, key: str, value: Any) -> None:
        total = self.__dict__.get("_size")
        if total is None:
            total = sum(entry_size(k, v) for k, v in self.items())
        if key in self:
            total -= entry_size(key, self[key])
        total += entry_size(key, value)
        if total > MAX_ITEM_BYTES:
            raise ItemSizeTooLarge
        dict.__setitem__(self, key, value)
        self.__dict__["_size"] = total

    LimitedSizeDict.__setitem__ = set_item


_keep_item_size_running()
dynamo_limits.enforce_key_sizes_on_update()


class _Untracked(list):
    """A list that keeps nothing."""

    def append(self, _item: Any) -> None:
        pass


def _stop_tracking_dynamodb_instances() -> None:
    """Keep moto from remembering every DynamoDB model object it ever created.

    moto lists each model instance for its /moto-api/data.json page, and TransactWriteItems
    deep-copies the whole table (its rollback copy), so every transaction added a copy of the
    table to that list: about 4 MB per transaction on a 3,000-item table, never freed (the
    1,000-email benchmark ran out of 24 GB). Nothing here reads that page.
    """
    import moto.dynamodb.models as dynamodb_models
    from moto.dynamodb.models import dynamo_type, table

    for module in (dynamodb_models, dynamo_type, table):
        for value in vars(module).values():
            if isinstance(value, type) and isinstance(getattr(value, "instances_tracked", None), list):
                value.instances_tracked = _Untracked()


_stop_tracking_dynamodb_instances()


def _roll_back_transactions_by_item() -> None:
    """Make TransactWriteItems cost what it touches instead of a copy of the whole table.

    moto deep-copies every table a transaction names before applying it, to restore it if a
    condition fails: seconds per transaction on a table of thousands of items, so concurrent
    callers queued behind the emulator lock timed out. Instead, the items the transaction
    names are copied beforehand and put back (or removed) if it fails; moto's own table copy
    is turned into a no-op. Indexes follow, as moto derives them from the items.
    """
    import copy

    import moto.dynamodb.models as dynamodb_models
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    class _NoTableCopies:
        @staticmethod
        def deepcopy(value: Any, memo: Any = None) -> Any:
            return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    dynamodb_models.copy = _NoTableCopies
    apply = DynamoDBBackend.transact_write_items

    def touched(backend: DynamoDBBackend, entries: list[dict[str, Any]]) -> list[tuple[Any, Any, Any, Any]]:
        found = []
        for entry in entries:
            _, operation = next(iter(entry.items()))
            table = backend.tables.get(operation.get("TableName"))
            key = operation.get("Key") or operation.get("Item")
            if table is None or not key or table.hash_key_attr not in key:
                continue
            hash_value = DynamoType(key[table.hash_key_attr])
            range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr in key else None
            found.append((table, hash_value, range_value, copy.deepcopy(table.get_item(hash_value, range_value))))
        return found

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        saved = touched(self, transact_items)
        try:
            apply(self, transact_items)
        except Exception:
            for table, hash_value, range_value, item in reversed(saved):
                dynamo_limits.put_back(table, hash_value, range_value, item)
            raise

    DynamoDBBackend.transact_write_items = transact_write_items


_roll_back_transactions_by_item()
dynamo_limits.enforce_transaction_size()


def _accept_every_sender() -> None:
    """Let the emulated SES send from any address, as an account whose tenants have verified
    their sending domains does: the local stack cannot know those domains in advance, and
    moto refuses unverified senders. Recipients and everything else are checked as before."""
    from moto.ses.models import SESBackend

    SESBackend._is_verified_address = lambda self, source: True


_accept_every_sender()
strict_secrets.delete_in_background()
replace_message_ids_as_ses_does()
throttle_beyond_the_max_send_rate()


class _SerialisedMoto:
    """WSGI middleware in front of moto: runs one AWS call at a time and counts the ones
    that may change the snapshotted state.

    moto is not safe under concurrent calls (TransactWriteItems deep-copies the whole table
    while other threads write to it, and answers 500), while real DynamoDB serialises
    conflicting writes itself; one call at a time makes the emulation behave like AWS. What
    DynamoDB does not serialise (a write meeting a transaction in flight is refused) is emulated
    by infra/local/dynamodb_realism.py, without waiting under this lock. The request's body is
    read before the lock (`_buffer_body`), where moto reads it while serving under the lock, so
    one slow or stalled client cannot hold up every other call.
    """

    def __init__(self, app: Callable[..., Any]) -> None:
        self._app = app
        self.lock = threading.Lock()  # also taken by the snapshots, which read and write moto's state directly
        self.count = 0

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        try:
            _buffer_body(environ)
        except OSError:  # the client stalled past the socket timeout, or went away
            start_response("408 Request Timeout", [("Content-Length", "0"), ("Connection", "close")])
            return [b""]
        with self.lock:
            if _changes_snapshotted_state(environ):
                self.count += 1
            return list(self._app(environ, start_response))


def _buffer_body(environ: dict[str, Any]) -> None:
    """Read the whole request body before the lock is taken (moto, and StrictS3 in front of its
    S3, read it while serving): a client that announces a body and sends it slowly, or never
    (curl's form PUT to a presigned URL), then holds up only its own connection. The socket
    timeout (`_QuietMotoRequestHandler`) bounds the wait; a chunked body is read to its end."""
    stream = environ["wsgi.input"]
    if environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        chunks: list[bytes] = []
        while length > 0:
            chunk = stream.read(length)
            if not chunk:
                raise ConnectionAbortedError("the client closed the connection before its body was complete")
            chunks.append(chunk)
            length -= len(chunk)
        body = b"".join(chunks)
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.pop("wsgi.input_terminated", None)


def _changes_snapshotted_state(environ: dict[str, Any]) -> bool:
    """Whether a call may change what the snapshots keep: the DynamoDB table and the user pool.
    The queues' and the scheduler's polls (SQS ReceiveMessage every second) counted as changes,
    so an idle stack saved its whole table again and again."""
    target = environ.get("HTTP_X_AMZ_TARGET") or ""  # e.g. DynamoDB_20120810.PutItem
    service, _, action = target.rpartition(".")
    if service.startswith("DynamoDB_"):
        return not action.startswith(_READ_ACTIONS)
    return service == "AWSCognitoIdentityProviderService" and not action.removeprefix("Admin").startswith(_READ_ACTIONS)


class _QuietMotoRequestHandler(MotoRequestHandler):
    def setup(self) -> None:
        """A socket timeout on every connection (none by default: a stalled client waited forever)."""
        self.timeout = BODY_READ_TIMEOUT_SECONDS
        super().setup()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """The stack logs API requests; moto's own access log would drown them."""


class EmbeddedMoto(BackgroundServer):
    """moto's server app on 127.0.0.1 (a free port) behind `_SerialisedMoto`, its S3 behind `StrictS3`,
    Cognito's browser CORS in front (`cognito_realism.BrowserCors`).

    Used by the local stack, the tests and the benchmarks alike.
    """

    def __init__(self) -> None:
        _keep_user_pool_ids()
        cognito_realism.install()
        index_partitions.install()
        attribute_values.install()
        dynamodb_realism.install()
        self.changes = _SerialisedMoto(StrictS3(DomainDispatcherApplication(create_backend_app)))
        super().__init__(cognito_realism.BrowserCors(self.changes), request_handler=_QuietMotoRequestHandler,
                         name="moto")
        self.endpoint_url = self.url


class AwsEmulation:
    """Start, provision, snapshot and stop the AWS side; sets the AWS_* variables handlers read."""

    def __init__(
        self, data_dir: Path, table_name: str, snapshot_interval: float = SNAPSHOT_INTERVAL_SECONDS
    ) -> None:
        self._data_dir = Path(data_dir)
        self._table_name = table_name
        self._snapshot_interval = snapshot_interval
        self._moto: EmbeddedMoto | None = None
        self._snapshots: list[StateSnapshot] = []
        self._saved_changes = 0
        self._save_lock = threading.Lock()
        self._stopping = threading.Event()
        self._snapshot_thread: threading.Thread | None = None
        self.endpoint_url = ""

    @property
    def embedded(self) -> bool:
        return self._moto is not None

    def start(self) -> str:
        region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION
        os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"] = region
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
        external = os.environ.get("AWS_ENDPOINT_URL")
        if external:
            self.endpoint_url = external
            # its secrets outlive this process there: made once by provisioning, found by name after
            self._announce(region, provision(endpoint_url=external, table_name=self._table_name))
            return external

        self._moto = EmbeddedMoto()
        self._moto.start()
        self.endpoint_url = os.environ["AWS_ENDPOINT_URL"] = self._moto.endpoint_url
        try:
            self._provision_and_restore(region)
        except BaseException:
            self.stop()
            raise
        self._snapshot_thread = threading.Thread(target=self._snapshot_loop, name="snapshots", daemon=True)
        self._snapshot_thread.start()
        return self.endpoint_url

    def _announce(self, region: str, pool: dict[str, str]) -> None:
        """Give the functions the stack's user pool (USER_POOL_ID, USER_POOL_CLIENT_ID) and secrets
        (APP_SECRET_ID, TRACKING_KEY_SECRET_ID), and tell
        the `crm-local` commands where this emulation and its pool are (`running_aws`)."""
        os.environ.update(pool)
        write_running_aws(self._data_dir, {"endpoint_url": self.endpoint_url, "region": region,
                                           "TABLE_NAME": self._table_name, **pool})

    def _provision_and_restore(self, region: str) -> None:
        assert self._moto is not None
        pool = provision(endpoint_url=self.endpoint_url, table_name=self._table_name,
                         secret_values=stack_secret_values(self._data_dir))
        snapshots: list[StateSnapshot] = [
            DynamoTableSnapshot(self._table_name, region, self._data_dir / "dynamodb" / f"{self._table_name}.jsonl",
                                self._moto.changes.lock),
            UserPoolSnapshot(pool["USER_POOL_ID"], region, self._data_dir / "cognito" / "users.json",
                             self._moto.changes.lock),
            UserPoolSnapshot(pool["MEMBER_POOL_ID"], region, self._data_dir / "cognito" / "member-logins.json",
                             self._moto.changes.lock),
        ]
        for snapshot in snapshots:
            snapshot.restore()
        # Only now may snapshots be written: a half-restored state must never overwrite them.
        self._saved_changes = self._moto.changes.count
        self._snapshots = snapshots
        self._announce(region, pool)

    def stop(self) -> None:
        """Final snapshot, then drop the resources from moto, stop it and unset the endpoint it had set."""
        forget_running_aws(self._data_dir)
        if self._moto is None:
            return
        self._stopping.set()
        if self._snapshot_thread is not None:
            self._snapshot_thread.join()
        try:
            self.save_if_changed()
            for snapshot in self._snapshots:
                snapshot.forget()
        finally:
            self._moto.stop()
            self._moto = None
            for name in ("AWS_ENDPOINT_URL", "USER_POOL_ID", "USER_POOL_CLIENT_ID"):
                os.environ.pop(name, None)

    def save_if_changed(self) -> bool:
        if self._moto is None:
            return False
        with self._save_lock:
            seen = self._moto.changes.count
            if seen == self._saved_changes:
                return False
            started = time.perf_counter()
            for snapshot in self._snapshots:
                snapshot.save()
            self._saved_changes = seen
        log.debug("snapshot written in %.0f ms", (time.perf_counter() - started) * 1000)
        return True

    def _snapshot_loop(self) -> None:
        """Save every interval, or after ten times as long as the last save took: a save reads the
        whole table while the emulator serves nothing else, so a large table under load would
        otherwise spend most of its time being saved."""
        wait = self._snapshot_interval
        while not self._stopping.wait(wait):
            started = time.monotonic()
            try:
                self.save_if_changed()
            except Exception:  # keep snapshotting; the next change retries
                log.exception("could not snapshot the local AWS state")
            wait = max(self._snapshot_interval, 10 * (time.monotonic() - started))
