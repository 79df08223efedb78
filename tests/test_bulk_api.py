"""POST /v1/contacts/bulk and GET /v1/jobs through the handlers: every action on up to 100 ids
at once, larger selections as jobs run by the worker from the (emulated) SQS queue, a worker
that stops mid-way resuming without doing anything twice, owner visibility and the role
matrix on every contact, and another tenant's ids untouched."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from conftest import Api, assert_error, create, enroll_member
from stack_support import run_queued_jobs
from stack_support import seeded as many


def bulk(api: Api, selection: dict[str, Any], action: str, params: dict[str, Any] | None = None) -> Any:
    body = {"selection": selection, "action": action, **({"params": params} if params is not None else {})}
    return api.post("/v1/contacts/bulk", body)


def results(reply: Any) -> dict[str, str]:
    assert reply.status == 200, reply.body
    return {item["id"]: item["status"] for item in reply.body["results"]}


def contact(api: Api, contact_id: str) -> dict[str, Any]:
    reply = api.get(f"/v1/contacts/{contact_id}")
    assert reply.status == 200, reply.body
    return reply.body


def timeline_types(api: Api, contact_id: str) -> list[str]:
    return [item["type"] for item in api.get(f"/v1/contacts/{contact_id}/timeline").body["items"]]


def tag_counts(api: Api) -> dict[str, int]:
    return {tag["name"]: tag["contact_count"] for tag in api.get("/v1/tags").body["items"]}




# --- up to 100 ids: answered at once ------------------------------------------------------------


@pytest.fixture
def three(api) -> list[str]:
    return [create(api, family_name=name, email=f"{index}@example.jp", tags=["既存"])["id"]
            for index, name in enumerate(("山田", "佐藤", "鈴木"))]


def test_add_and_remove_tags_count_and_land_on_the_timeline(api, three):
    assert set(results(bulk(api, {"ids": three}, "add_tags", {"tags": ["VIP", "展示会2026"]})).values()) == {"ok"}
    assert contact(api, three[0])["tags"] == ["既存", "VIP", "展示会2026"]
    assert tag_counts(api) == {"既存": 3, "VIP": 3, "展示会2026": 3}
    assert timeline_types(api, three[1]).count("tag_added") == 2

    again = results(bulk(api, {"ids": three}, "add_tags", {"tags": ["VIP"]}))  # already there: nothing twice
    assert set(again.values()) == {"ok"} and timeline_types(api, three[1]).count("tag_added") == 2

    assert set(results(bulk(api, {"ids": three[:2]}, "remove_tags", {"tags": ["既存", "VIP"]})).values()) == {"ok"}
    assert contact(api, three[0])["tags"] == ["展示会2026"]
    assert tag_counts(api) == {"既存": 1, "VIP": 1, "展示会2026": 3}


@pytest.mark.parametrize("action, params, field, value", [
    ("star", None, "starred", True),
    ("set_status", {"status": "won"}, "status", "won"),
    ("opt_out", None, "marketing_opt_out", True),
    ("set_owner", {"owner_id": "rep-2"}, "owner_id", "rep-2"),
    ("set_owner", {"owner_id": None}, "owner_id", None),
])
def test_each_field_action(api, three, action, params, field, value):
    if (params or {}).get("owner_id"):
        enroll_member(api.tenant, params["owner_id"])  # an owner must be a member
    assert set(results(bulk(api, {"ids": three}, action, params)).values()) == {"ok"}
    assert {contact(api, contact_id)[field] for contact_id in three} == {value}


def test_unstar_and_status_change_on_the_timeline(api, three):
    bulk(api, {"ids": three}, "star")
    results(bulk(api, {"ids": three[:1]}, "unstar"))
    results(bulk(api, {"ids": three[:1]}, "set_status", {"status": "replied"}))
    assert [contact(api, contact_id)["starred"] for contact_id in three] == [False, True, True]
    assert "status_changed" in timeline_types(api, three[0])


def test_delete_removes_contacts_their_timelines_and_counts(api, three):
    bulk(api, {"ids": three}, "add_tags", {"tags": ["消す"]})
    assert set(results(bulk(api, {"ids": three[:2]}, "delete")).values()) == {"ok"}
    assert_error(api.get(f"/v1/contacts/{three[0]}"), 404)
    assert api.get(f"/v1/contacts/{three[0]}/timeline").status == 404
    assert tag_counts(api) == {"既存": 1, "消す": 1}
    assert api.post("/v1/contacts/lookup", {"field": "email", "values": ["0@example.jp"]}).body["found"] == []


def test_a_user_may_not_delete_and_sees_only_their_contacts(api):
    rep = api.as_("user")
    mine = create(rep, family_name="自分")["id"]
    theirs = create(api, family_name="他人")["id"]
    assert api.put("/v1/settings", {"owner_visibility_restricted": True}).status == 200

    assert results(bulk(rep, {"ids": [mine, theirs]}, "delete")) == {mine: "forbidden", theirs: "not_found"}
    assert results(bulk(rep, {"ids": [mine, theirs]}, "star")) == {mine: "ok", theirs: "not_found"}
    assert contact(api, theirs)["starred"] is False
    assert results(bulk(api.as_("manager"), {"ids": [mine, theirs]}, "delete")) == {mine: "ok", theirs: "ok"}


def test_another_tenants_ids_and_unknown_ids_are_not_found_and_untouched(api, three):
    other = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    theirs = create(other, family_name="他社")["id"]

    answer = results(bulk(api, {"ids": [three[0], theirs, "01JAAAAAAAAAAAAAAAAAAAAAAA", "no#such"]}, "delete"))

    assert answer == {three[0]: "ok", theirs: "not_found", "01JAAAAAAAAAAAAAAAAAAAAAAA": "not_found",
                      "no#such": "not_found"}
    assert contact(other, theirs)["family_name"] == "他社"


def test_a_41st_tag_is_refused_for_that_contact_only(api):
    full = create(api, family_name="満杯", tags=[f"t{index}" for index in range(40)])["id"]
    room = create(api, family_name="余裕")["id"]
    reply = bulk(api, {"ids": [full, room]}, "add_tags", {"tags": ["new"]})
    assert results(reply) == {full: "forbidden", room: "ok"}
    assert "40" in next(item["error"] for item in reply.body["results"] if item["id"] == full)


@pytest.mark.parametrize("body, field", [
    ({"selection": {"ids": []}, "action": "star"}, "selection.ids"),
    ({"selection": {"ids": ["a"], "filter": {}}, "action": "star"}, "selection"),
    ({"selection": {"all": True}, "action": "star"}, "selection"),
    ({"selection": {"ids": ["a"]}, "action": "merge"}, "action"),
    ({"selection": {"ids": ["a"]}, "action": "add_tags"}, "params.tags"),
    ({"selection": {"ids": ["a"]}, "action": "add_tags", "params": {"tags": ["a/b"]}}, "params.tags[0]"),
    ({"selection": {"ids": ["a"]}, "action": "set_status", "params": {"status": "maybe"}}, "params.status"),
    ({"selection": {"ids": ["a"]}, "action": "set_owner", "params": {}}, "params.owner_id"),
    ({"selection": {"ids": ["a"]}, "action": "star", "params": {"tags": ["x"]}}, "params.tags"),
    ({"selection": {"filter": {"field": "colour", "op": "eq", "value": "red"}}, "action": "star"},
     "selection.filter.field"),
])
def test_a_bad_bulk_request_is_a_422_and_changes_nothing(api, three, body, field):
    assert_error(api.post("/v1/contacts/bulk", body), 422, field)
    assert api.get("/v1/jobs").body["items"] == []
    assert {contact(api, contact_id)["starred"] for contact_id in three} == {False}


def test_an_unknown_segment_is_a_404(api):
    assert_error(bulk(api, {"segment_id": "01JAAAAAAAAAAAAAAAAAAAAAAA"}, "star"), 404)


# --- larger selections: jobs ------------------------------------------------------------------


def test_a_filter_selection_is_a_job_the_worker_runs(api):
    ids = many(api, 250, status="new")
    create(api, family_name="対象外", status="won")

    reply = bulk(api, {"filter": {"field": "status", "op": "eq", "value": "new"}}, "add_tags", {"tags": ["一括"]})

    assert reply.status == 202, reply.body
    job = reply.body
    assert (job["status"], job["type"], job["progress"]) == ("queued", "bulk_action", 0.0)
    assert run_queued_jobs() >= 1
    done = api.get(f"/v1/jobs/{job['id']}").body
    assert (done["status"], done["total"], done["processed"], done["progress"]) == ("succeeded", 250, 250, 1.0)
    assert done["counts"] == {"ok": 250, "not_found": 0, "forbidden": 0}
    assert tag_counts(api)["一括"] == 250
    assert "一括" in contact(api, ids[123])["tags"] and timeline_types(api, ids[123]) == ["tag_added"]
    assert [item["id"] for item in api.get("/v1/jobs").body["items"]] == [job["id"]]


def test_a_segment_selection_and_more_than_100_ids(api):
    ids = many(api, 120)
    segment = api.post("/v1/segments", {"name": "全員", "filter": {"field": "email", "op": "prefix",
                                                                  "value": "bulk1"}}).body
    by_ids = bulk(api, {"ids": ids}, "star")
    by_segment = bulk(api, {"segment_id": segment["id"]}, "set_status", {"status": "visited"})
    assert by_ids.status == by_segment.status == 202
    run_queued_jobs()
    assert api.get(f"/v1/jobs/{by_ids.body['id']}").body["counts"]["ok"] == 120
    segment_job = api.get(f"/v1/jobs/{by_segment.body['id']}").body
    assert segment_job["status"] == "succeeded" and segment_job["total"] == 1 + 10 + 20  # bulk1, bulk10-19, bulk100-119
    assert contact(api, ids[1])["status"] == "visited" and contact(api, ids[2])["status"] == "new"


def test_a_job_keeps_to_what_the_requester_may_see(api):
    rep = api.as_("user")
    mine = [create(rep, family_name=f"自分{index}")["id"] for index in range(3)]
    theirs = create(api, family_name="他人")["id"]
    assert api.put("/v1/settings", {"owner_visibility_restricted": True}).status == 200

    job = bulk(rep, {"filter": {"field": "family_name", "op": "exists"}}, "delete").body
    run_queued_jobs()

    done = api.get(f"/v1/jobs/{job['id']}").body
    assert done["total"] == 3 and done["counts"]["forbidden"] == 3
    assert all(api.get(f"/v1/contacts/{contact_id}").status == 200 for contact_id in [*mine, theirs])


def test_a_worker_that_stops_midway_resumes_without_doing_anything_twice(api, monkeypatch):
    from shared.services import bulk as service

    ids = many(api, 200)
    job = bulk(api, {"ids": ids}, "add_tags", {"tags": ["再開"]}).body
    tenant, job_id = api.tenant, job["id"]
    real_write, slices = service._write, []

    def crash_after_three(*args, **kwargs):
        if len(slices) == 3:
            raise RuntimeError("the Lambda died here")
        slices.append(1)
        return real_write(*args, **kwargs)

    monkeypatch.setattr(service, "_write", crash_after_three)
    with pytest.raises(RuntimeError):
        service.run(tenant, job_id, lambda: 900.0)
    halfway = api.get(f"/v1/jobs/{job_id}").body
    assert halfway["status"] == "running" and 0 < halfway["processed"] < 200
    monkeypatch.setattr(service, "_write", real_write)

    assert service.run(tenant, job_id, lambda: 900.0) is True
    assert service.run(tenant, job_id, lambda: 900.0) is True  # the message delivered once more: nothing to do

    done = api.get(f"/v1/jobs/{job_id}").body
    assert (done["status"], done["processed"], done["counts"]["ok"]) == ("succeeded", 200, 200)
    assert tag_counts(api)["再開"] == 200
    assert all(timeline_types(api, contact_id) == ["tag_added"] for contact_id in ids[::17])


def test_a_job_short_of_time_queues_itself_again(api):
    from shared.services import bulk as service

    ids = many(api, 150)
    job = bulk(api, {"ids": ids}, "star").body
    assert service.run(api.tenant, job["id"], lambda: 10.0) is False  # under a minute left: hand over
    assert api.get(f"/v1/jobs/{job['id']}").body["processed"] == 0
    run_queued_jobs()
    assert api.get(f"/v1/jobs/{job['id']}").body["status"] == "succeeded"


def test_jobs_of_another_tenant_are_not_listed_or_found(api):
    ids = many(api, 101)
    job = bulk(api, {"ids": ids}, "star").body
    other = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    assert other.get("/v1/jobs").body["items"] == []
    assert_error(other.get(f"/v1/jobs/{job['id']}"), 404)
    run_queued_jobs()


def test_a_delete_job_that_dies_before_tidying_tidies_when_it_resumes(api, monkeypatch):
    from mail_support import table
    from shared.db import contacts as store
    from shared.services import bulk as service

    ids = many(api, 130, tags=["消す"])
    for contact_id in ids[:3]:
        assert api.post(f"/v1/contacts/{contact_id}/activities", {"type": "memo", "subject": "記録"}).status == 201
    job = bulk(api, {"ids": ids}, "delete").body
    real_tidy, calls = store.delete_rest_of_partition, []

    def die_on_the_second(tenant, contact_id):
        calls.append(contact_id)
        if len(calls) == 2:
            raise RuntimeError("the Lambda died here")
        return real_tidy(tenant, contact_id)

    monkeypatch.setattr(store, "delete_rest_of_partition", die_on_the_second)
    with pytest.raises(RuntimeError):
        service.run(api.tenant, job["id"], lambda: 900.0)
    monkeypatch.setattr(store, "delete_rest_of_partition", real_tidy)
    assert service.run(api.tenant, job["id"], lambda: 900.0) is True

    done = api.get(f"/v1/jobs/{job['id']}").body
    assert (done["status"], done["counts"]["ok"]) == ("succeeded", 130)
    left = [item for contact_id in ids[:3] for item in table().query(
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": f"TENANT#{api.tenant}#CONTACT#{contact_id}"},
        ConsistentRead=True)["Items"]]
    assert left == []
    assert "消す" not in tag_counts(api) or tag_counts(api)["消す"] == 0


def _sqs_event(tenant: str, job_id: str, receive_count: int) -> dict[str, Any]:
    import json

    return {"Records": [{"messageId": "m-1", "receiptHandle": "r-1", "md5OfBody": "x",
                         "body": json.dumps({"tenant": tenant, "job_id": job_id}),
                         "attributes": {"ApproximateReceiveCount": str(receive_count)}, "messageAttributes": {},
                         "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:ap-northeast-1:123456789012:bulk",
                         "awsRegion": "ap-northeast-1"}]}


def test_a_job_that_keeps_failing_is_retried_then_marked_failed(api, monkeypatch):
    from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

    from infra.local.server import invoke_function
    from shared.services import bulk as service

    job = bulk(api, {"ids": many(api, 101)}, "star").body

    def broken(*args, **kwargs):
        raise RuntimeError("DynamoDB is down")

    monkeypatch.setattr(service, "run", broken)
    with pytest.raises(BatchProcessingError):  # the batch failed: SQS delivers the message again
        invoke_function("BulkWorkerFunction", _sqs_event(api.tenant, job["id"], 1))
    assert api.get(f"/v1/jobs/{job['id']}").body["status"] == "queued"

    last = invoke_function("BulkWorkerFunction", _sqs_event(api.tenant, job["id"], 5))
    assert last == {"batchItemFailures": []}
    failed = api.get(f"/v1/jobs/{job['id']}").body
    assert failed["status"] == "failed" and "retry" in failed["error"]
