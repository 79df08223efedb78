"""The local stack end to end: a real server on a free port over an embedded moto server.

Most tests serve a small route table of fake handlers, so they exercise what API Gateway
does (routing, the JWT authorizer, the event, the response) independently of the real
functions.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import threading
import time
from datetime import datetime
from email import message_from_string, policy
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit

import boto3
import pytest
from werkzeug.test import Client
from werkzeug.wrappers import Response

from infra.local.apigw import build_http_api_event, match_route
from infra.local.moto_stack import AwsEmulation
from infra.local.server import LocalApi, LocalEndpoint, LocalStack
from infra.local.sign_in import id_token
from infra.template import Route, http_routes
from stack_support import ServedStack
from token_support import OTHER_KEY, id_claims, signed

TABLE = "crm-local"


def _echo(event, context):
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(
            {
                "event": event,
                "function": context.function_name,
                "remaining": context.get_remaining_time_in_millis(),
            }
        ),
    }


def _fail(event, context):
    raise RuntimeError("boom")


def _plain(event, context):
    return {"hello": "world"}


def _binary_with_cookies(event, context):
    return {
        "statusCode": 201,
        "headers": {"Content-Type": "image/gif", "X-Count": 2},
        "cookies": ["a=1; Path=/", "b=2"],
        "body": base64.b64encode(b"GIF89a\x00\xff").decode(),
        "isBase64Encoded": True,
    }


class _OneAtATime:
    """A handler that notices overlapping invocations."""

    def __init__(self):
        self.active = self.most_active = 0
        self._lock = threading.Lock()

    def __call__(self, event, context):
        with self._lock:
            self.active += 1
            self.most_active = max(self.most_active, self.active)
        time.sleep(0.05)
        with self._lock:
            self.active -= 1
        return {"statusCode": 204}


HANDLERS = {"fake.echo": _echo, "fake.fail": _fail, "fake.plain": _plain, "fake.binary": _binary_with_cookies}
ROUTES = [
    Route("HealthFunction", "fake.echo", "GET", "/health", authorized=False),
    Route("ContactsApiFunction", "fake.echo", "GET", "/v1/contacts/{id}", authorized=True),
    Route("ContactsApiFunction", "fake.echo", "POST", "/v1/contacts/{id}", authorized=True),
    Route("ContactsApiFunction", "fake.echo", "POST", "/v1/contacts/lookup", authorized=True),
    Route("Fake", "fake.fail", "GET", "/fail", authorized=False),
    Route("Fake", "fake.plain", "GET", "/plain", authorized=False),
    Route("Fake", "fake.binary", "GET", "/binary", authorized=False),
    Route("Slow", "fake.slow", "GET", "/slow", authorized=False),
]


@pytest.fixture
def clean_env():
    """Whatever a stack sets in os.environ is undone after the test."""
    with mock.patch.dict(os.environ):
        for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "TABLE_NAME", "APP_SECRET_ID", "TRACKING_KEY_SECRET_ID"):
            os.environ.pop(name, None)
        yield


def _stack(data_dir: Path, **kwargs) -> LocalStack:
    kwargs.setdefault("routes", ROUTES)
    kwargs.setdefault("resolve_handler", HANDLERS.__getitem__)
    return LocalStack(data_dir, port=0, **kwargs)


@pytest.fixture
def stack(tmp_path, clean_env):
    with _stack(tmp_path / "data") as running:
        yield running


def _request(base_url, method, path, body=None, headers=()):
    url = urlsplit(base_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


def _token(stack, role="user"):
    """An ID token of the stack's own user pool."""
    return id_token(stack.data_dir, "tenant-1", "alice@example.com", role)


def _bearer(stack, **kwargs):
    return [("Authorization", f"Bearer {_token(stack, **kwargs)}")]


def _refused_by_the_gateway(status, headers, body, reason=None):
    """API Gateway's own 401 (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-jwt.html)."""
    assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})
    assert headers["Content-Type"] == "application/json"
    assert reason is None or reason in headers["www-authenticate"], headers["www-authenticate"]


def _dynamodb(endpoint_url):
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint_url,
        region_name="ap-northeast-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )


# --- the API in front of the handlers ---------------------------------------------------


