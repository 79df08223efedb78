"""Mailbox sync over IMAP through the handlers, against a real IMAP server (Dovecot, started by
tests/imap_support.py): PUT /v1/me/mailbox with `imap`, POST /v1/me/mailbox/sync and the
scheduled MailboxSyncFunction file the messages of the inbox and the Sent folder whose
counterpart is a contact, once each, threaded, as `source: "mailbox"`."""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from typing import Any

import pytest

from conftest import assert_error, create
from imap_support import IMAP_PASSWORD, CuttingProxy, imap_server, running_dovecot  # noqa: F401 - a fixture
from mail_support import drop, folder, local, sent, table, timeline  # noqa: F401 - local is a fixture
from oauth2_support import CLIENT_ID, CLIENT_SECRET, AuthorizationServer
from smtp_support import free_port, mailbox_body

CONTACT = "taro@example.jp"


def message(*, sender: str, to: str, subject: str = "ご提案", body: str = "よろしくお願いします。",
            message_id: str | None = None, replying_to: str | None = None,
            date: str = "Mon, 23 Nov 2026 15:00:00 +0900") -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"], mail["Date"] = sender, to, subject, date
    if message_id:
        mail["Message-ID"] = message_id
    if replying_to:
        mail["In-Reply-To"] = mail["References"] = replying_to
    mail.set_content(body)
    return mail.as_bytes(policy=policy.default.clone(max_line_length=998))


def imap_body(port: int, user: str, **fields: Any) -> dict[str, Any]:
    return {"host": "127.0.0.1", "port": port, "security": "none", "username": user, "password": IMAP_PASSWORD,
            **fields}


@pytest.fixture
def linked(api, imap_server):
    """(the IMAP user, the rep's address) of a mailbox linked through PUT /v1/me/mailbox."""
    user = imap_server.account()
    reply = api.put("/v1/me/mailbox", {**mailbox_body(free_port()), "imap": imap_body(imap_server.port, user)})
    assert reply.status == 200, reply.body
    return user, api.claims()["email"]


@pytest.fixture
def contact(api):
    return create(api, family_name="山田", email=CONTACT)


def sync(api) -> dict[str, Any]:
    reply = api.post("/v1/me/mailbox/sync")
    assert reply.status == 202, reply.body
    return reply.body


def mailbox_items(api, name: str) -> list[dict[str, Any]]:
    return [email for email in folder(api, name).body["items"] if email["source"] == "mailbox"]


def test_the_imap_settings_are_stored_without_the_password_which_goes_to_its_secret(api, imap_server):
    user = imap_server.account()
    reply = api.put("/v1/me/mailbox", {**mailbox_body(free_port()), "imap": imap_body(imap_server.port, user)})

    assert reply.status == 200
    mailbox = api.get("/v1/me/mailbox").body
    assert mailbox["imap"] == {"host": "127.0.0.1", "port": imap_server.port, "security": "none",
                               "username": user, "password_set": True, "auth": "password", "oauth2": None}
    assert (mailbox["last_synced_at"], mailbox["status"], mailbox["error"]) == (None, None, None)
    assert IMAP_PASSWORD not in str(table().get_item(Key={"pk": f"TENANT#{api.tenant}#USER#{api.user_id}",
                                                          "sk": "MAILBOX"})["Item"])
    # a PUT of the SMTP settings alone keeps the IMAP ones (and their password); null unlinks them
    assert api.put("/v1/me/mailbox", mailbox_body(free_port())).body["imap"] == mailbox["imap"]
    assert sync(api)["status"] == "ok"
    assert api.put("/v1/me/mailbox", {**mailbox_body(free_port()), "imap": None}).body["imap"] is None
    assert_error(api.post("/v1/me/mailbox/sync"), 404)


def test_the_default_imap_port_follows_the_security(api):
    body = {**mailbox_body(free_port()), "imap": {"host": "imap.example.co.jp", "security": "tls",
                                                  "username": "rep", "password": "x"}}
    assert api.put("/v1/me/mailbox", body).body["imap"]["port"] == 993


