"""Pages of POST /v1/contacts/search and GET /v1/segments/{id}/contacts at size, through the
handlers: an answer exact from keys (tags, status, owner... and owner visibility) pages full and
in order for every sort, with an exact `total`, reading at most 2 x limit + 50 contacts a page
(counted with bench/counting.py's botocore hook, machine-independent); other filters still read
only the tenant's own contacts; a rep never receives another's contact on any page; cursors are
bound to the search and the member asking, and a bad one is a 400."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from conftest import Api, assert_error

TAG = "大口"
REP = "rep-paging"
OWNER_TAGGED, REP_TAGGED, REP_UNTAGGED, OTHERS = 80, 30, 40, 15
SORTS = ("created_at", "name", "email", "last_contacted_at", "last_customer_action_at")


def _stamp(minutes: int) -> str:
    moment = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _seed(tenant: str, owner_id: str, count: int, start: int, **fields: Any) -> None:
    """`count` contacts written as an import writes them, with varied sort values: names in
    kana out of creation order, some without an email, last contact and last action on some."""
    from shared.db import contacts as store
    from shared.domain import contacts as rules
    from shared.domain.ids import new_id

    made = []
    for number in range(start, start + count):
        varied: dict[str, Any] = {"family_name": f"名{(number * 37) % 500:03d}", "owner_id": owner_id,
                                  "created_at": _stamp(number % 97)}
        if number % 5:
            varied["email"] = f"p{(number * 53) % 1000:03d}.{number}@example.jp"
        if number % 3 == 0:
            varied["last_contacted_at"] = _stamp(1000 + (number * 7) % 300)
        if number % 2 == 0:
            varied["last_customer_action_at"] = _stamp(2000 + (number * 11) % 50)
        made.append(rules.new_contact(new_id(), varied | fields, owner_id, _stamp(number % 97)))
    store.insert_many(tenant, made)


@pytest.fixture(scope="module")
def crowd(moto_endpoint) -> Api:
    """A tenant whose owner holds 80 contacts tagged 大口, a rep 30 tagged and 40 not, 15 owned by
    nobody; beside another tenant with 大口 contacts of its own. (Small, as the emulator is slow,
    but beyond what a page reads whole at the limits below.)"""
    from shared.db import tenant_config

    api = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    _seed(api.tenant, api.user_id, OWNER_TAGGED, 0, tags=[TAG])
    _seed(api.tenant, REP, REP_TAGGED, 1000, tags=[TAG, "担当"])
    _seed(api.tenant, REP, REP_UNTAGGED, 2000, status="won")
    _seed(api.tenant, None, OTHERS, 3000, status="won")
    other = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    _seed(other.tenant, other.user_id, 10, 0, tags=[TAG])
    assert api.put("/v1/settings", {"owner_visibility_restricted": True}).status == 200
    tenant_config.load(api.tenant, fresh=True)
    api.other = other
    return api


class ContactReads:
    """bench/counting.py's DynamoCounter on the client in use, also keeping apart the items
    BatchGetItem answers (`batch_items`), and of them the contacts (`fetched`), from the keys
    Queries read."""

    def __init__(self) -> None:
        from bench.counting import DynamoCounter
        from shared.db.models import table_connection

        self.fetched = self.batch_items = 0
        self.counter = DynamoCounter(table_connection().connection.client)
        self.counter._client.meta.events.register("after-call.dynamodb", self._after_call)

    def reset(self) -> None:
        self.fetched = self.batch_items = 0

    def _after_call(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        from shared import keys

        if model.name == "BatchGetItem":
            items = [item for found in parsed.get("Responses", {}).values() for item in found]
            self.batch_items += len(items)
            self.fetched += sum(1 for item in items if item["sk"]["S"] == keys.CONTACT_SK)

    def close(self) -> None:
        self.counter._client.meta.events.unregister("after-call.dynamodb", self._after_call)
        self.counter.close()


@pytest.fixture(scope="module")
def counter() -> Iterator[ContactReads]:
    counting = ContactReads()
    yield counting
    counting.close()


def search(api: Api, **body: Any) -> dict[str, Any]:
    reply = api.post("/v1/contacts/search", body)
    assert reply.status == 200, reply.body
    return reply.body


def every_page(fetch: Any, limit: int) -> tuple[list[dict[str, Any]], list[int]]:
    """All pages of a paged read (`fetch(cursor)`), checking each is full unless it is the last
    and that `total` is the same on each: the contacts in order, and the totals."""
    contacts, totals, cursor = [], [], None
    while True:
        page = fetch(cursor)
        contacts += page["items"]
        totals.append(page["total"])
        cursor = page["next_cursor"]
        if cursor is None:
            return contacts, totals
        assert len(page["items"]) == limit, (len(contacts), len(page["items"]))


def expected_order(contacts: list[dict[str, Any]], sort: str, descending: bool) -> list[str]:
    """Ids in the list's order: by the sort value, then id, contacts lacking the value last."""
    from shared.domain import contacts as rules

    present = [contact for contact in contacts if rules.sort_value(contact, sort)]
    missing = [contact for contact in contacts if not rules.sort_value(contact, sort)]
    present.sort(key=lambda contact: (rules.sort_value(contact, sort), contact["id"]), reverse=descending)
    missing.sort(key=lambda contact: contact["id"], reverse=descending)
    return [contact["id"] for contact in present + missing]


