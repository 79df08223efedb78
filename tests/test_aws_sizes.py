"""Sizes AWS refuses where moto forgave them (issue 16): DynamoDB's key, item and transaction
limits and Lambda's 6 MB response, measured as AWS measures them (shared.domain.sizes), through
the API at the limits, plus the pure measurements and the local emulation's enforcement."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import TABLE_NAME, Api, assert_error, create
from mail_support import outbox_listening, sent  # noqa: F401 - outbox_listening is autouse
from shared import keys
from shared.domain import companies as company_rules
from shared.domain import contacts as contact_rules
from shared.domain import sizes

LAMBDA_RESPONSE_LIMIT = 6 * 1024 * 1024
KANJI = "漢"


# --- pure measurements (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html)

def test_item_size_counts_names_values_and_the_overhead_of_lists_and_maps():
    assert sizes.item_size({"a": {"S": "漢字"}}) == 1 + 6
    assert sizes.item_size({"n": {"N": "123.450"}}) == 1 + 3 + 1  # 5 significant digits: 3 bytes, plus 1
    assert sizes.item_size({"n": {"N": "-0.001"}}) == 1 + 1 + 1
    assert sizes.item_size({"b": {"B": b"abc"}, "t": {"BOOL": True}, "z": {"NULL": True}}) == 4 + 2 + 2
    assert sizes.item_size({"l": {"L": []}}) == 1 + 3
    assert sizes.item_size({"l": {"L": [{"S": "a"}, {"BOOL": False}]}}) == 1 + 3 + (1 + 1) + (1 + 1)
    assert sizes.item_size({"m": {"M": {"x": {"S": "ab"}, "yz": {"M": {}}}}}) == 1 + 3 + (1 + 2 + 1) + (2 + 3 + 1)
    assert sizes.item_size({"s": {"SS": ["a", "漢"]}}) == 1 + 1 + 3


def test_truncation_never_cuts_a_character():
    text = "a" + KANJI * 10
    for limit in range(0, 33):
        cut = sizes.truncate_utf8(text, limit)
        assert text.startswith(cut) and sizes.utf8_size(cut) <= limit
        assert sizes.utf8_size(cut) > limit - 3  # only a partial character is dropped
    assert sizes.truncate_utf8(text, 31) == text


def test_response_size_counts_what_the_python311_runtime_sends():
    # the body is a JSON string inside the proxy result: a kanji becomes a 6-byte \\uXXXX escape
    assert sizes.response_size(KANJI * 10) == len(json.dumps(json.dumps(KANJI * 10, ensure_ascii=False))) - 2 == 64
    assert sizes.response_size({"a": 'x"y'}) == len(r'{\"a\":\"x\\\"y\"}')


def test_a_page_stops_at_the_byte_budget_but_always_moves_on():
    items = ["x" * 98] * 10  # 100 bytes each as JSON, and 1 for the comma
    assert sizes.fitting(items, budget=1_000) == 9
    assert sizes.fitting(items, budget=10_000) == 10
    assert sizes.fitting(["x" * 5_000], budget=1_000) == 1
    assert sizes.fitting([], budget=1_000) == 0


# --- key builders (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-partition-sort-keys)

def _key_sizes_within_limits(attributes: dict[str, str | None]) -> None:
    for name, value in attributes.items():
        if value is None:
            continue
        limit = sizes.MAX_PARTITION_KEY_BYTES if name.endswith("pk") else sizes.MAX_SORT_KEY_BYTES
        assert sizes.utf8_size(value) <= limit, (name, sizes.utf8_size(value))


def _largest_contact(contact_id: str, char: str) -> dict[str, Any]:
    return {"id": contact_id, "family_name": char * 100, "given_name": char * 100, "family_name_kana": char * 100,
            "given_name_kana": char * 100, "company": char * 200, "email": f"{'a' * 64}@{'b' * 63}.{'c' * 63}.jp",
            "phone": "0" * 20, "status": "new", "owner_id": "u" * 128, "starred": True,
            "created_at": "2026-01-01T00:00:00.000Z", "last_contacted_at": "2026-01-01T00:00:00.000Z"}


@pytest.mark.parametrize("char", [KANJI, "㍿", "ﷺ"])  # 3 bytes; NFKC folding makes 4 and 18 characters of one
def test_every_contact_key_fits_dynamodb_for_the_largest_valid_names(char):
    contact_id = "0" * 26
    contact = _largest_contact(contact_id, char)
    attributes = contact_rules.index_keys("t" * 128, contact)
    _key_sizes_within_limits(attributes)
    assert attributes["gsi2sk"].endswith(f"#{contact_id}")  # the id stays whole: keys stay unique
    for term in contact_rules.extra_search_terms(contact):
        _key_sizes_within_limits({"sk": keys.search_term_sk(term), "gsi7sk": keys.term_sk(term, contact_id)})
    _key_sizes_within_limits(company_rules.index_keys("t" * 128, {"id": contact_id, "name": char * 200,
                                                                "created_at": contact["created_at"]}))


def test_keys_holding_validated_input_fit_dynamodb_for_the_largest_values():
    tenant, entity, wide = "t" * 128, "i" * 128, "\U0001d54f"  # a 4-byte character
    tag, email, domain = wide * 50, f"{'a' * 64}@{'b' * 63}.{'c' * 63}.{'d' * 63}.jp", f"{'b' * 63}.{'c' * 63}.jp"
    _key_sizes_within_limits({
        "pk1": keys.tag_members_pk(tenant, tag), "sk1": keys.tag_sk(tag), "pk2": keys.email_key_pk(tenant, email),
        "pk3": keys.company_domain_pk(tenant, domain), "pk4": keys.timeline_type_pk(tenant, entity, "x" * 64),
        "pk5": keys.processed_event_pk(f"ingest:{tenant}:{wide * 128}"),
        "sk6": keys.activity_sk("2026-01-01T00:00:00.000Z", entity),
        "pk7": keys.processed_event_pk(f"{'m' * 128}#{email}#bounce#2026-01-01T00:00:00.000Z"),
        "pk8": keys.history_field_pk(tenant, entity, "properties." + "p" * 64),
        "sk9": keys.history_sk("2026-01-01T00:00:00.000Z", 10**12 - 1, 9_999),
    })


def test_the_name_sort_key_of_200_kanji_is_cut_at_a_character_before_its_id():
    sort_key = keys.sorted_sk(contact_rules.sort_value(_largest_contact("X" * 26, KANJI), "name"), "X" * 26)
    assert sizes.utf8_size(sort_key) <= 1024
    head = sort_key.removesuffix("#" + "X" * 26)
    assert head.startswith("0#" + KANJI * 200) and set(head[2:]) <= {KANJI, "#"}
    assert keys.sorted_sk("a", "id") == "0#a#id"  # short values are unchanged


def test_a_search_prefix_longer_than_a_stored_key_is_cut_the_same_way():
    stored = keys.term_sk(KANJI * 400, "X" * 26)
    for prefix in contact_rules.search_prefixes(KANJI * 400).values():
        assert sizes.utf8_size(prefix) <= keys.SORT_HEAD_BYTES
    assert stored.startswith(contact_rules.search_prefixes(KANJI * 400)["GSI7"])


# --- the local emulation enforces DynamoDB's limits, not moto's ----------------------------------

@pytest.fixture
def dynamodb(moto_endpoint):
    return boto3.client("dynamodb")


@pytest.fixture
def partition(moto_endpoint) -> str:
    tenant = f"sizes-{uuid.uuid4().hex[:8]}"
    Api(tenant)  # its items are removed after the test
    return keys.tenant_pk(tenant)


def test_an_update_setting_an_index_sort_key_over_1024_bytes_is_refused_and_changes_nothing(dynamodb, partition):
    key = {"pk": {"S": partition}, "sk": {"S": "ITEM"}}
    dynamodb.put_item(TableName=TABLE_NAME, Item={**key, "note": {"S": "before"}})

    def update(sort_key: str) -> None:
        dynamodb.update_item(TableName=TABLE_NAME, Key=key, UpdateExpression="SET gsi2pk = :p, gsi2sk = :s, note = :n",
                             ExpressionAttributeValues={":p": {"S": "P"}, ":s": {"S": sort_key}, ":n": {"S": "after"}})

    with pytest.raises(ClientError) as refused:
        update("ab" + KANJI * 341)  # 1,024 + 1 bytes
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert dynamodb.get_item(TableName=TABLE_NAME, Key=key)["Item"]["note"] == {"S": "before"}
    with pytest.raises(ClientError):
        dynamodb.transact_write_items(TransactItems=[{"Update": {
            "TableName": TABLE_NAME, "Key": key, "UpdateExpression": "SET gsi2pk = :p",
            "ExpressionAttributeValues": {":p": {"S": "p" * 2049}}}}])
    assert "gsi2pk" not in dynamodb.get_item(TableName=TABLE_NAME, Key=key)["Item"]
    update("a" + KANJI * 341)  # 1,024 bytes
    assert dynamodb.get_item(TableName=TABLE_NAME, Key=key)["Item"]["note"] == {"S": "after"}


def test_items_are_measured_and_limited_as_dynamodb_does(dynamodb, partition):
    key = {"pk": {"S": partition}, "sk": {"S": "BIG"}}
    room = sizes.MAX_ITEM_BYTES - sizes.item_size({**key, "v": {"S": ""}})
    dynamodb.put_item(TableName=TABLE_NAME, Item={**key, "v": {"S": "x" * room}})  # exactly 400 KB: moto refused it
    with pytest.raises(ClientError):
        dynamodb.put_item(TableName=TABLE_NAME, Item={**key, "v": {"S": "x" * (room + 1)}})
    # 140,000 list elements: 280,000 bytes to moto, 420,003 with DynamoDB's list and element overhead
    with pytest.raises(ClientError):
        dynamodb.put_item(TableName=TABLE_NAME, Item={**key, "v": {"L": [{"S": "ab"}] * 140_000}})


def test_a_transaction_over_4_mb_is_refused_and_writes_nothing(dynamodb, partition):
    def puts(count: int) -> list[dict[str, Any]]:
        return [{"Put": {"TableName": TABLE_NAME, "Item": {"pk": {"S": partition}, "sk": {"S": f"T{number}"},
                                                           "v": {"S": "x" * 390_000}}}} for number in range(count)]

    with pytest.raises(ClientError) as refused:
        dynamodb.transact_write_items(TransactItems=puts(11))  # 4.09 MiB
    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert dynamodb.query(TableName=TABLE_NAME, KeyConditionExpression="pk = :p",
                          ExpressionAttributeValues={":p": {"S": partition}})["Items"] == []
    dynamodb.transact_write_items(TransactItems=puts(10))


# --- through the API at the limits ----------------------------------------------------------------

def test_contacts_with_the_longest_kanji_names_are_stored_listed_and_found(api):
    names = {"family_name": "山" * 100, "given_name": "田" * 100}
    first = create(api, **names)
    second = create(api, **names, family_name_kana="ヤ" * 100, given_name_kana="マ" * 100)
    twin = create(api, **names)
    listed = api.get("/v1/contacts", query={"sort": "name", "order": "asc"})
    assert listed.status == 200, listed.body
    assert {item["id"] for item in listed.body["items"]} == {first["id"], second["id"], twin["id"]}
    found = api.get("/v1/contacts", query={"q": "山" * 100 + "田" * 100})
    assert {item["id"] for item in found.body["items"]} == {first["id"], second["id"], twin["id"]}
    assert api.patch(f"/v1/contacts/{first['id']}", {"given_name": "太" * 100}).status == 200


def _text_properties(api: Api, count: int) -> list[str]:
    names = [f"note{number:02d}" for number in range(count)]
    for name in names:
        reply = api.post("/v1/properties", {"key": name, "label": name, "type": "text"})
        assert reply.status == 201, reply.body
    return names


def _large_fields(properties: list[str]) -> dict[str, Any]:
    """About 360 KB of kanji as stored (and twice that in a Lambda response)."""
    return {"memo": KANJI * 10_000, "properties": {name: KANJI * 10_000 for name in properties}}


def test_a_contact_over_the_item_limit_is_refused_with_413_and_nothing_is_written(api):
    properties = _text_properties(api, 14)
    reply = api.post("/v1/contacts", {"email": "big@example.jp", **_large_fields(properties)})  # ~450 KB
    assert_error(reply, 413)
    assert "memo" in reply.error["message"]
    assert api.get("/v1/contacts").body["items"] == []
    assert api.post("/v1/contacts/lookup", {"field": "email", "values": ["big@example.jp"]}).body == {
        "found": [], "missing": ["big@example.jp"]}
    small = create(api, email="big@example.jp", memo="short")  # the email was never claimed
    assert_error(api.patch(f"/v1/contacts/{small['id']}", _large_fields(properties)), 413)
    assert api.get(f"/v1/contacts/{small['id']}").body["memo"] == "short"


def test_an_imported_row_too_large_to_store_is_reported_and_the_rest_imported(api):
    from stack_support import imported

    properties = _text_properties(api, 14)
    header = ",".join(["email", "memo", *properties])
    rows = [",".join(["small@example.jp", "short", *["x"] * len(properties)]),
            ",".join(["huge@example.jp", KANJI * 10_000, *[KANJI * 10_000] * len(properties)])]  # ~450 KB
    mapping = {"email": "email", "memo": "memo", **{name: f"properties.{name}" for name in properties}}
    done = imported(api, ("\r\n".join([header, *rows]) + "\r\n").encode(), mapping)
    assert (done["created"], done["failed"]) == (1, 1)
    assert [error["row"] for error in done["errors"]] == [3] and "too large" in done["errors"][0]["message"]
    found = api.post("/v1/contacts/lookup", {"field": "email", "values": ["small@example.jp", "huge@example.jp"]})
    assert [contact["email"] for contact in found.body["found"]] == ["small@example.jp"]


def test_an_import_of_large_contacts_keeps_its_closing_transaction_under_4_mb(api):
    from stack_support import imported

    properties = _text_properties(api, 11)
    header = ",".join(["email", "memo", *properties])
    rows = [",".join([f"large{number}@example.jp", KANJI * 10_000, *[KANJI * 10_000] * len(properties)])
            for number in range(12)]  # ~360 KB each, and as much again in each email key's copy
    mapping = {"email": "email", "memo": "memo", **{name: f"properties.{name}" for name in properties}}
    done = imported(api, ("\r\n".join([header, *rows]) + "\r\n").encode(), mapping)
    assert (done["created"], done["failed"]) == (12, 0)
    emails = [f"large{number}@example.jp" for number in range(12)]
    assert api.post("/v1/contacts/lookup", {"field": "email", "values": emails}).body["missing"] == []


BIG_CONTACTS = 10  # ~720 KB each in a Lambda response: 7 MB together, over its 6 MB


@pytest.fixture(scope="module")
def big_tenant(moto_endpoint) -> tuple[Api, list[str]]:
    api = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    properties = _text_properties(api, 11)
    ids = [create(api, email=f"big{number}@example.jp", **_large_fields(properties))["id"]
           for number in range(BIG_CONTACTS)]
    return api, ids


def _raw_call(api: Api, method: str, path: str, body: Any = None, query: dict[str, str] | None = None) -> dict:
    """The handler's proxy result, measured as the python3.11 runtime sends it (ASCII-escaped JSON)."""
    from infra.local.server import call_handler

    result = call_handler(method, path, api.member_claims(), None if body is None else json.dumps(body), query or {})
    assert len(json.dumps(result)) <= LAMBDA_RESPONSE_LIMIT
    assert result["statusCode"] == 200, result["body"][:500]
    return json.loads(result["body"])


