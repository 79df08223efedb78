"""Owner visibility and authorisation (issue 17's audit): under `owner_visibility_restricted` a
`user` reaches only the contacts they own, through every path (imports, tags, counts, emails,
bulk, segments, exports); templates and segments are edited by their creator or an owner/admin;
jobs are listed to their requester, owners and admins."""

from __future__ import annotations

import pytest

from conftest import Api, assert_error, create
from mail_support import outbox, outbox_listening  # noqa: F401  (the outbox records only once imported)
from stack_support import imported

HIDDEN_EMAIL = "hidden@example.jp"


@pytest.fixture
def restricted(api) -> Api:
    """A `user` of the tenant, with owner visibility on."""
    assert api.put("/v1/settings", {"owner_visibility_restricted": True}).status == 200
    return api.as_("user")


@pytest.fixture
def hidden(api) -> dict:
    """A contact another member owns: hidden from the restricted user."""
    return create(api, family_name="秘密", email=HIDDEN_EMAIL, tags=["VIP"], status="new", owner_id="someone-else")


def timeline_types(api: Api, contact_id: str) -> list[str]:
    reply = api.get(f"/v1/contacts/{contact_id}/timeline")
    assert reply.status == 200, reply.body
    return [item["type"] for item in reply.body["items"]]


# --- imports (item 8) ------------------------------------------------------------------------

IMPORT_MAPPING = {"姓": "family_name", "メール": "email", "タグ": "tags", "状況": "status"}


def import_rows(api: Api, *rows: str, on_duplicate: str = "update") -> dict:
    return imported(api, ("姓,メール,タグ,状況\r\n" + "\r\n".join(rows) + "\r\n").encode(), IMPORT_MAPPING,
                    on_duplicate)


@pytest.mark.parametrize("on_duplicate", ["update", "skip"])
def test_a_restricted_users_import_neither_updates_nor_reveals_a_hidden_contact(api, restricted, hidden,
                                                                                 on_duplicate):
    done = import_rows(restricted, f"上書き,{HIDDEN_EMAIL},侵入,won", on_duplicate=on_duplicate)

    assert (done["created"], done["updated"], done["skipped"], done["failed"]) == (0, 0, 0, 1)
    create_refusal = restricted.post("/v1/contacts", {"family_name": "x", "email": HIDDEN_EMAIL})
    assert_error(create_refusal, 409, "email")
    [error] = done["errors"]
    assert (error["row"], error["column"]) == (2, "メール")
    assert error["message"] == IMPORT_DUPLICATE_MESSAGE and hidden["id"] not in error["message"]
    after = api.get(f"/v1/contacts/{hidden['id']}").body
    assert (after["family_name"], after["tags"], after["status"]) == ("秘密", ["VIP"], "new")


IMPORT_DUPLICATE_MESSAGE = ("Not imported: another contact already has this email address (emails are unique), "
                            "one you may not see.")


def test_a_restricted_users_import_updates_the_contacts_they_own(api, restricted):
    own = create(api, family_name="自分", email="own@example.jp", owner_id=restricted.user_id)
    done = import_rows(restricted, "更新,own@example.jp,展示会,won")
    assert (done["updated"], done["failed"]) == (1, 0)
    assert restricted.get(f"/v1/contacts/{own['id']}").body["tags"] == ["展示会"]


def test_a_restricted_users_import_redone_after_a_crash_still_owns_its_new_contacts(api, restricted):
    """Its new contacts are ownerless (hidden from the importer), yet a chunk redone updates them
    as its own: no row fails the second time."""
    from mail_support import table
    from shared.services import imports as service
    from stack_support import run_queued_jobs, uploaded

    import_id = uploaded(restricted, "姓,メール,タグ,状況\r\n新規,new@example.jp,展示会,new\r\n".encode())
    assert restricted.post(f"/v1/imports/{import_id}/start", {"mapping": IMPORT_MAPPING}).status == 202
    run_queued_jobs()
    table().update_item(Key={"pk": f"TENANT#{api.tenant}", "sk": f"JOB#{import_id}"},
                        UpdateExpression="SET #status = :running, #cursor = :zero",
                        ExpressionAttributeNames={"#status": "status", "#cursor": "cursor"},
                        ExpressionAttributeValues={":running": "running", ":zero": 0})

    assert service.run(api.tenant, import_id, lambda: 900.0) is True

    done = restricted.get(f"/v1/imports/{import_id}").body
    assert (done["status"], done["failed"], done["errors"]) == ("succeeded", 0, [])
    assert api.get("/v1/settings").body["usage"]["contacts"] == 1