@pytest.mark.parametrize("imap, field", [
    ({"host": "", "security": "tls", "username": "u", "password": "p"}, "imap.host"),
    ({"host": "imap.example.co.jp", "security": "none", "username": "u", "password": "p"}, "imap.security"),
    ({"host": "imap.example.co.jp", "security": "tls", "username": "u"}, "imap.password"),
    ({"host": "imap.example.co.jp", "security": "tls", "username": "u", "password": "p\n"}, "imap.password"),
    ({"host": "imap.example.co.jp", "security": "tls", "username": "u", "password": "p", "folder": "x"},
     "imap.folder"),
    ("imap.example.co.jp", "imap"),
])
def test_wrong_imap_settings_are_a_422_naming_the_field_and_change_nothing(api, imap, field):
    assert_error(api.put("/v1/me/mailbox", {**mailbox_body(free_port()), "imap": imap}), 422, field)
    assert_error(api.get("/v1/me/mailbox"), 404)


def test_a_sync_files_received_and_sent_mail_of_contacts_once_and_updates_their_fields(
        api, imap_server, linked, contact):
    user, rep = linked
    imap_server.append(user, "INBOX", message(sender=f"山田 太郎 <{CONTACT}>", to=rep, message_id="<in-1@example.jp>"))
    imap_server.append(user, "INBOX", message(sender="news@shop.example", to=rep, message_id="<news-1@shop.example>"))
    imap_server.append(user, "Sent", message(sender=rep, to=CONTACT, subject="お見積り",
                                             message_id="<out-1@example.jp>", date="Tue, 24 Nov 2026 10:00:00 +0900"))

    state = sync(api)
    again = sync(api)

    assert (state["status"], state["error"]) == ("ok", None) and state["last_synced_at"]
    assert again["last_synced_at"] >= state["last_synced_at"]
    received, outgoing = mailbox_items(api, "received"), mailbox_items(api, "sent")
    assert [(email["message_id"], email["contact_id"]) for email in received] == [("<in-1@example.jp>", contact["id"])]
    assert [(email["message_id"], email["from"]["id"]) for email in outgoing] == [("<out-1@example.jp>", api.user_id)]
    assert [entry["type"] for entry in timeline(api, contact["id"]) if entry["type"].startswith("email_")] == [
        "email_received", "email_sent"]
    updated = api.get(f"/v1/contacts/{contact['id']}").body
    assert updated["last_customer_action_type"] == "email_received"
    assert updated["last_customer_action_at"] == "2026-11-23T06:00:00.000Z"
    assert updated["last_contacted_at"] == updated["first_contacted_at"] == "2026-11-24T01:00:00.000Z"


def test_a_reply_is_threaded_and_mail_the_crm_sent_is_not_filed_again(api, imap_server, linked, contact):
    user, rep = linked
    ours = sent(api, contact["id"], subject="ご提案の件")
    imap_server.append(user, "Sent", message(sender=rep, to=CONTACT, subject="ご提案の件",
                                             message_id=ours["message_id"]))
    imap_server.append(user, "INBOX", message(sender=CONTACT, to=rep, subject="Re: ご提案の件",
                                              message_id="<reply-1@example.jp>", replying_to=ours["message_id"]))

    sync(api)

    assert [email["id"] for email in folder(api, "sent").body["items"]] == [ours["id"]]
    [reply] = mailbox_items(api, "received")
    assert (reply["in_reply_to"], reply["thread_id"]) == (ours["id"], ours["thread_id"])


def test_the_same_message_in_two_folders_or_twice_in_one_is_filed_once(api, imap_server, linked, contact):
    user, rep = linked
    raw = message(sender=CONTACT, to=rep, message_id="<twice@example.jp>")
    imap_server.append(user, "INBOX", raw)
    sync(api)
    imap_server.append(user, "INBOX", raw)
    imap_server.append(user, "Sent", raw)

    sync(api)

    assert len(mailbox_items(api, "received")) == 1 and mailbox_items(api, "sent") == []
    assert len(timeline(api, contact["id"], "email_received")) == 1


