"""The rest of the settings in the browser: site keys (create with the API's refusal on the line
typed, copy the exact snippet, edit, delete), API keys (the secret shown once, working against
POST /v1/events, then revoked), the member's own SMTP mailbox (接続テスト against a real SMTP
server, a wrong port's refusal, save) and the plan's usage; each checked in what the API then holds."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
import uuid

import pytest
from playwright.sync_api import expect

from console_support import PASSWORD, assert_accessible, screenshot, sign_in, signed_in_team
from imap_support import IMAP_PASSWORD, imap_server  # noqa: F401 - a fixture
from smtp_support import SMTP_PASSWORD, SMTP_USER, free_port, smtp_server  # noqa: F401 - a fixture


def open_section(page, console, section: str, heading: str) -> None:
    page.goto(f"{console.url}/settings/{section}")
    expect(page.get_by_role("heading", name=heading, level=2)).to_be_visible()


def announced(page, text: str):
    """The settings' live region saying TEXT."""
    return page.locator(".saved-notice").get_by_text(text, exact=True)


def clipboard(page) -> str:
    return page.evaluate("() => navigator.clipboard.readText()")


def ingest(console, secret: str, email: str) -> tuple[int, dict]:
    """POST /v1/events with the API key; (status, answer)."""
    body = {"events": [{"contact": {"email": email}, "type": "purchase", "event_id": uuid.uuid4().hex,
                        "data": {"amount": 12000}}]}
    request = urllib.request.Request(console.url + "/v1/events", data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json", "X-Api-Key": secret})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_a_site_key_is_created_its_snippet_copied_exactly_then_edited_and_deleted(page, console):
    team = signed_in_team(page, console, name="株式会社サイト")
    token = console.token(team.tenant, team.owner_email)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=console.url)
    open_section(page, console, "site-keys", "サイトキー")
    expect(page.get_by_text("サイトキーはまだありません。")).to_be_visible()
    assert_accessible(page, "/settings/site-keys, empty")

    page.get_by_role("button", name="サイトキーを作成").click()
    dialog = page.get_by_role("dialog", name="サイトキーを作成")
    expect(dialog.get_by_label("サイト名")).to_be_focused()
    dialog.get_by_label("サイト名").fill("コーポレートサイト")
    dialog.get_by_label("許可するオリジン").fill("https://www.example.jp\n\nhttps://*.co.jp")
    dialog.get_by_role("button", name="作成する").click()
    expect(dialog.locator("#site-key-origins-error")).to_have_text(
        "3 行目（https://*.co.jp）: *. の後には独自のドメインを指定してください（「https://*.example.co.jp」など）。"
        "「co.jp」や「com」のような公開サフィックスは指定できません")
    expect(dialog.get_by_label("許可するオリジン")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "the site key dialog with a refusal")
    assert console.call(token, "GET", "/v1/site-keys")["items"] == []

    dialog.get_by_label("許可するオリジン").fill("https://www.example.jp\nhttps://*.example.jp")
    dialog.get_by_role("button", name="作成する").click()
    expect(dialog).to_be_hidden()
    expect(announced(page, "サイトキー「コーポレートサイト」を作成しました。"
                           "タグをコピーしてサイトに貼り付けてください。")).to_be_visible()
    [stored] = console.call(token, "GET", "/v1/site-keys")["items"]
    assert stored["allowed_origins"] == ["https://www.example.jp", "https://*.example.jp"]
    snippet = f'<script async src="{console.url}/collect.js" data-site-key="{stored["site_key"]}"></script>'
    card = page.get_by_role("article", name="コーポレートサイト")
    expect(card.get_by_label("貼り付けるタグ")).to_have_value(snippet)

    card.get_by_role("button", name="コピー: コーポレートサイト").click()
    expect(card.get_by_role("status")).to_have_text("コピーしました")
    assert clipboard(page) == snippet
    assert_accessible(page, "/settings/site-keys")
    screenshot(page, "settings-site-keys")

    card.get_by_role("button", name="編集: コーポレートサイト").click()
    dialog = page.get_by_role("dialog", name="サイトキーを編集: コーポレートサイト")
    expect(dialog.get_by_label("許可するオリジン")).to_have_value("https://www.example.jp\nhttps://*.example.jp")
    dialog.get_by_label("許可するオリジン").fill("https://LP.Example.jp:443/")
    dialog.get_by_role("button", name="保存する").click()
    expect(dialog).to_be_hidden()
    expect(card.get_by_role("listitem")).to_have_text(["https://lp.example.jp"])
    assert console.call(token, "GET", "/v1/site-keys")["items"][0]["allowed_origins"] == ["https://lp.example.jp"]

    card.get_by_role("button", name="削除: コーポレートサイト").click()
    dialog = page.get_by_role("dialog", name="サイトキーを削除")
    assert_accessible(page, "the site key removal dialog")
    dialog.get_by_role("button", name="削除する").click()
    expect(announced(page, "サイトキー「コーポレートサイト」を削除しました。")).to_be_visible()
    expect(page.get_by_text("サイトキーはまだありません。")).to_be_visible()
    assert console.call(token, "GET", "/v1/site-keys")["items"] == []


