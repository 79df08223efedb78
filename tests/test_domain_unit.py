"""Pure unit tests of shared/domain and shared/cursor: no AWS, no handler.

They pin the rules the API contract builds on: folding for quick search (NFKC, case,
hiragana/katakana), company names without legal forms, contact input validation, display
names, settings updates, property definitions and values, cursors and list parameters."""

from __future__ import annotations

import base64
import itertools as _itertools
import json

import pytest
from hypothesis import given as _given
from hypothesis import settings as _settings
from hypothesis import strategies as _st

from shared import cursor, keys
from shared import keys as _keys
from shared.domain import contacts, listing, properties, settings, text
from shared.errors import BadRequest, CrmError, ValidationFailed

SECRET = b"unit-test-secret-0123456789"


def fields_of(error: CrmError) -> set[str]:
    return {detail.field for detail in error.details}


# --- text.fold ----------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["ﾔﾏﾀﾞ", "やまだ", "ヤマダ", "ヤ マ ダ", "ﾔ ﾏ ﾀﾞ"])
def test_fold_meets_every_form_of_yamada(value):
    assert text.fold(value) == "ヤマダ"


@pytest.mark.parametrize(
    ("value", "folded"),
    [
        ("ＹＡＭＡＤＡ", "yamada"),
        ("Yamada", "yamada"),
        ("山田 太郎", "山田太郎"),
        ("山田\u3000太郎", "山田太郎"),
        ("山田・太郎", "山田太郎"),
        ("Taro@Example.JP", "taro@example.jp"),
        ("０３－１２３４", "03-1234"),
        ("ゔぁ", "ヴァ"),
        ("ゝゞ", "ヽヾ"),
        ("きゃっ", "キャッ"),
        ("Straße", "strasse"),
    ],
)
def test_fold(value, folded):
    assert text.fold(value) == folded


@pytest.mark.parametrize("value", [None, "", "   ", "\u3000"])
def test_fold_of_nothing_is_empty(value):
    assert text.fold(value) == ""


def test_fold_keeps_kanji_and_is_idempotent():
    for value in ("山田太郎", "ﾔﾏﾀﾞ ﾀﾛｳ", "株式会社サンプル", "Mary Ann"):
        assert text.fold(text.fold(value)) == text.fold(value)
    assert text.fold("山田") == "山田"


def test_words_and_digits():
    assert text.words("Mary Ann　Smith・Jr") == ["mary", "ann", "smith", "jr"]
    assert text.words(None) == []
    assert text.digits("+81 (3) 1234-5678") == "81312345678"
    assert text.digits("０３－１２３４") == "031234"
    assert text.digits(None) == ""


# --- text.company_core ----------------------------------------------------------------------

@pytest.mark.parametrize(
    ("name", "core"),
    [
        ("株式会社サンプル", "サンプル"),
        ("サンプル株式会社", "サンプル"),
        ("株式会社 サンプル", "サンプル"),
        ("(株)サンプル", "サンプル"),
        ("（株）サンプル", "サンプル"),
        ("㈱サンプル", "サンプル"),
        ("サンプル㈲", "サンプル"),
        ("有限会社さんぷる", "サンプル"),
        ("合同会社サンプル", "サンプル"),
        ("一般社団法人サンプル協会", "サンプル協会"),
        ("Example Inc.", "example"),
        ("Example, Inc.", "example"),
        ("Example Co., Ltd.", "example"),
        ("EXAMPLE LLC", "example"),
        ("Example Corporation", "example"),
        ("ｻﾝﾌﾟﾙ", "サンプル"),
        ("サンプル商事", "サンプル商事"),
    ],
)
def test_company_core_strips_legal_forms(name, core):
    assert text.company_core(name) == core


@pytest.mark.parametrize("name", ["株式会社", "Inc.", "LLC"])
def test_company_core_never_empties_a_name(name):
    assert text.company_core(name) == text.fold(name)


def test_company_core_of_nothing():
    assert text.company_core(None) == ""
    assert text.company_core("") == ""


# --- contacts.parse_changes -----------------------------------------------------------------

