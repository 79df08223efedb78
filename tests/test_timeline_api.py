"""GET /v1/contacts/{id}/timeline and POST/PATCH/DELETE /v1/contacts/{id}/activities through
the handlers: the activities people log (fields, defaults, refusals), what a logged call does
to its contact, the timeline's order, filters and cursors, system entries, who may change
what, owner visibility, tenant isolation and what deleting the contact leaves behind.
Every assertion follows /work/shared/api-contract.md (Conventions; Identity, tenants, roles;
Timeline and activities)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

from conftest import TABLE_NAME, Api, Reply, assert_error, contact_of, create
from mail_support import (
    outbox_listening,  # noqa: F401  (the outbox records only once imported)
    sent,
)

CUSTOM_TYPES = ("custom_email", "meeting", "call", "other", "memo")
ISO_UTC_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


# --- helpers -----------------------------------------------------------------------------------


def day(number: int, hour: int = 9) -> str:
    """A time in March 2026, in the contract's form."""
    return f"2026-03-{number:02d}T{hour:02d}:00:00.000Z"


def now() -> str:
    moment = datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def activities_path(contact_id: str, activity_id: str | None = None) -> str:
    path = f"/v1/contacts/{contact_id}/activities"
    return path if activity_id is None else f"{path}/{activity_id}"


def log(api: Api, contact_id: str, **fields: Any) -> dict[str, Any]:
    """POST an activity (a memo with a subject unless told otherwise); it must answer 201."""
    reply = api.post(activities_path(contact_id), {"type": "memo", "subject": "メモ", **fields})
    assert reply.status == 201, reply.body
    return reply.body


def log_days(api: Api, contact_id: str, days: list[int], types: list[str] | None = None) -> dict[int, dict[str, Any]]:
    """One activity per day, logged in the order given; by day."""
    types = types or ["memo"] * len(days)
    return {number: log(api, contact_id, type=kind, occurred_at=day(number), subject=f"day {number}")
            for number, kind in zip(days, types, strict=False)}


def edit(api: Api, contact_id: str, activity_id: str, **fields: Any) -> Reply:
    return api.patch(activities_path(contact_id, activity_id), fields)


def remove(api: Api, contact_id: str, activity_id: str) -> Reply:
    return api.delete(activities_path(contact_id, activity_id))


def timeline_page(api: Api, contact_id: str, **query: Any) -> Reply:
    return api.get(f"/v1/contacts/{contact_id}/timeline", query=query)


def pages(api: Api, contact_id: str, **query: Any) -> list[list[dict[str, Any]]]:
    """Every page of a timeline query, following next_cursor until it is null."""
    result, cursor = [], None
    while True:
        reply = timeline_page(api, contact_id, **query, **({"cursor": cursor} if cursor else {}))
        assert reply.status == 200, reply.body
        assert set(reply.body) == {"items", "next_cursor"}, reply.body
        result.append(reply.body["items"])
        cursor = reply.body["next_cursor"]
        if cursor is None:
            return result
        assert len(result) < 50, "the cursor never ends"


def entries(api: Api, contact_id: str, **query: Any) -> list[dict[str, Any]]:
    """The whole timeline (all pages), as answered."""
    return [item for page in pages(api, contact_id, **query) for item in page]


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


def stored_partition(api: Api, contact_id: str) -> list[dict[str, Any]]:
    """Every item of the contact's partition, read straight from the table."""
    return boto3.resource("dynamodb").Table(TABLE_NAME).query(
        KeyConditionExpression=Key("pk").eq(f"TENANT#{api.tenant}#CONTACT#{contact_id}"), ConsistentRead=True,
    )["Items"]


@pytest.fixture
def contact(api) -> dict[str, Any]:
    return create(api, family_name="山田", given_name="太郎", email="taro@example.jp")


@pytest.fixture
def other_contact(api) -> dict[str, Any]:
    return create(api, family_name="鈴木", given_name="花子", email="hanako@example.jp")


