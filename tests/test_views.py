"""Issue 18, selective views, through GET /v1/contacts: a rep's own list under owner visibility,
`owner_id=`, one filter (tag, status, starred, company), a filter in the other sorts, visibility
with a filter and two filters: every page full but the last, the exact set in the order of the
sorted index, never another's contact. Views that follow every write (PATCH, bulk actions,
imports, deletes, tracking hits and web visits); quick search's exact `total` and full pages;
cursors bound to their view, tenant and member; and what a page reads, counted."""

from __future__ import annotations

import random
import uuid
from datetime import UTC
from typing import Any
from urllib.parse import quote

import pytest

from conftest import Api, assert_error, create, enroll_member
from mail_support import outbox_listening  # noqa: F401 - autouse: the outbox records the mail the hits need
from shared import keys

SORTS = ("name", "email", "created_at", "last_contacted_at", "last_customer_action_at")
ORDERS = ("asc", "desc")
REP, OTHER_REP = "rep-1", "rep-2"
CONTACTS = 240
COMMON, RARE = ("長谷川", "ハセガワ"), ("東海林", "ショウジ")
SEARCH_LIMIT = 40  # a quick search reads its matches whole up to 2 × 40 + 50 = 130; COMMON has more


def ids(items: list[dict]) -> list[str]:
    return [item["id"] for item in items]


def pages(api: Api, query: dict[str, Any], limit: int, counter: Any = None) -> list[dict]:
    """Every answer of a listing, following next_cursor to the end (each page's items read
    bounded when a counter is given)."""
    answers, cursor = [], None
    for _ in range(500):
        params = {**query, "limit": str(limit), **({"cursor": cursor} if cursor else {})}
        if counter is None:
            reply = api.get("/v1/contacts", query=params)
        else:
            with counter.measure() as reads:
                reply = api.get("/v1/contacts", query=params)
            assert reads.items_read <= 2 * limit + 50, (query, len(answers), reads.items_read, dict(reads.requests))
        assert reply.status == 200, reply.body
        assert len(reply.body["items"]) <= limit
        answers.append(reply.body)
        cursor = reply.body["next_cursor"]
        if cursor is None:
            return answers
    raise AssertionError("pagination never ended")


def full_walk(api: Api, query: dict[str, Any], limit: int, counter: Any = None) -> list[dict]:
    """The whole listing; every page but the last holds exactly `limit` items, none repeats. With
    a DynamoCounter (bench/counting.py), no page reads more than 2 × limit + 50 items (index
    entries and contacts)."""
    answers = pages(api, query, limit, counter)
    sizes = [len(answer["items"]) for answer in answers]
    assert sizes[:-1] == [limit] * (len(sizes) - 1), f"a page before the last was not full: {sizes}"
    items = [item for answer in answers for item in answer["items"]]
    assert len(set(ids(items))) == len(items), "a contact was repeated across pages"
    return items


def index_order(contacts: list[dict[str, Any]], sort: str, order: str) -> list[str]:
    """The order of the sorted index: by the sort value then the id, contacts lacking the value
    after the rest, in either order (shared.keys.sorted_sk; the tenant-wide listing is checked
    against it below, and against hand-written orders in test_contacts_listing)."""
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
    from datetime import datetime, timedelta

    moment = datetime.now(UTC) + timedelta(seconds=offset_seconds)
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
        family = COMMON if index % 8 in (0, 1, 2, 4, 5, 6) else RARE if index % 40 == 3 else \
            rng.choice([("山田", "ヤマダ"), ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("田中", "タナカ"),
                        ("伊藤", "イトウ")])
        body |= {"family_name": family[0], "given_name": f"名{index:03d}",
                 "company": rng.choice(["アルファ", "ベータ"])}
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


# --- views follow every write -------------------------------------------------------------------

def listed(api: Api, **query: Any) -> list[str]:
    return ids(full_walk(api, query_of(query), limit=2))


def restrict(api: Api) -> None:
    assert api.put("/v1/settings", {"owner_visibility_restricted": True}).status == 200


