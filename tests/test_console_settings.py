"""The settings screens in the browser (/settings/...): members (invite, the invited member's own
sign-in, role change, disable), the contact list's columns and name order, permissions, scoring,
custom properties and tags; each change checked in what the API then holds."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from contextlib import contextmanager

from playwright.sync_api import expect

from console_support import AXE, PASSWORD, assert_accessible, screenshot, sign_in, signed_in_team

NEW_PASSWORD = "Member-Passw0rd!"


def refusal(console, token: str, method: str, path: str, body) -> dict:
    """The API's error envelope for a call it refuses, in Japanese as the console asks for it."""
    request = urllib.request.Request(console.url + path, data=json.dumps(body).encode(), method=method, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}", "Accept-Language": "ja,en;q=0.5"})
    try:
        urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as error:
        return {"status": error.code, **json.loads(error.read())["error"]}
    raise AssertionError(f"{method} {path} was not refused")


@contextmanager
def second_page(chromium, console):
    """Another person's browser (a context of its own), held to the `page` fixture's checks."""
    context = chromium.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1360, "height": 860})
    context.add_init_script(path=str(AXE))
    errors: list[str] = []
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"uncaught errors in the second page: {errors}"


def members_table(page):
    return page.get_by_role("table", name="メンバー一覧")


def member_row(page, email: str):
    return members_table(page).get_by_role("row").filter(has_text=email)


def cells(row) -> list[str]:
    return [text.strip() for text in row.get_by_role("cell").all_inner_texts()]


def test_an_owner_invites_a_member_who_signs_in_then_changes_their_role_and_disables_them(page, console, chromium):
    team = signed_in_team(page, console, name="株式会社メンバー", owner_name="山田 太郎")
    page.get_by_role("link", name="設定").click()
    page.wait_for_url(re.compile(r"/settings/members$"))
    expect(members_table(page).get_by_role("row")).to_have_count(2)
    assert cells(member_row(page, team.owner_email))[:4] == ["山田 太郎（あなた）", team.owner_email, "オーナー", "有効"]
    assert_accessible(page, "/settings/members")

    email = f"suzuki@{team.tenant}.example.jp"
    page.get_by_role("button", name="メンバーを招待").click()
    dialog = page.get_by_role("dialog", name="メンバーを招待")
    expect(dialog.get_by_label("メールアドレス")).to_be_focused()
    assert_accessible(page, "the invitation dialog")
    dialog.get_by_label("メールアドレス").fill(email)
    dialog.get_by_label("名前").fill("鈴木 一郎")
    dialog.get_by_label("ロール").select_option(label="マネージャー")
    dialog.get_by_role("button", name="招待する").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status")).to_have_text(f"{email} に招待を送りました。")
    row = member_row(page, email)
    assert cells(row)[:4] == ["鈴木 一郎", email, "マネージャー", "招待中"]
    invitations = [item for item in console.outbox() if item["to"] == [email]]
    assert [item["transport"] for item in invitations] == ["cognito"]
    screenshot(page, "settings-members")

    with second_page(chromium, console) as theirs:
        sign_in(theirs, console, email, console.temporary_password(email), new_password=NEW_PASSWORD)
        theirs.get_by_role("link", name="設定").click()
        theirs.wait_for_url(re.compile(r"/settings/members$"))
        expect(members_table(theirs).get_by_role("row")).to_have_count(3)
        expect(theirs.get_by_role("button", name="メンバーを招待")).to_have_count(0)
        expect(members_table(theirs).get_by_role("button")).to_have_count(0)
        assert theirs.get_by_role("navigation", name="設定メニュー").get_by_role("link").all_inner_texts() == ["メンバー", "タグ"]
        assert_accessible(theirs, "/settings/members for a manager")

        row.get_by_role("button", name="ロールを変更").click()
        dialog = page.get_by_role("dialog", name="ロールを変更: 鈴木 一郎")
        assert_accessible(page, "the role dialog")
        dialog.get_by_label("ロール").select_option(label="ユーザー")
        dialog.get_by_role("button", name="変更する").click()
        expect(dialog).to_be_hidden()
        expect(row.get_by_role("cell").nth(2)).to_have_text("ユーザー")
        # they signed in meanwhile: the reloaded table shows them active
        expect(row.get_by_role("cell").nth(3)).to_have_text("有効")
        owner = console.token(team.tenant, team.owner_email)
        held = {member["email"]: member for member in console.call(owner, "GET", "/v1/members")["items"]}
        assert (held[email]["role"], held[email]["status"]) == ("user", "active")

        row.get_by_role("button", name="無効にする").click()
        expect(row.get_by_role("cell").nth(3)).to_have_text("無効")
        expect(page.get_by_role("status")).to_have_text("鈴木 一郎 さんを無効にしました。次の操作からログインできなくなります。")
        held = {member["email"]: member for member in console.call(owner, "GET", "/v1/members")["items"]}
        assert held[email]["status"] == "disabled"
        theirs.reload()
        theirs.wait_for_url(re.compile(r"/login$"))

    row.get_by_role("button", name="有効にする").click()
    expect(row.get_by_role("cell").nth(3)).to_have_text("有効")


def test_inviting_an_existing_email_shows_the_apis_409_on_the_email_field(page, console):
    team = signed_in_team(page, console)
    page.goto(console.url + "/settings/members")
    page.get_by_role("button", name="メンバーを招待").click()
    dialog = page.get_by_role("dialog", name="メンバーを招待")
    dialog.get_by_label("メールアドレス").fill(team.owner_email)
    dialog.get_by_label("名前").fill("二重 登録")
    dialog.get_by_role("button", name="招待する").click()
    owner = console.token(team.tenant, team.owner_email)
    expected = refusal(console, owner, "POST", "/v1/members", {"email": team.owner_email, "name": "二重 登録", "role": "user"})
    assert expected["status"] == 409
    expect(dialog.get_by_role("alert")).to_have_text(expected["message"])
    email = dialog.get_by_label("メールアドレス")
    expect(email).to_have_attribute("aria-invalid", "true")
    described = email.get_attribute("aria-describedby")
    assert page.locator(f"#{described}").inner_text() == expected["details"][0]["message"]
    assert_accessible(page, "the invitation dialog with the 409")
    expect(members_table(page).get_by_role("row")).to_have_count(2)
