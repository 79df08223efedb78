"""Received mail end to end: a raw message dropped into the inbound path (POST /_local/inbound:
the S3 object, then its event to MailEventsFunction) becomes an email of the `received` folder,
threaded to ours by its references, on the contact's timeline as their action."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from conftest import Api, create
from mail_support import drop, folder, local, outbox_listening, sent, the_message, timeline  # noqa: F401 - fixtures

FIXTURES = Path(__file__).parent / "fixtures" / "mail"


def message(*, sender: str, to: str = "rep@acme.co.jp", subject: str = "Re: ご提案",
            body: str = "ありがとうございます。", replying_to: str | None = None, **headers: str) -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, to, subject
    mail["Date"] = "Mon, 23 Nov 2026 15:00:00 +0900"
    if replying_to:
        mail["In-Reply-To"] = mail["References"] = replying_to
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    # a message id is never folded or encoded, however long (SES's are about 100 characters)
    return mail.as_bytes(policy=policy.default.clone(max_line_length=998))


@pytest.fixture
def contact(api):
    return create(api, family_name="山田", email="taro@example.jp")


def test_a_reply_is_threaded_to_our_email_even_with_another_subject(api, contact, local):
    ours = sent(api, contact["id"], subject="ご提案の件")
    result = drop(local, message(sender="Taro@Example.jp", subject="別件です", replying_to=ours["message_id"]))
    assert (result["received"], result["ignored"]) == (1, 0)
    received = folder(api, "received").body["items"]
    assert len(received) == 1
    reply = received[0]
    assert (reply["status"], reply["contact_id"], reply["in_reply_to"], reply["thread_id"]) == (
        "received", contact["id"], ours["id"], ours["thread_id"])
    assert reply["from"] == {"id": None, "name": None, "email": "taro@example.jp"}
    assert reply["subject"] == "別件です" and "ありがとうございます" in reply["body_text"]
    thread = api.get(f"/v1/emails/{ours['id']}/thread").body["items"]
    assert [item["status"] for item in thread] == ["sent", "received"]


def test_a_reply_naming_the_message_id_ses_gave_our_email_is_threaded_to_it(api, contact, local):
    """SES replaces our Message-ID with its own, so that is the id a real reply names."""
    ours = sent(api, contact["id"], subject="ご提案の件")
    _, delivered = the_message(ours["id"])  # as the recipient got it
    ses_id = delivered["Message-ID"]
    assert ses_id == f"<{ours['provider_message_id']}@ap-northeast-1.amazonses.com>" != ours["message_id"]

    result = drop(local, message(sender="taro@example.jp", subject="Re: ご提案の件", replying_to=ses_id))

    assert (result["received"], result["ignored"]) == (1, 0)
    thread = api.get(f"/v1/emails/{ours['id']}/thread").body["items"]
    assert [(item["status"], item["in_reply_to"]) for item in thread] == [("sent", None), ("received", ours["id"])]
    assert thread[1]["thread_id"] == ours["thread_id"] and thread[1]["contact_id"] == contact["id"]


@pytest.mark.parametrize("domain", ["email.amazonses.com", "eu-west-1.amazonses.com"])
def test_the_ses_message_id_of_any_region_finds_the_email_in_the_references(api, contact, local, domain):
    ours = sent(api, contact["id"])
    references = f"<unrelated@example.jp> <{ours['provider_message_id']}@{domain}>"
    drop(local, message(sender="taro@example.jp", References=references))
    thread = api.get(f"/v1/emails/{ours['id']}/thread").body["items"]
    assert [item["status"] for item in thread] == ["sent", "received"]


def test_a_reply_is_the_contacts_action_on_the_timeline(api, contact, local):
    ours = sent(api, contact["id"])
    drop(local, message(sender="taro@example.jp", replying_to=ours["message_id"]))
    stored = api.get(f"/v1/contacts/{contact['id']}").body
    assert stored["last_customer_action_type"] == "email_received"
    assert stored["last_customer_action_at"] == "2026-11-23T06:00:00.000Z"  # 15:00 JST
    [entry] = timeline(api, contact["id"], "email_received")
    assert entry["actor"] == {"kind": "contact", "id": contact["id"]} and entry["data"]["auto_reply"] is False


def test_the_timeline_shows_the_start_of_a_reply_without_the_message_it_quotes(api, contact, local):
    ours = sent(api, contact["id"])
    body = ("ご提案ありがとうございます。\n来週お打ち合わせできますか。\n\n"
            "2026年11月20日(金) 10:00 営業 太郎 <rep@acme.co.jp>:\n"
            "> ご提案をお送りします。\n> よろしくお願いします。\n")
    drop(local, message(sender="taro@example.jp", replying_to=ours["message_id"], body=body))

    [entry] = timeline(api, contact["id"], "email_received")

    assert entry["data"]["excerpt"] == "ご提案ありがとうございます。 来週お打ち合わせできますか。"


def test_an_auto_reply_is_recorded_but_is_not_the_contacts_action(api, contact, local):
    ours = sent(api, contact["id"])
    drop(local, message(sender="taro@example.jp", subject="不在のお知らせ", replying_to=ours["message_id"],
                        Auto_Submitted="auto-replied"))
    assert len(folder(api, "received").body["items"]) == 1
    assert api.get(f"/v1/contacts/{contact['id']}").body["last_customer_action_type"] is None
    [entry] = timeline(api, contact["id"], "email_received")
    assert entry["data"]["auto_reply"] is True


def test_an_outlook_automatic_reply_without_auto_submitted_is_not_the_contacts_action(api, contact, local):
    """Exchange's out-of-office reply sets no RFC 3834 header: its subject prefix tells."""
    ours = sent(api, contact["id"])
    drop(local, message(sender="taro@example.jp", subject="自動応答: ご提案", replying_to=ours["message_id"],
                        X_Auto_Response_Suppress="All", X_MS_Exchange_Inbox_Rules_Loop="taro@example.jp"))
    assert len(folder(api, "received").body["items"]) == 1
    assert api.get(f"/v1/contacts/{contact['id']}").body["last_customer_action_type"] is None
    [entry] = timeline(api, contact["id"], "email_received")
    assert entry["data"]["auto_reply"] is True


