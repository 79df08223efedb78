"""The templates screen in the browser (/mail/templates): the list with each template's sent, open
and click figures and dates; create with merge fields checked as the user types (by the API's
rules) and the picker inserting at the cursor; the API's refusal on its field; edit; delete asked
once more. Templates, contacts and emails are seeded through the API; what it then holds is asserted."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from console_support import assert_accessible, screenshot, signed_in_team

JST = timezone(timedelta(hours=9))


def jst_day(iso: str) -> str:
    """The day of ISO in Japan, as the console writes dates (2026/12/07)."""
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(JST).strftime("%Y/%m/%d")


def refused_message(console, token: str, path: str, body: dict, field: str) -> str:
    """The API's Japanese message for FIELD when it refuses BODY (a request that writes nothing)."""
    request = urllib.request.Request(console.url + path, data=json.dumps(body).encode(), method="POST", headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}", "Accept-Language": "ja,en;q=0.5"})
    try:
        urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as error:
        assert error.code == 422
        [message] = [detail["message"] for detail in json.loads(error.read())["error"]["details"]
                     if detail["field"] == field]
        return message
    raise AssertionError(f"POST {path} was not refused")


def test_the_list_shows_what_became_of_the_emails_sent_from_each_template(page, console):
    team = signed_in_team(page, console)
    token = console.token(team.tenant, team.owner_email, name="山田 太郎")
    template = console.call(token, "POST", "/v1/email-templates", {
        "name": "初回ご提案", "subject": "{{contact.family_name}}様 ご提案", "body_text": "お世話になっております。",
        "body_html": "<p>お世話になっております。</p>"})
    console.call(token, "POST", "/v1/email-templates", {"name": "未使用の雛形", "subject": "ご案内",
                                                        "body_text": "本文"})
    for number in range(2):
        contact = console.call(token, "POST", "/v1/contacts",
                               {"family_name": f"宛先{number}", "email": f"to{number}@example.jp"})
        email = console.call(token, "POST", "/v1/emails", {"contact_id": contact["id"], "template_id": template["id"]})
        if number == 0:
            console.open_as_a_person(email["id"])
    assert console.call(token, "GET",
                        f"/v1/email-templates/{template['id']}")["stats"] == {"sent": 2, "opened": 1, "clicked": 0}

    page.goto(console.url + "/mail/templates")
    expect(page).to_have_title("メールテンプレート | CRM")
    expect(page.get_by_role("heading", name="メールテンプレート", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="メールボックスに戻る")).to_have_attribute("href", "/mail")
    table = page.get_by_role("table", name="メールテンプレート一覧（名前順）")
    expect(table.get_by_role("columnheader")).to_have_text(
        ["テンプレート名", "件名", "送信数", "開封率", "クリック率", "作成日", "更新日", "操作"])
    used = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="初回ご提案"))
    expect(used.get_by_role("cell")).to_have_text(
        ["{{contact.family_name}}様 ご提案", "2", "50%1件", "0%0件", jst_day(template["created_at"]),
         jst_day(template["updated_at"]), "編集削除"])
    unused = table.get_by_role("row").filter(has=page.get_by_role("rowheader", name="未使用の雛形"))
    expect(unused.get_by_role("cell").nth(1)).to_have_text("0")
    expect(unused.get_by_role("cell").nth(2)).to_have_text("—0件")
    assert_accessible(page, "templates")
    screenshot(page, "templates")


