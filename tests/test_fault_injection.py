"""Fault injection (issue 9): what the API and the workers do when AWS fails under them.

Faults are injected in front of the emulated AWS, on the very botocore clients the product uses
(PynamoDB's DynamoDB client, and shared.aws's S3 and SES clients): a `before-send` hook answers
a chosen request with the error AWS would send (or raises, for a connection that fails or a
Lambda that dies) instead of letting it reach moto. Everything else goes to moto, and the tests
check the table, the bucket and the outbox afterwards, through the handlers and the emulation.

botocore's own retries run as in AWS (PynamoDB's `max_retry_attempts`, standard mode), except
that their sleeps are recorded instead of slept: nothing configures botocore's delays (1 s base
for throttling, up to 20 s), and the tests check the requested backoff instead of waiting for it.
The product's own backoff (shared.db.retries.backoff) is short and really sleeps.

1. DynamoDB throttling and transaction conflicts: retried with backoff (botocore for a throttled
   request, Transaction.commit for a cancelled transaction), a clean 503 `busy` when they
   persist with nothing written, one write when they pass: contact create/update, bulk actions
   and the record of a sent email (transactions; a message that left is recorded `sent` even
   while its contact stays contended), reads, a settings write.
2. SES failing (refused, unreachable): the email `failed` with the reason, nothing marked sent.
   SES's sending limits (throttling, the daily quota) are not a failure: a throttled send is
   retried (botocore, with backoff) and sent once; one still throttled goes back to `scheduled`
   a little later (send now answers it `scheduled`), and the next sweep sends it once; the sweep
   under throttling sends every due email exactly once. An email a killed Lambda left `sending`
   is settled `failed` by the sweep once no invocation can still be sending it, and never sent
   again (whether SES took it is unknown). Email to a selection: a job killed mid-slice (before an
   email is stored, or after its sends but before its cursor moved) resumes and sends each contact
   once; one SES throttles waits for the deferred email to be due (its message delayed), never
   fails, and sends each once. The SMTP failure is tests/test_emails_api.py
   ::test_an_smtp_failure_marks_the_email_failed_and_records_nothing (nothing listens on the
   mailbox's port; the transport's own failures are in tests/test_smtp_transport.py).
3. S3 failing mid-export (UploadPart after the first part, CompleteMultipartUpload): the job
   `failed`, the upload aborted, no file, the download a 4xx. (The test lowers
   shared.files.PART_BYTES so a few rows make several parts; S3's 5 MB would take 5 MB of
   contacts.) A failure that is not S3's is
   tests/test_exports_api.py::test_a_failure_midway_leaves_no_file_and_fails_the_job.
4. An export worker killed mid-upload starts the file again on redelivery and writes it once;
   one still failing on its last delivery is `failed`, never left `running`. The bulk worker's
   crash and resume is tests/test_bulk_api.py
   ::test_a_worker_that_stops_midway_resumes_without_doing_anything_twice (and
   ::test_a_delete_job_that_dies_before_tidying_tidies_when_it_resumes); imports:
   tests/test_imports_api.py::test_a_chunk_redone_after_a_crash_before_its_writes_keeps_its_grant_under_the_limit.
5. SQS batches: `batchItemFailures` names exactly the failed messages, for the bulk worker and
   the export worker (template.yaml gives both BatchSize 1; the handlers report per item anyway).
   A single failing record on the bulk worker is tests/test_bulk_api.py
   ::test_a_job_that_keeps_failing_is_retried_then_marked_failed.
6. SQS not taking a job's message: the job `failed` and a 503.
7. DynamoDB leaving part of a batch undone (UnprocessedKeys / UnprocessedItems, as for throttled
   partitions): sent again with exponential backoff and jitter, a 503 when it persists; a contact
   delete cut short after its transaction is finished later (the next delete, or the same one
   sent again) and no timeline is orphaned. A plain write meeting a transaction in flight
   (TransactionConflictException): sent again, a 503 when it persists. The emulator's own
   conflicts and index lag are tests/test_dynamodb_realism.py.
"""

from __future__ import annotations

import csv
import io
import json
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Attr
from botocore.awsrequest import AWSResponse
from botocore.exceptions import EndpointConnectionError

from conftest import Api, assert_error, create
from mail_support import (  # noqa: F401 - outbox_listening is an autouse fixture
    at,
    folder,
    folder_ids,
    make_due,
    outbox,
    outbox_entries,
    outbox_listening,
    send,
    sent,
    sweep,
    table,
    timeline,
    trigger,
)
from stack_support import run_queued_jobs

FILES_BUCKET = "crm-test-files"
COMMIT_TRIES = 6  # shared.db.transactions.Transaction.commit: a cancelled transaction is sent this many times


def store_retries() -> int:
    """botocore's retries of a DynamoDB request (PynamoDB's `max_retry_attempts`)."""
    from shared.db.models import TableItem

    return TableItem.Meta.max_retry_attempts


# --- injecting faults ---------------------------------------------------------------------------


class LambdaKilled(BaseException):
    """The function's process dies here (a timeout, out of memory): nothing after it runs."""


Answer = Callable[[Any], tuple[int, dict[str, str], bytes]]


@dataclass
class Fault:
    operation: str
    answer: Answer | None  # None: `raises` instead
    raises: Callable[[], BaseException] | None
    times: int | None  # how many requests it takes; None: every one
    after: int  # matching requests let through first
    only: Callable[[Any], bool] | None
    seen: int = 0
    answered: int = 0