DEFINITIONS = {
    "size": {"key": "size", "label": "Size", "type": "number", "options": None, "archived": False},
    "plan": {"key": "plan", "label": "Plan", "type": "select", "options": ["free", "pro"], "archived": False},
    "old": {"key": "old", "label": "Old", "type": "text", "options": None, "archived": True},
}


def test_parse_changes_trims_and_clears():
    changes = contacts.parse_changes(
        {"family_name": "  山田 ", "given_name": "", "title": None, "email": " Taro@Example.jp "}, DEFINITIONS)
    assert changes == {"family_name": "山田", "given_name": None, "title": None, "email": "Taro@Example.jp"}


def test_parse_changes_accepts_every_writable_field():
    body = {
        "family_name": "山田", "given_name": "太郎", "family_name_kana": "ヤマダ", "given_name_kana": "タロウ",
        "email": "taro@example.jp", "phone": "03-1234-5678", "company": "株式会社サンプル", "department": "営業",
        "title": "部長", "address": "東京都\n千代田区", "website": "https://example.jp", "owner_id": "u1",
        "status": "won", "starred": True, "marketing_opt_out": False, "acquired_at": "2026-04-01T09:00:00+09:00",
        "acquisition_channel": "web", "memo": "line 1\nline 2",
    }
    changes = contacts.parse_changes(body, {})
    assert set(changes) == set(body)
    assert changes["acquired_at"] == "2026-04-01T00:00:00.000Z"
    assert changes["status"] == "won" and changes["starred"] is True


@pytest.mark.parametrize("status", contacts.STATUSES)
def test_parse_changes_accepts_each_status(status):
    assert contacts.parse_changes({"status": status}, {}) == {"status": status}


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"email": "nope"}, "email", None),
        ({"email": "a@b"}, "email", None),
        ({"family_name": 1}, "family_name", None),
        ({"family_name": "a\nb"}, "family_name", None),
        ({"starred": "true"}, "starred", None),
        ({"status": "archived"}, "status", None),
        ({"status": None}, "status", None),
        ({"starred": None}, "starred", None),
        ({"phone": "call me"}, "phone", None),
        ({"acquired_at": "2026-99-01"}, "acquired_at", None),
        ({"tags": "vip"}, "tags", None),
        ({"tags": ["ok", ""]}, "tags[1]", None),
        ({"properties": "x"}, "properties", None),
        ({"properties": {"nope": 1}}, "properties.nope", "unknown_property"),
        ({"properties": {"old": "x"}}, "properties.old", "archived_property"),
        ({"properties": {"size": "5"}}, "properties.size", None),
        ({"properties": {"plan": "gold"}}, "properties.plan", None),
        ({"score": 3}, "score", "read_only"),
        ({"id": "x"}, "id", "read_only"),
        ({"created_at": "2026-01-01T00:00:00Z"}, "created_at", "read_only"),
        ({"display_name": "x"}, "display_name", "read_only"),
        ({"delivery_status": "normal"}, "delivery_status", "read_only"),
        ({"nickname": "x"}, "nickname", "unknown_field"),
    ],
)
def test_parse_changes_names_the_bad_field(body, field, code):
    with pytest.raises(ValidationFailed) as caught:
        contacts.parse_changes(body, DEFINITIONS)
    assert field in fields_of(caught.value)
    assert caught.value.status == 422
    if code:
        assert any(d.field == field and d.code == code for d in caught.value.details)


def test_parse_changes_reports_every_bad_field_at_once():
    with pytest.raises(ValidationFailed) as caught:
        contacts.parse_changes({"email": "x", "status": "y", "score": 1, "foo": 2, "properties": {"size": "z"}},
                               DEFINITIONS)
    assert fields_of(caught.value) >= {"email", "status", "score", "foo", "properties.size"}


@pytest.mark.parametrize("body", [[], "x", 1, None])
def test_parse_changes_refuses_a_non_object(body):
    with pytest.raises(ValidationFailed):
        contacts.parse_changes(body, {})


def test_parse_changes_properties_keep_only_given_keys_and_null_removes():
    changes = contacts.parse_changes({"properties": {"size": 3, "plan": None}}, DEFINITIONS)
    assert changes == {"properties": {"size": 3, "plan": None}}
    contact = {"id": "X", "properties": {"plan": "pro", "other": 1}, "updated_at": "t0"}
    updated = contacts.apply_changes(contact, changes, "t1")
    assert updated["properties"] == {"size": 3, "other": 1}
    assert updated["updated_at"] == "t1"


