"""Behaviour of /v1/contacts (create, read, update, delete, lookup), auth and /health, driven
through the Lambda handler exactly as API Gateway calls it. Every assertion follows
/work/shared/api-contract.md (Conventions; Identity, tenants, roles; Contacts)."""

from __future__ import annotations

import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from conftest import Api, assert_error, create

ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")

WRITABLE_FIELDS = (
    "family_name", "given_name", "family_name_kana", "given_name_kana", "email", "phone", "company",
    "department", "title", "address", "website", "owner_id", "status", "starred", "marketing_opt_out",
    "acquired_at", "acquisition_channel", "memo",
)
READ_ONLY_FIELDS = (
    "created_at", "updated_at", "first_contacted_at", "last_contacted_at", "last_customer_action_at",
    "last_customer_action_type", "last_seen_at", "session_count", "score", "engagement", "delivery_status",
)
ALL_FIELDS = ("id", "display_name", *WRITABLE_FIELDS, "tags", "properties", *READ_ONLY_FIELDS)

FULL_BODY = {
    "family_name": "山田",
    "given_name": "太郎",
    "family_name_kana": "ヤマダ",
    "given_name_kana": "タロウ",
    "email": "taro@example.jp",
    "phone": "03-1234-5678",
    "company": "株式会社サンプル",
    "department": "営業部",
    "title": "部長",
    "address": "東京都千代田区1-1-1",
    "website": "https://example.jp/",
    "status": "replied",
    "starred": True,
    "marketing_opt_out": True,
    "acquired_at": "2026-04-01T09:00:00Z",
    "acquisition_channel": "展示会",
    "memo": "初回は展示会で名刺交換",
    "tags": ["VIP", "展示会2026"],
}


# --- helpers ------------------------------------------------------------------------------


def all_contacts(api: Api, **query) -> list[dict]:
    items, cursor = [], None
    for _ in range(100):
        params = {"limit": "200", **query, **({"cursor": cursor} if cursor else {})}
        reply = api.get("/v1/contacts", query=params)
        assert reply.status == 200, reply.body
        items += reply.body["items"]
        cursor = reply.body["next_cursor"]
        if not cursor:
            return items
    raise AssertionError("pagination never ended")


def lookup(api: Api, field: str, values: list[str]):
    return api.post("/v1/contacts/lookup", {"field": field, "values": values})


def restrict_visibility(api: Api) -> None:
    reply = api.put("/v1/settings", {"owner_visibility_restricted": True})
    assert reply.status == 200, reply.body


def define_property(api: Api, key: str, type_: str, options=None) -> None:
    body = {"key": key, "label": key.title(), "type": type_}
    if options is not None:
        body["options"] = options
    reply = api.post("/v1/properties", body)
    assert reply.status == 201, reply.body


# --- create -------------------------------------------------------------------------------

def test_create_answers_201_with_every_contract_field(api):
    before = datetime.now(UTC)
    reply = api.post("/v1/contacts", FULL_BODY)
    assert reply.status == 201, reply.body
    contact = reply.body
    assert set(ALL_FIELDS) <= set(contact), set(ALL_FIELDS) - set(contact)
    assert isinstance(contact["id"], str) and contact["id"]
    for name, value in FULL_BODY.items():
        if name in ("tags", "acquired_at"):
            continue
        assert contact[name] == value, name
    assert sorted(contact["tags"]) == sorted(FULL_BODY["tags"])
    assert contact["properties"] == {}
    assert contact["display_name"] == "山田 太郎"
    assert contact["owner_id"] == api.user_id
    assert contact["delivery_status"] == "unconfirmed"
    for name in ("created_at", "updated_at", "acquired_at"):
        assert ISO_UTC.match(contact[name]), (name, contact[name])
    created = datetime.fromisoformat(contact["created_at"].replace("Z", "+00:00"))
    assert before - timedelta(seconds=5) <= created <= datetime.now(UTC) + timedelta(seconds=5)
    assert contact["updated_at"] >= contact["created_at"]
    acquired = datetime.fromisoformat(contact["acquired_at"].replace("Z", "+00:00"))
    assert acquired == datetime(2026, 4, 1, 9, 0, tzinfo=UTC)


def test_created_contact_reads_back_identically(api):
    created = create(api, **FULL_BODY)
    got = api.get(f"/v1/contacts/{created['id']}")
    assert got.status == 200
    assert got.body == created


