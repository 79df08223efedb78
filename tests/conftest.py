"""Shared fixtures: one moto server per session (reached over HTTP like AWS), the table
provisioned from template.yaml, and an `api` client that drives the Lambda handlers through
the same API Gateway event builder and router as the local stack."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest

TABLE_NAME = "crm-test"


# --- IAM proven: every AWS call a function makes is allowed by its role in template.yaml ------
# (infra/local/iam_record.py records them, infra/iam.py judges them; the session fails on a denial)

_aws_calls: Counter = Counter()
_recording = contextlib.ExitStack()
_iam_verdict: list[list[str]] = []  # [denials, summary] once the session has finished


def pytest_configure(config):
    global _aws_calls
    from infra.local import iam_record

    iam_record.install()
    _aws_calls = _recording.enter_context(iam_record.recording())


# --- tiers: `make test-fast` leaves out the `slow` tests, `make test` runs every one ---------------
# The browser's (Chromium drives the served stack), and whole modules that start processes (sam
# build, the served stack, the CLI), load the stack, or fuzz every route: minutes, not seconds.
SLOW_FIXTURES = {"chromium", "console", "page"}
SLOW_MODULES = {"test_load", "test_request_bounds", "test_local_index_partitions", "test_contract_fuzz",
                "test_sam_build", "test_local_stack", "test_crm_cli", "test_deploy"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())) or item.module.__name__ in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


def pytest_sessionfinish(session, exitstatus):
    _recording.close()
    if not _aws_calls:
        return
    from infra.iam import check

    _iam_verdict[:] = check(_aws_calls, {**os.environ, **_ENV})
    if _iam_verdict[0]:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if _iam_verdict:
        denials, summary = _iam_verdict
        if denials:
            terminalreporter.section("AWS calls their function's IAM role denies", sep="=", red=True)
        for line in denials + summary:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory):
    """A moto server for the session; handler modules are imported after this points at it.
    The mail events function trusts the local SNS signer's certificate (infra/local/sns.py)."""
    from infra.local import sns
    from infra.local.moto_stack import EmbeddedMoto

    server = EmbeddedMoto()
    server.start()
    endpoint = server.endpoint_url
    signing = sns.configure(tmp_path_factory.mktemp("sns"), _ENV["AWS_DEFAULT_REGION"])
    saved = {name: os.environ.get(name) for name in (*_ENV, *signing)}
    os.environ.update({**_ENV, **signing, "AWS_ENDPOINT_URL": endpoint})
    from infra.provision import provision

    pool = provision(table_name=TABLE_NAME)  # USER_POOL_ID, USER_POOL_CLIENT_ID, APP_SECRET_ID, TRACKING_KEY_SECRET_ID
    _ENV.update(pool)
    os.environ.update(pool)
    yield endpoint
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    server.stop()


_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "ap-northeast-1",
    "AWS_ENDPOINT_URL": "",
    "TABLE_NAME": TABLE_NAME,
    "POWERTOOLS_SERVICE_NAME": "crm",
    "POWERTOOLS_METRICS_NAMESPACE": "Crm",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
    "TRACKING_BASE_URL": "https://track.example.test",
    "SES_CONFIGURATION_SET": "crm-test",
    "MAILBOX_SECRET_PREFIX": "crm-test/mailbox",
    "ALLOW_PRIVATE_SMTP_HOSTS": "true",
    "SCHEDULE_GROUP": "crm-test-emails",
    "SCHEDULER_ROLE_ARN": "arn:aws:iam::123456789012:role/crm-test-scheduler",
    "SCHEDULED_SEND_ARN": "arn:aws:lambda:ap-northeast-1:123456789012:function:ScheduledSendFunction",
    "INBOUND_BUCKET": "crm-inbound-test",
    "INBOUND_DOMAIN": "in.example.test",
    "BULK_QUEUE_URL": "https://sqs.ap-northeast-1.amazonaws.com/123456789012/crm-test-bulk",
    "EXPORT_QUEUE_URL": "https://sqs.ap-northeast-1.amazonaws.com/123456789012/crm-test-export",
    "FILES_BUCKET": "crm-test-files",
    "API_BASE_URL": "https://api.example.test",
    "NOTIFY_FROM": "CRM <noreply@crm.example.test>",
    # the user pool and the secrets `moto_endpoint` provisions: set once they exist
    "USER_POOL_ID": "",
    "USER_POOL_CLIENT_ID": "",
    "MEMBER_POOL_ID": "",
    "MEMBER_POOL_CLIENT_ID": "",
    "APP_SECRET_ID": "",
    "TRACKING_KEY_SECRET_ID": "",
}