def in_view(api: Api, partition_of: Any, *args: str) -> list[str]:
    """Ids listed under a view partition, read straight from its index (a stale entry there
    would not show through the API, which checks every contact it reads, but costs reads)."""
    from shared.db import contacts as repository

    return repository.view_ids(partition_of(api.tenant, *args))


def patched(api: Api, contact_id: str, **changes: Any) -> None:
    if changes.get("owner_id"):
        enroll_member(api.tenant, changes["owner_id"])  # an owner must be a member
    reply = api.patch(f"/v1/contacts/{contact_id}", changes)
    assert reply.status == 200, reply.body


def test_a_renamed_contact_moves_within_its_views(api):
    restrict(api)
    a, b, c = (create(api, family_name=family, family_name_kana=kana, tags=["展示会"], owner_id=REP)["id"]
               for family, kana in (("青木", "アオキ"), ("加藤", "カトウ"), ("佐藤", "サトウ")))
    create(api, family_name="阿部", family_name_kana="アベ", owner_id=OTHER_REP)  # in neither view
    rep = api.as_("user", user=REP)
    assert listed(api, tag="展示会", sort="name", order="asc") == [a, b, c]
    patched(api, a, family_name="渡辺", family_name_kana="ワタナベ")
    assert listed(api, tag="展示会", sort="name", order="asc") == [b, c, a]
    assert listed(api, tag="展示会", sort="name", order="desc") == [a, c, b]
    assert listed(api, status="new", owner_id=REP, sort="name", order="asc") == [b, c, a]
    assert listed(rep, sort="name", order="asc") == [b, c, a]
    assert listed(api, tag="展示会", sort="created_at", order="asc") == [a, b, c]  # creation does not move


def test_a_patch_moves_the_contact_between_views(api):
    restrict(api)
    fields = dict(owner_id=REP, status="new", starred=False, company="旧社", tags=["旧"])
    moved = create(api, family_name="移動", family_name_kana="イドウ", email="m@example.jp", **fields)["id"]
    stays = create(api, family_name="残留", family_name_kana="ザンリュウ", email="s@example.jp", **fields)["id"]
    rep, other_rep = api.as_("user", user=REP), api.as_("user", user=OTHER_REP)
    assert listed(rep, sort="name", order="asc") == [moved, stays]

    patched(api, moved, owner_id=OTHER_REP, status="won", starred=True, company="新社", tags=["新"])

    for sort in ("name", "last_contacted_at"):  # a walk of the view, and a view read whole
        assert listed(api, owner_id=REP, sort=sort) == [stays]
        assert listed(api, owner_id=OTHER_REP, sort=sort) == [moved]
        assert listed(rep, sort=sort) == [stays] and listed(other_rep, sort=sort) == [moved]
        assert listed(api, status="new", sort=sort) == [stays] and listed(api, status="won", sort=sort) == [moved]
        assert listed(api, starred=True, sort=sort) == [moved]
        assert listed(api, company="旧社", sort=sort) == [stays] and listed(api, company="新社", sort=sort) == [moved]
        assert listed(api, tag="旧", sort=sort) == [stays] and listed(api, tag="新", sort=sort) == [moved]
        assert listed(other_rep, tag="新", status="won", sort=sort) == [moved]
        assert listed(rep, tag="新", sort=sort) == []

    assert in_view(api, keys.owner_pk, REP) == [stays] and in_view(api, keys.status_pk, "new") == [stays]
    assert in_view(api, keys.company_name_pk, "旧社") == [stays] and in_view(api, keys.tag_members_pk, "旧") == [stays]

    patched(api, moved, owner_id=None, starred=False, company=None, tags=[])
    assert in_view(api, keys.owner_pk, OTHER_REP) == [] and in_view(api, keys.starred_pk) == []
    assert in_view(api, keys.company_name_pk, "新社") == [] and in_view(api, keys.tag_members_pk, "新") == []
    for sort in ("name", "email"):
        assert listed(api, owner_id=OTHER_REP, sort=sort) == [] and listed(other_rep, sort=sort) == []
        assert listed(api, starred=True, sort=sort) == [] and listed(api, company="新社", sort=sort) == []
        assert listed(api, tag="新", sort=sort) == [] and listed(api, status="won", sort=sort) == [moved]