def test_parse_changes_tags_are_normalised_and_deduplicated():
    changes = contacts.parse_changes({"tags": ["ＶＩＰ", "VIP", " vip ", "展示会"]}, {})
    assert changes["tags"] == ["VIP", "vip", "展示会"]


def test_parse_changes_email_full_width_is_normalised():
    assert contacts.parse_changes({"email": "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ"}, {})["email"] == "taro@example.jp"


def test_new_contact_defaults_and_ownerless():
    contact = contacts.new_contact("ID1", {"family_name": "山田"}, "creator", "2026-01-01T00:00:00.000Z")
    assert contact["owner_id"] == "creator"
    assert contact["status"] == "new"
    assert contact["delivery_status"] == "unconfirmed"
    assert contact["created_at"] == contact["updated_at"] == "2026-01-01T00:00:00.000Z"
    ownerless = contacts.new_contact("ID2", {"owner_id": None}, "creator", "2026-01-01T00:00:00.000Z")
    assert "owner_id" in ownerless and ownerless["owner_id"] is None


def test_public_shape_has_every_field_and_hides_archived_properties():
    contact = contacts.new_contact(
        "ID1", {"family_name": "山田", "properties": {"size": 1, "old": "x"}}, "u", "2026-01-01T00:00:00.000Z")
    shaped = contacts.public(contact, settings.effective(None), DEFINITIONS)
    assert set(contacts.PUBLIC_FIELDS) <= set(shaped)
    assert shaped["properties"] == {"size": 1}
    assert shaped["email"] is None and shaped["display_name"] == "山田"


def test_email_key_is_case_insensitive():
    assert contacts.email_key({"email": "Taro@Example.JP"}) == "taro@example.jp"
    assert contacts.email_key({}) is None


# --- display_name -----------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("contact", "family_given", "given_family"),
    [
        ({"family_name": "山田", "given_name": "太郎"}, "山田 太郎", "太郎 山田"),
        ({"family_name": "山田"}, "山田", "山田"),
        ({"given_name": "太郎"}, "太郎", "太郎"),
        ({}, None, None),
        ({"family_name_kana": "ヤマダ"}, None, None),
    ],
)
def test_display_name(contact, family_given, given_family):
    assert contacts.display_name(contact, "family_given") == family_given
    assert contacts.display_name(contact, "given_family") == given_family


# --- search_prefixes and sort values ------------------------------------------------------------

@pytest.mark.parametrize("q", ["ﾔﾏﾀﾞ", "やまだ", "ヤマダ"])
def test_search_prefixes_fold_the_query(q):
    prefixes = contacts.search_prefixes(q)
    assert prefixes[keys.KEYS_TWIN["GSI2"]] == f"{keys.PRESENT}#ヤマダ"  # the name sort's keys, read in its twin
    assert prefixes["GSI6"] == prefixes["GSI7"] == prefixes["GSI8"] == "ヤマダ"
    assert "GSI9" not in prefixes


@pytest.mark.parametrize(
    ("q", "digits"),
    [("0312", "0312"), ("03-1234", "031234"), ("(03) 1234", "031234"), ("０３１２", "0312"),
     ("+81 3-1234", "031234")],
)
def test_search_prefixes_phone_digits(q, digits):
    assert contacts.search_prefixes(q)["GSI9"] == digits


@pytest.mark.parametrize("q", ["山田", "taro", "0", "a1b2"])
def test_search_prefixes_no_phone_lookup_for_non_phone_queries(q):
    assert "GSI9" not in contacts.search_prefixes(q)


def test_search_prefixes_company_core():
    assert contacts.search_prefixes("株式会社サンプル")["GSI10"] == "サンプル"
    assert contacts.search_prefixes("サンプル")["GSI10"] == "サンプル"


def test_search_prefixes_email_is_lower_cased():
    assert contacts.search_prefixes("Taro@Example")[keys.KEYS_TWIN["GSI3"]] == f"{keys.PRESENT}#taro@example"


