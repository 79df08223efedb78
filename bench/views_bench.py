"""Issue 18 figures: selective views at scale, in a tenant of 20,000 contacts beside another of
20,000 (bench.contacts_bench's generator), whose members rep-1…rep-5 own them; rep-1 owns 1 %.

Every view is walked to its end through the real handlers, page after page by `next_cursor`,
and each page counted: items read (contacts and entries of ALL-projected indexes) and keys read
(entries of KEYS_ONLY indexes) apart, and how full it is. The walks must show exactly the view's
contacts, each once, in the order of the sorted index (counted as a figure of its own).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.contacts_bench import SEARCH_FAMILY, _invoke, seed
from bench.counting import DynamoCounter, Reads, seated
from bench.figures import Figure

PER_TENANT, LIMIT = 20_000, 50
PAGE_BOUND = 2 * LIMIT + 50  # the bound for a page: index entries and contacts together
REP = "rep-1"
TAG, COMPANY, STATUS = "展示会2026", "株式会社ベンチマーク", "won"
SORTS = ("name", "email", "created_at", "last_contacted_at", "last_customer_action_at")
VIEW_SORTS = ("created_at", "name")  # the sorts a filter's view carries (tier 2)
ORDERS = ("asc", "desc")
FEW = f"{SEARCH_FAMILY} 葵"  # one family of 40 and one given name of 20: ~25 matches
OTHER_STATUSES = ("new", "new", "new", "new", "replied", "called", "visited", "lost")

Contact = dict[str, Any]


def _shape(index: int, contact: Contact) -> None:
    """Who owns each contact and what it carries: in each hundred, slot 0 is rep-1's (1 %), slot 1
    is won (1 %), slot 3 starred (1 %, and a tenth of rep-1's), slot 4 works at COMPANY (1 %); TAG
    is on 200 (1 %): 80 of rep-1's contacts and 120 of the won ones, so the views overlap."""
    slot, block = index % 100, index // 100
    contact["owner_id"] = REP if slot == 0 else f"rep-{2 + index % 4}"
    contact["status"] = STATUS if slot == 1 else OTHER_STATUSES[index % len(OTHER_STATUSES)]
    if (slot == 0 and block % 5 < 2) or (slot == 1 and block % 5 < 3):
        contact["tags"] = [TAG]
    contact["starred"] = slot == 3 or (slot == 0 and block % 10 == 0)
    if slot == 4:
        contact["company"] = COMPANY


def _own(contact: Contact) -> bool:
    return contact["owner_id"] == REP


@dataclass
class Walk:
    """A view read to its end: what each page held and read."""

    limit: int
    sizes: list[int] = field(default_factory=list)
    reads: list[Reads] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    totals: set[Any] = field(default_factory=set)

    @property
    def fill(self) -> float:
        """The emptiest page before the last, as a share of `limit` (1.0 when there is one page)."""
        return min((size / self.limit for size in self.sizes[:-1]), default=1.0)

    def worst(self, figure: Callable[[Reads], int]) -> int:
        return max(figure(reads) for reads in self.reads)


def _walk(counter: DynamoCounter, call: Callable[[str | None], tuple[int, Any]]) -> Walk:
    """Every page of a view, following `next_cursor` (whatever position it carries)."""
    walk, cursor = Walk(LIMIT), None
    for _ in range(1_000):
        with counter.measure() as reads:
            status, page = call(cursor)
        assert status == 200, (status, page)
        walk.sizes.append(len(page["items"]))
        walk.reads.append(reads)
        walk.ids += [item["id"] for item in page["items"]]
        walk.totals.add(page.get("total"))
        cursor = page["next_cursor"]
        if cursor is None:
            return walk
    raise AssertionError("a walk of 1,000 pages: the cursor goes round")


def _listing(claims: dict[str, str], params: dict[str, str]) -> Callable[[str | None], tuple[int, Any]]:
    return lambda cursor: _invoke("GET", "/v1/contacts", claims, query={
        "limit": str(LIMIT), **params, **({"cursor": cursor} if cursor else {})})


def _expected(contacts: list[Contact], keep: Callable[[Contact], bool], sort: str, order: str) -> list[str]:
    """The ids a walk must show, in the sorted index's order (contacts lacking the value last)."""
    from shared.domain import listing

    query = listing.ContactQuery(sort=sort, descending=order == "desc", limit=LIMIT)
    return [contact["id"] for contact in listing.order_search_results([c for c in contacts if keep(c)], query)]


@dataclass
class Tally:
    """The worst page of a group of walks, and the walks that went wrong."""

    entries: int = 0
    fill: float = 1.0
    wrong: list[str] = field(default_factory=list)

    def add(self, name: str, walk: Walk, expected: list[str], total: int | None = None) -> None:
        """A walk, checked against the ids it must show and, when it answers one, the `total` every page must give."""
        self.entries = max(self.entries, walk.worst(lambda reads: reads.entries_read))
        self.fill = min(self.fill, walk.fill)
        if walk.ids != expected:
            self.wrong.append(f"{name}: {len(walk.ids)} contacts shown, {len(set(walk.ids))} distinct, "
                              f"{len(expected)} expected")
        if total is not None and walk.totals != {total}:
            self.wrong.append(f"{name}: total {sorted(walk.totals, key=str)}, {total} expected")


def _tier_1(counter: DynamoCounter, contacts: list[Contact], owner: dict[str, str], rep: dict[str, str],
            tally: Tally) -> list[Figure]:
    own = [c for c in contacts if _own(c)]
    figures = []
    for label, claims, params in (("owner visibility: rep-1's own list", rep, {}),
                                  ("owner_id=rep-1 as the owner", owner, {"owner_id": REP})):
        group = Tally()
        for sort in SORTS:
            for order in ORDERS:
                walk = _walk(counter, _listing(claims, {**params, "sort": sort, "order": order}))
                group.add(f"{label} {sort} {order}", walk, _expected(own, _own, sort, order))
        tally.wrong += group.wrong
        name = f"{label} ({len(own)} of {len(contacts):,}), 5 sorts × 2 orders, every page of {LIMIT}"
        figures += [
            Figure("#18", f"{name}: worst items read per page (index entries + contacts)", group.entries, PAGE_BOUND,
                   "items"),
            Figure("#18", f"{name}: emptiest page before the last", group.fill, 1.0, "× limit", at_least=True),
        ]
    return figures


FILTERS: dict[str, tuple[str, Callable[[Contact], bool]]] = {
    "tag": (TAG, lambda c: TAG in c.get("tags", [])),
    "status": (STATUS, lambda c: c["status"] == STATUS),
    "starred": ("true", lambda c: c["starred"]),
    "company": (COMPANY, lambda c: c.get("company") == COMPANY),
}


def _tier_2(counter: DynamoCounter, contacts: list[Contact], owner: dict[str, str], tally: Tally) -> list[Figure]:
    group = Tally()
    for name, (value, keep) in FILTERS.items():
        for sort in VIEW_SORTS:
            for order in ORDERS:
                walk = _walk(counter, _listing(owner, {name: value, "sort": sort, "order": order}))
                group.add(f"{name} {sort} {order}", walk, _expected(contacts, keep, sort, order))
    tally.wrong += group.wrong
    name = (f"one filter (tag, status, starred, company: 1 % each), created_at and name × 2 orders, "
            f"every page of {LIMIT}")
    return [Figure("#18", f"{name}: worst items read per page (index entries + contacts)", group.entries, PAGE_BOUND,
                   "items"),
            Figure("#18", f"{name}: emptiest page before the last", group.fill, 1.0, "× limit", at_least=True)]


def _narrow_bound(conditions: int, narrowest: int) -> int:
    """Tier 3's bound on a page's reads: the views are read side by side in keys until the
    narrowest ends (each at most 2n + the first read, 2 × limit + 50), then the narrowest's
    entries and contacts (n each): never the tenant's size."""
    return (2 * conditions + 1) * narrowest + (conditions - 1) * PAGE_BOUND


def _tier_3(counter: DynamoCounter, contacts: list[Contact], owner: dict[str, str], rep: dict[str, str],
            tally: Tally) -> list[Figure]:
    cases: dict[str, list[tuple[dict[str, str], dict[str, str], list[Callable[[Contact], bool]], tuple[str, ...]]]] = {
        "a filter in the other sorts (tag; email, last_contacted_at, last_customer_action_at)": [
            (owner, {"tag": TAG}, [FILTERS["tag"][1]], ("email", "last_contacted_at", "last_customer_action_at"))],
        "owner visibility + a filter (rep-1 with tag, starred, status)": [
            (rep, {"tag": TAG}, [_own, FILTERS["tag"][1]], ("name", "email", "last_customer_action_at")),
            (rep, {"starred": "true"}, [_own, FILTERS["starred"][1]], ("created_at", "email")),
            (rep, {"status": STATUS}, [_own, FILTERS["status"][1]], ("name",))],
        "two filters (tag + status, tag + company)": [
            (owner, {"tag": TAG, "status": STATUS}, [FILTERS["tag"][1], FILTERS["status"][1]],
             ("created_at", "last_contacted_at")),
            (owner, {"tag": TAG, "company": COMPANY}, [FILTERS["tag"][1], FILTERS["company"][1]], ("name",))],
    }
    figures = []
    for label, group_cases in cases.items():
        group, worst = Tally(), (0.0, 0, 1)  # (share of its bound, items read, bound) of the worst page
        for claims, params, conditions, sorts in group_cases:
            narrowest = min(sum(1 for c in contacts if condition(c)) for condition in conditions)
            bound = _narrow_bound(len(conditions), narrowest)
            for sort in sorts:
                for order in ORDERS:
                    walk = _walk(counter, _listing(claims, {**params, "sort": sort, "order": order}))
                    group.add(f"{params} {sort} {order}", walk, _expected(
                        contacts, lambda c: all(condition(c) for condition in conditions), sort, order))  # noqa: B023 - called before the loop moves on
                    read = walk.worst(lambda reads: reads.entries_read)
                    worst = max(worst, (read / bound, read, bound))
        tally.wrong += group.wrong
        name = f"{label}, × 2 orders, every page of {LIMIT}"
        figures += [
            Figure("#18", f"{name}: worst items read per page (index entries + contacts), bound (2c + 1) × n + "
                          f"(c − 1) × {PAGE_BOUND} for c conditions, n = the narrowest's matches", worst[1], worst[2],
                   "items"),
            Figure("#18", f"{name}: emptiest page before the last", group.fill, 1.0, "× limit", at_least=True)]
    return figures


def _quick_search(counter: DynamoCounter, contacts: list[Contact], owner: dict[str, str],
                  tally: Tally) -> list[Figure]:
    """Quick search with many matches and with few: contacts read per page (the issue's
    2 × 50 + 50) and keys read per page. The keys' bound: `total` counts every match's key in
    each search index (i indexes × m matches); beyond what a page reads whole, the page walks the
    sort order in keys (the KEYS_ONLY twin), at most the tenant's n contacts once."""
    from shared.domain import contacts as rules
    from shared.domain import text

    assert text.fold("ﾊｾｶﾞﾜ") == text.fold("はせがわ")
    searches = {  # (長谷川 itself finds the same contacts and those without a reading, and costs as much)
        "ﾊｾｶﾞﾜ": lambda c: c["family_name"] == SEARCH_FAMILY and bool(c.get("family_name_kana")),  # by the reading
        FEW: lambda c: c["family_name"] == SEARCH_FAMILY and c["given_name"] == "葵",  # by the kanji name (GSI7)
    }
    figures = []
    for q, keep in searches.items():
        matches = sum(1 for c in contacts if keep(c))
        walk = _walk(counter, _listing(owner, {"q": q}))
        tally.add(f"q={q}", walk, _expected(contacts, keep, "created_at", "desc"), matches)
        indexes = len(rules.search_prefixes(q))
        name = f"quick search q={q} ({matches} matches, {len(walk.sizes)} pages of {LIMIT})"
        figures += [
            Figure("#18", f"{name}: worst contacts read per page", walk.worst(lambda reads: reads.items_read),
                   PAGE_BOUND, "items"),
            Figure("#18", f"{name}: worst keys read per page, bound {indexes} search indexes × matches + the "
                          "tenant's contacts", walk.worst(lambda reads: reads.keys_read),
                   indexes * matches + len(contacts) + 1, "keys"),
        ]
    return figures


def _search_and_segment(counter: DynamoCounter, contacts: list[Contact], owner: dict[str, str],
                        tally: Tally) -> list[Figure]:
    """POST /v1/contacts/search with a tag filter, and a segment of that filter's contacts page."""
    status, segment = _invoke("POST", "/v1/segments", owner, {"name": "展示会", "filter": {"tags": {"include": [TAG]}}})
    assert status == 201, segment
    tagged = FILTERS["tag"][1]
    matches = sum(1 for c in contacts if tagged(c))
    calls = {
        "POST /v1/contacts/search, tag": lambda sort, order: lambda cursor: _invoke(
            "POST", "/v1/contacts/search", owner, {"filter": {"tags": {"include": [TAG]}}, "sort": sort, "order": order,
                                                    "limit": LIMIT, **({"cursor": cursor} if cursor else {})}),
        "GET /v1/segments/{id}/contacts, tag": lambda sort, order: lambda cursor: _invoke(
            "GET", f"/v1/segments/{segment['id']}/contacts", owner,
            query={"sort": sort, "order": order, "limit": str(LIMIT), **({"cursor": cursor} if cursor else {})}),
    }
    figures = []
    for label, call in calls.items():
        group, worst_contacts, worst_keys = Tally(), 0, 0
        for sort in VIEW_SORTS:
            for order in ORDERS:
                walk = _walk(counter, call(sort, order))
                group.add(f"{label} {sort} {order}", walk, _expected(contacts, tagged, sort, order), matches)
                worst_contacts = max(worst_contacts, walk.worst(lambda reads: reads.items_read))
                worst_keys = max(worst_keys, walk.worst(lambda reads: reads.keys_read))
        tally.wrong += group.wrong
        name = f"{label} ({matches} of {len(contacts):,}), created_at and name × 2 orders, every page of {LIMIT}"
        # `total` is exact: every page counts the tag's members in keys (as quick search counts its
        # matches), then walks the tag's view for the page's entries and reads their contacts.
        figures += [
            Figure("#18", f"{name}: worst contacts read per page", worst_contacts, PAGE_BOUND, "items"),
            Figure("#18", f"{name}: worst keys read per page, bound matches (the total) + the page's entries",
                   worst_keys, matches + PAGE_BOUND, "keys"),
            Figure("#18", f"{name}: emptiest page before the last", group.fill, 1.0, "× limit", at_least=True)]
    return figures


def run(per_tenant: int = PER_TENANT) -> list[Figure]:
    from shared.db.models import table_connection

    counter = DynamoCounter(table_connection().connection.client)
    tenant, other = "bench-views-a", "bench-views-b"
    owner = seated({"sub": "owner-1", "email": "owner@example.jp", "custom:tenant_id": tenant, "custom:role": "owner"})
    rep = seated({"sub": REP, "email": "rep1@example.jp", "custom:tenant_id": tenant, "custom:role": "user"})
    contacts = seed([tenant, other], per_tenant, _shape)[tenant]  # the other tenant's rep-1, tag... are alike
    status, settings = _invoke("PUT", "/v1/settings", owner, {"owner_visibility_restricted": True})
    assert status == 200, settings
    for claims in (owner, rep):  # warm: the tenant config is cached from here on
        assert _invoke("GET", "/v1/contacts", claims, query={"limit": "1"})[0] == 200

    tally = Tally()
    figures = _tier_1(counter, contacts, owner, rep, tally)
    figures += _tier_2(counter, contacts, owner, tally)
    figures += _tier_3(counter, contacts, owner, rep, tally)
    figures += _quick_search(counter, contacts, owner, tally)
    figures += _search_and_segment(counter, contacts, owner, tally)
    if tally.wrong:
        print("views_bench: walks that differ from their view:", *tally.wrong, sep="\n  ")
    figures.append(Figure("#18", "walks above showing a contact missing, extra, twice or out of order (a rep: one "
                                 "not theirs), or a `total` not exact on every page", len(tally.wrong), 0, "walks"))
    return figures
