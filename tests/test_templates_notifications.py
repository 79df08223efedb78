"""Issue 10, parts 2 and 4, through the handlers: email templates (CRUD, a template from a sent
or received email, duplicating an email, sending from a template with merge fields, the
template's sent/opened/clicked stats) and open/click notifications (the flags on the email,
the notification item and mail at a person's first open or click, never for machines or
repeats, and GET/PATCH /v1/me/notifications, read-all)."""

from __future__ import annotations

import re
import time
from email import message_from_string, policy
from email.message import EmailMessage
from typing import Any

import pytest

from conftest import Api, assert_error, create
from mail_support import (  # noqa: F401 - outbox_listening is an autouse fixture, local a fixture
    APPLE_IP,
    HTML,
    drop,
    folder,
    folder_ids,
    hit,
    html_of,
    local,
    outbox,
    outbox_listening,
    seconds_ago,
    send,
    sent,
    set_email_attribute,
    the_message,
    tokens,
)
from stack_support import run_queued_jobs

TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
NOTIFY_ADDRESS = "noreply@crm.example.test"  # NOTIFY_FROM of the test configuration
NO_SUCH_ID = "01JNOSUCHTHING000000000000"
TEMPLATE_FIELDS = {"id", "name", "subject", "body_text", "body_html", "created_by", "created_at", "updated_at",
                   "stats"}
NOTIFICATION_FIELDS = {"id", "kind", "email_id", "contact_id", "subject", "occurred_at", "read"}
DRAFT_FIELDS = {"contact_id", "cc", "bcc", "subject", "body_text", "body_html", "track_opens", "track_clicks"}

# --- tracking ---------------------------------------------------------------------------------

def human_open(email_id: str) -> None:
    open_token, _ = tokens(email_id)
    assert hit("o", open_token)["statusCode"] == 200


def machine_opens(email_id: str) -> None:
    """An Apple Mail Privacy Protection prefetch and a HEAD request: both machines."""
    open_token, _ = tokens(email_id)
    assert hit("o", open_token, user_agent="Mozilla/5.0", ip=APPLE_IP)["statusCode"] == 200
    assert hit("o", open_token, method="HEAD")["statusCode"] == 200


def human_click(email_id: str, link: int = 0) -> None:
    _, click_tokens = tokens(email_id)
    assert hit("c", click_tokens[link])["statusCode"] == 302


def machine_click(email_id: str, link: int = 0) -> None:
    _, click_tokens = tokens(email_id)
    assert hit("c", click_tokens[link], method="HEAD")["statusCode"] == 302


def age(api: Api, email: dict[str, Any]) -> dict[str, Any]:
    """As if sent five minutes ago, so a person's click is not taken for a scanner's."""
    set_email_attribute(api, email["id"], "sent_at", seconds_ago(300))
    return email


# --- received mail, as tests/test_inbound_mail.py drops it ---------------------------------------


def message(*, sender: str, to: str, subject: str, body: str) -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, subject
    mail["Date"] = "Mon, 23 Nov 2026 15:00:00 +0900"
    mail.set_content(body)
    return mail.as_bytes()


# --- helpers -----------------------------------------------------------------------------------


def template(api: Api, **fields: Any) -> dict[str, Any]:
    """POST /v1/email-templates; it must answer 201."""
    body = {"name": "ご挨拶テンプレート", "subject": "ご挨拶", "body_text": "本文です", **fields}
    reply = api.post("/v1/email-templates", body)
    assert reply.status == 201, reply.body
    return reply.body


def template_of(api: Api, template_id: str) -> dict[str, Any]:
    reply = api.get(f"/v1/email-templates/{template_id}")
    assert reply.status == 200, reply.body
    return reply.body


def templates(api: Api) -> list[dict[str, Any]]:
    reply = api.get("/v1/email-templates")
    assert reply.status == 200, reply.body
    assert reply.body["next_cursor"] is None
    return reply.body["items"]


def stats(api: Api, template_id: str) -> dict[str, int]:
    return template_of(api, template_id)["stats"]


def from_template(api: Api, contact_id: str, template_id: str, **fields: Any):
    return api.post("/v1/emails", {"contact_id": contact_id, "template_id": template_id, **fields})


def email_of(api: Api, email_id: str) -> dict[str, Any]:
    reply = api.get(f"/v1/emails/{email_id}")
    assert reply.status == 200, reply.body
    return reply.body


