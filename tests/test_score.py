"""The 90-day score and engagement: unit rules, and through ingest, logged activities and settings."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from conftest import create
from shared.domain import score


def test_counts_keep_the_window_and_skip_machines():
    today = date(2026, 11, 23)
    contact = score.counted({"score_counts": {"2026-08-01|page_view": 4}}, [
        ("page_view", "2026-11-23T01:00:00.000Z", False), ("page_view", "2026-11-22T01:00:00.000Z", False),
        ("purchase", "2026-08-26T00:00:00.000Z", False),  # day 90 of the window: counts
        ("purchase", "2026-08-25T23:59:59.000Z", False),  # day 91: out
        ("page_view", "2026-11-23T02:00:00.000Z", True),   # a machine
    ], today)
    assert contact["score_counts"] == {"2026-11-23|page_view": 1, "2026-11-22|page_view": 1, "2026-08-26|purchase": 1}
    assert score.score(contact, {"page_view": 1, "purchase": 20}, today) == 22
    assert score.score(contact, {"page_view": 1, "purchase": 20}, today + timedelta(days=1)) == 2  # ages out


@pytest.mark.parametrize(("points", "expected"), [(0, "inactive"), (4, "inactive"), (5, "active"), (29, "active"),
                                                  (30, "hot")])
def test_engagement_thresholds(points, expected):
    assert score.engagement(points, {"hot": 30, "active": 5}) == expected


def _post(key, events):
    from infra.local.server import call_handler

    result = call_handler("POST", "/v1/events", None, json.dumps({"events": events}), headers={"x-api-key": key})
    assert result["statusCode"] == 202, result
    return json.loads(result["body"])


def _days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_score_and_engagement_follow_events_weights_and_the_window(api):
    contact = create(api, family_name="山田", email="taro@example.jp")
    key = api.post("/v1/api-keys", {"name": "site"}).body["secret"]
    _post(key, [{"contact": {"id": contact["id"]}, "type": "purchase", "occurred_at": _days_ago(1)},
                {"contact": {"id": contact["id"]}, "type": "page_view", "occurred_at": _days_ago(2)},
                {"contact": {"id": contact["id"]}, "type": "page_view", "occurred_at": _days_ago(3),
                 "data": {"machine": True}},
                {"contact": {"id": contact["id"]}, "type": "purchase", "occurred_at": _days_ago(120)}])
    stored = api.get(f"/v1/contacts/{contact['id']}").body
    assert (stored["score"], stored["engagement"]) == (21, "active")  # purchase 20 + page_view 1
    assert api.put("/v1/settings", {"score_weights": {"purchase": 50, "page_view": 1}}).status == 200
    stored = api.get(f"/v1/contacts/{contact['id']}").body
    assert (stored["score"], stored["engagement"]) == (51, "hot")
    listed = api.get("/v1/contacts").body["items"]
    assert [item["score"] for item in listed if item["id"] == contact["id"]] == [51]


def test_a_logged_meeting_scores(api):
    contact = create(api, family_name="山田")
    assert api.post(f"/v1/contacts/{contact['id']}/activities", {"type": "meeting", "subject": "商談"}).status == 201
    assert api.get(f"/v1/contacts/{contact['id']}").body["score"] == 10


def test_engagement_thresholds_are_a_setting(api):
    assert api.put("/v1/settings", {"engagement_thresholds": {"hot": 5, "active": 1}}).status == 200
    contact = create(api, family_name="山田")
    api.post(f"/v1/contacts/{contact['id']}/activities", {"type": "call", "subject": "架電"})
    assert api.get(f"/v1/contacts/{contact['id']}").body["engagement"] == "active"  # call: 3 points
    reply = api.put("/v1/settings", {"engagement_thresholds": {"hot": 1, "active": 5}})
    assert reply.status == 422 and reply.body["error"]["details"][0]["field"] == "engagement_thresholds.hot"