def test_an_api_key_is_shown_once_works_for_events_and_is_revoked(page, console):
    team = signed_in_team(page, console, name="株式会社連携", owner_name="山田 太郎")
    token = console.token(team.tenant, team.owner_email)
    console.call(token, "POST", "/v1/contacts", {"family_name": "佐藤", "email": "sato@example.jp"})
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=console.url)
    open_section(page, console, "api-keys", "API キー")
    expect(page.get_by_text("API キーはまだありません。")).to_be_visible()
    assert_accessible(page, "/settings/api-keys, empty")

    page.get_by_label("キーの名前").fill("基幹システム")
    page.get_by_role("button", name="API キーを作成").click()
    dialog = page.get_by_role("dialog", name="API キーを作成しました")
    expect(dialog.get_by_text("このキーが表示されるのは今だけです。")).to_be_visible()
    secret = dialog.get_by_label("API キー「基幹システム」").input_value()
    [listed] = console.call(token, "GET", "/v1/api-keys")["items"]
    assert secret.startswith(f"crm_{listed['id']}_")
    dialog.get_by_role("button", name="コピー: 基幹システム").click()
    expect(dialog.get_by_role("status")).to_have_text("コピーしました")
    assert clipboard(page) == secret
    assert_accessible(page, "the new API key dialog")
    dialog.get_by_role("button", name="保管したので閉じる").click()
    expect(dialog).to_be_hidden()
    expect(announced(page, "API キー「基幹システム」を作成しました。")).to_be_visible()
    assert secret not in page.content()

    table = page.get_by_role("table", name="API キー一覧")
    row = table.get_by_role("row").filter(has_text="基幹システム")
    expect(row.get_by_role("cell")).to_have_text(["基幹システム", re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}$"),
                                                  "山田 太郎", "削除"])
    status, answer = ingest(console, secret, "sato@example.jp")
    assert (status, [result["status"] for result in answer["results"]]) == (202, ["accepted"])

    row.get_by_role("button", name="削除: 基幹システム").click()
    dialog = page.get_by_role("dialog", name="API キーを削除")
    assert_accessible(page, "the API key removal dialog")
    dialog.get_by_role("button", name="削除する").click()
    expect(announced(page, "API キー「基幹システム」を削除しました。")).to_be_visible()
    expect(page.get_by_text("API キーはまだありません。")).to_be_visible()
    assert ingest(console, secret, "sato@example.jp")[0] == 401


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_the_mailbox_is_tested_before_saving_a_wrong_port_refused_then_saved(page, console, smtp_server):
    server, port = smtp_server
    team = signed_in_team(page, console, name="株式会社メール")
    token = console.token(team.tenant, team.owner_email)
    open_section(page, console, "mailbox", "メールボックス")
    expect(page.get_by_text("まだ設定されていません。")).to_be_visible()
    form = page.get_by_role("group", name="送信サーバー (SMTP)")
    form.get_by_label("ホスト").fill("127.0.0.1")
    form.get_by_label("ポート").fill(str(port))
    form.get_by_label("なし").check()
    form.get_by_label("ユーザー名").fill(SMTP_USER)
    form.get_by_label("パスワード").fill(SMTP_PASSWORD)
    assert_accessible(page, "/settings/mailbox")

    page.get_by_role("button", name="接続テスト").click()
    expect(page.locator(".test-ok")).to_have_text("接続できました。ログインにも成功しました（まだ保存されていません）。")
    assert server.logins == [True] and server.received == []
    assert refused(console, token)["error"]["code"] == "not_found"

    wrong = free_port()
    form.get_by_label("ポート").fill(str(wrong))
    page.get_by_role("button", name="接続テスト").click()
    expect(page.get_by_role("alert")).to_have_text(
        f"接続テストに失敗しました: SMTP サーバー 127.0.0.1 のポート {wrong} に接続できませんでした。"
        "メールボックス設定のホスト、ポート、暗号化方式を確認してください"
        "（通常 tls は 465 番、starttls は 587 番ポートです）。")
    expect(page.locator(".test-ok")).to_have_count(0)
    assert_accessible(page, "/settings/mailbox with a refused test")

    form.get_by_label("ポート").fill(str(port))
    page.get_by_role("button", name="保存").click()
    expect(announced(page, "メールボックスを保存しました。")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    assert console.call(token, "GET", "/v1/me/mailbox") == {
        "host": "127.0.0.1", "port": port, "security": "none", "username": SMTP_USER, "password_set": True,
        "imap": None, "last_synced_at": None, "status": None, "error": None}
    expect(form.get_by_label("パスワード")).to_have_value("")
    expect(form.get_by_text("設定済みです。")).to_be_visible()
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "settings-mailbox")

    page.get_by_role("button", name="接続テスト").click()  # the stored password, the form's empty one left out
    expect(page.locator(".test-ok")).to_be_visible()
    assert server.logins == [True, True]

    page.get_by_role("button", name="設定を削除").click()
    dialog = page.get_by_role("dialog", name="メールボックスの設定を削除")
    assert_accessible(page, "the mailbox removal dialog")
    dialog.get_by_role("button", name="削除する").click()
    expect(announced(page, "メールボックスの設定を削除しました。")).to_be_visible()
    expect(page.get_by_text("まだ設定されていません。")).to_be_visible()
    expect(form.get_by_label("ホスト")).to_have_value("")
    assert refused(console, token)["error"]["code"] == "not_found"