def test_an_import_that_updates_a_contact_writes_its_tag_and_status_entries(api):
    known = create(api, family_name="既存", email="known@example.jp", tags=["既存"])
    done = import_rows(api, "既存,known@example.jp,展示会,won")
    assert done["updated"] == 1
    types = timeline_types(api, known["id"])
    assert types.count("tag_added") == 1 and types.count("status_changed") == 1, types


# --- tags and counts (item 9) ----------------------------------------------------------------

def test_a_restricted_user_cannot_delete_a_tag_and_no_hidden_contact_loses_it(api, restricted, hidden):
    create(api, family_name="自分", tags=["VIP"], owner_id=restricted.user_id)

    assert_error(restricted.delete("/v1/tags/VIP"), 403)
    assert api.get(f"/v1/contacts/{hidden['id']}").body["tags"] == ["VIP"]
    assert "tag_removed" not in timeline_types(api, hidden["id"])


def test_a_user_who_sees_every_contact_still_deletes_a_tag(api, hidden):
    assert api.as_("user").delete("/v1/tags/VIP").status == 204
    assert api.get(f"/v1/contacts/{hidden['id']}").body["tags"] == []


def test_a_restricted_user_is_shown_no_tenant_wide_tag_or_company_counts(api, restricted, hidden):
    company = api.post("/v1/companies", {"name": "株式会社秘密"}).body
    assert api.patch(f"/v1/contacts/{hidden['id']}", {"company_id": company["id"]}).status == 200

    assert restricted.get("/v1/tags").body["items"] == [{"name": "VIP", "contact_count": None}]
    assert restricted.get(f"/v1/companies/{company['id']}").body["contact_count"] is None
    assert [item["contact_count"] for item in restricted.get("/v1/companies").body["items"]] == [None]
    assert api.get("/v1/tags").body["items"] == [{"name": "VIP", "contact_count": 1}]
    assert api.get(f"/v1/companies/{company['id']}").body["contact_count"] == 1
    assert restricted.get(f"/v1/companies/{company['id']}/contacts").body["items"] == []


# --- emails (item 10) ------------------------------------------------------------------------

def email_to(api: Api, **addressed) -> object:
    return api.post("/v1/emails", {"subject": "ご挨拶", "body_text": "本文です", **addressed})


def contact_count(api: Api) -> int:
    return api.get("/v1/settings").body["usage"]["contacts"]


def test_a_restricted_user_emailing_a_hidden_contacts_address_is_refused_without_its_id(api, restricted, hidden):
    outbox().clear()
    before = contact_count(api)

    reply = email_to(restricted, to_email=HIDDEN_EMAIL.upper())

    assert_error(reply, 409, "to_email")
    assert hidden["id"] not in str(reply.body)
    assert_error(restricted.post("/v1/contacts", {"email": HIDDEN_EMAIL}), 409, "email")
    assert contact_count(api) == before and outbox().items() == []
    assert "email_sent" not in timeline_types(api, hidden["id"])


@pytest.mark.parametrize("field", ["cc", "bcc"])
def test_a_hidden_contacts_address_in_cc_or_bcc_is_refused(api, restricted, hidden, field):
    own = create(api, family_name="自分", email="own@example.jp", owner_id=restricted.user_id)
    outbox().clear()

    reply = email_to(restricted, contact_id=own["id"], **{field: ["someone@example.com", HIDDEN_EMAIL]})

    assert_error(reply, 422, f"{field}[1]")
    assert hidden["id"] not in str(reply.body) and outbox().items() == []
    assert email_to(restricted, contact_id=own["id"], **{field: ["someone@example.com"]}).status == 201
    assert email_to(api, contact_id=own["id"], **{field: [HIDDEN_EMAIL]}).status == 201


# --- templates, segments and jobs (item 11) --------------------------------------------------

TEMPLATE = {"name": "ご挨拶", "subject": "件名", "body_text": "本文"}
SEGMENT = {"name": "新規", "filter": {"field": "status", "op": "eq", "value": "new"}}


@pytest.mark.parametrize("path, body", [("/v1/email-templates", TEMPLATE), ("/v1/segments", SEGMENT)])
@pytest.mark.parametrize("role", ["manager", "user"])
def test_only_the_creator_an_owner_or_an_admin_edits_a_template_or_segment(api, path, body, role):
    author = api.as_("user")
    made = author.post(path, body).body
    other = api.as_(role)
    changed = {**body, "name": "乗っ取り"}

    assert other.get(f"{path}/{made['id']}").status == 200
    assert_error(other.put(f"{path}/{made['id']}", changed), 403)
    assert_error(other.delete(f"{path}/{made['id']}"), 403)
    assert api.get(f"{path}/{made['id']}").body["name"] == body["name"]

    assert author.put(f"{path}/{made['id']}", {**body, "name": "改名"}).status == 200
    assert api.as_("admin").put(f"{path}/{made['id']}", changed).status == 200
    assert api.delete(f"{path}/{made['id']}").status == 204