def bulk(api: Api, contact_ids: list[str], action: str, params: dict[str, Any] | None = None) -> None:
    body = {"selection": {"ids": contact_ids}, "action": action, **({"params": params} if params is not None else {})}
    if (params or {}).get("owner_id"):
        enroll_member(api.tenant, params["owner_id"])  # an owner must be a member
    reply = api.post("/v1/contacts/bulk", body)
    assert reply.status == 200, reply.body
    assert {item["status"] for item in reply.body["results"]} == {"ok"}, reply.body


def test_bulk_actions_land_in_the_views(api):
    restrict(api)
    people = [create(api, family_name=family, family_name_kana=kana, email=f"{index}@example.jp", tags=["既存"])["id"]
              for index, (family, kana) in enumerate((("青木", "アオキ"), ("加藤", "カトウ"), ("佐藤", "サトウ"),
                                                      ("田中", "タナカ")))]
    rep = api.as_("user", user=REP)
    bulk(api, people[:3], "set_owner", {"owner_id": REP})
    bulk(api, people[1:3], "set_status", {"status": "won"})
    bulk(api, people[::2], "star")
    bulk(api, people[1:], "add_tags", {"tags": ["新規"]})
    bulk(api, people[:2], "remove_tags", {"tags": ["既存"]})
    for sort in ("name", "email"):
        assert listed(rep, sort=sort, order="asc") == people[:3]
        assert listed(api, owner_id=api.user_id, sort=sort, order="asc") == people[3:]
        assert listed(api, status="won", sort=sort, order="asc") == people[1:3]
        assert listed(api, starred=True, sort=sort, order="asc") == people[::2]
        assert listed(api, tag="新規", sort=sort, order="asc") == people[1:]
        assert listed(api, tag="既存", sort=sort, order="asc") == people[2:]
        assert listed(rep, tag="新規", status="won", sort=sort, order="asc") == people[1:3]

    bulk(api, people[1:2], "delete")
    bulk(api, people[2:3], "unstar")
    for sort in ("name", "email"):
        assert listed(rep, sort=sort, order="asc") == [people[0], people[2]]
        assert listed(api, status="won", sort=sort, order="asc") == [people[2]]
        assert listed(api, starred=True, sort=sort, order="asc") == [people[0]]
        assert listed(api, tag="新規", sort=sort, order="asc") == people[2:]


def test_imported_contacts_land_in_the_views(api):
    from stack_support import imported

    restrict(api)
    known = create(api, family_name="既知", family_name_kana="キチ", email="known@example.jp", owner_id=REP)["id"]
    data = ("姓,セイ,メールアドレス,タグ,会社名,ステータス,スター\r\n"
            "青木,アオキ,aoki@example.jp,展示会,レア商事,won,true\r\n"
            "加藤,カトウ,kato@example.jp,展示会,,new,false\r\n"
            "既知,キチ,known@example.jp,展示会,レア商事,won,true\r\n").encode()
    done = imported(api, data, {"姓": "family_name", "セイ": "family_name_kana", "メールアドレス": "email",
                                "タグ": "tags", "会社名": "company", "ステータス": "status", "スター": "starred"})
    assert (done["created"], done["updated"]) == (2, 1), done
    by_email = {item["email"]: item["id"] for item in api.post("/v1/contacts/lookup", {
        "field": "email", "values": ["aoki@example.jp", "kato@example.jp"]}).body["found"]}
    aoki, kato = by_email["aoki@example.jp"], by_email["kato@example.jp"]
    for sort in ("name", "email"):
        assert listed(api, tag="展示会", sort=sort, order="asc") == [aoki, kato, known]
        assert listed(api, company="レア商事", sort=sort, order="asc") == [aoki, known]
        assert listed(api, status="won", sort=sort, order="asc") == [aoki, known]
        assert listed(api, starred=True, sort=sort, order="asc") == [aoki, known]
        assert listed(api.as_("user", user=REP), tag="展示会", sort=sort) == [known]
        assert listed(api, owner_id=REP, sort=sort) == [known]


