"""AWS clients other than DynamoDB's (which PynamoDB owns): one per service per warm Lambda,
created on first use so functions that never send mail never build them. They are botocore's
clients made from PynamoDB's session: a session of their own would load botocore's endpoint
data again, and boto3 (which adds nothing the functions use to a client) would be imported,
each a tenth of the tracking function's cold start (bench/coldstart.py). The endpoint comes from
the standard AWS_ENDPOINT_URL (moto, LocalStack) when it is set."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from shared.config import CONFIG


@cache
def client(service: str) -> Any:
    from shared.db.models import botocore_session

    return botocore_session().create_client(service, region_name=CONFIG.region, config=_config(service))


def _config(service: str) -> Any:
    """S3 signs with SigV4 on the regional endpoint, virtual-hosted: botocore would presign with
    SigV2 on the global host, which S3 refuses for buckets made after June 2020
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingAWSSDK.html#UsingAWSSDK-sig2-deprecation)
    and whose global name may answer 307 for a day after a bucket is made
    (https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html#VirtualHostingBackwardsCompatibility).
    An emulator on an IP address (AWS_ENDPOINT_URL) has no bucket host names: path style there."""
    if service != "s3":
        return None
    from botocore.config import Config

    style = "path" if os.environ.get("AWS_ENDPOINT_URL") else "virtual"
    return Config(signature_version="s3v4", s3={"addressing_style": style})