@dataclass
class Faults:
    """Requests of one of the product's botocore clients: a matching fault answers (or raises)
    instead of the emulation; every request that did reach the emulation is in `sent`."""

    client: Any
    faults: list[Fault] = field(default_factory=list)
    sent: list[tuple[str, bytes | None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._event = f"before-send.{self.client.meta.service_model.service_id.hyphenize()}"
        self.client.meta.events.register(self._event, self._before_send, unique_id=f"fault-{id(self)}")

    def add(self, operation: str, answer: Answer | None = None, *, raises: Callable[[], BaseException] | None = None,
            times: int | None = None, after: int = 0, only: Callable[[Any], bool] | None = None) -> Fault:
        """A fault from now on; `sent` starts again (what reached the emulation since)."""
        fault = Fault(operation, answer, raises, times, after, only)
        self.sent.clear()
        self.faults.append(fault)
        return fault

    def clear(self) -> None:
        self.faults.clear()

    def close(self) -> None:
        self.client.meta.events.unregister(self._event, unique_id=f"fault-{id(self)}")

    def count(self, operation: str) -> int:
        return sum(1 for name, _ in self.sent if name == operation)

    def _before_send(self, request: Any, event_name: str, **_: Any) -> AWSResponse | None:
        operation = event_name.rsplit(".", 1)[1]
        with self._lock:
            for fault in self.faults:
                if fault.operation != operation or (fault.only is not None and not fault.only(request)):
                    continue
                fault.seen += 1
                if fault.seen <= fault.after or (fault.times is not None and fault.answered >= fault.times):
                    continue
                fault.answered += 1
                if fault.raises is not None:
                    raise fault.raises()
                status, headers, body = fault.answer(request)
                return AWSResponse(request.url, status, headers, _Body(body))
            self.sent.append((operation, request.body if isinstance(request.body, bytes) else None))
        return None


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any):
        yield self._data


def for_tenant(tenant: str) -> Callable[[Any], bool]:
    """Only requests about this tenant's items (their keys name it)."""
    return lambda request: f"TENANT#{tenant}".encode() in (request.body or b"")


def dynamodb_error(code: str, message: str, **members: Any) -> tuple[int, dict[str, str], bytes]:
    body = {"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": message, **members}
    return 400, {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "fault"}, json.dumps(body).encode()


def throttled(code: str = "ProvisionedThroughputExceededException") -> Answer:
    """DynamoDB refusing the request's rate (botocore retries it with backoff)."""
    return lambda request: dynamodb_error(code,
                                          "The level of configured provisioned throughput for the table was exceeded.")


def cancelled(reason: str = "TransactionConflict") -> Answer:
    """DynamoDB cancelling a transaction for `reason` on its first item (another transaction on
    it: TransactionConflict; its partition throttled: ThrottlingError). Nothing is written."""
    def answer(request: Any) -> tuple[int, dict[str, str], bytes]:
        count = len(json.loads(request.body)["TransactItems"])
        reasons = [{"Code": reason,
                    "Message": "Transaction is ongoing for the item"}] + [{"Code": "None"}] * (count - 1)
        return dynamodb_error("TransactionCanceledException",
                              "Transaction cancelled, please refer cancellation reasons "
                              f"for specific reasons [{reason}]",
                              CancellationReasons=reasons)
    return answer


def s3_error(code: str = "InternalError", status: int = 500) -> Answer:
    body = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{code} (injected)</Message>'
            "<RequestId>fault</RequestId></Error>").encode()
    return lambda request: (status, {"Content-Type": "application/xml", "x-amz-request-id": "fault"}, body)


def ses_error(code: str, message: str, status: int = 400) -> Answer:
    body = json.dumps({"message": message}).encode()
    return lambda request: (status, {"Content-Type": "application/json", "x-amzn-ErrorType": code,
                                     "x-amzn-RequestId": "fault"}, body)


@dataclass
class Backoffs:
    botocore: list[float] = field(default_factory=list)  # requested by botocore's retries (not slept)
    store: list[float] = field(default_factory=list)  # slept by shared.db.retries.backoff


class _Clock:
    """`time` as a module sees it, with `sleep` recorded (and slept, or not)."""

    def __init__(self, record: list[float], really: bool) -> None:
        self._record, self._really = record, really

    def __getattr__(self, name: str) -> Any:
        return getattr(time, name)

    def sleep(self, seconds: float) -> None:
        self._record.append(seconds)
        if self._really:
            time.sleep(seconds)


@pytest.fixture
def backoffs(monkeypatch, moto_endpoint) -> Backoffs:
    import botocore.endpoint

    from shared.db import retries

    recorded = Backoffs()
    monkeypatch.setattr(botocore.endpoint, "time", _Clock(recorded.botocore, really=False))
    monkeypatch.setattr(retries, "time", _Clock(recorded.store, really=True))
    return recorded


def _faults(client: Any):
    faults = Faults(client)
    yield faults
    faults.close()


@pytest.fixture
def dynamodb(api, backoffs):
    from shared.db.models import table_connection

    yield from _faults(table_connection().connection.client)


@pytest.fixture
def s3(api, backoffs):
    from shared.aws import client

    yield from _faults(client("s3"))


@pytest.fixture
def ses(api, backoffs):
    from shared.aws import client

    yield from _faults(client("sesv2"))


@pytest.fixture
def sqs(api, backoffs):
    from shared.aws import client

    yield from _faults(client("sqs"))


# --- what the tenant has stored ----------------------------------------------------------------


def stored(api: Api) -> dict[tuple[str, str], dict[str, Any]]:
    """Every item of the tenant, as the table holds it (a Scan, as the suite's clean-up does)."""
    mine = Attr("pk").eq(f"TENANT#{api.tenant}") | Attr("pk").begins_with(f"TENANT#{api.tenant}#")
    found, start = {}, None
    while True:
        page = table().scan(FilterExpression=mine, ConsistentRead=True,
                            **({"ExclusiveStartKey": start} if start else {}))
        found.update({(item["pk"], item["sk"]): item for item in page["Items"]})
        start = page.get("LastEvaluatedKey")
        if not start:
            return found


def assert_busy(reply: Any) -> None:
    assert_error(reply, 503)
    assert reply.error["code"] == "busy", reply.body


def tag_counts(api: Api) -> dict[str, int]:
    reply = api.get("/v1/tags")
    assert reply.status == 200, reply.body
    return {tag["name"]: tag["contact_count"] for tag in reply.body["items"]}


def assert_botocore_backed_off(backoffs: Backoffs, retries: int) -> None:
    """`retries` delays requested, each within botocore's cap for a throttled retry."""
    assert len(backoffs.botocore) == retries, backoffs.botocore
    assert all(0 <= delay <= min(2 ** number, 20) for number, delay in enumerate(backoffs.botocore)), backoffs.botocore
    assert sum(backoffs.botocore) > 0


# --- 1. DynamoDB: throttling and transaction conflicts -------------------------------------------

PERSISTENT_WRITE_FAULTS = {  # the fault, and who retries it
    "request throttled": (throttled(), "botocore"),
    "ThrottlingException": (throttled("ThrottlingException"), "botocore"),
    "item throttled in the transaction": (cancelled("ThrottlingError"), "commit"),
    "transaction conflict": (cancelled("TransactionConflict"), "commit"),
}