def test_a_deleted_contact_leaves_every_view(api):
    restrict(api)
    fields = dict(owner_id=REP, status="won", starred=True, company="レア商事", tags=["a", "b"])
    gone = create(api, family_name="削除", family_name_kana="サクジョ", email="gone@example.jp", **fields)["id"]
    kept = create(api, family_name="残留", family_name_kana="ザンリュウ", email="kept@example.jp", **fields)["id"]
    views = [{"owner_id": REP}, {"status": "won"}, {"starred": True}, {"company": "レア商事"}, {"tag": "a"},
             {"tag": "b"}, {"tag": "a", "status": "won"}]
    rep = api.as_("user", user=REP)
    assert all(sorted(listed(api, **view)) == sorted([gone, kept]) for view in views)
    assert api.delete(f"/v1/contacts/{gone}").status == 204
    for partition_of, *args in ((keys.owner_pk, REP), (keys.status_pk, "won"), (keys.starred_pk,),
                                (keys.company_name_pk, "レア商事"), (keys.tag_members_pk, "a"),
                                (keys.tag_members_pk, "b")):
        assert in_view(api, partition_of, *args) == [kept], partition_of
    for sort in SORTS:
        assert listed(rep, sort=sort) == [kept]
        for view in views:
            assert listed(api, sort=sort, **view) == [kept], (sort, view)


def test_a_deleted_tag_leaves_its_view_and_a_new_one_of_that_name_starts_empty(api):
    tagged = [create(api, family_name=f"名{index}", tags=["旧"], owner_id=REP)["id"] for index in range(3)]
    assert sorted(listed(api, tag="旧")) == sorted(tagged)
    reply = api.delete("/v1/tags/" + quote("旧", safe=""))
    assert reply.status == 204, reply.body  # a few contacts: removed at once
    assert in_view(api, keys.tag_members_pk, "旧") == []
    patched(api, tagged[1], tags=["旧"])
    for sort in ("name", "email"):
        assert listed(api, tag="旧", sort=sort) == [tagged[1]]
        assert listed(api.as_("user", user=REP), tag="旧", sort=sort) == [tagged[1]]


def seed_last_action(api: Api, contact_id: str, at: str) -> None:
    """A past customer action, saved as services.customer_actions saves one (read, apply, write)."""
    from shared.db import contacts as repository

    contact, version, config = repository.get_with_config(api.tenant, contact_id)
    repository.save(api.tenant, {**contact, "last_customer_action_at": at, "last_customer_action_type": "email_opened"},
                    config, previous=contact, version=version)


def by_last_action(api: Api, order: str = "desc", **query: Any) -> list[str]:
    return listed(api, sort="last_customer_action_at", order=order, **query)


def aged_email(api: Api, contact_id: str) -> tuple[str, list[str]]:
    """A tracked email to the contact, as if sent five minutes ago (a person's hit, not a
    scanner's): its open and click tokens."""
    from mail_support import HTML, seconds_ago, sent, set_email_attribute, tokens

    email = sent(api, contact_id, body_html=HTML)
    set_email_attribute(api, email["id"], "sent_at", seconds_ago(300))
    return tokens(email["id"])