# --- logging an activity -----------------------------------------------------------------------


@pytest.mark.parametrize("kind", CUSTOM_TYPES)
def test_each_custom_type_is_logged_with_its_fields(api, contact, kind):
    rep = api.as_("user")
    reply = rep.post(activities_path(contact["id"]), {
        "type": kind, "occurred_at": "2026-03-01T18:30:15.5+09:00", "subject": "  打ち合わせ  ",
        "body": "議事録\n二行目",
    })

    assert reply.status == 201, reply.body
    activity = reply.body
    assert isinstance(activity["id"], str) and activity["id"]
    assert activity["type"] == kind
    assert activity["occurred_at"] == "2026-03-01T09:30:15.500Z"
    assert activity["actor"] == {"kind": "user", "id": rep.user_id, "name": None}
    assert activity["summary"] == "打ち合わせ"
    assert activity["data"] == {"subject": "打ち合わせ", "body": "議事録\n二行目"}
    assert entries(api, contact["id"]) == [activity]


def test_occurred_at_defaults_to_now(api, contact):
    before = now()
    activity = log(api, contact["id"], subject=None, body="本文だけ")
    after = now()

    assert ISO_UTC_MS.match(activity["occurred_at"]), activity
    assert before <= activity["occurred_at"] <= after
    assert activity["data"] == {"subject": None, "body": "本文だけ"}
    assert isinstance(activity["summary"], str) and activity["summary"]
    assert entries(api, contact["id"]) == [activity]


def test_a_subject_of_200_characters_is_accepted(api, contact):
    assert log(api, contact["id"], subject="あ" * 200)["data"]["subject"] == "あ" * 200


@pytest.mark.parametrize("body, field", [
    ({"type": "phone", "subject": "x"}, "type"),
    ({"type": "email_sent", "subject": "x"}, "type"),
    ({"type": "owner_assigned", "subject": "x"}, "type"),
    ({"subject": "x"}, "type"),
    ({"type": "call", "subject": "x", "occurred_at": "yesterday"}, "occurred_at"),
    ({"type": "call", "subject": "x", "occurred_at": "2026-13-01T00:00:00Z"}, "occurred_at"),
    ({"type": "call", "subject": "x", "occurred_at": 1767225600}, "occurred_at"),
    ({"type": "call", "subject": "x" * 201}, "subject"),
    ({"type": "call", "subject": "改行\nあり"}, "subject"),
    ({"type": "call"}, "subject"),
    ({"type": "call", "subject": "  ", "body": ""}, "subject"),
    ({"type": "call", "subject": "x", "colour": "red"}, "colour"),
], ids=lambda value: value if isinstance(value, str) else None)
def test_a_bad_activity_is_refused_naming_the_field(api, contact, body, field):
    assert_error(api.post(activities_path(contact["id"]), body), 422, field)
    assert entries(api, contact["id"]) == []


@pytest.mark.parametrize("raw_body, status", [
    ("[]", 422), ('["call"]', 422), ('"call"', 422), ("42", 422), ("null", 422),  # JSON, not an object
    ("{not json", 400), ("", 400),  # not JSON at all
])
def test_a_body_that_is_not_an_object_is_refused(api, contact, raw_body, status):
    reply = api.call("POST", activities_path(contact["id"]), raw_body=raw_body)

    assert_error(reply, status)
    assert entries(api, contact["id"]) == []


# --- what a logged call does to the contact ----------------------------------------------------


def test_a_call_marks_the_contact_contacted_and_assigns_an_ownerless_contact(api):
    contact = create(api, family_name="無主", owner_id=None)
    rep, colleague = api.as_("user"), api.as_("user")

    log(rep, contact["id"], type="call", occurred_at=day(2))
    after_first = contact_of(api, contact["id"])
    log(colleague, contact["id"], type="call", occurred_at=day(5))
    after_second = contact_of(api, contact["id"])

    assert (after_first["first_contacted_at"], after_first["last_contacted_at"]) == (day(2), day(2))
    assert after_first["owner_id"] == rep.user_id
    assert (after_second["first_contacted_at"], after_second["last_contacted_at"]) == (day(2), day(5))
    assert after_second["owner_id"] == rep.user_id  # assigned once, to the first caller


