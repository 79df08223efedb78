"""Issue 7 figures, in two tenants of 20,000 contacts each: a search on a tag that 1 % carry, a
search on an unindexed custom property, a bulk lookup of 1,000 emails, and a bulk `add_tags`
job on 5,000 contacts (write requests and the worker's peak memory). Issue 22: a page of an
`emails` condition (1 % sent an email lately, 10 % earlier) and of a `segment_id` condition."""

from __future__ import annotations

import json
import random
from datetime import UTC
from typing import Any

from bench.counting import DynamoCounter, seated
from bench.figures import Figure
from bench.processes import in_fresh_process

# The bulk worker draining the queue, in a fresh process (its own memory only), counting its writes.
_WORKER = """
import json, tracemalloc
from bench.counting import DynamoCounter, seated
from infra.local.queues import LocalQueues
from infra.local.server import invoke_function
from shared.db.models import table_connection
counter = DynamoCounter(table_connection().connection.client)
tracemalloc.start()
with counter.measure() as reads:
    LocalQueues(invoke_function).drain()
print(json.dumps({"writes": reads.writes, "peak": tracemalloc.get_traced_memory()[1]}))
"""

PER_TENANT, TAGGED_EVERY, BULK = 20_000, 100, 5_000
TAG = "展示会2026"
ITEMS_PER_TAGGED_CONTACT = 4  # the contact, its email key's copy, the tag membership, the tag_added entry


def _call(method: str, path: str, claims: dict[str, str], body: Any = None) -> tuple[int, Any]:
    from infra.local.server import call_handler

    result = call_handler(method, path, claims, None if body is None else json.dumps(body, ensure_ascii=False))
    return result["statusCode"], json.loads(result["body"]) if result.get("body") else None


def _seed(tenant: str, claims: dict[str, str], rng: random.Random) -> list[dict[str, Any]]:
    from bench.contacts_bench import _contact
    from shared.db import contacts as repository
    from shared.domain import contacts as rules
    from shared.domain.ids import new_id

    status, _ = _call("POST", "/v1/properties", claims, {"key": "employees", "label": "従業員数", "type": "number"})
    assert status == 201
    contacts = []
    for index in range(PER_TENANT):
        contact = _contact(rules, new_id, index, tenant, rng)
        contact["email"] = f"c{index}.{tenant}@example.co.jp"
        contact["properties"] = {"employees": rng.randint(1, 5_000)}
        if index % TAGGED_EVERY == 0:
            contact["tags"] = [TAG]
        contacts.append(contact)
    repository.insert_many(tenant, contacts)
    return contacts


RECENT_EVERY, EARLIER_EVERY = 100, 10  # contacts sent an email in the last days / two months ago


def _mail(tenant: str, contacts: list[dict[str, Any]]) -> int:
    """`email_sent` entries as sends leave them: one for 1 % of the contacts yesterday, one for
    10 % sixty days ago; the number sent lately."""
    from datetime import datetime, timedelta

    from shared.db.activity_items import activity_model
    from shared.db.models import ActivityItem
    from shared.domain import activities, validation
    from shared.domain.ids import new_id

    now = datetime.now(UTC)
    recent = 0
    with ActivityItem.batch_write() as batch:
        for index, contact in enumerate(contacts):
            for every, days in ((RECENT_EVERY, 1), (EARLIER_EVERY, 60)):
                if index % every == 1:
                    at = validation.format_time(now - timedelta(days=days))
                    entry = activities.new_activity(new_id(), "email_sent", at, ("user", "owner-1"), "Email sent",
                                                    {"email_id": new_id(), "template_id": "bench-template"})
                    batch.save(activity_model(tenant, contact["id"], entry))
                    recent += days == 1
    return recent


