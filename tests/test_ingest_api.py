"""API keys (/v1/api-keys) and server-side ingest (POST /v1/events with X-Api-Key) through the
handlers: per-item results, event_id deduplication across retries, contacts by id or email,
and the contact's last customer action."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import Api, assert_error, create


def post_events(key: str | None, events: Any, raw: str | None = None) -> tuple[int, Any]:
    from infra.local.server import call_handler

    result = call_handler("POST", "/v1/events", None, raw if raw is not None else json.dumps({"events": events}),
                          headers={"x-api-key": key} if key is not None else {})
    return result["statusCode"], json.loads(result["body"])


def statuses(reply: Any) -> list[str]:
    return [item["status"] for item in reply["results"]]


@pytest.fixture
def key(api) -> str:
    reply = api.post("/v1/api-keys", {"name": "website"})
    assert reply.status == 201, reply.body
    return reply.body["secret"]


@pytest.fixture
def taro(api):
    return create(api, family_name="山田", email="taro@example.jp")


def timeline_types(api: Api, contact_id: str) -> list[str]:
    return [item["type"] for item in api.get(f"/v1/contacts/{contact_id}/timeline").body["items"]]


def test_an_api_key_is_shown_once_and_listed_without_its_secret(api, key):
    listed = api.get("/v1/api-keys").body["items"]
    assert [item["name"] for item in listed] == ["website"]
    assert "secret" not in listed[0] and key not in json.dumps(listed)
    assert key.startswith(f"crm_{listed[0]['id']}_")


@pytest.mark.parametrize("role", ["manager", "user"])
def test_only_owners_and_admins_manage_api_keys(api, role):
    other = api.as_(role)
    assert_error(other.post("/v1/api-keys", {"name": "x"}), 403)
    assert_error(other.get("/v1/api-keys"), 403)
    assert api.as_("admin").post("/v1/api-keys", {"name": "x"}).status == 201


def test_an_api_key_needs_a_name(api):
    assert_error(api.post("/v1/api-keys", {"name": " "}), 422, "name")
    assert_error(api.post("/v1/api-keys", {"name": "x", "secret": "mine"}), 422, "secret")


def test_events_are_recorded_on_the_contacts_timeline_with_per_item_results(api, key, taro):
    status, reply = post_events(key, [
        {"contact": {"email": "Taro@Example.jp"}, "type": "page_view", "data": {"url": "https://acme.jp/pricing"}},
        {"contact": {"id": taro["id"]}, "type": "purchase", "occurred_at": "2026-11-01T00:00:00Z",
         "data": {"amount": 12000}},
        {"contact": {"id": taro["id"]}, "type": "webinar_joined"},
        {"contact": {"email": "nobody@example.jp"}, "type": "page_view"},
        {"contact": {"id": taro["id"]}, "type": "email_sent"},
        {"contact": {"id": taro["id"]}, "type": "page_view", "occurred_at": "not a time"},
        "not an object",
    ])
    assert status == 202
    assert statuses(reply) == ["accepted", "accepted", "accepted", "rejected", "rejected", "rejected", "rejected"]
    assert all(item["error"] for item in reply["results"][3:]) and reply["results"][0]["error"] is None
    assert sorted(timeline_types(api, taro["id"])) == ["page_view", "purchase", "webinar_joined"]
    stored = api.get(f"/v1/contacts/{taro['id']}").body
    assert stored["last_customer_action_type"] in ("page_view", "webinar_joined")
    assert stored["last_customer_action_at"] > "2026-11-01T00:00:00.000Z"


def test_a_full_call_over_owned_contacts_fits_its_transactions(api, key):
    """500 events over 40 contacts of one owner: each contact's new last action moves its items in
    the owner's sorted views, which the grouping counts (it once counted the contact unchanged,
    and a group passed DynamoDB's 100 actions: a 422 for a valid call)."""
    from stack_support import seeded

    owned = seeded(api, 40, owner_id=api.user_id)
    events = [{"contact": {"id": owned[index % len(owned)]}, "type": ("form_submitted", "purchase")[index % 2],
               "occurred_at": f"2026-11-{1 + index % 28:02d}T00:00:{index % 60:02d}Z", "event_id": f"full-{index}"}
              for index in range(500)]

    status, reply = post_events(key, events)

    assert status == 202, reply
    assert statuses(reply) == ["accepted"] * 500
    mine = api.get("/v1/contacts", query={"owner_id": api.user_id, "sort": "last_customer_action_at", "order": "desc",
                                          "limit": "100"}).body["items"]
    assert {contact["id"] for contact in mine} == set(owned)
    assert all(contact["last_customer_action_at"].startswith("2026-11-") for contact in mine)