def test_acquired_at_with_offset_is_answered_in_utc_with_z(api):
    contact = create(api, family_name="佐藤", acquired_at="2026-04-01T09:00:00+09:00")
    assert ISO_UTC.match(contact["acquired_at"]), contact["acquired_at"]
    assert datetime.fromisoformat(contact["acquired_at"].replace("Z", "+00:00")) == datetime(
        2026, 4, 1, 0, 0, tzinfo=UTC)


def test_create_defaults(api):
    contact = create(api, family_name="鈴木")
    assert contact["status"] == "new"
    assert contact["delivery_status"] == "unconfirmed"
    assert contact["owner_id"] == api.user_id
    assert contact["tags"] == []
    assert contact["properties"] == {}
    assert contact["email"] is None
    assert contact["display_name"] == "鈴木"


def test_owner_defaults_to_the_creating_user_of_any_role(api):
    member = api.as_("user", user="member-1")
    contact = create(member, family_name="高橋")
    assert contact["owner_id"] == "member-1"


def test_null_owner_creates_an_ownerless_contact(api):
    contact = create(api, family_name="田中", owner_id=None)
    assert contact["owner_id"] is None
    assert api.get(f"/v1/contacts/{contact['id']}").body["owner_id"] is None


def test_explicit_owner_is_kept(api):
    contact = create(api, family_name="伊藤", owner_id="someone-else")
    assert contact["owner_id"] == "someone-else"


def test_each_contact_gets_its_own_id(api):
    ids = {create(api, family_name=f"名{i}")["id"] for i in range(5)}
    assert len(ids) == 5


def test_duplicate_email_is_409_case_insensitively(api):
    first = create(api, family_name="山田", email="Taro@Example.jp")
    reply = api.post("/v1/contacts", {"family_name": "別人", "email": "taro@example.jp"})
    assert_error(reply, 409)
    reply = api.post("/v1/contacts", {"family_name": "別人", "email": "TARO@EXAMPLE.JP"})
    assert_error(reply, 409)
    contacts = all_contacts(api)
    assert [c["id"] for c in contacts] == [first["id"]]
    assert contacts[0]["family_name"] == "山田"


def test_same_email_in_two_tenants_is_fine(api):
    create(api, email="shared@example.jp")
    other = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    create(other, email="shared@example.jp")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"email": "not-an-email"}, ["email"]),
        ({"email": "taro@"}, ["email"]),
        ({"email": 42}, ["email"]),
        ({"family_name": 123}, ["family_name"]),
        ({"given_name": ["太郎"]}, ["given_name"]),
        ({"starred": "yes"}, ["starred"]),
        ({"marketing_opt_out": 1}, ["marketing_opt_out"]),
        ({"tags": "VIP"}, ["tags"]),
        ({"properties": []}, ["properties"]),
        ({"acquired_at": "yesterday"}, ["acquired_at"]),
        ({"status": "archived"}, ["status"]),
        ({"status": None}, ["status"]),
        ({"nickname": "タロ"}, ["nickname"]),
        ({"score": 10}, ["score"]),
        ({"id": "my-own-id"}, ["id"]),
        ({"created_at": "2026-01-01T00:00:00Z"}, ["created_at"]),
        ({"updated_at": "2026-01-01T00:00:00Z"}, ["updated_at"]),
        ({"display_name": "山田 太郎"}, ["display_name"]),
        ({"delivery_status": "normal"}, ["delivery_status"]),
        ({"last_contacted_at": "2026-01-01T00:00:00Z"}, ["last_contacted_at"]),
        ({"properties": {"undefined_key": "x"}}, ["properties.undefined_key"]),
        ({"email": "bad", "status": "nope", "score": 1, "foo": 1}, ["email", "status", "score", "foo"]),
    ],
)
def test_create_refuses_invalid_input_with_422_naming_each_field(api, body, fields):
    create(api, family_name="既存")
    reply = api.post("/v1/contacts", {"family_name": "新規", **body})
    assert_error(reply, 422, *fields)
    assert len(all_contacts(api)) == 1  # nothing was written


def test_create_refuses_an_archived_property(api):
    define_property(api, "rank", "text")
    assert api.patch("/v1/properties/rank", {"archived": True}).status == 200
    reply = api.post("/v1/contacts", {"family_name": "山田", "properties": {"rank": "A"}})
    assert_error(reply, 422, "properties.rank")
    assert all_contacts(api) == []


def test_refused_create_does_not_create_its_tags(api):
    reply = api.post("/v1/contacts", {"family_name": "山田", "tags": ["never"], "status": "bogus"})
    assert_error(reply, 422, "status")
    assert [t["name"] for t in api.get("/v1/tags").body["items"]] == []


