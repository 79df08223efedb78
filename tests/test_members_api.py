"""The member directory through the API (contract, "Teams and sign-in"): GET/POST/PATCH/DELETE
/v1/members and GET /v1/me, the member check on every request (a disabled or removed member's
token answers 401 at once, a new role applies at once), owner_id that must name a member, and
the Cognito side of each change (the pool provisioned from template.yaml in the emulator)."""

from __future__ import annotations

import os
import uuid
from typing import Any

import pytest

from conftest import Api, assert_error, create, enroll_member
from stack_support import invitation, run_queued_jobs


def cognito_user(email: str) -> dict[str, str] | None:
    import boto3

    client = boto3.client("cognito-idp")
    try:
        user = client.admin_get_user(UserPoolId=os.environ["USER_POOL_ID"], Username=email)
    except client.exceptions.UserNotFoundException:
        return None
    return {**{a["Name"]: a["Value"] for a in user["UserAttributes"]}, "enabled": user["Enabled"]}


def address() -> str:
    return f"member-{uuid.uuid4().hex[:10]}@example.jp"


def invite(api: Api, email: str, role: str = "user", name: str = "招待 花子") -> Any:
    return api.post("/v1/members", {"email": email, "name": name, "role": role})


class MemberApi(Api):
    """A member invited through the API, calling with a token of theirs (its claims as Cognito
    issued them at the invitation): not seated again by the test fixtures."""

    def __init__(self, tenant: str, member: dict[str, Any]):
        super().__init__(tenant, member["role"], member["id"])
        self.email, self.enrolled = member["email"], True

    def claims(self) -> dict[str, str]:
        return {**super().claims(), "email": self.email}


def members_of(api: Api) -> dict[str, dict[str, Any]]:
    return {member["id"]: member for member in api.get("/v1/members").body["items"]}


# --- invitations ----------------------------------------------------------------------------

def test_an_invitation_is_an_invited_member_and_a_cognito_user_of_the_tenant(api):
    email = address()
    reply = invite(api, email.upper(), "manager")
    assert reply.status == 201, reply.body
    member = reply.body
    assert set(member) == {"id", "email", "name", "role", "status", "created_at"}
    assert (member["email"], member["name"], member["role"], member["status"]) == \
        (email, "招待 花子", "manager", "invited")
    user = cognito_user(email)
    assert user is not None and user["sub"] == member["id"] and user["custom:tenant_id"] == api.tenant
    assert (user["custom:role"], user["name"], user["email_verified"]) == ("manager", "招待 花子", "true")
    assert members_of(api)[member["id"]] == member


def test_an_email_already_a_user_anywhere_is_409_and_changes_nothing(api):
    email = address()
    assert invite(api, email).status == 201
    again = invite(api, email, "admin")
    assert_error(again, 409, "email")
    other = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    assert_error(invite(other, email), 409, "email")
    assert [m["email"] for m in members_of(other).values()] == [f"{other.user_id}@example.jp"]
    assert cognito_user(email)["custom:tenant_id"] == api.tenant
    assert cognito_user(email)["custom:role"] == "user"


@pytest.mark.parametrize("body, field", [
    ({"email": "x@example.jp", "name": "x", "role": "superuser"}, "role"),
    ({"email": "not-an-address", "name": "x", "role": "user"}, "email"),
    ({"email": "x@example.jp", "name": "", "role": "user"}, "name"),
    ({"email": "x@example.jp", "role": "user"}, "name"),
    ({"email": "s#q`dv/x@example.jp", "name": "x", "role": "user"}, "email"),  # RFC 5322 takes it, the pool does not
])
def test_a_bad_invitation_is_422_naming_the_field_and_creates_nobody(api, body, field):
    body = {**body, "email": body["email"].replace("x@", f"x{uuid.uuid4().hex[:8]}@")}
    assert_error(api.post("/v1/members", body), 422, field)
    assert cognito_user(body["email"]) is None
    assert len(members_of(api)) == 1