@pytest.mark.parametrize("fault", PERSISTENT_WRITE_FAULTS)
def test_a_create_under_persistent_throttling_or_conflict_is_a_503_that_writes_nothing(api, dynamodb, backoffs, fault):
    create(api, family_name="既存", email="old@example.jp", tags=["展示会"])  # the tenant's config, usage, a tag
    before = stored(api)
    answer, retried_by = PERSISTENT_WRITE_FAULTS[fault]
    injected = dynamodb.add("TransactWriteItems", answer)

    reply = api.post("/v1/contacts", {"family_name": "山田", "email": "taro@example.jp", "tags": ["展示会", "VIP"]})

    assert_busy(reply)
    assert dynamodb.count("TransactWriteItems") == 0
    if retried_by == "commit":  # a cancelled transaction: sent again by the product, after a backoff each time
        assert injected.answered == COMMIT_TRIES
        assert len(backoffs.store) == COMMIT_TRIES - 1 and backoffs.botocore == []
    else:  # a throttled request: botocore's retries, and no second round of them on top
        assert injected.answered == store_retries() + 1
        assert_botocore_backed_off(backoffs, store_retries())
    assert stored(api) == before  # no contact, no email key, no tag membership or count, no usage
    assert tag_counts(api) == {"展示会": 1}

    dynamodb.clear()
    again = api.post("/v1/contacts", {"family_name": "山田", "email": "taro@example.jp", "tags": ["展示会", "VIP"]})
    assert again.status == 201, again.body  # the address was never claimed
    assert tag_counts(api) == {"展示会": 2, "VIP": 1}


def test_an_update_under_persistent_conflict_is_a_503_that_changes_nothing(api, dynamodb, backoffs):
    contact = create(api, family_name="山田", email="taro@example.jp", tags=["展示会"])
    before, shown = stored(api), api.get(f"/v1/contacts/{contact['id']}").body
    injected = dynamodb.add("TransactWriteItems", cancelled("TransactionConflict"))

    reply = api.patch(f"/v1/contacts/{contact['id']}", {"email": "new@example.jp", "tags": ["VIP"], "status": "won"})

    assert_busy(reply)
    assert injected.answered == COMMIT_TRIES and len(backoffs.store) == COMMIT_TRIES - 1
    assert stored(api) == before  # neither address, tag, count, version nor timeline entry moved
    assert api.get(f"/v1/contacts/{contact['id']}").body == shown


@pytest.mark.parametrize("change", ["create", "update"])
@pytest.mark.parametrize("fault", ["request throttled", "transaction conflict"])
def test_a_passing_throttle_or_conflict_ends_in_exactly_one_write(api, dynamodb, backoffs, change, fault):
    contact = create(api, family_name="山田", email="taro@example.jp") if change == "update" else None
    answer = throttled() if fault == "request throttled" else cancelled()
    injected = dynamodb.add("TransactWriteItems", answer, times=2)

    if change == "create":
        reply = api.post("/v1/contacts", {"family_name": "佐藤", "email": "sato@example.jp", "tags": ["展示会"]})
        assert reply.status == 201, reply.body
    else:
        reply = api.patch(f"/v1/contacts/{contact['id']}", {"tags": ["展示会"]})
        assert reply.status == 200, reply.body

    assert injected.answered == 2 and dynamodb.count("TransactWriteItems") == 1
    if fault == "request throttled":
        assert_botocore_backed_off(backoffs, 2)
    else:
        assert len(backoffs.store) == 2
    assert tag_counts(api) == {"展示会": 1}  # counted once
    listed = api.get("/v1/contacts").body["items"]
    assert len(listed) == 1 and listed[0]["tags"] == ["展示会"]
    if change == "update":
        assert [entry["type"] for entry in timeline(api, contact["id"])] == ["tag_added"]


def bulk_tag(api: Api, ids: list[str], tag: str) -> Any:
    return api.post("/v1/contacts/bulk", {"selection": {"ids": ids}, "action": "add_tags", "params": {"tags": [tag]}})


def test_a_bulk_action_retries_a_conflict_and_writes_its_slice_once(api, dynamodb, backoffs):
    ids = [create(api, family_name=f"一括{index}", email=f"b{index}@example.jp")["id"] for index in range(3)]
    injected = dynamodb.add("TransactWriteItems", cancelled(), times=2)

    reply = bulk_tag(api, ids, "一括")

    assert reply.status == 200, reply.body
    assert [item["status"] for item in reply.body["results"]] == ["ok"] * 3
    assert injected.answered == 2 and dynamodb.count("TransactWriteItems") == 1 and len(backoffs.store) == 2
    assert tag_counts(api) == {"一括": 3}
    assert all([entry["type"] for entry in timeline(api, contact_id)] == ["tag_added"] for contact_id in ids)


def test_a_bulk_action_under_persistent_conflict_is_a_503_that_changes_nothing(api, dynamodb):
    ids = [create(api, family_name=f"一括{index}")["id"] for index in range(3)]
    before = stored(api)
    dynamodb.add("TransactWriteItems", cancelled())

    assert_busy(bulk_tag(api, ids, "一括"))
    assert stored(api) == before


def test_a_sent_email_is_recorded_once_through_a_passing_conflict(api, dynamodb):
    contact = create(api, family_name="山田", email="taro@example.jp")
    injected = dynamodb.add("TransactWriteItems", cancelled(), times=2)  # the record after SES took the message

    email = sent(api, contact["id"])

    assert email["status"] == "sent" and injected.answered == 2 and dynamodb.count("TransactWriteItems") == 1
    assert len(outbox_entries(email["id"])) == 1
    assert [entry["data"]["email_id"] for entry in timeline(api, contact["id"], "email_sent")] == [email["id"]]
    assert api.get(f"/v1/contacts/{contact['id']}").body["last_contacted_at"] == email["sent_at"]
    assert api.get(f"/v1/emails/{email['id']}").body["status"] == "sent"


def touches_the_contact(request: Any) -> bool:
    """A transaction that writes a contact item (not only its partition's timeline)."""
    return any(operation.get("Key", operation.get("Item", {})).get("sk", {}).get("S") == "CONTACT"
               for item in json.loads(request.body)["TransactItems"] for operation in item.values())


def test_a_sent_email_whose_contact_stays_contended_is_still_recorded_sent(api, dynamodb):
    contact = create(api, family_name="山田", email="taro@example.jp")
    dynamodb.add("TransactWriteItems", cancelled(), only=touches_the_contact)  # the contact, never the email

    email = sent(api, contact["id"])  # not a 503: the message left, so it must not be sent again

    assert email["status"] == "sent" and len(outbox_entries(email["id"])) == 1
    assert api.get(f"/v1/emails/{email['id']}").body["status"] == "sent"  # not left `sending`
    assert [entry["data"]["email_id"] for entry in timeline(api, contact["id"], "email_sent")] == [email["id"]]
    assert api.get(f"/v1/contacts/{contact['id']}").body["last_contacted_at"] is None  # it could not be written


READS = {
    "a contact": ("/v1/contacts/{id}", "BatchGetItem"),
    "the contact list": ("/v1/contacts", "Query"),
    "a timeline": ("/v1/contacts/{id}/timeline", "Query"),
}


