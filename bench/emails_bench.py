"""Issue 5 figures: DynamoDB requests of a send and of a tracking hit, and 1,000 emails (one per
contact) due in the same minute sent exactly once while the sweep and every per-email trigger
fire together."""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.counting import DynamoCounter, seated
from bench.figures import Figure

BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"
SCHEDULED = 1_000


def _call(method: str, path: str, claims: dict[str, str] | None, body: Any = None, **kwargs: Any) -> tuple[int, Any]:
    """Call a route's handler as API Gateway would (shared by the benchmarks)."""
    from infra.local.server import call_handler

    result = call_handler(method, path, claims, None if body is None else json.dumps(body, ensure_ascii=False),
                          **kwargs)
    text = result.get("body") or ""
    return result["statusCode"], json.loads(text) if text.startswith("{") else text


def _tracking_paths(raw: str) -> tuple[str, str]:
    from email import message_from_string, policy

    html = message_from_string(raw, policy=policy.default).get_body(("html",)).get_content()
    return (re.search(r"https?://[^/]+(/t/o/[\w-]+)", html).group(1),
            re.search(r"https?://[^/]+(/t/c/[\w-]+)", html).group(1))


def _arrange_sent_minutes_ago(tenant: str, email_id: str, minutes: int) -> None:
    """A click right after sending counts as a scanner's: date the send back, as a person's click comes later."""
    from shared import keys
    from shared.db.models import EmailItem

    sent_at = (datetime.now(UTC) - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    EmailItem(keys.email_pk(tenant, email_id), keys.EMAIL_SK).update([EmailItem.sent_at.set(sent_at)])


def _send_and_track(counter: DynamoCounter, claims: dict[str, str], contact_id: str) -> list[Figure]:
    from infra.local.outbox import OUTBOX

    body = {"contact_id": contact_id, "subject": "{{contact.family_name}}様 ご提案",
            "body_html": '<p>資料です: <a href="https://example.co.jp/docs?id=1">資料</a></p>'}
    with counter.measure() as reads:
        status, email = _call("POST", "/v1/emails", claims, body)
    assert status == 201 and email["status"] == "sent", email
    figures = [Figure("#5", "send one email now (SES): DynamoDB requests besides the transport",
                      reads.total_requests, 4, "requests")]
    raw = next(item["raw"] for item in OUTBOX.items() if item["email_id"] == email["id"])
    open_path, click_path = _tracking_paths(raw)
    _arrange_sent_minutes_ago(claims["custom:tenant_id"], email["id"], 5)
    for name, path, expected in (("open", open_path, 200), ("click", click_path, 302)):
        with counter.measure() as reads:
            status, _ = _call("GET", path, None, headers={"user-agent": BROWSER}, source_ip="203.0.113.7")
        assert status == expected, (name, status)
        figures.append(Figure("#5", f"tracking hit ({name}): DynamoDB requests", reads.total_requests, 2, "requests"))
    status, stored = _call("GET", f"/v1/emails/{email['id']}", claims)
    assert (stored["open_count"], stored["click_count"]) == (1, 1), stored
    return figures


def _scheduled_trigger_requests(counter: DynamoCounter, claims: dict[str, str], contact_id: str) -> Figure:
    from infra.local.server import invoke_function

    send_at = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    status, email = _call("POST", "/v1/emails", claims, {"contact_id": contact_id, "subject": "予約",
                                                           "body_text": "本文", "send_at": send_at})
    assert status == 201 and email["status"] == "scheduled", email
    time.sleep(2.5)
    with counter.measure() as reads:
        result = invoke_function("ScheduledSendFunction",
                                 {"tenant": claims["custom:tenant_id"], "email_id": email["id"]})
    assert result == {"sent": 1}, result
    return Figure("#5", "send one scheduled email (its trigger): DynamoDB requests besides the transport",
                  reads.total_requests, 4, "requests")


def _thousand_due_at_once(claims: dict[str, str], contact_ids: list[str]) -> list[Figure]:
    """Schedule 1,000 emails for one moment, then run the sweep and all 1,000 per-email triggers
    (read from the emulated EventBridge Scheduler) concurrently; count each email in the outbox."""
    import boto3

    from infra.local.outbox import OUTBOX
    from infra.local.server import invoke_function
    from shared.config import CONFIG

    due = datetime.now(UTC) + timedelta(seconds=120)
    ids = []
    for index in range(SCHEDULED):
        status, email = _call("POST", "/v1/emails", claims, {
            "contact_id": contact_ids[index % len(contact_ids)], "subject": f"ご案内 {index}", "body_text": "本文",
            "send_at": due.isoformat(), "track_opens": False, "track_clicks": False})
        assert status == 201 and email["status"] == "scheduled", email
        ids.append(email["id"])
    assert datetime.now(UTC) < due, "scheduling took longer than the lead time; raise it"
    scheduler = boto3.client("scheduler")
    pages = scheduler.get_paginator("list_schedules").paginate(GroupName=CONFIG.schedule_group)
    triggers = [json.loads(scheduler.get_schedule(Name=s["Name"], GroupName=CONFIG.schedule_group)["Target"]["Input"])
                for page in pages for s in page["Schedules"]]
    time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + 1.5)
    with ThreadPoolExecutor(max_workers=9) as pool:
        sweep = pool.submit(invoke_function, "ScheduledSendFunction", {"sweep": True})
        list(pool.map(lambda event: invoke_function("ScheduledSendFunction", event), triggers))
        sweep.result()
    sent = [item["email_id"] for item in OUTBOX.items() if item["email_id"] in set(ids)]
    twice = len(sent) - len(set(sent))
    unsent = len(set(ids) - set(sent))
    not_recorded = sum(1 for email_id in ids if _call("GET", f"/v1/emails/{email_id}", claims)[1]["status"] != "sent")
    return [
        Figure("#5", f"{SCHEDULED:,} emails due at once: not recorded as sent", not_recorded, 0, "emails"),
        Figure("#5", f"{SCHEDULED:,} emails due at once, sweep + {len(triggers):,} triggers firing together: "
               "sent twice", twice, 0, "emails"),
        Figure("#5", f"{SCHEDULED:,} emails due at once, sweep + triggers firing together: not sent", unsent, 0,
               "emails"),
    ]


def _seed_contacts(tenant: str, count: int) -> list[str]:
    """One contact per email: a rep schedules one email per contact (bulk insert, as imports do)."""
    from shared.db import contacts as repository
    from shared.domain import contacts as rules
    from shared.domain import validation
    from shared.domain.ids import new_id

    now = validation.now()
    contacts = [rules.new_contact(new_id(), rules.parse_changes({"family_name": "山田", "given_name": f"{index}",
                                                                  "email": f"yamada{index}@example.co.jp"}, {}),
                                  "rep-1", now) for index in range(count)]
    repository.insert_many(tenant, contacts)
    return [contact["id"] for contact in contacts]


def run() -> list[Figure]:
    from shared.db.models import table_connection

    counter = DynamoCounter(table_connection().connection.client)
    claims = seated({"sub": "rep-1", "email": "rep@example.co.jp", "name": "営業 太郎",
                     "custom:tenant_id": "bench-mail", "custom:role": "owner"})
    contact_ids = _seed_contacts(claims["custom:tenant_id"], SCHEDULED)
    figures = _send_and_track(counter, claims, contact_ids[0])
    figures.append(_scheduled_trigger_requests(counter, claims, contact_ids[1]))
    return figures + _thousand_due_at_once(claims, contact_ids)