def creator_id(created_by: Any) -> Any:
    return created_by.get("id") if isinstance(created_by, dict) else created_by


def address(api: Api) -> str:
    return f"{api.user_id}@example.jp"


def notifications(api: Api, **query: Any) -> dict[str, Any]:
    reply = api.get("/v1/me/notifications", query=query)
    assert reply.status == 200, reply.body
    return reply.body


def notification_mails(api: Api) -> list[dict[str, Any]]:
    """The messages that went to this user's own address (notifications: they send, never receive)."""
    return [entry for entry in outbox().items() if entry["to"] == [address(api)]]


def notify_email(api: Api, contact_id: str, **flags: Any) -> dict[str, Any]:
    """A sent email with an open pixel and three tracked links."""
    return sent(api, contact_id, body_html=HTML, **flags)


@pytest.fixture
def yamada(api):
    return create(api, family_name="山田", given_name="太郎", email="taro@example.jp")


@pytest.fixture
def sato(api):
    return create(api, family_name="佐藤", given_name="花子", email="hanako@example.jp")


@pytest.fixture
def refusing(api):
    """An empty outbox, so a refusal can show that nothing left."""
    outbox().clear()
    return api


# =================================================================================================
# Templates: CRUD
# =================================================================================================


def test_a_template_is_created_with_its_fields_and_zero_stats(api):
    reply = api.post("/v1/email-templates", {"name": "初回ご挨拶", "subject": "{{contact.family_name}}様 ご挨拶",
                                             "body_text": "いつもお世話になっております。",
                                             "body_html": "<p>こんにちは</p>"})

    assert reply.status == 201, reply.body
    created = reply.body
    assert TEMPLATE_FIELDS <= set(created), created
    assert isinstance(created["id"], str) and created["id"]
    assert (created["name"], created["subject"], created["body_text"], created["body_html"]) == (
        "初回ご挨拶", "{{contact.family_name}}様 ご挨拶", "いつもお世話になっております。", "<p>こんにちは</p>")
    assert created["stats"] == {"sent": 0, "opened": 0, "clicked": 0}
    assert creator_id(created["created_by"]) == api.user_id
    assert TIME.match(created["created_at"]) and TIME.match(created["updated_at"])
    assert template_of(api, created["id"]) == created


def test_body_html_is_optional_and_a_100_character_name_is_accepted(api):
    created = template(api, name="名" * 100)
    assert created["body_html"] is None and created["name"] == "名" * 100


def test_templates_are_listed_sorted_by_name(api):
    for name in ("welcome", "agenda", "follow-up"):
        template(api, name=name)

    items = templates(api)

    assert [item["name"] for item in items] == ["agenda", "follow-up", "welcome"]
    assert all(item["stats"] == {"sent": 0, "opened": 0, "clicked": 0} for item in items)


def test_put_replaces_the_template(api):
    original = template(api, body_html="<p>旧</p>")

    reply = api.put(f"/v1/email-templates/{original['id']}",
                    {"name": "新しい名前", "subject": "新しい件名", "body_text": "新しい本文",
                     "body_html": "<p>新</p>"})

    assert reply.status == 200, reply.body
    replaced = template_of(api, original["id"])
    assert replaced == reply.body
    assert (replaced["id"], replaced["created_at"]) == (original["id"], original["created_at"])
    assert (replaced["name"], replaced["subject"], replaced["body_text"], replaced["body_html"]) == (
        "新しい名前", "新しい件名", "新しい本文", "<p>新</p>")
    assert replaced["updated_at"] >= original["updated_at"]
    assert [item["name"] for item in templates(api)] == ["新しい名前"]


def test_put_without_body_html_leaves_none(api):
    original = template(api, body_html="<p>旧</p>")
    reply = api.put(f"/v1/email-templates/{original['id']}", {"name": "n", "subject": "s", "body_text": "t"})
    assert reply.status == 200, reply.body
    assert template_of(api, original["id"])["body_html"] is None


def test_a_deleted_template_is_gone(api):
    doomed = template(api, name="消す")
    kept = template(api, name="残す")

    assert api.delete(f"/v1/email-templates/{doomed['id']}").status == 204

    assert_error(api.get(f"/v1/email-templates/{doomed['id']}"), 404)
    assert_error(api.delete(f"/v1/email-templates/{doomed['id']}"), 404)
    assert [item["id"] for item in templates(api)] == [kept["id"]]


