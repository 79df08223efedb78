"""POST/GET/PATCH/DELETE /v1/emails and /v1/me/mailbox through the handlers: what leaves (the
local outbox, a real SMTP server), what is stored (folders, threads, the contact's timeline and
fields), the scheduled email's trigger in the emulated EventBridge Scheduler, and every refusal."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from email import message_from_bytes, policy
from typing import Any
from unittest.mock import ANY

import pytest

from conftest import Api, Reply, assert_error, create
from mail_support import (  # noqa: F401 - outbox_listening is an autouse fixture
    at,
    at_expression,
    folder,
    folder_ids,
    html_of,
    in_contract_form,
    outbox,
    outbox_entries,
    outbox_listening,
    send,
    sent,
    set_contact_field,
    the_message,
    timeline,
    trigger_of,
)
from smtp_support import SMTP_PASSWORD, SMTP_USER, Received, free_port, mailbox_body, smtp_server  # noqa: F401 - a fixture

NO_EMAIL = "This contact has no email address; add one before sending."
TRACK_BASE = "https://track.example.test"


@pytest.fixture
def yamada(api):
    return create(api, family_name="山田", given_name="太郎", email="taro@example.jp",
                  company="株式会社サンプル")


# --- sending now -------------------------------------------------------------------------------

HTML = '<p>{{contact.family_name}}様</p><p><a href="https://example.com/a?x=1&amp;y=2">資料</a></p>'


def test_an_email_is_sent_now_as_a_well_formed_message(api, yamada):
    email = sent(api, yamada["id"], subject="{{contact.family_name}}様 ご提案", body_html=HTML,
                 cc=["boss@example.jp"], bcc=["log@example.jp"])

    assert email["status"] == "sent"
    assert email["message_id"] == f"<{email['id']}@example.jp>"
    assert email["provider_message_id"]
    entry, message = the_message(email["id"])
    assert message["From"].addresses[0].addr_spec == f"{api.user_id}@example.jp"
    assert [address.addr_spec for address in message["To"].addresses] == ["taro@example.jp"]
    assert [address.addr_spec for address in message["Cc"].addresses] == ["boss@example.jp"]
    assert "Bcc" not in message and "log@example.jp" not in entry["raw"]
    assert entry["bcc"] == ["log@example.jp"] and entry["transport"] == "ses"
    assert message["Subject"] == "山田様 ご提案" == entry["subject"]
    # SES gives the message its own Message-ID (infra/local/ses.py); ours stays the email's message_id
    assert message["Message-ID"] == f"<{email['provider_message_id']}@ap-northeast-1.amazonses.com>"
    assert message.get_content_type() == "multipart/alternative"
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]
    assert message.get_body(("plain",)).get_content().rstrip("\r\n") == "本文です"  # CRLF: base64 of canonical text
    assert "<p>山田様</p>" in html_of(message)


@pytest.mark.parametrize("track_clicks", [True, False])
def test_links_point_at_the_tracker_only_when_clicks_are_tracked(api, yamada, track_clicks):
    email = sent(api, yamada["id"], body_html=HTML, track_clicks=track_clicks)

    html = html_of(the_message(email["id"])[1])
    if track_clicks:
        assert f'href="{TRACK_BASE}/t/c/' in html and "example.com/a" not in html
    else:
        assert 'href="https://example.com/a?x=1&amp;y=2"' in html and "/t/c/" not in html


@pytest.mark.parametrize("track_opens, body_html, pixel", [
    (True, HTML, True), (False, HTML, False), (True, None, False),
])
def test_the_open_pixel_is_there_only_when_opens_are_tracked_in_html(api, yamada, track_opens, body_html, pixel):
    email = sent(api, yamada["id"], body_html=body_html, track_opens=track_opens)

    entry, message = the_message(email["id"])
    html = html_of(message)
    assert (body_html is not None) == (html is not None)
    assert (f'<img src="{TRACK_BASE}/t/o/' in (html or "")) == pixel
    assert ("/t/o/" in message.get_body(("plain",)).get_content()) is False


# --- what sending changes on the contact -------------------------------------------------------


def test_sending_marks_the_contact_contacted_and_writes_the_timeline(api, yamada):
    first = sent(api, yamada["id"])
    second = sent(api, yamada["id"], subject="二通目")

    contact = api.get(f"/v1/contacts/{yamada['id']}").body
    assert first["sent_at"] < second["sent_at"]
    assert contact["first_contacted_at"] == first["sent_at"]
    assert contact["last_contacted_at"] == second["sent_at"]
    assert contact["owner_id"] == api.user_id  # owned by its creator, unchanged
    entries = timeline(api, yamada["id"], "email_sent")
    assert sorted(entry["data"]["email_id"] for entry in entries) == sorted([first["id"], second["id"]])
    assert timeline(api, yamada["id"], "owner_assigned") == []


def test_the_sender_becomes_owner_of_an_ownerless_contact(api):
    contact = create(api, family_name="無主", email="nobody@example.jp", owner_id=None)
    assert contact["owner_id"] is None
    rep = api.as_("user")

    email = sent(rep, contact["id"])

    assert api.get(f"/v1/contacts/{contact['id']}").body["owner_id"] == rep.user_id
    assert [entry["data"]["email_id"] for entry in timeline(api, contact["id"], "email_sent")] == [email["id"]]
    [assigned] = timeline(api, contact["id"], "owner_assigned")
    assert assigned["data"]["owner_id"] == rep.user_id


def test_an_owned_contact_keeps_its_owner(api):
    manager = api.as_("manager")
    contact = create(manager, family_name="有主", email="owned@example.jp")

    sent(api.as_("user"), contact["id"])

    assert api.get(f"/v1/contacts/{contact['id']}").body["owner_id"] == manager.user_id
    assert timeline(api, contact["id"], "owner_assigned") == []


# --- refusals ----------------------------------------------------------------------------------


def assert_refused(api: Api, reply: Reply, status: int, *fields: str) -> None:
    """Refused with the contract's error, and nothing sent, stored or scheduled."""
    assert_error(reply, status, *fields)
    assert outbox().items() == []
    assert folder_ids(api, "sent") == [] and folder_ids(api, "scheduled") == []