def test_a_bounce_report_is_left_to_the_ses_notifications(api, contact, local):
    sent(api, contact["id"])
    result = drop(local, (FIXTURES / "06_bounce_dsn.eml").read_bytes())
    assert (result["received"], result["ignored"]) == (0, 1)
    assert folder(api, "received").body["items"] == []


def test_mail_to_the_tenants_address_from_a_stranger_lands_unmatched(api, local):
    result = drop(local, message(sender="stranger@other.jp", to=f"{api.tenant}@in.example.test", subject="問い合わせ"))
    assert result["received"] == 1
    [item] = folder(api, "received").body["items"]
    assert (item["contact_id"], item["from"]["email"], item["subject"]) == ("", "stranger@other.jp", "問い合わせ")


def test_a_known_sender_to_the_tenants_address_is_matched_to_the_contact(api, contact, local):
    drop(local, message(sender="taro@example.jp", to=f"{api.tenant}+sales@in.example.test"))
    [item] = folder(api, "received").body["items"]
    assert item["contact_id"] == contact["id"]


def test_mail_for_no_tenant_is_ignored(api, local):
    result = drop(local, message(sender="a@b.jp", to="nobody@elsewhere.jp"))
    assert (result["received"], result["ignored"]) == (0, 1)


def test_a_reply_never_lands_in_another_tenant(api, contact, local):
    other = Api(f"{api.tenant}-other")
    create(other, family_name="山田", email="taro@example.jp")
    ours = sent(api, contact["id"])
    drop(local, message(sender="taro@example.jp", replying_to=ours["message_id"]))
    assert len(folder(api, "received").body["items"]) == 1
    assert folder(other, "received").body["items"] == []


def test_the_same_s3_object_delivered_twice_is_recorded_once(api, contact, local, moto_endpoint):
    from infra.local.inbound import s3_event
    from infra.local.server import invoke_function

    ours = sent(api, contact["id"])
    first = drop(local, message(sender="taro@example.jp", replying_to=ours["message_id"]))
    again = invoke_function("MailEventsFunction", s3_event("crm-inbound-test", first["key"]))
    assert again == {"received": 0, "ignored": 1}
    assert len(folder(api, "received").body["items"]) == 1


