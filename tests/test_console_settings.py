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

from console_support import AXE, assert_accessible, screenshot, sign_in, signed_in_team

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
    assert cells(member_row(page, team.owner_email))[:4] == ["山田 太郎（あなた）",
                                                             team.owner_email, "オーナー", "有効"]
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
        assert (theirs.get_by_role("navigation", name="設定メニュー").get_by_role("link").all_inner_texts()
                == ["メンバー", "タグ", "メールボックス", "ご利用状況"])
        assert_accessible(theirs, "/settings/members for a manager")
        theirs.goto(console.url + "/settings/list")
        expect(theirs.get_by_text("この設定を使えるのはオーナーと管理者です。")).to_be_visible()
        expect(theirs.get_by_role("button", name="保存")).to_have_count(0)

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
        expect(page.get_by_role("status")).to_have_text("鈴木 一郎 さんを無効にしました。"
                                                        "次の操作からログインできなくなります。")
        held = {member["email"]: member for member in console.call(owner, "GET", "/v1/members")["items"]}
        assert held[email]["status"] == "disabled"
        theirs.reload()
        theirs.wait_for_url(re.compile(r"/login$"))

    row.get_by_role("button", name="有効にする").click()
    expect(row.get_by_role("cell").nth(3)).to_have_text("有効")

    row.get_by_role("button", name="削除: 鈴木 一郎").click()
    dialog = page.get_by_role("dialog", name="メンバーを削除")
    expect(dialog).to_contain_text(f"鈴木 一郎 <{email}> をメンバーから削除します。"
                                   "この人が担当している連絡先はすべて担当者なしになります。")
    assert_accessible(page, "the removal dialog")
    dialog.get_by_role("button", name="削除する").click()
    expect(dialog).to_be_hidden()
    expect(members_table(page).get_by_role("row")).to_have_count(2)
    expect(page.get_by_role("heading", name="メンバー", exact=True)).to_be_focused()
    assert [member["email"] for member in console.call(owner, "GET", "/v1/members")["items"]] == [team.owner_email]


def test_inviting_an_existing_email_shows_the_apis_409_on_the_email_field(page, console):
    team = signed_in_team(page, console)
    page.goto(console.url + "/settings/members")
    page.get_by_role("button", name="メンバーを招待").click()
    dialog = page.get_by_role("dialog", name="メンバーを招待")
    dialog.get_by_label("メールアドレス").fill(team.owner_email)
    dialog.get_by_label("名前").fill("二重 登録")
    dialog.get_by_role("button", name="招待する").click()
    owner = console.token(team.tenant, team.owner_email)
    expected = refusal(console, owner, "POST", "/v1/members",
                       {"email": team.owner_email, "name": "二重 登録", "role": "user"})
    assert expected["status"] == 409
    expect(dialog.get_by_role("alert")).to_have_text(expected["message"])
    email = dialog.get_by_label("メールアドレス")
    expect(email).to_have_attribute("aria-invalid", "true")
    described = email.get_attribute("aria-describedby")
    assert page.locator(f"#{described}").inner_text() == expected["details"][0]["message"]
    assert_accessible(page, "the invitation dialog with the 409")
    dialog.get_by_role("button", name="キャンセル").click()
    expect(members_table(page).get_by_role("row")).to_have_count(2)

    # the last owner cannot step down: the API's 409, as it words it, in the role dialog
    me = console.call(owner, "GET", "/v1/me")
    page.get_by_role("button", name="ロールを変更: 山田 太郎").click()
    dialog = page.get_by_role("dialog", name="ロールを変更: 山田 太郎")
    dialog.get_by_label("ロール").select_option(label="管理者")
    dialog.get_by_role("button", name="変更する").click()
    expected = refusal(console, owner, "PATCH", f"/v1/members/{me['id']}", {"role": "admin"})
    assert expected["status"] == 409
    expect(dialog.get_by_role("alert")).to_have_text(expected["message"])
    assert console.call(owner, "GET", "/v1/me")["role"] == "owner"


def expect_columns(page, names: list[str]) -> None:
    """The columns as the list section shows them, in order (each item's visible name)."""
    expect(page.get_by_role("group", name="表示する項目と順番").get_by_role("listitem")
           .locator(".column-name")).to_have_text(names)