def test_a_call_keeps_the_owner_of_an_owned_contact(api, contact):
    log(api.as_("user"), contact["id"], type="call", occurred_at=day(2))

    assert contact_of(api, contact["id"])["owner_id"] == api.user_id


@pytest.mark.parametrize("kind", ["meeting", "memo", "other"])
def test_other_activities_leave_the_contact_alone(api, kind):
    contact = create(api, family_name="無主", owner_id=None)

    log(api.as_("user"), contact["id"], type=kind, occurred_at=day(2))

    after = contact_of(api, contact["id"])
    assert after["owner_id"] is None
    assert after.get("first_contacted_at") is None and after.get("last_contacted_at") is None


def test_a_back_dated_call_keeps_the_latest_contact_and_the_time_of_the_change(api, contact):
    """last_contacted_at stays the latest call, first_contacted_at becomes the earliest, and
    updated_at is when the record changed, not when the call happened."""
    log(api, contact["id"], type="call", occurred_at=day(5))
    before = contact_of(api, contact["id"])["updated_at"]

    log(api, contact["id"], type="call", occurred_at="2020-01-01T00:00:00Z")

    after = contact_of(api, contact["id"])
    assert (after["first_contacted_at"], after["last_contacted_at"]) == ("2020-01-01T00:00:00.000Z", day(5))
    assert after["updated_at"] >= before, (before, after["updated_at"])


def days_ago(number: int) -> str:
    """A time inside the score's 90-day window."""
    moment = datetime.now(UTC).replace(hour=9, minute=0, second=0, microsecond=0) - timedelta(days=number)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_deleting_calls_moves_the_contacted_times_back_and_takes_back_their_score(api, contact):
    first = log(api, contact["id"], type="call", occurred_at=days_ago(9))
    latest = log(api, contact["id"], type="call", occurred_at=days_ago(2))
    assert contact_of(api, contact["id"])["score"] == 2 * 3  # the default weight of a call

    assert remove(api, contact["id"], latest["id"]).status == 204
    after_one = contact_of(api, contact["id"])
    assert remove(api, contact["id"], first["id"]).status == 204
    after_both = contact_of(api, contact["id"])

    assert (after_one["first_contacted_at"], after_one["last_contacted_at"], after_one["score"]) == \
        (days_ago(9), days_ago(9), 3)
    assert (after_both["first_contacted_at"], after_both["last_contacted_at"], after_both["score"]) == (None, None, 0)
    assert after_both["owner_id"] == api.user_id  # the owner a call assigned is not taken back


def test_editing_a_call_recomputes_from_the_calls_and_emails_that_remain(api, contact):
    sent(api, contact["id"])
    emailed = contact_of(api, contact["id"])["last_contacted_at"]
    call = log(api, contact["id"], type="call", occurred_at=days_ago(30))
    assert contact_of(api, contact["id"])["first_contacted_at"] == days_ago(30)

    assert edit(api, contact["id"], call["id"], occurred_at=days_ago(40)).status == 200
    moved = contact_of(api, contact["id"])
    assert edit(api, contact["id"], call["id"], type="meeting").status == 200
    meeting = contact_of(api, contact["id"])

    assert (moved["first_contacted_at"], moved["last_contacted_at"], moved["score"]) == (days_ago(40), emailed, 3)
    assert (meeting["first_contacted_at"], meeting["last_contacted_at"], meeting["score"]) == (emailed, emailed, 10)


def test_editing_a_memo_changes_nothing_on_the_contact(api, contact):
    memo = log(api, contact["id"], occurred_at=days_ago(1))
    before = contact_of(api, contact["id"])
    assert edit(api, contact["id"], memo["id"], subject="書き直し").status == 200
    assert contact_of(api, contact["id"]) == before


