"""Pure unit tests of shared/domain/search.py: the filter language (parsing, validation and its
error paths), in-memory matching of every op per field type, and query planning. No AWS."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from shared import keys
from shared.domain import contacts as contact_rules
from shared.domain import search, search_match, search_plan, text
from shared.domain.search import Condition, Context, Group, TagCondition
from shared.domain.search_plan import AllOf, AnyOf, FullScan, Lookup
from shared.errors import ValidationFailed

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
CONTEXT = Context(
    settings={"name_order": "family_given", "score_weights": {"purchase": 20, "page_view": 1},
              "engagement_thresholds": {"hot": 30, "active": 5}},
    today=date(2026, 5, 1),
)
DEFINITIONS: dict[str, dict[str, Any]] = {
    "size": {"key": "size", "label": "従業員数", "type": "number", "options": None, "archived": False},
    "plan": {"key": "plan", "label": "プラン", "type": "select", "options": ["無料", "有料"], "archived": False},
    "vip": {"key": "vip", "label": "VIP", "type": "boolean", "options": None, "archived": False},
    "renewal": {"key": "renewal", "label": "更新日", "type": "date", "options": None, "archived": False},
    "note": {"key": "note", "label": "備考", "type": "text", "options": None, "archived": False},
    "billing": {"key": "billing", "label": "請求先", "type": "email", "options": None, "archived": False},
    "old": {"key": "old", "label": "旧項目", "type": "text", "options": None, "archived": True},
}
CONTACT_ID = "01HXYZABCDEFGHJKMNPQRSTVWX"
CONTACT: dict[str, Any] = {
    "id": CONTACT_ID,
    "family_name": "山田", "given_name": "太郎", "family_name_kana": "ヤマダ", "given_name_kana": "タロウ",
    "email": "Taro.Yamada@Example.co.jp", "phone": "03-1234-5678",
    "company": "株式会社サンプル", "department": "営業部", "address": "",
    "website": "https://example.co.jp/", "memo": "展示会で名刺交換。50%割引に興味あり",
    "owner_id": "user-1", "status": "new", "starred": True, "marketing_opt_out": False,
    "tags": ["展示会", "VIP"],
    "properties": {"size": Decimal("120"), "plan": "有料", "vip": True, "renewal": "2026-06-30", "note": "ﾃｽﾄ"},
    "created_at": "2026-04-01T03:00:00.000Z", "updated_at": "2026-04-20T00:00:00.000Z",
    "last_contacted_at": "2026-04-15T10:00:00.000Z",
    "session_count": Decimal("3"),
    "score_counts": {"2026-04-30|purchase": 1, "2026-04-29|page_view": 2},  # score 22: active
    "delivery_status": "normal",
}
ABSENT = object()


def cond(field: str, op: str, value: Any = ABSENT) -> dict[str, Any]:
    return {"field": field, "op": op} | ({} if value is ABSENT else {"value": value})


def parse(tree: Any) -> search.Node:
    return search.parse(tree, DEFINITIONS, NOW)


def match(tree: Any, contact: dict[str, Any] = CONTACT, context: Context = CONTEXT) -> bool:
    return search_match.matches(parse(tree), contact, context)


def errors(tree: Any) -> dict[str, str]:
    """field path → error code of every problem reported."""
    with pytest.raises(ValidationFailed) as raised:
        parse(tree)
    assert raised.value.message == "The filter is invalid; see details."
    return {detail.field: detail.code for detail in raised.value.details}


def nest(groups: int, kind: str = "and") -> dict[str, Any]:
    tree: dict[str, Any] = cond("status", "eq", "new")
    for _ in range(groups):
        tree = {kind: [tree]}
    return tree


# --- matching: every op per field type -------------------------------------------------------

@pytest.mark.parametrize(("field", "op", "value", "expected"), [
    # string: folded (case, width, hiragana/katakana)
    ("family_name_kana", "eq", "やまだ", True),
    ("family_name_kana", "eq", "ﾔﾏﾀﾞ", True),
    ("family_name", "eq", "山田", True),
    ("family_name", "eq", "山", False),
    ("family_name", "contains", "田", True),
    ("family_name", "prefix", "山", True),
    ("family_name", "prefix", "田", False),
    ("family_name", "ne", "佐藤", True),
    ("family_name", "ne", "山田", False),
    ("family_name", "in", ["佐藤", "山田"], True),
    ("family_name", "in", ["佐藤", "鈴木"], False),
    ("given_name_kana", "contains", "たろ", True),
    ("display_name", "eq", "山田 太郎", True),
    ("display_name", "eq", "山田　太郎", True),
    ("display_name", "prefix", "山田太", True),
    ("department", "eq", "営業部", True),
    ("company", "eq", "株式会社サンプル", True),
    ("company", "eq", "サンプル", False),
    ("company", "contains", "サンプル", True),
    ("memo", "contains", "50%", True),
    ("website", "contains", "example.co.jp", True),
    ("owner_id", "eq", "user-1", True),
    ("owner_id", "ne", "user-2", True),
    ("id", "eq", CONTACT_ID, True),
    ("id", "eq", CONTACT_ID.lower(), False),  # identifiers are exact
    ("family_name", "exists", ABSENT, True),
    ("title", "exists", ABSENT, False),
    ("title", "not_exists", ABSENT, True),
    ("address", "not_exists", ABSENT, True),  # "" is missing
    ("title", "ne", "部長", True),  # ne on a missing value is true
    ("title", "eq", "部長", False),
    ("title", "contains", "部", False),
    # email: case-insensitive (and full width through NFKC)
    ("email", "eq", "TARO.YAMADA@EXAMPLE.CO.JP", True),
    ("email", "eq", "ｔａｒｏ．ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｃｏ．ｊｐ", True),
    ("email", "prefix", "Taro.", True),
    ("email", "contains", "@example.co.jp", True),
    ("email", "in", ["a@example.jp", "taro.yamada@example.co.jp"], True),
    # phone: domestic digits on both sides
    ("phone", "eq", "+81 3-1234-5678", True),
    ("phone", "eq", "0312345678", True),
    ("phone", "eq", "（０３）１２３４－５６７８", True),
    ("phone", "eq", "03-9999-9999", False),
    ("phone", "prefix", "03", True),
    ("phone", "contains", "1234-5678", True),
    ("phone", "in", ["090-0000-0000", "+81-3-1234-5678"], True),
    # enum
    ("status", "eq", "new", True),
    ("status", "ne", "new", False),
    ("status", "in", ["won", "new"], True),
    ("status", "in", ["won", "lost"], False),
    ("delivery_status", "eq", "normal", True),
    ("engagement", "eq", "active", True),
    ("engagement", "in", ["hot", "inactive"], False),
    ("properties.plan", "eq", "有料", True),
    ("properties.plan", "ne", "無料", True),
    ("properties.plan", "exists", ABSENT, True),
    # boolean
    ("starred", "eq", True, True),
    ("starred", "ne", True, False),
    ("marketing_opt_out", "eq", False, True),
    ("properties.vip", "eq", True, True),
    ("properties.vip", "not_exists", ABSENT, False),
    # number (score computed from score_counts; stored Decimals)
    ("score", "eq", 22, True),
    ("score", "gt", 21, True),
    ("score", "gte", 22, True),
    ("score", "lt", 22, False),
    ("score", "lte", 22, True),
    ("score", "between", [20, 22], True),
    ("score", "between", [23, 30], False),
    ("score", "in", [1, 22], True),
    ("session_count", "eq", 3, True),
    ("session_count", "gt", 2.5, True),
    ("properties.size", "eq", 120, True),
    ("properties.size", "eq", 120.0, True),
    ("properties.size", "between", [100, 120], True),
    ("properties.size", "lt", 120, False),
    ("properties.size", "ne", 5, True),
    # time: a date is its whole UTC day
    ("created_at", "eq", "2026-04-01", True),
    ("created_at", "eq", "2026-04-02", False),
    ("created_at", "ne", "2026-04-01", False),
    ("created_at", "eq", "2026-04-01T03:00:00Z", True),
    ("created_at", "eq", "2026-04-01T12:00:00+09:00", True),
    ("created_at", "eq", "2026-04-01T03:00:00.001Z", False),
    ("created_at", "gte", "2026-04-01", True),
    ("created_at", "gt", "2026-04-01", False),
    ("created_at", "gt", "2026-03-31", True),
    ("created_at", "lte", "2026-04-01", True),
    ("created_at", "lt", "2026-04-01", False),
    ("created_at", "lt", "2026-04-02", True),
    ("created_at", "between", ["2026-03-01", "2026-04-01"], True),  # inclusive: the whole high day
    ("created_at", "between", ["2026-04-01T03:00:00Z", "2026-04-01T03:00:00Z"], True),
    ("created_at", "between", ["2026-04-02", "2026-04-30"], False),
    # relative: now (2026-05-01T12:00Z) − n days
    ("created_at", "gte", {"days_ago": 30}, False),  # 2026-04-01T12:00Z
    ("created_at", "lt", {"days_ago": 30}, True),
    ("created_at", "gte", {"days_ago": 31}, True),
    ("created_at", "eq", {"days_ago": 30}, True),  # eq: that whole UTC day
    ("last_contacted_at", "gte", {"days_ago": 30}, True),
    ("last_contacted_at", "between", [{"days_ago": 30}, {"days_ago": 0}], True),
    ("acquired_at", "not_exists", ABSENT, True),
    ("acquired_at", "ne", "2026-04-01", True),
    ("acquired_at", "lt", {"days_ago": 0}, False),
    # date property: compared as dates
    ("properties.renewal", "eq", "2026-06-30", True),
    ("properties.renewal", "gt", "2026-06-29", True),
    ("properties.renewal", "gt", "2026-06-30", False),
    ("properties.renewal", "lte", {"days_ago": 0}, False),
    ("properties.renewal", "gte", {"days_ago": 0}, True),
    ("properties.renewal", "between", ["2026-06-01", "2026-06-30"], True),
    ("properties.renewal", "ne", "2026-06-30", False),
    # text and email properties
    ("properties.note", "eq", "テスト", True),
    ("properties.note", "contains", "す", True),
    ("properties.billing", "exists", ABSENT, False),
    ("properties.billing", "ne", "a@example.jp", True),
])
def test_condition_matches(field, op, value, expected):
    assert match(cond(field, op, value)) is expected


def test_display_name_follows_the_name_order():
    given_first = Context({**CONTEXT.settings, "name_order": "given_family"}, CONTEXT.today)
    assert match(cond("display_name", "eq", "太郎 山田"), context=given_first)
    assert not match(cond("display_name", "eq", "太郎 山田"))


def test_score_and_engagement_use_the_settings():
    hot = Context({**CONTEXT.settings, "score_weights": {"purchase": 50}}, CONTEXT.today)
    assert match({"and": [cond("score", "eq", 50), cond("engagement", "eq", "hot")]}, context=hot)
    later = Context(CONTEXT.settings, date(2026, 9, 1))  # the counts have left the 90-day window
    assert match({"and": [cond("score", "eq", 0), cond("engagement", "eq", "inactive")]}, context=later)


def test_missing_and_unusable_stored_values():
    bare = {"id": "01ABC", "tags": [], "properties": {"size": "many", "renewal": "someday"}}
    assert match(cond("properties.size", "ne", 3), bare)  # a non-number is missing
    assert not match(cond("properties.size", "exists"), bare)
    assert not match(cond("properties.renewal", "lte", "2030-01-01"), bare)
    assert match(cond("properties.plan", "ne", "有料"), bare)
    assert match(cond("delivery_status", "eq", "unconfirmed"), bare)  # the default, as the index files it
    assert match(cond("acquired_at", "eq", "2026-04-01"), {"acquired_at": "2026-04-01T09:00:00+09:00"})


@pytest.mark.parametrize(("tags", "expected"), [
    ({"include": ["展示会", "セミナー"]}, True),
    ({"include": ["展示会", "セミナー"], "include_mode": "all"}, False),
    ({"include": ["展示会", "VIP"], "include_mode": "all"}, True),
    ({"include": ["ＶＩＰ"]}, True),  # names are NFKC-normalised like stored tags
    ({"exclude": ["VIP"]}, False),
    ({"exclude": ["セミナー"]}, True),
    ({"exclude": ["VIP", "セミナー"], "exclude_mode": "all"}, True),
    ({"exclude": ["VIP", "展示会"], "exclude_mode": "all"}, False),
    ({"include": ["展示会"], "exclude": ["セミナー"]}, True),
    ({"include": ["展示会"], "exclude": ["VIP", "セミナー"]}, False),
])
def test_tag_conditions(tags, expected):
    assert match({"tags": tags}) is expected


def test_tag_conditions_on_a_contact_without_tags():
    assert match({"tags": {"exclude": ["VIP"]}}, {"id": "01ABC"})
    assert not match({"tags": {"include": ["VIP"]}}, {"id": "01ABC"})


@pytest.mark.parametrize(("tree", "expected"), [
    ({"and": [cond("status", "eq", "new"), cond("starred", "eq", True)]}, True),
    ({"and": [cond("status", "eq", "new"), cond("starred", "eq", False)]}, False),
    ({"or": [cond("status", "eq", "won"), cond("starred", "eq", True)]}, True),
    ({"or": [cond("status", "eq", "won"), cond("starred", "eq", False)]}, False),
    ({"and": [{"or": [cond("status", "eq", "won"), {"tags": {"include": ["VIP"]}}]},
              {"and": [cond("score", "gte", 5), cond("company", "contains", "さんぷる")]}]}, True),
    (nest(5), True),
    (nest(5, "or"), True),
])
def test_groups(tree, expected):
    assert match(tree) is expected


# --- parsing: normalised values ------------------------------------------------------------

@pytest.mark.parametrize(("condition", "value"), [
    (cond("family_name_kana", "eq", " やまだ "), "ヤマダ"),
    (cond("company", "in", ["ｻﾝﾌﾟﾙ", "サンプル", "テスト"]), ("サンプル", "テスト")),  # folded, deduplicated
    (cond("phone", "eq", "+81 3-1234-5678"), "0312345678"),
    (cond("email", "eq", "Taro@Example.JP"), "taro@example.jp"),
    (cond("owner_id", "eq", "User-1"), "User-1"),
    (cond("score", "in", [1, 2.5, 1.0]), (Decimal(1), Decimal("2.5"))),
    (cond("created_at", "eq", "2026-04-01"), ("2026-04-01T00:00:00.000Z", "2026-04-01T23:59:59.999Z")),
    (cond("created_at", "eq", "2026-04-01T09:00:00+09:00"), ("2026-04-01T00:00:00.000Z", "2026-04-01T00:00:00.000Z")),
    (cond("created_at", "lte", "2026-04-01"), "2026-04-01T23:59:59.999Z"),
    (cond("created_at", "gt", "2026-04-01"), "2026-04-01T23:59:59.999Z"),
    (cond("created_at", "gte", "2026-04-01"), "2026-04-01T00:00:00.000Z"),
    (cond("created_at", "lt", "2026-04-01"), "2026-04-01T00:00:00.000Z"),
    (cond("created_at", "gte", {"days_ago": 30}), "2026-04-01T12:00:00.000Z"),
    (cond("created_at", "between", ["2026-04-01", {"days_ago": 0}]), ("2026-04-01T00:00:00.000Z",
                                                                       "2026-05-01T12:00:00.000Z")),
    (cond("properties.renewal", "lt", {"days_ago": 1}), "2026-04-30"),
    (cond("properties.renewal", "eq", "2026-06-30"), ("2026-06-30", "2026-06-30")),
    (cond("title", "exists"), None),
    (cond("title", "not_exists", None), None),
])
def test_parse_normalises_values(condition, value):
    node = parse(condition)
    assert isinstance(node, Condition) and node.value == value and node.path == "filter"


def test_parse_builds_the_tree_with_paths():
    node = parse({"and": [cond("status", "eq", "new"), {"or": [{"tags": {"include": ["展示会", "展示会"]}}]}]})
    assert node == Group("filter", "and", (
        Condition("filter.and[0]", "status", "eq", "new", "choice"),
        Group("filter.and[1]", "or", (TagCondition("filter.and[1].or[0]", ("展示会",), "any", (), "any"),)),
    ))


def test_a_naive_now_is_utc():
    node = search.parse(cond("created_at", "gte", {"days_ago": 1}), {}, datetime(2026, 5, 1, 12, 0))
    assert node.value == "2026-04-30T12:00:00.000Z"


# --- parsing: errors and their paths -------------------------------------------------------

def test_error_paths_name_the_nested_part():
    tree = {"and": [cond("status", "eq", "new"), {"tags": {"include": ["展示会"]}},
                    {"or": [cond("nope", "eq", "x")]}]}
    assert errors(tree) == {"filter.and[2].or[0].field": "unknown_field"}


def test_every_error_is_reported_together():
    tree = {"and": [
        cond("nope", "eq", "x"),
        cond("score", "eq", "10"),
        cond("status", "like", "new"),
        {"tags": {"include": ["a/b"]}},
        {"or": [cond("family_name", "gt", "あ"), cond("family_name", "eq", "山.*")]},
        cond("properties.old", "eq", "x"),
    ]}
    assert errors(tree) == {
        "filter.and[0].field": "unknown_field",
        "filter.and[1].value": "invalid",
        "filter.and[2].op": "unknown_op",
        "filter.and[3].tags.include[0]": "invalid",
        "filter.and[4].or[0].op": "op_not_allowed",
        "filter.and[4].or[1].value": "pattern_not_supported",
        "filter.and[5].field": "archived_property",
    }


def test_depth_five_is_allowed_and_a_sixth_group_is_refused_at_its_path():
    assert isinstance(parse(nest(5)), Group)
    assert errors(nest(6)) == {"filter" + ".and[0]" * 5: "too_deep"}
    mixed = {"or": [cond("status", "eq", "new"), nest(5)]}  # the nested groups start at depth 2
    assert errors(mixed) == {"filter.or[1]" + ".and[0]" * 4: "too_deep"}


@pytest.mark.parametrize(("tree", "expected"), [
    # type mismatches and values out of range → .value
    (cond("score", "eq", "10"), {"filter.value": "invalid"}),
    (cond("score", "eq", True), {"filter.value": "invalid"}),
    (cond("score", "gt", float("nan")), {"filter.value": "invalid"}),
    (cond("family_name", "eq", 10), {"filter.value": "invalid"}),
    (cond("starred", "eq", "true"), {"filter.value": "invalid"}),
    (cond("status", "eq", "open"), {"filter.value": "invalid"}),
    (cond("engagement", "eq", "Hot"), {"filter.value": "invalid"}),
    (cond("properties.plan", "eq", "ゴールド"), {"filter.value": "invalid"}),
    (cond("created_at", "gt", "yesterday"), {"filter.value": "invalid"}),
    (cond("created_at", "gt", 1714521600), {"filter.value": "invalid"}),
    (cond("created_at", "gt", "1800-01-01"), {"filter.value": "invalid"}),
    (cond("created_at", "gt", {"days_ago": -1}), {"filter.value": "invalid"}),
    (cond("created_at", "gt", {"days_ago": 36501}), {"filter.value": "invalid"}),
    (cond("created_at", "gt", {"days_ago": True}), {"filter.value": "invalid"}),
    (cond("created_at", "gt", {"days_ago": 1, "hours_ago": 2}), {"filter.value": "invalid"}),
    (cond("properties.renewal", "gt", "2026-06-01T00:00:00Z"), {"filter.value": "invalid"}),
    (cond("family_name", "eq", ""), {"filter.value": "invalid"}),
    (cond("family_name", "eq", "　"), {"filter.value": "invalid"}),
    (cond("family_name", "eq", "あ" * 501), {"filter.value": "invalid"}),
    (cond("phone", "eq", "abc"), {"filter.value": "invalid"}),
    (cond("score", "between", [5, 1]), {"filter.value": "invalid"}),
    (cond("created_at", "between", ["2026-04-02", "2026-04-01"]), {"filter.value": "invalid"}),
    (cond("score", "between", [1]), {"filter.value": "invalid"}),
    (cond("score", "between", [1, "x"]), {"filter.value[1]": "invalid"}),
    (cond("score", "in", []), {"filter.value": "invalid"}),
    (cond("score", "in", 3), {"filter.value": "invalid"}),
    (cond("score", "in", list(range(501))), {"filter.value": "limit"}),
    (cond("status", "in", ["new", "open", "won", "closed"]),
     {"filter.value[1]": "invalid", "filter.value[3]": "invalid"}),
    (cond("title", "exists", "x"), {"filter.value": "invalid"}),
    (cond("title", "eq"), {"filter.value": "required"}),
    (cond("title", "eq", None), {"filter.value": "required"}),
    # ops the field's type does not allow → .op
    (cond("family_name", "gt", "あ"), {"filter.op": "op_not_allowed"}),
    (cond("starred", "in", [True]), {"filter.op": "op_not_allowed"}),
    (cond("created_at", "in", ["2026-04-01"]), {"filter.op": "op_not_allowed"}),
    (cond("created_at", "contains", "2026"), {"filter.op": "op_not_allowed"}),
    (cond("status", "contains", "n"), {"filter.op": "op_not_allowed"}),
    (cond("score", "prefix", 1), {"filter.op": "op_not_allowed"}),
    # unknown op, missing parts, unknown fields and properties
    (cond("family_name", "like", "山%"), {"filter.op": "unknown_op"}),
    ({"field": "family_name", "value": "山田"}, {"filter.op": "required"}),
    ({"op": "eq", "value": "山田"}, {"filter.field": "required"}),
    (cond(3, "eq", "x"), {"filter.field": "invalid"}),
    (cond("tags", "eq", "VIP"), {"filter.field": "unknown_field"}),
    (cond("score_counts", "exists"), {"filter.field": "unknown_field"}),
    (cond("properties.nope", "eq", "x"), {"filter.field": "unknown_property"}),
    (cond("properties.old", "eq", "x"), {"filter.field": "archived_property"}),
    ({**cond("family_name", "eq", "山田"), "case": "sensitive"}, {"filter.case": "unknown_field"}),
    # empty and malformed groups and nodes
    ({"and": []}, {"filter.and": "required"}),
    ({"or": {}}, {"filter.or": "required"}),
    ({"and": [{"or": []}]}, {"filter.and[0].or": "required"}),
    ({"and": [cond("status", "eq", "new")], "or": [cond("status", "eq", "won")]}, {"filter": "invalid"}),
    ({"and": [cond("status", "eq", "new")], "field": "status"}, {"filter": "invalid"}),
    ({"and": [{}, "x", [], None]}, {f"filter.and[{index}]": "invalid" for index in range(4)}),
    ({"and": [cond("status", "eq", "new")] * 51}, {"filter.and": "limit"}),
    ({"or": [{"and": [cond("status", "eq", "new")] * 50}] * 5}, {"filter": "limit"}),  # 250 conditions
    # tag conditions
    ({"tags": {}}, {"filter.tags": "required"}),
    ({"tags": {"include": [], "exclude": []}}, {"filter.tags": "required"}),
    ({"tags": ["VIP"]}, {"filter.tags": "invalid"}),
    ({"tags": {"include": "VIP"}}, {"filter.tags.include": "invalid"}),
    ({"tags": {"include": ["VIP"], "include_mode": "some"}}, {"filter.tags.include_mode": "invalid"}),
    ({"tags": {"exclude": ["VIP"], "exclude_mode": "none"}}, {"filter.tags.exclude_mode": "invalid"}),
    ({"tags": {"include": ["a/b", "", 3]}}, {f"filter.tags.include[{index}]": "invalid" for index in range(3)}),
    ({"tags": {"include": ["VIP"], "mode": "all"}}, {"filter.tags.mode": "unknown_field"}),
    ({"tags": {"include": ["VIP"]}, "op": "eq"}, {"filter.op": "unknown_field"}),
    ({"tags": {"include": [f"t{n}" for n in range(101)]}}, {"filter.tags.include": "limit"}),
])
def test_invalid_filters(tree, expected):
    assert errors(tree) == expected


@pytest.mark.parametrize("value", [
    "/山田/", "山.*", "山.+", "山*", "＊山田", r"\d+", "[^a]", "(?i)yamada", "^山田", "山田$",
])
@pytest.mark.parametrize("op", ["eq", "ne", "contains", "prefix"])
def test_regex_like_values_are_refused(op, value):
    assert errors(cond("family_name", op, value)) == {"filter.value": "pattern_not_supported"}


def test_regex_like_items_of_in_are_refused_by_index():
    assert errors(cond("company", "in", ["サンプル", "サン.*"])) == {"filter.value[1]": "pattern_not_supported"}


@pytest.mark.parametrize(("field", "value"), [
    ("website", "example.co.jp"), ("memo", "50%"), ("email", "taro.yamada@"), ("company", "(株)サンプル"),
    ("memo", "C++"), ("memo", "a/b"), ("memo", "Q&A?"), ("title", "$100"), ("title", "1/2"),
])
def test_ordinary_values_with_punctuation_are_accepted(field, value):
    assert isinstance(parse(cond(field, "contains", value)), Condition)


# --- planning ------------------------------------------------------------------------------

def plan_of(tree: Any) -> search_plan.Source:
    return search_plan.plan(parse(tree))


STATUS_NEW = Lookup("status", ("new",))
TAG_EXPO = Lookup("tag", ("展示会",))
TAG_VIP = Lookup("tag", ("VIP",))
OWNER = Lookup("owner", ("user-1",))


@pytest.mark.parametrize(("tree", "expected"), [
    (cond("id", "eq", CONTACT_ID), Lookup("id", (CONTACT_ID,))),
    (cond("id", "in", ["01A", "01B", "01A"]), Lookup("id", ("01A", "01B"))),
    (cond("email", "eq", "Taro@Example.JP"), Lookup("email", ("taro@example.jp",))),
    (cond("email", "in", ["A@example.jp", "b@example.jp"]), Lookup("email", ("a@example.jp", "b@example.jp"))),
    (cond("email", "prefix", "Taro"), Lookup("email_prefix", ("taro",))),
    (cond("phone", "eq", "+81 3-1234-5678"), Lookup("phone", ("0312345678",))),
    (cond("phone", "in", ["03-1234-5678", "090 1111 2222"]), Lookup("phone", ("0312345678", "09011112222"))),
    (cond("company", "eq", "株式会社サンプル"), Lookup("company_prefix", ("サンプル",))),
    (cond("company", "in", ["株式会社サンプル", "サンプル株式会社", "ﾃｽﾄ"]),  # one prefix per lookup
     AnyOf((Lookup("company_prefix", ("サンプル",)), Lookup("company_prefix", ("テスト",))))),
    (cond("company", "prefix", "サンプ"), Lookup("company_prefix", ("サンプ",))),
    (cond("company", "prefix", "株式会社サン"), Lookup("company_prefix", ("サン",))),
    (cond("company", "prefix", "Sample"), Lookup("company_prefix", ("sample",))),
    (cond("company", "prefix", "株"), FullScan()),  # "株式会社…" is indexed without it
    (cond("company", "prefix", "サンプル株"), FullScan()),  # "サンプル株式会社" is indexed as サンプル
    (cond("company", "prefix", "ABC"), FullScan()),  # "ABCorp" is indexed as "ab"
    (cond("status", "eq", "new"), STATUS_NEW),
    (cond("status", "in", ["new", "won"]), Lookup("status", ("new", "won"))),
    (cond("owner_id", "eq", "user-1"), OWNER),
    (cond("delivery_status", "in", ["error", "spam"]), Lookup("delivery_status", ("error", "spam"))),
    (cond("starred", "eq", True), Lookup("starred", ("true",))),
    ({"tags": {"include": ["展示会"]}}, TAG_EXPO),
    ({"tags": {"include": ["展示会", "VIP"]}}, AnyOf((TAG_EXPO, TAG_VIP))),
    ({"tags": {"include": ["展示会", "VIP"], "include_mode": "all"}}, AllOf((TAG_EXPO, TAG_VIP))),
    ({"tags": {"include": ["展示会"], "exclude": ["VIP"]}}, TAG_EXPO),
    ({"tags": {"exclude": ["VIP"]}}, FullScan()),
    # no index serves these
    (cond("starred", "eq", False), FullScan()),
    (cond("status", "ne", "new"), FullScan()),
    (cond("email", "contains", "example"), FullScan()),
    (cond("phone", "prefix", "03"), FullScan()),
    (cond("id", "prefix", "01"), FullScan()),
    (cond("owner_id", "not_exists"), FullScan()),
    (cond("family_name", "eq", "山田"), FullScan()),
    (cond("engagement", "eq", "hot"), FullScan()),
    (cond("score", "gt", 10), FullScan()),
    (cond("created_at", "gte", {"days_ago": 7}), FullScan()),
    (cond("properties.plan", "eq", "有料"), FullScan()),
    # groups
    ({"and": [cond("status", "eq", "new"), cond("family_name", "eq", "山田")]}, STATUS_NEW),
    ({"and": [{"tags": {"include": ["展示会"]}}, cond("status", "eq", "new")]}, AllOf((TAG_EXPO, STATUS_NEW))),
    ({"and": [cond("family_name", "eq", "山田"), cond("score", "gt", 1)]}, FullScan()),
    ({"and": [cond("status", "eq", "new"), cond("status", "eq", "new")]}, STATUS_NEW),  # duplicates dropped
    ({"or": [cond("status", "eq", "new"), cond("family_name", "eq", "山田")]}, FullScan()),
    ({"or": [cond("status", "eq", "new"), cond("owner_id", "eq", "user-1")]}, AnyOf((STATUS_NEW, OWNER))),
    ({"and": [{"and": [cond("status", "eq", "new"), {"tags": {"include": ["展示会"]}}]},
              cond("owner_id", "eq", "user-1")]}, AllOf((STATUS_NEW, TAG_EXPO, OWNER))),
    ({"or": [{"or": [cond("status", "eq", "new"), {"tags": {"include": ["展示会", "VIP"]}}]},
             cond("owner_id", "eq", "user-1")]}, AnyOf((STATUS_NEW, TAG_EXPO, TAG_VIP, OWNER))),
    ({"and": [{"tags": {"include": ["展示会", "VIP"], "include_mode": "all"}}, cond("status", "eq", "new")]},
     AllOf((TAG_EXPO, TAG_VIP, STATUS_NEW))),
    ({"and": [{"or": [cond("status", "eq", "new"), cond("owner_id", "eq", "user-1")]},
              {"tags": {"include": ["展示会"]}}]}, AllOf((AnyOf((STATUS_NEW, OWNER)), TAG_EXPO))),
    ({"and": [{"or": [cond("status", "eq", "new"), cond("score", "gt", 1)]}, cond("family_name", "eq", "山田")]},
     FullScan()),
    (nest(5), STATUS_NEW),
])
def test_plan(tree, expected):
    assert plan_of(tree) == expected
    assert all(len(lookup.values) == 1 for lookup in _lookups(expected)
               if lookup.index in ("email_prefix", "company_prefix", "tag"))  # read one value each


def _lookups(source: search_plan.Source) -> list[Lookup]:
    if isinstance(source, Lookup):
        return [source]
    return [lookup for part in getattr(source, "sources", ()) for lookup in _lookups(part)]


def test_plan_of_hand_built_empty_groups():
    assert search_plan.plan(Group("filter", "and", ())) == FullScan()
    assert search_plan.plan(Group("filter", "or", ())) == FullScan()


def _random_company(rng: random.Random) -> str:
    pieces = ["株式会社", "(株)", "㈱", "有限会社", "合同会社", "Inc.", "Co., Ltd.", "LLC", "Corp", "K.K.",
              "サ", "ン", "プ", "ル", "株", "式", "会", "社", "有", "a", "b", "c", "i", "n", "l", "k", "o",
              "r", "p", ".", ",", " ", "・"]
    return "".join(rng.choice(pieces) for _ in range(rng.randint(1, 7)))


def test_company_lookups_hold_every_matching_company():
    """The index term of a company is its core (text.company_core) and a lookup reads a prefix
    of it: every company an eq, in or prefix condition matches must be found by its plan."""
    rng = random.Random(20260501)
    for _ in range(3000):
        company = _random_company(rng)
        folded, core = text.fold(company), text.company_core(company)
        if not folded:
            continue
        assert search_plan.plan(Condition("filter", "company", "eq", folded, "text")).values[0] == core
        for end in range(1, len(folded) + 1):
            source = search_plan.plan(Condition("filter", "company", "prefix", folded[:end], "text"))
            assert isinstance(source, FullScan) or core.startswith(source.values[0]), (company, folded[:end])


def test_planned_contacts_include_the_matches():
    """A contact that matches an indexed condition is filed under the looked-up key."""
    for tree in (cond("phone", "eq", "+81 3-1234-5678"), cond("email", "eq", "TARO.YAMADA@example.co.jp"),
                 cond("company", "prefix", "株式会社サンプ")):
        assert match(tree)
        source = plan_of(tree)
        key = {"phone": "0312345678", "email": "taro.yamada@example.co.jp", "company_prefix": "サンプル"}[source.index]
        assert any(key.startswith(value) for value in source.values)


@pytest.mark.parametrize(("source", "text_"), [
    (AllOf((TAG_EXPO, STATUS_NEW)), "index tag=展示会 ∩ index status=new"),
    (FullScan(), "all contacts of the tenant (16 parallel segments)"),
    (Lookup("status", ("new", "won")), "index status in (new, won)"),
    (AnyOf((STATUS_NEW, OWNER)), "index status=new ∪ index owner=user-1"),
    (AllOf((AnyOf((TAG_EXPO, TAG_VIP)), OWNER)), "(index tag=展示会 ∪ index tag=VIP) ∩ index owner=user-1"),
])
def test_describe(source, text_):
    assert search_plan.describe(source) == text_


def test_describe_a_planned_filter():
    tree = {"and": [{"tags": {"include": ["展示会"]}}, cond("status", "eq", "new"), cond("score", "gte", 10)]}
    assert search_plan.describe(plan_of(tree)) == "index tag=展示会 ∩ index status=new"


# --- exact plans: the ids from keys are the matches --------------------------------------------

TENANT = "t1"
_BASE = {"created_at": "2026-04-01T00:00:00.000Z", "updated_at": "2026-04-01T00:00:00.000Z", "starred": False,
         "tags": [], "status": "new"}
KEYED = [  # stored as the API stores them (phones NFKC-normalised, emails as typed)
    _BASE | {"id": "c1", "family_name": "山田", "email": "Taro@Example.jp", "phone": "+81 3-1234-5678",
             "owner_id": "user-1", "tags": ["展示会", "VIP"], "starred": True, "delivery_status": "normal"},
    _BASE | {"id": "c2", "family_name": "佐藤", "email": "sato@example.co.jp", "phone": "03-1234-5678",
             "owner_id": "user-2", "tags": ["VIP"], "status": "won", "delivery_status": "unconfirmed"},
    _BASE | {"id": "c3", "family_name": "鈴木"},  # no owner, email, phone; no delivery status stored
    _BASE | {"id": "c4", "family_name": "田中", "phone": "0312345679", "owner_id": "user-1", "tags": ["展示会"],
             "company": "株式会社サンプル", "delivery_status": "spam", "status": "lost"},
]


def _found_by_keys(lookup: Lookup) -> set[str]:
    """What a lookup's keys find among KEYED, from the key builders that write those keys."""
    found = set()
    for contact in KEYED:
        views = {attributes["gsi1pk"] for attributes in contact_rules.view_entries(TENANT, contact).values()}
        index = contact_rules.index_keys(TENANT, contact)
        for value in lookup.values:
            one = Lookup(lookup.index, (value,))
            if lookup.index in ("tag", "status", "owner", "starred"):
                hit = any(view.partition in views for view in search_plan.lookup_views(TENANT, one))
            elif lookup.index == "email":
                hit = contact_rules.email_key(contact) == value
            elif lookup.index == "phone":
                hit = index["gsi9pk"] is not None and index["gsi9sk"].startswith(f"{value}#")
            elif lookup.index == "delivery_status":
                hit = index["gsi13pk"] == keys.delivery_status_pk(TENANT, value)
            else:
                assert lookup.index == "id"
                hit = contact["id"] == value
            if hit:
                found.add(contact["id"])
    return found