def test_a_lookup_too_large_for_one_response_is_paged_by_its_cursor(big_tenant):
    api, ids = big_tenant
    values = [*ids[:4], "nobody", *ids[4:], "nobody-else"]
    body: dict[str, Any] = {"field": "id", "values": values}
    pages = [_raw_call(api, "POST", "/v1/contacts/lookup", body)]
    while "next_cursor" in pages[-1]:
        assert pages[-1]["next_cursor"]  # a partial answer always carries its cursor
        pages.append(_raw_call(api, "POST", "/v1/contacts/lookup", {**body, "cursor": pages[-1]["next_cursor"]}))
    assert len(pages) >= 2
    covered = 0
    for page in pages:  # each page answers a run of the values in order, each value found or missing
        found = [contact["id"] for contact in page["found"]]
        answered = [value for value in values[covered:] if value in found or value in page["missing"]]
        assert (answered == values[covered:covered + len(answered)]
                and len(answered) == len(found) + len(page["missing"]))
        covered += len(answered)
    assert covered == len(values)
    assert [value for page in pages for value in page["missing"]] == ["nobody", "nobody-else"]
    assert set(pages[0]) == {"found", "missing", "next_cursor"} and set(pages[-1]) == {"found", "missing"}


def test_a_lookup_cursor_belongs_to_its_values(big_tenant):
    api, ids = big_tenant
    first = api.post("/v1/contacts/lookup", {"field": "id", "values": ids})
    assert first.status == 200 and first.body["next_cursor"]
    assert_error(api.post("/v1/contacts/lookup", {"field": "id", "values": ids[1:],
                                                  "cursor": first.body["next_cursor"]}), 400)
    assert_error(api.post("/v1/contacts/lookup", {"field": "email", "values": ids,
                                                  "cursor": first.body["next_cursor"]}), 400)
    assert_error(api.post("/v1/contacts/lookup", {"field": "id", "values": ids, "cursor": 5}), 422, "cursor")