def test_search_prefixes_of_blank_query_is_empty():
    assert contacts.search_prefixes("   ") == {}
    assert contacts.search_prefixes("") == {}


def test_contact_search_terms_meet_the_query_prefixes():
    """The indexed terms of 山田 太郎 (ヤマダ タロウ) start with the prefixes of every query form."""
    contact = contacts.new_contact("01ABC", {
        "family_name": "山田", "given_name": "太郎", "family_name_kana": "やまだ", "given_name_kana": "タロウ",
        "email": "Taro@Example.jp", "phone": "+81 3-1234-5678", "company": "株式会社サンプル",
    }, "u", "2026-01-01T00:00:00.000Z")
    attributes = contacts.index_keys("t1", contact)
    for q in ("ﾔﾏﾀﾞ", "やまだ", "ヤマダ", "山田", "山田 太郎", "太郎", "たろう", "taro", "0312", "03-1234", "サンプル"):
        prefixes = contacts.search_prefixes(q)
        hits = [index for index, prefix in prefixes.items()
                if (attributes.get(keys.index_key_names(index)[1]) or "").startswith(prefix)]
        assert hits, q


def test_phone_digits_domestic_form():
    assert contacts.phone_digits("+81 3-1234-5678") == "0312345678"
    assert contacts.phone_digits("03-1234-5678") == "0312345678"
    assert contacts.phone_digits("+1 555 0100") == "15550100"
    assert contacts.phone_digits(None) == ""


def test_name_sort_value_is_reading_then_name():
    a = contacts.sort_value({"family_name": "青木", "family_name_kana": "あおき"}, "name")
    b = contacts.sort_value({"family_name": "伊藤", "family_name_kana": "イトウ"}, "name")
    c = contacts.sort_value({"family_name": "山田", "family_name_kana": "ヤマダ"}, "name")
    assert a < b < c
    same_1 = contacts.sort_value({"family_name": "山田", "given_name": "太朗", "family_name_kana": "ヤマダ"}, "name")
    same_2 = contacts.sort_value({"family_name": "山田", "given_name": "太郎", "family_name_kana": "やまだ"}, "name")
    assert same_1 < same_2
    assert contacts.sort_value({"company": "x"}, "name") is None
    assert contacts.sort_value({"email": "B@x.jp"}, "email") == "b@x.jp"
    assert contacts.sort_value({}, "email") is None


def test_sorted_keys_put_missing_values_after_present_ones():
    present = keys.sorted_sk("zzz", "ID1")
    missing = keys.sorted_sk(None, "ID2")
    assert present < missing


# --- settings.updated ---------------------------------------------------------------------------

COLUMNS = set(contacts.PUBLIC_FIELDS) | {"properties.size"}


def test_settings_defaults():
    current = settings.effective(None)
    assert current["name_order"] == "family_given"
    assert current["owner_visibility_restricted"] is False
    assert current["export_roles"] == ["owner", "admin"]
    assert current["list_columns"][0] == "name"
    assert isinstance(current["score_weights"], dict)


def test_settings_update_is_partial():
    current = settings.effective(None)
    result = settings.updated(current, {"name_order": "given_family"}, COLUMNS)
    assert result["name_order"] == "given_family"
    assert {k: v for k, v in result.items() if k != "name_order"} == {
        k: v for k, v in current.items() if k != "name_order"}
    assert current["name_order"] == "family_given"  # the input is not mutated


@pytest.mark.parametrize(
    ("given", "expected"),
    [(["email", "company"], ["name", "email", "company"]), (["email", "name"], ["name", "email"]),
     (["name", "name", "email", "email"], ["name", "email"]), (["properties.size"], ["name", "properties.size"])],
)
def test_settings_list_columns_name_first(given, expected):
    assert settings.updated(settings.effective(None), {"list_columns": given}, COLUMNS)["list_columns"] == expected


