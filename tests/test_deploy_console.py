"""infra.deploy_console against the emulated S3 and CloudFront: a fake build goes up with the
right types and caching, earlier releases' files go, /index.html is invalidated; bad targets or
a missing build change nothing."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest

from infra import deploy_console
from infra.deploy_console import IMMUTABLE, REVALIDATE

REGION = "ap-northeast-1"

# a build as Vite writes it: index.html, hashed files under assets/, a few unhashed ones
BUILD = {
    "index.html": ("<!doctype html><script type=module src=/assets/index-3f9a1c.js></script>",
                   "text/html; charset=utf-8"),
    "assets/index-3f9a1c.js": ("export const x = 1;", "text/javascript; charset=utf-8"),
    "assets/index-77b0e2.css": ("body{margin:0}", "text/css; charset=utf-8"),
    "assets/logo-5d2e.svg": ("<svg xmlns='http://www.w3.org/2000/svg'/>", "image/svg+xml"),
    "favicon.ico": ("\0\0\1\0", "image/x-icon"),
}


def _client(service: str):
    import boto3

    return boto3.client(service, region_name=REGION)


def _bucket() -> str:
    name = f"console-{uuid.uuid4().hex[:12]}"
    _client("s3").create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    return name


def _distribution(bucket: str) -> str:
    """A distribution whose origin is BUCKET, as template.yaml's ConsoleDistribution."""
    return _client("cloudfront").create_distribution(DistributionConfig={
        "CallerReference": uuid.uuid4().hex, "Comment": "console", "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{"Id": "console", "DomainName": f"{bucket}.s3.{REGION}.amazonaws.com",
                                              "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "console", "ViewerProtocolPolicy": "redirect-to-https",
                                 "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"},
    })["Distribution"]["Id"]


@pytest.fixture
def target(moto_endpoint) -> tuple[str, str]:
    bucket = _bucket()
    return bucket, _distribution(bucket)


@pytest.fixture
def build(tmp_path: Path) -> Path:
    dist = tmp_path / "dist"
    for key, (body, _) in BUILD.items():
        (dist / key).parent.mkdir(parents=True, exist_ok=True)
        (dist / key).write_text(body, encoding="utf-8")
    return dist


def _objects(bucket: str) -> dict[str, dict[str, str]]:
    s3 = _client("s3")
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {key: s3.head_object(Bucket=bucket, Key=key) for key in keys}


def _invalidated_paths(distribution: str) -> list[list[str]]:
    cloudfront = _client("cloudfront")
    listed = cloudfront.list_invalidations(DistributionId=distribution)["InvalidationList"].get("Items", [])
    return [cloudfront.get_invalidation(DistributionId=distribution, Id=item["Id"])["Invalidation"]
            ["InvalidationBatch"]["Paths"]["Items"] for item in listed]


def test_a_build_goes_up_with_its_types_and_caching_and_index_html_is_invalidated(target, build):
    bucket, distribution = target
    s3 = _client("s3")
    for stale in ("assets/index-0ld.js", "old-page.html"):  # an earlier release
        s3.put_object(Bucket=bucket, Key=stale, Body=b"old")

    assert deploy_console.main(["--bucket", bucket, "--distribution", distribution, "--dist", str(build)]) == 0

    objects = _objects(bucket)
    assert set(objects) == set(BUILD)  # the earlier release's files are gone
    for key, (body, content_type) in BUILD.items():
        assert objects[key]["ContentType"] == content_type, key
        assert objects[key]["CacheControl"] == (IMMUTABLE if key.startswith("assets/") else REVALIDATE), key
        assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == body.encode(), key
    assert objects["index.html"]["CacheControl"] == "no-cache"
    assert objects["assets/index-3f9a1c.js"]["CacheControl"] == "public, max-age=31536000, immutable"
    assert _invalidated_paths(distribution) == [["/index.html"]]


def test_the_stack_outputs_name_the_bucket_and_distribution(target, build):
    bucket, distribution = target
    stack = f"crm-{uuid.uuid4().hex[:8]}"
    _client("cloudformation").create_stack(StackName=stack, TemplateBody=json.dumps({
        "Resources": {"Placeholder": {"Type": "AWS::SQS::Queue"}},
        "Outputs": {"ConsoleBucketName": {"Value": bucket}, "ConsoleDistributionId": {"Value": distribution}},
    }))

    assert deploy_console.main(["--stack", stack, "--dist", str(build)]) == 0

    assert set(_objects(bucket)) == set(BUILD)
    assert _invalidated_paths(distribution) == [["/index.html"]]