def test_list_columns_are_reordered_by_keyboard_changed_and_reset_and_the_name_order_switched(page, console):
    team = signed_in_team(page, console)
    owner = console.token(team.tenant, team.owner_email)
    default = console.call(owner, "GET", "/v1/settings")
    page.goto(console.url + "/settings/list")
    expect(page.get_by_role("heading", name="一覧の表示項目")).to_be_visible()
    expect_columns(page, ["名前（固定）", "会社名", "メールアドレス", "電話番号", "ステータス", "担当者",
                          "作成日", "直近連絡日時", "直近顧客行動日時"])
    expect(page.get_by_role("button", name="上へ: 名前")).to_have_count(0)
    expect(page.get_by_role("button", name="外す: 名前")).to_have_count(0)
    assert_accessible(page, "/settings/list")

    page.get_by_role("button", name="下へ: 会社名").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="下へ: 会社名")).to_be_focused()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="外す: 電話番号").click()
    expect(page.get_by_label("追加する項目")).to_be_focused()
    expect_columns(page, ["名前（固定）", "メールアドレス", "会社名", "ステータス", "担当者",
                          "作成日", "直近連絡日時", "直近顧客行動日時"])
    page.get_by_role("button", name="上へ: ステータス").click()
    page.get_by_label("追加する項目").select_option(label="スコア")
    page.get_by_role("button", name="追加", exact=True).click()
    page.get_by_role("radio", name="名 姓（例: 太郎 山田）").check()
    expect_columns(page, ["名前（固定）", "メールアドレス", "ステータス", "会社名", "担当者",
                          "作成日", "直近連絡日時", "直近顧客行動日時", "スコア"])
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("保存しました")
    held = console.call(owner, "GET", "/v1/settings")
    assert held["list_columns"] == ["name", "email", "status", "company", "owner_id", "created_at", "last_contacted_at",
                                    "last_customer_action_at", "score"]
    assert held["name_order"] == "given_family"
    screenshot(page, "settings-list")

    page.reload()
    expect_columns(page, ["名前（固定）", "メールアドレス", "ステータス", "会社名", "担当者",
                          "作成日", "直近連絡日時", "直近顧客行動日時", "スコア"])
    expect(page.get_by_role("radio", name="名 姓（例: 太郎 山田）")).to_be_checked()
    page.get_by_role("button", name="初期設定に戻す").click()
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("保存しました")
    held = console.call(owner, "GET", "/v1/settings")
    assert (held["list_columns"], held["name_order"]) == (default["list_columns"], default["name_order"])


def test_permissions_are_saved(page, console):
    team = signed_in_team(page, console)
    owner = console.token(team.tenant, team.owner_email)
    page.goto(console.url + "/settings/permissions")
    page.get_by_role("checkbox", name="ユーザー権限のメンバーには、自分が担当する連絡先だけを表示する").check()
    exporters = page.get_by_role("group", name="エクスポートできるロール")
    exporters.get_by_role("checkbox", name="マネージャー").check()
    exporters.get_by_role("checkbox", name="管理者").uncheck()
    assert_accessible(page, "/settings/permissions")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("保存しました")
    held = console.call(owner, "GET", "/v1/settings")
    assert (held["owner_visibility_restricted"], held["export_roles"]) == (True, ["owner", "manager"])

    page.get_by_label("表示言語").select_option("en")
    expect(page.get_by_role("heading", name="Permissions")).to_be_visible()
    expect(page.get_by_role("group", name="Roles that may export")
           .get_by_role("checkbox", name="Manager")).to_be_checked()
    expect(page.get_by_role("navigation", name="Settings menu").get_by_role("link")).to_have_text(
        ["Members", "List columns", "Permissions", "Scoring", "Custom fields", "Tags", "Mailbox", "Site keys",
         "API keys", "Plan usage"])
    assert_accessible(page, "/settings/permissions in English")


def test_scoring_shows_each_refusal_on_its_field_then_saves(page, console):
    team = signed_in_team(page, console)
    owner = console.token(team.tenant, team.owner_email)
    page.goto(console.url + "/settings/scoring")
    assert_accessible(page, "/settings/scoring")
    page.get_by_label("メール開封の点数").fill("5000")
    page.get_by_label("ホット").fill("3")
    page.get_by_label("アクティブ").fill("5")
    page.get_by_role("button", name="保存", exact=True).click()
    expected = refusal(console, owner, "PUT", "/v1/settings", {
        "score_weights": {**console.call(owner, "GET", "/v1/settings")["score_weights"], "email_opened": 5000},
        "engagement_thresholds": {"hot": 3, "active": 5}})
    details = {detail["field"]: detail["message"] for detail in expected["details"]}
    assert set(details) == {"score_weights.email_opened", "engagement_thresholds.hot"}
    for label, field in (("メール開封の点数", "score_weights.email_opened"), ("ホット", "engagement_thresholds.hot")):
        control = page.get_by_label(label)
        expect(control).to_have_attribute("aria-invalid", "true")
        assert page.locator(f"#{control.get_attribute('aria-describedby')}").inner_text() == details[field]
    expect(page.get_by_role("alert")).to_have_text(expected["message"])
    assert_accessible(page, "/settings/scoring with refusals")

    page.get_by_label("メール開封の点数").fill("2")
    page.get_by_label("ホット").fill("40")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("保存しました")
    held = console.call(owner, "GET", "/v1/settings")
    assert (held["score_weights"]["email_opened"], held["engagement_thresholds"]) == (2, {"hot": 40, "active": 5})