@pytest.mark.parametrize("path, method, body, query", [
    ("/v1/contacts", "GET", None, {"limit": "200"}),
    ("/v1/contacts", "GET", None, {"limit": "200", "q": "big"}),
    ("/v1/contacts/search", "POST", {"filter": {"field": "status", "op": "eq", "value": "new"}, "limit": 200}, None),
])
def test_contact_lists_stop_pages_before_6_mb(big_tenant, path, method, body, query):
    api, ids = big_tenant
    seen: list[str] = []
    page_cursor = None
    while True:
        parameters = dict(query or {}, **({"cursor": page_cursor} if page_cursor and method == "GET" else {}))
        request = dict(body, **({"cursor": page_cursor} if page_cursor else {})) if body is not None else None
        page = _raw_call(api, method, path, request, parameters)
        assert page["items"]
        seen += [item["id"] for item in page["items"]]
        page_cursor = page["next_cursor"]
        if page_cursor is None:
            break
    assert sorted(seen) == sorted(ids)


def test_ingest_applies_score_and_last_action_to_contacts_larger_than_a_transaction(big_tenant):
    from infra.local.server import call_handler

    api, ids = big_tenant
    secret = api.post("/v1/api-keys", {"name": "site"}).body["secret"]
    events = [{"contact": {"id": contact_id}, "type": "form_submitted", "occurred_at": "2026-01-01T00:00:00Z",
               "event_id": f"e-{contact_id}", "data": {}} for contact_id in ids]
    result = call_handler("POST", "/v1/events", None, json.dumps({"events": events}), headers={"x-api-key": secret})
    assert result["statusCode"] == 202, result["body"][:500]
    assert {item["status"] for item in json.loads(result["body"])["results"]} == {"accepted"}
    for contact_id in ids:
        contact = api.get(f"/v1/contacts/{contact_id}").body
        assert contact["last_customer_action_type"] == "form_submitted"


