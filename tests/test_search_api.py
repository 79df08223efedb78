"""POST /v1/contacts/search and /v1/segments through the handlers: the filter language on real
contacts (Japanese names, typed properties, tags, relative dates, score), quick search and
owner visibility combined, paging with `total`, live segments, and the 422s that name the path."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from conftest import Api, assert_error, create


def search(api: Api, **body: Any) -> dict[str, Any]:
    reply = api.post("/v1/contacts/search", body)
    assert reply.status == 200, reply.body
    return reply.body


def names(page: dict[str, Any]) -> list[str]:
    return sorted(contact["family_name"] for contact in page["items"])


def days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def people(api) -> dict[str, dict[str, Any]]:
    """Five contacts of one tenant, and a look-alike in another tenant."""
    assert api.post("/v1/properties", {"key": "employees", "label": "従業員数", "type": "number"}).status == 201
    assert api.post("/v1/properties", {"key": "industry", "label": "業種", "type": "select",
                                       "options": ["製造", "小売", "IT"]}).status == 201
    made = {
        "山田": create(api, family_name="山田", family_name_kana="ヤマダ", email="Taro@Example.jp",
                     phone="03-1234-5678", company="株式会社サンプル", tags=["展示会2026", "VIP"], status="new",
                     properties={"employees": 120, "industry": "製造"}, acquired_at=days_ago(3)),
        "佐藤": create(api, family_name="佐藤", family_name_kana="サトウ", email="sato@example.co.jp",
                     company="サンプル商事", tags=["展示会2026"], status="replied",
                     properties={"employees": 8, "industry": "小売"}, acquired_at=days_ago(40)),
        "鈴木": create(api, family_name="鈴木", family_name_kana="スズキ", email="suzuki@example.org",
                     company="テスト株式会社", tags=["VIP"], status="won", starred=True,
                     properties={"industry": "IT"}),
        "高橋": create(api, family_name="高橋", family_name_kana="タカハシ", tags=[], status="lost",
                     marketing_opt_out=True),
        "田中": create(api, family_name="田中", family_name_kana="タナカ", email="tanaka@example.jp",
                     company="(株)みらい", tags=["展示会2026", "見込み"], status="new"),
    }
    other = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    create(other, family_name="山田", email="taro@example.jp", tags=["展示会2026", "VIP"], status="new")
    return made


@pytest.mark.parametrize("condition, expected", [
    ({"field": "family_name_kana", "op": "eq", "value": "やまだ"}, ["山田"]),
    ({"field": "family_name", "op": "contains", "value": "田"}, ["山田", "田中"]),
    ({"field": "email", "op": "eq", "value": "taro@example.JP"}, ["山田"]),
    ({"field": "email", "op": "prefix", "value": "s"}, ["佐藤", "鈴木"]),
    ({"field": "phone", "op": "eq", "value": "+81 3-1234-5678"}, ["山田"]),
    ({"field": "company", "op": "prefix", "value": "サンプル"}, ["佐藤"]),
    ({"field": "company", "op": "contains", "value": "サンプル"}, ["佐藤", "山田"]),
    ({"field": "company", "op": "eq", "value": "株式会社サンプル"}, ["山田"]),
    ({"field": "status", "op": "in", "value": ["new", "won"]}, ["山田", "田中", "鈴木"]),
    ({"field": "status", "op": "ne", "value": "new"}, ["佐藤", "鈴木", "高橋"]),
    ({"field": "starred", "op": "eq", "value": True}, ["鈴木"]),
    ({"field": "marketing_opt_out", "op": "eq", "value": True}, ["高橋"]),
    ({"field": "email", "op": "not_exists"}, ["高橋"]),
    ({"field": "properties.employees", "op": "gt", "value": 10}, ["山田"]),
    ({"field": "properties.employees", "op": "between", "value": [1, 200]}, ["佐藤", "山田"]),
    ({"field": "properties.industry", "op": "in", "value": ["製造", "IT"]}, ["山田", "鈴木"]),
    ({"field": "properties.employees", "op": "exists"}, ["佐藤", "山田"]),
    ({"field": "acquired_at", "op": "gte", "value": {"days_ago": 30}}, ["山田"]),
    ({"field": "acquired_at", "op": "lt", "value": {"days_ago": 30}}, ["佐藤"]),
    ({"field": "delivery_status", "op": "eq", "value": "unconfirmed"}, ["佐藤", "山田", "田中", "高橋", "鈴木"]),
    ({"field": "engagement", "op": "eq", "value": "inactive"}, ["佐藤", "山田", "田中", "高橋", "鈴木"]),
    ({"tags": {"include": ["展示会2026", "VIP"], "include_mode": "all"}}, ["山田"]),
    ({"tags": {"include": ["展示会2026", "VIP"], "include_mode": "any"}}, ["佐藤", "山田", "田中", "鈴木"]),
    ({"tags": {"include": ["展示会2026"], "exclude": ["VIP", "見込み"], "exclude_mode": "any"}}, ["佐藤"]),
    ({"tags": {"exclude": ["VIP"]}}, ["佐藤", "田中", "高橋"]),
])
def test_each_kind_of_condition_finds_exactly_its_contacts(api, people, condition, expected):
    page = search(api, filter=condition, limit=200)
    assert names(page) == sorted(expected)
    assert page["total"] == len(expected)


def test_groups_nest_and_combine(api, people):
    tree = {"and": [
        {"tags": {"include": ["展示会2026"]}},
        {"or": [{"field": "status", "op": "eq", "value": "replied"},
                {"and": [{"field": "properties.employees", "op": "gte", "value": 100},
                         {"field": "company", "op": "contains", "value": "サンプル"}]}]},
    ]}
    assert names(search(api, filter=tree)) == ["佐藤", "山田"]


def test_a_search_combines_the_filter_with_quick_search(api, people):
    assert names(search(api, q="サンプル", filter={"field": "status", "op": "eq", "value": "new"})) == ["山田"]
    assert names(search(api, q="ﾀﾅｶ")) == ["田中"]


def test_no_filter_is_every_contact_in_order_with_a_total_and_pages(api, people):
    first = search(api, sort="name", order="asc", limit=2)
    assert first["total"] == 5 and len(first["items"]) == 2 and first["next_cursor"]
    seen = [contact["family_name"] for contact in first["items"]]
    page = first
    while page["next_cursor"]:
        page = search(api, sort="name", order="asc", limit=2, cursor=page["next_cursor"])
        assert page["total"] == 5
        seen += [contact["family_name"] for contact in page["items"]]
    assert seen == ["佐藤", "鈴木", "高橋", "田中", "山田"]  # by kana reading: サトウ, スズキ, タカハシ, タナカ, ヤマダ


def test_a_cursor_belongs_to_its_search(api, people):
    page = search(api, filter={"field": "status", "op": "eq", "value": "new"}, limit=1)
    assert page["next_cursor"]
    assert_error(api.post("/v1/contacts/search", {"filter": {"field": "status", "op": "eq", "value": "won"},
                                                  "limit": 1, "cursor": page["next_cursor"]}), 400)
    other = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    assert_error(other.post("/v1/contacts/search", {"filter": {"field": "status", "op": "eq", "value": "new"},
                                                    "limit": 1, "cursor": page["next_cursor"]}), 400)


def test_score_is_searchable(api, people):
    yamada = people["山田"]
    reply = api.post(f"/v1/contacts/{yamada['id']}/activities", {"type": "meeting", "subject": "商談"})
    assert reply.status == 201
    assert names(search(api, filter={"field": "score", "op": "gte", "value": 10})) == ["山田"]


def test_a_user_under_owner_visibility_searches_only_their_contacts(api):
    rep = api.as_("user")
    mine = create(rep, family_name="自分", tags=["展示会2026"])
    create(api, family_name="他人", tags=["展示会2026"])
    assert api.put("/v1/settings", {"owner_visibility_restricted": True}).status == 200

    page = search(rep, filter={"tags": {"include": ["展示会2026"]}})

    assert [contact["id"] for contact in page["items"]] == [mine["id"]] and page["total"] == 1
    assert search(rep)["total"] == 1
    assert search(api, filter={"tags": {"include": ["展示会2026"]}})["total"] == 2


def test_another_tenants_contacts_are_never_found(api, people):
    other = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    assert search(other, filter={"field": "email", "op": "eq", "value": "taro@example.jp"})["total"] == 0


@pytest.mark.parametrize("body, field", [
    ({"filter": {"field": "nickname", "op": "eq", "value": "x"}}, "filter.field"),
    ({"filter": {"field": "status", "op": "like", "value": "x"}}, "filter.op"),
    ({"filter": {"field": "properties.employees", "op": "gt", "value": "many"}}, "filter.value"),
    ({"filter": {"field": "properties.unknown", "op": "eq", "value": 1}}, "filter.field"),
    ({"filter": {"field": "status", "op": "eq", "value": "maybe"}}, "filter.value"),
    ({"filter": {"field": "family_name", "op": "contains", "value": ".*田"}}, "filter.value"),
    ({"filter": {"field": "family_name", "op": "eq", "value": "山*"}}, "filter.value"),
    ({"filter": {"and": [{"field": "status", "op": "eq", "value": "new"},
                         {"field": "status", "op": "eq", "value": "new"},
                         {"or": [{"field": "color", "op": "eq", "value": "red"}]}]}}, "filter.and[2].or[0].field"),
    ({"filter": {"and": [{"and": [{"and": [{"and": [{"and": [{"and": [{"field": "status", "op": "exists"}]}]}]}]}]}]}},
     "filter.and[0].and[0].and[0].and[0].and[0]"),
    ({"filter": {"field": "status", "op": "eq", "value": "new"}, "limit": 500}, "limit"),
    ({"filter": {"field": "status", "op": "eq", "value": "new"}, "sort": "phone"}, "sort"),
    ({"filters": {}}, "filters"),
])
def test_a_bad_search_is_a_422_naming_the_path(api, people, body, field):
    assert_error(api.post("/v1/contacts/search", body), 422, field)


# --- segments --------------------------------------------------------------------------------


def test_a_segment_is_evaluated_live(api, people):
    created = api.post("/v1/segments", {"name": "展示会の新規", "filter": {"and": [
        {"tags": {"include": ["展示会2026"]}}, {"field": "status", "op": "eq", "value": "new"}]}})
    assert created.status == 201, created.body
    segment_id = created.body["id"]
    first = api.get(f"/v1/segments/{segment_id}/contacts").body
    assert names(first) == ["山田", "田中"] and first["total"] == 2

    create(api, family_name="新人", tags=["展示会2026"])
    assert api.patch(f"/v1/contacts/{people['山田']['id']}", {"status": "won"}).status == 200

    later = api.get(f"/v1/segments/{segment_id}/contacts", query={"sort": "name", "order": "asc"}).body
    assert [contact["family_name"] for contact in later["items"]] == ["田中", "新人"]  # タナカ, then 新人 (no kana)


def test_segments_are_listed_read_replaced_and_deleted(api, people):
    segment = api.post("/v1/segments", {"name": "VIP", "filter": {"tags": {"include": ["VIP"]}}}).body
    assert [item["name"] for item in api.get("/v1/segments").body["items"]] == ["VIP"]
    assert api.get(f"/v1/segments/{segment['id']}").body["filter"] == {"tags": {"include": ["VIP"]}}

    replaced = api.put(f"/v1/segments/{segment['id']}", {"name": "優良", "filter": {"field": "starred", "op": "eq",
                                                                                   "value": True}})
    assert replaced.status == 200 and replaced.body["name"] == "優良"
    assert names(api.get(f"/v1/segments/{segment['id']}/contacts").body) == ["鈴木"]
    assert api.delete(f"/v1/segments/{segment['id']}").status == 204
    assert_error(api.get(f"/v1/segments/{segment['id']}"), 404)
    assert_error(api.get(f"/v1/segments/{segment['id']}/contacts"), 404)


def test_a_bad_segment_is_refused_and_not_saved(api, people):
    assert_error(api.post("/v1/segments", {"name": "x", "filter": {"field": "nope", "op": "eq", "value": 1}}), 422,
                 "filter.field")
    assert_error(api.post("/v1/segments", {"name": "", "filter": {"field": "starred", "op": "exists"}}), 422, "name")
    assert_error(api.post("/v1/segments", {"name": "x"}), 422, "filter")
    assert api.get("/v1/segments").body["items"] == []


def test_a_segment_on_a_property_archived_since_is_a_409(api, people):
    segment = api.post("/v1/segments", {"name": "大企業", "filter": {"field": "properties.employees", "op": "gte",
                                                                    "value": 100}}).body
    assert api.patch("/v1/properties/employees", {"archived": True}).status == 200
    assert_error(api.get(f"/v1/segments/{segment['id']}/contacts"), 409)


def test_another_tenants_segment_is_404(api, people):
    segment = api.post("/v1/segments", {"name": "VIP", "filter": {"tags": {"include": ["VIP"]}}}).body
    other = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    assert_error(other.get(f"/v1/segments/{segment['id']}"), 404)
    assert_error(other.get(f"/v1/segments/{segment['id']}/contacts"), 404)
    assert_error(other.delete(f"/v1/segments/{segment['id']}"), 404)