def id_token(tenant: str, email: str, role: str, name: str | None = None) -> str:
    """An ID token the session's user pool (provisioned by `moto_endpoint`) issues to EMAIL, a ROLE
    of TENANT, as `crm-local token` has the local stack's pool issue one."""
    import boto3

    from infra.local.sign_in import pool_id_token

    return pool_id_token(boto3.client("cognito-idp"), _ENV["USER_POOL_ID"], _ENV["USER_POOL_CLIENT_ID"],
                         tenant, email, role, name)


# --- keeping the shared emulated table small ------------------------------------------------
# moto copies the whole table on every transaction and scans it on every query, so the suite
# slows down as the session's table grows. Each test's tenants are removed after it (and a
# module's shared tenants after the module); tests never share tenants, so this changes
# nothing they observe. (A Scan is fine here: this is test clean-up, not a request path.)

_tenants_made: list[str] = []


def _purge(tenants: set[str]) -> None:
    if not tenants:
        return
    import boto3

    client = boto3.client("dynamodb")
    prefixes = tuple(f"TENANT#{tenant}#" for tenant in tenants)
    exact = {f"TENANT#{tenant}" for tenant in tenants}
    doomed, start = [], None
    while True:
        page = client.scan(TableName=TABLE_NAME, ProjectionExpression="pk, sk",
                           **({"ExclusiveStartKey": start} if start else {}))
        doomed += [item for item in page["Items"]
                   if item["pk"]["S"] in exact or item["pk"]["S"].startswith(prefixes)]
        start = page.get("LastEvaluatedKey")
        if not start:
            break
    for index in range(0, len(doomed), 25):
        requests = [{"DeleteRequest": {"Key": key}} for key in doomed[index:index + 25]]
        while requests:
            unprocessed = client.batch_write_item(RequestItems={TABLE_NAME: requests}).get("UnprocessedItems", {})
            requests = unprocessed.get(TABLE_NAME, [])


@pytest.fixture(scope="module", autouse=True)
def _forget_module_tenants():
    yield
    _purge(set(_tenants_made))
    _tenants_made.clear()


@pytest.fixture(autouse=True)
def _forget_test_tenants(_forget_module_tenants):
    first = len(_tenants_made)
    yield
    _purge(set(_tenants_made[first:]) - set(_tenants_made[:first]))  # the module's tenants stay
    del _tenants_made[first:]


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def error(self) -> dict[str, Any]:
        return self.body["error"]


def enroll_member(tenant: str, user_id: str, role: str | None = None, name: str | None = None,
                  email: str | None = None) -> None:
    """Make `user_id` an active member of `tenant` with `role` (None: as they are if a member, else
    a user), the tenant's record too, through the directory only: the handlers never call Cognito
    for a member check."""
    from shared.db import members as store
    from shared.services import members

    _tenants_made.append(tenant)
    if role is None:
        known = store.get(tenant, user_id)
        if known is not None:
            return
        role = "user"
    members.seat(tenant, user_id, email or f"{user_id}@example.jp", role, name)


_enrolling = threading.Lock()