@pytest.mark.parametrize("tree", [
    cond("status", "eq", "new"),
    cond("status", "in", ["won", "lost"]),
    cond("owner_id", "eq", "user-1"),
    cond("owner_id", "in", ["user-2", "ｕｓｅｒ－１"]),  # NFKC: the condition means user-1
    cond("starred", "eq", True),
    cond("email", "eq", "TARO@example.JP"),
    cond("email", "in", ["sato@EXAMPLE.co.jp", "nobody@example.jp"]),
    cond("phone", "eq", "+81 3-1234-5678"),
    cond("phone", "in", ["０３－１２３４－５６７８", "090-0000-0000"]),
    cond("delivery_status", "eq", "unconfirmed"),
    cond("delivery_status", "in", ["normal", "spam"]),
    cond("id", "in", ["c1", "c3", "c9"]),
    {"tags": {"include": ["展示会", "VIP"]}},
    {"tags": {"include": ["展示会", "VIP"], "include_mode": "all"}},
    {"and": [{"tags": {"include": ["展示会"]}}, cond("owner_id", "eq", "user-1"), cond("status", "eq", "new")]},
    {"or": [cond("starred", "eq", True), {"and": [cond("status", "eq", "won"), cond("phone", "eq", "0312345678")]}]},
])
def test_an_exact_plan_finds_exactly_the_matches_from_keys(tree):
    source = search_plan.exact_plan(parse(tree))
    assert source is not None
    found = {lookup: _found_by_keys(lookup) for lookup in search_plan.lookups_of(source)}
    expected = {contact["id"] for contact in KEYED if search_match.matches(parse(tree), contact, CONTEXT)}
    assert search_plan.ids_of(source, found) == expected


