"""Where AWS refuses what moto forgives, and the local stack must too: presigned S3 URLs (SigV4
signing only `host`, on the regional virtual host in AWS) checked by the emulated S3 as S3 checks
them, their lifetime bounded by the signing credentials', a missing object answered 403 (the
functions may not list buckets), the gateway's limits (10 MB request, 6 MB Lambda response, 30 s
integration timeout) and Secrets Manager's forced deletion finishing in the background."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from werkzeug.test import Client

from infra.local.server import MAX_PAYLOAD_BYTES, MAX_RESPONSE_BYTES, ApiServer, LocalApi
from infra.template import Route

BUCKET = "crm-test-files"
REGION = "ap-northeast-1"


def sigv4_query(url: str) -> dict[str, str]:
    """The URL's query, checked to be a SigV4 presigned URL of S3 in the region signing only `host`."""
    query = {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
    assert query["X-Amz-Algorithm"] == "AWS4-HMAC-SHA256", query
    assert query["X-Amz-SignedHeaders"] == "host", query
    assert query["X-Amz-Credential"].split("/")[2:] == [REGION, "s3", "aws4_request"], query
    assert "Signature" not in query and "AWSAccessKeyId" not in query
    return query


def s3_answer(url: str, method: str = "GET", data: bytes | None = None,
              headers: dict[str, str] | None = None) -> tuple[int, str]:
    """(status, the S3 error code or the body) of a request to a presigned URL."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        body = error.read().decode()
        return error.code, body.partition("<Code>")[2].partition("</Code>")[0]


def s3_client(**config):
    return boto3.client("s3", region_name=REGION, config=Config(s3={"addressing_style": "path"}, **config))


# --- presigned URLs -----------------------------------------------------------------------------

def test_the_upload_url_is_sigv4_signing_only_host_and_takes_any_content_type(api):
    reply = api.post("/v1/imports", {})
    assert reply.status == 201, reply.body
    url = reply.body["upload_url"]
    assert int(sigv4_query(url)["X-Amz-Expires"]) == reply.body["upload_expires_in"] == 3600

    for content_type in ("text/csv", "application/octet-stream", "text/csv; charset=utf-8"):
        assert s3_answer(url, "PUT", b"a,b\r\n1,2\r\n", {"Content-Type": content_type})[0] == 200, content_type
    assert s3_client().get_object(Bucket=BUCKET,
                                  Key=urlsplit(url).path.split("/", 2)[2])["Body"].read() == b"a,b\r\n1,2\r\n"


def test_in_aws_presigned_urls_are_on_the_regional_virtual_host(moto_endpoint, monkeypatch):
    """Without AWS_ENDPOINT_URL (in AWS), the bucket is in the host name and the region in both."""
    from shared import aws, files

    monkeypatch.delenv("AWS_ENDPOINT_URL")
    in_aws = aws.client.__wrapped__("s3")
    monkeypatch.setattr(files, "client", lambda service: in_aws)

    for signed in (files.upload_url("crm-files", "imports/t/1", 3600),
                   files.download_url("crm-files", "exports/t/1/顧客.csv", "顧客.csv", 300)):
        parts = urlsplit(signed.url)
        assert (parts.scheme, parts.netloc) == ("https", f"crm-files.s3.{REGION}.amazonaws.com"), signed.url
        assert parts.path.startswith(("/imports/", "/exports/"))
        assert int(sigv4_query(signed.url)["X-Amz-Expires"]) == signed.seconds


def test_a_presigned_url_promises_no_longer_than_its_credentials_last(api, monkeypatch):
    """Signed with temporary credentials, a URL dies with them: the answer says so."""
    from shared import aws, files

    expiry = datetime.now(UTC) + timedelta(minutes=20)
    monkeypatch.setenv("AWS_CREDENTIAL_EXPIRATION", expiry.isoformat())
    # a session of its own reads the credentials again (the functions' clients share PynamoDB's, read once)
    with_expiry = botocore.session.get_session().create_client("s3", region_name=REGION, config=aws._config("s3"))
    monkeypatch.setattr(files, "client", lambda service: with_expiry)

    reply = api.post("/v1/imports", {})

    assert reply.status == 201, reply.body
    assert 19 * 60 <= reply.body["upload_expires_in"] <= 20 * 60
    assert int(sigv4_query(reply.body["upload_url"])["X-Amz-Expires"]) == reply.body["upload_expires_in"]


def test_the_emulated_s3_checks_presigned_urls_as_s3_does(moto_endpoint):
    s3 = s3_client(signature_version="s3v4")
    key = f"strict/{uuid.uuid4().hex}.txt"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"hello")
    good = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=60)
    assert s3_answer(good) == (200, "hello")

    tampered = good[:-1] + ("0" if good[-1] != "0" else "1")
    assert s3_answer(tampered) == (403, "SignatureDoesNotMatch")
    assert s3_answer(good.replace(key, "strict/other.txt")) == (403, "SignatureDoesNotMatch")
    assert s3_answer(good, "HEAD")[0] == 403  # signed for GET

    typed = s3.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": key, "ContentType": "text/csv"},
                                      ExpiresIn=60)
    assert s3_answer(typed, "PUT", b"x", {"Content-Type": "application/json"}) == (403, "SignatureDoesNotMatch")
    assert s3_answer(typed, "PUT", b"x", {"Content-Type": "text/csv"})[0] == 200

    sigv2 = s3_client(signature_version="s3").generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=60)
    assert "Signature=" in sigv2 and s3_answer(sigv2) == (400, "InvalidRequest")

    stranger = boto3.client("s3", region_name=REGION, aws_access_key_id="AKIDSTRANGER", aws_secret_access_key="x",
                            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
    foreign = stranger.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=60)
    assert s3_answer(foreign) == (403, "InvalidAccessKeyId")

    short = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=1)
    time.sleep(2.1)
    assert s3_answer(short) == (403, "AccessDenied")


def test_a_missing_object_is_403_to_a_caller_without_list_bucket(moto_endpoint):
    s3 = s3_client()
    missing = f"imports/nobody/{uuid.uuid4().hex}"

    with pytest.raises(ClientError) as head:
        s3.head_object(Bucket=BUCKET, Key=missing)
    with pytest.raises(ClientError) as get:
        s3.get_object(Bucket=BUCKET, Key=missing)
    with pytest.raises(ClientError) as no_bucket:
        s3.head_bucket(Bucket=f"no-such-bucket-{uuid.uuid4().hex[:8]}")

    assert head.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert get.value.response["Error"]["Code"] == "AccessDenied"
    assert no_bucket.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404  # buckets: as before
    s3.put_object(Bucket=BUCKET, Key=missing, Body=b"now here")
    assert s3.head_object(Bucket=BUCKET, Key=missing)["ContentLength"] == 8


# --- Secrets Manager ----------------------------------------------------------------------------

def test_a_forced_deletion_finishes_in_the_background(moto_endpoint, monkeypatch):
    from infra.local import strict_secrets

    monkeypatch.setattr(strict_secrets, "FORCED_DELETION_SECONDS", 0.5)
    secrets = boto3.client("secretsmanager", region_name=REGION)
    name = f"crm-test/strict/{uuid.uuid4().hex}"
    secrets.create_secret(Name=name, SecretString="first")
    secrets.delete_secret(SecretId=name, ForceDeleteWithoutRecovery=True)

    with pytest.raises(ClientError) as again:
        secrets.create_secret(Name=name, SecretString="second")
    with pytest.raises(ClientError) as read:
        secrets.get_secret_value(SecretId=name)
    assert again.value.response["Error"]["Code"] == "InvalidRequestException"
    assert "scheduled for deletion" in again.value.response["Error"]["Message"]
    assert read.value.response["Error"]["Code"] == "InvalidRequestException"

    time.sleep(1.0)
    secrets.create_secret(Name=name, SecretString="second")
    assert secrets.get_secret_value(SecretId=name)["SecretString"] == "second"


# --- the gateway's limits -----------------------------------------------------------------------

def _handlers(calls: list[str]) -> dict:
    def echo_size(event, context):
        calls.append("echo")
        return {"statusCode": 200, "body": json.dumps({"bytes": len(event.get("body") or "")})}

    def sized(event, context):
        calls.append("sized")
        return {"statusCode": 200,
                "body": event["queryStringParameters"]["char"] * int(event["queryStringParameters"]["n"])}

    def slow(event, context):
        time.sleep(float(event["queryStringParameters"]["seconds"]))
        calls.append("slow finished")
        return {"statusCode": 200, "body": "{}"}

    return {"fake.echo": echo_size, "fake.sized": sized, "fake.slow": slow}


ROUTES = [Route("Echo", "fake.echo", "POST", "/echo", authorized=False),
          Route("Sized", "fake.sized", "GET", "/sized", authorized=False),
          Route("Slow", "fake.slow", "GET", "/slow", authorized=False)]


@pytest.fixture
def calls():
    return []


@pytest.fixture
def gateway(calls):
    return Client(LocalApi(routes=ROUTES, resolve_handler=_handlers(calls).__getitem__, local_endpoints=[]))


def test_a_chunked_body_over_10_mb_is_a_413_and_reaches_no_function(calls):
    server = ApiServer(LocalApi(routes=ROUTES, resolve_handler=_handlers(calls).__getitem__,
                                local_endpoints=[]), port=0)
    server.start()
    try:
        def post_chunked(size: int) -> tuple[int, dict]:
            url = urlsplit(server.url)
            connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
            pieces = (b"a" * min(1 << 20, size - start) for start in range(0, size, 1 << 20))
            connection.request("POST", "/echo", body=pieces, headers={"Content-Type": "text/plain"},
                               encode_chunked=True)
            response = connection.getresponse()
            answer = (response.status, json.loads(response.read()))
            connection.close()
            return answer

        assert post_chunked(MAX_PAYLOAD_BYTES + 1) == (413, {"message": "Request Entity Too Large"})
        assert calls == []
        assert post_chunked(3 * 1024 * 1024) == (200, {"bytes": 3 * 1024 * 1024})
    finally:
        server.stop()


def test_a_response_over_6_mb_is_api_gateways_500(gateway, calls):
    room = MAX_RESPONSE_BYTES - 200  # the rest of the serialised result: status, headers, keys
    assert gateway.get(f"/sized?char=a&n={room}").status_code == 200

    over = gateway.get(f"/sized?char=a&n={MAX_RESPONSE_BYTES}")
    assert (over.status_code, over.json) == (500, {"message": "Internal Server Error"})

    # the python3.11 runtime serialises non-ASCII as \uXXXX: 1.1 million kana are over 6 MB
    kana = gateway.get("/sized?char=%E3%81%82&n=1100000")
    assert (kana.status_code, kana.json) == (500, {"message": "Internal Server Error"})
    assert calls.count("sized") == 3


def test_an_answer_after_the_integration_timeout_is_a_503_and_the_function_runs_on(gateway, calls, monkeypatch):
    monkeypatch.setenv("CRM_LOCAL_INTEGRATION_TIMEOUT", "0.3")
    timed = Client(LocalApi(routes=ROUTES, resolve_handler=_handlers(calls).__getitem__, local_endpoints=[]))

    started = time.monotonic()
    late = timed.get("/slow?seconds=1.0")
    waited = time.monotonic() - started

    assert (late.status_code, late.json) == (503, {"message": "Service Unavailable"})
    assert waited < 0.9 and calls == []
    deadline = time.monotonic() + 5
    while not calls and time.monotonic() < deadline:
        time.sleep(0.05)
    assert calls == ["slow finished"]
    assert timed.get("/slow?seconds=0").status_code == 200


def test_the_default_integration_timeout_is_30_seconds(monkeypatch):
    monkeypatch.delenv("CRM_LOCAL_INTEGRATION_TIMEOUT", raising=False)
    assert LocalApi(routes=ROUTES)._integration_timeout == 30.0


def test_the_test_path_enforces_the_response_limit_too(api, monkeypatch):
    """tests/conftest.py's Api drives handlers through call_handler: an oversized answer fails there as in AWS."""
    from shared.services import exports

    monkeypatch.setattr(exports, "get", lambda principal, export_id: {"blob": "x" * MAX_RESPONSE_BYTES})

    reply = api.get("/v1/exports/whatever")

    assert (reply.status, reply.body) == (500, {"message": "Internal Server Error"})