def test_refused_create_does_not_claim_its_email(api):
    reply = api.post("/v1/contacts", {"email": "claim@example.jp", "status": "bogus"})
    assert_error(reply, 422, "status")
    create(api, email="claim@example.jp")


@pytest.mark.parametrize("raw", ["{", "{\"family_name\": }", "not json", "{'family_name': 'x'}"])
def test_malformed_json_is_400(api, raw):
    reply = api.call("POST", "/v1/contacts", raw_body=raw)
    assert_error(reply, 400)
    assert all_contacts(api) == []


def test_missing_body_is_400(api):
    assert_error(api.post("/v1/contacts"), 400)
    assert_error(api.call("POST", "/v1/contacts", raw_body="   "), 400)


@pytest.mark.parametrize("raw", ["[]", "\"text\"", "42", "null"])
def test_a_body_that_is_not_an_object_is_refused(api, raw):
    """Well-formed JSON of the wrong shape: a 422 naming the body (malformed JSON is the 400)."""
    assert_error(api.call("POST", "/v1/contacts", raw_body=raw), 422, "body")
    assert all_contacts(api) == []


def test_malformed_patch_body_is_400_and_changes_nothing(api):
    contact = create(api, family_name="山田")
    assert_error(api.call("PATCH", f"/v1/contacts/{contact['id']}", raw_body="{oops"), 400)
    assert_error(api.patch(f"/v1/contacts/{contact['id']}"), 400)
    assert api.get(f"/v1/contacts/{contact['id']}").body == contact


# --- email uniqueness on update and after delete --------------------------------------------

def test_patch_to_another_contacts_email_is_409_and_changes_nothing(api):
    taken = create(api, family_name="A", email="a@example.jp")
    mover = create(api, family_name="B", email="b@example.jp")
    reply = api.patch(f"/v1/contacts/{mover['id']}", {"email": "A@EXAMPLE.JP", "family_name": "変更"})
    assert_error(reply, 409)
    assert api.get(f"/v1/contacts/{mover['id']}").body == mover
    assert api.get(f"/v1/contacts/{taken['id']}").body == taken
    found = lookup(api, "email", ["b@example.jp"]).body["found"]
    assert [c["id"] for c in found] == [mover["id"]]


def test_patch_changing_only_the_case_of_own_email_is_allowed(api):
    contact = create(api, email="case@example.jp")
    reply = api.patch(f"/v1/contacts/{contact['id']}", {"email": "Case@Example.jp"})
    assert reply.status == 200, reply.body
    assert reply.body["email"] == "Case@Example.jp"
    assert_error(api.post("/v1/contacts", {"email": "case@example.jp"}), 409)


def test_old_email_is_freed_after_an_email_change(api):
    contact = create(api, email="old@example.jp")
    reply = api.patch(f"/v1/contacts/{contact['id']}", {"email": "new@example.jp"})
    assert reply.status == 200, reply.body
    newcomer = create(api, email="old@example.jp")
    assert_error(api.post("/v1/contacts", {"email": "new@example.jp"}), 409)
    result = lookup(api, "email", ["old@example.jp", "new@example.jp"]).body
    ids = sorted(c["id"] for c in result["found"])
    assert ids == sorted([contact["id"], newcomer["id"]])
    assert result["missing"] == []


def test_email_is_freed_when_cleared(api):
    contact = create(api, email="clear@example.jp")
    reply = api.patch(f"/v1/contacts/{contact['id']}", {"email": None})
    assert reply.status == 200 and reply.body["email"] is None
    create(api, email="clear@example.jp")


def test_email_is_freed_after_delete(api):
    contact = create(api, email="gone@example.jp")
    assert api.delete(f"/v1/contacts/{contact['id']}").status == 204
    assert lookup(api, "email", ["gone@example.jp"]).body == {"found": [], "missing": ["gone@example.jp"]}
    again = create(api, email="GONE@example.jp")
    assert again["id"] != contact["id"]


def test_concurrent_creates_with_one_email_make_exactly_one_contact(api):
    body = {"family_name": "同時", "email": "race@example.jp"}
    with ThreadPoolExecutor(max_workers=10) as pool:
        replies = list(pool.map(lambda _: api.post("/v1/contacts", body), range(10)))
    statuses = sorted(reply.status for reply in replies)
    assert statuses == [201] + [409] * 9, [(r.status, r.body) for r in replies]
    for reply in replies:
        if reply.status == 409:
            assert_error(reply, 409)
    winner = next(reply.body for reply in replies if reply.status == 201)
    result = lookup(api, "email", ["race@example.jp"]).body
    assert [c["id"] for c in result["found"]] == [winner["id"]]
    assert [c["id"] for c in all_contacts(api)] == [winner["id"]]