TAGGED = {"tags": {"include": [TAG]}}


@pytest.mark.parametrize("sort, order", [(sort, ("desc", "asc")[number % 2]) for number, sort in enumerate(SORTS)]
                         + [("created_at", "asc")])
def test_an_indexed_search_pages_full_and_in_order_with_an_exact_total(crowd, sort, order):
    limit = 15  # a page reads 80 contacts whole at most: fewer than the 110 matches
    everyone, _ = every_page(lambda cursor: search(crowd, filter=TAGGED, limit=200,
                                                   **({"cursor": cursor} if cursor else {})), 200)
    paged, totals = every_page(lambda cursor: search(crowd, filter=TAGGED, sort=sort, order=order, limit=limit,
                                                     **({"cursor": cursor} if cursor else {})), limit)

    assert set(totals) == {OWNER_TAGGED + REP_TAGGED}
    assert len(paged) == OWNER_TAGGED + REP_TAGGED == len({contact["id"] for contact in paged})
    assert [contact["id"] for contact in paged] == expected_order(everyone, sort, order == "desc")
    assert all(TAG in contact["tags"] for contact in paged)


@pytest.mark.parametrize("tree, count, sort", [
    (TAGGED, REP_TAGGED, "created_at"),
    (None, REP_TAGGED + REP_UNTAGGED, "created_at"),
    (None, REP_TAGGED + REP_UNTAGGED, "email"),
    ({"field": "status", "op": "eq", "value": "won"}, REP_UNTAGGED, "email"),
    ({"or": [{"tags": {"include": ["担当"]}}, {"field": "owner_id", "op": "in", "value": [REP, "someone"]}]},
     REP_TAGGED + REP_UNTAGGED, "created_at"),
    ({"field": "family_name", "op": "contains", "value": "名"}, REP_TAGGED + REP_UNTAGGED, "email"),  # read whole
])
def test_a_rep_under_owner_visibility_gets_only_their_contacts_on_every_page(crowd, tree, count, sort):
    rep = crowd.as_("user", REP)
    limit = 8  # 66 read whole at most: the rep's 70 are walked, 30 tagged or 40 won read whole
    body = {"sort": sort, "limit": limit} | ({} if tree is None else {"filter": tree})
    paged, totals = every_page(lambda cursor: search(rep, **body, **({"cursor": cursor} if cursor else {})), limit)

    assert set(totals) == {count} and len({contact["id"] for contact in paged}) == count == len(paged)
    assert {contact["owner_id"] for contact in paged} == {REP}
    assert [contact["id"] for contact in paged] == expected_order(paged, sort, True)