def test_a_bulk_action_on_contacts_larger_than_a_transaction_is_applied_to_all(big_tenant):
    api, ids = big_tenant
    reply = api.post("/v1/contacts/bulk", {"selection": {"ids": ids}, "action": "star"})
    assert reply.status == 200, reply.body
    assert {item["status"] for item in reply.body["results"]} == {"ok"}
    assert all(api.get(f"/v1/contacts/{contact_id}").body["starred"] for contact_id in ids)


def test_company_contacts_and_a_timeline_of_large_entries_stop_pages_before_6_mb(big_tenant):
    api, ids = big_tenant
    company = api.post("/v1/companies", {"name": "大きな会社"})
    assert company.status == 201, company.body
    for contact_id in ids:
        assert api.patch(f"/v1/contacts/{contact_id}", {"company_id": company.body["id"]}).status == 200
    memos = [api.post(f"/v1/contacts/{ids[0]}/activities",  # 20,000 kanji each: ~120 KB in a response
                      {"type": "memo", "occurred_at": f"2025-01-01T00:{number:02d}:00Z", "body": KANJI * 20_000})
             for number in range(55)]
    assert {memo.status for memo in memos} == {201}
    members = _all_pages(api, f"/v1/companies/{company.body['id']}/contacts")
    assert len(members) >= 2 and sorted(i for page in members for i in page) == sorted(ids)
    timeline = _all_pages(api, f"/v1/contacts/{ids[0]}/timeline")
    entries = [i for page in timeline for i in page]
    assert len(timeline) >= 2 and len(entries) == len(set(entries))
    assert {memo.body["id"] for memo in memos} <= set(entries)