def test_public_route_reaches_handler_without_authorizer(stack):
    status, headers, body = _request(stack.url, "GET", "/health")

    assert status == 200
    assert headers["Content-Type"] == "application/json"
    event = json.loads(body)["event"]
    assert event["routeKey"] == "GET /health"
    assert "authorizer" not in event["requestContext"]
    assert json.loads(body)["function"] == "HealthFunction"


def test_missing_token_is_401_before_the_handler(stack):
    with mock.patch.dict(HANDLERS, {"fake.echo": mock.Mock(side_effect=AssertionError("handler called"))}):
        status, headers, body = _request(stack.url, "GET", "/v1/contacts/c1")

    _refused_by_the_gateway(status, headers, body)


@pytest.mark.parametrize(
    "authorization",
    ["Bearer not-a-jwt", "Bearer a.b.c", "Basic dXNlcjpwYXNz", "Bearer "],
)
def test_bad_token_is_401(stack, authorization):
    status, headers, body = _request(
        stack.url, "GET", "/v1/contacts/c1", headers=[("Authorization", authorization)]
    )

    _refused_by_the_gateway(status, headers, body)


def test_token_of_another_key_or_expired_is_401(stack):
    """The stack's own pool names the issuer and audience (os.environ, as the stack set them)."""
    foreign = signed(id_claims(os.environ), key=OTHER_KEY)
    expired = signed(id_claims(os.environ, exp=int(time.time()) - 10))

    for token, reason in ((foreign, "Signature verification failed"), (expired, "expired")):
        status, headers, body = _request(
            stack.url, "GET", "/v1/contacts/c1", headers=[("Authorization", f"Bearer {token}")]
        )
        _refused_by_the_gateway(status, headers, body, reason)


def test_valid_token_reaches_handler_with_claims_and_request(stack):
    status, _, body = _request(
        stack.url,
        "GET",
        "/v1/contacts/abc%20d%C3%A9f?tag=a&tag=b&q=%E5%B1%B1%E7%94%B0&empty=",
        headers=[*_bearer(stack, role="manager"), ("X-Multi", "1"), ("X-Multi", "2"), ("Cookie", "s=1; t=2")],
    )

    assert status == 200
    event = json.loads(body)["event"]
    assert event["version"] == "2.0"
    assert event["routeKey"] == "GET /v1/contacts/{id}"
    assert event["rawPath"] == event["requestContext"]["http"]["path"] == "/v1/contacts/abc déf"  # as AWS
    assert event["rawQueryString"] == "tag=a&tag=b&q=%E5%B1%B1%E7%94%B0&empty="
    assert event["pathParameters"] == {"id": "abc déf"}
    assert event["queryStringParameters"] == {"tag": "a,b", "q": "山田", "empty": ""}
    assert event["headers"]["x-multi"] == "1,2"
    assert event["cookies"] == ["s=1", "t=2"]
    assert "cookie" not in event["headers"]
    assert event["headers"]["x-forwarded-for"] == "127.0.0.1"
    assert event["isBase64Encoded"] is False
    assert "body" not in event
    context = event["requestContext"]
    assert (context["routeKey"], context["stage"], context["http"]["method"]) == (
        "GET /v1/contacts/{id}",
        "$default",
        "GET",
    )
    assert context["http"]["sourceIp"] == "127.0.0.1"
    claims = context["authorizer"]["jwt"]["claims"]
    assert claims["custom:tenant_id"] == "tenant-1"
    assert claims["custom:role"] == "manager"
    assert claims["email"] == "alice@example.com"
    assert isinstance(claims["exp"], str) and claims["exp"].isdigit()  # API Gateway passes claims as strings
    assert context["authorizer"]["jwt"]["scopes"] is None
    assert 0 < json.loads(body)["remaining"] <= 29_000


def test_request_body_text_or_base64(stack):
    text = json.dumps({"name": "山田"}).encode()
    _, _, body = _request(
        stack.url,
        "POST",
        "/v1/contacts/c1",
        text,
        headers=[*_bearer(stack), ("Content-Type", "application/json")],
    )
    event = json.loads(body)["event"]
    assert (event["body"], event["isBase64Encoded"]) == (text.decode(), False)

    binary = b"\x89PNG\r\n\x1a\n\xff\xfe"
    _, _, body = _request(stack.url, "POST", "/v1/contacts/c1", binary, headers=_bearer(stack))
    event = json.loads(body)["event"]
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == binary


