"""Issue 22 parts 3 and 5 through the handlers: the `emails` and `segment_id` search conditions
(SATORI's 送信したメール and 該当セグメント), `emails_sent_count` (SATORI's メール column), and
`purchase_count` / `last_purchase_at` from ingested purchases (Channel Talk's
lastCheckoutCompletedAt, Connected One's 購買記録): read-only, shown, searchable."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from conftest import Api, assert_error, create
from mail_support import HTML, outbox_listening, sent  # noqa: F401 - outbox_listening is an autouse fixture
from test_templates_notifications import age, from_template, human_click, human_open, machine_opens, template

NO_SUCH_ID = "01JNOSUCHTHING000000000000"


def found(api: Api, tree: Any, **body: Any) -> list[str]:
    """The family names a search finds, sorted (every page)."""
    reply = api.post("/v1/contacts/search", {"filter": tree, "limit": 200, **body})
    assert reply.status == 200, reply.body
    assert reply.body["next_cursor"] is None and reply.body["total"] == len(reply.body["items"])
    return sorted(contact["family_name"] for contact in reply.body["items"])


def segment(api: Api, tree: Any, name: str = "セグメント") -> str:
    reply = api.post("/v1/segments", {"name": name, "filter": tree})
    assert reply.status == 201, reply.body
    return reply.body["id"]


# --- emails: the condition and the count ---------------------------------------------------------

@pytest.fixture
def mailed(api) -> dict[str, Any]:
    """山田 got the template's email (opened by a person, a link clicked), 佐藤 a plain one only a
    machine opened, 鈴木 nothing; another tenant's contact got the same kind of email."""
    people = {name: create(api, family_name=name, email=f"{uuid.uuid4().hex[:8]}@example.jp")
              for name in ("山田", "佐藤", "鈴木")}
    greeting = template(api, body_html=HTML)
    reply = from_template(api, people["山田"]["id"], greeting["id"])
    assert reply.status == 201, reply.body
    to_yamada = age(api, reply.body)
    human_open(to_yamada["id"])
    human_click(to_yamada["id"])
    to_sato = sent(api, people["佐藤"]["id"], body_html=HTML)
    sent(api, people["佐藤"]["id"])
    machine_opens(to_sato["id"])
    other = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    other.enroll()
    outsider = create(other, family_name="山田", email="outsider@example.jp")
    human_open(sent(other, outsider["id"], body_html=HTML)["id"])
    return {"people": people, "template_id": greeting["id"]}


def test_emails_sent_count_counts_each_email_sent_to_the_contact(api, mailed):
    people = mailed["people"]
    counts = {name: api.get(f"/v1/contacts/{person['id']}").body["emails_sent_count"]
              for name, person in people.items()}
    assert counts == {"山田": 1, "佐藤": 2, "鈴木": 0}
    assert found(api, {"field": "emails_sent_count", "op": "gte", "value": 2}) == ["佐藤"]
    assert found(api, {"field": "emails_sent_count", "op": "eq", "value": 0}) == ["鈴木"]


@pytest.mark.parametrize("emails, expected", [
    ({"event": "sent"}, ["佐藤", "山田"]),
    ({"event": "sent", "template_id": "TEMPLATE"}, ["山田"]),
    ({"event": "opened"}, ["山田"]),  # 佐藤's opens were a machine's
    ({"event": "clicked"}, ["山田"]),
    ({"event": "clicked", "template_id": NO_SUCH_ID}, []),
    ({"event": "sent", "since": {"days_ago": 1}}, ["佐藤", "山田"]),
    ({"event": "sent", "since": "2999-01-01"}, []),
])
def test_the_emails_condition_finds_contacts_by_what_their_emails_met(api, mailed, emails, expected):
    if emails.get("template_id") == "TEMPLATE":
        emails = {**emails, "template_id": mailed["template_id"]}
    assert found(api, {"emails": emails}) == expected