def _all_pages(api: Api, path: str) -> list[list[str]]:
    """The ids of each page of a list at limit=200, each response within Lambda's limit."""
    pages, page_cursor = [], None
    while True:
        page = _raw_call(api, "GET", path, query={"limit": "200", **({"cursor": page_cursor} if page_cursor else {})})
        pages.append([item["id"] for item in page["items"]])
        page_cursor = page["next_cursor"]
        if page_cursor is None:
            return pages


def test_an_event_is_recorded_with_its_effect_on_the_contact_or_not_at_all(api, monkeypatch):
    """A store failure while the contact's score and last action are written must not leave the
    timeline entry and its event_id behind: the retry is then applied, not a duplicate."""
    from infra.local.server import call_handler
    from shared.db.transactions import Transaction
    from shared.errors import Busy

    contact = create(api, email="once@example.jp")
    secret = api.post("/v1/api-keys", {"name": "site"}).body["secret"]
    commit, failed = Transaction.commit, []

    def failing_once(self, *args, **kwargs):
        if not failed and any(label.startswith("contact:") for label in self._labels["put"]):
            failed.append(True)
            raise Busy("The contact store is busy; retry in a moment.")
        return commit(self, *args, **kwargs)

    monkeypatch.setattr(Transaction, "commit", failing_once)
    body = json.dumps({"events": [{"contact": {"id": contact["id"]}, "type": "form_submitted",
                                   "occurred_at": "2026-01-01T00:00:00Z", "event_id": "form-1", "data": {}}]})
    first = call_handler("POST", "/v1/events", None, body, headers={"x-api-key": secret})
    assert failed and first["statusCode"] == 503, first
    retry = call_handler("POST", "/v1/events", None, body, headers={"x-api-key": secret})
    assert [item["status"] for item in json.loads(retry["body"])["results"]] == ["accepted"]
    assert api.get(f"/v1/contacts/{contact['id']}").body["last_customer_action_type"] == "form_submitted"
    entries = api.get(f"/v1/contacts/{contact['id']}/timeline", query={"type": "form_submitted"}).body["items"]
    assert len(entries) == 1


