"""Cold starts, honestly: each function's import plus its first invocation against the local stack
(its clients' creation, its first requests, its secrets' fetch) in a fresh interpreter, against a
fresh interpreter's `import boto3` plus a bare client's first GetItem, in the same run.

Each first invocation is a request the function answers every day and one that needs its secrets
where it has any: a second page of contacts and of sent emails (the cursor's key, AppSecret), an
open of a sent email and a page view carrying an email's click token (TrackingKeySecret).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

from bench.figures import Figure

# API functions within 1.3 × the baseline; tracking (every opened email hits it) within 1.1 ×.
API_BOUND, TRACKING_BOUND = 1.3, 1.1

_CHILD = """
import json, sys, time
spec = json.loads(sys.stdin.read())

class Context:  # what Lambda hands a handler (Powertools reads these)
    def __init__(self, values): self.__dict__.update(values)
    def get_remaining_time_in_millis(self): return 10_000

context = Context(spec["context"])
started = time.perf_counter()
{body}
seconds = time.perf_counter() - started
print(json.dumps({{"seconds": seconds, "status": status}}))
"""
_BASELINE = """
import boto3
reply = boto3.client("dynamodb").get_item(TableName=spec["table"], Key={"pk": {"S": "COLDSTART"}, "sk": {"S": "none"}})
status = reply["ResponseMetadata"]["HTTPStatusCode"]
"""
_HANDLER = """
import importlib
module, _, attribute = spec["handler"].rpartition(".")
result = getattr(importlib.import_module(module), attribute)(spec["event"], context)
status = result.get("statusCode", 200) if isinstance(result, dict) else 200
"""


@dataclass(frozen=True)
class FirstInvocation:
    issue: str
    function: str  # logical id in template.yaml
    request: str  # what the first invocation does, for the figure's name
    bound: float
    event: dict[str, Any]
    status: int  # what it must answer: a figure of a failed request would measure nothing


def _run(body: str, spec: dict[str, Any], env: dict[str, str]) -> float:
    output = subprocess.run([sys.executable, "-c", _CHILD.format(body=body)], input=json.dumps(spec), env=env,
                            check=True, capture_output=True, text=True).stdout
    measured = json.loads(output.strip().splitlines()[-1])
    if measured["status"] != spec["status"]:
        raise AssertionError(f"{spec.get('handler', 'baseline')} answered {measured['status']}, not {spec['status']}")
    return measured["seconds"]


def _first_invocations() -> list[FirstInvocation]:
    """The stack's data each first invocation reads (made through the handlers, in this process)."""
    from bench.counting import seated
    from bench.emails_bench import BROWSER, _arrange_sent_minutes_ago, _call, _tracking_paths
    from infra.local import sns as local_sns
    from infra.local.outbox import OUTBOX
    from infra.local.server import api_event
    from shared.config import tracking_keyring
    from shared.domain import tracking

    tenant = "bench-cold"
    claims = seated({"sub": "rep-1", "email": "rep@example.co.jp", "custom:tenant_id": tenant, "custom:role": "owner"})
    contacts = [_call("POST", "/v1/contacts", claims, {"family_name": name, "email": f"{name}@example.co.jp"})[1]["id"]
                for name in ("sato", "suzuki")]
    emails = []
    for contact in contacts:
        status, email = _call("POST", "/v1/emails", claims, {"contact_id": contact, "subject": "ご案内",
                                                              "body_html": '<p><a href="https://example.co.jp/">資料</a></p>'})
        assert status == 201, email
        _arrange_sent_minutes_ago(tenant, email["id"], 5)
        emails.append(email)
    contacts_cursor = _call("GET", "/v1/contacts", claims, query={"limit": "1"})[1]["next_cursor"]
    emails_cursor = _call("GET", "/v1/emails", claims, query={"folder": "sent", "limit": "1"})[1]["next_cursor"]
    assert contacts_cursor and emails_cursor
    open_path, _ = _tracking_paths(next(item["raw"] for item in OUTBOX.items() if item["email_id"] == emails[0]["id"]))
    status, site = _call("POST", "/v1/site-keys", claims, {"name": "site", "allowed_origins": ["https://example.co.jp"]})
    assert status == 201, site
    page_view = {"site_key": site["site_key"], "visitor_id": "coldstartvisitor000001", "type": "page_view",
                 "url": "https://example.co.jp/", "title": "top", "referrer": None,
                 "click_token": tracking.sign(tracking_keyring(), tracking.KIND_CLICK, tenant, emails[0]["id"], 0)}
    bounce = {"notificationType": "Bounce", "mail": {"timestamp": "2026-11-23T01:00:00.000Z",
                                                     "messageId": emails[1]["provider_message_id"]},
              "bounce": {"bounceType": "Permanent", "bounceSubType": "General", "timestamp": "2026-11-23T01:00:00.000Z",
                         "bouncedRecipients": [{"emailAddress": "suzuki@example.co.jp", "status": "5.1.1"}]}}

    def event(*args: Any, **kwargs: Any) -> dict[str, Any]:
        return api_event(*args, **kwargs)[1]

    return [
        FirstInvocation("#3", "ContactsApiFunction", "GET /v1/contacts, page 2", API_BOUND,
                        event("GET", "/v1/contacts", claims, query={"limit": "1", "cursor": contacts_cursor}), 200),
        FirstInvocation("#5", "EmailsApiFunction", "GET /v1/emails?folder=sent, page 2", API_BOUND,
                        event("GET", "/v1/emails", claims,
                              query={"folder": "sent", "limit": "1", "cursor": emails_cursor}),
                        200),
        FirstInvocation("#5", "TrackingFunction", "an open of a sent email", TRACKING_BOUND,
                        event("GET", open_path, None, headers={"user-agent": BROWSER}, source_ip="203.0.113.7"), 200),
        FirstInvocation("#6", "MailEventsFunction", "an SNS bounce notification", API_BOUND,
                        event("POST", "/webhooks/ses", None, json.dumps(local_sns._signer.notification(
                            local_sns._topic_arn, json.dumps(bounce)))), 200),
        FirstInvocation("#4", "ActivityIngestFunction", "a page view with an email's click token", API_BOUND,
                        event("POST", "/collect", None, json.dumps(page_view),
                              headers={"content-type": "text/plain;charset=UTF-8", "origin": "https://example.co.jp",
                                       "user-agent": BROWSER}), 204),
    ]