def test_concurrent_creates_with_case_variants_of_one_email_make_one_contact(api):
    variants = ["case.race@example.jp", "Case.Race@example.jp", "CASE.RACE@EXAMPLE.JP", "case.race@Example.JP"] * 2
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(lambda email: api.post("/v1/contacts", {"email": email}), variants))
    assert sorted(reply.status for reply in replies) == [201] + [409] * 7, [(r.status, r.body) for r in replies]
    assert len(all_contacts(api)) == 1


def test_concurrent_patches_to_one_email_let_exactly_one_win(api):
    contacts = [create(api, family_name=f"競争{i}", email=f"racer{i}@example.jp") for i in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        replies = list(pool.map(
            lambda c: api.patch(f"/v1/contacts/{c['id']}", {"email": "prize@example.jp"}), contacts))
    statuses = sorted(reply.status for reply in replies)
    assert statuses == [200] + [409] * 5, [(r.status, r.body) for r in replies]
    winner = next(reply.body["id"] for reply in replies if reply.status == 200)
    result = lookup(api, "email", ["prize@example.jp"] + [c["email"] for c in contacts]).body
    assert sorted(c["id"] for c in result["found"]) == sorted(c["id"] for c in contacts)
    prize_holders = [c for c in all_contacts(api) if c["email"] == "prize@example.jp"]
    assert [c["id"] for c in prize_holders] == [winner]
    losers = [c for c in contacts if c["id"] != winner]
    assert result["missing"] == [next(c["email"] for c in contacts if c["id"] == winner)]
    for loser in losers:
        assert api.get(f"/v1/contacts/{loser['id']}").body["email"] == loser["email"]


def test_concurrent_patches_of_different_fields_lose_no_update(api):
    define_property(api, "a", "text")
    define_property(api, "b", "number")
    contact = create(api, family_name="山田")
    changes = [{"title": "部長"}, {"department": "営業部"}, {"memo": "メモ"}, {"status": "won"},
               {"properties": {"a": "x"}}, {"properties": {"b": 7}}, {"starred": True}, {"tags": ["hot"]}]
    with ThreadPoolExecutor(max_workers=len(changes)) as pool:
        replies = list(pool.map(lambda body: api.patch(f"/v1/contacts/{contact['id']}", body), changes))
    # Optimistic retries with backoff settle a burst of writers on one contact: every change
    # answers 200 and every one of them is in the final contact (no lost update).
    assert all(reply.status == 200 for reply in replies), [(r.status, r.body) for r in replies]
    applied = changes
    final = api.get(f"/v1/contacts/{contact['id']}").body
    expected_properties = {}
    for body in applied:
        for name, value in body.items():
            if name == "properties":
                expected_properties.update(value)
            else:
                assert final[name] == value, (name, final[name])
    assert final["properties"] == expected_properties
    hot = [{"name": "hot", "contact_count": 1}] if {"tags": ["hot"]} in applied else []
    assert [t for t in api.get("/v1/tags").body["items"] if t["contact_count"]] == hot


# --- get / patch / delete -------------------------------------------------------------------

def test_unknown_id_is_404_for_get_patch_delete(api):
    create(api, family_name="山田")
    missing = "01JZZZZZZZZZZZZZZZZZZZZZZZ"
    assert_error(api.get(f"/v1/contacts/{missing}"), 404)
    assert_error(api.patch(f"/v1/contacts/{missing}", {"family_name": "x"}), 404)
    assert_error(api.delete(f"/v1/contacts/{missing}"), 404)
    assert len(all_contacts(api)) == 1


def test_another_tenants_contact_is_404_and_untouched(api):
    mine = create(api, family_name="山田", email="iso@example.jp", tags=["t"])
    intruder = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    assert_error(intruder.get(f"/v1/contacts/{mine['id']}"), 404)
    assert_error(intruder.patch(f"/v1/contacts/{mine['id']}", {"family_name": "乗っ取り"}), 404)
    assert_error(intruder.delete(f"/v1/contacts/{mine['id']}"), 404)
    assert intruder.get("/v1/contacts").body["items"] == []
    assert api.get(f"/v1/contacts/{mine['id']}").body == mine
    assert api.get("/v1/tags").body["items"] == [{"name": "t", "contact_count": 1}]


def test_patch_is_partial(api):
    contact = create(api, **FULL_BODY)
    reply = api.patch(f"/v1/contacts/{contact['id']}", {"title": "社長", "status": "won"})
    assert reply.status == 200, reply.body
    updated = reply.body
    assert updated["title"] == "社長" and updated["status"] == "won"
    for name in ALL_FIELDS:
        if name not in ("title", "status", "updated_at"):
            assert updated[name] == contact[name], name
    assert updated["updated_at"] >= contact["updated_at"]
    assert ISO_UTC.match(updated["updated_at"])
    assert api.get(f"/v1/contacts/{contact['id']}").body == updated


def test_patch_null_or_empty_string_clears_a_field(api):
    contact = create(api, family_name="山田", title="部長", department="営業部")
    reply = api.patch(f"/v1/contacts/{contact['id']}", {"title": None, "department": ""})
    assert reply.status == 200, reply.body
    assert reply.body["title"] is None and reply.body["department"] is None
    assert reply.body["family_name"] == "山田"


def test_patch_owner_null_makes_the_contact_ownerless(api):
    contact = create(api, family_name="山田")
    reply = api.patch(f"/v1/contacts/{contact['id']}", {"owner_id": None})
    assert reply.status == 200 and reply.body["owner_id"] is None


def test_patch_tags_replace_the_list(api):
    contact = create(api, family_name="山田", tags=["a", "b"])
    reply = api.patch(f"/v1/contacts/{contact['id']}", {"tags": ["b", "c"]})
    assert reply.status == 200, reply.body
    assert sorted(reply.body["tags"]) == ["b", "c"]
    assert sorted(api.get(f"/v1/contacts/{contact['id']}").body["tags"]) == ["b", "c"]
    reply = api.patch(f"/v1/contacts/{contact['id']}", {"tags": []})
    assert reply.body["tags"] == []


def test_patch_properties_merge_per_key_and_null_removes(api):
    define_property(api, "size", "number")
    define_property(api, "plan", "select", ["free", "pro"])
    define_property(api, "note", "text")
    contact = create(api, family_name="山田", properties={"size": 10, "plan": "free"})
    assert contact["properties"] == {"size": 10, "plan": "free"}
    reply = api.patch(f"/v1/contacts/{contact['id']}", {"properties": {"note": "hello", "plan": "pro"}})
    assert reply.status == 200, reply.body
    assert reply.body["properties"] == {"size": 10, "plan": "pro", "note": "hello"}
    reply = api.patch(f"/v1/contacts/{contact['id']}", {"properties": {"size": None}})
    assert reply.status == 200, reply.body
    assert reply.body["properties"] == {"plan": "pro", "note": "hello"}
    assert api.get(f"/v1/contacts/{contact['id']}").body["properties"] == {"plan": "pro", "note": "hello"}


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"email": "nope"}, ["email"]),
        ({"status": "unknown"}, ["status"]),
        ({"score": 3}, ["score"]),
        ({"id": "x"}, ["id"]),
        ({"created_at": "2026-01-01T00:00:00Z"}, ["created_at"]),
        ({"starred": "true"}, ["starred"]),
        ({"whatever": 1}, ["whatever"]),
        ({"properties": {"nope": 1}}, ["properties.nope"]),
        ({"family_name": "変更", "status": "bad"}, ["status"]),
    ],
)
def test_patch_validates_like_create_and_changes_nothing_on_422(api, body, fields):
    contact = create(api, family_name="山田", email="p@example.jp")
    assert_error(api.patch(f"/v1/contacts/{contact['id']}", body), 422, *fields)
    assert api.get(f"/v1/contacts/{contact['id']}").body == contact


