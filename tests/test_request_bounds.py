"""Request paths whose work used to grow with the data, now bounded so that none can run past API
Gateway's 30 s integration timeout
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html). Each test
builds data big enough that the old code's DynamoDB requests (or items read) per HTTP request
exceed a fixed budget, counted machine-independently with a botocore hook as bench/ counts them,
and checks the work that moved to the bulk worker gets done."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest

from conftest import Api, assert_error, create
from stack_support import run_queued_jobs, seeded


@pytest.fixture(scope="module")
def counter() -> Iterator[Any]:
    from bench.counting import DynamoCounter
    from shared.db.models import table_connection

    counting = DynamoCounter(table_connection().connection.client)
    yield counting
    counting.close()


def tag_path(name: str) -> str:
    return "/v1/tags/" + quote(name, safe="")


def tags(api: Api) -> dict[str, int]:
    return {tag["name"]: tag["contact_count"] for tag in api.get("/v1/tags").body["items"]}


def timeline_types(api: Api, contact_id: str) -> list[str]:
    return [item["type"] for item in api.get(f"/v1/contacts/{contact_id}/timeline").body["items"]]


def with_history(api: Api, contact_ids: list[str], entries: int) -> None:
    """`entries` memos on each contact's timeline, written straight to the table."""
    from shared.db.activity_items import activity_model
    from shared.db.models import TableItem
    from shared.domain.activities import new_activity
    from shared.domain.ids import new_id

    start = datetime.now(UTC) - timedelta(days=400)
    with TableItem.batch_write() as batch:
        for contact_id in contact_ids:
            for number in range(entries):
                at = (start + timedelta(minutes=number)).strftime("%Y-%m-%dT%H:%M:%SZ")
                entry = new_activity(new_id(), "memo", at, ("user", api.user_id), f"memo {number}", {"body": "x" * 200})
                batch.save(activity_model(api.tenant, contact_id, entry))


def partition_items(api: Api, contact_id: str) -> int:
    from mail_support import table

    return len(table().query(KeyConditionExpression="pk = :pk", ConsistentRead=True,
                             ExpressionAttributeValues={":pk": f"TENANT#{api.tenant}#CONTACT#{contact_id}"})["Items"])


# --- DELETE /v1/tags/{name} ------------------------------------------------------------------


def test_deleting_a_tag_on_many_contacts_answers_at_once_and_a_job_removes_it(api, counter):
    ids = seeded(api, 300, tags=["大量", "残す"])

    with counter.measure() as reads:
        reply = api.delete(tag_path("大量"))

    assert reply.status == 202, reply.body
    assert reads.total_requests <= 6, reads.requests  # the old code: a read and a write per contact
    job = reply.body
    assert (job["type"], job["action"], job["status"]) == ("bulk_action", "remove_tags", "queued")
    assert tags(api) == {"残す": 300}  # gone from the list at once
    assert api.delete(tag_path("大量")).body["id"] == job["id"]  # asked again: the same job
    assert_error(api.post("/v1/tags", {"name": "大量"}), 409, "name")

    run_queued_jobs()

    done = api.get(f"/v1/jobs/{job['id']}").body
    assert (done["status"], done["total"], done["counts"]["ok"]) == ("succeeded", 300, 300)
    assert api.get(f"/v1/contacts/{ids[7]}").body["tags"] == ["残す"]
    assert timeline_types(api, ids[7]) == ["tag_removed"]
    assert api.get("/v1/contacts", query={"tag": "大量"}).body["items"] == []
    assert_error(api.delete(tag_path("大量")), 404)
    assert api.post("/v1/tags", {"name": "大量"}).status == 201  # the tag item is gone: a new one


def test_deleting_a_tag_on_up_to_100_contacts_is_done_before_answering_in_few_requests(api, counter):
    ids = seeded(api, 100, tags=["少数"])

    with counter.measure() as reads:
        reply = api.delete(tag_path("少数"))

    assert reply.status == 204, reply.body
    assert reads.total_requests <= 12, reads.requests  # the old code: 200 and more
    assert tags(api) == {}
    assert api.get(f"/v1/contacts/{ids[99]}").body["tags"] == []
    assert timeline_types(api, ids[99]) == ["tag_removed"]