@pytest.mark.parametrize("read", READS)
def test_a_read_rides_out_passing_throttling_and_is_a_503_when_it_persists(api, dynamodb, backoffs, read):
    contact = create(api, family_name="山田", email="taro@example.jp")
    path, operation = READS[read]
    path = path.format(id=contact["id"])
    expected = api.get(path).body

    passing = dynamodb.add(operation, throttled(), times=2)
    reply = api.get(path)
    assert reply.status == 200 and reply.body == expected, reply.body
    assert passing.answered == 2
    assert_botocore_backed_off(backoffs, 2)

    dynamodb.clear()
    backoffs.botocore.clear()
    persistent = dynamodb.add(operation, throttled("ThrottlingException"))
    assert_busy(api.get(path))
    assert persistent.answered == store_retries() + 1
    assert_botocore_backed_off(backoffs, store_retries())


def test_a_settings_write_under_persistent_throttling_is_a_503_that_changes_nothing(api, dynamodb):
    settings = api.get("/v1/settings").body
    before = stored(api)
    dynamodb.add("PutItem", throttled())

    assert_busy(api.put("/v1/settings", {"name_order": "given_family"}))
    dynamodb.clear()
    assert stored(api) == before and api.get("/v1/settings").body == settings


# --- 2. SES failing when an email is sent --------------------------------------------------------

SES_FAULTS = {
    "refused": ("Amazon SES refused the message (MessageRejected: Email address is not verified.",
                dict(answer=ses_error("MessageRejected", "Email address is not verified."))),
    "unreachable": ("Amazon SES could not be reached (EndpointConnectionError); try again later.",
                    dict(raises=lambda: EndpointConnectionError(endpoint_url="https://email.ap-northeast-1.amazonaws.com"))),
}
# SESv2 answers a send beyond the account's limits 429 TooManyRequestsException
# (https://docs.aws.amazon.com/ses/latest/dg/manage-sending-quotas-errors.html)
SES_RATE_EXCEEDED = ses_error("TooManyRequestsException", "Maximum sending rate exceeded.", 429)
SES_QUOTA_EXCEEDED = ses_error("TooManyRequestsException", "Daily message quota exceeded.", 429)


def ses_attempts() -> int:
    """How many times botocore sends one SendEmail that stays throttled (its first try and retries)."""
    from botocore.retries.standard import DEFAULT_MAX_ATTEMPTS

    from shared.aws import client

    retries = client("sesv2").meta.config.retries
    assert retries["mode"] == "standard", retries
    return retries.get("total_max_attempts") or DEFAULT_MAX_ATTEMPTS


@pytest.mark.parametrize("fault", SES_FAULTS)
def test_an_ses_failure_fails_the_email_with_the_reason_and_marks_nothing_sent(api, ses, backoffs, fault):
    contact = create(api, family_name="山田", email="taro@example.jp")
    first = sent(api, contact["id"])  # the contact was contacted once already
    before = api.get(f"/v1/contacts/{contact['id']}").body
    reason, how = SES_FAULTS[fault]
    injected = ses.add("SendEmail", **how)

    email = sent(api, contact["id"], subject="二通目")

    assert email["status"] == "failed" and email["failure_reason"].startswith(reason), email
    assert email["sent_at"] is None and outbox_entries(email["id"]) == []
    if fault == "refused":
        assert injected.answered == 1  # a refusal is final: never tried again
    stored_email = api.get(f"/v1/emails/{email['id']}").body
    assert (stored_email["status"], stored_email["failure_reason"]) == ("failed", email["failure_reason"])
    after = api.get(f"/v1/contacts/{contact['id']}").body
    assert after["last_contacted_at"] == first["sent_at"] and after == before
    assert [entry["data"]["email_id"] for entry in timeline(api, contact["id"], "email_sent")] == [first["id"]]


def test_a_throttled_send_is_retried_with_backoff_and_sent_once(api, ses, backoffs):
    contact = create(api, family_name="山田", email="taro@example.jp")
    injected = ses.add("SendEmail", SES_RATE_EXCEEDED, times=2)

    email = sent(api, contact["id"])

    assert email["status"] == "sent" and injected.answered == 2
    assert len(backoffs.botocore) == 2 and sum(backoffs.botocore) > 0
    assert ses.count("SendEmail") == 1 and len(outbox_entries(email["id"])) == 1
    assert len(timeline(api, contact["id"], "email_sent")) == 1


@pytest.mark.parametrize("answer, retry_seconds", [(SES_RATE_EXCEEDED, 60), (SES_QUOTA_EXCEEDED, 600)],
                         ids=["rate", "daily quota"])
def test_a_send_now_still_throttled_is_scheduled_for_a_retry_and_the_sweep_sends_it_once(
        api, ses, backoffs, answer, retry_seconds):
    contact = create(api, family_name="山田", email="taro@example.jp")
    before = api.get(f"/v1/contacts/{contact['id']}").body
    injected = ses.add("SendEmail", answer)

    requested = datetime.now(UTC)
    email = sent(api, contact["id"])

    assert injected.answered == ses_attempts()
    assert (email["status"], email["failure_reason"], email["sent_at"]) == ("scheduled", None, None), email
    retry_at = datetime.fromisoformat(email["send_at"].replace("Z", "+00:00"))
    assert timedelta(seconds=retry_seconds) <= retry_at - requested <= timedelta(seconds=retry_seconds + 30)
    assert folder_ids(api, "scheduled") == [email["id"]] and folder_ids(api, "sent") == []
    assert outbox_entries(email["id"]) == [] and timeline(api, contact["id"], "email_sent") == []
    assert api.get(f"/v1/contacts/{contact['id']}").body == before

    ses.clear()
    sweep()
    assert api.get(f"/v1/emails/{email['id']}").body["status"] == "scheduled"  # not before its retry time
    make_due(api, email["id"])
    sweep()
    sweep()

    assert api.get(f"/v1/emails/{email['id']}").body["status"] == "sent"
    assert len(outbox_entries(email["id"])) == 1 and len(timeline(api, contact["id"], "email_sent")) == 1