# --- reading the timeline ----------------------------------------------------------------------


def test_the_timeline_is_newest_first_by_occurred_at(api, contact):
    logged = log_days(api, contact["id"], [3, 1, 5, 2, 4])

    items = entries(api, contact["id"])

    assert ids(items) == [logged[number]["id"] for number in (5, 4, 3, 2, 1)]
    assert [item["occurred_at"] for item in items] == [day(number) for number in (5, 4, 3, 2, 1)]


def test_the_type_filter_keeps_only_those_types(api, contact):
    logged = log_days(api, contact["id"], [1, 2, 3, 4, 5, 6],
                      ["call", "meeting", "memo", "other", "call", "custom_email"])

    assert ids(entries(api, contact["id"], type="call,memo")) == [logged[number]["id"] for number in (5, 3, 1)]
    assert ids(entries(api, contact["id"], type="meeting")) == [logged[2]["id"]]
    assert entries(api, contact["id"], type="email_sent") == []


@pytest.mark.parametrize("bounds, expected", [
    ({"from": day(2), "to": day(4)}, [4, 3, 2]),
    ({"from": "2026-03-02T18:00:00+09:00", "to": "2026-03-04T09:00:00Z"}, [4, 3, 2]),  # same instants
    ({"from": day(4)}, [5, 4]),
    ({"to": day(2)}, [2, 1]),
    ({"from": day(2, 10), "to": day(4, 8)}, [3]),
    ({"from": "2026-03-03", "to": "2026-03-03T23:59:59Z"}, [3]),
])
def test_from_and_to_bound_by_occurred_at_inclusively(api, contact, bounds, expected):
    logged = log_days(api, contact["id"], [1, 2, 3, 4, 5])

    assert ids(entries(api, contact["id"], **bounds)) == [logged[number]["id"] for number in expected]


@pytest.fixture
def dynamodb_between_rule(moto_endpoint):
    """What DynamoDB does and moto does not: a Query whose key condition is a BETWEEN with its
    lower bound above its upper bound is refused with a ValidationException (moto answers no
    items). Installed on the handlers' one botocore client for the test."""
    from shared.db.models import table_connection

    events = table_connection().connection.client.meta.events

    def refuse_reversed_between(params, **_):
        found = re.search(r"BETWEEN (:\w+) AND (:\w+)", params.get("KeyConditionExpression", ""))
        if found:
            low, high = (params["ExpressionAttributeValues"][name]["S"] for name in found.groups())
            if low > high:
                raise ClientError({"Error": {"Code": "ValidationException", "Message": (
                    "Invalid KeyConditionExpression: The BETWEEN operator requires upper bound to be greater "
                    "than or equal to lower bound")}}, "Query")

    events.register("before-parameter-build.dynamodb.Query", refuse_reversed_between, unique_id="between-rule")
    yield
    events.unregister("before-parameter-build.dynamodb.Query", unique_id="between-rule")


@pytest.mark.usefixtures("dynamodb_between_rule")
def test_from_after_to_is_a_422_naming_from(api, contact):
    log_days(api, contact["id"], [1, 2, 3])
    assert len(entries(api, contact["id"], **{"from": day(1), "to": day(3)})) == 3  # the rule lets good ranges by

    assert_error(timeline_page(api, contact["id"], **{"from": day(3), "to": day(1)}), 422, "from")


def test_the_timeline_pages_with_a_cursor(api, contact):
    logged = log_days(api, contact["id"], [4, 7, 1, 3, 6, 2, 5])

    result = pages(api, contact["id"], limit="3")

    assert [len(page) for page in result] == [3, 3, 1]
    assert [item["id"] for page in result for item in page] == [logged[number]["id"] for number in range(7, 0, -1)]


