"""GET /v1/contacts: sorting, pagination, tamper-proof cursors, filters, quick search and owner
visibility, driven through the Lambda handler. Follows /work/shared/api-contract.md
(Conventions: list endpoints and cursors; Contacts: GET /v1/contacts and quick search)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from conftest import Api, assert_error, create

SORTS = ("name", "email", "created_at", "last_contacted_at", "last_customer_action_at")

# Contacts in ascending order of their kana reading (then name). Readings mix katakana and
# hiragana: they must sort together, as one alphabet.
NAMED = [
    # family, given, family_kana, given_kana
    ("青木", "一郎", "アオキ", "イチロウ"),
    ("阿部", "花子", "あべ", "はなこ"),
    ("伊藤", "健", "イトウ", "ケン"),
    ("上田", "愛", "うえだ", "あい"),
    ("遠藤", "誠", "エンドウ", "マコト"),
    ("大田", "翔", "おおた", "しょう"),
    ("加藤", "陽子", "カトウ", "ヨウコ"),
    ("木村", "拓也", "きむら", "たくや"),
    ("工藤", "優", "クドウ", "ユウ"),
    ("小林", "直人", "こばやし", "なおと"),
    ("佐藤", "美咲", "サトウ", "ミサキ"),
    ("清水", "大輔", "しみず", "だいすけ"),
    ("鈴木", "一郎", "スズキ", "イチロウ"),
    ("関", "彩", "せき", "あや"),
    ("田中", "実", "タナカ", "ミノル"),
    ("千葉", "舞", "ちば", "まい"),
    ("辻", "亮", "ツジ", "リョウ"),
    ("中村", "恵", "なかむら", "めぐみ"),
    ("野口", "聡", "ノグチ", "サトシ"),
    ("浜田", "薫", "はまだ", "かおる"),
    ("松本", "蓮", "マツモト", "レン"),
    ("山田", "太朗", "ヤマダ", "タロウ"),   # same reading as the next one: the name decides
    ("山田", "太郎", "やまだ", "たろう"),
    ("渡辺", "結衣", "ワタナベ", "ユイ"),
]
NAMELESS = 4  # contacts with neither a name nor a reading: last when sorting by name
WITHOUT_EMAIL = {2, 9, 15, 21, 25}  # indexes (in creation order) of contacts without an email


# --- helpers ------------------------------------------------------------------------------


def pages(api: Api, query: dict[str, Any], limit: int = 7, max_pages: int = 200) -> list[list[dict]]:
    """Every page of a listing, following next_cursor to the end."""
    result, cursor = [], None
    for _ in range(max_pages):
        params = {**query, "limit": str(limit), **({"cursor": cursor} if cursor else {})}
        reply = api.get("/v1/contacts", query=params)
        assert reply.status == 200, reply.body
        assert set(reply.body) >= {"items", "next_cursor"}
        assert len(reply.body["items"]) <= limit
        result.append(reply.body["items"])
        cursor = reply.body["next_cursor"]
        if cursor is None:
            return result
        assert isinstance(cursor, str) and cursor
    raise AssertionError("pagination never ended")


def walk(api: Api, query: dict[str, Any], limit: int = 7) -> list[dict]:
    """The whole listing, asserting no contact appears twice."""
    items = [item for page in pages(api, query, limit) for item in page]
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)), "a contact was repeated across pages"
    return items


def ids(items: list[dict]) -> list[str]:
    return [item["id"] for item in items]


def first_cursor(api: Api, query: dict[str, Any], limit: int = 2) -> str:
    reply = api.get("/v1/contacts", query={**query, "limit": str(limit)})
    assert reply.status == 200, reply.body
    assert reply.body["next_cursor"], "expected more than one page"
    return reply.body["next_cursor"]


def seed_system_fields(api: Api, contact_id: str, **fields) -> None:
    """Set system-maintained fields (last_contacted_at, ...) that no endpoint of this API writes
    directly, through the same repository call the services use so every index follows."""
    from shared.db import contacts as repository

    contact, version, config = repository.get_with_config(api.tenant, contact_id)
    repository.save(api.tenant, {**contact, **fields}, config, previous=contact, version=version)


def search(api: Api, q: str, **query) -> list[dict]:
    return walk(api, {"q": q, **query}, limit=50)


def found_ids(api: Api, q: str, **query) -> set[str]:
    return set(ids(search(api, q, **query)))


def new_tenant() -> Api:
    return Api(f"tenant-{uuid.uuid4().hex[:10]}")


# --- the sorted data set (one tenant for the module) ------------------------------------------

class DataSet:
    def __init__(self, api: Api, contacts: list[dict], by_name: list[str], nameless: list[str]):
        self.api, self.contacts, self.by_name, self.nameless = api, contacts, by_name, nameless
        self._listings: dict[tuple[str, str], list[dict]] = {}

    def where(self, predicate: Callable[[dict], bool]) -> set[str]:
        return {c["id"] for c in self.contacts if predicate(c)}

    def listing(self, sort: str, order: str) -> list[dict]:
        """The whole unfiltered listing in one page (its order is checked by test_sort_and_paginate)."""
        if (sort, order) not in self._listings:
            self._listings[(sort, order)] = walk(self.api, {"sort": sort, "order": order}, limit=200)
        return self._listings[(sort, order)]


@pytest.fixture(scope="module")
def data(moto_endpoint) -> DataSet:
    api = new_tenant()
    rows = [dict(zip(("family_name", "given_name", "family_name_kana", "given_name_kana"), row, strict=False))
            for row in NAMED]
    rows += [{"company": f"無名商事{i}"} for i in range(NAMELESS)]
    # Creation order differs from name order, so created_at and name sorts disagree.
    order = list(range(len(rows)))
    order = order[1::2] + order[::2]
    statuses = ("new", "replied", "called", "visited", "won", "lost")
    companies = ("株式会社アルファ", "ベータ合同会社", "ガンマ商店")
    contacts, by_position = [], {}
    for index, position in enumerate(order):
        body = dict(rows[position])
        if index not in WITHOUT_EMAIL:
            body["email"] = f"c{(index * 7) % 31:02d}.{index}@example.jp"
        body["status"] = statuses[index % len(statuses)]
        body["starred"] = index % 3 == 0
        body["tags"] = [tag for tag, step in (("even", 2), ("third", 3)) if index % step == 0]
        body["company"] = body.get("company") or companies[index % len(companies)]
        body["owner_id"] = ("owner-a", "owner-b", None)[index % 3]
        contact = create(api, **body)
        contacts.append(contact)
        by_position[position] = contact["id"]
    # last_contacted_at on two thirds, last_customer_action_at on half, in orders unlike the others
    for index, contact in enumerate(contacts):
        seeded = {}
        if index % 3 != 2:
            seeded["last_contacted_at"] = (f"2026-0{1 + (index * 5) % 9}-{1 + index % 28:02d}"
                                           f"T{index % 24:02d}:{index:02d}:00.000Z")
        if index % 2 == 0:
            seeded["last_customer_action_at"] = (f"2025-{1 + (index * 7) % 12:02d}-{1 + index % 28:02d}"
                                                 f"T12:{index:02d}:00.000Z")
            seeded["last_customer_action_type"] = "email_received"
        if seeded:
            seed_system_fields(api, contact["id"], **seeded)
            contact.update(seeded)
    by_name = [by_position[p] for p in range(len(NAMED))]
    nameless = [by_position[p] for p in range(len(NAMED), len(rows))]
    return DataSet(api, contacts, by_name, nameless)


def expected_order(data: DataSet, field: str, descending: bool) -> tuple[list[list[str]], list[str]]:
    """Contacts having the field as groups of equal values in the requested order, then the ones
    lacking it (in any order)."""
    if field == "name":
        present = [[i] for i in data.by_name]
        missing = data.nameless
    else:
        having = [c for c in data.contacts if c.get(field)]
        values = sorted({c[field] for c in having})
        present = [[c["id"] for c in having if c[field] == value] for value in values]
        missing = [c["id"] for c in data.contacts if not c.get(field)]
    if descending:
        present = present[::-1]
    return present, missing


def assert_sorted(items: list[dict], present: list[list[str]], missing: list[str]) -> None:
    got = ids(items)
    cut = sum(len(group) for group in present)
    head, tail = got[:cut], got[cut:]
    position = 0
    for group in present:
        assert sorted(head[position:position + len(group)]) == sorted(group), (position, got)
        position += len(group)
    assert sorted(tail) == sorted(missing), "contacts lacking the sort field must come last"


@pytest.mark.parametrize("order", ["asc", "desc"])
@pytest.mark.parametrize("sort", SORTS)
def test_sort_and_paginate(data, sort, order):
    items = walk(data.api, {"sort": sort, "order": order}, limit=7)
    assert len(items) == len(data.contacts), "a contact was lost across pages"
    present, missing = expected_order(data, sort, order == "desc")
    assert_sorted(items, present, missing)


@pytest.mark.parametrize(("sort", "order", "limits"), [
    ("email", "asc", (1, 5)), ("name", "desc", (4, 13)), ("created_at", "asc", (6,)),
    ("last_contacted_at", "desc", (3, 11)), ("last_customer_action_at", "asc", (2, 27)),
])
def test_page_size_does_not_change_the_order(data, sort, order, limits):
    whole = ids(data.listing(sort, order))
    assert len(whole) == len(data.contacts)
    for limit in limits:
        assert ids(walk(data.api, {"sort": sort, "order": order}, limit=limit)) == whole


def test_name_sort_uses_the_reading_then_the_name(data):
    items = walk(data.api, {"sort": "name", "order": "asc"}, limit=50)
    readings = [(c["family_name_kana"], c["given_name_kana"], c["given_name"]) for c in items[:len(NAMED)]]
    assert readings[:4] == [("アオキ", "イチロウ", "一郎"), ("あべ", "はなこ", "花子"), ("イトウ", "ケン", "健"),
                            ("うえだ", "あい", "愛")]
    yamada = [c["given_name"] for c in items if c["family_name"] == "山田"]
    assert yamada == ["太朗", "太郎"]


def test_email_sort_puts_contacts_without_email_last_in_both_orders(data):
    for order in ("asc", "desc"):
        items = walk(data.api, {"sort": "email", "order": order}, limit=6)
        emails = [c["email"] for c in items]
        count = len(data.contacts) - len(WITHOUT_EMAIL)
        assert all(emails[:count]) and not any(emails[count:])
        assert emails[:count] == sorted(emails[:count], reverse=order == "desc")


def test_default_sort_is_created_at_descending(data):
    default = ids(walk(data.api, {}, limit=9))
    explicit = ids(walk(data.api, {"sort": "created_at", "order": "desc"}, limit=9))
    assert default == explicit
    created = [c["created_at"] for c in walk(data.api, {}, limit=50)]
    assert created == sorted(created, reverse=True)


def test_default_limit_is_50(moto_endpoint):
    api = new_tenant()
    for i in range(51):
        create(api, family_name=f"名{i:02d}")
    reply = api.get("/v1/contacts")
    assert reply.status == 200
    assert len(reply.body["items"]) == 50 and reply.body["next_cursor"]
    rest = api.get("/v1/contacts", query={"cursor": reply.body["next_cursor"]})
    assert len(rest.body["items"]) == 1
    assert not set(ids(rest.body["items"])) & set(ids(reply.body["items"]))


def test_limit_200_is_accepted(data):
    reply = data.api.get("/v1/contacts", query={"limit": "200"})
    assert reply.status == 200 and len(reply.body["items"]) == len(data.contacts)


def test_empty_tenant_lists_nothing(moto_endpoint):
    reply = new_tenant().get("/v1/contacts")
    assert reply.status == 200 and reply.body == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("limit", ["0", "201", "abc", "-1", "1.5", ""])
def test_limit_outside_1_to_200_is_refused(data, limit):
    assert_error(data.api.get("/v1/contacts", query={"limit": limit}), (400, 422))


@pytest.mark.parametrize("params", [{"sort": "phone"}, {"order": "up"}, {"status": "archived"},
                                    {"starred": "yes"}])
def test_bad_query_parameters_are_refused(data, params):
    assert_error(data.api.get("/v1/contacts", query=params), (400, 422))


# --- cursors ------------------------------------------------------------------------------------

def _alphabet_neighbour(char: str) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return alphabet[alphabet.index(char) ^ 1] if char in alphabet else "A"


def _far_char(char: str) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return alphabet[(alphabet.index(char) + 32) % 64] if char in alphabet else "A"


def test_cursor_edited_anywhere_in_its_body_is_400(data):
    query = {"sort": "name", "order": "asc"}
    cursor = first_cursor(data.api, query)
    for position in range(len(cursor) - 1):
        edited = cursor[:position] + _far_char(cursor[position]) + cursor[position + 1:]
        reply = data.api.get("/v1/contacts", query={**query, "limit": "2", "cursor": edited})
        assert_error(reply, 400)


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda c: c[:-1] + _alphabet_neighbour(c[-1]), id="last-character-changed"),
        pytest.param(lambda c: c + "=", id="padding-appended"),
        pytest.param(lambda c: c + "~", id="tilde-appended"),
        pytest.param(lambda c: c + "A", id="character-appended"),
        pytest.param(lambda c: c[1:], id="first-character-removed"),
        pytest.param(lambda c: c[:-1], id="last-character-removed"),
        pytest.param(lambda c: c.replace(".", "", 1), id="separator-removed"),
        pytest.param(lambda c: "x" + c, id="character-prepended"),
    ],
)
def test_cursor_edited_by_one_character_is_400(data, edit):
    """Any hand edit must be refused, including ones that leave the decoded bytes unchanged."""
    query = {"sort": "email", "order": "asc"}
    cursor = first_cursor(data.api, query)
    edited = edit(cursor)
    assert edited != cursor
    reply = data.api.get("/v1/contacts", query={**query, "limit": "2", "cursor": edited})
    assert_error(reply, 400)


@pytest.mark.parametrize("garbage", ["abc", "a.b.c", "....", "eyJ9.AAAA", "é.é", "%%%"])
def test_garbage_cursor_is_400(data, garbage):
    assert_error(data.api.get("/v1/contacts", query={"cursor": garbage}), 400)


def test_cursor_from_another_tenant_is_400(data):
    other = new_tenant()
    for i in range(3):
        create(other, family_name=f"他{i}", email=f"o{i}@example.jp")
    query = {"sort": "created_at", "order": "desc"}
    foreign = first_cursor(other, query, limit=1)
    reply = data.api.get("/v1/contacts", query={**query, "limit": "1", "cursor": foreign})
    assert_error(reply, 400)
    mine = first_cursor(data.api, query, limit=1)
    assert_error(other.get("/v1/contacts", query={**query, "limit": "1", "cursor": mine}), 400)


@pytest.mark.parametrize(
    "changed",
    [
        {"sort": "email", "order": "asc"},
        {"sort": "name", "order": "desc"},
        {"sort": "name", "order": "asc", "status": "new"},
        {"sort": "name", "order": "asc", "q": "ヤマダ"},
        {"sort": "name", "order": "asc", "tag": "even"},
    ],
)
def test_cursor_from_another_query_is_400(data, changed):
    cursor = first_cursor(data.api, {"sort": "name", "order": "asc"})
    assert_error(data.api.get("/v1/contacts", query={**changed, "limit": "2", "cursor": cursor}), 400)


def test_search_cursor_from_another_search_is_400(data):
    cursor = first_cursor(data.api, {"q": "c"}, limit=2)
    assert_error(data.api.get("/v1/contacts", query={"q": "c0", "limit": "2", "cursor": cursor}), 400)
    assert_error(data.api.get("/v1/contacts", query={"limit": "2", "cursor": cursor}), 400)


def test_cursor_of_a_restricted_user_is_not_valid_for_another_user(data):
    reply = data.api.put("/v1/settings", {"owner_visibility_restricted": True})
    assert reply.status == 200
    try:
        owner_a = data.api.as_("user", user="owner-a")
        cursor = first_cursor(owner_a, {"sort": "name", "order": "asc"})
        owner_b = data.api.as_("user", user="owner-b")
        reply = owner_b.get("/v1/contacts", query={"sort": "name", "order": "asc", "limit": "2", "cursor": cursor})
        assert_error(reply, 400)
    finally:
        assert data.api.put("/v1/settings", {"owner_visibility_restricted": False}).status == 200


# --- filters --------------------------------------------------------------------------------

FILTERS = [
    ({"tag": "even"}, lambda c: "even" in c["tags"]),
    ({"tag": "third"}, lambda c: "third" in c["tags"]),
    ({"status": "won"}, lambda c: c["status"] == "won"),
    ({"owner_id": "owner-b"}, lambda c: c["owner_id"] == "owner-b"),
    ({"starred": "true"}, lambda c: c["starred"] is True),
    ({"starred": "false"}, lambda c: c["starred"] is False),
    ({"company": "ベータ合同会社"}, lambda c: c["company"] == "ベータ合同会社"),
    ({"tag": "even", "starred": "true"}, lambda c: "even" in c["tags"] and c["starred"] is True),
    ({"tag": "third", "owner_id": "owner-a"}, lambda c: "third" in c["tags"] and c["owner_id"] == "owner-a"),
    ({"status": "new", "company": "株式会社アルファ"},
     lambda c: c["status"] == "new" and c["company"] == "株式会社アルファ"),
    ({"tag": "no-such-tag"}, lambda c: False),
]


@pytest.mark.parametrize(("params", "predicate"), FILTERS, ids=[str(f[0]) for f in FILTERS])
def test_filters_alone(data, params, predicate):
    items = walk(data.api, params, limit=200)
    assert set(ids(items)) == data.where(predicate)
    assert all(predicate(c) for c in items)


COMBINED = [
    (FILTERS[0], "name", "asc"),
    (FILTERS[1], "email", "desc"),
    (FILTERS[2], "last_contacted_at", "asc"),
    (FILTERS[3], "last_customer_action_at", "desc"),
    (FILTERS[4], "email", "asc"),
    (FILTERS[5], "name", "desc"),
    (FILTERS[5], "last_contacted_at", "asc"),
    (FILTERS[6], "created_at", "asc"),
    (FILTERS[7], "email", "desc"),
    (FILTERS[8], "name", "asc"),
    (FILTERS[9], "last_contacted_at", "desc"),
]


@pytest.mark.parametrize(("case", "sort", "order"), COMBINED,
                         ids=[f"{c[0][0]}-{c[1]}-{c[2]}" for c in COMBINED])
def test_filters_with_sort_and_pagination(data, case, sort, order):
    params, predicate = case
    full = data.listing(sort, order)
    expected = [c["id"] for c in full if predicate(c)]
    present = {c["id"] for c in full if c.get(sort) or (sort == "name" and c.get("family_name"))}
    expected_sorted = [i for i in expected if i in present]
    filtered = ids(walk(data.api, {"sort": sort, "order": order, **params}, limit=4))
    assert sorted(filtered) == sorted(expected)
    assert len(expected) >= 2
    # the sorted part keeps the order of the full listing; contacts lacking the field stay last
    assert filtered[:len(expected_sorted)] == expected_sorted


def test_filters_follow_updates(data):
    api = new_tenant()
    contact = create(api, family_name="更新", tags=["a"], status="new")
    api.patch(f"/v1/contacts/{contact['id']}", {"tags": ["b"], "status": "won", "starred": True})
    assert ids(walk(api, {"tag": "a"})) == []
    assert ids(walk(api, {"tag": "b"})) == [contact["id"]]
    assert ids(walk(api, {"status": "new"})) == []
    assert ids(walk(api, {"status": "won"})) == [contact["id"]]
    assert ids(walk(api, {"starred": "true"})) == [contact["id"]]


def test_owner_filter_finds_nothing_for_ownerless_filter_value(data):
    assert walk(data.api, {"owner_id": "nobody-has-this"}) == []


# --- owner visibility -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def restricted(moto_endpoint):
    api = new_tenant()
    assert api.put("/v1/settings", {"owner_visibility_restricted": True}).status == 200
    member = api.as_("user", user="member-1")
    mine = [create(api, family_name="山田", given_name=f"自分{i}", family_name_kana="ヤマダ",
                   email=f"mine{i}@example.jp", owner_id="member-1", tags=["t"]) for i in range(3)]
    others = [create(api, family_name="山田", given_name=f"他人{i}", family_name_kana="ヤマダ",
                     email=f"other{i}@example.jp", owner_id="member-2", tags=["t"]) for i in range(3)]
    ownerless = create(api, family_name="山田", given_name="無主", family_name_kana="ヤマダ", owner_id=None,
                       tags=["t"])
    return api, member, ids(mine), ids(others) + [ownerless["id"]]


def test_restricted_user_lists_only_their_contacts(restricted):
    api, member, mine, others = restricted
    assert sorted(ids(walk(member, {}, limit=2))) == sorted(mine)
    for sort in SORTS:
        assert sorted(ids(walk(member, {"sort": sort, "order": "asc"}, limit=2))) == sorted(mine)
    assert sorted(ids(walk(member, {"tag": "t"}, limit=2))) == sorted(mine)
    assert ids(walk(member, {"owner_id": "member-2"})) == []


def test_restricted_user_searches_only_their_contacts(restricted):
    api, member, mine, others = restricted
    assert found_ids(member, "ヤマダ") == set(mine)
    assert found_ids(member, "山田") == set(mine)
    assert found_ids(member, "other") == set()
    assert found_ids(member, "ヤマダ", tag="t") == set(mine)
    assert sorted(ids(walk(member, {"q": "やまだ"}, limit=1))) == sorted(mine)


@pytest.mark.parametrize("role", ["owner", "admin", "manager"])
def test_restriction_does_not_apply_to_other_roles(restricted, role):
    api, member, mine, others = restricted
    caller = api.as_(role, user="member-1")
    assert sorted(ids(walk(caller, {}, limit=3))) == sorted(mine + others)
    assert found_ids(caller, "ヤマダ") == set(mine + others)


def test_unrestricted_user_sees_all(api):
    mine = create(api, family_name="自分", owner_id="member-9")
    theirs = create(api, family_name="他人", owner_id="member-8")
    member = api.as_("user", user="member-9")
    assert sorted(ids(walk(member, {}))) == sorted([mine["id"], theirs["id"]])


# --- quick search ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def people(moto_endpoint):
    """A read-only search data set (tests that change contacts make their own)."""
    api = new_tenant()
    contacts = {
        "yamada": create(api, family_name="山田", given_name="太郎", family_name_kana="ヤマダ",
                         given_name_kana="タロウ", email="Taro.Yamada@Example.jp", phone="03-1234-5678",
                         company="株式会社サンプル", tags=["vip"], status="won"),
        "sato": create(api, family_name="佐藤", given_name="花子", family_name_kana="さとう", given_name_kana="はなこ",
                       email="hanako@sato.example", phone="+81 6-9876-5432", company="テスト商事株式会社"),
        "smith": create(api, family_name="Smith", given_name="Mary Ann", email="mary@example.com",
                        company="Example Inc."),
        "suzuki": create(api, family_name="鈴木", given_name="一郎", family_name_kana="スズキ",
                         given_name_kana="イチロウ", company="サンプル株式会社", phone="045-000-1111"),
    }
    return api, {name: contact["id"] for name, contact in contacts.items()}


@pytest.mark.parametrize("q", ["ﾔﾏﾀﾞ", "やまだ", "ヤマダ", "山田", "山", "ﾔﾏ", "ヤマ"])
def test_family_name_in_any_script_or_width_finds(people, q):
    api, who = people
    assert who["yamada"] in found_ids(api, q)


@pytest.mark.parametrize("q", ["ﾔﾏﾀﾞ", "やまだ", "ヤマダ", "山田"])
def test_the_four_forms_of_yamada_find_exactly_yamada(people, q):
    api, who = people
    assert found_ids(api, q) == {who["yamada"]}


@pytest.mark.parametrize("q", ["太郎", "太", "タロウ", "たろう", "ﾀﾛｳ", "タロ"])
def test_given_name_kana_or_kanji_prefix_finds(people, q):
    api, who = people
    assert who["yamada"] in found_ids(api, q)


@pytest.mark.parametrize("q", ["山田 太郎", "山田太郎", "山田　太郎", "やまだ たろう", "ヤマダタロウ", "山田 太"])
def test_full_name_with_or_without_space_finds(people, q):
    api, who = people
    assert who["yamada"] in found_ids(api, q)


@pytest.mark.parametrize("q", ["はなこ", "ハナコ", "佐藤", "サトウ", "花"])
def test_hiragana_reading_is_found_by_either_kana(people, q):
    api, who = people
    assert who["sato"] in found_ids(api, q)


@pytest.mark.parametrize("q", ["taro", "TARO.YAMADA", "taro.yamada@example.jp", "Taro.Y", "ｔａｒｏ"])
def test_email_prefix_is_case_and_width_insensitive(people, q):
    api, who = people
    assert who["yamada"] in found_ids(api, q)


@pytest.mark.parametrize("q", ["0312", "03-1234", "03-1234-5678", "0312345678", "０３１２", "(03) 1234"])
def test_phone_digits_find(people, q):
    api, who = people
    assert who["yamada"] in found_ids(api, q)


@pytest.mark.parametrize("q", ["0698", "06-9876", "0698765432"])
def test_phone_stored_in_international_form_is_found_by_domestic_digits(people, q):
    api, who = people
    assert who["sato"] in found_ids(api, q)


def test_plus81_stored_form_found_by_0312(api):
    contact = create(api, family_name="国際", phone="+81 3-1234-5678")
    assert found_ids(api, "0312") == {contact["id"]}
    assert found_ids(api, "03-1234") == {contact["id"]}


@pytest.mark.parametrize("q", ["サンプル", "さんぷる", "ｻﾝﾌﾟﾙ", "サン"])
def test_company_without_its_legal_form_finds_both_forms(people, q):
    api, who = people
    assert found_ids(api, q) >= {who["yamada"], who["suzuki"]}


@pytest.mark.parametrize("q", ["株式会社サンプル", "株式会社サ"])
def test_company_with_its_legal_form_finds(people, q):
    api, who = people
    assert who["yamada"] in found_ids(api, q)


@pytest.mark.parametrize("q", ["株式", "株式会社"])
def test_company_prefix_that_is_only_part_of_the_legal_form_finds(people, q):
    """"株式" is the start of the company "株式会社サンプル": a prefix of the company must match."""
    api, who = people
    assert who["yamada"] in found_ids(api, q)


def test_company_prefix_reaching_into_a_trailing_legal_form_finds(people):
    """"サンプル株式" is the start of the company "サンプル株式会社"."""
    api, who = people
    assert who["suzuki"] in found_ids(api, "サンプル株式")


@pytest.mark.parametrize("q", ["テスト", "てすと", "テスト商事"])
def test_company_prefix_finds(people, q):
    api, who = people
    assert who["sato"] in found_ids(api, q)


@pytest.mark.parametrize("q", ["example", "EXAM", "Example Inc"])
def test_latin_company_prefix_finds(people, q):
    api, who = people
    assert who["smith"] in found_ids(api, q)


@pytest.mark.parametrize("q", ["smith", "SMI", "mary"])
def test_latin_name_prefix_finds(people, q):
    api, who = people
    assert who["smith"] in found_ids(api, q)


def test_start_of_a_later_word_of_the_name_finds(people):
    """"Ann" starts a word of the name "Mary Ann Smith"."""
    api, who = people
    assert who["smith"] in found_ids(api, "Ann")


@pytest.mark.parametrize("q", ["高橋", "zzz", "0999", "存在しない会社"])
def test_unrelated_query_finds_nothing(people, q):
    api, who = people
    assert found_ids(api, q) == set()


def test_search_reflects_updates_and_deletes(api):
    who = {
        "yamada": create(api, family_name="山田", family_name_kana="ヤマダ")["id"],
        "suzuki": create(api, family_name="鈴木", family_name_kana="スズキ")["id"],
    }
    assert found_ids(api, "ヤマダ") == {who["yamada"]}
    api.patch(f"/v1/contacts/{who['yamada']}", {"family_name": "山本", "family_name_kana": "ヤマモト"})
    assert who["yamada"] not in found_ids(api, "ヤマダ")
    assert who["yamada"] in found_ids(api, "やまもと")
    api.delete(f"/v1/contacts/{who['suzuki']}")
    assert who["suzuki"] not in found_ids(api, "スズキ")


def test_search_respects_filters(people):
    api, who = people
    assert found_ids(api, "サンプル", tag="vip") == {who["yamada"]}
    assert found_ids(api, "サンプル", status="won") == {who["yamada"]}
    assert found_ids(api, "サンプル", status="new") == {who["suzuki"]}
    assert found_ids(api, "サンプル", company="サンプル株式会社") == {who["suzuki"]}
    assert found_ids(api, "サンプル", starred="true") == set()
    assert found_ids(api, "サンプル", owner_id=api.user_id) == {who["yamada"], who["suzuki"]}
    assert found_ids(api, "サンプル", owner_id="someone") == set()


def test_search_never_finds_another_tenants_contacts(people):
    api, who = people
    other = new_tenant()
    create(other, family_name="山田", family_name_kana="ヤマダ", email="taro.yamada@example.jp")
    assert not found_ids(other, "ヤマダ") & set(who.values())
    assert len(found_ids(other, "ヤマダ")) == 1
    for q in ("taro", "0312", "サンプル", "Smith"):
        assert not found_ids(other, q) & set(who.values())


def test_search_results_follow_sort(api):
    created = [
        create(api, family_name="山田", given_name=g, family_name_kana="ヤマダ", given_name_kana=k)
        for g, k in (("三郎", "サブロウ"), ("一郎", "イチロウ"), ("次郎", "ジロウ"))
    ]
    by_name = [created[1]["id"], created[0]["id"], created[2]["id"]]
    assert ids(search(api, "ヤマダ", sort="name", order="asc")) == by_name
    assert ids(search(api, "ヤマダ", sort="name", order="desc")) == by_name[::-1]
    default = search(api, "ヤマダ")  # created_at, newest first
    assert sorted(ids(default)) == sorted(c["id"] for c in created)
    assert [c["created_at"] for c in default] == sorted((c["created_at"] for c in created), reverse=True)
    oldest_first = search(api, "ヤマダ", sort="created_at", order="asc")
    assert [c["created_at"] for c in oldest_first] == sorted(c["created_at"] for c in created)


def test_search_results_without_the_sort_field_come_last(api):
    with_email = create(api, family_name="山田", given_name="有", family_name_kana="ヤマダ", email="b@example.jp")
    without = create(api, family_name="山田", given_name="無", family_name_kana="ヤマダ")
    other = create(api, family_name="山田", given_name="別", family_name_kana="ヤマダ", email="a@example.jp")
    for order, head in (("asc", [other["id"], with_email["id"]]), ("desc", [with_email["id"], other["id"]])):
        assert ids(search(api, "ヤマダ", sort="email", order=order)) == head + [without["id"]]


def test_search_paginates_without_repeats_or_losses(api):
    expected = {create(api, family_name="山田", given_name=f"{i:02d}", family_name_kana="ヤマダ",
                       email=f"y{i:02d}@example.jp")["id"] for i in range(12)}
    create(api, family_name="佐藤", family_name_kana="サトウ")
    for sort in ("created_at", "name"):
        items = walk(api, {"q": "やまだ", "sort": sort, "order": "asc"}, limit=5)
        assert set(ids(items)) == expected
        assert len(items) == 12
    page_sizes = [len(page) for page in pages(api, {"q": "やまだ"}, limit=5)]
    assert page_sizes[:3] == [5, 5, 2]


def test_blank_query_lists_everything(api):
    created = {create(api, family_name=f"名{i}")["id"] for i in range(3)}
    assert set(ids(walk(api, {"q": "  "}))) == created