@pytest.mark.parametrize("body, field", [
    ({"subject": "件名", "body_text": "本文"}, "name"),
    ({"name": "", "subject": "件名", "body_text": "本文"}, "name"),
    ({"name": "x" * 101, "subject": "件名", "body_text": "本文"}, "name"),
    ({"name": 12, "subject": "件名", "body_text": "本文"}, "name"),
    ({"name": "名前", "body_text": "本文"}, "subject"),
    ({"name": "名前", "subject": "件名"}, "body_text"),
    ({"name": "名前", "subject": None, "body_text": "本文"}, "subject"),
])
def test_an_invalid_template_is_refused_and_nothing_is_stored(api, body, field):
    assert_error(api.post("/v1/email-templates", body), 422, field)
    assert templates(api) == []


def test_an_invalid_put_is_refused_and_the_template_is_unchanged(api):
    original = template(api)
    assert_error(api.put(f"/v1/email-templates/{original['id']}", {"name": "", "subject": "s", "body_text": "t"}),
                 422, "name")
    assert_error(api.put(f"/v1/email-templates/{original['id']}", {"name": "n", "subject": "s"}), 422, "body_text")
    assert template_of(api, original["id"]) == original


def test_another_tenants_template_is_404_and_unlisted(api):
    ours = template(api)
    stranger = Api(f"tpl-{api.tenant}")
    replacement = {"name": "乗っ取り", "subject": "s", "body_text": "t"}

    assert_error(stranger.get(f"/v1/email-templates/{ours['id']}"), 404)
    assert_error(stranger.put(f"/v1/email-templates/{ours['id']}", replacement), 404)
    assert_error(stranger.delete(f"/v1/email-templates/{ours['id']}"), 404)
    assert_error(api.get(f"/v1/email-templates/{NO_SUCH_ID}"), 404)
    assert_error(api.put(f"/v1/email-templates/{NO_SUCH_ID}", replacement), 404)
    assert templates(stranger) == []
    assert template_of(api, ours["id"]) == ours


# =================================================================================================
# Templates from emails, duplicating an email
# =================================================================================================


def test_a_template_from_a_sent_email_copies_it_and_is_named_after_its_subject(api, yamada):
    email = sent(api, yamada["id"], subject="ご提案の件", body_text="資料をお送りします。",
                 body_html='<p>資料は<a href="https://example.com/doc">こちら</a></p>')
    stored = email_of(api, email["id"])

    reply = api.post("/v1/email-templates", {"from_email_id": email["id"]})

    assert reply.status == 201, reply.body
    made = reply.body
    assert (made["name"], made["subject"], made["body_text"], made["body_html"]) == (
        "ご提案の件", stored["subject"], stored["body_text"], stored["body_html"])
    assert made["stats"] == {"sent": 0, "opened": 0, "clicked": 0}
    assert [item["id"] for item in templates(api)] == [made["id"]]


def test_a_template_from_a_received_email_copies_it_with_the_name_given(api, local):
    drop(local, message(sender="stranger@other.jp", to=f"{api.tenant}@in.example.test", subject="お問い合わせ",
                        body="見積もりをお願いします。"))
    [received] = folder(api, "received").body["items"]

    reply = api.post("/v1/email-templates", {"from_email_id": received["id"], "name": "問い合わせ返信用"})

    assert reply.status == 201, reply.body
    made = reply.body
    assert (made["name"], made["subject"], made["body_text"], made["body_html"]) == (
        "問い合わせ返信用", "お問い合わせ", received["body_text"], received["body_html"])
    assert "見積もりをお願いします" in made["body_text"]


def test_a_template_from_an_email_the_caller_cannot_see_is_404_and_stores_nothing(api, yamada):
    """The spec says "an email the caller can see" without a status for the others: 404, as for
    every id the caller may not see."""
    assert api.put("/v1/settings", {"owner_visibility_restricted": True}).status == 200
    owners = sent(api, yamada["id"])
    rep = api.as_("user")
    stranger = Api(f"tpl-{api.tenant}")

    assert_error(rep.post("/v1/email-templates", {"from_email_id": owners["id"]}), 404)
    assert_error(stranger.post("/v1/email-templates", {"from_email_id": owners["id"]}), 404)
    assert_error(api.post("/v1/email-templates", {"from_email_id": NO_SUCH_ID}), 404)
    assert templates(api) == [] and templates(stranger) == []