def test_mail_bccd_to_the_inbound_address_and_synced_from_sent_is_filed_once(api, imap_server, linked, contact, local):
    user, rep = linked
    raw = message(sender=rep, to=f"{CONTACT}, {api.tenant}@in.example.test", message_id="<both-ways@example.jp>")

    assert drop(local, raw)["received"] == 1
    imap_server.append(user, "Sent", raw)
    sync(api)

    assert [email["message_id"] for email in folder(api, "sent").body["items"]] == ["<both-ways@example.jp>"]
    assert len(timeline(api, contact["id"], "email_sent")) == 1


def test_a_changed_uidvalidity_reads_the_folder_again_filing_only_what_is_new(api, imap_server, linked, contact):
    user, rep = linked
    imap_server.append(user, "INBOX", message(sender=CONTACT, to=rep, message_id="<old@example.jp>"))
    sync(api)
    key = {"pk": f"TENANT#{api.tenant}#USER#{api.user_id}", "sk": "MAILBOX"}
    # the server rebuilt the folder: a new UIDVALIDITY, and UIDs from 1 again (the checkpoint's 1 says nothing)
    table().update_item(Key=key, UpdateExpression="SET imap_folders.INBOX.uidvalidity = :other",
                        ExpressionAttributeValues={":other": imap_server.uidvalidity(user, "INBOX") + 1})
    imap_server.append(user, "INBOX", message(sender=CONTACT, to=rep, message_id="<new@example.jp>"))

    sync(api)

    assert sorted(email["message_id"] for email in mailbox_items(api, "received")) == [
        "<new@example.jp>", "<old@example.jp>"]
    stored = table().get_item(Key=key, ConsistentRead=True)["Item"]["imap_folders"]["INBOX"]
    assert (int(stored["uidvalidity"]), int(stored["uid"])) == (imap_server.uidvalidity(user, "INBOX"), 2)


def test_a_connection_dropped_mid_fetch_loses_and_duplicates_nothing(api, imap_server, contact, monkeypatch):
    from shared.services import mailbox_sync

    monkeypatch.setattr(mailbox_sync, "FETCH_BATCH", 3)
    proxy = CuttingProxy(imap_server.port)
    user = imap_server.account()
    rep = api.claims()["email"]
    api.put("/v1/me/mailbox", {**mailbox_body(free_port()), "imap": imap_body(proxy.port, user)})
    for number in range(8):
        imap_server.append(user, "INBOX", message(sender=CONTACT, to=rep, subject=f"件名 {number}",
                                                  message_id=f"<cut-{number}@example.jp>"))
    proxy.arm(fetch_number=2, bytes_into=200)  # the second batch's answer is cut off inside its first message

    cut = sync(api)

    assert proxy.cuts == 1
    assert cut["status"] == "error" and "closed the connection" in cut["error"]
    assert len(mailbox_items(api, "received")) == 3  # the first batch, filed and checkpointed
    healed = sync(api)
    assert (healed["status"], healed["error"]) == ("ok", None)
    assert sorted(email["subject"] for email in mailbox_items(api, "received")) == [f"件名 {n}" for n in range(8)]
    assert len(timeline(api, contact["id"], "email_received")) == 8
    proxy.close()


def test_a_wrong_password_is_the_mailboxs_error_until_it_is_fixed(api, imap_server, contact):
    user = imap_server.account()
    api.put("/v1/me/mailbox", {**mailbox_body(free_port()), "imap": imap_body(imap_server.port, user, password="no")})

    failed = sync(api)

    assert failed["status"] == "error" and failed["last_synced_at"] is None
    assert failed["error"].startswith("The IMAP server refused the login")
    api.put("/v1/me/mailbox", {**mailbox_body(free_port()), "imap": imap_body(imap_server.port, user)})
    fixed = sync(api)
    assert (fixed["status"], fixed["error"]) == ("ok", None) and fixed["last_synced_at"]