def test_literal_route_beats_parameter(stack):
    _, _, lookup = _request(stack.url, "POST", "/v1/contacts/lookup", b"{}", headers=_bearer(stack))
    _, _, by_id = _request(stack.url, "POST", "/v1/contacts/c1", b"{}", headers=_bearer(stack))

    assert json.loads(lookup)["event"]["routeKey"] == "POST /v1/contacts/lookup"
    assert "pathParameters" not in json.loads(lookup)["event"]
    assert json.loads(by_id)["event"]["pathParameters"] == {"id": "c1"}


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/nope"), ("GET", "/v1/contacts/c1/extra"), ("DELETE", "/health"), ("GET", "/v1/contacts/")],
)
def test_unknown_route_is_404_like_api_gateway(stack, method, path):
    status, headers, body = _request(stack.url, method, path, headers=_bearer(stack))

    assert (status, json.loads(body)) == (404, {"message": "Not Found"})
    assert headers["Content-Type"] == "application/json"


def test_handler_exception_is_500(stack, caplog):
    status, _, body = _request(stack.url, "GET", "/fail")

    assert (status, json.loads(body)) == (500, {"message": "Internal Server Error"})
    assert "RuntimeError: boom" in caplog.text


def test_result_without_status_code_is_a_json_200(stack):
    status, headers, body = _request(stack.url, "GET", "/plain")

    assert (status, headers["Content-Type"], json.loads(body)) == (
        200,
        "application/json",
        {"hello": "world"},
    )


def test_full_result_with_cookies_and_base64_body(stack):
    status, headers, body = _request(stack.url, "GET", "/binary")

    assert (status, body) == (201, b"GIF89a\x00\xff")
    assert headers["Content-Type"] == "image/gif"
    assert headers["X-Count"] == "2"
    assert headers.get_all("Set-Cookie") == ["a=1; Path=/", "b=2"]