def test_duplicate_answers_a_draft_that_can_be_sent_as_is(api, yamada):
    original = sent(api, yamada["id"], subject="お見積り", body_text="添付をご確認ください。",
                    body_html="<p>添付をご確認ください。</p>", cc=["boss@example.jp"], bcc=["log@example.jp"],
                    track_opens=False, track_clicks=True)

    reply = api.post(f"/v1/emails/{original['id']}/duplicate")

    assert reply.status == 200, reply.body
    draft = reply.body["draft"]
    assert DRAFT_FIELDS <= set(draft), draft
    assert {name: draft[name] for name in DRAFT_FIELDS} == {
        "contact_id": yamada["id"], "cc": ["boss@example.jp"], "bcc": ["log@example.jp"], "subject": "お見積り",
        "body_text": "添付をご確認ください。", "body_html": "<p>添付をご確認ください。</p>",
        "track_opens": False, "track_clicks": True}
    assert folder_ids(api, "sent") == [original["id"]]  # nothing stored

    again = api.post("/v1/emails", draft)

    assert again.status == 201, again.body
    assert again.body["status"] == "sent" and again.body["id"] != original["id"]
    entry, copy = the_message(again.body["id"])
    assert copy["Subject"] == "お見積り" and entry["bcc"] == ["log@example.jp"]
    assert sorted(folder_ids(api, "sent")) == sorted([original["id"], again.body["id"]])


def test_duplicating_an_email_the_caller_cannot_see_is_404(api, yamada):
    assert api.put("/v1/settings", {"owner_visibility_restricted": True}).status == 200
    owners = sent(api, yamada["id"])
    assert_error(api.as_("user").post(f"/v1/emails/{owners['id']}/duplicate"), 404)
    assert_error(Api(f"dup-{api.tenant}").post(f"/v1/emails/{owners['id']}/duplicate"), 404)
    assert_error(api.post(f"/v1/emails/{NO_SUCH_ID}/duplicate"), 404)


# =================================================================================================
# Sending from a template
# =================================================================================================


def test_an_email_from_a_template_is_merged_for_each_contact(api, yamada, sato):
    merged = template(api, subject="{{contact.family_name}}様 ご案内",
                      body_text="{{contact.family_name}} {{contact.given_name}}様\nご案内です。",
                      body_html="<p>{{contact.family_name}}様</p>")

    first = from_template(api, yamada["id"], merged["id"])
    second = from_template(api, sato["id"], merged["id"])

    assert first.status == 201, first.body
    assert second.status == 201, second.body
    assert first.body["template_id"] == merged["id"] == second.body["template_id"]
    assert email_of(api, first.body["id"])["template_id"] == merged["id"]
    for reply, family, given in ((first, "山田", "太郎"), (second, "佐藤", "花子")):
        assert reply.body["subject"] == f"{family}様 ご案内"
        _, out = the_message(reply.body["id"])
        assert out["Subject"] == f"{family}様 ご案内"
        assert out.get_body(("plain",)).get_content().startswith(f"{family} {given}様")
        assert f"<p>{family}様</p>" in html_of(out)
    assert template_of(api, merged["id"])["subject"] == "{{contact.family_name}}様 ご案内"  # unchanged


def test_fields_of_the_request_override_the_template(api, yamada):
    base = template(api, subject="テンプレートの件名", body_text="テンプレートの本文",
                    body_html="<p>テンプレートのHTML</p>")

    reply = from_template(api, yamada["id"], base["id"], subject="{{contact.family_name}}様 個別の件名")

    assert reply.status == 201, reply.body
    email = email_of(api, reply.body["id"])
    assert (email["subject"], email["body_text"], email["template_id"]) == (
        "山田様 個別の件名", "テンプレートの本文", base["id"])
    assert "テンプレートのHTML" in email["body_html"]
    _, out = the_message(email["id"])
    assert out["Subject"] == "山田様 個別の件名"


def test_an_email_without_a_template_has_a_null_template_id(api, yamada):
    email = sent(api, yamada["id"])
    assert "template_id" in email and email["template_id"] is None
    assert email_of(api, email["id"])["template_id"] is None