def test_a_filtered_timeline_pages_to_the_same_union(api, contact):
    kinds = ["call", "memo", "call", "meeting", "call", "memo", "call"]
    logged = log_days(api, contact["id"], [1, 2, 3, 4, 5, 6, 7], kinds)
    calls = [logged[number]["id"] for number in (7, 5, 3, 1)]

    result = pages(api, contact["id"], type="call", limit="2")  # a page may be short; the cursor goes on

    assert all(len(page) <= 2 for page in result)
    assert [item["id"] for page in result for item in page] == calls


@pytest.mark.parametrize("query, field", [
    ({"limit": "0"}, "limit"),
    ({"limit": "201"}, "limit"),
    ({"limit": "abc"}, "limit"),
    ({"limit": "-1"}, "limit"),
])
def test_a_limit_outside_1_to_200_is_refused(api, contact, query, field):
    reply = timeline_page(api, contact["id"], **query)

    assert_error(reply, 422, field)


@pytest.mark.parametrize("query, field", [
    ({"type": "Phone"}, "type"),  # no activity type, ours or a tenant's (lower_snake_case), looks so
    ({"type": "call,p-h"}, "type"),
    ({"from": "last week"}, "from"),
    ({"to": "2026-02-30"}, "to"),
    ({"from": ""}, "from"),  # given empty: no date-time either (the contract fuzzer's `?from=&to=`)
    ({"to": ""}, "to"),
])
def test_bad_filters_are_refused_naming_the_field(api, contact, query, field):
    assert_error(timeline_page(api, contact["id"], **query), 422, field)


def first_cursor(api: Api, contact_id: str, **query: Any) -> str:
    reply = timeline_page(api, contact_id, limit="1", **query)
    assert reply.status == 200 and reply.body["next_cursor"], reply.body
    return reply.body["next_cursor"]


def tampered(cursor: str) -> str:
    """The cursor with one character of its payload changed."""
    index = 2
    return cursor[:index] + ("A" if cursor[index] != "A" else "B") + cursor[index + 1:]


def test_a_tampered_or_garbage_cursor_is_a_400(api, contact):
    log_days(api, contact["id"], [1, 2, 3])
    cursor = first_cursor(api, contact["id"])

    for bad in (tampered(cursor), cursor + "x", "garbage", cursor.split(".")[0]):
        assert_error(timeline_page(api, contact["id"], limit="1", cursor=bad), 400)
    assert timeline_page(api, contact["id"], limit="1", cursor=cursor).status == 200


def test_a_cursor_of_another_query_is_a_400(api, contact, other_contact):
    log_days(api, contact["id"], [1, 2, 3])
    log_days(api, other_contact["id"], [1, 2, 3])
    cursor = first_cursor(api, contact["id"])

    assert_error(timeline_page(api, other_contact["id"], limit="1", cursor=cursor), 400)
    assert_error(timeline_page(api, contact["id"], limit="1", type="memo", cursor=cursor), 400)
    assert_error(timeline_page(api, contact["id"], limit="1", **{"from": day(1)}, cursor=cursor), 400)


# --- system entries ----------------------------------------------------------------------------


def test_a_sent_email_is_on_the_timeline_and_cannot_be_changed(api, contact):
    memo = log(api, contact["id"], occurred_at=day(1))
    email = sent(api, contact["id"])

    items = entries(api, contact["id"])
    assert [item["type"] for item in items] == ["email_sent", "memo"]
    system = items[0]
    assert system["occurred_at"] == email["sent_at"] and system["data"]["email_id"] == email["id"]
    assert entries(api, contact["id"], type="email_sent") == [system]

    assert_error(edit(api, contact["id"], system["id"], subject="書き換え"), 409)
    assert_error(edit(api, contact["id"], system["id"], type="memo"), 409)
    assert_error(remove(api, contact["id"], system["id"]), 409)
    assert entries(api, contact["id"]) == items
    assert ids(items)[1] == memo["id"]