def test_a_retry_with_the_same_event_id_is_a_duplicate(api, key, taro):
    events = [{"contact": {"id": taro["id"]}, "type": "page_view", "event_id": "pv-1"},
              {"contact": {"id": taro["id"]}, "type": "page_view", "event_id": "pv-2"}]
    assert statuses(post_events(key, events)[1]) == ["accepted", "accepted"]
    assert statuses(post_events(key, events + [{"contact": {"id": taro["id"]},
                                                "type": "purchase", "event_id": "p-1"}])[1]) == [
        "duplicate", "duplicate", "accepted"]
    assert statuses(post_events(key, [events[0], events[0]])[1]) == ["duplicate", "duplicate"]
    assert sorted(timeline_types(api, taro["id"])) == ["page_view", "page_view", "purchase"]


def test_the_same_event_id_twice_in_one_call_is_recorded_once(api, key, taro):
    event = {"contact": {"id": taro["id"]}, "type": "page_view", "event_id": "dup"}
    assert statuses(post_events(key, [event, event])[1]) == ["accepted", "duplicate"]
    assert timeline_types(api, taro["id"]) == ["page_view"]


def test_a_form_submission_creates_an_unknown_email_as_an_ownerless_contact(api, key):
    status, reply = post_events(key, [{"contact": {"email": "new@example.jp"}, "type": "form_submitted",
                                       "data": {"form": "資料請求"}},
                                      {"contact": {"email": "later@example.jp", "create": True}, "type": "page_view"}])
    assert statuses(reply) == ["accepted", "accepted"]
    found = api.post("/v1/contacts/lookup",
                     {"field": "email", "values": ["new@example.jp", "later@example.jp"]}).body["found"]
    assert sorted(contact["email"] for contact in found) == ["later@example.jp", "new@example.jp"]
    assert all(contact["owner_id"] is None for contact in found)


def test_an_event_that_would_create_a_contact_beyond_the_plan_is_rejected_alone(api, key, taro):
    assert api.put("/v1/settings", {"contact_limit": 1}).status == 200
    status, reply = post_events(key, [{"contact": {"email": "new@example.jp"}, "type": "form_submitted"},
                                      {"contact": {"email": "taro@example.jp"}, "type": "page_view"}])
    assert status == 202 and statuses(reply) == ["rejected", "accepted"]
    assert "allows 1 contacts" in reply["results"][0]["error"]
    assert api.post("/v1/contacts/lookup", {"field": "email", "values": ["new@example.jp"]}).body["found"] == []
    assert timeline_types(api, taro["id"]) == ["page_view"]


def test_events_never_reach_another_tenants_contact(api, key, taro):
    other = Api(f"{api.tenant}-other")
    theirs = create(other, family_name="山田", email="taro@example.jp")
    status, reply = post_events(key, [{"contact": {"id": theirs["id"]}, "type": "page_view"}])
    assert statuses(reply) == ["rejected"]
    assert timeline_types(other, theirs["id"]) == []


@pytest.mark.parametrize("presented", [None, "", "crm_x", "Bearer abc"])
def test_a_missing_or_malformed_key_is_401(presented):
    status, reply = post_events(presented, [])
    assert status == 401 and reply["error"]["code"] == "unauthorized"


def test_an_edited_or_deleted_key_is_401(api, key, taro):
    edited = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert post_events(edited, [{"contact": {"id": taro["id"]}, "type": "page_view"}])[0] == 401
    key_id = api.get("/v1/api-keys").body["items"][0]["id"]
    assert api.delete(f"/v1/api-keys/{key_id}").status == 204
    assert post_events(key, [{"contact": {"id": taro["id"]}, "type": "page_view"}])[0] == 401
    assert timeline_types(api, taro["id"]) == []
    assert_error(api.delete(f"/v1/api-keys/{key_id}"), 404)


def test_a_batch_over_500_is_413_and_a_bad_body_400(key):
    assert post_events(key, [{"contact": {"id": "x"}, "type": "page_view"}] * 501)[0] == 413
    assert post_events(key, None, raw='{"events": {}}')[0] == 400
    assert post_events(key, None, raw="not json")[0] == 400