def started_job(api: Api) -> str:
    reply = api.post("/v1/contacts/bulk", {"selection": {"filter": {"field": "status", "op": "eq", "value": "new"}},
                                           "action": "star"})
    assert reply.status == 202, reply.body
    return reply.body["id"]


@pytest.mark.parametrize("role", ["manager", "user"])
def test_jobs_are_seen_by_their_requester_owners_and_admins(api, role):
    member, colleague = api.as_(role), api.as_(role)
    theirs, others = started_job(member), started_job(colleague)
    owners = started_job(api)

    assert [job["id"] for job in member.get("/v1/jobs").body["items"]] == [theirs]
    assert member.get(f"/v1/jobs/{theirs}").status == 200
    assert_error(member.get(f"/v1/jobs/{others}"), 404)
    assert_error(member.get(f"/v1/jobs/{owners}"), 404)
    for admin in (api, api.as_("admin")):
        assert [job["id"] for job in admin.get("/v1/jobs").body["items"]] == [owners, others, theirs]
        assert admin.get(f"/v1/jobs/{theirs}").status == 200


def test_a_members_jobs_page_with_a_cursor(api):
    member = api.as_("user")
    made = [started_job(member) for _ in range(3)]
    first = member.get("/v1/jobs", query={"limit": 2}).body
    second = member.get("/v1/jobs", query={"limit": 2, "cursor": first["next_cursor"]}).body
    assert [job["id"] for job in first["items"] + second["items"]] == made[::-1]
    assert second["next_cursor"] is None
    assert_error(api.get("/v1/jobs", query={"cursor": first["next_cursor"]}), 400)


def test_an_import_is_seen_and_started_only_by_its_requester_owners_and_admins(api):
    member = api.as_("user")
    import_id = member.post("/v1/imports", {}).body["id"]
    colleague = api.as_("user")
    assert_error(colleague.get(f"/v1/imports/{import_id}"), 404)
    assert_error(colleague.post(f"/v1/imports/{import_id}/start", {"mapping": {"姓": "family_name"}}), 404)
    assert member.get(f"/v1/imports/{import_id}").status == 200
    assert api.get(f"/v1/imports/{import_id}").status == 200


# --- the rest of the audit -------------------------------------------------------------------

def test_a_restricted_user_is_shown_no_tenant_wide_contact_usage(api, restricted, hidden):
    assert restricted.get("/v1/settings").body["usage"] == {"contacts": None}
    assert api.get("/v1/settings").body["usage"] == {"contacts": 1}
    assert api.as_("user").get("/v1/settings").body["usage"] == {"contacts": None}


def test_every_other_path_answers_a_hidden_contact_as_unknown(api, restricted, hidden):
    """The audit's other paths (no defect found): each answers a hidden contact as one that does not exist."""
    segment = api.post("/v1/segments", {"name": "全員", "filter": {"field": "status", "op": "eq", "value": "new"}}).body
    contact_id = hidden["id"]
    for method, path, body in [("GET", f"/v1/contacts/{contact_id}/timeline", None),
                               ("POST", f"/v1/contacts/{contact_id}/activities", {"type": "memo", "body": "x"}),
                               ("POST", f"/v1/contacts/{contact_id}/calls", {}),
                               ("POST", "/v1/emails/preview",
                                {"contact_id": contact_id, "subject": "s", "body_text": "b"})]:
        assert_error(restricted.call(method, path, body), 404)
    assert restricted.post("/v1/contacts/search", {"filter": {"field": "email", "op": "eq", "value": HIDDEN_EMAIL}}
                           ).body == {"items": [], "next_cursor": None, "total": 0}
    assert restricted.get(f"/v1/segments/{segment['id']}/contacts").body["total"] == 0
    assert restricted.get("/v1/contacts", query={"q": "秘密"}).body["items"] == []
    assert restricted.post("/v1/contacts/lookup", {"field": "email", "values": [HIDDEN_EMAIL]}).body == \
        {"found": [], "missing": [HIDDEN_EMAIL]}
    assert restricted.post("/v1/contacts/bulk", {"selection": {"ids": [contact_id]},
                                                 "action": "add_tags", "params": {"tags": ["侵入"]}}
                           ).body["results"][0]["status"] == "not_found"
    assert api.get(f"/v1/contacts/{contact_id}").body["tags"] == ["VIP"]