def test_create_check_merge_fields_as_you_type_edit_and_delete(page, console):
    team = signed_in_team(page, console)
    token = console.token(team.tenant, team.owner_email, name="山田 太郎")
    console.call(token, "POST", "/v1/properties", {"key": "budget", "label": "予算", "type": "number"})
    page.goto(console.url + "/mail/templates")
    expect(page.get_by_text("テンプレートはまだありません。")).to_be_visible()
    assert_accessible(page, "templates (empty)")

    page.get_by_role("button", name="テンプレートを作成").click()
    dialog = page.get_by_role("dialog", name="テンプレートを作成")
    expect(dialog.get_by_label("テンプレート名")).to_be_focused()
    subject, body = dialog.get_by_label("件名"), dialog.get_by_label("本文")
    subject.fill("{{contact.family_name}}様 ご予算 {{contact.properties.budget}}")
    body.press_sequentially("{{contact.nmae}}様")
    # while typing, before any save: the field says what is wrong, as the API would
    expect(body).to_have_attribute("aria-invalid", "true")
    expect(dialog.locator("#template-body-error")).to_have_text(
        "{{contact.nmae}} は差し込みフィールドではありません。{{contact.FIELD}}、{{contact.properties.KEY}}、"
        "{{sender.name}}、{{sender.email}} のいずれかを使用してください。")
    expect(subject).not_to_have_attribute("aria-invalid", "true")
    dialog.get_by_label("HTML版（任意）").fill("<p>{{contact.properties.budjet}}</p>")
    expect(dialog.locator("#template-html-error")).to_have_text(
        "{{contact.properties.budjet}} は定義されていないカスタム項目です。"
        "設定の「カスタム項目」にあるキーを使用してください。")
    assert_accessible(page, "template dialog with merge field errors")
    dialog.get_by_role("button", name="保存").click()
    expect(dialog.get_by_role("alert")).to_have_text("差し込みフィールドに誤りがあります。各欄の説明に沿って直してから保存してください。")
    expect(body).to_be_focused()
    assert console.call(token, "GET", "/v1/email-templates")["items"] == []

    # fixed as typed; the picker puts {{sender.name}} where the cursor is
    body.fill("{{contact.display_name}}様\nよろしくお願いいたします。")
    expect(body).not_to_have_attribute("aria-invalid", "true")
    expect(dialog.locator("#template-body-error")).to_have_count(0)
    body.focus()
    body.press("Control+End")
    dialog.get_by_label("差し込み項目").select_option(value="{{sender.name}}")
    dialog.get_by_role("button", name="差し込む").click()
    expect(body).to_have_value("{{contact.display_name}}様\nよろしくお願いいたします。{{sender.name}}")
    expect(body).to_be_focused()
    dialog.get_by_label("HTML版（任意）").fill("")

    # the API's own refusal (no name) shows on its field
    expected = refused_message(console, token, "/v1/email-templates",
                               {"name": "", "subject": "s", "body_text": "b"}, "name")
    dialog.get_by_role("button", name="保存").click()
    expect(dialog.locator("#template-name-error")).to_have_text(expected)
    expect(dialog.get_by_label("テンプレート名")).to_have_attribute("aria-invalid", "true")
    dialog.get_by_label("テンプレート名").fill("ご予算のご確認")
    expect(dialog.locator("#template-name-error")).to_have_count(0)
    dialog.get_by_role("button", name="保存").click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_role("status")).to_have_text("テンプレート「ご予算のご確認」を作成しました。")
    [saved] = console.call(token, "GET", "/v1/email-templates")["items"]
    assert (saved["name"], saved["subject"], saved["body_text"], saved["body_html"]) == (
        "ご予算のご確認", "{{contact.family_name}}様 ご予算 {{contact.properties.budget}}",
        "{{contact.display_name}}様\nよろしくお願いいたします。{{sender.name}}", None)
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="ご予算のご確認"))
    expect(row.get_by_role("cell").first).to_have_text("{{contact.family_name}}様 ご予算 {{contact.properties.budget}}")

    # edit: prefilled, saved with PUT
    row.get_by_role("button", name="編集: ご予算のご確認").click()
    dialog = page.get_by_role("dialog", name="テンプレートを編集")
    expect(dialog.get_by_label("本文")).to_have_value("{{contact.display_name}}様\nよろしくお願いいたします。{{sender.name}}")
    dialog.get_by_label("件名").fill("{{contact.company}} ご予算について")
    dialog.get_by_role("button", name="保存").click()
    expect(dialog).to_have_count(0)
    expect(row.get_by_role("cell").first).to_have_text("{{contact.company}} ご予算について")
    assert console.call(token, "GET",
                        f"/v1/email-templates/{saved['id']}")["subject"] == "{{contact.company}} ご予算について"

    # delete, asked once more
    row.get_by_role("button", name="削除: ご予算のご確認").click()
    confirm = page.get_by_role("dialog", name="テンプレートを削除")
    expect(confirm).to_contain_text("テンプレート「ご予算のご確認」を削除します。")
    assert_accessible(page, "template removal")
    confirm.get_by_role("button", name="削除する").click()
    expect(confirm).to_have_count(0)
    expect(page.get_by_text("テンプレートはまだありません。")).to_be_visible()
    assert console.call(token, "GET", "/v1/email-templates")["items"] == []