def test_delete_then_get_is_404(api):
    contact = create(api, family_name="山田", email="del@example.jp", tags=["x"])
    reply = api.delete(f"/v1/contacts/{contact['id']}")
    assert reply.status == 204
    assert reply.body in ("", None)
    assert_error(api.get(f"/v1/contacts/{contact['id']}"), 404)
    assert_error(api.patch(f"/v1/contacts/{contact['id']}", {"family_name": "x"}), 404)
    assert_error(api.delete(f"/v1/contacts/{contact['id']}"), 404)
    assert all_contacts(api) == []
    assert lookup(api, "id", [contact["id"]]).body["missing"] == [contact["id"]]


def test_user_role_cannot_delete(api):
    contact = create(api, family_name="山田")
    member = api.as_("user", user="member-del")
    mine = create(member, family_name="自分")
    assert_error(member.delete(f"/v1/contacts/{contact['id']}"), 403)
    assert_error(member.delete(f"/v1/contacts/{mine['id']}"), 403)
    assert api.get(f"/v1/contacts/{contact['id']}").status == 200
    assert api.get(f"/v1/contacts/{mine['id']}").status == 200


@pytest.mark.parametrize("role", ["owner", "admin", "manager"])
def test_owner_admin_manager_can_delete(api, role):
    contact = create(api, family_name="山田")
    assert api.as_(role).delete(f"/v1/contacts/{contact['id']}").status == 204
    assert api.get(f"/v1/contacts/{contact['id']}").status == 404


