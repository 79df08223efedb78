"""GET /v1/contacts/{id}/history through the handlers: each change of a contact field (PATCH, a
bulk action, an import updating a duplicate) keeps its field, old and new value, time and
actor, newest first, of every field or of one (`properties.KEY` too); paging, the 422 of an
unknown field, a change too large for one transaction refused whole, owner visibility and
tenant isolation, and the history leaving with its contact (api-contract.md, "Mailbox sync,
email to a selection, history")."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3
from boto3.dynamodb.conditions import Key

from conftest import TABLE_NAME, Api, assert_error, create, enroll_member
from stack_support import imported, run_queued_jobs


def history(api: Api, contact_id: str, **query: Any) -> dict[str, Any]:
    reply = api.get(f"/v1/contacts/{contact_id}/history", query=query)
    assert reply.status == 200, reply.body
    return reply.body


def changes(api: Api, contact_id: str, **query: Any) -> list[tuple[str, Any, Any]]:
    return [(entry["field"], entry["old"], entry["new"]) for entry in history(api, contact_id, **query)["items"]]


def patch(api: Api, contact_id: str, body: dict[str, Any]) -> dict[str, Any]:
    reply = api.patch(f"/v1/contacts/{contact_id}", body)
    assert reply.status == 200, reply.body
    return reply.body


def define_property(api: Api, key: str) -> None:
    reply = api.post("/v1/properties", {"key": key, "label": key, "type": "text"})
    assert reply.status == 201, reply.body


def named_member(api: Api, role: str, name: str) -> Api:
    member = Api(api.tenant, role)
    enroll_member(api.tenant, member.user_id, role, name=name)
    member.enrolled = True
    return member


def stored_history(tenant: str, contact_id: str) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb").Table(TABLE_NAME)
    return table.query(KeyConditionExpression=Key("pk").eq(f"TENANT#{tenant}#CONTACT#{contact_id}")
                       & Key("sk").begins_with("HISTORY#"))["Items"]


def test_a_patch_keeps_each_field_changed_with_who_and_when_newest_first(api):
    editor = named_member(api, "manager", "佐藤 花子")
    define_property(api, "plan")
    contact = create(api, family_name="山田", email="yamada@example.jp")
    assert history(api, contact["id"]) == {"items": [], "next_cursor": None}  # creation is no change

    first = patch(editor, contact["id"], {"status": "called", "tags": ["展示会"], "properties": {"plan": "梅"}})
    second = patch(editor, contact["id"], {"status": "won", "memo": "受注", "email": None})
    patch(editor, contact["id"], {"status": "won"})  # changes nothing: keeps nothing

    page = history(api, contact["id"])
    assert [(entry["field"], entry["old"], entry["new"], entry["at"]) for entry in page["items"]] == [
        ("email", "yamada@example.jp", None, second["updated_at"]),
        ("status", "called", "won", second["updated_at"]),
        ("memo", None, "受注", second["updated_at"]),
        ("status", "new", "called", first["updated_at"]),
        ("tags", [], ["展示会"], first["updated_at"]),
        ("properties.plan", None, "梅", first["updated_at"]),
    ]
    assert {(entry["actor"], entry["actor_name"]) for entry in page["items"]} == {(editor.user_id, "佐藤 花子")}
    assert page["next_cursor"] is None


def test_field_shows_one_fields_changes_and_pages_with_a_cursor(api):
    define_property(api, "plan")
    contact = create(api, family_name="山田")
    for status in ("called", "visited", "won"):
        patch(api, contact["id"], {"status": status, "properties": {"plan": status}})

    assert changes(api, contact["id"], field="status") == [
        ("status", "visited", "won"), ("status", "called", "visited"), ("status", "new", "called")]
    assert changes(api, contact["id"], field="properties.plan") == [
        ("properties.plan", "visited", "won"), ("properties.plan", "called", "visited"),
        ("properties.plan", None, "called")]
    assert changes(api, contact["id"], field="memo") == []

    first = history(api, contact["id"], field="status", limit=2)
    assert [entry["new"] for entry in first["items"]] == ["won", "visited"] and first["next_cursor"]
    rest = history(api, contact["id"], field="status", limit=2, cursor=first["next_cursor"])
    assert [entry["new"] for entry in rest["items"]] == ["called"] and rest["next_cursor"] is None

    everything = history(api, contact["id"], limit=4)
    assert len(everything["items"]) == 4
    # a cursor of one field's history is no cursor of another's
    assert_error(api.get(f"/v1/contacts/{contact['id']}/history",
                         query={"field": "memo", "cursor": first["next_cursor"]}), 400)


def test_an_unknown_field_or_a_bad_limit_is_a_422(api):
    contact = create(api, family_name="山田")
    assert_error(api.get(f"/v1/contacts/{contact['id']}/history", query={"field": "score"}), 422, "field")
    assert_error(api.get(f"/v1/contacts/{contact['id']}/history",
                         query={"field": "properties.Not-A-Key"}), 422, "field")
    assert_error(api.get(f"/v1/contacts/{contact['id']}/history", query={"limit": "0"}), 422, "limit")


def test_a_change_of_more_fields_than_one_transaction_holds_is_refused_whole(api):
    """DynamoDB takes at most 100 actions in a transaction; the contact, its config check and one
    history entry per field changed must fit, so 99 properties at once are refused (422, nothing
    written) and 98 are kept, each with its history."""
    keys = [f"p{number:03d}" for number in range(99)]
    for key in keys:
        define_property(api, key)
    contact = create(api, family_name="山田")

    refused = api.patch(f"/v1/contacts/{contact['id']}", {"properties": {key: "値" for key in keys}})
    assert_error(refused, 422)
    assert "at most 98 fields" in refused.body["error"]["message"]
    assert api.get(f"/v1/contacts/{contact['id']}").body["properties"] == {}
    assert stored_history(api.tenant, contact["id"]) == []

    patch(api, contact["id"], {"properties": {key: "値" for key in keys[:98]}})
    page = history(api, contact["id"], limit=200)["items"]
    assert [entry["field"] for entry in page] == [f"properties.{key}" for key in keys[:98]]


def test_bulk_actions_and_imports_keep_history_with_their_actor(api):
    manager = named_member(api, "manager", "鈴木 一郎")
    known = create(api, family_name="山田", email="taro@example.jp")
    other = create(api, family_name="佐藤")

    reply = manager.post("/v1/contacts/bulk", {"selection": {"ids": [known["id"], other["id"]]},
                                               "action": "set_status", "params": {"status": "won"}})
    assert reply.status == 200, reply.body
    for contact in (known, other):
        [entry] = history(api, contact["id"])["items"]
        assert (entry["field"], entry["old"], entry["new"], entry["actor"], entry["actor_name"]) == (
            "status", "new", "won", manager.user_id, "鈴木 一郎")

    done = imported(api, "姓,メールアドレス,会社名\n山田,taro@example.jp,株式会社サンプル\n".encode(),
                    {"姓": "family_name", "メールアドレス": "email", "会社名": "company"})
    assert done["updated"] == 1, done
    latest = history(api, known["id"])["items"][0]
    assert (latest["field"], latest["old"], latest["new"], latest["actor"], latest["actor_name"]) == (
        "company", None, "株式会社サンプル", f"import:{done['id']}", None)


def test_a_hidden_contact_or_another_tenants_history_is_a_404_and_deleting_takes_it_away(api):
    rep = api.as_("user")
    theirs = create(api, family_name="山田")
    patch(api, theirs["id"], {"status": "won"})
    assert api.put("/v1/settings", {"owner_visibility_restricted": True}).status == 200
    own = create(rep, family_name="担当")
    patch(rep, own["id"], {"status": "called"})

    assert_error(rep.get(f"/v1/contacts/{theirs['id']}/history"), 404)
    assert_error(rep.get(f"/v1/contacts/{theirs['id']}/history", query={"field": "status"}), 404)
    assert changes(rep, own["id"]) == [("status", "new", "called")]
    stranger = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    assert_error(stranger.get(f"/v1/contacts/{theirs['id']}/history"), 404)
    assert_error(stranger.get(f"/v1/contacts/{theirs['id']}/history", query={"field": "status"}), 404)

    assert api.delete(f"/v1/contacts/{theirs['id']}").status == 204
    run_queued_jobs()
    assert stored_history(api.tenant, theirs["id"]) == []


def test_an_import_row_changing_more_fields_than_fit_fails_alone(api):
    """An import's update of a duplicate is one contact write: a row changing more fields than its
    transaction holds fails with the reason, changing nothing, and the other rows go on."""
    keys = [f"p{number:03d}" for number in range(99)]
    for key in keys:
        define_property(api, key)
    crowded = create(api, family_name="山田", email="taro@example.jp")
    plain = create(api, family_name="佐藤", email="jiro@example.jp")
    header = ",".join(["メールアドレス", "会社名", *keys])
    rows = ["taro@example.jp,甲社," + ",".join("値" for _ in keys),
            "jiro@example.jp,乙社," + ",".join("" for _ in keys)]
    mapping = {"メールアドレス": "email", "会社名": "company", **{key: f"properties.{key}" for key in keys}}

    done = imported(api, "\n".join([header, *rows, ""]).encode(), mapping)
    assert (done["updated"], done["failed"]) == (1, 1), done
    [error] = done["errors"]
    # besides the history: the contact, the config check, its email key's copy and its company view entry
    assert error["row"] == 2 and "change at most 96 fields" in error["message"], error
    assert api.get(f"/v1/contacts/{crowded['id']}").body.get("company") is None
    assert stored_history(api.tenant, crowded["id"]) == []
    assert changes(api, plain["id"]) == [("company", None, "乙社")]


def test_a_history_of_large_changes_pages_within_lambdas_6_mb_and_the_cursor_goes_on(api):
    """Lambda answers at most 6 MB (https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html)
    and a Query reads at most 1 MB: 120 changes of a 10,000-kanji memo (about 60 KB an entry, old
    and new) come in short pages, each followed by a cursor, every change once, newest first."""
    contact = create(api, family_name="山田")
    for number in range(120):
        patch(api, contact["id"], {"memo": f"{number:03d}" + "漢" * 9_997})
    pages, cursor = [], None
    while True:
        page = history(api, contact["id"], limit=200, **({"cursor": cursor} if cursor else {}))
        assert len(json.dumps(page, ensure_ascii=False).encode()) < 6 * 1024 * 1024
        pages.append(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(pages) > 1 and all(pages[:-1])
    assert [entry["new"][:3] for page in pages for entry in page] == [f"{number:03d}" for number in range(119, -1, -1)]