def test_the_imap_mailbox_is_linked_then_synced_now_its_state_shown(page, console, imap_server):
    team = signed_in_team(page, console, name="株式会社受信")
    token = console.token(team.tenant, team.owner_email)
    contact = console.call(token, "POST", "/v1/contacts", {"family_name": "山田", "email": "taro@example.jp"})
    user = imap_server.account()
    imap_server.append(user, "INBOX", b"From: taro@example.jp\r\nTo: " + team.owner_email.encode()
                       + b"\r\nSubject: =?UTF-8?B?44GU5o+Q5qGI?=\r\nMessage-ID: <console-1@example.jp>\r\n"
                       b"Date: Mon, 23 Nov 2026 15:00:00 +0900\r\n\r\nthanks\r\n")
    open_section(page, console, "mailbox", "メールボックス")
    smtp = page.get_by_role("group", name="送信サーバー (SMTP)")
    smtp.get_by_label("ホスト").fill("smtp.example.co.jp")
    smtp.get_by_label("ユーザー名").fill(SMTP_USER)
    smtp.get_by_label("パスワード").fill(SMTP_PASSWORD)
    imap = page.get_by_role("group", name="受信サーバー (IMAP)")
    imap.get_by_label("ホスト").fill("127.0.0.1")
    imap.get_by_label("ポート").fill(str(imap_server.port))
    imap.get_by_label("なし").check()
    imap.get_by_label("ユーザー名").fill(user)
    imap.get_by_label("パスワード").fill(IMAP_PASSWORD)
    page.get_by_role("button", name="保存").click()
    expect(announced(page, "メールボックスを保存しました。")).to_be_visible()
    state = imap.get_by_role("group", name="同期の状態")
    expect(state).to_contain_text("まだ同期していません")
    assert_accessible(page, "/settings/mailbox with IMAP linked")

    imap.get_by_role("button", name="今すぐ同期").click()

    expect(announced(page, "同期が終わりました。")).to_be_visible()
    expect(state.locator("dd").first).to_have_text("正常")
    expect(state.locator("dd").nth(1)).to_have_text(re.compile(r"^\d{4}/\d{2}/\d{2} \d{2}:\d{2}$"))
    received = console.call(token, "GET", "/v1/emails?folder=received")["items"]
    assert [(email["source"], email["contact_id"], email["subject"]) for email in received] == [
        ("mailbox", contact["id"], "ご提案")]
    screenshot(page, "settings-mailbox-imap")