def test_a_function_runs_one_invocation_at_a_time(stack):
    slow = _OneAtATime()
    with mock.patch.dict(HANDLERS, {"fake.slow": slow}):
        threads = [threading.Thread(target=_request, args=(stack.url, "GET", "/slow")) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert slow.most_active == 1


def test_local_endpoints_take_no_token_and_come_first():
    seen = []

    def outbox(request):
        seen.append(request.path)
        return Response(json.dumps({"items": []}), content_type="application/json")

    api = LocalApi(
        routes=ROUTES,
        resolve_handler=HANDLERS.__getitem__,
        local_endpoints=[LocalEndpoint("GET", "/_local/outbox", outbox)],
    )
    client = Client(api)

    assert client.get("/_local/outbox").json == {"items": []}
    assert client.post("/_local/outbox").status_code == 404
    assert seen == ["/_local/outbox"]


def test_request_log_line(stack, caplog):
    caplog.set_level("INFO", logger="crm-local")

    _request(stack.url, "GET", "/v1/nope")

    assert any(message.startswith("GET /v1/nope 404 ") and message.endswith("ms") for message in caplog.messages)


# --- persistence -----------------------------------------------------------------------


def _put(endpoint_url, pk):
    _dynamodb(endpoint_url).put_item(
        TableName=TABLE,
        Item={
            "pk": {"S": pk},
            "sk": {"S": "A"},
            "blob": {"B": b"\x00\xffdata"},
            "nested": {"M": {"list": {"L": [{"N": "1.5"}, {"BS": [b"\x01", b"\x02"]}, {"NULL": True}]}}},
        },
    )


def _get(endpoint_url, pk):
    return (
        _dynamodb(endpoint_url).get_item(TableName=TABLE, Key={"pk": {"S": pk}, "sk": {"S": "A"}}).get("Item")
    )


def test_state_survives_a_restart_only_with_the_same_data_folder(tmp_path, clean_env):
    data_dir = tmp_path / "data"
    with _stack(data_dir) as first:
        assert first.aws.embedded
        _put(first.aws.endpoint_url, "TENANT#1")
    assert "AWS_ENDPOINT_URL" not in os.environ
    assert (data_dir / "dynamodb" / f"{TABLE}.jsonl").exists()

    with _stack(tmp_path / "other") as other:
        assert _get(other.aws.endpoint_url, "TENANT#1") is None  # a fresh emulation, nothing left in memory

    with _stack(data_dir) as second:
        item = _get(second.aws.endpoint_url, "TENANT#1")

    assert item["blob"] == {"B": b"\x00\xffdata"}
    assert item["nested"]["M"]["list"]["L"] == [{"N": "1.5"}, {"BS": [b"\x01", b"\x02"]}, {"NULL": True}]


def test_a_large_snapshot_is_saved_and_restored_in_one_pass_without_requests(tmp_path, clean_env, monkeypatch):
    """A save reads moto's table once, not a Scan page at a time (moto sorts the whole table for
    each page and steps over every item before it: a stop took minutes at 100,000 contacts); a
    restore puts the items in place, not 25 a BatchWriteItem. What comes back is what was saved."""
    from infra.local import moto_stack

    targets: list[str] = []
    judge = moto_stack._changes_snapshotted_state
    monkeypatch.setattr(moto_stack, "_changes_snapshotted_state",
                        lambda environ: targets.append(environ.get("HTTP_X_AMZ_TARGET", "")) or judge(environ))
    written = [{"pk": {"S": f"TENANT#9#CONTACT#{number:04d}"}, "sk": {"S": "CONTACT"}, "text": {"S": "長" * 300},
                "gsi1pk": {"S": "9#CONTACTS"}, "gsi1sk": {"S": f"0#{number:04d}"}} for number in range(3_000)]
    with _stack(tmp_path / "data", snapshot_interval=3600) as first:  # 3,000 items of 1 KB: Scan pages of 1 MB
        client = _dynamodb(first.aws.endpoint_url)
        for start in range(0, len(written), 25):
            client.batch_write_item(RequestItems={TABLE: [{"PutRequest": {"Item": item}}
                                                          for item in written[start:start + 25]]})
        targets.clear()
    assert [target for target in targets if target.startswith("DynamoDB")] == []  # the final save, the table dropped

    with _stack(tmp_path / "data") as second:
        assert not [target for target in targets if target.endswith(("Scan", "BatchWriteItem", "PutItem"))]
        client = _dynamodb(second.aws.endpoint_url)
        restored = [item for page in client.get_paginator("scan").paginate(TableName=TABLE) for item in page["Items"]]
        newest = client.query(TableName=TABLE, IndexName="GSI1", KeyConditionExpression="gsi1pk = :p",
                              ExpressionAttributeValues={":p": {"S": "9#CONTACTS"}}, ScanIndexForward=False, Limit=2)

    assert sorted(restored, key=lambda item: item["pk"]["S"]) == written
    assert [item["pk"]["S"] for item in newest["Items"]] == ["TENANT#9#CONTACT#2999", "TENANT#9#CONTACT#2998"]


@pytest.mark.parametrize(("target", "method", "changes"), [
    ("DynamoDB_20120810.PutItem", "POST", True), ("DynamoDB_20120810.TransactWriteItems", "POST", True),
    ("DynamoDB_20120810.Query", "POST", False), ("DynamoDB_20120810.BatchGetItem", "POST", False),
    ("AmazonSQS.ReceiveMessage", "POST", False), ("AmazonSQS.DeleteMessage", "POST", False), ("", "PUT", False),
])
def test_only_a_write_to_the_table_makes_the_next_snapshot_save(target, method, changes):
    """The queues poll SQS every second: an idle stack of 100,000 contacts saved its table again
    and again, and every stop saved it once more."""
    from infra.local import moto_stack

    assert moto_stack._changes_snapshotted_state({"HTTP_X_AMZ_TARGET": target, "REQUEST_METHOD": method}) is changes


def test_snapshot_is_written_periodically_while_running(tmp_path, clean_env):
    snapshot = tmp_path / "data" / "dynamodb" / f"{TABLE}.jsonl"
    with _stack(tmp_path / "data", snapshot_interval=0.1) as running:
        time.sleep(0.3)
        assert not snapshot.exists()  # nothing changed, nothing written
        _put(running.aws.endpoint_url, "TENANT#2")
        deadline = time.monotonic() + 5
        while not snapshot.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "TENANT#2" in snapshot.read_text()


def test_external_endpoint_is_provisioned_and_not_snapshotted(tmp_path, clean_env):
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    external = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    external.start()
    host, port = external.get_host_and_port()
    endpoint_url = f"http://{host}:{port}"
    os.environ["AWS_ENDPOINT_URL"] = endpoint_url
    aws = AwsEmulation(tmp_path / "data", TABLE)
    try:
        assert aws.start() == endpoint_url
        assert not aws.embedded
        _put(endpoint_url, "TENANT#3")
        aws.stop()
        assert os.environ["AWS_ENDPOINT_URL"] == endpoint_url
        assert not list((tmp_path / "data").rglob("*"))  # no snapshot; the stack's description removed
    finally:
        _dynamodb(endpoint_url).delete_table(TableName=TABLE)
        external.stop()


def test_serve_with_the_real_functions_and_stop_cleanly_on_sigterm(tmp_path):
    stack = ServedStack(tmp_path / "data")
    try:
        _put(stack.endpoint, "TENANT#4")
        status, _, body = _request(stack.url, "GET", "/health")  # the real contacts function
        assert (status, json.loads(body)) == (200, {"status": "ok"})
        status, _, body = _request(stack.url, "GET", "/v1/contacts")
        assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})
        stack.stop()
    finally:
        stack.process.kill()
    assert "TENANT#4" in (tmp_path / "data" / "dynamodb" / f"{TABLE}.jsonl").read_text()


