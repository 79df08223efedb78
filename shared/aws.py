"""AWS clients other than DynamoDB's (which PynamoDB owns): one per service per warm Lambda,
created on first use so functions that never send mail never import or build them. The
endpoint comes from the standard AWS_ENDPOINT_URL (moto, LocalStack) when it is set."""

from __future__ import annotations

from functools import cache
from typing import Any

from shared.config import CONFIG


@cache
def client(service: str) -> Any:
    import boto3

    return boto3.client(service, region_name=CONFIG.region)