def test_settings_export_roles_keep_only_known_roles():
    result = settings.updated(settings.effective(None), {"export_roles": ["manager", "owner"]}, COLUMNS)
    assert sorted(result["export_roles"]) == ["manager", "owner"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name_order": "x"}, "name_order"),
        ({"list_columns": "name"}, "list_columns"),
        ({"list_columns": ["bogus"]}, "list_columns"),
        ({"owner_visibility_restricted": "true"}, "owner_visibility_restricted"),
        ({"export_roles": ["root"]}, "export_roles"),
        ({"export_roles": "owner"}, "export_roles"),
        ({"score_weights": []}, "score_weights"),
        ({"score_weights": {"call": "3"}}, "score_weights.call"),
        ({"score_weights": {"call": True}}, "score_weights.call"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_settings_invalid_values(body, field):
    with pytest.raises(ValidationFailed) as caught:
        settings.updated(settings.effective(None), body, COLUMNS)
    assert field in fields_of(caught.value)


def test_settings_body_must_be_an_object():
    with pytest.raises(ValidationFailed):
        settings.updated(settings.effective(None), ["name_order"], COLUMNS)


# --- properties -----------------------------------------------------------------------------------

@pytest.mark.parametrize("type_", ["text", "email", "number", "boolean", "date"])
def test_new_definition_of_each_plain_type(type_):
    definition = properties.new_definition({"key": "k1", "label": " Label ", "type": type_}, {})
    assert definition["key"] == "k1" and definition["type"] == type_
    assert definition["label"] == "Label"
    assert definition["archived"] is False


def test_new_definition_select_needs_options():
    definition = properties.new_definition(
        {"key": "plan", "label": "Plan", "type": "select", "options": ["free", "pro", "free"]}, {})
    assert definition["options"] == ["free", "pro"]
    for options in (None, [], "free", [""]):
        body = {"key": "plan", "label": "Plan", "type": "select"}
        if options is not None:
            body["options"] = options
        with pytest.raises(ValidationFailed) as caught:
            properties.new_definition(body, {})
        assert any(field.startswith("options") for field in fields_of(caught.value))


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"key": "k", "label": "L", "type": "colour"}, "type"),
        ({"label": "L", "type": "text"}, "key"),
        ({"key": "Bad Key", "label": "L", "type": "text"}, "key"),
        ({"key": "k", "type": "text"}, "label"),
        ({"key": "k", "label": "L", "type": "text", "options": ["a"]}, "options"),
        ({"key": "k", "label": "L", "type": "text", "extra": 1}, "extra"),
    ],
)
def test_new_definition_names_bad_fields(body, field):
    with pytest.raises(ValidationFailed) as caught:
        properties.new_definition(body, {})
    assert field in fields_of(caught.value)


def _definition(type_: str, options=None) -> dict:
    return {"key": "k", "label": "K", "type": type_, "options": options, "archived": False}


@pytest.mark.parametrize(
    ("type_", "options", "value", "expected"),
    [
        ("text", None, "  hello ", "hello"),
        ("number", None, 3, 3),
        ("number", None, 2.5, 2.5),
        ("number", None, -1, -1),
        ("boolean", None, False, False),
        ("date", None, "2026-04-01", "2026-04-01"),
        ("email", None, "a@example.jp", "a@example.jp"),
        ("select", ["S", "M"], "M", "M"),
    ],
)
def test_check_value_accepts(type_, options, value, expected):
    assert properties.check_value(_definition(type_, options), value) == (expected, None)


@pytest.mark.parametrize(
    ("type_", "options", "value"),
    [
        ("text", None, 5),
        ("number", None, "5"),
        ("number", None, True),
        ("number", None, float("nan")),
        ("number", None, float("inf")),
        ("boolean", None, "true"),
        ("boolean", None, 0),
        ("date", None, "2026/04/01"),
        ("date", None, "2026-02-30"),
        ("date", None, 20260401),
        ("email", None, "not-an-email"),
        ("select", ["S", "M"], "L"),
        ("select", ["S", "M"], "s"),
        ("select", ["S", "M"], ["S"]),
    ],
)
def test_check_value_refuses(type_, options, value):
    checked, error = properties.check_value(_definition(type_, options), value)
    assert error


@pytest.mark.parametrize("type_", ["text", "number", "boolean", "date", "email"])
def test_check_value_null_clears(type_):
    assert properties.check_value(_definition(type_), None) == (None, None)