def test_an_unknown_or_foreign_template_is_refused_and_nothing_is_sent(refusing, yamada):
    stranger = Api(f"tpl-{refusing.tenant}")
    foreign = template(stranger)
    for template_id in (NO_SUCH_ID, foreign["id"]):
        assert_error(from_template(refusing, yamada["id"], template_id), 422, "template_id")
    assert outbox().items() == []
    assert folder_ids(refusing, "sent") == [] and folder_ids(refusing, "scheduled") == []
    assert stats(stranger, foreign["id"])["sent"] == 0


def test_a_merge_field_the_contact_lacks_is_refused_and_nothing_is_stored(refusing, yamada):
    lacking = template(refusing, subject="{{contact.title}}様 ご挨拶")

    reply = from_template(refusing, yamada["id"], lacking["id"])

    assert_error(reply, 422)
    assert "contact.title" in " ".join(detail["message"] for detail in reply.error["details"])
    assert outbox().items() == []
    assert folder_ids(refusing, "sent") == [] and folder_ids(refusing, "scheduled") == []
    assert stats(refusing, lacking["id"]) == {"sent": 0, "opened": 0, "clicked": 0}


# =================================================================================================
# Template stats
# =================================================================================================


def test_sent_counts_the_emails_sent_from_the_template(api, yamada, sato):
    counted = template(api)
    other = template(api, name="別のテンプレート")

    assert from_template(api, yamada["id"], counted["id"]).status == 201
    assert from_template(api, sato["id"], counted["id"]).status == 201
    sent(api, yamada["id"])  # not from a template
    assert from_template(api, yamada["id"], counted["id"], subject="{{contact.title}}").status == 422  # not sent

    assert stats(api, counted["id"]) == {"sent": 2, "opened": 0, "clicked": 0}
    assert stats(api, other["id"]) == {"sent": 0, "opened": 0, "clicked": 0}
    assert {item["id"]: item["stats"]["sent"] for item in templates(api)} == {counted["id"]: 2, other["id"]: 0}


def test_opened_counts_each_emails_first_human_open_once(api, yamada, sato):
    tracked = template(api, body_html=HTML)
    first = from_template(api, yamada["id"], tracked["id"]).body
    second = from_template(api, sato["id"], tracked["id"]).body

    machine_opens(first["id"])
    assert stats(api, tracked["id"])["opened"] == 0
    human_open(first["id"])
    assert stats(api, tracked["id"])["opened"] == 1
    human_open(first["id"])  # a re-open
    machine_opens(first["id"])
    assert stats(api, tracked["id"])["opened"] == 1
    human_open(second["id"])
    assert stats(api, tracked["id"]) == {"sent": 2, "opened": 2, "clicked": 0}


def test_clicked_counts_each_emails_first_human_click_once(api, yamada, sato):
    tracked = template(api, body_html=HTML)
    first = age(api, from_template(api, yamada["id"], tracked["id"]).body)
    second = age(api, from_template(api, sato["id"], tracked["id"]).body)

    machine_click(first["id"])
    assert stats(api, tracked["id"])["clicked"] == 0
    human_click(first["id"], 0)
    assert stats(api, tracked["id"])["clicked"] == 1
    human_click(first["id"], 0)
    human_click(first["id"], 1)
    assert stats(api, tracked["id"])["clicked"] == 1
    human_click(second["id"], 1)
    assert stats(api, tracked["id"])["clicked"] == 2


def test_a_click_right_after_sending_is_a_machine_and_not_counted(api, yamada):
    tracked = template(api, body_html=HTML)
    email = from_template(api, yamada["id"], tracked["id"]).body
    human_click(email["id"])  # seconds after sending: a link scanner
    assert stats(api, tracked["id"])["clicked"] == 0


# =================================================================================================
# Notifications: the flags
# =================================================================================================


def test_the_notify_flags_default_to_false_and_are_shown(api, yamada):
    plain = sent(api, yamada["id"])
    flagged = sent(api, yamada["id"], notify_on_open=True, notify_on_click=True)
    open_only = sent(api, yamada["id"], notify_on_open=True)

    assert (plain["notify_on_open"], plain["notify_on_click"]) == (False, False)
    assert (flagged["notify_on_open"], flagged["notify_on_click"]) == (True, True)
    assert (open_only["notify_on_open"], open_only["notify_on_click"]) == (True, False)
    stored = email_of(api, flagged["id"])
    assert (stored["notify_on_open"], stored["notify_on_click"]) == (True, True)
    assert email_of(api, plain["id"])["notify_on_open"] is False