def test_an_emails_condition_combines_with_others_and_pages_exactly(api, mailed):
    tree = {"or": [{"emails": {"event": "opened"}}, {"field": "family_name", "op": "eq", "value": "鈴木"}]}
    assert found(api, tree) == ["山田", "鈴木"]
    assert found(api, {"and": [{"emails": {"event": "sent"}},
                               {"field": "emails_sent_count", "op": "lt", "value": 2}]}) \
        == ["山田"]
    first = api.post("/v1/contacts/search", {"filter": {"emails": {"event": "sent"}}, "limit": 1, "sort": "name"}).body
    assert first["total"] == 2 and len(first["items"]) == 1 and first["next_cursor"]
    second = api.post("/v1/contacts/search", {"filter": {"emails": {"event": "sent"}}, "limit": 1, "sort": "name",
                                             "cursor": first["next_cursor"]}).body
    assert {first["items"][0]["family_name"], second["items"][0]["family_name"]} == {"山田", "佐藤"}


def test_an_entry_outliving_its_contact_is_not_a_match(api, mailed):
    """A deleted contact's timeline is emptied after its delete (pattern 4): email entries left
    meanwhile neither count in `total` nor show, even when they are too many to read every
    contact (more than 2 x limit + 50 ids)."""
    from shared.db.activity_items import activity_model
    from shared.db.models import ActivityItem
    from shared.domain import activities

    with ActivityItem.batch_write() as batch:
        for number in range(60):
            entry = activities.new_activity(f"01JGONEENTRY{number:014d}", "email_sent", "2026-05-01T00:00:00.000Z",
                                            ("user", "someone"), "Email sent",
                                            {"email_id": f"01JGONEMAIL{number:015d}"})
            batch.save(activity_model(api.tenant, f"01JGONECONTACT{number:012d}", entry))
    names = []
    body: dict[str, Any] = {"filter": {"emails": {"event": "sent"}}, "limit": 1}
    while True:
        reply = api.post("/v1/contacts/search", body)
        assert reply.status == 200, reply.body
        assert reply.body["total"] == 2, reply.body["total"]
        names += [item["family_name"] for item in reply.body["items"]]
        if reply.body["next_cursor"] is None:
            break
        body["cursor"] = reply.body["next_cursor"]
    assert sorted(names) == ["佐藤", "山田"]


@pytest.mark.parametrize("emails, field", [
    ({"event": "bounced"}, "filter.emails.event"),
    ({}, "filter.emails.event"),
    ({"event": "sent", "since": "yesterday"}, "filter.emails.since"),
    ({"event": "sent", "template_id": "a#b"}, "filter.emails.template_id"),
    ({"event": "sent", "subject": "x"}, "filter.emails.subject"),
    ("sent", "filter.emails"),
])
def test_a_wrong_emails_condition_is_a_422_naming_it(api, emails, field):
    assert_error(api.post("/v1/contacts/search", {"filter": {"emails": emails}}), 422, field)


def test_the_new_fields_are_read_only_and_listable(api):
    person = create(api, family_name="山田")
    for name, value in (("emails_sent_count", 3), ("purchase_count", 1), ("last_purchase_at", "2026-01-01T00:00:00Z")):
        assert_error(api.patch(f"/v1/contacts/{person['id']}", {name: value}), 422, name)
    shown = api.get(f"/v1/contacts/{person['id']}").body
    assert (shown["emails_sent_count"], shown["purchase_count"], shown["last_purchase_at"]) == (0, 0, None)
    columns = ["emails_sent_count", "purchase_count", "last_purchase_at"]
    reply = api.put("/v1/settings", {"list_columns": columns})
    assert reply.status == 200, reply.body
    assert reply.body["list_columns"][-3:] == columns


# --- segment_id ----------------------------------------------------------------------------------

@pytest.fixture
def tagged(api) -> dict[str, Any]:
    return {
        "山田": create(api, family_name="山田", tags=["VIP"], status="new"),
        "佐藤": create(api, family_name="佐藤", tags=["VIP"], status="won"),
        "鈴木": create(api, family_name="鈴木", tags=[], status="new"),
    }