@pytest.mark.parametrize("role", ["admin", "manager", "user"])
def test_every_role_can_create_read_and_update(api, role):
    caller = api.as_(role)
    contact = create(caller, family_name="山田")
    assert caller.get(f"/v1/contacts/{contact['id']}").status == 200
    reply = caller.patch(f"/v1/contacts/{contact['id']}", {"given_name": "花子"})
    assert reply.status == 200 and reply.body["given_name"] == "花子"
    other = create(api, family_name="他人")
    assert caller.get(f"/v1/contacts/{other['id']}").status == 200


# --- display name ---------------------------------------------------------------------------

def test_display_name_follows_name_order(api):
    contact = create(api, family_name="山田", given_name="太郎")
    assert contact["display_name"] == "山田 太郎"
    assert api.put("/v1/settings", {"name_order": "given_family"}).status == 200
    assert api.get(f"/v1/contacts/{contact['id']}").body["display_name"] == "太郎 山田"
    listed = api.get("/v1/contacts").body["items"]
    assert [c["display_name"] for c in listed] == ["太郎 山田"]
    created = create(api, family_name="佐藤", given_name="花子")
    assert created["display_name"] == "花子 佐藤"
    assert api.put("/v1/settings", {"name_order": "family_given"}).status == 200
    assert api.get(f"/v1/contacts/{contact['id']}").body["display_name"] == "山田 太郎"


def test_display_name_is_read_only(api):
    contact = create(api, family_name="山田", given_name="太郎")
    assert_error(api.patch(f"/v1/contacts/{contact['id']}", {"display_name": "X"}), 422, "display_name")


def test_display_name_follows_name_changes(api):
    contact = create(api, family_name="山田", given_name="太郎")
    reply = api.patch(f"/v1/contacts/{contact['id']}", {"given_name": "次郎"})
    assert reply.body["display_name"] == "山田 次郎"


# --- owner visibility -------------------------------------------------------------------------

def test_restricted_user_cannot_get_or_patch_others_contacts(api):
    restrict_visibility(api)
    member = api.as_("user", user="member-a")
    others = create(api, family_name="他人", email="other@example.jp")
    ownerless = create(api, family_name="無主", owner_id=None)
    mine = create(api, family_name="担当", owner_id="member-a", email="mine@example.jp")
    for contact in (others, ownerless):
        assert_error(member.get(f"/v1/contacts/{contact['id']}"), 404)
        assert_error(member.patch(f"/v1/contacts/{contact['id']}", {"family_name": "改ざん"}), 404)
        assert api.get(f"/v1/contacts/{contact['id']}").body == contact
    assert member.get(f"/v1/contacts/{mine['id']}").status == 200
    reply = member.patch(f"/v1/contacts/{mine['id']}", {"title": "課長"})
    assert reply.status == 200 and reply.body["title"] == "課長"


def test_restricted_user_lookup_reports_others_as_missing(api):
    restrict_visibility(api)
    member = api.as_("user", user="member-b")
    others = create(api, family_name="他人", email="other@example.jp", phone="03-1111-2222")
    mine = create(api, family_name="担当", owner_id="member-b", email="mine@example.jp", phone="03-3333-4444")
    by_email = lookup(member, "email", ["other@example.jp", "mine@example.jp"]).body
    assert [c["id"] for c in by_email["found"]] == [mine["id"]]
    assert by_email["missing"] == ["other@example.jp"]
    by_id = lookup(member, "id", [others["id"], mine["id"]]).body
    assert [c["id"] for c in by_id["found"]] == [mine["id"]]
    assert by_id["missing"] == [others["id"]]
    by_phone = lookup(member, "phone", ["03-1111-2222", "03-3333-4444"]).body
    assert [c["id"] for c in by_phone["found"]] == [mine["id"]]
    assert by_phone["missing"] == ["03-1111-2222"]


@pytest.mark.parametrize("role", ["owner", "admin", "manager"])
def test_restriction_does_not_hide_contacts_from_other_roles(api, role):
    restrict_visibility(api)
    contact = create(api, family_name="他人", owner_id="someone", email="seen@example.jp")
    caller = api.as_(role, user=f"{role}-x")
    assert caller.get(f"/v1/contacts/{contact['id']}").status == 200
    assert caller.patch(f"/v1/contacts/{contact['id']}", {"title": "x"}).status == 200
    assert [c["id"] for c in lookup(caller, "email", ["seen@example.jp"]).body["found"]] == [contact["id"]]


