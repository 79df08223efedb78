"""The contact page's change history in the browser: a field's 履歴 opens a dialog listing each
change of that field newest first, with who made it and the value before and after, whether it
was made through the API or on the page (GET /v1/contacts/{id}/history?field=)."""

from __future__ import annotations

from playwright.sync_api import expect

from console_support import assert_accessible, screenshot, signed_in_team


def test_a_fields_history_lists_its_changes_newest_first_with_who_made_them(page, console):
    team = signed_in_team(page, console)
    token = console.token(team.tenant, team.owner_email, name="山田 太郎")
    contact = console.call(token, "POST", "/v1/contacts", {"family_name": "履歴", "email": "history@example.jp"})
    console.call(token, "PATCH", f"/v1/contacts/{contact['id']}", {"status": "called"})
    console.call(token, "PATCH", f"/v1/contacts/{contact['id']}", {"status": "won", "memo": "初回訪問"})
    page.goto(f"{console.url}/contacts/{contact['id']}")
    page.get_by_role("heading", level=1).wait_for()

    page.get_by_label("ステータス").select_option(label="失注")  # a change made on the page is kept too
    expect(page.get_by_label("ステータス")).to_have_value("lost")
    page.get_by_title("ステータスの変更履歴").click()

    dialog = page.get_by_role("dialog", name="ステータスの変更履歴")
    changes = dialog.get_by_role("listitem")
    expect(changes).to_have_count(3)  # the memo's change is another field's
    [actor] = {entry["actor_name"] for entry in console.call(
        token, "GET", f"/v1/contacts/{contact['id']}/history?field=status")["items"]}
    expect(changes.nth(0)).to_contain_text("受注 → 失注")
    expect(changes.nth(1)).to_contain_text("電話済み → 受注")
    expect(changes.nth(2)).to_contain_text("新規 → 電話済み")
    for number in range(3):
        expect(changes.nth(number)).to_contain_text(actor)
    assert_accessible(page, "a field's change history")
    screenshot(page, "contact-field-history")

    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(page.get_by_title("ステータスの変更履歴")).to_be_focused()
    page.get_by_title("メモの変更履歴").click()
    memo = page.get_by_role("dialog", name="メモの変更履歴").get_by_role("listitem")
    expect(memo).to_have_count(1)
    expect(memo).to_contain_text("未設定 → 初回訪問")