class Api:
    """Calls the handlers exactly as API Gateway would, as one user of one tenant: an active
    member of it (enrolled on the first call, so a test may still change the role first)."""

    def __init__(self, tenant: str, role: str = "owner", user: str | None = None):
        _tenants_made.append(tenant)
        self.tenant, self.role = tenant, role
        self.user_id = user or f"user-{uuid.uuid4().hex[:8]}"
        self.enrolled = False

    def as_(self, role: str, user: str | None = None) -> Api:
        return Api(self.tenant, role, user)

    def enroll(self) -> None:
        """Write this user's member record now (the first call does it otherwise); an Api whose
        claims no handler accepts (no plain tenant, an unknown role) has none."""
        from shared import keys
        from shared.domain.access import ROLES

        claims = self.claims()
        tenant, user_id, role = claims.get("custom:tenant_id"), claims.get("sub"), claims.get("custom:role")
        if tenant and keys.is_plain_id(tenant) and role in ROLES and user_id:
            enroll_member(tenant, user_id, role, claims.get("name"), claims.get("email"))
        self.enrolled = True

    def claims(self) -> dict[str, str]:
        return {
            "sub": self.user_id, "email": f"{self.user_id}@example.jp",
            "custom:tenant_id": self.tenant, "custom:role": self.role,
        }

    def member_claims(self) -> dict[str, str]:
        """The claims, once this user is a member (enrolled on first use)."""
        with _enrolling:  # a test's threads calling at once: each call after the record is in
            if not self.enrolled:
                self.enroll()
        return self.claims()

    def call(self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None,
             raw_body: str | None = None, authorized: bool = True) -> Reply:
        from infra.local.server import call_handler

        payload = raw_body if raw_body is not None else (None if body is None else json.dumps(body, ensure_ascii=False))
        result = call_handler(method, path, self.member_claims() if authorized else None, payload, query or {})
        text = result.get("body") or ""
        return Reply(result["statusCode"], json.loads(text) if text and text.lstrip()[:1] in "{[" else text,
                     {k.lower(): v for k, v in (result.get("headers") or {}).items()})

    def get(self, path, **kw): return self.call("GET", path, **kw)
    def post(self, path, body=None, **kw): return self.call("POST", path, body, **kw)
    def patch(self, path, body=None, **kw): return self.call("PATCH", path, body, **kw)
    def put(self, path, body=None, **kw): return self.call("PUT", path, body, **kw)
    def delete(self, path, **kw): return self.call("DELETE", path, **kw)


def assert_error(reply: Reply, status: int | tuple[int, ...], *fields: str) -> None:
    """The contract's error shape with one of the statuses, and (for 422s) details naming each field."""
    statuses = status if isinstance(status, tuple) else (status,)
    assert reply.status in statuses, (reply.status, reply.body)
    assert isinstance(reply.body, dict) and set(reply.body) == {"error"}, reply.body
    error = reply.body["error"]
    assert isinstance(error.get("code"), str) and error["code"], error
    assert isinstance(error.get("message"), str) and error["message"].strip(), error
    assert isinstance(error.get("details"), list), error
    named = {detail.get("field") for detail in error["details"]}
    for field in fields:
        assert field in named, f"details do not name {field!r}: {error['details']}"


def create(api: Api, **fields: Any) -> dict[str, Any]:
    """Create a contact through the API; it must answer 201. An `owner_id` named is made a member
    of the tenant first (owner_id must be one)."""
    if fields.get("owner_id"):
        enroll_member(api.tenant, fields["owner_id"])
    reply = api.post("/v1/contacts", fields)
    assert reply.status == 201, reply.body
    return reply.body


def contact_of(api: Api, contact_id: str) -> dict[str, Any]:
    """The contact as GET /v1/contacts/{id} answers it; it must answer 200."""
    reply = api.get(f"/v1/contacts/{contact_id}")
    assert reply.status == 200, reply.body
    return reply.body


@pytest.fixture
def api(moto_endpoint) -> Api:
    """An owner of a fresh tenant: every test gets its own tenant, so tests never see each other.
    Seated as a member before the test, so what a test counts or breaks excludes that."""
    owner = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    owner.enroll()
    return owner


# the console's end-to-end fixtures (tests/console_support.py): the served stack, Chromium, a page
from console_support import chromium, console, page, stubbed_hosts  # noqa: E402,F401