def run(rounds: int = 9) -> list[Figure]:
    """The fastest of `rounds` interleaved fresh interpreters on each side: load from other
    processes only ever adds time, so the minimum is the figure least disturbed by a busy machine.
    Needs the local stack (AWS_ENDPOINT_URL, provisioned, the functions' environment)."""
    from infra.local.server import _lambda_context
    from infra.template import function_handler

    # .pyc files are written (as a deployed package ships them); any value of
    # PYTHONDONTWRITEBYTECODE, even "0", would turn that off
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    baseline_spec = {"table": env["TABLE_NAME"], "context": {}, "status": 200}
    figures = []
    for first in _first_invocations():
        context = _lambda_context(first.function)
        spec = {"handler": function_handler(first.function), "event": first.event, "status": first.status,
                "context": {"function_name": context.function_name, "function_version": context.function_version,
                            "memory_limit_in_mb": context.memory_limit_in_mb, "aws_request_id": context.aws_request_id,
                            "invoked_function_arn": context.invoked_function_arn,
                            "log_group_name": context.log_group_name, "log_stream_name": context.log_stream_name}}
        _run(_HANDLER, spec, env)  # compile .pyc first, as a deployed package has them
        baseline, handler = [], []
        for _ in range(rounds):  # interleaved, so machine noise hits both alike
            baseline.append(_run(_BASELINE, baseline_spec, env))
            handler.append(_run(_HANDLER, spec, env))
        name = first.function.removesuffix("Function")
        figures.append(Figure(first.issue, f"cold start: import {name} + first invocation ({first.request}) / "
                                           f"import boto3 + a client's first GetItem (fastest of {rounds})",
                              round(min(handler) / min(baseline), 2), first.bound, "ratio"))
    return figures
