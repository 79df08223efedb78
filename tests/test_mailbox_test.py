"""POST /v1/me/mailbox/test through the handlers, against a real SMTP server (aiosmtpd on
127.0.0.1): the settings of PUT /v1/me/mailbox are tried (connect, EHLO, TLS as configured, login,
QUIT) before they are saved; a failure is a 422 naming what failed; nothing is ever stored or sent."""

from __future__ import annotations

import json

import pytest

from conftest import Api, assert_error
from smtp_support import SMTP_PASSWORD, free_port, mailbox_body, smtp_server  # noqa: F401 - a fixture

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
CHECK = ("Check the host, port and security in your mailbox settings (tls usually uses port 465, "
         "starttls 587).")


def message_of(reply) -> str:
    assert_error(reply, 422)
    return reply.body["error"]["message"]


def test_settings_that_log_in_answer_ok_and_nothing_is_stored_or_sent(api, smtp_server):
    server, port = smtp_server

    reply = api.post("/v1/me/mailbox/test", mailbox_body(port))

    assert (reply.status, reply.body) == (200, {"ok": True})
    assert server.logins == [True] and server.received == []
    assert_error(api.get("/v1/me/mailbox"), 404)


def test_a_wrong_password_is_a_422_naming_the_login(api, smtp_server):
    server, port = smtp_server

    message = message_of(api.post("/v1/me/mailbox/test", mailbox_body(port, password="wrong password")))

    assert message == ("The connection test failed: The SMTP server refused the login (535 5.7.8 Authentication "
                       "credentials invalid). Check the username and password in your mailbox settings.")
    assert set(server.logins) == {False}  # smtplib tries each mechanism the server offers
    assert_error(api.get("/v1/me/mailbox"), 404)


def test_a_port_nobody_listens_on_is_a_422_naming_the_connection(api):
    port = free_port()

    message = message_of(api.post("/v1/me/mailbox/test", mailbox_body(port)))

    assert message == \
        f"The connection test failed: The SMTP server 127.0.0.1 could not be reached on port {port}. {CHECK}"


def test_the_failure_reads_in_japanese(api):
    from infra.local.server import call_handler

    port = free_port()
    result = call_handler("POST", "/v1/me/mailbox/test", api.member_claims(), json.dumps(mailbox_body(port)), {},
                          headers={"accept-language": "ja"})

    assert result["statusCode"] == 422
    assert json.loads(result["body"])["error"]["message"] == (
        f"接続テストに失敗しました: SMTP サーバー 127.0.0.1 のポート {port} に接続できませんでした。"
        "メールボックス設定のホスト、ポート、暗号化方式を確認してください"
        "（通常 tls は 465 番、starttls は 587 番ポートです）。")


def test_without_a_password_the_stored_one_is_tried_and_the_stored_mailbox_stays(api, smtp_server):
    from shared.db import emails as repository
    from shared.services import mailboxes

    server, port = smtp_server
    assert api.put("/v1/me/mailbox", mailbox_body(port)).status == 200
    stored = api.get("/v1/me/mailbox").body
    without_password = {k: v for k, v in mailbox_body(port).items() if k != "password"}

    assert api.post("/v1/me/mailbox/test", without_password).body == {"ok": True}
    assert_error(api.post("/v1/me/mailbox/test", {**without_password, "port": free_port()}), 422)
    assert_error(api.post("/v1/me/mailbox/test", {**without_password, "password": "another one"}), 422)

    assert server.logins[0] is True and set(server.logins[1:]) == {False}
    assert api.get("/v1/me/mailbox").body == stored
    assert mailboxes.password(repository.get_mailbox(api.tenant, api.user_id)) == SMTP_PASSWORD


def test_settings_put_would_refuse_are_refused_alike_without_connecting(api, smtp_server):
    server, port = smtp_server
    without_password = {k: v for k, v in mailbox_body(port).items() if k != "password"}

    assert_error(api.post("/v1/me/mailbox/test", without_password), 422, "password")  # no stored one yet
    assert_error(api.post("/v1/me/mailbox/test", mailbox_body(port, host="smtp.example.jp")), 422, "security")
    assert_error(api.post("/v1/me/mailbox/test", {**mailbox_body(port), "port": 0, "verbose": True}), 422, "port",
                 "verbose")
    assert server.logins == []


def test_a_deployed_api_will_not_test_an_internal_host(api, monkeypatch, smtp_server):
    """The SSRF check of PUT (shared.domain.mailbox) holds for the test too: an internal address
    is refused before any connection."""
    from dataclasses import replace

    from shared import config

    server, port = smtp_server
    monkeypatch.setattr(config, "CONFIG", replace(config.CONFIG, allow_private_smtp_hosts=False))
    from shared.services import mailboxes
    monkeypatch.setattr(mailboxes, "CONFIG", config.CONFIG)

    assert_error(api.post("/v1/me/mailbox/test", mailbox_body(port, security="starttls")), 422, "host")
    assert server.logins == []


def test_each_member_tests_only_with_their_own_stored_password(api, smtp_server):
    server, port = smtp_server
    assert api.put("/v1/me/mailbox", mailbox_body(port)).status == 200
    colleague: Api = api.as_("user")
    without_password = {k: v for k, v in mailbox_body(port).items() if k != "password"}

    assert_error(colleague.post("/v1/me/mailbox/test", without_password), 422, "password")
    assert server.logins == []