def test_a_server_that_never_answers_is_given_up_within_the_requests_time(api, monkeypatch):
    import socket
    import time

    from shared.services import mailboxes

    monkeypatch.setattr(mailboxes, "SYNC_NOW_SECONDS", 2.0)
    with socket.create_server(("127.0.0.1", 0)) as silent:  # accepts, never greets
        port = silent.getsockname()[1]
        api.put("/v1/me/mailbox", {**mailbox_body(free_port()), "imap": imap_body(port, "rep@example.jp")})
        began = time.monotonic()
        state = sync(api)
        took = time.monotonic() - began

    assert took < 5, took
    assert state["status"] == "error" and state["error"].startswith("The IMAP server 127.0.0.1 could not be "
                                                                    f"reached on port {port}")


def test_the_scheduled_function_syncs_each_linked_mailbox(api, imap_server, linked, contact):
    from infra.local.server import invoke_function

    user, rep = linked
    imap_server.append(user, "INBOX", message(sender=CONTACT, to=rep, message_id="<scheduled@example.jp>"))

    result = invoke_function("MailboxSyncFunction", {"sweep": True})

    assert result["mailboxes"] >= 1
    assert [email["message_id"] for email in mailbox_items(api, "received")] == ["<scheduled@example.jp>"]
    assert api.get("/v1/me/mailbox").body["status"] == "ok"


def test_the_sync_is_scheduled_every_5_minutes_in_aws_and_run_by_the_local_scheduler():
    from infra.local.scheduler import RATE_SECONDS, rate_schedules
    from infra.template import load_template

    sweep = load_template()["Resources"]["MailboxSyncFunction"]["Properties"]["Events"]["Sweep"]["Properties"]
    assert sweep["ScheduleExpression"] == "rate(5 minutes)"
    assert ("MailboxSyncFunction", {"sweep": True}) in rate_schedules() and RATE_SECONDS == 15


# --- OAuth2 (SASL XOAUTH2, as Gmail and Microsoft 365 take it) -----------------------------------------


@pytest.fixture(scope="module")
def oauth2_imap():
    """(the authorization server, a Dovecot that takes XOAUTH2 logins whose tokens it introspects)."""
    provider = AuthorizationServer()
    try:
        with running_dovecot(introspection_url=f"{provider.url}/introspect") as server:
            yield provider, server
    finally:
        provider.close()


def oauth2_body(port: int, user: str, **oauth2: Any) -> dict[str, Any]:
    return {"host": "127.0.0.1", "port": port, "security": "none", "username": user, "auth": "oauth2",
            "oauth2": {"provider": "custom", "client_id": CLIENT_ID, **oauth2}}


def linked_with_oauth2(api, oauth2_imap, **oauth2: Any) -> tuple[str, str]:
    """(the IMAP user, its refresh token) of a mailbox linked with OAuth2."""
    provider, server = oauth2_imap
    user = server.account()
    refresh_token = provider.consent(user)
    reply = api.put("/v1/me/mailbox", {**mailbox_body(free_port()), "imap": oauth2_body(
        server.port, user, token_url=f"{provider.url}/token", client_secret=CLIENT_SECRET, refresh_token=refresh_token,
        **oauth2)})
    assert reply.status == 200, reply.body
    return user, refresh_token