def test_unrestricted_user_sees_every_contact(api):
    member = api.as_("user", user="member-c")
    contact = create(api, family_name="他人", owner_id="someone")
    assert member.get(f"/v1/contacts/{contact['id']}").status == 200


# --- lookup -----------------------------------------------------------------------------------

def test_lookup_by_email_is_case_insensitive_and_partitions_values(api):
    taro = create(api, family_name="山田", email="Taro@Example.jp")
    hanako = create(api, family_name="佐藤", email="hanako@example.jp")
    values = ["taro@example.jp", "HANAKO@EXAMPLE.JP", "nobody@example.jp"]
    reply = lookup(api, "email", values)
    assert reply.status == 200, reply.body
    assert sorted(c["id"] for c in reply.body["found"]) == sorted([taro["id"], hanako["id"]])
    assert reply.body["missing"] == ["nobody@example.jp"]
    found = {c["id"]: c for c in reply.body["found"]}
    assert found[taro["id"]] == api.get(f"/v1/contacts/{taro['id']}").body


def test_lookup_by_email_reflects_the_latest_write(api):
    contact = create(api, family_name="山田", email="fresh@example.jp")
    api.patch(f"/v1/contacts/{contact['id']}", {"title": "新任"})
    found = lookup(api, "email", ["fresh@example.jp"]).body["found"]
    assert found[0]["title"] == "新任"


def test_lookup_by_phone_matches_digits_in_any_format(api):
    tokyo = create(api, family_name="東京", phone="+81 3-1234-5678")
    osaka = create(api, family_name="大阪", phone="06-9876-5432")
    reply = lookup(api, "phone", ["03-1234-5678", "0698765432", "090-0000-0000"])
    assert reply.status == 200, reply.body
    assert sorted(c["id"] for c in reply.body["found"]) == sorted([tokyo["id"], osaka["id"]])
    assert reply.body["missing"] == ["090-0000-0000"]


def test_lookup_by_id(api):
    contact = create(api, family_name="山田")
    reply = lookup(api, "id", [contact["id"], "01JNOTANIDATALL0000000000"])
    assert reply.status == 200
    assert [c["id"] for c in reply.body["found"]] == [contact["id"]]
    assert reply.body["missing"] == ["01JNOTANIDATALL0000000000"]


def test_lookup_never_finds_another_tenants_contacts(api):
    theirs = create(api, family_name="山田", email="theirs@example.jp", phone="03-5555-6666")
    other = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    assert lookup(other, "id", [theirs["id"]]).body == {"found": [], "missing": [theirs["id"]]}
    assert lookup(other, "email", ["theirs@example.jp"]).body == {"found": [], "missing": ["theirs@example.jp"]}
    assert lookup(other, "phone", ["03-5555-6666"]).body == {"found": [], "missing": ["03-5555-6666"]}


def test_lookup_with_no_values(api):
    reply = lookup(api, "email", [])
    assert reply.status == 200 and reply.body == {"found": [], "missing": []}


def test_lookup_accepts_10000_values(api):
    # 10,000 values, 100 of them distinct: every miss leaves an empty partition behind in
    # moto (its get_item creates one), which would slow every later test of the session.
    contact = create(api, email="needle@example.jp")
    values = [f"v{i % 100}@example.jp" for i in range(9_999)] + ["NEEDLE@example.jp"]
    reply = lookup(api, "email", values)
    assert reply.status == 200, reply.body
    assert [c["id"] for c in reply.body["found"]] == [contact["id"]]
    assert reply.body["missing"] == values[:-1]


def test_lookup_of_10001_values_is_413(api):
    reply = lookup(api, "email", [f"v{i}@example.jp" for i in range(10_001)])
    assert_error(reply, 413)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"field": "name", "values": ["x"]}, ["field"]),
        ({"values": ["x"]}, ["field"]),
        ({"field": "email", "values": "x@example.jp"}, ["values"]),
        ({"field": "email", "values": [1, 2]}, ["values"]),
        ({"field": "email"}, ["values"]),
    ],
)
def test_lookup_bad_input_is_422(api, body, fields):
    assert_error(api.post("/v1/contacts/lookup", body), 422, *fields)


def test_lookup_malformed_json_is_400(api):
    assert_error(api.call("POST", "/v1/contacts/lookup", raw_body="{"), 400)


