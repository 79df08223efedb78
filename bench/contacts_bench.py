"""Issue 3 figures: list pages, GET and create in a tenant of 20,000 contacts beside another
tenant of 20,000; its generator and `seed` serve bench/views_bench.py too, which measures quick
search (every page, contacts and keys apart, `total`)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from typing import Any

from bench.counting import DynamoCounter, seated
from bench.figures import Figure

FAMILY = [("山田", "やまだ"), ("佐藤", "さとう"), ("鈴木", "すずき"), ("高橋", "たかはし"), ("田中", "たなか"),
          ("伊藤", "いとう"), ("渡辺", "わたなべ"), ("中村", "なかむら"), ("小林", "こばやし"), ("加藤", "かとう"),
          ("吉田", "よしだ"), ("山本", "やまもと"), ("松本", "まつもと"), ("井上", "いのうえ"), ("木村", "きむら"),
          ("林", "はやし"), ("斎藤", "さいとう"), ("清水", "しみず"), ("山口", "やまぐち"), ("森", "もり"),
          ("池田", "いけだ"), ("橋本", "はしもと"), ("阿部", "あべ"), ("石川", "いしかわ"), ("山崎", "やまざき"),
          ("中島", "なかじま"), ("前田", "まえだ"), ("藤田", "ふじた"), ("後藤", "ごとう"), ("岡田", "おかだ"),
          ("長谷川", "はせがわ"), ("村上", "むらかみ"), ("近藤", "こんどう"), ("石井", "いしい"), ("坂本", "さかもと"),
          ("遠藤", "えんどう"), ("青木", "あおき"), ("藤井", "ふじい"), ("西村", "にしむら"), ("福田", "ふくだ")]
GIVEN = [("太郎", "たろう"), ("花子", "はなこ"), ("翔", "しょう"), ("陽菜", "ひな"), ("健太", "けんた"),
         ("美咲", "みさき"), ("大輔", "だいすけ"), ("結衣", "ゆい"), ("拓也", "たくや"), ("さくら", "さくら"),
         ("直樹", "なおき"), ("愛", "あい"), ("誠", "まこと"), ("優子", "ゆうこ"), ("悠真", "ゆうま"),
         ("葵", "あおい"), ("蓮", "れん"), ("真由美", "まゆみ"), ("浩二", "こうじ"), ("恵", "めぐみ")]
COMPANIES = ["株式会社サンプル", "テスト商事株式会社", "(株)みらい", "合同会社ひかり", "Acme, Inc.", "東京物産",
             "日本データ"]
SEARCH_FAMILY = "長谷川"  # one family of 40: ~1/40 of the contacts


def _contact(rules: Any, new_id: Any, index: int, tenant: str, rng: random.Random) -> dict[str, Any]:
    (family, family_kana), (given, given_kana) = rng.choice(FAMILY), rng.choice(GIVEN)
    body: dict[str, Any] = {
        "family_name": family, "given_name": given, "company": rng.choice(COMPANIES),
        "phone": f"03-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
    }
    if rng.random() > 0.05:
        body |= {"family_name_kana": family_kana, "given_name_kana": given_kana}
    if rng.random() > 0.1:
        body["email"] = f"c{index}.{tenant}@example.co.jp"
    created = f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00.000Z"
    contact = rules.new_contact(new_id(), rules.parse_changes(body, {}), "owner-1", created)
    if rng.random() < 0.5:
        contact["last_contacted_at"] = f"2026-11-{rng.randint(1, 22):02d}T09:00:00.000Z"
    if rng.random() < 0.3:
        contact["last_customer_action_at"] = f"2026-11-{rng.randint(1, 22):02d}T10:00:00.000Z"
    return contact


def seed(tenants: list[str], per_tenant: int,
         shape: Callable[[int, dict[str, Any]], None] | None = None) -> dict[str, list[dict[str, Any]]]:
    """`per_tenant` generated contacts in each tenant (bulk-written); `shape(index, contact)` may
    change each one before it is written (its owner, tags, status...)."""
    from shared.db import contacts as repository
    from shared.domain import contacts as rules
    from shared.domain.ids import new_id

    rng = random.Random(7)
    seeded = {}
    for tenant in tenants:
        contacts = [_contact(rules, new_id, i, tenant, rng) for i in range(per_tenant)]
        if shape is not None:
            for index, contact in enumerate(contacts):
                shape(index, contact)
        repository.insert_many(tenant, contacts)
        seeded[tenant] = contacts
    return seeded


def _invoke(method: str, path: str, claims: dict[str, str], body: Any = None, query: dict[str, str] | None = None):
    from infra.local.server import call_handler

    result = call_handler(method, path, claims, None if body is None else json.dumps(body, ensure_ascii=False),
                          query or {})
    return result["statusCode"], json.loads(result["body"]) if result.get("body") else None


def _boundary_cursor(tenant: str, contacts: list[dict[str, Any]], params: dict[str, str]) -> str:
    """The cursor the server would hand out 20 contacts before the last one that has the sort
    value, so the page holds 20 contacts with it and 30 without: the two-Query case."""
    from shared import cursor, keys
    from shared.config import CONFIG
    from shared.domain import contacts as rules
    from shared.domain import listing

    query = listing.parse_query(params)
    index = keys.CONTACT_SORT_INDEX[query.sort]
    number = index[3:]
    ordered = sorted(
        (keys.sorted_sk(rules.sort_value(c, query.sort), c["id"]), c) for c in contacts
        if rules.sort_value(c, query.sort) is not None
    )
    if query.descending:
        ordered.reverse()
    sort_key, contact = ordered[-21]
    position = {"phase": keys.PRESENT, "key": {
        "pk": {"S": keys.contact_pk(tenant, contact["id"])}, "sk": {"S": keys.CONTACT_SK},
        f"gsi{number}pk": {"S": keys.contacts_index_pk(tenant)}, f"gsi{number}sk": {"S": sort_key},
    }}
    fingerprint = cursor.fingerprint(query.fingerprint_fields("owner-1", None))
    return cursor.encode(CONFIG.cursor_secret, tenant, fingerprint, position)


def run(per_tenant: int = 20_000) -> list[Figure]:
    from shared.db.models import table_connection

    counter = DynamoCounter(table_connection().connection.client)
    tenant, other = "bench-a", "bench-b"
    claims = {"sub": "owner-1", "email": "owner@example.jp", "custom:tenant_id": tenant, "custom:role": "owner"}
    figures: list[Figure] = []

    seated(claims)
    _invoke("GET", "/v1/settings", claims)  # warm: the tenant config is cached from here on
    # Before seeding: the request count of a create does not depend on the table's size, but
    # moto copies the whole table for every TransactWriteItems (its rollback), which on 100,000
    # items takes minutes.
    with counter.measure() as reads:
        status, created = _invoke("POST", "/v1/contacts", claims,
                                  {"family_name": "新規", "email": "new.one@example.jp"})
    assert status == 201, created
    # issue 19: every request but GET one contact reads its member record first (one GetItem)
    figures.append(Figure("#3", "create a contact with a unique email, with the member check: requests",
                          reads.total_requests, 2, "requests"))

    seeded = seed([tenant, other], per_tenant)
    worst_items, worst_requests = 0, 0
    for sort in ("name", "email", "created_at", "last_contacted_at", "last_customer_action_at"):
        for order in ("asc", "desc"):
            cursor = None
            for _ in range(3):  # the first page and two pages further on
                query = {"sort": sort, "order": order, "limit": "50", **({"cursor": cursor} if cursor else {})}
                with counter.measure() as reads:
                    status, page = _invoke("GET", "/v1/contacts", claims, query=query)
                assert status == 200 and len(page["items"]) == 50, (status, page)
                worst_items = max(worst_items, reads.items_read)
                worst_requests = max(worst_requests, reads.total_requests)
                cursor = page["next_cursor"]
    figures.append(Figure("#3", "list page of 50, worst of 5 sorts × 2 orders × 3 pages: items read", worst_items, 100,
                          "items"))
    figures.append(Figure("#3", "list page of 50, worst of 5 sorts × 2 orders × 3 pages: requests", worst_requests, 10,
                          "requests"))

    worst_items, worst_requests = 0, 0
    for sort in ("email", "last_contacted_at", "last_customer_action_at"):
        for order in ("asc", "desc"):
            query = {"sort": sort, "order": order, "limit": "50"}
            with counter.measure() as reads:
                status, page = _invoke("GET", "/v1/contacts", claims, query={**query, "cursor": _boundary_cursor(
                    tenant, seeded[tenant] + [created], query)})
            assert status == 200 and len(page["items"]) == 50, (status, page)
            with_value = [c for c in page["items"] if c.get(sort)]
            assert len(with_value) == 20, (sort, order, len(with_value))  # 20 with the value, then 30 without
            worst_items = max(worst_items, reads.items_read)
            worst_requests = max(worst_requests, reads.total_requests)
    figures.append(Figure("#3", "list page crossing to contacts lacking the sort field (3 sorts × 2 orders): "
                          "items read", worst_items, 100, "items"))
    figures.append(Figure("#3", "list page crossing to contacts lacking the sort field (3 sorts × 2 orders): requests",
                          worst_requests, 10, "requests"))

    some = seeded[tenant][123]["id"]
    with counter.measure() as reads:
        status, _ = _invoke("GET", f"/v1/contacts/{some}", claims)
    assert status == 200
    figures.append(Figure("#19", "GET one contact with the member check: requests", reads.total_requests, 1,
                          "requests"))

    with counter.measure() as reads:
        status, page = _invoke("GET", "/v1/members", claims, query={"limit": "50"})
    assert status == 200 and page["items"], page
    figures.append(Figure("#19", "members page (with its member check): requests", reads.total_requests, 2, "requests"))
    member_checks = reads.requests["GetItem"]
    figures.append(Figure("#19", "members page itself: requests", reads.total_requests - member_checks, 1, "requests"))

    return figures