def test_japanese_mail_in_iso_2022_jp_is_stored_readable(api, local):
    raw = ((FIXTURES / "02_iso2022jp_plain.eml").read_bytes()
           .replace(b"\nTo:", f"\nTo: {api.tenant}@in.example.test,".encode(), 1))
    assert drop(local, raw)["received"] == 1
    [item] = folder(api, "received").body["items"]
    assert "①" in item["body_text"] and "㈱" in item["body_text"]


def test_a_received_email_can_be_deleted(api, local):
    drop(local, message(sender="stranger@other.jp", to=f"{api.tenant}@in.example.test"))
    [item] = folder(api, "received").body["items"]
    assert api.delete(f"/v1/emails/{item['id']}").status == 204
    assert folder(api, "received").body["items"] == []
    assert api.get(f"/v1/emails/{item['id']}").status == 404


def test_an_empty_drop_is_a_400(local):
    assert local.post("/_local/inbound", data=b"").status_code == 400


# --- a user's own mail, Bcc'd or forwarded to the tenant's address ---------------------------------

@pytest.fixture
def rep(api) -> Api:
    """A user of the tenant who set up their mailbox: their address is known to send for the tenant."""
    user = api.as_("user", user="rep1")
    reply = user.put("/v1/me/mailbox", {"host": "smtp.example.co.jp", "port": 587, "security": "starttls",
                                        "username": "rep1", "password": "secret-1"})
    assert reply.status == 200, reply.body
    return user


def test_a_users_own_mail_bccd_to_the_tenant_is_filed_as_sent_to_the_contact(api, contact, rep, local):
    """Seed 004: mail sent from the mail software sets 初回連絡日時 and 直近連絡日時, as a send from the CRM does."""
    ownerless = create(api, family_name="佐藤", email="sato@example.jp", owner_id=None)
    bcc = (f"from mail.example.jp by inbound-smtp.ap-northeast-1.amazonaws.com with SMTP id x1 "
           f"for {api.tenant}@in.example.test; Mon, 23 Nov 2026 15:00:01 +0900")
    raw = message(sender=f"Rep One <{rep.user_id.upper()}@example.jp>", to="Sato@Example.jp", subject="お見積りの件",
                  body="お世話になっております。", Received=bcc)
    result = drop(local, raw)
    assert (result["received"], result["ignored"]) == (1, 0)

    assert folder(api, "received").body["items"] == []
    [item] = folder(api, "sent").body["items"]
    assert (item["status"], item["contact_id"], item["from"]["id"], item["from"]["email"], item["to"]) == (
        "sent", ownerless["id"], rep.user_id, f"{rep.user_id}@example.jp", "sato@example.jp")
    after = api.get(f"/v1/contacts/{ownerless['id']}").body
    assert after["first_contacted_at"] == after["last_contacted_at"] == "2026-11-23T06:00:00.000Z"
    assert after["owner_id"] == rep.user_id  # as an email sent from the CRM makes its sender owner
    assert after.get("last_customer_action_at") is None
    assert sorted(entry["type"] for entry in timeline(api, ownerless["id"])) == ["email_sent", "owner_assigned"]
    assert timeline(api, contact["id"]) == []


def test_a_users_mail_to_no_contact_is_filed_as_sent_without_one(api, rep, local):
    drop(local, message(sender=f"{rep.user_id}@example.jp", to="someone@other.jp", cc=f"{api.tenant}@in.example.test"))
    [item] = folder(api, "sent").body["items"]
    assert (item["status"], item["contact_id"], item["from"]["id"]) == ("sent", "", rep.user_id)


def test_mail_from_a_user_without_a_mailbox_is_still_received(api, contact, local):
    drop(local, message(sender=f"{api.user_id}@example.jp", to="taro@example.jp", cc=f"{api.tenant}@in.example.test"))
    [item] = folder(api, "received").body["items"]
    assert item["status"] == "received"
    assert api.get(f"/v1/contacts/{contact['id']}").body.get("last_contacted_at") is None