def test_served_stack_sends_lists_its_outbox_tracks_and_sends_scheduled_mail_by_itself(tmp_path):
    """The local stack end to end: an email sent now and one scheduled a second ahead both show
    in GET /_local/outbox (the second sent by the stack's own scheduler, within its 15 s), and
    the open pixel of the sent message answers on the stack's own URL."""
    stack = ServedStack(tmp_path / "data")
    try:
        token = id_token(tmp_path / "data", "acme", "rep@acme.co.jp", "owner", name="営業 花子")
        auth = [("Authorization", f"Bearer {token}"), ("Content-Type", "application/json")]

        def call(method, path, body=None):
            status, _, raw = _request(stack.url, method, path,
                                      None if body is None else json.dumps(body).encode(), auth)
            return status, json.loads(raw) if raw else None

        status, contact = call("POST", "/v1/contacts", {"family_name": "山田", "email": "taro@example.jp"})
        assert status == 201, contact
        status, now = call("POST", "/v1/emails", {"contact_id": contact["id"], "subject": "ご提案",
                                                  "body_html": "<p>資料です</p>", "bcc": ["boss@acme.co.jp"]})
        assert (status, now["status"]) == (201, "sent"), now
        send_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 2))
        status, later = call("POST", "/v1/emails", {"contact_id": contact["id"], "subject": "予約送信",
                                                    "body_text": "本文", "send_at": send_at})
        assert (status, later["status"]) == (201, "scheduled"), later

        status, _, body = _request(stack.url, "GET", "/_local/outbox")
        first = json.loads(body)["items"][0]
        assert status == 200
        assert {key: first[key] for key in ("transport", "from", "to", "cc", "bcc", "subject")} == {
            "transport": "ses", "from": "rep@acme.co.jp", "to": ["taro@example.jp"], "cc": [],
            "bcc": ["boss@acme.co.jp"], "subject": "ご提案"}
        assert (f"Message-ID: <{now['provider_message_id']}@ap-northeast-1.amazonses.com>" in first["raw"]
                and "boss@acme.co.jp" not in first["raw"])

        html = message_from_string(first["raw"], policy=policy.default).get_body(("html",)).get_content()
        pixel = re.search(r"/t/o/[\w-]+", html).group(0)
        status, headers, image = _request(stack.url, "GET", pixel,
                                          headers=[("User-Agent", "Mozilla/5.0 (Macintosh) Safari/605")])
        assert (status, headers["Content-Type"], image[:6]) == (200, "image/gif", b"GIF89a")

        deadline = time.time() + 30
        while time.time() < deadline:
            status, _, body = _request(stack.url, "GET", "/_local/outbox")
            if len(json.loads(body)["items"]) == 2:
                break
            time.sleep(0.5)
        assert [item["subject"] for item in json.loads(body)["items"]] == ["ご提案", "予約送信"]
        status, stored = call("GET", f"/v1/emails/{later['id']}")
        # as times, not strings: "…:21.591Z" is after "…:21Z", though "." sorts before "Z"
        assert stored["status"] == "sent" and _moment(stored["sent_at"]) >= _moment(send_at)
        status, opened = call("GET", f"/v1/emails/{now['id']}")
        assert opened["open_count"] == 1
        stack.stop()
    finally:
        stack.process.kill()


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_served_stack_serves_the_snippet_and_takes_its_beacons(tmp_path):
    """Web collection over HTTP, as a browser on http://localhost:8000 would use it: the
    snippet, then text/plain beacons with the page's Origin."""
    stack = ServedStack(tmp_path / "data")
    try:
        token = id_token(tmp_path / "data", "acme", "rep@acme.co.jp", "owner")
        auth = [("Authorization", f"Bearer {token}"), ("Content-Type", "application/json")]
        body = json.dumps({"name": "site", "allowed_origins": ["http://localhost:8000"]}).encode()
        status, _, raw = _request(stack.url, "POST", "/v1/site-keys", body, auth)
        assert status == 201, raw
        site_key = json.loads(raw)["site_key"]
        status, headers, script = _request(stack.url, "GET", "/collect.js")
        assert (status == 200 and headers["Content-Type"].startswith("application/javascript")
                and b"sendBeacon" in script)

        browser = [("Origin", "http://localhost:8000"), ("Content-Type", "text/plain;charset=UTF-8"),
                   ("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36")]
        for hit in ({"type": "page_view", "url": "http://localhost:8000/"},
                    {"type": "form_submitted", "url": "http://localhost:8000/contact", "email": "hanako@example.jp"}):
            beacon = json.dumps({"site_key": site_key, "visitor_id": "local-visitor-000001", **hit}).encode()
            status, headers, raw = _request(stack.url, "POST", "/collect", beacon, browser)
            assert (status, headers["Access-Control-Allow-Origin"]) == (204, "http://localhost:8000"), raw
        status, _, raw = _request(stack.url, "POST", "/collect", beacon, [("Origin", "http://evil.test"), *browser[1:]])
        assert status == 403, raw

        lookup = json.dumps({"field": "email", "values": ["hanako@example.jp"]}).encode()
        [contact] = json.loads(_request(stack.url, "POST", "/v1/contacts/lookup", lookup, auth)[2])["found"]
        status, _, raw = _request(stack.url, "GET", f"/v1/contacts/{contact['id']}/timeline", None, auth)
        assert [entry["type"] for entry in json.loads(raw)["items"]] == ["form_submitted", "page_view"]
        stack.stop()
    finally:
        stack.process.kill()


