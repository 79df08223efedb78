"""The list's 条件で絞り込む builder with the conditions of issue 22: セグメント (a saved segment's
members, `{"segment_id"}`) and 送信したメール (`{"emails": {"event", "template_id"?, "since"?}}`):
the list shows exactly the contacts the API finds for them, a person's open counting as 開封."""

from __future__ import annotations

from playwright.sync_api import expect

from console_support import assert_accessible, signed_in_team


def shown_names(page) -> list[str]:
    return sorted(page.locator("tr.contact-row td.name-cell a").all_inner_texts())


def test_a_segment_and_the_emails_sent_and_opened_narrow_the_list(page, console):
    team = signed_in_team(page, console)
    token = console.token(team.tenant, team.owner_email)
    template = console.call(token, "POST", "/v1/email-templates", {
        "name": "初回ご提案", "subject": "{{contact.family_name}}様 ご提案", "body_text": "お世話になっております。",
        "body_html": "<p>お世話になっております。</p>"})
    contacts = {name: console.call(token, "POST", "/v1/contacts",
                                   {"family_name": name, "email": f"{mail}@example.jp", "status": status})
                for name, mail, status in [("佐藤", "sato", "won"), ("鈴木", "suzuki", "new"),
                                           ("高橋", "takahashi", "new"), ("田中", "tanaka", "won")]}
    for name in ("佐藤", "鈴木"):
        email = console.call(token, "POST", "/v1/emails",
                             {"contact_id": contacts[name]["id"], "template_id": template["id"]})
        if name == "佐藤":
            console.open_as_a_person(email["id"])
    console.call(token, "POST", "/v1/emails", {"contact_id": contacts["高橋"]["id"], "subject": "ご挨拶",
                                               "body_text": "よろしくお願いします。"})
    console.call(token, "POST", "/v1/segments", {"name": "受注済み",
                                                 "filter": {"field": "status", "op": "eq", "value": "won"}})

    page.reload()
    expect(page.locator("tr.contact-row")).to_have_count(4)
    page.get_by_role("button", name="条件で絞り込む").click()
    dialog = page.get_by_role("dialog", name="条件で絞り込む")
    dialog.get_by_role("button", name="セグメント条件を追加").click()
    dialog.get_by_role("button", name="この条件を削除").first.click()  # the blank field condition
    dialog.get_by_label("該当セグメント").select_option(label="受注済み")
    dialog.get_by_role("button", name="この条件で表示").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("tr.contact-row")).to_have_count(2)
    assert shown_names(page) == ["佐藤", "田中"]

    # AND: in the segment, and opened an email of the template
    page.get_by_role("button", name="条件で絞り込む").click()
    dialog.get_by_role("button", name="メール条件を追加").click()
    dialog.get_by_label("メールのイベント").select_option(label="開封")
    dialog.get_by_label("メールのテンプレート").select_option(label="初回ご提案")
    dialog.get_by_label("この日以降（任意）").fill("2020-01-01")
    assert_accessible(page, "the builder with a segment and an email condition")
    dialog.get_by_role("button", name="この条件で表示").click()
    expect(page.locator("tr.contact-row")).to_have_count(1)
    assert shown_names(page) == ["佐藤"]

    # the emails sent from the template, without the segment: 鈴木 got one too, 高橋 another one
    page.get_by_role("button", name="条件で絞り込む").click()
    dialog.get_by_role("button", name="この条件を削除").first.click()
    dialog.get_by_label("メールのイベント").select_option(label="送信")
    dialog.get_by_role("button", name="この条件で表示").click()
    expect(page.locator("tr.contact-row")).to_have_count(2)
    assert shown_names(page) == ["佐藤", "鈴木"]

    # every email sent, from any template
    page.get_by_role("button", name="条件で絞り込む").click()
    dialog.get_by_label("メールのテンプレート").select_option(label="すべてのメール")
    dialog.get_by_role("button", name="この条件で表示").click()
    expect(page.locator("tr.contact-row")).to_have_count(3)
    assert shown_names(page) == ["佐藤", "鈴木", "高橋"]
