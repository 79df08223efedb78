"""Issue 18, selective views, through GET /v1/contacts: a rep's own list under owner visibility,
`owner_id=`, one filter (tag, status, starred, company), a filter in the other sorts, visibility
with a filter and two filters: every page full but the last, the exact set in the order of the
sorted index, never another's contact. Views that follow every write (PATCH, bulk actions,
imports, deletes, tracking hits and web visits); quick search's exact `total` and full pages;
cursors bound to their view, tenant and member; and what a page reads, counted."""

from __future__ import annotations

import random
import uuid
from typing import Any

import pytest

from conftest import Api, assert_error, create

SORTS = ("name", "email", "created_at", "last_contacted_at", "last_customer_action_at")
ORDERS = ("asc", "desc")
REP, OTHER_REP = "rep-1", "rep-2"
CONTACTS = 240
COMMON, RARE = ("長谷川", "ハセガワ"), ("東海林", "ショウジ")
SEARCH_LIMIT = 20  # a quick search reads its matches whole up to 2 × 20 + 50 = 90; COMMON has far more


def ids(items: list[dict]) -> list[str]:
    return [item["id"] for item in items]


def pages(api: Api, query: dict[str, Any], limit: int) -> list[dict]:
    """Every answer of a listing, following next_cursor to the end."""
    answers, cursor = [], None
    for _ in range(500):
        reply = api.get("/v1/contacts", query={**query, "limit": str(limit), **({"cursor": cursor} if cursor else {})})
        assert reply.status == 200, reply.body
        assert len(reply.body["items"]) <= limit
        answers.append(reply.body)
        cursor = reply.body["next_cursor"]
        if cursor is None:
            return answers
    raise AssertionError("pagination never ended")


def full_walk(api: Api, query: dict[str, Any], limit: int) -> list[dict]:
    """The whole listing; every page but the last holds exactly `limit` items, none repeats."""
    answers = pages(api, query, limit)
    sizes = [len(answer["items"]) for answer in answers]
    assert sizes[:-1] == [limit] * (len(sizes) - 1), f"a page before the last was not full: {sizes}"
    items = [item for answer in answers for item in answer["items"]]
    assert len(set(ids(items))) == len(items), "a contact was repeated across pages"
    return items


def index_order(contacts: list[dict[str, Any]], sort: str, order: str) -> list[str]:
    """The order of the sorted index: by the sort value then the id, contacts lacking the value
    after the rest, in either order (shared.keys.sorted_sk; the tenant-wide listing is checked
    against it below, and against hand-written orders in test_contacts_listing)."""
    from shared import keys
    from shared.domain import contacts as rules

    keyed = sorted((keys.sorted_sk(rules.sort_value(contact, sort), contact["id"]), contact["id"])
                   for contact in contacts)
    present = [contact_id for key, contact_id in keyed if key.startswith(f"{keys.PRESENT}#")]
    missing = [contact_id for key, contact_id in keyed if not key.startswith(f"{keys.PRESENT}#")]
    return present[::-1] + missing[::-1] if order == "desc" else present + missing


def assert_in_sort_order(items: list[dict], sort: str, order: str) -> None:
    """Independent of the keys: values in order, contacts lacking the sort field last."""
    if sort == "name":
        lacking = [item.get("family_name") is None for item in items]
        assert lacking == sorted(lacking), "contacts without a name must come last"
        return
    values = [item.get(sort) for item in items]
    present = [value for value in values if value]
    assert values[:len(present)] == present, "contacts lacking the sort field must come last"
    assert present == sorted(present, reverse=order == "desc")