@pytest.mark.parametrize("tree", [
    cond("email", "prefix", "taro"),  # email keys are cut to the sort key's length
    cond("company", "eq", "株式会社サンプル"),  # the company index holds the core without legal forms
    cond("company", "prefix", "サンプル"),
    cond("phone", "prefix", "03"),
    cond("status", "ne", "new"),
    cond("starred", "eq", False),
    cond("owner_id", "not_exists"),
    cond("family_name", "eq", "山田"),
    cond("properties.plan", "eq", "有料"),
    {"tags": {"include": ["展示会"], "exclude": ["VIP"]}},
    {"tags": {"exclude": ["VIP"]}},
    {"and": [cond("status", "eq", "new"), cond("score", "gt", 1)]},  # the plan is only a superset
    {"or": [cond("status", "eq", "new"), cond("family_name", "eq", "山田")]},
])
def test_a_condition_only_the_contact_can_tell_has_no_exact_plan(tree):
    assert search_plan.exact_plan(parse(tree)) is None


def test_ids_of_intersects_and_unions():
    found = {STATUS_NEW: {"a", "b", "c"}, TAG_EXPO: {"b", "c", "d"}, OWNER: {"c", "e"}}
    assert search_plan.ids_of(AllOf((STATUS_NEW, TAG_EXPO)), found) == {"b", "c"}
    assert search_plan.ids_of(AnyOf((AllOf((STATUS_NEW, TAG_EXPO)), OWNER)), found) == {"b", "c", "e"}
    assert search_plan.lookups_of(AllOf((STATUS_NEW, AnyOf((TAG_EXPO, STATUS_NEW))))) == [STATUS_NEW, TAG_EXPO]


