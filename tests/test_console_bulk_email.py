"""メールを送信 from the contact list's bulk bar (seed 002, issue 22) in the browser: the dialog's
プレビュー shows the first recipients merged and the skip counts, 送信 starts the job and shows its
counts when it ends, and each contact with an address gets one email."""

from __future__ import annotations

from playwright.sync_api import expect

from console_support import assert_accessible, screenshot, signed_in_team


def test_the_selected_contacts_are_previewed_then_emailed_once_each_with_the_skips_counted(page, console):
    team = signed_in_team(page, console)
    token = console.token(team.tenant, team.owner_email)
    addresses = {name: f"{name}.{team.tenant}@example.jp" for name in ("yamada", "sato")}
    console.call(token, "POST", "/v1/contacts", {"family_name": "山田", "email": addresses["yamada"]})
    console.call(token, "POST", "/v1/contacts", {"family_name": "佐藤", "email": addresses["sato"]})
    console.call(token, "POST", "/v1/contacts", {"family_name": "鈴木"})  # no address: skipped
    page.reload()
    page.get_by_text("3 件を表示中").wait_for()
    page.get_by_role("checkbox", name="このページをすべて選択").check()
    bar = page.get_by_role("region", name="選択した連絡先への一括操作")
    bar.get_by_role("button", name="メールを送信").click()

    dialog = page.get_by_role("dialog", name="選択した連絡先にメールを送信")
    dialog.get_by_label("件名").fill("{{contact.family_name}}様 セミナーのご案内")
    dialog.get_by_label("本文").fill("{{contact.family_name}}様\n来月のセミナーのご案内です。")
    dialog.get_by_role("button", name="プレビュー").click()
    result = dialog.get_by_role("region", name="プレビュー結果")
    expect(result.get_by_text("送信 2 件")).to_be_visible()
    expect(result.get_by_text("メールアドレスなし 1 件")).to_be_visible()
    expect(result.get_by_text("山田様 セミナーのご案内")).to_be_visible()
    expect(result.get_by_text("佐藤様 セミナーのご案内")).to_be_visible()
    assert_accessible(page, "the bulk email dialog with its preview")
    screenshot(page, "bulk-email")
    assert [item for item in console.outbox() if item["to"][0] in addresses.values()] == []  # a preview sends nothing

    dialog.get_by_role("button", name="送信", exact=True).click()
    expect(dialog.get_by_text("送信が完了しました。")).to_be_visible(timeout=60_000)
    expect(dialog.get_by_text("送信 2 件")).to_be_visible()
    expect(dialog.get_by_text("メールアドレスなし 1 件")).to_be_visible()
    sent = sorted((item["to"][0], item["subject"]) for item in console.outbox() if item["to"][0] in addresses.values())
    assert sent == sorted([(addresses["yamada"], "山田様 セミナーのご案内"),
                           (addresses["sato"], "佐藤様 セミナーのご案内")])