def test_served_stack_runs_bulk_jobs_from_its_queue(tmp_path):
    """A bulk action over 100 contacts becomes a job; the stack delivers its queue to the
    worker by itself, as Lambda's SQS trigger does."""
    stack = ServedStack(tmp_path / "data")
    try:
        token = id_token(tmp_path / "data", "acme", "rep@acme.co.jp", "owner")
        auth = [("Authorization", f"Bearer {token}"), ("Content-Type", "application/json")]

        def call(method, path, body=None):
            status, _, raw = _request(stack.url, method, path,
                                      None if body is None else json.dumps(body).encode(), auth)
            return status, json.loads(raw) if raw else None

        ids = [call("POST", "/v1/contacts", {"family_name": f"顧客{index}"})[1]["id"] for index in range(101)]
        status, job = call("POST", "/v1/contacts/bulk", {"selection": {"ids": ids}, "action": "add_tags",
                                                          "params": {"tags": ["一括"]}})
        assert (status, job["status"]) == (202, "queued"), job
        deadline = time.time() + 30
        while time.time() < deadline and job["status"] != "succeeded":
            time.sleep(0.5)
            job = call("GET", f"/v1/jobs/{job['id']}")[1]
        assert (job["status"], job["counts"]["ok"]) == ("succeeded", 101), job
        assert call("GET", "/v1/tags")[1]["items"] == [{"name": "一括", "contact_count": 101}]
        stack.stop()
    finally:
        stack.process.kill()