@pytest.mark.parametrize("role", ["manager", "user"])
def test_a_manager_or_user_may_not_invite(api, role):
    email = address()
    assert_error(invite(api.as_(role), email), 403)
    assert cognito_user(email) is None


def test_only_an_owner_invites_an_owner(api):
    email = address()
    assert_error(invite(api.as_("admin"), email, "owner"), 403)
    assert cognito_user(email) is None
    assert invite(api, email, "owner").status == 201


def test_an_invitation_cut_short_after_cognito_is_finished_by_sending_it_again(api, monkeypatch):
    from shared.db import members as store

    email, real_write = address(), store.write
    api.enroll()

    def crash(*args, **kwargs):
        raise ConnectionError("the function stopped here")

    monkeypatch.setattr(store, "write", crash)
    assert invite(api, email, "admin").status == 500
    sub = cognito_user(email)["sub"]
    assert sub not in members_of(api)
    monkeypatch.setattr(store, "write", real_write)
    reply = invite(api, email, "admin")
    assert reply.status == 201 and reply.body["id"] == sub and reply.body["status"] == "invited"


def test_an_invited_member_is_active_from_their_first_request(api):
    member = invite(api, address(), "manager").body
    me = MemberApi(api.tenant, member).get("/v1/me")
    assert me.status == 200 and me.body["status"] == "active"
    assert members_of(api)[member["id"]]["status"] == "active"


# --- GET /v1/me and the members page ----------------------------------------------------------

def test_me_is_the_callers_member_record_with_the_tenant(api):
    named = Api(api.tenant, "manager")
    enroll_member(api.tenant, named.user_id, "manager", "営業 太郎")
    named.enrolled = True
    reply = named.get("/v1/me")
    assert reply.status == 200
    assert reply.body == {"id": named.user_id, "email": f"{named.user_id}@example.jp", "name": "営業 太郎",
                          "role": "manager", "status": "active", "created_at": reply.body["created_at"],
                          "tenant": {"id": api.tenant, "name": api.tenant}}


@pytest.mark.parametrize("role", ["owner", "admin", "manager", "user"])
def test_any_role_lists_the_members_page_by_page(api, role):
    others = [api.as_("user") for _ in range(2)]
    for other in (api, *others):
        other.enroll()
    caller = api.as_(role)
    seen, cursor = [], None
    while True:
        reply = caller.get("/v1/members", query={"limit": "2", **({"cursor": cursor} if cursor else {})})
        assert reply.status == 200 and len(reply.body["items"]) <= 2
        seen += reply.body["items"]
        cursor = reply.body["next_cursor"]
        if cursor is None:
            break
    assert sorted(m["id"] for m in seen) == sorted([api.user_id, caller.user_id, *(o.user_id for o in others)])


def test_a_members_cursor_of_another_tenant_or_a_bad_limit_is_refused(api):
    api.as_("user").enroll()
    cursor = api.get("/v1/members", query={"limit": "1"}).body["next_cursor"]
    other = Api(f"tenant-{uuid.uuid4().hex[:10]}")
    assert_error(other.get("/v1/members", query={"cursor": cursor}), 400)
    assert_error(api.get("/v1/members", query={"limit": "0"}), 422, "limit")


# --- changes ------------------------------------------------------------------------------

def test_a_new_role_applies_at_once_whatever_the_token_says(api):
    rep = api.as_("user")
    assert_error(rep.put("/v1/settings", {"owner_visibility_restricted": True}), 403)
    reply = api.patch(f"/v1/members/{rep.user_id}", {"role": "admin"})
    assert reply.status == 200 and reply.body["role"] == "admin"
    assert rep.put("/v1/settings", {"owner_visibility_restricted": True}).status == 200  # token still says user
    assert api.patch(f"/v1/members/{rep.user_id}", {"role": "user"}).status == 200
    assert_error(rep.put("/v1/settings", {"owner_visibility_restricted": False}), 403)


