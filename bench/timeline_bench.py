"""Issue 4 figures: ingesting 10,000 events in calls of 500 (write requests, peak memory of a
call), a timeline page filtered to one type on a contact with 5,000 entries, the score on a
list page (no request beyond the page), and the requests of a web hit (POST /collect)."""

from __future__ import annotations

import json
import tracemalloc
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.counting import DynamoCounter, seated
from bench.figures import Figure

EVENTS, CALL, CONTACTS, HISTORY = 10_000, 500, 200, 5_000
ITEMS_PER_EVENT = 2  # the timeline entry and its event_id marker


def _ingest(key: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    from infra.local.server import call_handler

    result = call_handler("POST", "/v1/events", None, json.dumps({"events": events}), headers={"x-api-key": key})
    assert result["statusCode"] == 202, result
    return json.loads(result["body"])


def _events(contact_ids: list[str], start: int, count: int, types: tuple[str, ...]) -> list[dict[str, Any]]:
    base = datetime.now(UTC) - timedelta(days=30)
    return [{"contact": {"id": contact_ids[index % len(contact_ids)]}, "type": types[index % len(types)],
             "occurred_at": (base + timedelta(seconds=index)).strftime("%Y-%m-%dT%H:%M:%SZ"),
             "data": {"url": f"https://example.co.jp/p/{index}"}, "event_id": f"ev-{index}"}
            for index in range(start, start + count)]


def run() -> list[Figure]:
    from bench.emails_bench import _call, _seed_contacts
    from shared.db.models import table_connection

    counter = DynamoCounter(table_connection().connection.client)
    claims = seated({"sub": "owner-1", "email": "owner@example.co.jp", "custom:tenant_id": "bench-timeline",
                     "custom:role": "owner"})
    contact_ids = _seed_contacts("bench-timeline", CONTACTS)
    key = _call("POST", "/v1/api-keys", claims, {"name": "bench"})[1]["secret"]

    writes, peak = 0, 0
    for start in range(0, EVENTS, CALL):
        batch = _events(contact_ids, start, CALL, ("page_view", "form_submitted", "purchase", "webinar_joined"))
        tracemalloc.start()
        with counter.measure() as reads:
            results = _ingest(key, batch)["results"]
        peak = max(peak, tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert all(result["status"] == "accepted" for result in results), results[:3]
        writes += reads.writes
    figures = [
        Figure("#4", f"ingest {EVENTS:,} events in calls of {CALL} over {CONTACTS} contacts: DynamoDB write requests",
               writes, EVENTS // 25 * ITEMS_PER_EVENT, "requests"),
        Figure("#4", f"ingest a call of {CALL} events: peak memory allocated by the handler", round(peak / 2**20, 1),
               128, "MB"),
    ]

    busy = contact_ids[0]
    for start in range(0, HISTORY, CALL):  # 5,000 entries on one contact, one in 50 a purchase
        batch = [{**event, "contact": {"id": busy}, "event_id": f"h-{event['event_id']}"}
                 for event in _events(contact_ids, EVENTS + start, CALL, ("page_view",) * 49 + ("purchase",))]
        _ingest(key, batch)
    with counter.measure() as reads:
        status, page = _call("GET", f"/v1/contacts/{busy}/timeline", claims, query={"type": "purchase", "limit": "50"})
    assert status == 200 and len(page["items"]) == 50 and {item["type"] for item in page["items"]} == {"purchase"}, page
    figures.append(Figure("#4", f"timeline page of 50 filtered to one type, contact with "
                          f"{HISTORY + EVENTS // CONTACTS:,} entries: items read", reads.items_read, 100, "items"))
    with counter.measure() as reads:
        status, listed = _call("GET", "/v1/contacts", claims, query={"limit": "50"})
    assert status == 200 and len(listed["items"]) == 50 and any(item["score"] > 0 for item in listed["items"])
    figures.append(Figure("#4", "list page of 50 with their scores, with the member check (issue 19): "
                          "DynamoDB requests", reads.total_requests, 2, "requests"))
    return figures + _web_hits(counter, claims)


def _web_hits(counter: DynamoCounter, claims: dict[str, str]) -> list[Figure]:
    """Requests of POST /collect: an anonymous page view, the form that identifies the visitor
    (bringing its 40 kept views), and an identified visitor's page view."""
    from bench.emails_bench import _call
    from infra.local.server import call_handler
    from shared.domain.web import ANONYMOUS_VIEWS_KEPT

    site = "https://www.example.co.jp"
    site_key = _call("POST", "/v1/site-keys", claims, {"name": "bench", "allowed_origins": [site]})[1]["site_key"]
    headers = {"origin": site, "user-agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36"}

    def hit(visitor: str, path: str, **extra: str) -> Any:
        body = {"site_key": site_key, "visitor_id": visitor, "type": "page_view", "url": f"{site}{path}", **extra}
        # each visitor its own, as in life: one address's cap is 600 a minute
        address = f"198.51.100.{int(visitor[-8:]) + 1}"
        with counter.measure() as reads:
            result = call_handler("POST", "/collect", None, json.dumps(body), headers=headers, source_ip=address)
        assert result["statusCode"] == 204, result
        return reads

    requests: dict[str, list[int]] = {"anonymous": [], "identify": [], "identified": []}
    for number in range(20):
        visitor = f"bench-visitor-{number:08d}"
        for page in range(ANONYMOUS_VIEWS_KEPT):
            requests["anonymous"].append(hit(visitor, f"/p{page}").total_requests)
        form = {"type": "form_submitted", "email": f"web-{number}@example.co.jp", "form": "inquiry"}
        requests["identify"].append(hit(visitor, "/contact", **form).total_requests)
        requests["identified"] += [hit(visitor, f"/after{page}").total_requests for page in range(5)]
    # each hit also counts itself against its address's and its site key's caps (one UpdateItem
    # each, issue 17), and a form creating a contact against the day's web-form budget (one more)
    return [
        Figure("#4", "web page view of an anonymous visitor: DynamoDB requests (most of 800)",
               max(requests["anonymous"]), 5, "requests"),
        Figure("#4", f"web form identifying a visitor with {ANONYMOUS_VIEWS_KEPT} kept views (new contact): "
               "DynamoDB requests", max(requests["identify"]), 11, "requests"),
        Figure("#4", "web page view of an identified visitor: DynamoDB requests (most of 100)",
               max(requests["identified"]), 5, "requests"),
    ]