@pytest.mark.parametrize("activity_id", ["01JNOSUCHACTIVITY000000000", "no#such", "..%2F"])
def test_an_unknown_activity_is_404(api, contact, activity_id):
    log(api, contact["id"])

    assert_error(edit(api, contact["id"], activity_id, subject="x"), 404)
    assert_error(remove(api, contact["id"], activity_id), 404)


def test_an_activity_of_another_contact_is_404_under_this_contact(api, contact, other_contact):
    theirs = log(api, other_contact["id"], subject="鈴木さん")

    assert_error(edit(api, contact["id"], theirs["id"], subject="乗っ取り"), 404)
    assert_error(remove(api, contact["id"], theirs["id"]), 404)
    assert entries(api, other_contact["id"]) == [theirs]
    assert entries(api, contact["id"]) == []


# --- editing -----------------------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent(api, contact):
    rep = api.as_("user")
    original = log(rep, contact["id"], type="meeting", occurred_at=day(1), subject="初回訪問", body="名刺交換")

    reply = edit(rep, contact["id"], original["id"], body="名刺交換と見積もり")

    assert reply.status == 200, reply.body
    changed = reply.body
    assert changed == {**original, "data": {"subject": "初回訪問", "body": "名刺交換と見積もり"}}
    assert entries(api, contact["id"]) == [changed]


def test_patch_can_clear_the_body_but_not_both(api, contact):
    original = log(api, contact["id"], subject="件名", body="本文")

    cleared = edit(api, contact["id"], original["id"], body=None)
    assert cleared.status == 200, cleared.body
    assert cleared.body["data"] == {"subject": "件名", "body": None}
    assert_error(edit(api, contact["id"], original["id"], subject=""), 422, "subject")
    assert entries(api, contact["id"]) == [cleared.body]


@pytest.mark.parametrize("new_type", [kind for kind in CUSTOM_TYPES if kind != "memo"])
def test_patch_moves_among_custom_types(api, contact, new_type):
    original = log(api, contact["id"], type="memo")

    reply = edit(api, contact["id"], original["id"], type=new_type)

    assert reply.status == 200, reply.body
    assert reply.body == {**original, "type": new_type}
    assert entries(api, contact["id"]) == [reply.body]


@pytest.mark.parametrize("fields, field", [
    ({"type": "email_sent"}, "type"),
    ({"type": "status_changed"}, "type"),
    ({"type": "phone"}, "type"),
    ({"type": None}, "type"),
    ({"occurred_at": "soon"}, "occurred_at"),
    ({"subject": "x" * 201}, "subject"),
    ({"actor": {"kind": "system", "id": None}}, "actor"),
])
def test_a_bad_patch_is_refused_naming_the_field(api, contact, fields, field):
    original = log(api, contact["id"], occurred_at=day(1))

    assert_error(edit(api, contact["id"], original["id"], **fields), 422, field)
    assert entries(api, contact["id"]) == [original]


def test_patch_moves_occurred_at_and_the_timeline_follows(api, contact):
    logged = log_days(api, contact["id"], [1, 2, 3])

    reply = edit(api, contact["id"], logged[1]["id"], occurred_at="2026-03-04T18:00:00+09:00")

    assert reply.status == 200, reply.body
    assert reply.body == {**logged[1], "occurred_at": day(4)}
    assert ids(entries(api, contact["id"])) == [logged[number]["id"] for number in (1, 3, 2)]
    assert ids(entries(api, contact["id"], **{"to": day(3)})) == [logged[number]["id"] for number in (3, 2)]
    stored = [item for item in stored_partition(api, contact["id"]) if item["sk"].startswith("ACTIVITY#")]
    assert len(stored) == 3


def test_an_activity_moved_twice_is_still_found(api, contact):
    original = log(api, contact["id"], occurred_at=day(1))

    for number in (5, 2):
        assert edit(api, contact["id"], original["id"], occurred_at=day(number)).status == 200

    assert edit(api, contact["id"], original["id"], subject="最終").status == 200
    assert entries(api, contact["id"]) == [{**original, "occurred_at": day(2), "summary": "最終",
                                            "data": {"subject": "最終", "body": None}}]