def test_a_tag_deletion_resumes_after_a_crash_and_keeps_contacts_tagged_meanwhile(api, monkeypatch):
    from shared.services import bulk as service

    ids = seeded(api, 150, tags=["再開"])
    job = api.delete(tag_path("再開")).body
    real_write, slices = service._write, []

    def crash_after_two(*args, **kwargs):
        if len(slices) == 2:
            raise RuntimeError("the Lambda died here")
        slices.append(1)
        return real_write(*args, **kwargs)

    monkeypatch.setattr(service, "_write", crash_after_two)
    with pytest.raises(RuntimeError):
        service.run(api.tenant, job["id"], lambda: 900.0)
    monkeypatch.setattr(service, "_write", real_write)
    later = create(api, family_name="後から", tags=["再開"])  # tagged after the job fixed its targets
    assert "再開" not in tags(api)

    assert service.run(api.tenant, job["id"], lambda: 900.0) is True

    assert api.get(f"/v1/jobs/{job['id']}").body["counts"]["ok"] == 150
    assert all(api.get(f"/v1/contacts/{contact_id}").body["tags"] == [] for contact_id in ids[::15])
    assert api.get(f"/v1/contacts/{later['id']}").body["tags"] == ["再開"]
    assert tags(api) == {"再開": 1}  # shown again, with the one contact that has it now


def test_a_failed_tag_deletion_shows_the_tag_again(api):
    from shared.services import bulk as service

    seeded(api, 120, tags=["失敗"])
    job = api.delete(tag_path("失敗")).body
    service.fail(api.tenant, job["id"], "The job failed repeatedly; retry it, or contact support.")
    assert api.get(f"/v1/jobs/{job['id']}").body["status"] == "failed"
    assert tags(api) == {"失敗": 120}
    assert api.delete(tag_path("失敗")).status == 202  # and it can be deleted again


# --- deleting contacts with long timelines ---------------------------------------------------


def test_deleting_a_contact_with_a_long_timeline_leaves_the_rest_to_the_worker(api, counter):
    contact = create(api, family_name="長い", email="long@example.jp")
    with_history(api, [contact["id"]], 2_000)

    with counter.measure() as reads:
        reply = api.delete(f"/v1/contacts/{contact['id']}")

    assert reply.status == 204, reply.body
    assert reads.total_requests <= 14 + 1, reads.requests  # + the member check; the old code: 80 batches of 25 and more
    assert_error(api.get(f"/v1/contacts/{contact['id']}/timeline"), 404)
    assert api.post("/v1/contacts/lookup", {"field": "email", "values": ["long@example.jp"]}).body["found"] == []
    assert partition_items(api, contact["id"]) > 0
    run_queued_jobs()
    assert partition_items(api, contact["id"]) == 0


def test_a_synchronous_bulk_delete_of_contacts_with_long_timelines_is_bounded(api, counter):
    ids = seeded(api, 100, tags=["消す"])
    with_history(api, ids, 40)

    with counter.measure() as reads:
        reply = api.post("/v1/contacts/bulk", {"selection": {"ids": ids}, "action": "delete"})

    assert reply.status == 200, reply.body
    assert {item["status"] for item in reply.body["results"]} == {"ok"}
    assert reads.total_requests <= 30, reads.requests  # the old code: a Query and 2 batches per contact
    assert_error(api.get(f"/v1/contacts/{ids[50]}"), 404)
    assert tags(api).get("消す", 0) == 0
    run_queued_jobs()
    assert [partition_items(api, contact_id) for contact_id in ids] == [0] * 100


def test_the_worker_tidies_in_turns_when_time_runs_short(api):
    from shared.db import contacts as store
    from shared.services import contacts as service

    ids = [create(api, family_name=f"短{index}")["id"] for index in range(2)]
    with_history(api, ids, 30)
    for contact_id in ids:
        store.delete(api.tenant, *store.versions(api.tenant, [contact_id])[contact_id])
    clock = iter([900.0, 10.0])
    assert service.run_tidy(api.tenant, ids, lambda: next(clock)) is False  # one page, then out of time
    assert partition_items(api, ids[0]) == 0 and partition_items(api, ids[1]) == 30
    assert service.run_tidy(api.tenant, ids, lambda: 900.0) is True
    assert partition_items(api, ids[1]) == 0


# --- POST /v1/contacts/lookup by phone --------------------------------------------------------


def test_a_10000_phone_lookup_reads_the_phone_index_once_not_a_query_per_number(api, counter):
    known = [create(api, family_name=f"電話{index}", phone=f"03-5555-{index:04d}")["id"] for index in range(30)]
    values = [f"03-5555-{index:04d}" for index in range(10_000)]

    with counter.measure() as reads:
        reply = api.post("/v1/contacts/lookup", {"field": "phone", "values": values})

    assert reply.status == 200, reply.body
    assert reads.requests["Query"] <= 10, reads.requests  # the old code: 10,000 Queries
    assert sorted(contact["id"] for contact in reply.body["found"]) == sorted(known)
    assert len(reply.body["missing"]) == 10_000 - 30