# --- emails ------------------------------------------------------------------------------------

@pytest.fixture
def recipient(api) -> dict[str, Any]:
    return create(api, family_name="山田", email="taro@example.jp")


def _linked_html(link_count: int, url_length: int) -> str:
    link = '<a href="https://example.jp/{}">x</a>'
    return "".join(link.format(f"{number:04d}" + "p" * (url_length - 4)) for number in range(link_count))


def test_the_largest_email_is_sent_and_one_too_large_to_store_with_its_links_is_refused(api, recipient):
    largest = sent(api, recipient["id"], subject="s", body_text="本" * 87_000)  # 261,000 bytes: under 256 KiB
    assert largest["status"] == "sent"
    html = _linked_html(240, 1_000)  # ~250 KB of links, under 256 KiB: the stored link list doubles them
    reply = api.post("/v1/emails", {"contact_id": recipient["id"], "subject": "s", "body_text": "s", "body_html": html})
    assert_error(reply, 413)
    assert "too large to store" in reply.error["message"]
    assert [item["id"] for item in api.get("/v1/emails").body["items"]] == [largest["id"]]
    refused_new = api.post("/v1/emails", {"to_email": "new@example.jp", "subject": "s", "body_text": "s",
                                          "body_html": html})
    assert_error(refused_new, 413)
    assert api.post("/v1/contacts/lookup", {"field": "email", "values": ["new@example.jp"]}).body["found"] == []