def test_a_tracking_hit_moves_the_contact_in_its_owners_view(api):
    from mail_support import hit

    restrict(api)
    target = create(api, family_name="標的", email="taro@example.jp", owner_id=REP)["id"]
    earlier, later = (create(api, family_name=f"他{index}", owner_id=REP)["id"] for index in range(2))
    seed_last_action(api, earlier, now_iso(-1000))
    seed_last_action(api, later, now_iso(-500))
    rep = api.as_("user", user=REP)
    never_contacted = sorted([target, earlier, later], reverse=True)  # lacking the value: by id, in either order
    assert listed(rep, sort="last_contacted_at", order="desc") == never_contacted
    open_token, click_tokens = aged_email(api, target)
    contacted_first = [target] + [contact_id for contact_id in never_contacted if contact_id != target]
    assert listed(rep, sort="last_contacted_at", order="desc") == contacted_first  # the send contacted it
    assert by_last_action(rep) == [later, earlier, target]  # no action yet: last

    assert hit("o", open_token)["statusCode"] == 200

    assert by_last_action(rep) == [target, later, earlier]
    assert by_last_action(rep, "asc") == [earlier, later, target]
    assert by_last_action(api, owner_id=REP) == [target, later, earlier]
    seed_last_action(api, earlier, now_iso())
    assert by_last_action(rep) == [earlier, target, later]

    assert hit("c", click_tokens[0])["statusCode"] == 302

    assert by_last_action(rep) == [target, earlier, later]
    assert by_last_action(rep, "asc") == [later, earlier, target]
    assert by_last_action(api, owner_id=REP) == [target, earlier, later]
    patched(api, target, owner_id=OTHER_REP)  # its new owner's view sorts it by the hit's time too
    seed_last_action(api, create(api, family_name="新", owner_id=OTHER_REP)["id"], now_iso(-2000))
    assert by_last_action(api.as_("user", user=OTHER_REP))[0] == target


def test_an_ownerless_contact_with_a_hit_then_an_owner_sorts_right_in_the_owners_view(api):
    from mail_support import hit

    restrict(api)
    target = create(api, family_name="無主", email="nobody@example.jp", owner_id=None)["id"]
    open_token, _ = aged_email(api, target)
    patched(api, target, owner_id=None)  # the send made its sender the owner
    earlier, later = (create(api, family_name=f"他{index}", owner_id=REP)["id"] for index in range(2))
    never = create(api, family_name="未反応", owner_id=REP)["id"]
    seed_last_action(api, earlier, now_iso(-1000))
    seed_last_action(api, later, now_iso(-500))
    rep = api.as_("user", user=REP)

    assert hit("o", open_token)["statusCode"] == 200

    assert api.get(f"/v1/contacts/{target}").body["last_customer_action_at"] is not None
    assert by_last_action(rep) == [later, earlier, never]
    assert by_last_action(api, owner_id=api.user_id) == []
    patched(api, target, owner_id=REP)
    assert by_last_action(rep) == [target, later, earlier, never]
    assert by_last_action(rep, "asc") == [earlier, later, target, never]
    assert by_last_action(api, owner_id=REP) == [target, later, earlier, never]
    assert sorted(listed(rep, sort="email")) == sorted([target, earlier, later, never])


