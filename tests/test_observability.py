"""What operators read: each log line of a request names its tenant, its function, Lambda's request
id and API Gateway's request id as the correlation id; the job or scheduled email it started logs
under the same correlation id; and what they watch is printed as CloudWatch EMF records."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from conftest import Api, create
from mail_support import (  # noqa: F401 - outbox_listening is an autouse fixture
    BROWSER,
    HTML,
    PERSON_IP,
    at,
    hit,
    outbox_listening,
    seconds_ago,
    sent,
    set_email_attribute,
    tokens,
    trigger_of,
)
from stack_support import run_queued_jobs, seeded

REQUEST_ID = "Ab3dE-fGhIjKLmA="  # the shape of API Gateway's requestContext.requestId


@pytest.fixture
def log_lines():
    """The logger's JSON lines from INFO up, written while the test runs."""
    from shared.observability import logger

    stream = io.StringIO()
    previous_stream, previous_level = logger.registered_handler.setStream(stream), logger.log_level
    logger.setLevel("INFO")
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logger.registered_handler.setStream(previous_stream)
    logger.setLevel(previous_level)


@pytest.fixture
def emf(monkeypatch, capsys):
    """The EMF records printed while the test runs (metrics are on, as in Lambda)."""
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    capsys.readouterr()

    def records() -> list[dict[str, Any]]:
        lines = capsys.readouterr().out.splitlines()
        return [json.loads(line) for line in lines if line.startswith('{"_aws"')]

    return records


def call(api: Api, method: str, path: str, body: Any = None) -> dict[str, Any]:
    """The request as API Gateway sends it, with REQUEST_ID as its request id."""
    from infra.local.apigw import build_http_api_event
    from infra.local.server import invoke, routed, template_routes

    route, parameters = routed(template_routes(), method, path)
    event = build_http_api_event(method, path, route.route_key, parameters, "", {"content-type": "application/json"},
                                 None if body is None else json.dumps(body), api.member_claims(),
                                 request_id=REQUEST_ID)
    return invoke(route, event)