# --- auth and health --------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/contacts"),
        ("POST", "/v1/contacts"),
        ("GET", "/v1/contacts/01JZZZZZZZZZZZZZZZZZZZZZZZ"),
        ("PATCH", "/v1/contacts/01JZZZZZZZZZZZZZZZZZZZZZZZ"),
        ("DELETE", "/v1/contacts/01JZZZZZZZZZZZZZZZZZZZZZZZ"),
        ("POST", "/v1/contacts/lookup"),
        ("GET", "/v1/tags"),
        ("GET", "/v1/settings"),
        ("GET", "/v1/properties"),
    ],
)
def test_missing_claims_are_401(api, method, path):
    body = {"family_name": "x"} if method in ("POST", "PATCH") else None
    reply = api.call(method, path, body, authorized=False)
    assert_error(reply, 401)


def test_unauthorized_create_writes_nothing(api):
    assert_error(api.call("POST", "/v1/contacts", {"family_name": "x"}, authorized=False), 401)
    assert all_contacts(api) == []


class _ClaimsApi(Api):
    def __init__(self, tenant: str, claims: dict[str, str]):
        super().__init__(tenant)
        self._claims = claims

    def claims(self):
        return self._claims


@pytest.mark.parametrize("role", ["guest", "superuser", "", "Owner"])
def test_unknown_role_is_401(api, role):
    """A role the API does not know is a token to sign in again with, not a member without rights."""
    caller = _ClaimsApi(api.tenant, {"sub": "x", "email": "x@example.jp", "custom:tenant_id": api.tenant,
                                     "custom:role": role})
    assert_error(caller.post("/v1/contacts", {"family_name": "x"}), 401)
    assert all_contacts(api) == []


def test_claims_without_tenant_or_sub_are_401(api):
    no_tenant = _ClaimsApi(api.tenant, {"sub": "x", "custom:role": "owner"})
    assert_error(no_tenant.get("/v1/contacts"), 401)
    no_sub = _ClaimsApi(api.tenant, {"custom:tenant_id": api.tenant, "custom:role": "owner"})
    assert_error(no_sub.get("/v1/contacts"), 401)
    no_role = _ClaimsApi(api.tenant, {"sub": "x", "custom:tenant_id": api.tenant})
    assert_error(no_role.get("/v1/contacts"), 401)


def test_a_tenant_id_that_could_reach_into_another_tenants_keys_is_401(api):
    """Keys are "TENANT#{tenant}#CONTACT#{id}": a tenant "acme#CONTACT#x" must never be accepted."""
    victim = create(api, family_name="被害者")
    forged_tenant = f"{api.tenant}#CONTACT#{victim['id']}"
    caller = _ClaimsApi(forged_tenant, {"sub": "x", "custom:tenant_id": forged_tenant, "custom:role": "owner"})
    assert_error(caller.get("/v1/contacts"), 401)
    assert_error(caller.post("/v1/contacts", {"family_name": "x"}), 401)
    assert [c["id"] for c in all_contacts(api)] == [victim["id"]]


@pytest.mark.parametrize("contact_id", ["a#b", "CONTACT#x", "x y", "%00"])
def test_ids_that_are_not_plain_are_404_or_missing(api, contact_id):
    create(api, family_name="山田")
    assert_error(api.get(f"/v1/contacts/{contact_id}"), 404)
    assert_error(api.patch(f"/v1/contacts/{contact_id}", {"memo": "x"}), 404)
    reply = api.post("/v1/contacts/lookup", {"field": "id", "values": [contact_id]})
    assert reply.status == 200 and reply.body == {"found": [], "missing": [contact_id]}


def test_health_without_auth(api):
    reply = api.get("/health", authorized=False)
    assert reply.status == 200
    assert reply.body == {"status": "ok"}


def test_lookup_finds_an_email_with_a_hash_in_its_local_part(api):
    contact = create(api, family_name="山田", email="sales#jp@example.jp")
    reply = api.post("/v1/contacts/lookup", {"field": "email", "values": ["Sales#JP@example.jp", "x#y@example.jp"]})
    assert reply.status == 200
    assert [c["id"] for c in reply.body["found"]] == [contact["id"]]
    assert reply.body["missing"] == ["x#y@example.jp"]


def test_a_restricted_user_filtering_on_another_owner_finds_nothing_in_lists_and_search(api):
    user = api.as_("user")
    create(api, family_name="山田", owner_id="someone-else")
    create(api, family_name="山本", owner_id=user.user_id)
    assert api.put("/v1/settings", {"owner_visibility_restricted": True}).status == 200
    for query in ({"owner_id": "someone-else"}, {"owner_id": "someone-else", "q": "山"}):
        reply = user.get("/v1/contacts", query=query)
        assert reply.status == 200 and reply.body["items"] == [], query