def test_property_definitions_too_large_for_the_config_item_are_refused_with_413(api):
    def define(number: int):
        options = [f"{number}{index:03d}" + KANJI * 95 for index in range(200)]  # ~58 KB of options
        return api.post("/v1/properties", {"key": f"choice{number}", "label": "選択", "type": "select",
                                           "options": options})

    replies = [define(number) for number in range(8)]
    assert [reply.status for reply in replies[:6]] == [201] * 6
    refused = next(reply for reply in replies if reply.status != 201)
    assert_error(refused, 413)
    assert len(api.get("/v1/properties").body["items"]) == replies.index(refused)


def test_a_template_too_large_to_store_is_refused_with_413_and_the_largest_kept(api):
    largest = api.post("/v1/email-templates", {"name": "大", "subject": "s", "body_text": "x" * 200_000,
                                               "body_html": "<p>" + "x" * 199_993 + "</p>"})
    assert largest.status == 201, largest.body
    reply = api.post("/v1/email-templates", {"name": "漢字", "subject": "s", "body_text": KANJI * 200_000})
    assert_error(reply, 413)
    assert "template" in reply.error["message"]
    assert [template["id"] for template in api.get("/v1/email-templates").body["items"]] == [largest.body["id"]]


def test_a_thread_is_paged_oldest_first(api, recipient):
    first = sent(api, recipient["id"], subject="1")
    second = sent(api, recipient["id"], subject="2", in_reply_to=first["id"])
    third = sent(api, recipient["id"], subject="3", in_reply_to=second["id"])
    page = api.get(f"/v1/emails/{third['id']}/thread", query={"limit": "2"})
    assert page.status == 200, page.body
    assert [email["id"] for email in page.body["items"]] == [first["id"], second["id"]]
    rest = api.get(f"/v1/emails/{third['id']}/thread", query={"limit": "2", "cursor": page.body["next_cursor"]})
    assert [email["id"] for email in rest.body["items"]] == [third["id"]] and rest.body["next_cursor"] is None
    other = sent(api, recipient["id"], subject="other")
    assert_error(api.get(f"/v1/emails/{other['id']}/thread", query={"cursor": page.body["next_cursor"]}), 400)
    assert_error(api.get(f"/v1/emails/{third['id']}/thread", query={"limit": "0"}), 422, "limit")


def test_a_thread_of_large_emails_stops_pages_before_6_mb(api, recipient):
    previous = None
    ids = []
    for number in range(13):  # ~500 KB each in a response
        email = sent(api, recipient["id"], subject=str(number), body_text="本" * 85_000,
                     **({"in_reply_to": previous} if previous else {}))
        ids.append(email["id"])
        previous = email["id"]
    seen, page_cursor = [], None
    while True:
        page = _raw_call(api, "GET", f"/v1/emails/{ids[0]}/thread",
                         query={"limit": "200", **({"cursor": page_cursor} if page_cursor else {})})
        seen += [email["id"] for email in page["items"]]
        page_cursor = page["next_cursor"]
        if page_cursor is None:
            break
    assert seen == ids
    assert sorted(i for page in _all_pages(api, "/v1/emails") for i in page) == sorted(ids)  # the sent folder