def test_the_sweep_under_throttling_sends_every_due_email_exactly_once(api, ses, backoffs):
    contacts = [create(api, family_name=f"顧客{number}", email=f"c{number}@example.jp")["id"] for number in range(12)]
    emails = [sent(api, contact_id, send_at=at(3600))["id"] for contact_id in contacts]
    for email_id in emails:
        make_due(api, email_id)
    # every request throttled until three emails' sends have used all their tries
    injected = ses.add("SendEmail", SES_RATE_EXCEEDED, times=3 * ses_attempts())

    first = sweep()

    assert injected.answered == 3 * ses_attempts()
    statuses = {email_id: api.get(f"/v1/emails/{email_id}").body["status"] for email_id in emails}
    assert first["sent"] == 9 and sorted(statuses.values()) == ["scheduled"] * 3 + ["sent"] * 9, statuses
    deferred = [email_id for email_id, state in statuses.items() if state == "scheduled"]
    for email_id in deferred:
        make_due(api, email_id)
    with ThreadPoolExecutor(max_workers=4) as pool:  # the next sweep and the deferred emails' triggers at once
        list(pool.map(lambda job: job(), [sweep, *(lambda email_id=email_id: trigger(api, email_id)
                                                   for email_id in deferred)]))

    assert {email_id: len(outbox_entries(email_id)) for email_id in emails} == dict.fromkeys(emails, 1)
    assert {email_id: api.get(f"/v1/emails/{email_id}").body["status"] for email_id in emails} == \
        dict.fromkeys(emails, "sent")
    for contact_id in contacts:
        assert len(timeline(api, contact_id, "email_sent")) == 1


def age_sending(api: Api, email_id: str, minutes: float) -> None:
    """Arrange that the email began sending `minutes` ago (its index keys too)."""
    from shared.db import emails as repository
    from shared.domain.validation import format_time

    email = repository.get(api.tenant, email_id)
    began = format_time(datetime.now(UTC) - timedelta(minutes=minutes))
    assert repository.transition(api.tenant, {**email, "updated_at": began}, "sending") is not None


@pytest.mark.parametrize("killed", ["before SES took the message", "after SES took it, before the record"])
def test_an_email_left_sending_by_a_killed_lambda_is_settled_failed_and_never_sent_again(api, ses, dynamodb, killed):
    contact = create(api, family_name="山田", email="taro@example.jp")
    before = api.get(f"/v1/contacts/{contact['id']}").body
    if killed == "before SES took the message":
        ses.add("SendEmail", raises=LambdaKilled, times=1)
    else:
        dynamodb.add("TransactWriteItems", raises=LambdaKilled, times=1)  # the record of the sent email
    with pytest.raises(LambdaKilled):
        send(api, contact["id"])
    ses.clear()
    dynamodb.clear()
    [email] = folder(api, "sent").body["items"]
    delivered, reached_ses = len(outbox_entries(email["id"])), ses.count("SendEmail")
    assert email["status"] == "sending" and delivered == (0 if killed.startswith("before") else 1)

    assert sweep()["stuck"] == 0  # 14 minutes on, an invocation might still be sending it
    age_sending(api, email["id"], minutes=14)
    assert sweep()["stuck"] == 0
    age_sending(api, email["id"], minutes=16)  # longer than any Lambda runs
    assert sweep()["stuck"] == 1
    assert sweep()["stuck"] == 0

    settled = api.get(f"/v1/emails/{email['id']}").body
    assert settled["status"] == "failed" and settled["sent_at"] is None
    assert settled["failure_reason"].startswith("The send did not complete, so it may or may not have been delivered")
    assert (ses.count("SendEmail"), len(outbox_entries(email["id"]))) == (reached_ses, delivered)  # never sent again
    assert timeline(api, contact["id"], "email_sent") == [] and api.get(f"/v1/contacts/{contact['id']}").body == before
    assert folder_ids(api, "sent") == [email["id"]] and folder_ids(api, "scheduled") == []


# --- 2b. email to a selection (POST /v1/emails/bulk): killed mid-job, throttled by SES -----------------

def bulk_email_job(api: Api, count: int) -> tuple[str, list[str]]:
    """A bulk_email job (not run yet) to `count` new contacts: its id, and their addresses."""
    addresses = [f"bulk{number}.{api.tenant}@example.jp" for number in range(count)]
    ids = [create(api, family_name=f"顧客{number}", email=address)["id"] for number, address in enumerate(addresses)]
    reply = api.post("/v1/emails/bulk", {"selection": {"ids": ids}, "subject": "{{contact.family_name}}様",
                                         "body_text": "ご案内"})
    assert reply.status == 202, reply.body
    return reply.body["id"], addresses


def delivered_to(addresses: list[str]) -> list[int]:
    return [sum(1 for entry in outbox().items() if entry["to"] == [address]) for address in addresses]


def is_job_progress(request: Any) -> bool:
    return b'"cursor"' in (request.body or b"")


@pytest.mark.parametrize("killed", ["before the fifth email is stored",
                                    "after the slice's sends, before the job moves on"])
def test_a_bulk_email_job_killed_mid_slice_resumes_and_sends_each_contact_once(api, dynamodb, monkeypatch, killed):
    from shared.services import bulk_emails

    job_id, addresses = bulk_email_job(api, 8)
    if killed.startswith("before"):
        real_insert, calls = bulk_emails.email_store.insert_once, []

        def dies_at_the_fifth(*args: Any, **kwargs: Any) -> Any:
            calls.append(1)
            if len(calls) == 5:
                raise LambdaKilled()
            return real_insert(*args, **kwargs)

        monkeypatch.setattr(bulk_emails.email_store, "insert_once", dies_at_the_fifth)
    else:
        dynamodb.add("TransactWriteItems", raises=LambdaKilled, times=1, only=is_job_progress)
    with pytest.raises(LambdaKilled):
        bulk_emails.run(api.tenant, job_id, lambda: 900.0)
    monkeypatch.undo()
    dynamodb.clear()
    halfway = api.get(f"/v1/jobs/{job_id}").body
    assert (halfway["status"], halfway["processed"]) == ("running", 0)
    assert delivered_to(addresses) == ([1] * 4 + [0] * 4 if killed.startswith("before") else [1] * 8)

    assert bulk_emails.run(api.tenant, job_id, lambda: 900.0) is True  # the message delivered again
    assert bulk_emails.run(api.tenant, job_id, lambda: 900.0) is True  # and once more: nothing to do

    done = api.get(f"/v1/jobs/{job_id}").body
    assert (done["status"], done["processed"], done["counts"]["sent"]) == ("succeeded", 8, 8)
    assert delivered_to(addresses) == [1] * 8
    assert len(folder_ids(api, "sent")) == 8
    for contact in api.get("/v1/contacts").body["items"]:
        assert len(timeline(api, contact["id"], "email_sent")) == 1