def test_updated_definition_archive_and_restore():
    definition = _definition("number")
    archived = properties.updated_definition(definition, {"archived": True})
    assert archived["archived"] is True and definition["archived"] is False
    assert properties.updated_definition(archived, {"archived": False})["archived"] is False
    with pytest.raises(ValidationFailed) as caught:
        properties.updated_definition(definition, {"type": "text"})
    assert "type" in fields_of(caught.value)
    with pytest.raises(ValidationFailed):
        properties.updated_definition(definition, {"options": ["a"]})


# --- cursor -----------------------------------------------------------------------------------

POSITION = {"phase": "0", "key": {"pk": {"S": "TENANT#t#CONTACT#01A"}, "sk": {"S": "CONTACT"}}}


def test_cursor_round_trip_and_url_safety():
    token = cursor.encode(SECRET, "t1", "fp", POSITION)
    assert cursor.decode(SECRET, "t1", "fp", token) == POSITION
    assert all(ch.isalnum() or ch in "-_." for ch in token)


def test_cursor_round_trip_with_unicode_position():
    position = {"offset": 5, "after": "ヤマダ#山田"}
    assert cursor.decode(SECRET, "t1", "fp", cursor.encode(SECRET, "t1", "fp", position)) == position


def test_cursor_from_another_tenant_query_or_secret_is_refused():
    token = cursor.encode(SECRET, "t1", "fp", POSITION)
    with pytest.raises(BadRequest):
        cursor.decode(SECRET, "t2", "fp", token)
    with pytest.raises(BadRequest):
        cursor.decode(SECRET, "t1", "other", token)
    with pytest.raises(BadRequest):
        cursor.decode(b"another-secret-0123456789", "t1", "fp", token)


def test_cursor_with_a_forged_payload_is_refused():
    token = cursor.encode(SECRET, "t1", "fp", POSITION)
    payload, signature = token.split(".")
    forged = base64.urlsafe_b64encode(json.dumps({"phase": "1", "key": None}).encode()).rstrip(b"=").decode()
    with pytest.raises(BadRequest):
        cursor.decode(SECRET, "t1", "fp", f"{forged}.{signature}")


def test_cursor_edited_at_any_position_is_refused():
    token = cursor.encode(SECRET, "t1", "fp", POSITION)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for position, char in enumerate(token):
        for replacement in {alphabet[(alphabet.index(char) + 1) % 64] if char in alphabet else "A",
                            alphabet[(alphabet.index(char) ^ 1)] if char in alphabet else "B"}:
            edited = token[:position] + replacement + token[position + 1:]
            if edited == token:
                continue
            with pytest.raises(BadRequest):
                cursor.decode(SECRET, "t1", "fp", edited)


@pytest.mark.parametrize("suffix", ["=", "==", "A", "~", "."])
def test_cursor_with_extra_characters_is_refused(suffix):
    token = cursor.encode(SECRET, "t1", "fp", POSITION)
    with pytest.raises(BadRequest):
        cursor.decode(SECRET, "t1", "fp", token + suffix)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", ".", "é.é", "!!!.???", "eyJ9.AAAA"])
def test_cursor_garbage_is_refused(garbage):
    with pytest.raises(BadRequest):
        cursor.decode(SECRET, "t1", "fp", garbage)


def test_fingerprint_is_stable_and_distinguishes_queries():
    a = cursor.fingerprint({"sort": "name", "desc": False, "filters": {"tag": "a", "status": "new"}})
    b = cursor.fingerprint({"filters": {"status": "new", "tag": "a"}, "desc": False, "sort": "name"})
    assert a == b
    assert a != cursor.fingerprint({"sort": "name", "desc": True, "filters": {"tag": "a", "status": "new"}})


# --- listing.parse_query ------------------------------------------------------------------------

def test_parse_query_defaults():
    query = listing.parse_query({})
    assert (query.sort, query.descending, query.limit, query.q, query.filters) == ("created_at", True, 50, None, {})


@pytest.mark.parametrize("sort", contacts.SORT_FIELDS)
def test_parse_query_accepts_each_sort(sort):
    query = listing.parse_query({"sort": sort, "order": "asc"})
    assert query.sort == sort and query.descending is False


