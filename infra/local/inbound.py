"""``POST /_local/inbound``: drop a raw .eml into the inbound path, as SES's receipt rule does
(the object in the inbound bucket, then its S3 event to the mail events function)."""

from __future__ import annotations

import json
import os
import uuid

import boto3
from werkzeug.wrappers import Request, Response

from infra.local.server import invoke_function, local_endpoint


def s3_event(bucket: str, key: str) -> dict:
    """The S3 ObjectCreated event Lambda receives for one object (the fields the function reads)."""
    return {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put",
                         "s3": {"bucket": {"name": bucket}, "object": {"key": key}}}]}


@local_endpoint("POST", "/_local/inbound")
def receive(request: Request) -> Response:
    raw = request.get_data()
    if not raw.strip():
        body = {"error": {"code": "bad_request", "message": "Send the raw message (.eml) as the body.", "details": []}}
        return Response(json.dumps(body), 400, content_type="application/json")
    bucket, key = os.environ["INBOUND_BUCKET"], f"inbound/{uuid.uuid4()}.eml"
    boto3.client("s3").put_object(Bucket=bucket, Key=key, Body=raw)
    result = invoke_function("MailEventsFunction", s3_event(bucket, key))
    return Response(json.dumps({"key": key, **result}), 200, content_type="application/json")