@pytest.fixture
def refusing(api):
    """An empty outbox, so a refusal can show that nothing left."""
    outbox().clear()
    return api


def test_a_contact_without_email_is_refused_with_the_contract_message(refusing):
    contact = create(refusing, family_name="山田")
    reply = send(refusing, contact["id"])
    assert_refused(refusing, reply, 422)
    assert reply.error["message"] == NO_EMAIL


def test_an_empty_merge_value_is_refused_and_named(refusing, yamada):
    reply = send(refusing, yamada["id"], subject="{{contact.title}}様")
    assert_refused(refusing, reply, 422, "subject")
    assert "contact.title" in " ".join(detail["message"] for detail in reply.error["details"])


def test_an_unknown_merge_field_is_refused(refusing, yamada):
    assert_refused(refusing, send(refusing, yamada["id"], body_text="{{contact.shoe_size}}"), 422, "body_text")


@pytest.mark.parametrize("status", ["invalid_address", "error", "spam"])
def test_a_suppressed_address_is_refused(refusing, yamada, status):
    set_contact_field(refusing, yamada["id"], "delivery_status", status)
    reply = send(refusing, yamada["id"])
    assert_refused(refusing, reply, 422, "contact_id")
    assert status in reply.error["message"]


@pytest.mark.parametrize("send_at", [at(-60), at(366 * 24 * 3600), "tomorrow 9am", "2030-01-01", 12345])
def test_a_bad_send_at_is_refused(refusing, yamada, send_at):
    assert_refused(refusing, send(refusing, yamada["id"], send_at=send_at), 422, "send_at")


@pytest.mark.parametrize("subject", ["こんにちは\r\nBcc: evil@example.com", "改行\n", "復帰\r"])
def test_a_line_break_in_the_subject_is_refused(refusing, yamada, subject):
    assert_refused(refusing, send(refusing, yamada["id"], subject=subject), 422, "subject")


def test_smtp_without_a_mailbox_is_refused(refusing, yamada):
    assert_refused(refusing, send(refusing, yamada["id"], transport="smtp"), 422, "transport")


def test_a_reply_to_an_unknown_email_is_refused(refusing, yamada):
    assert_refused(refusing, send(refusing, yamada["id"], in_reply_to="01JUNKNOWNEMAIL0000000000"), 422, "in_reply_to")


