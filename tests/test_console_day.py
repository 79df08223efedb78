"""Issue 20's "done when": a seed's day in the browser, from the operator's new tenant to an
invited colleague. The owner signs in as an invited owner (temporary password, then their own),
finds a contact by ﾔﾏﾀﾞ, sorts by 名前, opens the contact, logs a call, adds a memo, sends a
merged email and sees it on the timeline, tags 50 selected contacts, saves a segment and invites
a member — each through the contract's accessible names, each screen checked by axe-core."""

from __future__ import annotations

import re
from email import message_from_string, policy

from playwright.sync_api import expect

from console_support import PASSWORD, assert_accessible, search_builder, sign_in


def test_a_sales_day_in_the_console(page, console):
    tenant, owner_email, temporary = console.new_team(name="株式会社セールス", owner_name="営業 花子")
    sign_in(page, console, owner_email, temporary, new_password=PASSWORD)
    expect(page.get_by_role("banner").get_by_text("営業 花子")).to_be_visible()
    token = console.token(tenant, owner_email,
                          name="営業 花子")  # seeding through the API, as a colleague's import would
    yamada = console.call(token, "POST", "/v1/contacts", {
        "family_name": "山田", "given_name": "太郎", "family_name_kana": "ヤマダ", "given_name_kana": "タロウ",
        "email": "taro@yamada.example.jp", "phone": "03-1234-5678", "company": "山田商事"})
    console.imported(token, [{"family_name": f"顧客{index:02d}", "family_name_kana": f"コキャク{index:02d}",
                              "email": f"customer{index}@example.jp", "company": "展示会来場"} for index in range(55)])
    page.reload()
    rows = page.locator("table tbody tr")
    expect(page.get_by_text("50 件を表示中")).to_be_visible()
    assert_accessible(page, "/contacts")

    # find 山田 by half-width kana
    page.get_by_role("searchbox", name="検索").fill("ﾔﾏﾀﾞ")
    expect(rows).to_have_count(1)
    expect(rows.get_by_role("link", name="山田 太郎")).to_be_visible()

    # the seed's five sortable headers are all there by default, each sorting on click
    page.get_by_role("searchbox", name="検索").fill("")
    expect(rows).to_have_count(50)
    for header, order in (("メールアドレス", "ascending"), ("直近連絡日時", "descending"),
                          ("直近顧客行動日時", "descending"), ("作成日", "descending")):
        column = page.get_by_role("columnheader", name=header, exact=True)
        column.get_by_role("button", name=header, exact=True).click()
        expect(column).to_have_attribute("aria-sort", order)

    # sort by 名前 (the kana reading): コキャク00 comes before ヤマダ
    name_header = page.get_by_role("columnheader", name="名前")
    name_header.get_by_role("button", name="名前").click()
    expect(name_header).to_have_attribute("aria-sort", "ascending")
    expect(rows.first.get_by_role("link")).to_have_text("顧客00")
    name_header.get_by_role("button", name="名前").click()
    expect(name_header).to_have_attribute("aria-sort", "descending")
    expect(rows.first.get_by_role("link")).to_have_text("山田 太郎")

    # open the contact
    rows.first.get_by_role("link", name="山田 太郎").click()
    page.wait_for_url(re.compile(rf"/contacts/{yamada['id']}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("山田 太郎")
    timeline = page.get_by_role("region", name="タイムライン")
    assert_accessible(page, "the contact page")

    # log a call
    page.get_by_role("button", name="コール").click()
    expect(page.get_by_role("link", name="電話をかける")).to_have_attribute("href", "tel:+81312345678")
    expect(page.get_by_role("status").filter(has_text="山田 太郎 へのコールを"
                                                      "タイムラインに記録しました。")).to_be_visible()
    page.get_by_role("button", name="通話内容を記録").click()
    call = page.get_by_role("dialog", name="通話内容を記録")
    call.get_by_label("通話メモ").fill("予算を確認。来週デモ。")
    call.get_by_role("button", name="通話メモを保存").click()
    expect(call).to_be_hidden()
    expect(timeline.get_by_text("予算を確認。来週デモ。")).to_be_visible()

    # add a memo
    page.get_by_role("button", name="メモを追加").click()
    memo = page.get_by_role("dialog", name="メモを追加")
    memo.get_by_label("メモの内容").fill("決裁者は部長。")
    memo.get_by_role("button", name="保存").click()
    expect(timeline.get_by_text("決裁者は部長。")).to_be_visible()

    # send a merged email, confirm it, see it sent and on the timeline
    page.get_by_role("button", name="メールを送信").click()
    composer = page.get_by_role("dialog", name="メールを作成")
    composer.get_by_label("件名").fill("{{contact.family_name}}様 ご提案の件")
    composer.get_by_label("本文").fill("{{contact.display_name}}様\n\nお世話になっております。")
    composer.get_by_role("button", name="プレビュー").click()
    expect(composer.get_by_role("region", name="プレビュー結果")).to_contain_text("山田様 ご提案の件")
    assert_accessible(page, "the composer")
    composer.get_by_role("button", name="今すぐ送信").click()
    page.get_by_role("dialog", name="送信内容の確認").get_by_role("button", name="確認").click()
    expect(timeline.get_by_text("山田様 ご提案の件")).to_be_visible()
    sent = [item for item in console.outbox() if item["to"] == ["taro@yamada.example.jp"]]
    assert [item["subject"] for item in sent] == ["山田様 ご提案の件"]
    body = message_from_string(sent[0]["raw"], policy=policy.default).get_body(("plain",)).get_content()
    assert body.splitlines()[0] == "山田 太郎様"

    # tag 50 selected contacts
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="連絡先").click()
    expect(page.get_by_text("50 件を表示中")).to_be_visible()
    page.get_by_role("checkbox", name="このページをすべて選択").check()
    bar = page.get_by_role("region", name="選択した連絡先への一括操作")
    expect(bar.get_by_text("50 件を選択中")).to_be_visible()
    bar.get_by_role("button", name="タグを付ける").click()
    tagging = page.get_by_role("dialog", name="タグを付ける")
    tagging.get_by_label("タグ名").fill("展示会フォロー")
    tagging.get_by_role("button", name="実行").click()
    expect(tagging.get_by_text(re.compile("完了しました: 成功 50 件"))).to_be_visible()
    tags = console.call(token, "GET", "/v1/tags")["items"]
    assert [(tag["name"], tag["contact_count"]) for tag in tags] == [("展示会フォロー", 50)]
    tagging.get_by_role("button", name="閉じる").first.click()

    # save a segment
    builder = search_builder(page, "会社名", "を含む", "山田")
    builder.get_by_role("button", name="セグメントとして保存").click()
    builder.get_by_label("セグメント名").fill("山田商事の方")
    builder.get_by_role("button", name="保存", exact=True).click()
    expect(page.get_by_text("セグメント「山田商事の方」を保存しました。")).to_be_visible()
    segments = console.call(token, "GET", "/v1/segments")["items"]
    assert [segment["name"] for segment in segments] == ["山田商事の方"]

    # invite a member
    page.get_by_role("navigation", name="メインメニュー").get_by_role("link", name="設定").click()
    page.goto(console.url + "/settings/members")
    page.get_by_role("button", name="メンバーを招待").click()
    invite = page.get_by_role("dialog", name="メンバーを招待")
    invite.get_by_label("メールアドレス").fill(f"rep@{tenant}.example.jp")
    invite.get_by_label("名前").fill("鈴木 一郎")
    invite.get_by_label("ロール").select_option(label="ユーザー")
    invite.get_by_role("button", name="招待する").click()
    expect(invite).to_be_hidden()
    expect(page.get_by_role("row").filter(has_text=f"rep@{tenant}.example.jp")).to_contain_text("招待中")
    assert_accessible(page, "/settings/members")
    invitations = [item for item in console.outbox() if item["to"] == [f"rep@{tenant}.example.jp"]]
    assert [item["transport"] for item in invitations] == ["cognito"]
