"""The files bucket's CORS, locally as in AWS: the local stack provisions template.yaml's rules
(the console's local origin standing for ConsoleOrigin), and the emulated S3 answers a browser's
preflight of a presigned URL from those rules alone (infra/local/strict_s3.py): the console's
PUT of an import goes through, another origin, another method or a bucket without rules is 403."""

from __future__ import annotations

import urllib.error
import urllib.request
import uuid

import boto3
import pytest
from botocore.config import Config

REGION = "ap-northeast-1"
CONSOLE = "http://127.0.0.1:3000"


def files_bucket() -> str:
    from shared.config import CONFIG

    return CONFIG.files_bucket


def s3():
    return boto3.client("s3", region_name=REGION,
                        config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))


def preflight(url: str, origin: str, method: str = "PUT", headers: str = "content-type") -> tuple[int, dict[str, str]]:
    request = urllib.request.Request(url, method="OPTIONS", headers={
        "Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": headers})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, {name.lower(): value for name, value in response.headers.items()}
    except urllib.error.HTTPError as error:
        return error.code, {name.lower(): value for name, value in error.headers.items()}


def upload_url(bucket: str) -> str:
    return s3().generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": f"imports/t/{uuid.uuid4().hex}"},
                                       ExpiresIn=300)


def test_the_files_bucket_carries_the_templates_rules_with_the_local_console_origin(moto_endpoint):
    rules = s3().get_bucket_cors(Bucket=files_bucket())["CORSRules"]
    assert [(rule["AllowedMethods"], rule["AllowedOrigins"], rule["AllowedHeaders"], rule["MaxAgeSeconds"])
            for rule in rules] == [(["GET", "PUT"], ["https://*.cloudfront.net", "http://127.0.0.1:*", "http://localhost:*"],
                                    ["*"], 3600)]


def test_the_consoles_preflight_of_an_upload_is_allowed(moto_endpoint):
    status, headers = preflight(upload_url(files_bucket()), CONSOLE)

    assert status == 200
    assert headers["access-control-allow-origin"] == CONSOLE
    assert "PUT" in headers["access-control-allow-methods"]


@pytest.mark.parametrize("origin,allowed", [(CONSOLE, CONSOLE), ("https://evil.example", None)])
def test_the_upload_itself_answers_cors_only_to_an_origin_a_rule_names(moto_endpoint, origin, allowed):
    request = urllib.request.Request(upload_url(files_bucket()), data=b"a,b\r\n", method="PUT",
                                     headers={"Origin": origin, "Content-Type": "text/csv"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == allowed


@pytest.mark.parametrize("origin,method,headers", [("https://evil.example", "PUT", "content-type"),
                                                    (CONSOLE, "DELETE", "content-type")])
def test_a_preflight_no_rule_allows_is_403(moto_endpoint, origin, method, headers):
    status, headers = preflight(upload_url(files_bucket()), origin, method, headers)

    assert status == 403
    assert "access-control-allow-origin" not in headers


def test_a_bucket_without_cors_rules_refuses_every_preflight(moto_endpoint):
    bucket = f"crm-test-nocors-{uuid.uuid4().hex[:8]}"
    s3().create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})

    assert preflight(upload_url(bucket), CONSOLE)[0] == 403