def test_a_select_property_is_created_archived_and_restored(page, console):
    team = signed_in_team(page, console)
    owner = console.token(team.tenant, team.owner_email)
    page.goto(console.url + "/settings/properties")
    expect(page.get_by_text("カスタム項目はまだありません。")).to_be_visible()
    assert_accessible(page, "/settings/properties")
    page.get_by_role("button", name="カスタム項目を追加").click()
    dialog = page.get_by_role("dialog", name="カスタム項目を追加")
    dialog.get_by_label("キー").fill("industry")
    dialog.get_by_label("表示名").fill("業種")
    dialog.get_by_label("種類").select_option(label="選択肢")
    dialog.get_by_label("選択肢（1行に1つ）").fill("製造\n小売\n\n製造")
    assert_accessible(page, "the new property dialog")
    dialog.get_by_role("button", name="追加する").click()
    expect(dialog).to_be_hidden()
    active = page.get_by_role("table", name="使用中のカスタム項目")
    assert cells(active.get_by_role("row").nth(1))[:4] == ["業種", "industry", "選択肢", "製造、小売"]
    assert console.call(owner, "GET", "/v1/properties")["items"] == [
        {"key": "industry", "label": "業種", "type": "select", "options": ["製造", "小売"], "archived": False}]

    page.get_by_role("button", name="カスタム項目を追加").click()
    dialog = page.get_by_role("dialog", name="カスタム項目を追加")
    dialog.get_by_label("キー").fill("industry")
    dialog.get_by_label("表示名").fill("業種2")
    dialog.get_by_role("button", name="追加する").click()
    expected = refusal(console, owner, "POST", "/v1/properties", {"key": "industry", "label": "業種2", "type": "text"})
    assert expected["status"] == 409
    expect(dialog.get_by_role("alert")).to_have_text(expected["message"])
    expect(dialog.get_by_label("キー")).to_have_attribute("aria-invalid", "true")
    dialog.get_by_role("button", name="キャンセル").click()
    expect(page.get_by_role("button", name="カスタム項目を追加")).to_be_focused()

    page.get_by_role("button", name="編集: 業種").click()
    dialog = page.get_by_role("dialog", name="カスタム項目を編集: 業種")
    dialog.get_by_label("表示名").fill("業界")
    dialog.get_by_label("選択肢（1行に1つ）").fill("製造\n小売\nサービス")
    dialog.get_by_role("button", name="保存", exact=True).click()
    expect(dialog).to_be_hidden()
    assert cells(active.get_by_role("row").nth(1))[:4] == ["業界", "industry", "選択肢", "製造、小売、サービス"]
    screenshot(page, "settings-properties")

    page.get_by_role("button", name="アーカイブ: 業界").click()
    archived = page.get_by_role("table", name="アーカイブ済みのカスタム項目")
    expect(archived.get_by_role("row")).to_have_count(2)
    expect(page.get_by_role("table", name="使用中のカスタム項目")).to_have_count(0)
    assert console.call(owner, "GET", "/v1/properties")["items"][0]["archived"] is True
    assert_accessible(page, "/settings/properties with an archived property")

    page.get_by_role("button", name="復元: 業界").click()
    expect(page.get_by_role("status")).to_have_text("「業界」を復元しました。")
    expect(archived).to_have_count(0)
    assert console.call(owner, "GET", "/v1/properties")["items"] == [
        {"key": "industry", "label": "業界", "type": "select", "options": ["製造", "小売", "サービス"],
         "archived": False}]


def test_a_tag_is_created_and_deleted_from_its_contacts(page, console):
    team = signed_in_team(page, console)
    owner = console.token(team.tenant, team.owner_email)
    contact = console.call(owner, "POST", "/v1/contacts",
                           {"family_name": "田中", "given_name": "一郎", "tags": ["展示会2026"]})
    page.goto(console.url + "/settings/tags")
    table = page.get_by_role("table", name="タグ一覧")
    expect(table.get_by_role("row")).to_have_count(2)
    assert cells(table.get_by_role("row").nth(1))[:2] == ["展示会2026", "1"]
    assert_accessible(page, "/settings/tags")

    page.get_by_label("タグ名").fill("セミナー")
    page.get_by_role("button", name="タグを作成").click()
    expect(page.get_by_role("status")).to_have_text("タグ「セミナー」を作成しました。")
    assert [tag["name"] for tag in console.call(owner, "GET", "/v1/tags")["items"]] == ["セミナー", "展示会2026"]

    page.get_by_role("button", name="削除: 展示会2026").click()
    dialog = page.get_by_role("dialog", name="タグを削除")
    expect(dialog).to_contain_text("タグ「展示会2026」を削除します。このタグは 1 件の連絡先から外されます。")
    assert_accessible(page, "the tag deletion dialog")
    dialog.get_by_role("button", name="削除する").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status")).to_have_text("タグ「展示会2026」を削除しました。")
    expect(table.get_by_role("row")).to_have_count(2)
    assert [tag["name"] for tag in console.call(owner, "GET", "/v1/tags")["items"]] == ["セミナー"]
    assert console.call(owner, "GET", f"/v1/contacts/{contact['id']}")["tags"] == []