def test_parse_query_filters_and_q():
    query = listing.parse_query({"tag": "vip", "status": "won", "owner_id": "u1", "starred": "false",
                                 "company": "株式会社サンプル", "q": "  やまだ ", "limit": "200"})
    assert query.filters == {"tag": "vip", "status": "won", "owner_id": "u1", "starred": False,
                             "company": "株式会社サンプル"}
    assert query.q == "やまだ" and query.limit == 200
    assert listing.parse_query({"starred": "true"}).filters == {"starred": True}
    assert listing.parse_query({"q": "   "}).q is None


@pytest.mark.parametrize("limit", ["0", "201", "abc", "-1", "1.5", "", " 5"])
def test_parse_query_refuses_bad_limits(limit):
    with pytest.raises(CrmError) as caught:
        listing.parse_query({"limit": limit})
    assert caught.value.status == 422


@pytest.mark.parametrize("limit", ["1", "50", "200"])
def test_parse_query_accepts_limits(limit):
    assert listing.parse_query({"limit": limit}).limit == int(limit)


@pytest.mark.parametrize(
    ("params", "field"),
    [({"sort": "phone"}, "sort"), ({"order": "up"}, "order"), ({"starred": "yes"}, "starred"),
     ({"status": "archived"}, "status"), ({"q": "x" * 201}, "q")],
)
def test_parse_query_names_bad_parameters(params, field):
    with pytest.raises(CrmError) as caught:
        listing.parse_query(params)
    assert caught.value.status == 422
    assert field in fields_of(caught.value)


def test_fingerprint_fields_cover_everything_but_the_limit():
    a = listing.parse_query({"sort": "name", "limit": "5"}).fingerprint_fields("u1", None)
    b = listing.parse_query({"sort": "name", "limit": "9"}).fingerprint_fields("u1", None)
    assert a == b
    assert a != listing.parse_query({"sort": "name", "order": "asc"}).fingerprint_fields("u1", None)
    assert a != listing.parse_query({"sort": "name", "tag": "x"}).fingerprint_fields("u1", None)
    assert a != listing.parse_query({"sort": "name", "q": "x"}).fingerprint_fields("u1", None)
    assert a != listing.parse_query({"sort": "name"}).fingerprint_fields("u1", "u1")  # the view of a restricted rep
    assert a != listing.parse_query({"sort": "name"}).fingerprint_fields("u2", None)  # another member


def test_order_search_results_puts_missing_values_last_in_both_orders():
    found = [{"id": "1", "email": "b@x.jp"}, {"id": "2"}, {"id": "3", "email": "a@x.jp"}, {"id": "4"}]
    asc = listing.order_search_results(found, listing.parse_query({"sort": "email", "order": "asc"}))
    desc = listing.order_search_results(found, listing.parse_query({"sort": "email", "order": "desc"}))
    assert [c["id"] for c in asc][:2] == ["3", "1"]
    assert [c["id"] for c in desc][:2] == ["1", "3"]
    assert {c["id"] for c in asc[2:]} == {c["id"] for c in desc[2:]} == {"2", "4"}


def test_matches_filters():
    contact = {"tags": ["vip"], "status": "won", "owner_id": "u1", "starred": False, "company": "C"}
    assert listing.matches(contact, {"tag": "vip", "status": "won", "starred": False})
    assert not listing.matches(contact, {"tag": "other"})
    assert not listing.matches(contact, {"starred": True})
    assert not listing.matches(contact, {"owner_id": "u2"})


@pytest.mark.parametrize("given, stored", [
    ("example.co.jp", "https://example.co.jp"),
    ("HTTPS://Example.JP/About", "https://example.jp/About"),
    ("https://日本語.jp/パス?q=検索#上", "https://xn--wgv71a119e.jp/%E3%83%91%E3%82%B9?q=%E6%A4%9C%E7%B4%A2#%E4%B8%8A"),
    ("http://a.jp:8080/x%20y%zz", "http://a.jp:8080/x%20y%25zz"),
])
def test_a_url_is_stored_as_an_rfc3986_uri(given, stored):
    from shared.domain import validation

    assert validation.url(given) == (stored, None)


@pytest.mark.parametrize("given", ["»$î", "ftp://x.jp", "https://user:pw@x.jp/", "https://[::1]/", "https://a b.jp",
                                   "https://x.jp:99999/", "https://-x.jp/", "javascript:alert(1)"])