def test_a_segments_contacts_page_as_a_search_does(crowd):
    segment = crowd.post("/v1/segments", {"name": "大口", "filter": TAGGED}).body["id"]
    rep = crowd.as_("user", REP)

    def pages(who: Api) -> tuple[list[dict[str, Any]], list[int]]:
        return every_page(lambda cursor: who.get(f"/v1/segments/{segment}/contacts",
                                                 query={"sort": "name", "limit": "12"} |
                                                       ({"cursor": cursor} if cursor else {})).body, 12)

    owners, owner_totals = pages(crowd)
    reps, rep_totals = pages(rep)
    searched, _ = every_page(lambda cursor: search(crowd, filter=TAGGED, sort="name", limit=12,
                                                   **({"cursor": cursor} if cursor else {})), 12)
    assert set(owner_totals) == {OWNER_TAGGED + REP_TAGGED} and set(rep_totals) == {REP_TAGGED}
    assert [contact["id"] for contact in owners] == [contact["id"] for contact in searched]
    assert [contact["id"] for contact in reps] == [contact["id"] for contact in owners if contact["owner_id"] == REP]


@pytest.mark.parametrize("body", [
    {"filter": TAGGED},
    {"filter": TAGGED, "sort": "last_contacted_at", "order": "asc"},
    {"filter": {"and": [TAGGED, {"field": "status", "op": "in", "value": ["new", "won"]}]}, "sort": "email"},
    {"q": "名"},
])
def test_a_page_of_a_large_indexed_result_reads_at_most_twice_the_page_and_50_contacts(crowd, counter, body):
    limit, pages, seen, cursor = 5, 0, set(), None  # 60 read whole at most: fewer than the matches
    while pages < 4:
        counter.reset()
        with counter.counter.measure() as reads:
            page = search(crowd, **body, limit=limit, **({"cursor": cursor} if cursor else {}))
        assert reads.requests["Scan"] == 0
        assert counter.batch_items <= 2 * limit + 50, (pages, counter.batch_items, reads.requests)
        seen |= {contact["id"] for contact in page["items"]}
        pages, cursor = pages + 1, page["next_cursor"]
        assert cursor is not None
    assert page["total"] > 2 * limit + 50 and len(seen) == pages * limit


def test_ids_beyond_what_a_page_reads_whole_count_only_the_tenants_existing_contacts(crowd, counter):
    mine = [contact["id"] for contact in search(crowd, filter=TAGGED, limit=200)["items"]][:65]
    theirs = [contact["id"] for contact in search(crowd.other, limit=200)["items"]]
    unknown = ["01JAAAAAAAAAAAAAAAAAAAAAAA", "no#such"]
    body = {"filter": {"field": "id", "op": "in", "value": theirs + mine + unknown}, "sort": "name", "limit": 5}
    pages, seen, cursor = 0, [], None
    while pages < 3:  # 60 ids at most are read whole: these 77 are walked
        counter.reset()
        page = search(crowd, **body, **({"cursor": cursor} if cursor else {}))
        assert counter.fetched <= 60 and counter.batch_items <= 60 + len(body["filter"]["value"])  # + status entries
        assert page["total"] == 65 and len(page["items"]) == 5
        seen += [contact["id"] for contact in page["items"]]
        pages, cursor = pages + 1, page["next_cursor"]
    assert set(seen) <= set(mine) and len(set(seen)) == 15


CONTAINS = {"field": "family_name", "op": "contains", "value": "名"}  # read whole: an offset cursor


def search_reply(api: Api, **body: Any) -> Any:
    return api.post("/v1/contacts/search", body)