def test_a_change_reaches_the_cognito_user(api):
    member = invite(api, address(), "user").body
    reply = api.patch(f"/v1/members/{member['id']}", {"role": "manager", "name": "改名 花子", "disabled": True})
    assert reply.status == 200
    assert (reply.body["role"], reply.body["name"], reply.body["status"]) == ("manager", "改名 花子", "disabled")
    user = cognito_user(member["email"])
    assert (user["custom:role"], user["name"], user["enabled"]) == ("manager", "改名 花子", False)
    api.patch(f"/v1/members/{member['id']}", {"disabled": False})
    assert cognito_user(member["email"])["enabled"] is True


def test_a_disabled_members_token_answers_401_until_enabled_again(api):
    rep = api.as_("user")
    contact = create(rep, family_name="担当")
    assert api.patch(f"/v1/members/{rep.user_id}", {"disabled": True}).status == 200
    assert_error(rep.get("/v1/contacts"), 401)
    assert_error(rep.get(f"/v1/contacts/{contact['id']}"), 401)
    assert_error(rep.get("/v1/me"), 401)
    assert_error(rep.post("/v1/contacts", {"family_name": "不可"}), 401)
    assert members_of(api)[rep.user_id]["status"] == "disabled"
    assert api.patch(f"/v1/members/{rep.user_id}", {"disabled": False}).status == 200
    assert rep.get(f"/v1/contacts/{contact['id']}").status == 200


@pytest.mark.parametrize("role", ["manager", "user"])
def test_a_manager_or_user_may_not_change_or_remove(api, role):
    target = api.as_("user")
    target.enroll()
    caller = api.as_(role)
    assert_error(caller.patch(f"/v1/members/{target.user_id}", {"name": "x"}), 403)
    assert_error(caller.delete(f"/v1/members/{target.user_id}"), 403)
    assert members_of(api)[target.user_id]["name"] is None


def test_an_admin_may_not_touch_an_owner_or_grant_owner(api):
    admin, rep = api.as_("admin"), api.as_("user")
    api.enroll()
    rep.enroll()
    assert_error(admin.patch(f"/v1/members/{api.user_id}", {"role": "admin"}), 403)
    assert_error(admin.patch(f"/v1/members/{api.user_id}", {"name": "x"}), 403)
    assert_error(admin.delete(f"/v1/members/{api.user_id}"), 403)
    assert_error(admin.patch(f"/v1/members/{rep.user_id}", {"role": "owner"}), 403)
    assert members_of(api)[api.user_id]["role"] == "owner" and members_of(api)[rep.user_id]["role"] == "user"
    assert admin.patch(f"/v1/members/{rep.user_id}", {"role": "manager"}).status == 200


@pytest.mark.parametrize("change", [{"role": "admin"}, {"disabled": True}, None])
def test_the_last_active_owner_cannot_be_demoted_disabled_or_removed(api, change):
    reply = api.delete(f"/v1/members/{api.user_id}") if change is None \
        else api.patch(f"/v1/members/{api.user_id}", change)
    assert_error(reply, 409)
    me = members_of(api)[api.user_id]
    assert (me["role"], me["status"]) == ("owner", "active")
    second = api.as_("owner")
    second.enroll()
    reply = api.delete(f"/v1/members/{api.user_id}") if change is None \
        else api.patch(f"/v1/members/{api.user_id}", change)
    assert reply.status in ((204,) if change is None else (200,))
    assert_error(second.patch(f"/v1/members/{second.user_id}", {"role": "admin"}), 409)


def test_a_disabled_owner_does_not_count_as_the_active_owner(api):
    second = api.as_("owner")
    second.enroll()
    assert api.patch(f"/v1/members/{second.user_id}", {"disabled": True}).status == 200
    assert_error(api.patch(f"/v1/members/{api.user_id}", {"role": "admin"}), 409)


@pytest.mark.parametrize("body, field", [({"role": "guest"}, "role"), ({"disabled": "no"}, "disabled"),
                                         ({"email": "x@example.jp"}, "email")])