def test_a_reply_to_an_email_of_another_contact_is_refused(api, yamada):
    other = create(api, family_name="佐藤", email="sato@example.jp")
    first = sent(api, other["id"])
    outbox().clear()

    reply = send(api, yamada["id"], in_reply_to=first["id"])

    assert_error(reply, 422, "in_reply_to")
    assert outbox().items() == [] and folder_ids(api, "sent") == [first["id"]]


def test_an_unknown_or_foreign_contact_is_404(refusing, yamada):
    assert_refused(refusing, send(refusing, "01JNOSUCHCONTACT000000000"), 404)
    stranger = Api(f"em-{refusing.tenant}")
    assert_error(send(stranger, yamada["id"]), 404)
    assert outbox().items() == [] and folder_ids(stranger) == []


# --- threads -----------------------------------------------------------------------------------


def test_a_reply_threads_with_its_parent(api, yamada):
    first = sent(api, yamada["id"], subject="ご提案")
    second = sent(api, yamada["id"], subject="Re: ご提案", in_reply_to=first["id"])

    _, message = the_message(second["id"])
    assert message["In-Reply-To"] == first["message_id"]
    assert first["message_id"] in message["References"].split()
    assert second["in_reply_to"] == first["id"] and second["thread_id"] == first["thread_id"]
    for email_id in (first["id"], second["id"]):
        reply = api.get(f"/v1/emails/{email_id}/thread")
        assert reply.status == 200, reply.body
        assert [email["id"] for email in reply.body["items"]] == [first["id"], second["id"]]


# --- folders -----------------------------------------------------------------------------------


def test_the_sent_folder_is_newest_first_and_pages(api, yamada):
    ids = [sent(api, yamada["id"], subject=f"{number}通目")["id"] for number in range(3)]

    assert folder_ids(api) == folder_ids(api, "sent") == ids[::-1]
    first = folder(api, "sent", limit=2).body
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = folder(api, "sent", limit=2, cursor=first["next_cursor"]).body
    assert [email["id"] for email in first["items"] + second["items"]] == ids[::-1]
    assert second["next_cursor"] is None
    assert folder_ids(api, "received") == []


def test_bad_folder_and_cursors_are_refused(api, yamada):
    for _ in range(2):
        sent(api, yamada["id"])
    cursor = folder(api, "sent", limit=1).body["next_cursor"]

    assert_error(folder(api, "inbox"), 422, "folder")
    assert_error(folder(api, "sent", limit=0), (400, 422))
    tampered = cursor[:5] + ("A" if cursor[5] != "A" else "B") + cursor[6:]
    assert_error(folder(api, "sent", limit=1, cursor=tampered), 400)
    assert_error(folder(api, "scheduled", limit=1, cursor=cursor), 400)  # another query
    assert_error(folder(Api(f"em-{api.tenant}"), "sent", limit=1, cursor=cursor), 400)  # another tenant


def test_the_scheduled_folder_is_soonest_first(api, yamada):
    later, soonest, middle = (sent(api, yamada["id"], send_at=at(hours * 3600))["id"] for hours in (3, 1, 2))
    assert folder_ids(api, "scheduled") == [soonest, middle, later]
    assert folder_ids(api, "sent") == []


# --- scheduled emails --------------------------------------------------------------------------


def test_a_scheduled_email_waits_with_a_one_time_trigger(api, yamada):
    outbox().clear()
    email = sent(api, yamada["id"], send_at=at(3600))

    assert email["status"] == "scheduled" and email["sent_at"] is None
    assert outbox().items() == []
    assert folder_ids(api, "scheduled") == [email["id"]]
    trigger = trigger_of(email["id"])
    assert trigger is not None
    assert trigger["ScheduleExpression"] == at_expression(email["send_at"])
    assert json.loads(trigger["Target"]["Input"]) == {"tenant": api.tenant, "email_id": email["id"],
                                                      "correlation_id": ANY}  # tests/test_observability.py
    assert trigger["Target"]["Arn"] == os.environ["SCHEDULED_SEND_ARN"]
    assert trigger["ActionAfterCompletion"] == "DELETE"
    assert api.get(f"/v1/emails/{email['id']}").body == email


def test_rescheduling_moves_the_email_and_its_trigger(api, yamada):
    email = sent(api, yamada["id"], send_at=at(3600))
    new_time = at(7200)

    reply = api.patch(f"/v1/emails/{email['id']}", {"send_at": new_time})

    assert reply.status == 200, reply.body
    assert reply.body["status"] == "scheduled"
    assert reply.body["send_at"] == in_contract_form(new_time)
    assert trigger_of(email["id"])["ScheduleExpression"] == at_expression(reply.body["send_at"])
    assert api.get(f"/v1/emails/{email['id']}").body["send_at"] == reply.body["send_at"]