# --- who may change what -----------------------------------------------------------------------


def test_a_user_changes_only_their_own_activities(api, contact):
    author, colleague = api.as_("user"), api.as_("user")
    activity = log(author, contact["id"], subject="自分の記録")

    assert_error(edit(colleague, contact["id"], activity["id"], subject="他人が編集"), 403)
    assert_error(remove(colleague, contact["id"], activity["id"]), 403)
    assert entries(api, contact["id"]) == [activity]

    assert edit(author, contact["id"], activity["id"], subject="本人が編集").status == 200
    assert remove(author, contact["id"], activity["id"]).status == 204
    assert entries(api, contact["id"]) == []


@pytest.mark.parametrize("role", ["owner", "admin", "manager"])
def test_owner_admin_and_manager_change_anyones_activities(api, contact, role):
    author, editor = api.as_("user"), api.as_(role)
    activity = log(author, contact["id"], subject="担当者の記録")

    reply = edit(editor, contact["id"], activity["id"], subject="上長が修正")
    assert reply.status == 200, reply.body
    assert reply.body["actor"] == {"kind": "user", "id": author.user_id, "name": None}  # the author stays the actor

    deleted = remove(editor, contact["id"], activity["id"])
    assert deleted.status == 204 and deleted.body == ""
    assert entries(api, contact["id"]) == []
    assert_error(remove(editor, contact["id"], activity["id"]), 404)


# --- owner visibility --------------------------------------------------------------------------


def test_under_owner_visibility_a_user_sees_only_the_timelines_of_their_contacts(api, contact):
    rep = api.as_("user")
    owners = log(api, contact["id"], subject="オーナーの記録")
    assert timeline_page(rep, contact["id"]).status == 200  # visible while unrestricted

    assert api.put("/v1/settings", {"owner_visibility_restricted": True}).status == 200
    own = create(rep, family_name="担当", email="mine@example.jp")

    assert_error(timeline_page(rep, contact["id"]), 404)
    assert_error(rep.post(activities_path(contact["id"]), {"type": "memo", "subject": "x"}), 404)
    assert_error(edit(rep, contact["id"], owners["id"], subject="x"), 404)
    assert_error(remove(rep, contact["id"], owners["id"]), 404)
    assert entries(api, contact["id"]) == [owners]
    assert entries(api.as_("manager"), contact["id"]) == [owners]

    mine = log(rep, own["id"], subject="自分の顧客")
    assert entries(rep, own["id"]) == [mine]


# --- tenant isolation --------------------------------------------------------------------------


def test_another_tenant_reaches_nothing(api, contact):
    activity = log(api, contact["id"], subject="社外秘")
    stranger = Api(f"other-{api.tenant}")
    theirs = create(stranger, family_name="他社")

    assert_error(timeline_page(stranger, contact["id"]), 404)
    assert_error(stranger.post(activities_path(contact["id"]), {"type": "memo", "subject": "x"}), 404)
    for contact_id in (contact["id"], theirs["id"]):
        assert_error(edit(stranger, contact_id, activity["id"], subject="改ざん"), 404)
        assert_error(remove(stranger, contact_id, activity["id"]), 404)
    assert entries(api, contact["id"]) == [activity]
    assert entries(stranger, theirs["id"]) == []


# --- deleting the contact ----------------------------------------------------------------------


def test_deleting_the_contact_removes_its_timeline(api, contact):
    activity = log(api, contact["id"], type="call", occurred_at=day(1))
    sent(api, contact["id"])
    assert len(entries(api, contact["id"])) == 2

    assert api.delete(f"/v1/contacts/{contact['id']}").status == 204

    assert_error(timeline_page(api, contact["id"]), 404)
    assert_error(edit(api, contact["id"], activity["id"], subject="x"), 404)
    assert stored_partition(api, contact["id"]) == []