def test_an_oauth2_mailbox_logs_in_with_an_access_token_traded_for_its_refresh_token(api, oauth2_imap, contact):
    provider, server = oauth2_imap
    user, refresh_token = linked_with_oauth2(api, oauth2_imap, scope="mail")
    server.append(user, "INBOX", message(sender=CONTACT, to=api.claims()["email"], message_id="<oauth-1@example.jp>"))

    state = sync(api)

    assert (state["status"], state["error"]) == ("ok", None), state
    assert [email["message_id"] for email in mailbox_items(api, "received")] == ["<oauth-1@example.jp>"]
    assert provider.grants[-1] == {"grant_type": "refresh_token", "refresh_token": refresh_token,
                                   "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "scope": "mail"}
    assert state["imap"]["auth"] == "oauth2" and state["imap"]["oauth2"] == {
        "provider": "custom", "token_url": f"{provider.url}/token", "client_id": CLIENT_ID, "scope": "mail"}
    stored = str(table().get_item(Key={"pk": f"TENANT#{api.tenant}#USER#{api.user_id}", "sk": "MAILBOX"})["Item"])
    assert refresh_token not in stored and CLIENT_SECRET not in stored
    assert refresh_token not in str(state) and CLIENT_SECRET not in str(state)


def test_a_rotated_refresh_token_is_kept_for_the_next_sync(api, oauth2_imap, contact):
    provider, server = oauth2_imap
    provider.rotate = True
    try:
        user, first = linked_with_oauth2(api, oauth2_imap)
        assert sync(api)["status"] == "ok"
        server.append(user, "INBOX", message(sender=CONTACT, to=api.claims()["email"],
                                             message_id="<oauth-2@example.jp>"))
        again = sync(api)
    finally:
        provider.rotate = False

    assert (again["status"], again["error"]) == ("ok", None), again
    assert provider.grants[-1]["refresh_token"] != first and first not in provider.refresh_tokens
    assert [email["message_id"] for email in mailbox_items(api, "received")] == ["<oauth-2@example.jp>"]


def test_a_revoked_refresh_token_is_the_mailboxs_error_until_it_is_linked_again(api, oauth2_imap, contact):
    provider, server = oauth2_imap
    user, refresh_token = linked_with_oauth2(api, oauth2_imap)
    server.append(user, "INBOX", message(sender=CONTACT, to=api.claims()["email"], message_id="<oauth-3@example.jp>"))
    provider.revoke(refresh_token)

    failed = sync(api)

    assert failed["status"] == "error" and "invalid_grant" in failed["error"] and \
        "Link the mailbox again" in failed["error"]
    assert mailbox_items(api, "received") == []
    reply = api.put("/v1/me/mailbox", {**mailbox_body(free_port()), "imap": oauth2_body(
        server.port, user, token_url=f"{provider.url}/token", client_secret=CLIENT_SECRET,
        refresh_token=provider.consent(user))})
    assert reply.status == 200, reply.body
    assert sync(api)["status"] == "ok"
    assert [email["message_id"] for email in mailbox_items(api, "received")] == ["<oauth-3@example.jp>"]


def test_a_token_the_imap_server_does_not_accept_is_a_login_error(api, oauth2_imap, contact):
    """The token endpoint answers, but the account behind the refresh token is not the IMAP user."""
    provider, server = oauth2_imap
    user = server.account()
    api.put("/v1/me/mailbox", {**mailbox_body(free_port()), "imap": oauth2_body(
        server.port, user, token_url=f"{provider.url}/token", client_secret=CLIENT_SECRET,
        refresh_token=provider.consent("someone-else@example.jp"))})

    failed = sync(api)

    assert failed["status"] == "error" and failed["error"].startswith("The IMAP server refused the login")
    assert "OAuth2 client" in failed["error"]


def test_google_and_microsoft_fill_their_token_endpoint_and_scope(api):
    for provider, token_url, scope in [
        ("google", "https://oauth2.googleapis.com/token", "https://mail.google.com/"),
        ("microsoft", "https://login.microsoftonline.com/organizations/oauth2/v2.0/token",
         "https://outlook.office.com/IMAP.AccessAsUser.All offline_access"),
    ]:
        body = {**mailbox_body(free_port()), "imap": {
            "host": "imap.example.co.jp", "security": "tls", "username": "rep@example.co.jp", "auth": "oauth2",
            "oauth2": {"provider": provider, "client_id": "id", "client_secret": "s", "refresh_token": "r"}}}
        imap = api.put("/v1/me/mailbox", body).body["imap"]
        assert imap["oauth2"] == {"provider": provider, "token_url": token_url, "client_id": "id", "scope": scope}


def test_a_password_login_replaced_by_oauth2_needs_its_refresh_token_and_back_its_password(api, imap_server):
    user = imap_server.account()
    api.put("/v1/me/mailbox", {**mailbox_body(free_port()), "imap": imap_body(imap_server.port, user)})
    oauth2 = {"provider": "google", "client_id": "id"}
    body = {**mailbox_body(free_port()), "imap": {**imap_body(imap_server.port, user), "auth": "oauth2",
                                                  "oauth2": oauth2}}
    del body["imap"]["password"]

    assert_error(api.put("/v1/me/mailbox", body), 422, "imap.oauth2.refresh_token")
    body["imap"]["oauth2"] = {**oauth2, "refresh_token": "r"}
    assert api.put("/v1/me/mailbox", body).body["imap"]["auth"] == "oauth2"
    body["imap"]["oauth2"] = {**oauth2, "client_id": "other"}  # the stored refresh token stays
    assert api.put("/v1/me/mailbox", body).body["imap"]["oauth2"]["client_id"] == "other"
    back = {**mailbox_body(free_port()), "imap": {**imap_body(imap_server.port, user), "password": None}}
    assert_error(api.put("/v1/me/mailbox", back), 422, "imap.password")


@pytest.mark.parametrize("imap, field", [
    ({"auth": "oauth2"}, "imap.oauth2"),
    ({"auth": "xoauth"}, "imap.auth"),
    ({"auth": "oauth2", "password": "p", "oauth2": {"provider": "google", "client_id": "i", "refresh_token": "r"}},
     "imap.password"),
    ({"oauth2": {"provider": "google", "client_id": "i", "refresh_token": "r"}}, "imap.oauth2"),
    ({"auth": "oauth2", "oauth2": {"provider": "custom", "client_id": "i", "refresh_token": "r"}},
     "imap.oauth2.token_url"),
    ({"auth": "oauth2", "oauth2": {"provider": "custom", "token_url": "http://auth.example.com/token",
                                   "client_id": "i", "refresh_token": "r"}}, "imap.oauth2.token_url"),
    ({"auth": "oauth2", "oauth2": {"provider": "yahoo", "client_id": "i", "refresh_token": "r"}},
     "imap.oauth2.provider"),
    ({"auth": "oauth2", "oauth2": {"provider": {"google": 1}, "client_id": "i", "refresh_token": "r"}},
     "imap.oauth2.provider"),
    ({"auth": {"oauth2": True}, "password": "p"}, "imap.auth"),
    ({"auth": "oauth2", "oauth2": ["google"]}, "imap.oauth2"),
    ({"auth": "oauth2", "oauth2": {"provider": "google", "refresh_token": "r"}}, "imap.oauth2.client_id"),
    ({"auth": "oauth2", "oauth2": {"provider": "google", "client_id": "i", "refresh_token": "r\n"}},
     "imap.oauth2.refresh_token"),
    ({"auth": "oauth2", "oauth2": {"provider": "google", "client_id": "i", "refresh_token": "r", "code": "c"}},
     "imap.oauth2.code"),
])
def test_wrong_oauth2_settings_are_a_422_naming_the_field_and_change_nothing(api, imap, field):
    body = {"host": "imap.example.co.jp", "security": "tls", "username": "u", **imap}
    if "auth" not in imap and "oauth2" not in imap:
        body["password"] = "p"
    assert_error(api.put("/v1/me/mailbox", {**mailbox_body(free_port()), "imap": body}), 422, field)
    assert_error(api.get("/v1/me/mailbox"), 404)