@pytest.mark.parametrize("body", [{"send_at": at(-60)}, {"send_at": "soon"}, {"send_at": None}, {},
                                  {"send_at": at(7200), "subject": "x"}])
def test_a_bad_reschedule_is_refused(api, yamada, body):
    email = sent(api, yamada["id"], send_at=at(3600))
    assert_error(api.patch(f"/v1/emails/{email['id']}", body), 422, "send_at")
    assert api.get(f"/v1/emails/{email['id']}").body["send_at"] == email["send_at"]
    assert trigger_of(email["id"])["ScheduleExpression"] == at_expression(email["send_at"])


def test_cancelling_stops_the_email_and_deletes_its_trigger(api, yamada):
    email = sent(api, yamada["id"], send_at=at(3600))

    reply = api.delete(f"/v1/emails/{email['id']}")

    assert reply.status == 204, reply.body
    assert api.get(f"/v1/emails/{email['id']}").body["status"] == "cancelled"
    assert folder_ids(api, "scheduled") == [] and folder_ids(api, "sent") == []
    assert trigger_of(email["id"]) is None
    assert_error(api.delete(f"/v1/emails/{email['id']}"), 409)
    assert_error(api.patch(f"/v1/emails/{email['id']}", {"send_at": at(7200)}), 409)


def test_a_sent_email_cannot_be_cancelled_or_moved(api, yamada):
    email = sent(api, yamada["id"])
    assert_error(api.delete(f"/v1/emails/{email['id']}"), 409)
    assert_error(api.patch(f"/v1/emails/{email['id']}", {"send_at": at(3600)}), 409)
    assert api.get(f"/v1/emails/{email['id']}").body["status"] == "sent"


def test_only_the_sender_or_a_manager_may_cancel(api, yamada):
    rep = api.as_("user")
    email = sent(rep, yamada["id"], send_at=at(3600))

    assert_error(api.as_("user").delete(f"/v1/emails/{email['id']}"), 403)
    assert_error(api.as_("user").patch(f"/v1/emails/{email['id']}", {"send_at": at(7200)}), 403)
    assert api.get(f"/v1/emails/{email['id']}").body["status"] == "scheduled"
    assert api.as_("manager").delete(f"/v1/emails/{email['id']}").status == 204
    assert api.get(f"/v1/emails/{email['id']}").body["status"] == "cancelled"


def test_unknown_and_foreign_emails_are_404(api, yamada):
    email = sent(api, yamada["id"], send_at=at(3600))
    stranger = Api(f"em-{api.tenant}")
    for path in (f"/v1/emails/{email['id']}", f"/v1/emails/{email['id']}/thread",
                 "/v1/emails/01JNOSUCHEMAIL00000000000"):
        assert_error(stranger.get(path), 404)
    assert_error(stranger.delete(f"/v1/emails/{email['id']}"), 404)
    assert_error(stranger.patch(f"/v1/emails/{email['id']}", {"send_at": at(7200)}), 404)
    assert api.get(f"/v1/emails/{email['id']}").body["status"] == "scheduled"


# --- owner visibility --------------------------------------------------------------------------


def test_under_owner_visibility_a_user_sends_to_and_sees_only_their_own(api, yamada):
    assert api.put("/v1/settings", {"owner_visibility_restricted": True}).status == 200
    rep = api.as_("user")
    theirs = create(rep, family_name="鈴木", email="suzuki@example.jp")
    outbox().clear()

    assert_error(send(rep, yamada["id"]), 404)  # the owner's contact
    assert outbox().items() == []
    own = sent(rep, theirs["id"])
    owners = sent(api, yamada["id"])

    assert folder_ids(rep) == [own["id"]]
    assert folder_ids(api) == [owners["id"], own["id"]]
    assert_error(rep.get(f"/v1/emails/{owners['id']}"), 404)
    assert_error(rep.get(f"/v1/emails/{owners['id']}/thread"), 404)
    assert rep.get(f"/v1/emails/{own['id']}").status == 200


