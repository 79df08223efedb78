"""Issue 22 figures: a page of a contact's property history, of one field and of every field,
on a contact with 1,000 history entries: the items read (the page's entries, the contact and
config of the visibility check, the member check and the page's member names) and the requests."""

from __future__ import annotations

from bench.counting import DynamoCounter, seated
from bench.figures import Figure

PATCHES, FIELDS_PER_PATCH, PAGE = 200, 5, 50
STATUSES = ("called", "visited", "won", "lost", "replied")
# around the page's entries: the member check (GetItem), the contact and config (BatchGetItem of
# two) and the members who made the page's changes (BatchGetItem of one)
ITEMS_AROUND_A_PAGE = 4
REQUESTS_A_PAGE = 4


def run() -> list[Figure]:
    from bench.emails_bench import _call, _seed_contacts
    from shared.db.models import table_connection

    counter = DynamoCounter(table_connection().connection.client)
    claims = seated({"sub": "owner-1", "email": "owner@example.co.jp", "custom:tenant_id": "bench-history",
                     "custom:role": "owner", "name": "山田 太郎"})
    contact_id = _seed_contacts("bench-history", 1)[0]
    keys = [f"field_{number}" for number in range(FIELDS_PER_PATCH - 1)]
    for key in keys:
        assert _call("POST", "/v1/properties", claims, {"key": key, "label": key, "type": "text"})[0] == 201
    for number in range(PATCHES):  # each PATCH changes the status and four properties: 1,000 entries
        body = {"status": STATUSES[number % len(STATUSES)], "properties": {key: f"{key} {number}" for key in keys}}
        assert _call("PATCH", f"/v1/contacts/{contact_id}", claims, body)[0] == 200

    figures = []
    for query, what in (({"field": "status"}, "of one field (`field=status`)"), ({}, "of every field")):
        with counter.measure() as reads:
            status, page = _call("GET", f"/v1/contacts/{contact_id}/history", claims,
                                 query={**query, "limit": str(PAGE)})
        assert status == 200 and len(page["items"]) == PAGE and page["next_cursor"], page
        assert all(entry["actor_name"] == "山田 太郎" for entry in page["items"]), page["items"][:2]
        entries = PATCHES * FIELDS_PER_PATCH
        figures += [
            Figure("#22", f"history page of {PAGE} {what}, contact with {entries:,} entries: items read",
                   reads.items_read, PAGE + ITEMS_AROUND_A_PAGE, "items"),
            Figure("#22", f"history page of {PAGE} {what}: DynamoDB requests", reads.total_requests, REQUESTS_A_PAGE,
                   "requests"),
        ]
    return figures