def test_a_bulk_email_job_throttled_by_ses_waits_instead_of_failing_and_sends_each_once(api, ses, backoffs, sqs):
    from shared.services import bulk_emails

    job_id, addresses = bulk_email_job(api, 3)
    injected = ses.add("SendEmail", SES_RATE_EXCEEDED, times=ses_attempts())  # the first send stays throttled

    assert bulk_emails.run(api.tenant, job_id, lambda: 900.0) is True

    assert injected.answered == ses_attempts()
    waiting = api.get(f"/v1/jobs/{job_id}").body
    assert (waiting["status"], waiting["processed"], waiting["error"]) == ("running", 0, None)
    [deferred] = folder_ids(api, "scheduled")  # back to scheduled, due after SES's retry interval
    [again] = [json.loads(body) for name, body in sqs.sent if name == "SendMessage" and b"DelaySeconds" in body]
    message = json.loads(again["MessageBody"])
    assert message.pop("correlation_id")  # the request's, carried on (tests/test_observability.py)
    assert message == {"tenant": api.tenant, "job_id": job_id, "kind": "bulk_email"}
    assert 60 <= again["DelaySeconds"] <= 62  # the job comes back when the email is due
    assert delivered_to(addresses) == [0, 0, 0]

    ses.clear()
    assert bulk_emails.run(api.tenant, job_id, lambda: 900.0) is True  # too early: still waiting, nothing sent
    assert delivered_to(addresses) == [0, 0, 0]
    make_due(api, deferred)
    assert bulk_emails.run(api.tenant, job_id, lambda: 900.0) is True
    sweep()  # the sweep finds nothing left to send twice

    done = api.get(f"/v1/jobs/{job_id}").body
    assert (done["status"], done["counts"]["sent"], done["counts"]["failed"]) == ("succeeded", 3, 0)
    assert delivered_to(addresses) == [1, 1, 1]


# --- 3. and 4. S3 failing mid-export; an export worker killed mid-upload ----------------------------

FIELDS = ["family_name", "email", "memo"]
PEOPLE = 8


@pytest.fixture
def people(api) -> list[dict[str, Any]]:
    """Enough text for the CSV writer to hand the upload two writes (it flushes every 64 K
    characters), so that with small parts the file goes up in more than one part."""
    return [create(api, family_name=f"顧客{index}", email=f"c{index}@example.jp", memo=str(index) * 10_000)
            for index in range(PEOPLE)]


def start_export(api: Api) -> str:
    reply = api.post("/v1/exports", {"reason": "障害試験", "fields": FIELDS})
    assert reply.status == 202, reply.body
    return reply.body["id"]


def export_files(api: Api) -> tuple[list[str], list[str]]:
    """(objects, unfinished multipart uploads) under the tenant's exports."""
    s3 = boto3.client("s3")
    prefix = f"exports/{api.tenant}/"
    objects = [item["Key"] for item in s3.list_objects_v2(Bucket=FILES_BUCKET, Prefix=prefix).get("Contents", [])]
    uploads = [upload["Key"]
               for upload in s3.list_multipart_uploads(Bucket=FILES_BUCKET, Prefix=prefix).get("Uploads", [])]
    return objects, uploads


def sqs_event(*messages: tuple[str, dict[str, Any]], receive_count: int = 1) -> dict[str, Any]:
    """An SQS event of (message id, body) records, as the event source mapping delivers it."""
    return {"Records": [{
        "messageId": message_id, "receiptHandle": f"r-{message_id}", "md5OfBody": "x", "body": json.dumps(body),
        "attributes": {"ApproximateReceiveCount": str(receive_count)}, "messageAttributes": {},
        "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:ap-northeast-1:123456789012:queue",
        "awsRegion": "ap-northeast-1"} for message_id, body in messages]}


def run_export(api: Api, export_id: str, receive_count: int = 1) -> Any:
    from infra.local.server import invoke_function

    event = sqs_event(("m-1", {"tenant": api.tenant, "job_id": export_id, "password": None}),
                      receive_count=receive_count)
    return invoke_function("ExportWorkerFunction", event)


@pytest.mark.parametrize("failing", ["UploadPart", "CompleteMultipartUpload"])
def test_s3_failing_mid_export_fails_the_job_and_leaves_nothing_to_download(api, people, s3, backoffs, monkeypatch,
                                                                          failing):
    from shared import files

    monkeypatch.setattr(files, "PART_BYTES", 64)  # a part for each write of the CSV writer
    export_id = start_export(api)
    injected = s3.add(failing, s3_error(), after=1 if failing == "UploadPart" else 0)

    assert run_export(api, export_id) == {"batchItemFailures": []}

    assert injected.answered > 1 and len(backoffs.botocore) == injected.answered - 1  # retried, then given up
    assert s3.count("UploadPart") == (1 if failing == "UploadPart" else 2)  # what went up before the failure
    assert s3.count("AbortMultipartUpload") == 1
    failed = api.get(f"/v1/exports/{export_id}").body
    assert failed["status"] == "failed" and failed["error"] and failed["download_url"] is None
    assert_error(api.get(f"/v1/exports/{export_id}/download"), 409)
    assert export_files(api) == ([], [])
    run_queued_jobs()  # the queued message of the export, delivered again: a finished job is left alone
    assert api.get(f"/v1/exports/{export_id}").body["status"] == "failed" and export_files(api) == ([], [])


def kill_mid_upload(api: Api, export_id: str, s3: Faults, monkeypatch) -> None:
    """The first delivery dies after the first part went up: the job `running`, its upload left."""
    from shared import files

    with monkeypatch.context() as patch:
        patch.setattr(files, "PART_BYTES", 64)
        s3.add("UploadPart", raises=LambdaKilled, after=1, times=1)
        s3.add("AbortMultipartUpload", raises=LambdaKilled, times=1)  # nothing runs once the process is gone
        with pytest.raises(LambdaKilled):
            run_export(api, export_id)
    s3.clear()
    assert api.get(f"/v1/exports/{export_id}").body["status"] == "running"
    assert len(export_files(api)[1]) == 1
    assert_error(api.get(f"/v1/exports/{export_id}/download"), 409)


def test_an_export_killed_mid_upload_starts_again_and_writes_its_file_once(api, people, s3, monkeypatch):
    outbox().clear()
    export_id = start_export(api)
    kill_mid_upload(api, export_id, s3, monkeypatch)

    assert run_export(api, export_id, receive_count=2) == {"batchItemFailures": []}

    done = api.get(f"/v1/exports/{export_id}").body
    assert (done["status"], done["row_count"], done["rows_written"]) == ("succeeded", PEOPLE, PEOPLE)
    objects, uploads = export_files(api)
    assert len(objects) == 1 and uploads == []  # the dead attempt's parts dropped
    download = api.get(f"/v1/exports/{export_id}/download")
    with urllib.request.urlopen(download.headers["location"], timeout=10) as response:
        rows = list(csv.reader(io.StringIO(response.read().decode("utf-8-sig"), newline="")))
    assert rows[0] == FIELDS and sorted(row[0] for row in rows[1:]) == [f"顧客{index}" for index in range(PEOPLE)]
    assert all(row[2] == row[0][-1] * 10_000 for row in rows[1:])
    mails = [item for item in outbox().items() if item["email_id"] == f"export-{export_id}"]
    assert len(mails) == 1  # one "ready" mail, no "failed" one
    run_queued_jobs()
    assert export_files(api)[0] == objects