@pytest.mark.parametrize("tree", [TAGGED, CONTAINS])
def test_a_cursor_is_bound_to_its_search_and_to_the_member_asking(crowd, tree):
    body = {"filter": tree, "limit": 5}
    cursor = search(crowd, **body)["next_cursor"]
    assert cursor and len(search(crowd, **body, cursor=cursor)["items"]) == 5  # its own member: the next page
    segment = crowd.post("/v1/segments", {"name": "同じ条件", "filter": tree}).body["id"]
    twin = crowd.post("/v1/segments", {"name": "同じ条件2", "filter": tree}).body["id"]
    segment_cursor = crowd.get(f"/v1/segments/{segment}/contacts", query={"limit": "5"}).body["next_cursor"]
    list_cursor = crowd.get("/v1/contacts", query={"limit": "5", "tag": TAG}).body["next_cursor"]

    for who in (crowd.as_("owner", "another-owner"), crowd.as_("manager"), crowd.as_("user", REP)):
        assert_error(search_reply(who, **body, cursor=cursor), 400)  # minted for another member
    assert_error(search_reply(crowd, **body, sort="name", cursor=cursor), 400)
    assert_error(search_reply(crowd, filter={"and": [tree]}, limit=5, cursor=cursor), 400)
    assert_error(search_reply(crowd, **body, q="名", cursor=cursor), 400)
    assert_error(search_reply(crowd, **body, cursor=segment_cursor), 400)
    assert_error(search_reply(crowd, **body, cursor=list_cursor), 400)
    assert_error(crowd.get(f"/v1/segments/{segment}/contacts", query={"limit": "5", "cursor": cursor}), 400)
    assert_error(crowd.get(f"/v1/segments/{twin}/contacts", query={"limit": "5", "cursor": segment_cursor}), 400)
    assert_error(search_reply(crowd, **body, cursor=cursor[:-3] + ("AAA" if cursor[-3:] != "AAA" else "BBB")), 400)


FORGED_POSITIONS = [
    None, [], "offset", 3, {}, {"offset": -1}, {"offset": "5"}, {"offset": True}, {"offset": 5, "walk": None},
    {"offset": 5, "view": "x"}, {"walk": 5}, {"walk": {"phase": "9", "key": None}},
    {"walk": {"phase": "0", "key": "k"}},
    {"walk": {"phase": "0", "key": None}, "offset": 0}, {"phase": "0", "key": None},
    {"walk": {"phase": "0", "key": {"pk": {"S": "x"}}}}, {"walk": {"phase": "0", "key": {"a": 1}}},
    {"via": None}, {"via": "x", "at": None}, {"via": 5, "at": None}, {"via": None, "at": []},
    {"via": None, "at": {"offset": -1}}, {"via": None, "at": {"walk": {"phase": "0", "key": {"pk": {"S": "x"}}}}},
    {"via": None, "at": {"walk": {"phase": "1", "key": {"pk": {"S": "x"}, "sk": {"S": "x"}, "gsi16pk": {"S": "x"},
                                                        "gsi16sk": {"S": "1#x"}}}}},
    {"after": 5}, {"after": "x"}, {"via": None, "at": {"after": ["0#x"]}},
    {"via": None, "at": {"after": "0#x", "offset": 0}},
]


@pytest.mark.parametrize("tree", [TAGGED, CONTAINS])
def test_a_signed_cursor_whose_position_has_the_wrong_shape_is_a_400(api, tree):
    """Cursors signed with this very search and member (as only the service could mint them)
    carrying positions of other shapes: a 400 each, never a 500."""
    from shared import cursor
    from shared.config import CONFIG
    from shared.db import tenant_config
    from shared.domain import listing
    from shared.domain.access import Principal
    from shared.services import search as searching

    _seed(api.tenant, api.user_id, 12, 0, tags=[TAG])
    config = tenant_config.load(api.tenant)
    principal = Principal(api.tenant, api.user_id, "owner")
    fingerprint = searching.cursor_fingerprint(principal, config, searching.parse_criteria(tree, None, config),
                                               listing.parse_query({"limit": "5"}), {"search": True})
    valid = {"via": None, "at": {"offset": 5}} if tree is TAGGED else {"offset": 5}
    assert len(search(api, filter=tree, limit=5, cursor=cursor.encode(CONFIG.cursor_secret, api.tenant, fingerprint,
                                                                      valid))["items"]) == 5  # the signing is right
    for position in FORGED_POSITIONS:
        forged = cursor.encode(CONFIG.cursor_secret, api.tenant, fingerprint, position)
        reply = search_reply(api, filter=tree, limit=5, cursor=forged)
        assert reply.status == 400, (position, reply.body)
