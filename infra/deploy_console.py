"""Put the built console (console/dist) into its bucket and have CloudFront serve the new release.

    python -m infra.deploy_console --stack NAME            # the stack's ConsoleBucketName, ConsoleDistributionId
    python -m infra.deploy_console --bucket B --distribution ID [--dist console/dist]

With the deployer's AWS credentials (AWS_ENDPOINT_URL: an emulator). Each file goes up with its
Content-Type; the hashed files under assets/ are cached for a year (a new build has new names),
everything else, index.html first, is revalidated on each load. index.html goes up last, so it
never names an asset that is not there yet; then files of earlier releases are deleted and
CloudFront's copy of /index.html is invalidated (the console's routes are rewritten to it before
the cache: it is the one cached path that changes).
"""

from __future__ import annotations

import argparse
import mimetypes
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_DIST = Path("console/dist")
INDEX = "index.html"
ASSETS_PREFIX = "assets/"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

# Types the platform's table may lack or get wrong (JavaScript modules must not be text/plain:
# browsers refuse a module script served without a JavaScript MIME type).
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
    ".png": "image/png",
    ".woff2": "font/woff2",
    ".woff": "font/woff",
    ".txt": "text/plain; charset=utf-8",
    ".webmanifest": "application/manifest+json",
}


class DeployError(Exception):
    """The console cannot be deployed as asked; nothing was changed."""


@dataclass(frozen=True)
class Upload:
    key: str
    path: Path
    content_type: str
    cache_control: str


def content_type(key: str) -> str:
    suffix = Path(key).suffix.lower()
    return _CONTENT_TYPES.get(suffix) or mimetypes.guess_type(key)[0] or "application/octet-stream"


def cache_control(key: str) -> str:
    return IMMUTABLE if key.startswith(ASSETS_PREFIX) else REVALIDATE


def uploads(dist: Path) -> list[Upload]:
    """Every file of DIST as it goes up, index.html last."""
    if not (dist / INDEX).is_file():
        raise DeployError(f"{dist / INDEX} not found: build the console first (make console/dist/index.html)")
    keys = sorted(path.relative_to(dist).as_posix() for path in dist.rglob("*") if path.is_file())
    keys.sort(key=lambda key: key == INDEX)
    return [Upload(key, dist / key, content_type(key), cache_control(key)) for key in keys]


def deploy(planned: list[Upload], bucket: str, distribution: str, s3: Any, cloudfront: Any) -> dict[str, Any]:
    """Upload PLANNED (`uploads()`) to BUCKET, delete what the release no longer holds, invalidate
    /index.html on DISTRIBUTION."""
    _check_targets(bucket, distribution, s3, cloudfront)
    for upload in planned:
        s3.upload_file(str(upload.path), bucket, upload.key,
                       ExtraArgs={"ContentType": upload.content_type, "CacheControl": upload.cache_control})
    current = {upload.key for upload in planned}
    stale = [key for key in _keys(s3, bucket) if key not in current]
    # DeleteObjects takes at most 1,000 keys a request
    # (https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html)
    for start in range(0, len(stale), 1000):
        answer = s3.delete_objects(Bucket=bucket, Delete={
            "Objects": [{"Key": key} for key in stale[start:start + 1000]], "Quiet": True})
        if answer.get("Errors"):
            raise DeployError(f"could not delete {answer['Errors']}")
    invalidation = cloudfront.create_invalidation(DistributionId=distribution, InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": [f"/{INDEX}"]},
        "CallerReference": f"deploy-console-{time.time_ns()}",
    })["Invalidation"]
    return {"uploaded": len(planned), "deleted": stale, "invalidation": invalidation["Id"]}


def _check_targets(bucket: str, distribution: str, s3: Any, cloudfront: Any) -> None:
    """Refuse, before anything is written, a bucket or distribution that does not exist or a
    distribution that does not serve that bucket."""
    from botocore.exceptions import ClientError

    try:
        s3.head_bucket(Bucket=bucket)
        config = cloudfront.get_distribution(Id=distribution)["Distribution"]["DistributionConfig"]
    except ClientError as error:
        raise DeployError(f"bucket {bucket} or distribution {distribution}: {error}") from error
    origins = [origin["DomainName"] for origin in config["Origins"]["Items"]]
    if not any(domain.startswith(f"{bucket}.s3.") for domain in origins):
        raise DeployError(f"distribution {distribution} does not serve bucket {bucket} (its origins: {origins})")


def _keys(s3: Any, bucket: str) -> list[str]:
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def stack_targets(cloudformation: Any, stack: str) -> tuple[str, str]:
    """The stack's ConsoleBucketName and ConsoleDistributionId outputs."""
    [described] = cloudformation.describe_stacks(StackName=stack)["Stacks"]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in described.get("Outputs", [])}
    missing = {"ConsoleBucketName", "ConsoleDistributionId"} - set(outputs)
    if missing:
        raise DeployError(f"stack {stack} has no output {', '.join(sorted(missing))}: deploy template.yaml first")
    return outputs["ConsoleBucketName"], outputs["ConsoleDistributionId"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.deploy_console", description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=DEFAULT_DIST, help="the built console (default: console/dist)")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--stack", help="the CloudFormation stack whose outputs name the bucket and distribution")
    target.add_argument("--bucket", help="the console's bucket (with --distribution)")
    parser.add_argument("--distribution", help="the console's CloudFront distribution id (with --bucket)")
    args = parser.parse_args(argv)
    if bool(args.bucket) != bool(args.distribution):
        parser.error("--bucket and --distribution go together (or --stack alone)")

    import boto3

    try:
        planned = uploads(args.dist)  # before any AWS call: nothing to deploy changes nothing
        bucket, distribution = (stack_targets(boto3.client("cloudformation"), args.stack) if args.stack
                                else (args.bucket, args.distribution))
        done = deploy(planned, bucket, distribution, boto3.client("s3"), boto3.client("cloudfront"))
    except DeployError as error:
        print(f"deploy-console: {error}", file=sys.stderr)
        return 1
    print(f"deploy-console: {done['uploaded']} files in s3://{bucket}, {len(done['deleted'])} stale deleted, "
          f"invalidation {done['invalidation']} of /{INDEX} on {distribution}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