# --- SMTP --------------------------------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_an_email_goes_through_the_senders_own_smtp_server(api, yamada, smtp_server):
    server, port = smtp_server
    assert api.put("/v1/me/mailbox", mailbox_body(port)).status == 200

    email = sent(api, yamada["id"], transport="smtp", cc=["boss@example.jp"], bcc=["log@example.jp"])

    assert email["status"] == "sent" and email["transport"] == "smtp"
    assert email["provider_message_id"] is None
    entry, message = the_message(email["id"])
    assert entry["transport"] == "smtp"
    assert server.received == [Received(f"{api.user_id}@example.jp",
                                        ["taro@example.jp", "boss@example.jp", "log@example.jp"],
                                        entry["raw"].encode("ascii"))]
    assert message["Message-ID"] == email["message_id"] and "Bcc" not in message
    assert timeline(api, yamada["id"], "email_sent")[0]["data"]["transport"] == "smtp"


def test_an_smtp_failure_marks_the_email_failed_and_records_nothing(api, yamada):
    assert api.put("/v1/me/mailbox", mailbox_body(free_port())).status == 200  # nothing listens there
    before = api.get(f"/v1/contacts/{yamada['id']}").body

    email = sent(api, yamada["id"], transport="smtp")

    assert email["status"] == "failed" and email["failure_reason"].strip()
    assert email["sent_at"] is None
    assert outbox_entries(email["id"]) == []
    assert api.get(f"/v1/emails/{email['id']}").body["status"] == "failed"
    after = api.get(f"/v1/contacts/{yamada['id']}").body
    assert after["last_contacted_at"] is None and after["first_contacted_at"] is None
    assert after == before
    assert timeline(api, yamada["id"], "email_sent") == []


# --- /v1/me/mailbox ----------------------------------------------------------------------------


def test_the_mailbox_is_stored_without_ever_answering_the_password(api):
    replies = []
    stored = api.put("/v1/me/mailbox", mailbox_body(2525))
    replies.append(stored)
    assert stored.status == 200, stored.body
    assert stored.body == {"host": "127.0.0.1", "port": 2525, "security": "none", "username": SMTP_USER,
                           "password_set": True, "imap": None, "last_synced_at": None, "status": None, "error": None}
    replies.append(api.get("/v1/me/mailbox"))
    assert replies[-1].status == 200 and replies[-1].body == stored.body
    without_password = {k: v for k, v in mailbox_body(2526).items() if k != "password"}
    replies.append(api.put("/v1/me/mailbox", without_password))  # keeps the stored password
    assert replies[-1].status == 200 and replies[-1].body["port"] == 2526 and replies[-1].body["password_set"]
    assert all(SMTP_PASSWORD not in json.dumps(reply.body) for reply in replies)

    assert api.delete("/v1/me/mailbox").status == 204
    assert_error(api.get("/v1/me/mailbox"), 404)
    assert_error(api.delete("/v1/me/mailbox"), 404)


def test_a_mailbox_deleted_and_set_up_again_keeps_the_new_password(api):
    """Secrets Manager deletes the old secret in the background (CreateSecret of its name fails
    meanwhile), so the mailbox set up again must not need that name."""
    from shared.db import emails as repository
    from shared.services import mailboxes

    assert api.put("/v1/me/mailbox", mailbox_body(2525)).status == 200
    first = repository.get_mailbox(api.tenant, api.user_id)["secret_id"]
    assert api.delete("/v1/me/mailbox").status == 204

    again = api.put("/v1/me/mailbox", {**mailbox_body(2526), "password": "new-secret-2"})

    assert again.status == 200, again.body
    assert api.get("/v1/me/mailbox").body["port"] == 2526
    stored = repository.get_mailbox(api.tenant, api.user_id)
    assert stored["secret_id"] != first and mailboxes.password(stored) == "new-secret-2"
    assert api.put("/v1/me/mailbox", {**mailbox_body(2526), "password": "third-1"}).status == 200
    assert mailboxes.password(repository.get_mailbox(api.tenant, api.user_id)) == "third-1"


def test_the_first_mailbox_needs_a_password(api):
    without_password = {k: v for k, v in mailbox_body(2525).items() if k != "password"}
    assert_error(api.put("/v1/me/mailbox", without_password), 422, "password")
    assert_error(api.get("/v1/me/mailbox"), 404)