def run() -> list[Figure]:
    from shared.db.models import table_connection

    counter = DynamoCounter(table_connection().connection.client)
    rng = random.Random(11)
    tenants = {name: seated({"sub": "owner-1", "email": "owner@example.jp", "custom:tenant_id": name,
                             "custom:role": "owner"})
               for name in ("bench-search-a", "bench-search-b")}
    seeded = {name: _seed(name, claims, rng) for name, claims in tenants.items()}
    tenant = "bench-search-a"
    claims = tenants[tenant]
    figures = []

    matches = PER_TENANT // TAGGED_EVERY
    with counter.measure() as reads:
        status, page = _call("POST", "/v1/contacts/search", claims,
                             {"filter": {"tags": {"include": [TAG]}}, "limit": 50})
    assert status == 200 and page["total"] == matches, page.get("total")
    figures.append(Figure("#7", f"search tag = X ({matches} of {PER_TENANT:,} match, 1 %): items read",
                          reads.items_read, 3 * matches + 50, "items"))

    wanted = sum(1 for contact in seeded[tenant] if contact["properties"]["employees"] >= 4_900)
    with counter.measure() as reads:
        status, page = _call("POST", "/v1/contacts/search", claims,
                             {"filter": {"field": "properties.employees", "op": "gte", "value": 4_900}})
    assert status == 200 and page["total"] == wanted, (page.get("total"), wanted)
    figures.append(Figure("#7", "search on an unindexed custom property: items read (the tenant only, "
                          "+ the member check)", reads.items_read, PER_TENANT + 1, "items"))

    lately = _mail(tenant, seeded[tenant])
    mailed = {"emails": {"event": "sent", "template_id": "bench-template", "since": {"days_ago": 30}}}
    with counter.measure() as reads:
        status, page = _call("POST", "/v1/contacts/search", claims, {"filter": mailed, "limit": 50})
    assert status == 200 and page["total"] == lately and len(page["items"]) == 50, page.get("total")
    figures.append(Figure("#22", f"search emails sent from a template in 30 days ({lately} of {PER_TENANT:,}; "
                          f"{PER_TENANT // EARLIER_EVERY:,} earlier): items read", reads.items_read, 3 * lately + 50,
                          "items"))

    status, segment = _call("POST", "/v1/segments", claims, {"name": "展示会", "filter": {"tags": {"include": [TAG]}}})
    assert status == 201, segment
    with counter.measure() as reads:
        status, page = _call("POST", "/v1/contacts/search", claims,
                             {"filter": {"segment_id": segment["id"]}, "limit": 50})
    assert status == 200 and page["total"] == matches, page.get("total")
    figures.append(Figure("#22", f"search segment_id = a tag segment ({matches} of {PER_TENANT:,}): items read",
                          reads.items_read, 3 * matches + 50 + 1, "items"))

    emails = [contact["email"] for contact in rng.sample(seeded[tenant], 1_000)]
    with counter.measure() as reads:
        status, found = _call("POST", "/v1/contacts/lookup", claims, {"field": "email", "values": emails})
    assert status == 200 and len(found["found"]) == 1_000
    figures.append(Figure("#7", "bulk lookup of 1,000 emails: requests", reads.total_requests, 12, "requests"))

    ids = [contact["id"] for contact in seeded[tenant][1::4][:BULK]]
    status, job = _call("POST", "/v1/contacts/bulk", claims,
                        {"selection": {"ids": ids}, "action": "add_tags", "params": {"tags": ["一括"]}})
    assert status == 202, job
    measured = in_fresh_process(_WORKER)
    status, done = _call("GET", f"/v1/jobs/{job['id']}", claims)
    assert done["status"] == "succeeded" and done["counts"]["ok"] == BULK, done
    writes, peak = measured["writes"], measured["peak"]
    figures.append(Figure("#7", f"bulk add_tags on {BULK:,} contacts (a job): DynamoDB write requests", writes,
                          BULK // 25 * ITEMS_PER_TAGGED_CONTACT, "requests"))
    figures.append(Figure("#7", f"bulk add_tags on {BULK:,} contacts: peak memory allocated by the worker",
                          round(peak / 2**20, 1), 256, "MB"))
    return figures