def test_a_url_without_an_http_host_name_is_refused(given):
    from shared.domain import validation

    assert validation.url(given) == (None, "must be an http or https URL")


# --- marker keys: no two events' keys meet (issue 17) ----------------------------------------------


_ADVERSARIAL = _st.text(alphabet="a:#/%2A3F5", max_size=8)
_MARKERS = {
    "ingest": (lambda parts: _keys.ingest_event_key(*parts), 2),
    "mail": (lambda parts: _keys.mail_event_key(*parts), 4),
    "s3": (lambda parts: _keys.received_object_key(*parts), 2),
}


def _marker(source: str, parts: tuple[str, ...]) -> str:
    return _MARKERS[source][0](parts)


@_settings(max_examples=400, deadline=None, derandomize=True)
@_given(_st.sampled_from(sorted(_MARKERS)), _st.data())
def test_marker_keys_are_injective_across_parts_and_sources(source, data):
    """Two events meet only if they are the same event from the same source, whatever their
    parts hold (separators, "%", escapes of separators)."""
    other = data.draw(_st.sampled_from(sorted(_MARKERS)))
    parts = tuple(data.draw(_ADVERSARIAL) for _ in range(_MARKERS[source][1]))
    others = tuple(data.draw(_ADVERSARIAL) for _ in range(_MARKERS[other][1]))
    if (source, parts) != (other, others):
        assert _marker(source, parts) != _marker(other, others)


def test_marker_keys_are_injective_for_every_short_pair_of_parts():
    alphabet = ["", *("".join(chars) for size in (1, 2, 3) for chars in _itertools.product("a:#/%", repeat=size))]
    for source in ("ingest", "s3"):
        seen: dict[str, tuple[str, str]] = {}
        for parts in _itertools.product(alphabet, repeat=2):
            key = _marker(source, parts)
            assert seen.setdefault(key, parts) == parts, (source, key, parts, seen[key])


def test_the_ingest_marker_of_a_tenant_with_a_colon_is_its_own():
    assert _keys.ingest_event_key("a:b", "c") != _keys.ingest_event_key("a", "b:c")
    assert _keys.is_plain_id("a:b")  # a tenant id may hold ":"


def test_markers_of_parts_without_separators_keep_their_stored_form():
    assert _keys.ingest_event_key("tenant-1", "order:42#x") == "ingest:tenant-1:order:42#x"
    assert (_keys.mail_event_key("0100018e-aaaa-000000", "taro@example.jp", "bounced", "2026-01-01T00:00:00.000Z")
            == "0100018e-aaaa-000000#taro@example.jp#bounced#2026-01-01T00:00:00.000Z")
    assert _keys.received_object_key("crm-inbound", "mail/a b#c") == "s3:crm-inbound/mail/a b#c"


# --- property history ------------------------------------------------------------------------

def test_history_field_changes_name_each_tracked_field_old_to_new_in_a_fixed_order():
    from shared.domain import history

    before = {"id": "c1", "status": "new", "tags": ["a"], "properties": {"plan": "梅", "size": 3}, "score": 1,
              "updated_at": "2026-01-01T00:00:00.000Z", "memo": "x"}
    after = {"id": "c1", "status": "won", "tags": ["a", "b"], "properties": {"size": 4, "area": "東京"}, "score": 9,
             "updated_at": "2026-01-02T00:00:00.000Z", "email": "a@example.jp"}
    assert history.field_changes(before, after) == [
        ("email", None, "a@example.jp"), ("status", "new", "won"), ("memo", "x", None), ("tags", ["a"], ["a", "b"]),
        ("properties.area", None, "東京"), ("properties.plan", "梅", None), ("properties.size", 3, 4),
    ]
    assert history.field_changes(before, {**before, "score": 5, "updated_at": "later"}) == []


def test_history_field_query_takes_a_tracked_field_or_a_property_key():
    from shared.domain import history
    from shared.errors import ValidationFailed

    assert [history.parse_field(name) for name in (None, "status", "tags", "properties.plan")] == [
        None, "status", "tags", "properties.plan"]
    for bad in ("score", "updated_at", "properties.", "properties.Plan", "properties.a#b", ""):
        with pytest.raises(ValidationFailed):
            history.parse_field(bad)