def test_the_mailbox_is_per_user(api):
    assert api.put("/v1/me/mailbox", mailbox_body(2525)).status == 200
    assert_error(api.as_("owner").get("/v1/me/mailbox"), 404)





# --- the sender, as the token names them -------------------------------------------------------


class SenderApi(Api):
    """A caller whose token carries other `email`/`name` claims (Cognito lets users edit `name`)."""

    def __init__(self, tenant: str, **claims: str):
        super().__init__(tenant, "owner")
        self.extra = claims

    def claims(self):
        return {**super().claims(), **self.extra}


@pytest.mark.parametrize("claims", [{"name": "営業\r\nBcc: x@evil.example"}, {"email": "rep@例え.jp"}])
@pytest.mark.parametrize("when", ["now", "scheduled"])
def test_a_sender_that_cannot_be_written_in_a_header_is_refused_before_anything_is_stored(api, yamada, claims, when):
    outbox().clear()
    sender = SenderApi(api.tenant, **claims)

    reply = send(sender, yamada["id"], **({"send_at": at(3600)} if when == "scheduled" else {}))

    assert_error(reply, 422)
    assert outbox().items() == []
    listed = folder(api, "sent").body["items"] + folder(api, "scheduled").body["items"]
    stored = [(email["status"], email["id"]) for email in listed]
    assert stored == [], f"refused with {reply.status}, yet stored: {stored}"


def test_the_message_id_answered_is_on_the_senders_domain_as_the_message_goes_out(api, yamada):
    # NFKC: the message goes out from rep@example.jp, the address the token spells in full width
    sender = SenderApi(api.tenant, email="ｒｅｐ@ｅｘａｍｐｌｅ.jp")
    email = sent(sender, yamada["id"])
    _, message = the_message(email["id"])
    assert email["message_id"] == f"<{email['id']}@example.jp>"
    assert message["From"].addresses[0].addr_spec == email["from"]["email"] == "rep@example.jp"


# --- pure rules of shared/domain/outbound.py ---------------------------------------------------

NOW = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)


def parse(**fields: Any):
    from shared.domain import outbound

    return outbound.parse_request({"contact_id": "c1", "subject": "s", "body_text": "b", **fields}, NOW)


def field_errors(call) -> set[str]:
    from shared.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as raised:
        call()
    return {detail.field for detail in raised.value.details}


def test_parse_request_defaults():
    request = parse()
    assert (request.track_opens, request.track_clicks, request.transport, request.send_at, request.in_reply_to) == \
        (True, True, "ses", None, None)


def test_parse_request_normalises_send_at_to_utc_milliseconds():
    assert parse(send_at="2026-04-01T09:00:01.123456+09:00").send_at == "2026-04-01T00:00:01.123Z"


@pytest.mark.parametrize("send_at, ok", [
    ("2026-04-01T00:00:00Z", False),            # exactly now: not to come
    ("2026-04-01T00:00:00.001Z", True),
    ("2027-04-01T00:00:00Z", True),             # exactly 365 days ahead
    ("2027-04-01T00:00:00.001Z", False),
    ("2026-04-02", False), ("2026-04-01T25:00:00Z", False), ("", False), (None, True),
])
def test_send_at_bounds(send_at, ok):
    if ok:
        assert parse(send_at=send_at)
    else:
        assert field_errors(lambda: parse(send_at=send_at)) == {"send_at"}


def test_parse_request_names_every_wrong_field():
    from shared.domain import outbound

    body = {"contact_id": "", "transport": "fax", "track_opens": "yes", "in_reply_to": 1, "priority": "high"}
    assert field_errors(lambda: outbound.parse_request(body, NOW)) == \
        {"contact_id", "transport", "track_opens", "in_reply_to", "priority"}
    assert field_errors(lambda: outbound.parse_request(["not", "an", "object"], NOW)) == {"body"}


def test_parse_send_at_requires_a_time():
    from shared.domain import outbound

    assert field_errors(lambda: outbound.parse_send_at(None, NOW)) == {"send_at"}
    assert outbound.parse_send_at("2026-04-01T01:00:00Z", NOW) == "2026-04-01T01:00:00.000Z"