@pytest.mark.parametrize("field", ["notify_on_open", "notify_on_click"])
def test_a_notify_flag_that_is_not_a_boolean_is_refused(refusing, yamada, field):
    assert_error(send(refusing, yamada["id"], **{field: "yes"}), 422, field)
    assert outbox().items() == [] and folder_ids(refusing, "sent") == []


# =================================================================================================
# Notifications: opens and clicks
# =================================================================================================


def test_a_persons_first_open_notifies_the_sender_only(api, yamada):
    rep = api.as_("user")
    email = notify_email(rep, yamada["id"], subject="ご提案の件", notify_on_open=True)

    human_open(email["id"])

    listed = notifications(rep)
    [item] = listed["items"]
    assert NOTIFICATION_FIELDS <= set(item), item
    assert (item["kind"], item["email_id"], item["contact_id"], item["subject"], item["read"]) == (
        "email_opened", email["id"], yamada["id"], "ご提案の件", False)
    assert isinstance(item["id"], str) and item["id"] and TIME.match(item["occurred_at"])
    assert listed["unread_count"] == 1 and listed["next_cursor"] is None
    others = notifications(api)  # the tenant's owner did not send it
    assert others["items"] == [] and others["unread_count"] == 0


def test_the_notification_mail_goes_through_the_queue_to_the_sender(api, yamada):
    rep = api.as_("user")
    email = notify_email(rep, yamada["id"], notify_on_open=True)

    human_open(email["id"])
    assert notification_mails(rep) == []  # sent by the bulk worker, not by the tracker
    run_queued_jobs()

    [mail] = notification_mails(rep)
    parsed = message_from_string(mail["raw"], policy=policy.default)
    assert parsed["From"].addresses[0].addr_spec == NOTIFY_ADDRESS
    assert [to.addr_spec for to in parsed["To"].addresses] == [address(rep)]
    assert notification_mails(api) == []


def test_reopens_and_machine_opens_add_no_notification(api, yamada):
    email = notify_email(api, yamada["id"], notify_on_open=True)

    machine_opens(email["id"])
    run_queued_jobs()
    assert notifications(api)["items"] == [] and notification_mails(api) == []

    human_open(email["id"])
    human_open(email["id"])
    machine_opens(email["id"])
    run_queued_jobs()

    listed = notifications(api)
    assert [item["kind"] for item in listed["items"]] == ["email_opened"] and listed["unread_count"] == 1
    assert len(notification_mails(api)) == 1


def test_no_notification_without_the_flags(api, yamada):
    email = age(api, notify_email(api, yamada["id"]))

    human_open(email["id"])
    human_click(email["id"])
    run_queued_jobs()

    listed = notifications(api)
    assert listed["items"] == [] and listed["unread_count"] == 0
    assert notification_mails(api) == []


def test_a_persons_first_click_notifies_once(api, yamada):
    email = age(api, notify_email(api, yamada["id"], subject="資料のご案内", notify_on_click=True))

    human_open(email["id"])  # notify_on_open is off
    assert notifications(api)["items"] == []
    for _ in range(3):
        human_click(email["id"], 0)
    human_click(email["id"], 1)
    run_queued_jobs()

    [item] = notifications(api)["items"]
    assert (item["kind"], item["email_id"], item["contact_id"], item["subject"], item["read"]) == (
        "email_clicked", email["id"], yamada["id"], "資料のご案内", False)
    [mail] = notification_mails(api)
    assert message_from_string(mail["raw"], policy=policy.default)["From"].addresses[0].addr_spec == NOTIFY_ADDRESS


def test_machine_clicks_never_notify(api, yamada):
    fresh = notify_email(api, yamada["id"], notify_on_click=True)
    human_click(fresh["id"])  # right after sending: a link scanner
    aged = age(api, notify_email(api, yamada["id"], notify_on_click=True))
    machine_click(aged["id"])  # HEAD
    run_queued_jobs()

    assert notifications(api)["items"] == [] and notification_mails(api) == []


def test_an_open_and_a_click_are_two_notifications_newest_first(api, yamada):
    email = age(api, notify_email(api, yamada["id"], notify_on_open=True, notify_on_click=True))

    human_open(email["id"])
    time.sleep(0.01)
    human_click(email["id"])
    run_queued_jobs()

    listed = notifications(api)
    assert [(item["kind"], item["email_id"]) for item in listed["items"]] == [
        ("email_clicked", email["id"]), ("email_opened", email["id"])]
    assert listed["items"][0]["occurred_at"] >= listed["items"][1]["occurred_at"]
    assert listed["unread_count"] == 2
    assert len(notification_mails(api)) == 2