def test_an_export_still_failing_on_its_last_delivery_is_failed_not_left_running(api, people, s3, monkeypatch):
    export_id = start_export(api)
    kill_mid_upload(api, export_id, s3, monkeypatch)
    s3.add("AbortMultipartUpload", s3_error())  # the dead attempt's upload cannot be dropped

    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    with pytest.raises(BatchProcessingError):  # the one record failed: SQS delivers it again
        run_export(api, export_id, receive_count=2)
    assert api.get(f"/v1/exports/{export_id}").body["status"] == "running"

    assert run_export(api, export_id, receive_count=3) == {"batchItemFailures": []}  # not to the dead letters
    failed = api.get(f"/v1/exports/{export_id}").body
    assert failed["status"] == "failed" and "try again" in failed["error"]
    assert_error(api.get(f"/v1/exports/{export_id}/download"), 409)
    assert export_files(api)[0] == []
    s3.clear()
    run_queued_jobs()


# --- 5. SQS partial batch failures ------------------------------------------------------------------


def three_tenants(api: Api) -> list[Api]:
    others = [Api(f"tenant-{uuid.uuid4().hex[:10]}") for _ in range(2)]
    return [api, *others]


def test_the_bulk_worker_reports_exactly_the_failed_messages(api, dynamodb):
    from infra.local.server import invoke_function

    run_queued_jobs()  # nothing of other tests left waiting
    tenants = three_tenants(api)
    ids, jobs = {}, {}
    for tenant in tenants:
        ids[tenant.tenant] = [create(tenant, family_name=f"対象{index}", status="new")["id"] for index in range(2)]
        reply = tenant.post("/v1/contacts/bulk",
                            {"selection": {"filter": {"field": "status", "op": "eq", "value": "new"}},
                             "action": "add_tags", "params": {"tags": ["一括"]}})
        assert reply.status == 202, reply.body
        jobs[tenant.tenant] = reply.body["id"]
    failing = tenants[1]
    dynamodb.add("TransactWriteItems", cancelled(), only=for_tenant(failing.tenant))  # its slice keeps conflicting

    result = invoke_function("BulkWorkerFunction", sqs_event(
        *((f"m-{index}", {"tenant": tenant.tenant, "job_id": jobs[tenant.tenant]})
          for index, tenant in enumerate(tenants))))

    assert result == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    for tenant in (tenants[0], tenants[2]):
        done = tenant.get(f"/v1/jobs/{jobs[tenant.tenant]}").body
        assert (done["status"], done["counts"]["ok"]) == ("succeeded", 2) and tag_counts(tenant) == {"一括": 2}
    halfway = failing.get(f"/v1/jobs/{jobs[failing.tenant]}").body
    assert (halfway["status"], halfway["processed"]) == ("running", 0) and tag_counts(failing) == {}

    dynamodb.clear()
    run_queued_jobs()  # the failed message comes back: the job resumes and writes its slice once
    done = failing.get(f"/v1/jobs/{jobs[failing.tenant]}").body
    assert (done["status"], done["processed"], done["counts"]["ok"]) == ("succeeded", 2, 2)
    assert tag_counts(failing) == {"一括": 2}
    assert all([entry["type"] for entry in timeline(failing, contact_id)] == ["tag_added"]
               for contact_id in ids[failing.tenant])


def test_the_export_worker_reports_exactly_the_failed_messages(api, dynamodb):
    from infra.local.server import invoke_function

    run_queued_jobs()
    tenants = three_tenants(api)
    exports = {}
    for tenant in tenants:
        create(tenant, family_name="山田", email="taro@example.jp")
        exports[tenant.tenant] = start_export(tenant)
    failing = tenants[2]
    dynamodb.add("GetItem", throttled(), only=for_tenant(failing.tenant))  # its job cannot even be read

    result = invoke_function("ExportWorkerFunction", sqs_event(
        *((f"m-{index}", {"tenant": tenant.tenant, "job_id": exports[tenant.tenant], "password": None})
          for index, tenant in enumerate(tenants))))

    assert result == {"batchItemFailures": [{"itemIdentifier": "m-2"}]}
    for tenant in tenants[:2]:
        assert tenant.get(f"/v1/exports/{exports[tenant.tenant]}").body["status"] == "succeeded"
    dynamodb.clear()
    assert failing.get(f"/v1/exports/{exports[failing.tenant]}").body["status"] == "queued"
    run_queued_jobs()
    assert failing.get(f"/v1/exports/{exports[failing.tenant]}").body["status"] == "succeeded"


# --- 6. SQS not taking a job's message ---------------------------------------------------------

def _queued_job_request(api: Api, kind: str) -> Callable[[], Any]:
    """The request that creates a job of `kind` and hands it to its queue (what it needs made first)."""
    if kind == "bulk action":
        return lambda: api.post("/v1/contacts/bulk",
                                {"selection": {"filter": {"field": "status", "op": "eq", "value": "new"}},
                                 "action": "add_tags", "params": {"tags": ["一括"]}})
    if kind == "export":
        return lambda: api.post("/v1/exports", {"reason": "障害試験", "fields": FIELDS})
    from stack_support import uploaded

    import_id = uploaded(api, "姓,メールアドレス\r\n新規,new@example.jp\r\n".encode())
    return lambda: api.post(f"/v1/imports/{import_id}/start",
                            {"mapping": {"姓": "family_name", "メールアドレス": "email"}})


@pytest.mark.parametrize("kind", ["bulk action", "export", "import"])
def test_a_job_the_queue_does_not_take_is_a_503_and_failed_not_left_queued(api, sqs, kind):
    yamada = create(api, family_name="山田", email="yamada@example.jp")
    request = _queued_job_request(api, kind)
    refused = sqs.add("SendMessage", raises=lambda: EndpointConnectionError(endpoint_url="https://sqs.fault"))

    assert_busy(request())

    assert refused.answered >= 1
    sqs.clear()
    jobs = api.get("/v1/jobs").body["items"]
    assert [job["status"] for job in jobs] == ["failed"], jobs
    assert run_queued_jobs(api.tenant) == 0
    assert api.get(f"/v1/contacts/{yamada['id']}").body["tags"] == []
    assert [contact["email"] for contact in api.post("/v1/contacts/search", {}).body["items"]] == ["yamada@example.jp"]


# --- 7. What DynamoDB leaves undone in a batch; plain writes meeting a transaction ------------------

