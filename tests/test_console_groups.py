"""会員グループ in the browser (/groups, /groups/{id}): the owner creates a group, adds two contacts to
it from the contacts list's bulk bar, sees them on the group's page, invites one to the member site
(招待中, and Cognito's invitation in the outbox), takes the other out, sees the groups and the login
on the contact page, then edits and deletes the group."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from console_support import assert_accessible, screenshot, signed_in_team


def test_a_group_gets_members_from_the_bulk_bar_invites_one_and_loses_another(page, console):
    team = signed_in_team(page, console)
    token = console.token(team.tenant, team.owner_email)
    sato_email = f"sato@{team.tenant}.example.jp"  # the session's outbox is shared: this test's own address
    sato = console.call(token, "POST", "/v1/contacts", {"family_name": "佐藤", "email": sato_email})
    suzuki = console.call(token, "POST", "/v1/contacts", {"family_name": "鈴木", "email": "suzuki@example.jp"})
    console.call(token, "POST", "/v1/contacts", {"family_name": "高橋", "email": "takahashi@example.jp"})

    page.get_by_role("link", name="会員グループ").click()
    page.wait_for_url(re.compile(r"/groups$"))
    expect(page.get_by_text("会員グループはまだありません。")).to_be_visible()
    assert_accessible(page, "the groups, empty")
    page.get_by_role("button", name="グループを作成").click()
    dialog = page.get_by_role("dialog", name="会員グループを作成")
    dialog.get_by_label("グループ名").fill("オンラインサロン")
    dialog.get_by_label("追加後のリダイレクト先").fill("example.jp/welcome")
    dialog.get_by_label("Webフォームから参加").check()
    assert_accessible(page, "the create-group dialog")
    dialog.get_by_role("button", name="グループを作成").click()
    expect(dialog).to_have_count(0)
    row = page.locator("tr.group-row")
    expect(row).to_have_count(1)
    expect(row.get_by_role("cell")).to_have_text(["オンラインサロン", "0", "https://example.jp/welcome",
                                                  "可", "編集削除"])
    [group] = console.call(token, "GET", "/v1/member-groups")["items"]
    assert (group["name"], group["redirect_url"],
            group["web_form_joinable"]) == ("オンラインサロン", "https://example.jp/welcome", True)
    assert_accessible(page, "the groups")
    screenshot(page, "groups")

    page.get_by_role("link", name="連絡先").first.click()
    page.get_by_role("checkbox", name="佐藤 を選択").check()
    page.get_by_role("checkbox", name="鈴木 を選択").check()
    bar = page.get_by_role("region", name="選択した連絡先への一括操作")
    bar.get_by_role("button", name="会員グループに追加").click()
    dialog = page.get_by_role("dialog", name="会員グループに追加")
    dialog.get_by_label("グループ").select_option(label="オンラインサロン")
    assert_accessible(page, "the add-to-group dialog")
    dialog.get_by_role("button", name="実行").click()
    expect(dialog.get_by_text("完了しました: 成功 2 件、見つからない 0 件、権限なし 0 件")).to_be_visible()
    dialog.get_by_text("閉じる", exact=True).click()

    page.get_by_role("link", name="会員グループ").click()
    expect(page.locator("tr.group-row").get_by_role("cell").nth(1)).to_have_text("2")
    page.get_by_role("link", name="オンラインサロン").click()
    page.wait_for_url(re.compile(rf"/groups/{group['id']}$"))
    expect(page.get_by_role("heading", name="オンラインサロン")).to_be_visible()
    members = page.locator("tr.member-row")
    expect(members).to_have_count(2)
    expect(members.nth(0).get_by_role("cell").nth(2)).to_have_text("—")
    assert_accessible(page, "the group's members")
    screenshot(page, "group-members")

    page.get_by_role("button", name="ログインに招待: 佐藤").click()
    sato_row = members.filter(has=page.get_by_role("link", name="佐藤"))
    expect(sato_row.get_by_role("cell").nth(2)).to_have_text("招待中")
    expect(sato_row.get_by_role("button", name="ログインに招待: 佐藤")).to_be_visible()  # again while invited
    invitations = [item for item in console.outbox() if item["to"] == [sato_email] and item["transport"] == "cognito"]
    assert len(invitations) == 1
    assert console.temporary_password(sato_email)

    page.get_by_role("button", name="グループから外す: 鈴木").click()
    expect(members).to_have_count(1)
    expect(page.get_by_text("鈴木 さんをグループから外しました。")).to_be_visible()
    left = console.call(token, "GET", f"/v1/member-groups/{group['id']}/members")["items"]
    assert [contact["id"] for contact in left] == [sato["id"]]
    assert console.call(token, "GET", f"/v1/contacts/{suzuki['id']}")["groups"] == []

    page.get_by_role("link", name="佐藤").click()
    page.wait_for_url(re.compile(rf"/contacts/{sato['id']}$"))
    card = page.get_by_role("region", name="会員グループ")
    expect(card.get_by_role("link", name="オンラインサロン")).to_have_attribute("href", f"/groups/{group['id']}")
    expect(card.get_by_text("招待中")).to_be_visible()
    assert_accessible(page, "the contact's groups")

    page.get_by_role("link", name="会員グループ").first.click()
    page.get_by_role("button", name="編集: オンラインサロン").click()
    dialog = page.get_by_role("dialog", name="会員グループを編集")
    dialog.get_by_label("グループ名").fill("会員サロン")
    assert_accessible(page, "the edit-group dialog")
    dialog.get_by_role("button", name="保存").click()
    expect(page.locator("tr.group-row").get_by_role("cell").first).to_have_text("会員サロン")

    page.get_by_role("button", name="削除: 会員サロン").click()
    dialog = page.get_by_role("dialog", name="会員グループを削除")
    expect(dialog.get_by_text("メンバー 1 件はグループから外されます。", exact=False)).to_be_visible()
    assert_accessible(page, "the delete-group dialog")
    dialog.get_by_role("button", name="削除する").click()
    expect(page.get_by_text("会員グループはまだありません。")).to_be_visible()
    assert console.call(token, "GET", "/v1/member-groups")["items"] == []
    assert console.call(token, "GET", f"/v1/contacts/{sato['id']}")["groups"] == []