def refused(console, token: str) -> dict:
    """GET /v1/me/mailbox's refusal when no mailbox is stored (before 保存, after 設定を削除)."""
    request = urllib.request.Request(console.url + "/v1/me/mailbox", headers={"Authorization": f"Bearer {token}"})
    try:
        urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as error:
        assert error.code == 404
        return json.loads(error.read())
    raise AssertionError("a mailbox was stored by the connection test")


def test_usage_shows_the_contacts_against_the_plans_limit(page, console):
    team = signed_in_team(page, console, name="株式会社プラン")
    token = console.token(team.tenant, team.owner_email)
    console.call(token, "PUT", "/v1/settings", {"contact_limit": 1000})
    for index in range(3):
        console.call(token, "POST", "/v1/contacts", {"family_name": f"利用{index}", "email": f"u{index}@example.jp"})
    open_section(page, console, "usage", "ご利用状況")

    expect(page.get_by_text("3 件 / 上限 1,000 件（0%）")).to_be_visible()
    meter = page.get_by_role("meter", name="プランの連絡先の上限に対する使用量")
    expect(meter).to_have_attribute("value", "3")
    expect(meter).to_have_attribute("max", "1000")
    expect(page.get_by_role("heading", name="上限に達すると")).to_be_visible()
    expect(page.get_by_text("1 人（招待中 0 人、無効 0 人）")).to_be_visible()
    assert_accessible(page, "/settings/usage")


def test_a_user_who_sees_only_their_own_contacts_is_told_the_count_is_not_shown(page, console):
    tenant, owner_email, _ = console.new_team(name="株式会社制限")
    owner = console.token(tenant, owner_email)
    console.call(owner, "PUT", "/v1/settings", {"owner_visibility_restricted": True, "contact_limit": 1000})
    email = f"tanaka@{tenant}.example.jp"
    console.call(owner, "POST", "/v1/members", {"email": email, "name": "田中 花子", "role": "user"})
    sign_in(page, console, email, console.temporary_password(email), new_password=PASSWORD)
    open_section(page, console, "usage", "ご利用状況")

    expect(page.get_by_text("連絡先数は表示されません。", exact=False)).to_be_visible()
    expect(page.get_by_role("meter")).to_have_count(0)
    assert page.get_by_role("navigation", name="設定メニュー").get_by_role("link").all_inner_texts() == \
        ["メンバー", "タグ", "メールボックス", "ご利用状況"]
    assert_accessible(page, "/settings/usage for a user under owner visibility")