# --- route matching and the event, without a server ------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "route_key", "parameters"),
    [
        ("POST", "/v1/contacts/lookup", "POST /v1/contacts/lookup", {}),
        ("GET", "/v1/contacts/lookup", "GET /v1/contacts/{id}", {"id": "lookup"}),
        ("PATCH", "/v1/contacts/c%2F1", "PATCH /v1/contacts/{id}", {"id": "c/1"}),
        ("GET", "/v1/contacts", "GET /v1/contacts", {}),
        ("GET", "/health", "GET /health", {}),
    ],
)
def test_match_route_on_the_template(method, path, route_key, parameters):
    route, path_parameters = match_route(http_routes(), method, path)

    assert (route.route_key, path_parameters) == (route_key, parameters)


def test_match_route_greedy_and_any():
    routes = [
        Route("F", "h", "ANY", "/files/{proxy+}", False),
        Route("F", "h", "GET", "/files/{proxy+}", False),
        Route("F", "h", "GET", "/files/{id}/meta", False),
    ]

    assert match_route(routes, "GET", "/files/a/meta") == (routes[2], {"id": "a"})
    assert match_route(routes, "GET", "/files/a/b/c") == (routes[1], {"proxy": "a/b/c"})
    assert match_route(routes, "PUT", "/files/a") == (routes[0], {"proxy": "a"})
    assert match_route(routes, "GET", "/files") is None
    assert match_route(routes, "GET", "/files/") is None


def test_event_for_tests_driving_handlers_directly():
    event = build_http_api_event(
        "post",
        "/v1/contacts",
        "POST /v1/contacts",
        query_string={"a": ["1", "2"]},
        headers=[("Content-Type", "application/json"), ("Cookie", "x=1"), ("cookie", "y=2")],
        body_bytes='{"family_name": "山田"}',
        claims={
            "sub": "u1",
            "custom:tenant_id": "t1",
            "email_verified": True,
            "cognito:groups": ["a", "b"],
            "iat": 5,
        },
        request_id="req-1",
        time_epoch_ms=1_700_000_000_000,
    )

    assert event["rawQueryString"] == "a=1&a=2"
    assert event["queryStringParameters"] == {"a": "1,2"}
    assert event["headers"] == {"content-type": "application/json"}
    assert event["cookies"] == ["x=1", "y=2"]
    assert event["body"] == '{"family_name": "山田"}'
    assert "pathParameters" not in event
    context = event["requestContext"]
    assert context["http"]["method"] == "POST"
    assert context["requestId"] == "req-1"
    assert (context["time"], context["timeEpoch"]) == ("14/Nov/2023:22:13:20 +0000", 1_700_000_000_000)
    assert context["authorizer"]["jwt"]["claims"] == {
        "sub": "u1",
        "custom:tenant_id": "t1",
        "email_verified": "true",
        "cognito:groups": "[a b]",
        "iat": "5",
    }


# --- one stalled client must not stall the emulator (infra/local/moto_stack._SerialisedMoto) ---

def _stalled_put(endpoint: str):
    """A raw client that sends a PUT's headers (curl's default form content type, a body
    announced) and then nothing: the emulator must not wait for it under its lock."""
    import socket

    parts = urlsplit(endpoint)
    client = socket.create_connection((parts.hostname, parts.port), timeout=10)
    client.sendall(b"PUT /some-bucket/some-key HTTP/1.1\r\nHost: " + parts.netloc.encode() + b"\r\n"
                   b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nname=")
    return client


def test_a_stalled_request_does_not_hold_up_other_calls(moto_endpoint):
    from botocore.config import Config

    stalled = _stalled_put(moto_endpoint)
    try:
        time.sleep(0.3)  # the stalled request is in the server by now
        dynamodb = boto3.client("dynamodb", endpoint_url=moto_endpoint, region_name="ap-northeast-1",
                                config=Config(read_timeout=5, connect_timeout=5, retries={"max_attempts": 1}))
        started = time.monotonic()
        assert dynamodb.list_tables()["TableNames"]
        assert time.monotonic() - started < 5
    finally:
        stalled.close()


def test_a_stalled_request_is_answered_408_after_the_body_timeout(moto_endpoint, monkeypatch):
    from infra.local import moto_stack

    monkeypatch.setattr(moto_stack, "BODY_READ_TIMEOUT_SECONDS", 0.5)
    stalled = _stalled_put(moto_endpoint)
    try:
        answer = stalled.recv(4096)
    finally:
        stalled.close()
    assert answer.startswith(b"HTTP/1.1 408"), answer