def test_a_web_visit_moves_the_contact_in_its_owners_view(api):
    import json

    from infra.local.server import call_handler

    site = "https://www.example.jp"
    reply = api.post("/v1/site-keys", {"name": "site", "allowed_origins": [site]})
    assert reply.status == 201, reply.body
    visitor = uuid.uuid4().hex[:22]

    def collect(**hit: Any) -> None:
        body = {"site_key": reply.body["site_key"], "visitor_id": visitor, "url": f"{site}/", "title": "t", **hit}
        result = call_handler("POST", "/collect", None, json.dumps(body), source_ip="127.0.0.1", headers={
            "content-type": "text/plain;charset=UTF-8", "origin": site,
            "user-agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                          "Chrome/131.0.0.0 Safari/537.36"})
        assert result["statusCode"] == 204, result

    restrict(api)
    target = create(api, family_name="訪問", email="hanako@example.jp", owner_id=REP)["id"]
    other = create(api, family_name="他", owner_id=REP)["id"]
    collect(type="form_submitted", email="hanako@example.jp", form="inquiry")  # identifies the visitor
    seed_last_action(api, other, now_iso())
    rep = api.as_("user", user=REP)
    assert by_last_action(rep) == [other, target]

    collect(type="page_view", url=f"{site}/pricing", referrer=None)

    assert by_last_action(rep) == [target, other]
    assert by_last_action(rep, "asc") == [other, target]
    assert by_last_action(api, owner_id=REP) == [target, other]


@pytest.fixture
def counter():
    """Counts what each request reads from DynamoDB, as bench/contacts_bench.py does."""
    from bench.counting import DynamoCounter
    from shared.db.models import table_connection

    attached = DynamoCounter(table_connection().connection.client)
    yield attached
    attached.close()


# --- tier 1: a rep's own contacts, and owner_id= ---------------------------------------------------

def test_the_index_order_is_the_tenant_wide_listings(team):
    assert ids(full_walk(team.owner, {"sort": "name", "order": "desc"}, limit=200)) == \
        index_order(team.contacts, "name", "desc")


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("sort", SORTS)
def test_a_reps_own_list_pages_full_in_order_in_every_sort(team, counter, sort, order):
    assert len(team.contacts) > 3 * (2 * 13 + 50)  # a page reads a small part of the tenant
    items = full_walk(team.rep, {"sort": sort, "order": order}, limit=13, counter=counter)
    assert {item["owner_id"] for item in items} == {REP}
    assert ids(items) == team.expected(sort, order, owner_id=REP)
    assert_in_sort_order(items, sort, order)


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("sort", SORTS)
def test_an_owner_id_filter_pages_full_in_order_in_every_sort(team, counter, sort, order):
    items = full_walk(team.owner, {"sort": sort, "order": order, "owner_id": OTHER_REP}, limit=13, counter=counter)
    assert ids(items) == team.expected(sort, order, owner_id=OTHER_REP)
    assert_in_sort_order(items, sort, order)


def test_a_rep_asking_for_another_owners_contacts_gets_none(team):
    for sort in ("name", "email"):
        assert pages(team.rep, {"sort": sort, "owner_id": OTHER_REP}, limit=5) == [{"items": [], "next_cursor": None}]
    assert ids(full_walk(team.rep, {"sort": "email", "owner_id": REP}, limit=13)) == \
        team.expected("email", "desc", owner_id=REP)


def test_a_page_reads_its_own_entries_not_its_whole_view(team, counter):
    """Views larger than a page may read (a rep's 60 contacts, a tag on 150): the first pages of
    each walk read at most 2 × 5 + 50 items."""
    bound = 2 * 5 + 50
    assert len(team.where(owner_id=REP)) >= bound and len(team.where(tag="all-hands")) > 2 * bound
    walks = [(team.rep, {"sort": sort, "order": order}) for sort in SORTS for order in ORDERS]
    walks += [(team.owner, {"sort": sort, "order": order, "tag": "all-hands"}) for sort in ("created_at", "name")
              for order in ORDERS]
    for caller, query in walks:
        cursor = None
        for _ in range(2):
            with counter.measure() as reads:
                reply = caller.get("/v1/contacts",
                                   query={**query, "limit": "5", **({"cursor": cursor} if cursor else {})})
            assert reply.status == 200 and len(reply.body["items"]) == 5, reply.body
            assert reads.items_read <= bound, (query, reads.items_read, dict(reads.requests))
            cursor = reply.body["next_cursor"]


# --- tier 2: one selective filter by creation or name; tier 3: the other sorts, visibility and a
# filter, two filters -------------------------------------------------------------------------------

ONE_FILTER = [{"tag": "hot"}, {"status": "won"}, {"starred": True}, {"company": "レア商事"}]


@pytest.mark.parametrize(("sort", "order"), [("created_at", "desc"), ("name", "asc")])
@pytest.mark.parametrize("wanted", ONE_FILTER, ids=str)
def test_one_filter_by_creation_or_name(team, counter, wanted, sort, order):
    """(Both orders of the same walk are checked on the owner's view above.)"""
    items = full_walk(team.owner, {"sort": sort, "order": order, **query_of(wanted)}, limit=6, counter=counter)
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


@pytest.mark.parametrize(("who", "wanted", "sort", "order"), NARROWED,
                         ids=["-".join(map(str, case)) for case in NARROWED])
def test_filters_in_other_sorts_with_visibility_or_together(team, who, wanted, sort, order):
    caller = team.rep if who == "rep" else team.owner
    items = full_walk(caller, {"sort": sort, "order": order, **query_of(wanted)}, limit=6)
    visible = {"owner_id": REP} if who == "rep" else {}
    assert ids(items) == team.expected(sort, order, **wanted, **visible)
    assert_in_sort_order(items, sort, order)


# --- quick search: an exact total, full pages in every sort ---------------------------------------

def searched(api: Api, q: str, expected: list[dict[str, Any]], sort: str, order: str, limit: int = SEARCH_LIMIT,
             **filters: Any) -> None:
    """Every page of the search: full but the last, each with the exact total, the matches in the
    sorted index's order."""
    answers = pages(api, {"q": q, "sort": sort, "order": order, **query_of(filters)}, limit)
    assert {answer["total"] for answer in answers} == {len(expected)}
    sizes = [len(answer["items"]) for answer in answers]
    assert sizes[:-1] == [limit] * (len(sizes) - 1), f"a page before the last was not full: {sizes}"
    items = [item for answer in answers for item in answer["items"]]
    assert ids(items) == index_order(expected, sort, order)
    assert_in_sort_order(items, sort, order)


@pytest.mark.parametrize(("sort", "order"), [("name", "asc"), ("created_at", "desc"),
                                             ("last_customer_action_at", "desc")])
def test_a_quick_search_with_many_matches_pages_full_with_its_total(team, sort, order):
    many = team.where(family_name=COMMON[0])
    assert len(many) > 2 * SEARCH_LIMIT + 50
    searched(team.owner, COMMON[0], many, sort, order)


@pytest.mark.parametrize("sort", ["created_at", "email"])
def test_a_quick_search_with_few_matches_pages_full_with_its_total(team, sort):
    few = team.where(family_name=RARE[0])
    assert 4 < len(few) < 2 * SEARCH_LIMIT
    searched(team.owner, "ｼｮｳｼﾞ", [c for c in few if c.get("family_name_kana")], sort, "asc", limit=4)


@pytest.mark.parametrize(("wanted", "sort", "order", "many"), [
    ({"tag": "all-hands"}, "name", "asc", True),  # more matches than a page reads whole: a walk of the tag's view
    ({"tag": "all-hands"}, "email", "desc", True),  # the same, in a sort the tag's view does not carry
    ({"starred": False}, "last_contacted_at", "desc", True),
    ({"status": "won"}, "created_at", "asc", False),
])
def test_a_quick_search_with_a_filter(team, wanted, sort, order, many):
    matches = team.where(family_name=COMMON[0], **wanted)
    assert (len(matches) > 2 * SEARCH_LIMIT + 50) is many
    searched(team.owner, COMMON[0], matches, sort, order, **wanted)


def test_a_reps_quick_search_finds_only_their_contacts(team):
    mine = team.where(family_name=COMMON[0], owner_id=REP)
    searched(team.rep, COMMON[0], mine, "name", "desc")
    searched(team.rep, COMMON[0], team.where(family_name=COMMON[0], owner_id=REP, tag="hot"), "email", "asc", limit=7,
             tag="hot")
    assert team.where(family_name=RARE[0]) and not team.where(family_name=RARE[0], owner_id=REP)
    assert pages(team.rep, {"q": RARE[0]}, 5) == [{"items": [], "next_cursor": None, "total": 0}]


# --- cursors: bound to the view, the tenant and the member ---------------------------------------

def next_cursor(api: Api, query: dict[str, Any], limit: int = 3) -> str:
    reply = api.get("/v1/contacts", query={**query, "limit": str(limit)})
    assert reply.status == 200 and reply.body["next_cursor"], reply.body
    return reply.body["next_cursor"]


def replayed(api: Api, query: dict[str, Any], cursor: str, limit: int = 3):
    return api.get("/v1/contacts", query={**query, "limit": str(limit), "cursor": cursor})


VIEW_QUERIES = [{"sort": "name", "order": "asc"}, {"sort": "email", "tag": "hot"},
                {"sort": "created_at", "q": COMMON[0]}, {"sort": "name", "tag": "all-hands", "status": "won"}]


@pytest.mark.parametrize("query", VIEW_QUERIES, ids=str)
def test_a_cursor_is_refused_to_another_member(team, query):
    by_owner = next_cursor(team.owner, query)
    assert_error(replayed(team.rep, query, by_owner), 400)
    by_rep = next_cursor(team.rep, query)
    assert_error(replayed(team.owner.as_("user", user=OTHER_REP), query, by_rep), 400)
    assert_error(replayed(team.owner.as_("manager", user=REP), query, by_rep), 400)  # REP made a manager
    enroll_member(team.owner.tenant, REP, "user")  # and a user again (the directory holds one role)
    manager, other_manager = team.owner.as_("manager", user="manager-1"), team.owner.as_("manager", user="manager-2")
    assert_error(replayed(other_manager, query, next_cursor(manager, query)), 400)
    assert replayed(team.owner, query, by_owner).status == 200  # each cursor stays good for its own member
    assert replayed(team.rep, query, by_rep).status == 200


@pytest.mark.parametrize("query", VIEW_QUERIES, ids=str)
def test_a_cursor_from_another_view_or_tenant_or_edited_is_400(team, query):
    cursor = next_cursor(team.rep, query)
    for changed in ({"sort": "last_contacted_at"}, {"order": "desc" if query.get("order") == "asc" else "asc"},
                    {"tag": "other"}, {"status": "lost"}, {"starred": "true"}, {"q": "佐藤"}, {"owner_id": REP}):
        assert_error(replayed(team.rep, {**query, **changed}, cursor), 400)
    stranger = Api(f"tenant-{uuid.uuid4().hex[:10]}", "user", user=REP)
    assert_error(replayed(stranger, query, cursor), 400)
    for position in (0, len(cursor) // 2, len(cursor) - 2):
        edited = cursor[:position] + ("A" if cursor[position] != "A" else "B") + cursor[position + 1:]
        assert_error(replayed(team.rep, query, edited), 400)
    assert replayed(team.rep, query, cursor).status == 200


def forged(tenant: str, query: dict[str, Any], position: Any) -> str:
    """A cursor signed as the server signs the rep's, holding any position."""
    from shared import cursor
    from shared.config import CONFIG
    from shared.domain import listing

    fingerprint = cursor.fingerprint(listing.parse_query({**query, "limit": "3"}).fingerprint_fields(REP, REP))
    return cursor.encode(CONFIG.cursor_secret, tenant, fingerprint, position)


@pytest.mark.parametrize("position", [
    {"phase": "2", "key": None},
    {"phase": "0", "key": "x"},
    {"offset": -1},
    {"offset": "3"},
    {"walk": "x"},
    {"walk": {"phase": "9", "key": None}},
    [],
    "0",
], ids=str)
@pytest.mark.parametrize("query", [query for query in VIEW_QUERIES if "q" not in query], ids=str)
def test_a_signed_cursor_holding_a_position_of_another_shape_is_400(team, query, position):
    """A cursor signed for this member and query whose position is none this view hands out
    (another view's shape, a broken one): a 400, never a 5xx."""
    assert_error(replayed(team.rep, query, forged(team.owner.tenant, query, position)), 400)


@pytest.mark.parametrize("position", [{"phase": "0", "key": None}, {"offset": -1}, {"walk": "x"}, {"after": 5},
                                      {"after": "x"}, {"after": "0#x", "walk": None}], ids=str)
def test_a_signed_search_cursor_holding_a_position_of_another_shape_is_400(team, position):
    query = {"sort": "created_at", "q": COMMON[0]}
    assert_error(replayed(team.rep, query, forged(team.owner.tenant, query, position)), 400)


def test_a_signed_cursor_naming_a_view_the_query_has_not_is_400(team):
    query = {"sort": "email", "tag": "all-hands", "status": "won"}  # two views: the cursor names the one it walks
    tenant = team.owner.tenant
    assert_error(replayed(team.rep, query, forged(tenant, query, {"offset": 0, "view": f"{tenant}#TAG#hot"})), 400)
    named = {"offset": 0, "view": keys.tag_members_pk(tenant, "all-hands")}  # a view of the query: accepted
    chosen = replayed(team.rep, query, forged(tenant, query, named))
    assert chosen.status == 200, chosen.body