def test_a_stack_without_the_console_outputs_is_refused(moto_endpoint, build, capsys):
    stack = f"crm-{uuid.uuid4().hex[:8]}"
    _client("cloudformation").create_stack(StackName=stack, TemplateBody=json.dumps({
        "Resources": {"Placeholder": {"Type": "AWS::SQS::Queue"}}}))

    assert deploy_console.main(["--stack", stack, "--dist", str(build)]) == 1
    assert "has no output ConsoleBucketName, ConsoleDistributionId" in capsys.readouterr().err


def test_without_a_built_index_nothing_changes(target, tmp_path, capsys):
    bucket, distribution = target
    _client("s3").put_object(Bucket=bucket, Key="index.html", Body=b"live")
    (tmp_path / "dist" / "assets").mkdir(parents=True)
    (tmp_path / "dist" / "assets" / "a.js").write_text("1", encoding="utf-8")

    assert deploy_console.main(["--bucket", bucket, "--distribution", distribution,
                                "--dist", str(tmp_path / "dist")]) == 1

    assert "index.html not found: build the console first" in capsys.readouterr().err
    assert set(_objects(bucket)) == {"index.html"} and _invalidated_paths(distribution) == []


@pytest.mark.parametrize("which", ["a distribution serving another bucket", "no such distribution", "no such bucket"])
def test_a_wrong_target_is_refused_before_anything_is_written(target, build, which, capsys):
    bucket, distribution = target
    other = _bucket()
    arguments = {
        "a distribution serving another bucket": (other, distribution),
        "no such distribution": (bucket, "E0000000000000"),
        "no such bucket": (f"missing-{uuid.uuid4().hex[:8]}", distribution),
    }[which]

    assert deploy_console.main(["--bucket", arguments[0], "--distribution", arguments[1], "--dist", str(build)]) == 1

    assert "deploy-console:" in capsys.readouterr().err
    assert _objects(bucket) == {} and _objects(other) == {} and _invalidated_paths(distribution) == []


def test_bucket_and_distribution_go_together(build):
    with pytest.raises(SystemExit) as exit_:
        deploy_console.main(["--bucket", "b", "--dist", str(build)])
    assert exit_.value.code == 2


def test_index_html_goes_up_last(build):
    """So that no new index.html ever names an asset not yet uploaded."""
    keys = [upload.key for upload in deploy_console.uploads(build)]
    assert sorted(keys) == sorted(BUILD) and keys[-1] == "index.html"


class _FakeS3:
    """Enough of S3 for the deletion step, enforcing DeleteObjects' limit of 1,000 keys a request
    (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html)."""

    def __init__(self, keys: list[str]) -> None:
        self.keys = set(keys)

    def head_bucket(self, Bucket):  # noqa: N803 - boto3's parameter names
        return {}

    def upload_file(self, filename, bucket, key, ExtraArgs):  # noqa: N803
        self.keys.add(key)

    def get_paginator(self, operation):
        keys = sorted(self.keys)
        return type("Paginator", (), {"paginate": lambda _, Bucket: [
            {"Contents": [{"Key": key} for key in keys[start:start + 1000]]} for start in range(0, len(keys), 1000)]})()

    def delete_objects(self, Bucket, Delete):  # noqa: N803
        assert len(Delete["Objects"]) <= 1000, "S3: MalformedXML (more than 1,000 keys)"
        self.keys -= {item["Key"] for item in Delete["Objects"]}
        return {}


class _FakeCloudFront:
    def get_distribution(self, Id):  # noqa: N803
        return {"Distribution": {"DistributionConfig": {"Origins": {
            "Items": [{"DomainName": "b.s3.x.amazonaws.com"}]}}}}

    def create_invalidation(self, DistributionId, InvalidationBatch):  # noqa: N803
        return {"Invalidation": {"Id": "I1"}}


def test_stale_files_are_deleted_a_thousand_at_a_time(build):
    s3 = _FakeS3([f"assets/old-{number}.js" for number in range(2500)])

    done = deploy_console.deploy(deploy_console.uploads(build), "b", "E1", s3, _FakeCloudFront())

    assert s3.keys == set(BUILD) and len(done["deleted"]) == 2500