def test_a_bad_change_is_422_and_changes_nothing(api, body, field):
    rep = api.as_("user")
    rep.enroll()
    assert_error(api.patch(f"/v1/members/{rep.user_id}", body), 422, field)
    assert members_of(api)[rep.user_id]["role"] == "user"


def test_another_tenants_member_is_not_found(api):
    other = Api(f"tenant-{uuid.uuid4().hex[:10]}", "user")
    other.enroll()
    assert_error(api.patch(f"/v1/members/{other.user_id}", {"role": "admin"}), 404)
    assert_error(api.delete(f"/v1/members/{other.user_id}"), 404)
    assert other.get("/v1/me").body["role"] == "user"


# --- removal ----------------------------------------------------------------------------------

def test_a_removed_member_answers_401_their_contacts_become_ownerless_and_cognito_forgets_them(api):
    member = invite(api, address(), "user").body
    rep = MemberApi(api.tenant, member)
    theirs = [create(api, family_name=f"担当{i}", owner_id=member["id"])["id"] for i in range(3)]
    mine = create(api, family_name="自分")["id"]
    assert rep.get(f"/v1/contacts/{theirs[0]}").status == 200
    assert api.delete(f"/v1/members/{member['id']}").status == 204
    assert_error(rep.get(f"/v1/contacts/{theirs[0]}"), 401)
    assert_error(rep.get("/v1/contacts"), 401)
    assert member["id"] not in members_of(api)
    assert cognito_user(member["email"]) is None
    run_queued_jobs()
    assert [api.get(f"/v1/contacts/{i}").body["owner_id"] for i in theirs] == [None, None, None]
    assert api.get(f"/v1/contacts/{mine}").body["owner_id"] == api.user_id
    assert_error(api.delete(f"/v1/members/{member['id']}"), 404)
    assert_error(api.post("/v1/contacts", {"family_name": "x", "owner_id": member["id"]}), 422, "owner_id")


# --- owner_id names a member ----------------------------------------------------------------

def test_owner_id_must_name_a_member_or_be_null(api):
    assert_error(api.post("/v1/contacts", {"family_name": "x", "owner_id": "nobody"}), 422, "owner_id")
    assert api.get("/v1/contacts").body["items"] == []
    contact = create(api, family_name="山田")
    assert_error(api.patch(f"/v1/contacts/{contact['id']}", {"owner_id": "nobody"}), 422, "owner_id")
    assert api.get(f"/v1/contacts/{contact['id']}").body["owner_id"] == api.user_id
    reply = api.post("/v1/contacts/bulk", {"selection": {"ids": [contact["id"]]}, "action": "set_owner",
                                          "params": {"owner_id": "nobody"}})
    assert_error(reply, 422, "params.owner_id")
    rep = api.as_("user")
    rep.enroll()
    assert api.patch(f"/v1/contacts/{contact['id']}", {"owner_id": rep.user_id}).body["owner_id"] == rep.user_id
    assert api.patch(f"/v1/contacts/{contact['id']}", {"owner_id": None}).body["owner_id"] is None


# --- names on the timeline, request counts ---------------------------------------------------

def test_a_user_actor_carries_the_members_current_name(api):
    rep = api.as_("manager")
    enroll_member(api.tenant, rep.user_id, "manager", "営業 太郎")
    rep.enrolled = True
    contact = create(api, family_name="山田")
    logged = rep.post(f"/v1/contacts/{contact['id']}/activities", {"type": "memo", "body": "初回"})
    assert logged.status == 201 and logged.body["actor"] == {"kind": "user", "id": rep.user_id, "name": "営業 太郎"}
    api.patch(f"/v1/members/{rep.user_id}", {"name": "営業 次郎"})
    entry, = api.get(f"/v1/contacts/{contact['id']}/timeline", query={"type": "memo"}).body["items"]
    assert entry["actor"] == {"kind": "user", "id": rep.user_id, "name": "営業 次郎"}