def test_covering_views_are_the_required_one_valued_views():
    source = AllOf((AllOf((TAG_EXPO, Lookup("status", ("new", "won")))), AnyOf((TAG_VIP, OWNER)), OWNER,
                    Lookup("email", ("a@example.jp",))))
    assert [(lookup, view.partition, view.sorts) for lookup, view in search_plan.covering_views(TENANT, source)] == [
        (TAG_EXPO, keys.tag_members_pk(TENANT, "展示会"), contact_rules.VIEW_SORTS),
        (OWNER, keys.owner_pk(TENANT, "user-1"), contact_rules.OWNER_VIEW_SORTS),
    ]
    assert search_plan.covering_views(TENANT, Lookup("starred", ("true",)))[0][1].partition == keys.starred_pk(TENANT)


# --- segment and email conditions (issue 22) ------------------------------------------------------

SEGMENTS = {
    "seg-vip": {"tags": {"include": ["VIP"]}},
    "seg-new-vip": {"and": [{"segment_id": "seg-vip"}, {"field": "status", "op": "eq", "value": "new"}]},
    "seg-loop-a": {"segment_id": "seg-loop-b"},
    "seg-loop-b": {"or": [{"segment_id": "seg-loop-a"}]},
}


def test_a_segment_condition_is_the_segments_filter_in_place():
    node = search.parse({"segment_id": "seg-new-vip"}, DEFINITIONS, NOW, segments=SEGMENTS)
    assert node == search.parse(SEGMENTS["seg-new-vip"], DEFINITIONS, NOW, "filter.segment_id", SEGMENTS)
    assert search_plan.plan(node) == AllOf((Lookup("tag", ("VIP",)), Lookup("status", ("new",))))
    assert search.segment_ids_in({"and": [{"segment_id": "a"}, {"or": [{"segment_id": "b"}]},
                                          {"tags": {}}]}) == {"a", "b"}