def test_a_segment_condition_finds_the_segments_live_members(api, tagged):
    vip = segment(api, {"tags": {"include": ["VIP"]}})
    assert found(api, {"segment_id": vip}) == ["佐藤", "山田"]
    assert found(api, {"and": [{"segment_id": vip}, {"field": "status", "op": "eq", "value": "new"}]}) == ["山田"]
    assert api.patch(f"/v1/contacts/{tagged['鈴木']['id']}", {"tags": ["VIP"]}).status == 200
    assert found(api, {"segment_id": vip}) == ["佐藤", "山田", "鈴木"]  # live: the segment's result now
    new_vip = segment(api, {"and": [{"segment_id": vip}, {"field": "status", "op": "eq", "value": "new"}]})
    page = api.get(f"/v1/segments/{new_vip}/contacts").body
    assert sorted(contact["family_name"] for contact in page["items"]) == ["山田", "鈴木"] and page["total"] == 2


def test_a_segment_cannot_reach_itself(api, tagged):
    first = segment(api, {"tags": {"include": ["VIP"]}})
    second = segment(api, {"segment_id": first})
    reply = api.put(f"/v1/segments/{first}", {"name": "自分", "filter": {"segment_id": first}})
    assert_error(reply, 422, "filter.segment_id")
    assert reply.body["error"]["details"][0]["code"] == "segment_cycle"
    reply = api.put(f"/v1/segments/{first}", {"name": "循環", "filter": {"or": [{"segment_id": second}]}})
    assert_error(reply, 422, "filter.or[0].segment_id.segment_id")
    assert api.get(f"/v1/segments/{first}").body["filter"] == {"tags": {"include": ["VIP"]}}  # unchanged
    assert found(api, {"segment_id": second}) == ["佐藤", "山田"]


def test_an_unknown_or_foreign_segment_is_a_422_and_a_deleted_one_a_409(api, tagged):
    other = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    other.enroll()
    foreign = segment(other, {"tags": {"include": ["VIP"]}})
    for segment_id in (NO_SUCH_ID, foreign, 42):
        reply = api.post("/v1/contacts/search", {"filter": {"segment_id": segment_id}})
        assert_error(reply, 422, "filter.segment_id")
        assert reply.body["error"]["details"][0]["code"] == "unknown_segment"
    inner = segment(api, {"tags": {"include": ["VIP"]}})
    outer = segment(api, {"segment_id": inner})
    assert api.delete(f"/v1/segments/{inner}").status == 204
    assert_error(api.get(f"/v1/segments/{outer}/contacts"), 409, "filter.segment_id")


# --- purchases -----------------------------------------------------------------------------------

def post_events(key: str, events: list[dict[str, Any]]) -> list[str]:
    from infra.local.server import call_handler

    result = call_handler("POST", "/v1/events", None, json.dumps({"events": events}), headers={"x-api-key": key})
    assert result["statusCode"] == 202, result
    return [item["status"] for item in json.loads(result["body"])["results"]]


def test_ingested_purchases_set_the_purchase_fields_once_each(api):
    buyer = create(api, family_name="山田", email="buyer@example.jp")
    create(api, family_name="佐藤", email="browser@example.jp")
    key = api.post("/v1/api-keys", {"name": "shop"}).body["secret"]
    purchases = [
        {"contact": {"email": "buyer@example.jp"}, "type": "purchase", "occurred_at": "2026-03-01T10:00:00Z",
         "data": {"amount": 3000}, "event_id": "order-1"},
        {"contact": {"email": "buyer@example.jp"}, "type": "purchase", "occurred_at": "2026-02-01T10:00:00Z",
         "event_id": "order-0"},
        {"contact": {"email": "browser@example.jp"}, "type": "page_view", "occurred_at": "2026-03-02T10:00:00Z"},
    ]
    assert post_events(key, purchases) == ["accepted", "accepted", "accepted"]
    assert post_events(key, purchases[:1]) == ["duplicate"]
    shown = api.get(f"/v1/contacts/{buyer['id']}").body
    assert (shown["purchase_count"], shown["last_purchase_at"]) == (2, "2026-03-01T10:00:00.000Z")
    assert found(api, {"field": "purchase_count", "op": "gte", "value": 1}) == ["山田"]
    assert found(api, {"field": "last_purchase_at", "op": "gte", "value": "2026-03-01"}) == ["山田"]
    assert found(api, {"field": "last_purchase_at", "op": "not_exists"}) == ["佐藤"]