def test_get_one_contact_with_its_member_check_is_one_request_and_a_members_page_one_query(api):
    from bench.counting import DynamoCounter
    from shared.db.models import table_connection

    counter = DynamoCounter(table_connection().connection.client)
    contact = create(api, family_name="山田")
    with counter.measure() as reads:
        assert api.get(f"/v1/contacts/{contact['id']}").status == 200
    assert dict(reads.requests) == {"BatchGetItem": 1}
    with counter.measure() as reads:
        assert api.get("/v1/members").status == 200
    assert dict(reads.requests) == {"GetItem": 1, "Query": 1}  # the member check, then the page


# --- the local invitation mail, the operator's command ------------------------------------------

def test_locally_an_invitation_lands_in_the_outbox_with_a_temporary_password_that_signs_in(api):
    import boto3

    from infra.local.outbox import OUTBOX

    email = address()
    assert invite(api, email).status == 201
    sent = [message for message in OUTBOX.items() if message["to"] == [email]]
    assert len(sent) == 1 and sent[0]["transport"] == "cognito", sent
    text, password = invitation(sent[0]["raw"])
    assert sent[0]["subject"] == "CRM へのご招待 / Your invitation to the CRM" and email in text
    answer = boto3.client("cognito-idp").admin_initiate_auth(
        UserPoolId=os.environ["USER_POOL_ID"], ClientId=os.environ["USER_POOL_CLIENT_ID"],
        AuthFlow="ADMIN_USER_PASSWORD_AUTH", AuthParameters={"USERNAME": email, "PASSWORD": password})
    assert answer["ChallengeName"] == "NEW_PASSWORD_REQUIRED"


def test_create_tenant_makes_the_tenant_and_its_first_owner_and_changes_nothing_run_again(moto_endpoint, capsys):
    from infra import crm_cli
    from shared.db import members

    tenant, email = f"tenant-{uuid.uuid4().hex[:10]}", address()
    Api(tenant)  # its records are removed after the test
    command = ["admin", "create-tenant", "--tenant", tenant, "--name", "株式会社テスト", "--owner-email", email,
               "--owner-name", "代表 太郎"]
    assert crm_cli.main(command) == 0
    assert "invited" in capsys.readouterr().out
    user = cognito_user(email)
    assert (user["custom:tenant_id"], user["custom:role"], user["name"]) == (tenant, "owner", "代表 太郎")
    owner = MemberApi(tenant, {"id": user["sub"], "role": "owner", "email": email})
    me = owner.get("/v1/me").body
    assert (me["role"], me["status"], me["name"], me["tenant"]) == ("owner", "active", "代表 太郎",
                                                                      {"id": tenant, "name": "株式会社テスト"})
    assert crm_cli.main(command) == 0
    out = capsys.readouterr().out
    assert "exists already" in out and "a member already" in out
    assert list(members_of(owner)) == [user["sub"]]
    Api(f"{tenant}-b")
    assert crm_cli.main([*command[:3], f"{tenant}-b", *command[4:]]) == 1  # the email belongs to one tenant
    assert "already" in capsys.readouterr().err
    assert members.get_with_tenant(f"{tenant}-b", user["sub"]) == (None, None)
    assert crm_cli.main(["admin", "create-tenant", "--tenant", "bad#id", "--name", "x", "--owner-email", email]) == 2


def test_seating_a_member_again_without_a_name_keeps_their_name(api):
    """`crm-local token` without --name (and the test seeds) must not blank a member's name."""
    from shared.services import members

    members.seat(api.tenant, "seated-user", "seated@example.jp", "manager", "佐藤 花子")
    members.seat(api.tenant, "seated-user", "seated@example.jp", "admin")
    [seated] = [member for member in api.get("/v1/members").body["items"] if member["id"] == "seated-user"]
    assert (seated["name"], seated["role"]) == ("佐藤 花子", "admin")