def metric(records: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """The records of the metric NAME, each as {dimension: value, ..., "value": ...}."""
    found = []
    for record in records:
        [directive] = record["_aws"]["CloudWatchMetrics"]
        if [entry["Name"] for entry in directive["Metrics"]] == [name]:
            assert directive["Namespace"] == "Crm"
            [dimensions] = directive["Dimensions"]
            value = record[name][0] if isinstance(record[name], list) else record[name]
            found.append({**{dimension: record[dimension] for dimension in dimensions}, "value": value})
    return found


# --- log lines -------------------------------------------------------------------------------------


def test_a_requests_log_lines_name_the_tenant_the_function_and_both_request_ids(api, log_lines, monkeypatch):
    from functions.contacts_api.routes import contacts

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(contacts.contacts, "get", broken)
    result = call(api, "GET", "/v1/contacts/c-1")

    assert result["statusCode"] == 500
    [line] = [line for line in log_lines() if line["message"] == "Unhandled error"]
    assert line["correlation_id"] == REQUEST_ID
    assert line["tenant"] == api.tenant
    assert line["function_name"] == "ContactsApiFunction" and line["function_request_id"]
    assert "RuntimeError: a bug" in line["exception"]


def test_a_job_logs_under_the_correlation_id_of_the_request_that_queued_it(api, log_lines):
    seeded(api, 120, status="new")

    queued = call(api, "POST", "/v1/contacts/bulk", {"selection": {"filter": {"field": "status", "op": "eq",
                                                                              "value": "new"}}, "action": "star"})
    assert queued["statusCode"] == 202, queued
    assert run_queued_jobs() >= 1

    [line] = [line for line in log_lines() if line["message"] == "bulk job done"]
    assert (line["correlation_id"], line["tenant"]) == (REQUEST_ID, api.tenant)
    assert line["function_name"] == "BulkWorkerFunction"


def test_a_scheduled_email_is_sent_under_the_correlation_id_of_the_request_that_scheduled_it(api, log_lines):
    from infra.local.server import invoke_function

    contact = create(api, family_name="山田", email="taro@example.jp")
    scheduled = call(api, "POST", "/v1/emails", {"contact_id": contact["id"], "subject": "ご挨拶",
                                                 "body_text": "本文です", "send_at": at(3600)})
    assert scheduled["statusCode"] == 201, scheduled
    email_id = json.loads(scheduled["body"])["id"]
    trigger = json.loads(trigger_of(email_id)["Target"]["Input"])
    assert trigger == {"tenant": api.tenant, "email_id": email_id, "correlation_id": REQUEST_ID}
    assert api.delete(f"/v1/contacts/{contact['id']}").status == 204  # so that the send logs why it did not go
    set_email_attribute(api, email_id, "send_at", seconds_ago(1))

    assert invoke_function("ScheduledSendFunction", trigger) == {"sent": 0}

    [line] = [line for line in log_lines() if line["message"] == "email not sent"]
    assert (line["correlation_id"], line["tenant"], line["email_id"]) == (REQUEST_ID, api.tenant, email_id)
    assert line["function_name"] == "ScheduledSendFunction"


# --- metrics ---------------------------------------------------------------------------------------


def test_sending_an_email_prints_the_emails_sent_metric_without_the_tenant(api, emf):
    contact = create(api, family_name="山田", email="taro@example.jp")

    sent(api, contact["id"])

    records = emf()
    assert metric(records, "EmailsSent") == [{"service": "crm", "value": 1.0}]
    assert not any(api.tenant in json.dumps(record) for record in records)


def test_tracking_hits_are_counted_as_a_person_or_a_machine(api, emf):
    contact = create(api, family_name="山田", email="taro@example.jp")
    email = sent(api, contact["id"], body_html=HTML)
    open_token, _ = tokens(email["id"])
    emf()

    hit("o", open_token, user_agent=BROWSER, ip=PERSON_IP)
    hit("o", open_token, method="HEAD")

    assert metric(emf(), "TrackingHits") == [
        {"service": "crm", "kind": "open", "visitor": "human", "value": 1},
        {"service": "crm", "kind": "open", "visitor": "machine", "value": 1},
    ]


def test_metrics_stay_off_while_disabled(api, capsys):
    contact = create(api, family_name="山田", email="taro@example.jp")
    capsys.readouterr()

    sent(api, contact["id"])

    assert '"_aws"' not in capsys.readouterr().out


def test_a_busy_answer_is_counted_and_no_other_answer_is(emf):
    from shared.errors import Busy, NotFound
    from shared.http import App, Router

    router = Router()

    @router.get("/busy")
    def busy(request):
        raise Busy("The store is busy right now; retry in a moment.")

    @router.get("/missing")
    def missing(request):
        raise NotFound("No such thing.")

    app = App(router)
    statuses = [app.resolve({"routeKey": f"GET {path}", "rawPath": path})["statusCode"]
                for path in ("/busy", "/missing", "/busy")]

    assert statuses == [503, 404, 503]
    assert metric(emf(), "BusyAnswers") == [{"service": "crm", "value": 1.0}] * 2


def test_a_job_failing_on_its_last_delivery_is_counted_once(emf):
    from shared.services import job_queue

    def broken():
        raise RuntimeError("a bug")

    failed = []
    with pytest.raises(RuntimeError):
        job_queue.run_delivery("job-1", 4, 5, broken, lambda: failed.append(1))  # SQS delivers it again
    assert metric(emf(), "JobsFailed") == [] and failed == []

    assert job_queue.run_delivery("job-1", 5, 5, broken, lambda: failed.append(1)) is None

    assert metric(emf(), "JobsFailed") == [{"service": "crm", "value": 1.0}] and failed == [1]