def now_iso(offset_seconds: float = 0) -> str:
    from datetime import datetime, timedelta, timezone

    moment = datetime.now(timezone.utc) + timedelta(seconds=offset_seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


# --- a tenant of 240 under owner visibility, the rep owning a quarter ---------------------------

def _contact(index: int, rng: random.Random) -> dict[str, Any]:
    from shared.domain import contacts as rules
    from shared.domain.ids import new_id

    owner = {0: REP, 1: OTHER_REP}.get(index % 4, "boss" if index % 8 == 2 else None)
    body: dict[str, Any] = {"owner_id": owner}
    if index % 16 == 7:  # no name: last in the name sort
        body["company"] = "無名商事"
    else:
        family = COMMON if index % 8 in (0, 1, 2, 4, 5) else RARE if index % 40 == 3 else \
            rng.choice([("山田", "ヤマダ"), ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("田中", "タナカ"), ("伊藤", "イトウ")])
        body |= {"family_name": family[0], "given_name": f"名{index:03d}", "company": rng.choice(["アルファ", "ベータ"])}
        if index % 11:
            body["family_name_kana"] = family[1]
    if index % 10 != 3:
        body["email"] = f"{rng.choice('abcdefgh')}{index:03d}@example.jp"
    body["status"] = "won" if index % 10 == 0 else rng.choice(["new", "replied", "called", "lost"])
    body["starred"] = index % 9 == 0
    if index % 12 == 4 or index % 43 == 1:
        body["company"] = "レア商事"
    body["tags"] = [tag for tag, chosen in (("hot", index % 12 in (0, 7)), ("all-hands", index % 8 in (0, 1, 2, 4, 6)))
                    if chosen]
    created = f"2026-0{1 + index % 9}-{1 + (index * 7) % 5:02d}T09:00:00.000Z"  # many ties: the id decides
    contact = rules.new_contact(new_id(), rules.parse_changes(body, {}), "boss", created)
    if index % 2:
        contact["last_contacted_at"] = f"2026-10-{1 + (index * 13) % 28:02d}T10:{index % 60:02d}:00.000Z"
    if index % 3 == 1 or index % 8 == 0:
        contact["last_customer_action_at"] = f"2026-11-{1 + (index * 5) % 28:02d}T11:{index % 60:02d}:00.000Z"
        contact["last_customer_action_type"] = "email_opened"
    return contact


class Team:
    def __init__(self, owner: Api, contacts: list[dict[str, Any]]):
        self.owner, self.contacts = owner, contacts
        self.rep = owner.as_("user", user=REP)

    def where(self, **wanted: Any) -> list[dict[str, Any]]:
        return [contact for contact in self.contacts
                if all(value in contact["tags"] if name == "tag" else contact.get(name) == value
                       for name, value in wanted.items())]

    def expected(self, sort: str, order: str, **wanted: Any) -> list[str]:
        chosen = self.where(**wanted)
        assert chosen, "the data set must hold contacts of every view tested"
        return index_order(chosen, sort, order)


@pytest.fixture(scope="module")
def team(moto_endpoint) -> Team:
    from shared.db import contacts as store

    owner = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    assert owner.put("/v1/settings", {"owner_visibility_restricted": True}).status == 200
    rng = random.Random(18)
    contacts = [_contact(index, rng) for index in range(CONTACTS)]
    store.insert_many(owner.tenant, contacts)
    return Team(owner, contacts)


def query_of(params: dict[str, Any]) -> dict[str, str]:
    return {name: ("true" if value is True else "false" if value is False else value) for name, value in params.items()}


def test_the_index_order_is_the_tenant_wide_listings(team):
    assert ids(full_walk(team.owner, {"sort": "name", "order": "desc"}, limit=200)) == \
        index_order(team.contacts, "name", "desc")


# --- tier 1: a rep's own contacts, and owner_id= ---------------------------------------------------

@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("sort", SORTS)
def test_a_reps_own_list_pages_full_in_order_in_every_sort(team, sort, order):
    items = full_walk(team.rep, {"sort": sort, "order": order}, limit=13)
    assert {item["owner_id"] for item in items} == {REP}
    assert ids(items) == team.expected(sort, order, owner_id=REP)
    assert_in_sort_order(items, sort, order)


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("sort", SORTS)
def test_an_owner_id_filter_pages_full_in_order_in_every_sort(team, sort, order):
    items = full_walk(team.owner, {"sort": sort, "order": order, "owner_id": OTHER_REP}, limit=13)
    assert ids(items) == team.expected(sort, order, owner_id=OTHER_REP)
    assert_in_sort_order(items, sort, order)


def test_a_rep_asking_for_another_owners_contacts_gets_none(team):
    for sort in ("name", "email"):
        assert pages(team.rep, {"sort": sort, "owner_id": OTHER_REP}, limit=5) == [{"items": [], "next_cursor": None}]
    assert ids(full_walk(team.rep, {"sort": "email", "owner_id": REP}, limit=13)) == \
        team.expected("email", "desc", owner_id=REP)


# --- tier 2: one selective filter by creation or name; tier 3: the other sorts, visibility and a
# filter, two filters -------------------------------------------------------------------------------

ONE_FILTER = [{"tag": "hot"}, {"status": "won"}, {"starred": True}, {"company": "レア商事"}]


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("sort", ["created_at", "name"])
@pytest.mark.parametrize("wanted", ONE_FILTER, ids=str)
def test_one_filter_by_creation_or_name(team, wanted, sort, order):
    items = full_walk(team.owner, {"sort": sort, "order": order, **query_of(wanted)}, limit=6)
    assert ids(items) == team.expected(sort, order, **wanted)
    assert_in_sort_order(items, sort, order)


NARROWED = [
    # (who, filters, sort, order)
    ("owner", {"tag": "hot"}, "email", "desc"),
    ("owner", {"status": "won"}, "last_contacted_at", "asc"),
    ("owner", {"starred": True}, "last_customer_action_at", "desc"),
    ("owner", {"company": "レア商事"}, "email", "asc"),
    ("rep", {"tag": "hot"}, "name", "asc"),
    ("rep", {"tag": "hot"}, "last_contacted_at", "desc"),
    ("rep", {"status": "won"}, "created_at", "desc"),
    ("rep", {"starred": True}, "email", "asc"),
    ("rep", {"company": "レア商事"}, "last_customer_action_at", "desc"),
    ("rep", {"starred": False}, "name", "desc"),
    ("rep", {"tag": "all-hands", "status": "won"}, "created_at", "asc"),
    ("owner", {"tag": "hot", "status": "won"}, "name", "desc"),
    ("owner", {"tag": "all-hands", "starred": True}, "created_at", "asc"),
    ("owner", {"status": "won", "company": "レア商事"}, "email", "desc"),
    ("owner", {"tag": "all-hands", "owner_id": REP}, "last_contacted_at", "asc"),
    ("owner", {"tag": "hot", "starred": False}, "name", "asc"),
]


@pytest.mark.parametrize(("who", "wanted", "sort", "order"), NARROWED, ids=[f"{c[0]}-{c[1]}-{c[2]}-{c[3]}" for c in NARROWED])
def test_filters_in_other_sorts_with_visibility_or_together(team, who, wanted, sort, order):
    caller = team.rep if who == "rep" else team.owner
    items = full_walk(caller, {"sort": sort, "order": order, **query_of(wanted)}, limit=4)
    visible = {"owner_id": REP} if who == "rep" else {}
    assert ids(items) == team.expected(sort, order, **wanted, **visible)
    assert_in_sort_order(items, sort, order)