def stored_email(**overrides: Any) -> dict[str, Any]:
    from shared.domain import mail, outbound

    request = parse(body_html='<a href="https://example.com/x">x</a> <a href="mailto:a@example.jp">m</a>',
                    **overrides.pop("request", {}))
    rendered = mail.RenderedEmail("件名", "本文", request.body_html)
    return outbound.new_email(
        email_id="01JEMAIL00000000000000000A", contact_id="c1", request=request,
        recipients=mail.Recipients("to@example.jp", ("cc@example.jp",)),
        rendered=rendered, sender={"id": "u1", "name": "営業", "email": "Rep@Example.JP"},
        parent=overrides.pop("parent", None), now="2026-04-01T00:00:00.000Z",
    )


def test_a_new_email_takes_its_ids_from_the_sender_and_its_parent():
    first = stored_email()
    assert first["message_id"] == "<01JEMAIL00000000000000000A@example.jp>"
    assert first["status"] == "sending" and first["thread_id"] == first["email_id"]
    assert first["links"] == ["https://example.com/x"]
    parent = {**first, "email_id": "P", "message_id": "<P@example.jp>", "references": ["<R@example.jp>"],
              "thread_id": "T"}
    reply = stored_email(parent=parent)
    assert reply["in_reply_to"] == "P" and reply["thread_id"] == "T"
    assert reply["references"] == ["<R@example.jp>", "<P@example.jp>"]
    assert stored_email(request={"track_clicks": False})["links"] == []
    assert stored_email(request={"send_at": "2026-04-02T00:00:00Z"})["status"] == "scheduled"


@pytest.mark.parametrize("status, folder_name, pending", [
    ("scheduled", "scheduled", ("@DUE", "2026-04-02T00:00:00.000Z")),
    ("sending", "sent", ("@SENDING", "2026-04-01T00:00:00.000Z")),  # since it began: the sweep settles a stuck one
    ("sent", "sent", None), ("failed", "sent", None), ("cancelled", None, None),
])
def test_index_keys_follow_the_state(status, folder_name, pending):
    from shared.domain import outbound

    email = {**stored_email(), "status": status, "send_at": "2026-04-02T00:00:00.000Z",
             "updated_at": "2026-04-01T00:00:00.000Z"}
    keys = outbound.index_keys("t1", email)
    assert outbound.folder_of(status) == folder_name
    assert (keys["gsi1pk"] is not None) == (folder_name is not None)
    if folder_name:
        assert keys["gsi1pk"] == f"t1#MAIL#{folder_name}" and keys["gsi2pk"] == f"t1#MAIL#{folder_name}#BY#u1"
    assert (keys["gsi5pk"], keys["gsi5sk"]) == \
        ((pending[0], f"{pending[1]}#t1#{email['email_id']}") if pending else (None, None))
    assert keys["gsi3pk"] == f"t1#THREAD#{email['thread_id']}"


def test_public_has_zero_counters_and_no_internals():
    from shared.domain import outbound

    shown = outbound.public(stored_email())
    counters = ("open_count", "click_count", "machine_open_count", "machine_click_count")
    assert [shown[name] for name in counters] == [0, 0, 0, 0]
    assert "links" not in shown and "references" not in shown and "click_times" not in shown
    assert shown["from"] == {"id": "u1", "name": "営業", "email": "Rep@Example.JP"}


def test_an_oversized_email_is_refused():
    from shared.domain import mail, outbound
    from shared.errors import PayloadTooLarge

    outbound.check_size(mail.RenderedEmail("s", "あ" * (80 * 1024), None))  # 240 KB
    with pytest.raises(PayloadTooLarge):
        outbound.check_size(mail.RenderedEmail("s", "あ" * (90 * 1024), None))


def test_build_message_signs_tokens_for_this_tenant_and_email():
    from shared.domain import outbound, tracking

    keyring = tracking.Keyring(tracking.Key("k1", b"0123456789abcdef0123456789abcdef"))
    raw = outbound.build_message("t1", stored_email(), keyring, "https://t.example", NOW)
    html = message_from_bytes(raw, policy=policy.default).get_body(("html",)).get_content()
    [open_token] = re.findall(r"https://t\.example/t/o/([A-Za-z0-9_-]+)", html)
    [click_token] = re.findall(r"https://t\.example/t/c/([A-Za-z0-9_-]+)", html)
    assert tracking.verify(keyring, "o", open_token) == ("t1", "01JEMAIL00000000000000000A", None)
    assert tracking.verify(keyring, "c", click_token) == ("t1", "01JEMAIL00000000000000000A", 0)
    assert 'href="mailto:a@example.jp"' in html