@pytest.mark.parametrize("tree, within, path, code", [
    ({"segment_id": "seg-loop-a"}, (), "filter.segment_id.segment_id.or[0].segment_id", "segment_cycle"),
    ({"segment_id": "seg-vip"}, ("seg-vip",), "filter.segment_id", "segment_cycle"),
    ({"and": [{"segment_id": "seg-vip"}, {"segment_id": "nope"}]}, (), "filter.and[1].segment_id", "unknown_segment"),
    ({"segment_id": "seg-vip", "field": "email"}, (), "filter.field", "unknown_field"),
])
def test_a_segment_that_reaches_itself_or_no_segment_is_refused(tree, within, path, code):
    with pytest.raises(ValidationFailed) as refused:
        search.parse(tree, DEFINITIONS, NOW, segments=SEGMENTS, within=within)
    assert (path, code) in [(detail.field, detail.code) for detail in refused.value.details]


def test_an_email_condition_matches_the_contacts_its_index_found():
    node = search.parse({"emails": {"event": "opened", "template_id": "tpl1", "since": "2026-04-01"}}, DEFINITIONS, NOW)
    query = search.MailQuery("opened", "tpl1", "2026-04-01T00:00:00.000Z")
    assert node == search.MailCondition("filter", query) and search.mail_queries(node) == [query]
    assert search.MailQuery.of_key(query.key()) == query
    found = Context(CONTEXT.settings, CONTEXT.today, {query: {CONTACT_ID}})
    assert search_match.matches(node, CONTACT, found)
    assert not search_match.matches(node, {**CONTACT, "id": "other"}, found)
    assert search_plan.exact_plan(node) == Lookup("emails", (query.key(),))
    relative = search.parse({"emails": {"event": "sent", "since": {"days_ago": 7}}}, DEFINITIONS, NOW)
    assert relative.query == search.MailQuery("sent", None, "2026-04-24T12:00:00.000Z")


def test_counts_read_zero_when_never_counted():
    node = search.parse({"field": "purchase_count", "op": "eq", "value": 0}, DEFINITIONS, NOW)
    assert search_match.matches(node, CONTACT, CONTEXT)
    assert not search_match.matches(node, {**CONTACT, "purchase_count": 2}, CONTEXT)


def test_segment_ids_are_sought_only_as_deep_as_a_filter_may_nest():
    deep: dict[str, Any] = {"segment_id": "seg-vip"}
    for _ in range(5_000):  # far deeper than Python's recursion limit
        deep = {"and": [deep]}
    assert search.segment_ids_in(deep) == set()
    five = {"segment_id": "seg-vip"}
    for _ in range(search.MAX_DEPTH):
        five = {"or": [five]}
    assert search.segment_ids_in(five) == {"seg-vip"}
