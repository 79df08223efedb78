"""Issue 22, part 6: member groups (Connected One's 会員グループ) through the handlers, as API Gateway
calls them.
- A group: its name (shown to its members), the redirect URL after joining, whether web forms may
  add to it; validation (a 422 naming each field, nothing written), 404 for unknown ids and for
  another tenant's groups; any role reads, manager and up change.
- Membership through the API (POST/DELETE /v1/member-groups/{id}/members): the contact's read-only
  `groups` field, `group_joined` / `group_left` on its timeline, the group's `contact_count`, the
  members paged (each contact once, those hidden by owner visibility left out).
- Bulk `add_to_group` / `remove_from_group`, a deleted contact leaving its groups, a group's deletion
  taking it off its contacts (at once, or by the bulk worker past 100).
- An import's `groups` column (names or ids) and a web form's `member_group_id` (only for a group
  with `web_form_joinable`; the answer carries its `redirect_url`)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from conftest import Api, assert_error, contact_of, create
from mail_support import outbox_listening  # noqa: F401 - a fixture
from stack_support import imported, run_queued_jobs, seeded
from test_web_collection import SITE, post_collect

MISSING = "01JZZZZZZZZZZZZZZZZZZZZZZZ"


def add_group(api: Api, **fields: Any) -> dict[str, Any]:
    reply = api.post("/v1/member-groups", {"name": "プレミアム会員", **fields})
    assert reply.status == 201, reply.body
    return reply.body


def group_of(api: Api, group_id: str) -> dict[str, Any]:
    reply = api.get(f"/v1/member-groups/{group_id}")
    assert reply.status == 200, reply.body
    return reply.body


def join(api: Api, group_id: str, *contact_ids: str) -> dict[str, str]:
    reply = api.post(f"/v1/member-groups/{group_id}/members", {"contact_ids": list(contact_ids)})
    assert reply.status == 200, reply.body
    return {item["id"]: item["status"] for item in reply.body["results"]}


def member_ids(api: Api, group_id: str, limit: int = 50) -> list[str]:
    """Every member, page after page."""
    ids, cursor = [], None
    while True:
        reply = api.get(f"/v1/member-groups/{group_id}/members",
                        query={"limit": limit, **({"cursor": cursor} if cursor else {})})
        assert reply.status == 200, reply.body
        ids += [item["id"] for item in reply.body["items"]]
        cursor = reply.body["next_cursor"]
        if cursor is None:
            return ids


def timeline(api: Api, contact_id: str) -> list[dict[str, Any]]:
    return api.get(f"/v1/contacts/{contact_id}/timeline").body["items"]


# --- the group ------------------------------------------------------------------------------------


def test_a_group_is_created_with_its_name_and_redirect_url_and_read_back(api):
    group = add_group(api, name="  オンラインサロン  ", redirect_url="example.jp/welcome", web_form_joinable=True)
    assert group["name"] == "オンラインサロン"
    assert group["redirect_url"] == "https://example.jp/welcome"
    assert group["web_form_joinable"] is True
    assert group["contact_count"] == 0
    assert group["created_by"] == api.user_id
    assert group_of(api, group["id"]) == group
    assert [item["id"] for item in api.get("/v1/member-groups").body["items"]] == [group["id"]]


def test_bad_group_fields_are_422_naming_each_and_nothing_is_written(api):
    reply = api.post("/v1/member-groups", {"name": "", "redirect_url": "ftp://example.jp", "web_form_joinable": "yes",
                                           "colour": "red"})
    assert_error(reply, 422, "name", "redirect_url", "web_form_joinable", "colour")
    assert api.get("/v1/member-groups").body["items"] == []


def test_a_patch_changes_only_the_fields_given(api):
    group = add_group(api, redirect_url="https://example.jp/welcome")
    reply = api.patch(f"/v1/member-groups/{group['id']}", {"name": "ゴールド会員"})
    assert reply.status == 200, reply.body
    assert reply.body["name"] == "ゴールド会員" and reply.body["redirect_url"] == "https://example.jp/welcome"
    cleared = api.patch(f"/v1/member-groups/{group['id']}", {"redirect_url": None}).body
    assert cleared["redirect_url"] is None and cleared["name"] == "ゴールド会員"
    assert_error(api.patch(f"/v1/member-groups/{group['id']}", {"name": None}), 422, "name")
    assert group_of(api, group["id"])["name"] == "ゴールド会員"


def test_unknown_and_other_tenants_groups_are_404(api):
    group = add_group(api)
    stranger = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    for reply in (stranger.get(f"/v1/member-groups/{group['id']}"),
                  stranger.patch(f"/v1/member-groups/{group['id']}", {"name": "x"}),
                  stranger.delete(f"/v1/member-groups/{group['id']}"),
                  stranger.get(f"/v1/member-groups/{group['id']}/members"),
                  api.get(f"/v1/member-groups/{MISSING}"), api.get("/v1/member-groups/a%23b")):
        assert_error(reply, 404)
    assert group_of(api, group["id"])["name"] == "プレミアム会員"


@pytest.mark.parametrize("role", ["manager", "admin", "owner"])
def test_manager_and_up_manage_groups(api, role):
    member = api.as_(role)
    group = add_group(member)
    assert member.patch(f"/v1/member-groups/{group['id']}", {"name": "変更"}).status == 200
    assert member.delete(f"/v1/member-groups/{group['id']}").status == 204


def test_a_user_reads_groups_and_adds_members_but_cannot_manage_groups(api):
    group = add_group(api)
    user = api.as_("user")
    assert_error(user.post("/v1/member-groups", {"name": "x"}), 403)
    assert_error(user.patch(f"/v1/member-groups/{group['id']}", {"name": "x"}), 403)
    assert_error(user.delete(f"/v1/member-groups/{group['id']}"), 403)
    assert group_of(user, group["id"])["name"] == "プレミアム会員"
    contact = create(user, family_name="山田")
    assert join(user, group["id"], contact["id"]) == {contact["id"]: "ok"}
    assert group_of(api, group["id"])["contact_count"] == 1


# --- membership ---------------------------------------------------------------------------------


def test_joining_sets_the_contacts_groups_its_timeline_and_the_count(api):
    group = add_group(api, name="サロン")
    contact = create(api, family_name="山田", email="yamada@example.jp")
    assert contact["groups"] == []
    assert join(api, group["id"], contact["id"], MISSING) == {contact["id"]: "ok", MISSING: "not_found"}
    assert contact_of(api, contact["id"])["groups"] == [group["id"]]
    assert group_of(api, group["id"])["contact_count"] == 1
    joined = [item for item in timeline(api, contact["id"]) if item["type"] == "group_joined"]
    assert len(joined) == 1
    assert joined[0]["data"] == {"group_id": group["id"], "group_name": "サロン"}
    assert joined[0]["actor"]["id"] == api.user_id
    assert join(api, group["id"], contact["id"]) == {contact["id"]: "ok"}  # again: nothing twice
    assert group_of(api, group["id"])["contact_count"] == 1
    assert len([item for item in timeline(api, contact["id"]) if item["type"] == "group_joined"]) == 1


def test_leaving_through_the_api_undoes_it_and_a_non_member_is_404(api):
    group = add_group(api)
    contact = create(api, family_name="山田")
    join(api, group["id"], contact["id"])
    assert api.delete(f"/v1/member-groups/{group['id']}/members/{contact['id']}").status == 204
    assert contact_of(api, contact["id"])["groups"] == []
    assert group_of(api, group["id"])["contact_count"] == 0
    assert [item["type"] for item in timeline(api, contact["id"])][:2] == ["group_left", "group_joined"]
    assert_error(api.delete(f"/v1/member-groups/{group['id']}/members/{contact['id']}"), 404)
    assert_error(api.delete(f"/v1/member-groups/{group['id']}/members/{MISSING}"), 404)


def test_groups_is_read_only_on_the_contact(api):
    group = add_group(api)
    assert_error(api.post("/v1/contacts", {"family_name": "山田", "groups": [group["id"]]}), 422, "groups")
    contact = create(api, family_name="山田")
    assert_error(api.patch(f"/v1/contacts/{contact['id']}", {"groups": [group["id"]]}), 422, "groups")
    assert group_of(api, group["id"])["contact_count"] == 0


def test_bad_member_requests_are_422_or_404_and_change_nothing(api):
    group = add_group(api)
    contact = create(api, family_name="山田")
    assert_error(api.post(f"/v1/member-groups/{group['id']}/members", {"contact_ids": []}), 422, "contact_ids")
    assert_error(api.post(f"/v1/member-groups/{group['id']}/members", {"ids": [contact["id"]]}), 422, "ids",
                 "contact_ids")
    assert_error(api.post(f"/v1/member-groups/{MISSING}/members", {"contact_ids": [contact["id"]]}), 404)
    assert contact_of(api, contact["id"])["groups"] == []


def test_members_are_paged_each_once_and_hidden_contacts_are_left_out(api):
    group = add_group(api)
    ids = [create(api, family_name=f"会員{index}")["id"] for index in range(7)]
    join(api, group["id"], *ids)
    assert sorted(member_ids(api, group["id"], limit=3)) == sorted(ids)
    first = api.get(f"/v1/member-groups/{group['id']}/members", query={"limit": 3}).body
    assert len(first["items"]) == 3 and first["items"][0]["groups"] == [group["id"]]
    other = add_group(api, name="別")
    assert_error(api.get(f"/v1/member-groups/{other['id']}/members", query={"cursor": first["next_cursor"]}), 400)
    api.put("/v1/settings", {"owner_visibility_restricted": True})
    user = api.as_("user")
    own = create(user, family_name="自分")
    join(user, group["id"], own["id"])
    assert member_ids(user, group["id"]) == [own["id"]]
    assert group_of(user, group["id"])["contact_count"] is None  # the count is tenant-wide


def test_a_deleted_contact_leaves_its_groups(api):
    group = add_group(api)
    kept, gone = create(api, family_name="残る")["id"], create(api, family_name="消える")["id"]
    join(api, group["id"], kept, gone)
    assert api.delete(f"/v1/contacts/{gone}").status == 204
    assert group_of(api, group["id"])["contact_count"] == 1
    assert member_ids(api, group["id"]) == [kept]


# --- bulk actions and deleting a group -----------------------------------------------------------


def test_bulk_add_to_group_and_remove_from_group(api):
    group = add_group(api)
    ids = [create(api, family_name=f"一括{index}")["id"] for index in range(3)]
    reply = api.post("/v1/contacts/bulk", {"selection": {"ids": ids}, "action": "add_to_group",
                                           "params": {"group_id": group["id"]}})
    assert reply.status == 200, reply.body
    assert group_of(api, group["id"])["contact_count"] == 3
    reply = api.post("/v1/contacts/bulk", {"selection": {"ids": ids[:2]}, "action": "remove_from_group",
                                           "params": {"group_id": group["id"]}})
    assert reply.status == 200, reply.body
    assert member_ids(api, group["id"]) == [ids[2]]
    assert_error(api.post("/v1/contacts/bulk", {"selection": {"ids": ids}, "action": "add_to_group",
                                                "params": {"group_id": MISSING}}), 422, "params.group_id")
    assert_error(api.post("/v1/contacts/bulk", {"selection": {"ids": ids}, "action": "add_to_group"}), 422,
                 "params.group_id")


def test_a_bulk_job_adds_a_filtered_selection_to_a_group(api):
    group = add_group(api)
    ids = seeded(api, 120, tags=["見込み"])
    reply = api.post("/v1/contacts/bulk", {"selection": {"filter": {"tags": {"include": ["見込み"]}}},
                                           "action": "add_to_group", "params": {"group_id": group["id"]}})
    assert reply.status == 202, reply.body
    run_queued_jobs()
    assert api.get(f"/v1/jobs/{reply.body['id']}").body["status"] == "succeeded"
    assert group_of(api, group["id"])["contact_count"] == 120
    assert sorted(member_ids(api, group["id"], limit=200)) == sorted(ids)
    assert [item["type"] for item in timeline(api, ids[0])][0] == "group_joined"


def test_deleting_a_group_takes_it_off_its_contacts(api):
    group = add_group(api, name="解散")
    contact = create(api, family_name="山田")
    join(api, group["id"], contact["id"])
    assert api.delete(f"/v1/member-groups/{group['id']}").status == 204
    assert contact_of(api, contact["id"])["groups"] == []
    left = [item for item in timeline(api, contact["id"]) if item["type"] == "group_left"]
    assert left[0]["data"] == {"group_id": group["id"], "group_name": "解散"}
    assert_error(api.get(f"/v1/member-groups/{group['id']}"), 404)
    assert_error(api.delete(f"/v1/member-groups/{group['id']}"), 404)


def test_a_group_of_more_than_100_contacts_is_deleted_by_a_job(api):
    group = add_group(api)
    ids = seeded(api, 101)
    reply = api.post("/v1/contacts/bulk", {"selection": {"ids": ids}, "action": "add_to_group",
                                           "params": {"group_id": group["id"]}})
    assert reply.status == 202, reply.body
    run_queued_jobs()
    reply = api.delete(f"/v1/member-groups/{group['id']}")
    assert reply.status == 202, reply.body
    assert api.get("/v1/member-groups").body["items"] == []  # hidden while the job runs
    assert_error(api.post(f"/v1/member-groups/{group['id']}/members", {"contact_ids": [ids[0]]}), 404)
    run_queued_jobs()
    assert api.get(f"/v1/jobs/{reply.body['id']}").body["status"] == "succeeded"
    assert_error(api.get(f"/v1/member-groups/{group['id']}"), 404)
    assert contact_of(api, ids[0])["groups"] == []


# --- imports and web forms --------------------------------------------------------------------------


def test_an_import_joins_the_groups_its_column_names_by_name_or_id(api):
    salon, gold = add_group(api, name="オンラインサロン"), add_group(api, name="Gold")
    known = create(api, family_name="既存", email="known@example.jp")
    data = ("名前,メール,会員グループ\n"
            f"新規,new@example.jp,オンラインサロン、gold\n"
            f"既存,known@example.jp,{gold['id']}\n"
            "誤り,bad@example.jp,ないグループ\n").encode()
    done = imported(api, data, {"名前": "family_name", "メール": "email", "会員グループ": "groups"})
    assert (done["created"], done["updated"]) == (1, 1)
    assert done["errors"] == [{"row": 4, "column": "会員グループ",
                               "message": "there is no member group named ないグループ"}]
    new = api.post("/v1/contacts/lookup", {"field": "email", "values": ["new@example.jp"]}).body["found"][0]
    assert new["groups"] == [salon["id"], gold["id"]]
    assert contact_of(api, known["id"])["groups"] == [gold["id"]]
    assert [item["data"]["group_name"] for item in timeline(api, known["id"])
            if item["type"] == "group_joined"] == ["Gold"]
    assert (group_of(api, salon["id"])["contact_count"], group_of(api, gold["id"])["contact_count"]) == (1, 2)
    assert sorted(member_ids(api, gold["id"])) == sorted([new["id"], known["id"]])
    assert api.post("/v1/contacts/lookup", {"field": "email", "values": ["bad@example.jp"]}).body["found"] == []


@pytest.fixture
def site_key(api) -> str:
    reply = api.post("/v1/site-keys", {"name": "member site", "allowed_origins": [SITE]})
    assert reply.status == 201, reply.body
    return reply.body["site_key"]


def signup(site_key: str, group_id: str, email: str) -> dict[str, Any]:
    return post_collect({"site_key": site_key, "visitor_id": uuid.uuid4().hex[:22], "type": "form_submitted",
                         "url": f"{SITE}/join", "email": email, "form": "join", "member_group_id": group_id})


def test_a_web_form_adds_its_sender_to_a_joinable_group_and_answers_the_redirect_url(api, site_key):
    group = add_group(api, name="無料会員", redirect_url="https://www.example.jp/members/welcome",
                      web_form_joinable=True)
    result = signup(site_key, group["id"], "hanako@example.jp")
    assert result["statusCode"] == 200, result
    assert json.loads(result["body"]) == {"redirect_url": "https://www.example.jp/members/welcome"}
    assert result["headers"]["Access-Control-Allow-Origin"] == SITE
    contact = api.post("/v1/contacts/lookup", {"field": "email", "values": ["hanako@example.jp"]}).body["found"][0]
    assert contact["groups"] == [group["id"]]
    joined = [item for item in timeline(api, contact["id"]) if item["type"] == "group_joined"]
    assert joined[0]["actor"]["kind"] == "contact" and joined[0]["data"]["group_name"] == "無料会員"
    assert signup(site_key, group["id"], "hanako@example.jp")["statusCode"] == 200  # again: nothing twice
    assert group_of(api, group["id"])["contact_count"] == 1


def test_a_web_form_cannot_join_a_group_that_does_not_allow_it_and_writes_nothing(api, site_key):
    closed = add_group(api, name="有料会員")
    for group_id in (closed["id"], MISSING):
        result = signup(site_key, group_id, "intruder@example.jp")
        assert result["statusCode"] == 422, result
        assert [detail["field"] for detail in json.loads(result["body"])["error"]["details"]] == ["member_group_id"]
    assert api.post("/v1/contacts/lookup", {"field": "email", "values": ["intruder@example.jp"]}).body["found"] == []
    assert group_of(api, closed["id"])["contact_count"] == 0


# --- member logins: the member pool, the invitation, the member site's sign-in ------------------------


def member_site(tenant: str, step: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """POST /member-site/{tenant}/{step} as API Gateway sends it: no token (AuthorizationType NONE)."""
    from infra.local.server import call_handler

    result = call_handler("POST", f"/member-site/{tenant}/{step}", None, json.dumps(body),
                          headers={"content-type": "application/json"})
    return result["statusCode"], json.loads(result["body"])


def invited_member(api: Api, email: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    """A contact of a new group, invited: (group, contact, its temporary password from the outbox)."""
    from infra.local.outbox import OUTBOX
    from stack_support import invitation

    group = add_group(api, name="オンラインサロン")
    contact = create(api, family_name="会員", email=email)
    join(api, group["id"], contact["id"])
    # no body: the action takes no input
    reply = api.post(f"/v1/member-groups/{group['id']}/members/{contact['id']}/invite")
    assert reply.status == 200, reply.body
    assert reply.body["member_login_status"] == "invited"
    mailed = [message for message in OUTBOX.items() if message["to"] == [email]]
    assert len(mailed) == 1 and mailed[0]["subject"] == "会員サイトへのご招待 / Your member site login"
    text, password = invitation(mailed[0]["raw"])
    assert f"{api.tenant}#{contact['id']}" in text  # {username}: the member pool's user name
    return group, contact, password


def test_an_invited_member_sets_a_password_and_signs_in_on_the_member_site(api, outbox_listening):
    email = f"member-{uuid.uuid4().hex[:8]}@example.jp"
    _, contact, password = invited_member(api, email)
    assert [item["type"] for item in timeline(api, contact["id"])][0] == "member_login_invited"
    status, answer = member_site(api.tenant, "sign-in", {"email": email.upper(), "password": password})
    assert status == 200 and answer["challenge"] == "NEW_PASSWORD_REQUIRED", answer
    status, refused = member_site(api.tenant, "new-password", {"email": email, "session": answer["session"],
                                                                "new_password": "short"})
    assert status == 422 and [d["field"] for d in refused["error"]["details"]] == ["new_password"]
    status, tokens = member_site(api.tenant, "new-password", {"email": email, "session": answer["session"],
                                                               "new_password": "salon-member-2026"})
    assert status == 200, tokens
    assert tokens["id_token"] and tokens["access_token"] and tokens["contact_id"] == contact["id"]
    assert contact_of(api, contact["id"])["member_login_status"] == "active"
    assert [item["type"] for item in timeline(api, contact["id"])][0] == "member_login_activated"
    status, again = member_site(api.tenant, "sign-in", {"email": email, "password": "salon-member-2026"})
    assert status == 200 and again["contact_id"] == contact["id"]
    assert len([item for item in timeline(api, contact["id"]) if item["type"] == "member_login_activated"]) == 1


def test_a_member_sites_token_is_refused_by_the_crm_api(api, outbox_listening):
    """The member pool is not the team's: the gateway's JWT authorizer (issuer, audience) refuses its tokens."""
    from werkzeug.test import Client

    from infra.local.server import LocalApi
    from infra.template import Route

    email = f"member-{uuid.uuid4().hex[:8]}@example.jp"
    _, _, password = invited_member(api, email)
    session = member_site(api.tenant, "sign-in", {"email": email, "password": password})[1]["session"]
    tokens = member_site(api.tenant, "new-password", {"email": email, "session": session,
                                                       "new_password": "salon-member-2026"})[1]
    gateway = Client(LocalApi(routes=[Route("ContactsApiFunction", "fake.echo", "GET", "/v1/echo", authorized=True)],
                              resolve_handler={"fake.echo": lambda event, context: {"statusCode": 200}}.__getitem__,
                              local_endpoints=[]))
    for token in (tokens["id_token"], tokens["access_token"]):
        assert gateway.get("/v1/echo", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_the_member_site_refuses_wrong_credentials_alike_and_other_tenants(api, outbox_listening):
    email = f"member-{uuid.uuid4().hex[:8]}@example.jp"
    _, contact, password = invited_member(api, email)
    create(api, family_name="非会員", email="nomember@example.jp")
    refusals = [member_site(api.tenant, "sign-in", {"email": email, "password": "wrong-password-1"}),
                member_site(api.tenant, "sign-in", {"email": "nomember@example.jp", "password": password}),
                member_site(api.tenant, "sign-in", {"email": "nobody@example.jp", "password": password}),
                member_site(f"tenant-{uuid.uuid4().hex[:10]}", "sign-in", {"email": email, "password": password}),
                member_site(api.tenant, "new-password", {"email": email, "session": "forged-session-" * 4,
                                                          "new_password": "abcdefgh12"})]
    assert [status for status, _ in refusals] == [401] * 5, refusals
    assert len({answer["error"]["message"] for _, answer in refusals[:4]}) == 1  # nothing tells which was wrong
    status, answer = member_site(api.tenant, "sign-in", {"email": "not-an-address"})
    assert status == 422 and {d["field"] for d in answer["error"]["details"]} == {"email", "password"}
    status, answer = member_site(api.tenant, "new-password", {"email": email, "session": "short", "new_password": "x"})
    assert status == 422 and [d["field"] for d in answer["error"]["details"]] == ["session"]
    assert contact_of(api, contact["id"])["member_login_status"] == "invited"


def test_inviting_needs_a_manager_a_member_of_the_group_and_an_email(api, outbox_listening):
    group = add_group(api)
    outsider = create(api, family_name="外部", email="outsider@example.jp")
    no_email = create(api, family_name="メールなし")
    join(api, group["id"], no_email["id"])
    assert_error(api.post(f"/v1/member-groups/{group['id']}/members/{outsider['id']}/invite", {}), 404)
    assert_error(api.post(f"/v1/member-groups/{group['id']}/members/{no_email['id']}/invite", {}), 422, "email")
    user_contact = create(api, family_name="会員", email="member-by-user@example.jp")
    join(api, group["id"], user_contact["id"])
    assert_error(api.as_("user").post(f"/v1/member-groups/{group['id']}/members/{user_contact['id']}/invite", {}), 403)
    assert contact_of(api, user_contact["id"])["member_login_status"] is None


def test_a_challenge_session_sets_only_its_own_members_password(api, outbox_listening):
    """Cognito binds the new-password session to the member it challenged (infra/local/cognito_realism.py)."""
    first, second = (f"member-{uuid.uuid4().hex[:8]}@example.jp" for _ in range(2))
    _, _, first_password = invited_member(api, first)
    from infra.local.outbox import OUTBOX
    from stack_support import invitation

    group = api.get("/v1/member-groups").body["items"][0]
    other = create(api, family_name="別会員", email=second)
    join(api, group["id"], other["id"])
    assert api.post(f"/v1/member-groups/{group['id']}/members/{other['id']}/invite", {}).status == 200
    second_password = invitation([m for m in OUTBOX.items() if m["to"] == [second]][0]["raw"])[1]
    session = member_site(api.tenant, "sign-in", {"email": first, "password": first_password})[1]["session"]
    status, _ = member_site(api.tenant, "new-password", {"email": second, "session": session,
                                                          "new_password": "taken-over-2026"})
    assert status == 401
    assert member_site(api.tenant, "sign-in", {"email": second, "password": "taken-over-2026"})[0] == 401
    assert member_site(api.tenant, "sign-in", {"email": second, "password": second_password})[1]["challenge"] \
        == "NEW_PASSWORD_REQUIRED"
    assert contact_of(api, other["id"])["member_login_status"] == "invited"


def activated(api: Api, email: str, password: str, new_password: str = "salon-member-2026") -> None:
    session = member_site(api.tenant, "sign-in", {"email": email, "password": password})[1]["session"]
    status, tokens = member_site(api.tenant, "new-password", {"email": email, "session": session,
                                                               "new_password": new_password})
    assert status == 200, tokens


def test_inviting_again_resends_while_invited_and_is_409_once_active(api, outbox_listening):
    from infra.local.outbox import OUTBOX
    from stack_support import invitation

    email = f"member-{uuid.uuid4().hex[:8]}@example.jp"
    group, contact, first = invited_member(api, email)
    assert api.post(f"/v1/member-groups/{group['id']}/members/{contact['id']}/invite", {}).status == 200
    mailed = [message for message in OUTBOX.items() if message["to"] == [email]]
    assert len(mailed) == 2
    second = invitation(mailed[1]["raw"])[1]
    assert member_site(api.tenant, "sign-in", {"email": email, "password": first})[0] == 401
    activated(api, email, second)
    assert_error(api.post(f"/v1/member-groups/{group['id']}/members/{contact['id']}/invite", {}), 409)
    assert member_site(api.tenant, "sign-in", {"email": email, "password": "salon-member-2026"})[0] == 200


def test_a_reset_mail_replaces_the_password_with_a_new_temporary_one(api, outbox_listening):
    from infra.local.outbox import OUTBOX
    from stack_support import invitation

    email = f"member-{uuid.uuid4().hex[:8]}@example.jp"
    group, contact, first = invited_member(api, email)
    activated(api, email, first)
    assert_error(api.as_("user").post(f"/v1/member-groups/{group['id']}/members/{contact['id']}/password-reset", {}),
                 403)
    # no body, as for the invitation
    reply = api.post(f"/v1/member-groups/{group['id']}/members/{contact['id']}/password-reset")
    assert reply.status == 200, reply.body
    assert reply.body["member_login_status"] == "invited"
    assert [item["type"] for item in timeline(api, contact["id"])][0] == "member_password_reset"
    assert member_site(api.tenant, "sign-in", {"email": email, "password": "salon-member-2026"})[0] == 401
    temporary = invitation([m for m in OUTBOX.items() if m["to"] == [email]][-1]["raw"])[1]
    activated(api, email, temporary, "another-password-7")
    assert contact_of(api, contact["id"])["member_login_status"] == "active"
    stranger = create(api, family_name="未招待", email="never-invited@example.jp")
    join(api, group["id"], stranger["id"])
    assert_error(api.post(f"/v1/member-groups/{group['id']}/members/{stranger['id']}/password-reset", {}), 409)


def test_invite_and_reset_take_no_fields(api):
    group = add_group(api)
    contact = create(api, family_name="会員", email="fields@example.jp")
    join(api, group["id"], contact["id"])
    for step in ("invite", "password-reset"):
        assert_error(api.post(f"/v1/member-groups/{group['id']}/members/{contact['id']}/{step}", {"send": True}),
                     422, "send")
    assert contact_of(api, contact["id"])["member_login_status"] is None