def test_a_phone_lookup_more_than_its_query_budget_is_a_413_before_any_query(api, counter):
    from shared.db.models import UsageItem
    from shared.keys import USAGE_SK, tenant_pk

    create(api, family_name="電話", phone="03-5555-0000")
    UsageItem(tenant_pk(api.tenant), USAGE_SK).update([UsageItem.contacts.set(50_000_000)])  # as a huge tenant

    with counter.measure() as reads:
        reply = api.post("/v1/contacts/lookup", {"field": "phone", "values": [f"03-{n:08d}" for n in range(2_000)]})

    assert_error(reply, 413)
    assert reads.requests["Query"] == 0
    few = api.post("/v1/contacts/lookup", {"field": "phone", "values": ["03-5555-0000", "03-0000-0000"]})
    assert few.status == 200 and few.body["missing"] == ["03-0000-0000"]


@pytest.mark.parametrize("numbers, contacts, expected", [
    (5, 5_000_000, (False, 5)),  # a few numbers: a Query each, however large the tenant
    (10_000, 20_000, (True, 15)),  # many numbers of a small tenant: the whole index, 10 ranges + 5 pages
    (10_000, 3_960_000, (True, 1_000)),  # the largest tenant a 10,000-number lookup fits
    (2_000, 50_000_000, (False, 2_000)),  # over MAX_PHONE_QUERIES either way: refused
])
def test_phone_lookup_reads_the_fewer_queries(numbers, contacts, expected):
    from shared.domain.contacts import phone_lookup_reads

    assert phone_lookup_reads(numbers, contacts) == expected


# --- GET /v1/contacts?q= with many hits -------------------------------------------------------


def test_a_quick_search_with_thousands_of_hits_reads_a_bounded_page_and_goes_on_by_cursor(api, counter):
    seeded(api, 2_000, given_name="Abe")  # 一括0000…: the prefix 一 finds every one of them
    budget = 2 * 50 + 50  # contacts a page of 50 may read, whatever the number of matches

    cursor, found = None, []
    for _ in range(3):
        with counter.measure() as reads:
            reply = api.get("/v1/contacts", query={"q": "一", **({"cursor": cursor} if cursor else {})})
        assert reply.status == 200, reply.body
        assert reply.body["total"] == 2_000  # counted from the search indexes' keys
        assert reads.items_read <= budget, reads.items_read  # the old code: every hit, 2 × 2,000 + 2,000
        found += [item["id"] for item in reply.body["items"]]
        cursor = reply.body["next_cursor"]
    assert len(found) == len(set(found)) == 150 and cursor is not None


def test_a_quick_search_with_many_hits_finds_each_once_in_order_and_filtered(api):
    hits = seeded(api, 520, given_name="Abe")
    others = {create(api, family_name="別人", given_name="次郎")["id"] for _ in range(2)}
    chosen = seeded(api, 1, given_name="Abe", status="won")  # 一括0000 again, now won

    found, names, cursor = [], [], None
    while True:
        page = api.get("/v1/contacts", query={"q": "一括", "sort": "name", "order": "desc", "limit": "200",
                                              **({"cursor": cursor} if cursor else {})}).body
        found += [item["id"] for item in page["items"]]
        names += [item["family_name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(found) == len(set(found)) and set(found) == {*hits, *chosen} and not others & set(found)
    assert names == sorted(names, reverse=True)
    won = api.get("/v1/contacts", query={"q": "一括", "status": "won"}).body
    assert [item["id"] for item in won["items"]] == chosen


# --- DELETE /v1/companies/{id} with many contacts ---------------------------------------------


def test_deleting_a_company_of_many_contacts_unlinks_a_bounded_share_and_the_worker_the_rest(api, counter):
    company = api.post("/v1/companies", {"name": "大所帯株式会社"}).body
    ids = seeded(api, 400, company_id=company["id"], company="大所帯株式会社")
    assert api.get(f"/v1/companies/{company['id']}").body["contact_count"] == 400

    with counter.measure() as reads:
        reply = api.delete(f"/v1/companies/{company['id']}")

    assert reply.status == 204, reply.body
    assert reads.total_requests <= 4 + 4 * 10, reads.requests  # the old code: 4 per 24 contacts, all 400
    assert_error(api.get(f"/v1/companies/{company['id']}"), 404)
    run_queued_jobs()
    unlinked = [api.get(f"/v1/contacts/{contact_id}").body for contact_id in ids[::40]]
    assert {(contact["company_id"], contact["company"]) for contact in unlinked} == {(None, "大所帯株式会社")}
    assert api.get(f"/v1/companies/{company['id']}/contacts").status == 404