BATCH_TRIES = 8  # shared.db.batches.BATCH_TRIES: a batch's undone part is sent this many times in all
PLAIN_WRITE_TRIES = 6  # shared.db.retries.PLAIN_WRITE_TRIES


def left_undone(request: Any) -> tuple[int, dict[str, str], bytes]:
    """DynamoDB taking none of a batch (its partitions throttled): every key or write comes back
    as UnprocessedKeys / UnprocessedItems in a 200 answer."""
    asked = json.loads(request.body)["RequestItems"]
    if "BatchGetItem" in request.headers.get("X-Amz-Target", b"").decode():
        body = {"Responses": {name: [] for name in asked}, "UnprocessedKeys": asked}
    else:
        body = {"UnprocessedItems": asked}
    return 200, {"Content-Type": "application/x-amz-json-1.0", "x-amzn-RequestId": "fault"}, json.dumps(body).encode()


def assert_backed_off_exponentially(delays: list[float], count: int) -> None:
    """`count` jittered delays, each within its exponential cap (shared.db.batches)."""
    assert len(delays) == count, delays
    assert all(0 <= delay <= min(1.0, 0.05 * 2 ** number) for number, delay in enumerate(delays)), delays


def test_a_read_whose_keys_come_back_unprocessed_is_sent_again_with_backoff_then_a_503(api, dynamodb, backoffs):
    contact = create(api, family_name="山田", email="taro@example.jp")
    passing = dynamodb.add("BatchGetItem", left_undone, times=3)

    reply = api.get(f"/v1/contacts/{contact['id']}")

    assert reply.status == 200 and reply.body["email"] == "taro@example.jp", reply.body
    assert passing.answered == 3 and dynamodb.count("BatchGetItem") == 1
    assert_backed_off_exponentially(backoffs.store, 3)

    dynamodb.clear()
    backoffs.store.clear()
    persistent = dynamodb.add("BatchGetItem", left_undone)
    assert_busy(api.get(f"/v1/contacts/{contact['id']}"))
    assert persistent.answered == BATCH_TRIES
    assert_backed_off_exponentially(backoffs.store, BATCH_TRIES - 1)


def partition(api: Api, contact_id: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {key: item for key, item in stored(api).items() if key[0] == f"TENANT#{api.tenant}#CONTACT#{contact_id}"}


def cleanup_markers(api: Api) -> list[str]:
    return [sk for pk, sk in stored(api) if sk.startswith("CLEANUP#")]


def with_timeline(api: Api, **fields: Any) -> dict[str, Any]:
    contact = create(api, **fields)
    for tag in ("展示会", "VIP"):
        assert api.patch(f"/v1/contacts/{contact['id']}", {"tags": [tag]}).status == 200
    assert len(partition(api, contact["id"])) > 2  # timeline entries beside the contact
    return contact


def test_a_delete_whose_batch_comes_back_unprocessed_sends_it_again_with_backoff(api, dynamodb, backoffs):
    contact = with_timeline(api, family_name="山田", email="taro@example.jp")
    passing = dynamodb.add("BatchWriteItem", left_undone, times=2)

    assert api.delete(f"/v1/contacts/{contact['id']}").status == 204

    assert passing.answered == 2 and dynamodb.count("BatchWriteItem") == 1
    assert_backed_off_exponentially(backoffs.store, 2)
    assert partition(api, contact["id"]) == {} and cleanup_markers(api) == []


def test_a_delete_cut_short_after_its_transaction_is_finished_later_and_orphans_nothing(api, dynamodb):
    contact = with_timeline(api, family_name="山田", email="taro@example.jp")
    other = create(api, family_name="佐藤")
    dynamodb.add("BatchWriteItem", left_undone)  # the timeline cannot be deleted, however often it is sent

    assert_busy(api.delete(f"/v1/contacts/{contact['id']}"))

    dynamodb.clear()
    assert api.get(f"/v1/contacts/{contact['id']}").status == 404  # the contact itself is gone
    assert partition(api, contact["id"]) != {} and cleanup_markers(api) == [f"CLEANUP#{contact['id']}"]
    again = create(api, family_name="山田", email="taro@example.jp")  # the address is free again
    assert again["id"] != contact["id"] and timeline(api, again["id"]) == []  # never the old timeline

    assert_error(api.delete(f"/v1/contacts/{contact['id']}"), 404)  # the same request sent again finishes it
    assert partition(api, contact["id"]) == {} and cleanup_markers(api) == []
    assert api.get(f"/v1/contacts/{other['id']}").status == 200 and api.get(f"/v1/contacts/{again['id']}").status == 200


def test_a_cut_short_delete_is_finished_by_the_next_delete_of_the_tenant(api, dynamodb):
    contact = with_timeline(api, family_name="山田")
    other = create(api, family_name="佐藤")
    dynamodb.add("BatchWriteItem", left_undone)
    assert_busy(api.delete(f"/v1/contacts/{contact['id']}"))
    dynamodb.clear()

    assert api.delete(f"/v1/contacts/{other['id']}").status == 204

    assert partition(api, contact["id"]) == {} and partition(api, other["id"]) == {} and cleanup_markers(api) == []


def transaction_conflict(request: Any) -> tuple[int, dict[str, str], bytes]:
    """A plain write meeting a transaction in flight on its item."""
    return dynamodb_error("TransactionConflictException", "Transaction is ongoing for the item")


PLAIN_WRITES = {  # a request whose write is a plain PutItem, its status, and what it leaves
    "settings": ("PutItem", lambda api: api.put("/v1/settings", {"name_order": "given_family"}), 200,
                 lambda api: api.get("/v1/settings").body["name_order"] == "given_family"),
    "a new tag": ("PutItem", lambda api: api.post("/v1/tags", {"name": "展示会"}), 201,
                  lambda api: tag_counts(api) == {"展示会": 0}),
}


@pytest.mark.parametrize("write", PLAIN_WRITES)
def test_a_plain_write_meeting_a_transaction_is_sent_again_then_a_503(api, dynamodb, backoffs, write):
    operation, request, status, written = PLAIN_WRITES[write]
    create(api, family_name="山田")
    before = stored(api)
    persistent = dynamodb.add(operation, transaction_conflict)

    assert_busy(request(api))
    assert persistent.answered == PLAIN_WRITE_TRIES and len(backoffs.store) == PLAIN_WRITE_TRIES - 1
    dynamodb.clear()
    assert stored(api) == before

    backoffs.store.clear()
    passing = dynamodb.add(operation, transaction_conflict, times=2)
    assert request(api).status == status
    assert passing.answered == 2 and dynamodb.count(operation) == 1 and len(backoffs.store) == 2
    assert written(api)