# =================================================================================================
# Notifications: reading them
# =================================================================================================


def opened_notifications(api: Api, contact_id: str, count: int) -> list[str]:
    """`count` notifications for `api`'s user (one per opened email); their ids, newest first."""
    for _ in range(count):
        human_open(notify_email(api, contact_id, notify_on_open=True)["id"])
        time.sleep(0.01)
    ids = [item["id"] for item in notifications(api)["items"]]
    assert len(ids) == count
    return ids


def test_marking_one_read_filters_it_out_of_unread(api, yamada):
    newest, oldest = opened_notifications(api, yamada["id"], 2)

    reply = api.patch(f"/v1/me/notifications/{oldest}", {"read": True})

    assert reply.status == 200, reply.body
    assert (reply.body["id"], reply.body["read"]) == (oldest, True)
    unread = notifications(api, unread="true")
    assert [item["id"] for item in unread["items"]] == [newest] and unread["unread_count"] == 1
    every = notifications(api)
    assert [(item["id"], item["read"]) for item in every["items"]] == [(newest, False), (oldest, True)]
    assert every["unread_count"] == 1


def test_a_read_notification_can_be_marked_unread_again(api, yamada):
    [only] = opened_notifications(api, yamada["id"], 1)
    assert api.patch(f"/v1/me/notifications/{only}", {"read": True}).status == 200
    assert notifications(api)["unread_count"] == 0

    reply = api.patch(f"/v1/me/notifications/{only}", {"read": False})

    assert reply.status == 200, reply.body
    assert reply.body["read"] is False
    unread = notifications(api, unread="true")
    assert [item["id"] for item in unread["items"]] == [only] and unread["unread_count"] == 1


def test_read_all_marks_only_the_callers_notifications(api, yamada):
    rep = api.as_("user")
    opened_notifications(api, yamada["id"], 2)
    opened_notifications(rep, yamada["id"], 1)

    reply = api.post("/v1/me/notifications/read-all")

    assert reply.status == 204, reply.body
    mine = notifications(api)
    assert mine["unread_count"] == 0 and all(item["read"] for item in mine["items"]) and len(mine["items"]) == 2
    assert notifications(api, unread="true")["items"] == []
    theirs = notifications(rep)
    assert theirs["unread_count"] == 1 and [item["read"] for item in theirs["items"]] == [False]


def test_another_users_notification_is_404_and_unchanged(api, yamada):
    [theirs] = opened_notifications(api, yamada["id"], 1)
    colleague = api.as_("admin")
    stranger = Api(f"ntf-{api.tenant}")

    assert_error(colleague.patch(f"/v1/me/notifications/{theirs}", {"read": True}), 404)
    assert_error(stranger.patch(f"/v1/me/notifications/{theirs}", {"read": True}), 404)
    assert_error(api.patch(f"/v1/me/notifications/{NO_SUCH_ID}", {"read": True}), 404)
    assert colleague.post("/v1/me/notifications/read-all").status == 204
    listed = notifications(api)
    assert [(item["id"], item["read"]) for item in listed["items"]] == [(theirs, False)]
    assert listed["unread_count"] == 1


@pytest.mark.parametrize("body", [{"read": "yes"}, {}, {"read": None}, {"read": 1}])
def test_a_bad_patch_body_is_refused(api, yamada, body):
    [only] = opened_notifications(api, yamada["id"], 1)
    assert_error(api.patch(f"/v1/me/notifications/{only}", body), 422, "read")
    assert notifications(api)["items"][0]["read"] is False


def test_notifications_page_with_limit_and_cursor(api, yamada):
    newest, oldest = opened_notifications(api, yamada["id"], 2)

    first = notifications(api, limit=1)
    assert [item["id"] for item in first["items"]] == [newest] and first["next_cursor"]
    assert first["unread_count"] == 2
    second = notifications(api, limit=1, cursor=first["next_cursor"])
    assert [item["id"] for item in second["items"]] == [oldest] and second["next_cursor"] is None
    assert_error(api.get("/v1/me/notifications", query={"limit": 1, "cursor": "garbage"}), 400)
