"""The contact page in the browser (the contract's /contacts/{id} and Compose): the heading, the
region タイムライン, コール, メモを追加, the type filter, in-place editing, who may edit a custom
activity, and the email composer (merge fields, プレビュー, 今すぐ送信 → 確認, 予約送信 in JST,
the API's refusals). Contacts are seeded through the API; what the API then holds is asserted."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from playwright.sync_api import expect

from console_support import PASSWORD, assert_accessible, screenshot, sign_in, signed_in_team

JST = timezone(timedelta(hours=9))


def refusal(console, token: str, method: str, path: str, body: Any) -> dict[str, Any]:
    """The API's refusal of a request, as the console asks for it (in Japanese): the error object.
    Used only for requests the API refuses without writing anything."""
    request = urllib.request.Request(console.url + path, data=json.dumps(body).encode(), method=method, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}", "Accept-Language": "ja,en;q=0.5"})
    try:
        urllib.request.urlopen(request, timeout=30)
    except urllib.error.HTTPError as error:
        assert error.code == 422
        return json.loads(error.read())["error"]
    raise AssertionError(f"{method} {path} was not refused")


def seeded(page, console, **fields: Any) -> tuple[str, dict[str, Any]]:
    """A signed-in owner's token and a contact of theirs made through the API."""
    team = signed_in_team(page, console)
    token = console.token(team.tenant, team.owner_email, name="山田 太郎")
    return token, console.call(token, "POST", "/v1/contacts", fields)


def open_contact(page, console, contact: dict[str, Any]):
    """The contact's page once loaded; its timeline region."""
    page.goto(f"{console.url}/contacts/{contact['id']}")
    page.get_by_role("heading", level=1).wait_for()
    return page.get_by_role("region", name="タイムライン")


def timeline_items(console, token: str, contact: dict[str, Any], **query: str) -> list[dict[str, Any]]:
    suffix = "&".join(f"{key}={value}" for key, value in query.items())
    return console.call(token, "GET", f"/v1/contacts/{contact['id']}/timeline?{suffix}")["items"]


def entries(timeline):
    return timeline.get_by_role("listitem")


def test_the_page_names_the_contact_and_a_call_is_logged_and_dialled(page, console):
    token, contact = seeded(page, console, family_name="山田", given_name="太郎", email="taro@example.jp",
                            phone="03-1234-5678", company="山田商事")
    timeline = open_contact(page, console, contact)
    assert page.get_by_role("heading", level=1).inner_text() == "山田 太郎"
    expect(timeline.get_by_text("アクティビティはまだありません")).to_be_visible()
    assert_accessible(page, "the contact page")

    page.get_by_role("button", name="コール").click()
    dial = page.get_by_role("link", name="電話をかける")
    expect(dial).to_be_focused()  # Enter dials
    assert dial.get_attribute("href") == "tel:+81312345678"
    expect(page.get_by_role("status").filter(has_text="山田 太郎 へのコールを"
                                                      "タイムラインに記録しました。")).to_be_visible()
    call = entries(timeline).filter(has_text="発信: 通話 (0:00)")
    expect(call.locator(".entry-type")).to_have_text("コール")
    assert_accessible(page, "the contact page after a call")

    page.get_by_role("button", name="通話内容を記録").click()
    dialog = page.get_by_role("dialog", name="通話内容を記録")
    expect(dialog.get_by_label("通話メモ")).to_be_focused()
    assert_accessible(page, "the call dialog")
    dialog.get_by_label("通話メモ").fill("予算感を確認。来週デモ。")
    dialog.get_by_role("button", name="通話メモを保存").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("button", name="通話内容を記録")).to_be_focused()  # focus back where it was
    expect(page.get_by_role("status").filter(has_text="通話メモを保存しました")).to_be_visible()
    expect(call).to_contain_text("予算感を確認。来週デモ。")
    page.get_by_role("button", name="通話内容を記録").click()
    expect(dialog.get_by_label("通話メモ")).to_have_value("予算感を確認。来週デモ。")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    [logged] = timeline_items(console, token, contact, type="call")
    assert logged["data"]["notes"] == "予算感を確認。来週デモ。"
    screenshot(page, "contact")


def test_a_contact_without_a_phone_shows_the_apis_refusal_and_logs_nothing(page, console):
    token, contact = seeded(page, console, family_name="電話", given_name="なし", email="nophone@example.jp")
    expected = refusal(console, token, "POST", f"/v1/contacts/{contact['id']}/calls", {})
    timeline = open_contact(page, console, contact)
    page.get_by_role("button", name="コール").click()
    assert page.get_by_role("alert").locator("p").inner_text() == expected["message"]
    assert page.get_by_role("dialog").count() == 0
    assert timeline_items(console, token, contact, type="call") == []
    expect(timeline.get_by_text("アクティビティはまだありません")).to_be_visible()


def test_a_memo_is_shown_as_text_never_as_markup(page, console):
    token, contact = seeded(page, console, family_name="メモ", email="memo@example.jp")
    timeline = open_contact(page, console, contact)
    page.get_by_role("button", name="メモを追加").click()
    dialog = page.get_by_role("dialog", name="メモを追加")
    assert_accessible(page, "the memo dialog")
    dialog.get_by_label("メモの内容").fill("<img src=x onerror=alert(1)>")
    dialog.get_by_role("button", name="保存").click()

    memo = entries(timeline).filter(has_text="<img src=x onerror=alert(1)>")
    assert memo.locator(".entry-type").inner_text() == "メモ"
    assert timeline.locator("img").count() == 0
    assert [item["data"]["body"]
            for item in timeline_items(console, token, contact, type="memo")] == ["<img src=x onerror=alert(1)>"]


def test_the_timeline_is_newest_first_and_filtered_by_type_and_day(page, console):
    token, contact = seeded(page, console, family_name="絞込", email="filter@example.jp", phone="090-1234-5678")
    for day, subject in ((1, "古いメモ"), (3, "新しいメモ")):
        console.call(token, "POST", f"/v1/contacts/{contact['id']}/activities",
                     {"type": "memo", "subject": subject, "occurred_at": f"2026-11-0{day}T03:00:00Z"})
    console.call(token, "POST", f"/v1/contacts/{contact['id']}/activities",
                 {"type": "meeting", "subject": "初回面談", "occurred_at": "2026-11-02T03:00:00Z"})
    timeline = open_contact(page, console, contact)
    titles = timeline.locator(".entry-title")
    expect(titles).to_have_text(["新しいメモ", "初回面談", "古いメモ"])

    timeline.get_by_label("種類").select_option(label="メモ")
    expect(titles).to_have_text(["新しいメモ", "古いメモ"])
    expect(timeline.locator(".entry-type")).to_have_text(["メモ", "メモ"])

    # 2026-11-01 12:00 JST is 03:00Z: the first day, in the user's zone, holds only the old memo
    timeline.get_by_label("終了日").fill("2026-11-01")
    expect(titles).to_have_text(["古いメモ"])
    timeline.get_by_label("開始日").fill("2026-11-02")
    expect(page.get_by_role("alert")).to_be_visible()  # the API refuses a start after the end
    timeline.get_by_role("button", name="条件をクリア").click()
    expect(titles).to_have_text(["新しいメモ", "初回面談", "古いメモ"])


def test_an_email_with_a_merge_field_is_previewed_sent_after_confirming_and_on_the_timeline(page, console):
    token, contact = seeded(page, console, family_name="山田", given_name="花子", email="hanako@example.jp")
    timeline = open_contact(page, console, contact)
    page.get_by_role("button", name="メールを送信").click()
    composer = page.get_by_role("dialog", name="メールを作成")
    assert composer.get_by_label("宛先").input_value() == "hanako@example.jp"
    assert_accessible(page, "the composer")

    subject = composer.get_by_label("件名")
    subject.fill("様 ご提案")
    subject.press("Home")
    composer.get_by_label("差し込み項目").select_option(value="{{contact.family_name}}")
    composer.get_by_role("button", name="差し込む").click()
    assert subject.input_value() == "{{contact.family_name}}様 ご提案"
    body = composer.get_by_label("本文")
    body.press_sequentially("{{contact.dispaly_name}}様")  # checked as typed, as the API would
    expect(body).to_have_attribute("aria-invalid", "true")
    expect(composer.locator("#compose-body-errors")).to_have_text(
        "{{contact.dispaly_name}} は差し込みフィールドではありません。{{contact.FIELD}}、{{contact.properties.KEY}}、"
        "{{sender.name}}、{{sender.email}} のいずれかを使用してください。")
    body.fill("{{contact.display_name}}様\n\nお世話になっております。")
    expect(composer.locator("#compose-body-errors")).to_have_count(0)
    composer.get_by_label("Cc", exact=True).fill("boss@example.jp")
    composer.get_by_label("リンクのクリックを追跡").uncheck()
    composer.get_by_label("開封されたら通知").check()
    composer.get_by_role("button", name="プレビュー").click()
    preview = composer.get_by_role("region", name="プレビュー結果")
    assert preview.locator(".preview-subject").inner_text() == "件名: 山田様 ご提案"
    assert preview.locator("pre").inner_text() == "山田 花子様\n\nお世話になっております。"
    assert_accessible(page, "the composer with its preview")
    screenshot(page, "compose")

    composer.get_by_role("button", name="今すぐ送信").click()
    confirm = page.get_by_role("dialog", name="送信内容の確認")
    expect(confirm.get_by_text("このメールを今すぐ送信します。よろしいですか？")).to_be_visible()
    assert_accessible(page, "the composer's confirmation")
    assert not [item for item in console.outbox() if item["to"] == ["hanako@example.jp"]]
    confirm.get_by_role("button", name="確認").click()
    expect(page.get_by_role("status").filter(has_text="メールを送信しました")).to_be_visible()

    [sent] = [item for item in console.outbox() if item["to"] == ["hanako@example.jp"]]
    assert sent["subject"] == "山田様 ご提案"
    assert sent["cc"] == ["boss@example.jp"]
    [email] = console.call(token, "GET", "/v1/emails?folder=sent")["items"]
    assert (email["track_opens"], email["track_clicks"],
            email["notify_on_open"], email["notify_on_click"]) == (True, False, True, False)
    entry = entries(timeline).filter(has_text="山田様 ご提案")
    assert entry.locator(".entry-type").inner_text() == "メール送信"


def test_a_scheduled_email_is_held_for_the_jst_time_chosen(page, console):
    token, contact = seeded(page, console, family_name="予約", email="later@example.jp")
    timeline = open_contact(page, console, contact)
    page.get_by_role("button", name="メールを送信").click()
    composer = page.get_by_role("dialog", name="メールを作成")
    tomorrow = (datetime.now(JST) + timedelta(days=1)).date()
    assert composer.get_by_label("送信日時").input_value() == f"{tomorrow.isoformat()}T09:00"
    composer.get_by_label("件名").fill("明日のご案内")
    composer.get_by_label("本文").fill("明朝お送りします。")
    composer.get_by_label("送信日時").fill(f"{tomorrow.isoformat()}T09:00")
    composer.get_by_role("button", name="予約送信").click()
    confirm = page.get_by_role("dialog", name="送信内容の確認")
    expect(confirm.get_by_text(f"{tomorrow:%Y/%m/%d} 09:00 に予約送信します")).to_be_visible()
    confirm.get_by_role("button", name="確認").click()
    expect(page.get_by_role("status").filter(has_text="メールを予約しました")).to_be_visible()

    [held] = console.call(token, "GET", "/v1/emails?folder=scheduled")["items"]
    assert held["status"] == "scheduled" and held["contact_id"] == contact["id"]
    assert datetime.fromisoformat(held["send_at"].replace("Z", "+00:00")) == datetime(
        tomorrow.year, tomorrow.month, tomorrow.day, tzinfo=UTC)
    scheduled = entries(timeline).filter(has_text="明日のご案内")
    assert scheduled.locator(".entry-type").inner_text() == "予約済み"
    assert f"{tomorrow:%Y/%m/%d} 09:00 に送信予定" in scheduled.inner_text()
    assert not [item for item in console.outbox() if item["to"] == ["later@example.jp"]]

    scheduled.get_by_role("button", name="予約を取り消す").click()
    expect(scheduled).to_have_count(0)
    assert console.call(token, "GET", "/v1/emails?folder=scheduled")["items"] == []


def test_an_empty_merge_field_shows_the_apis_message_and_details_and_sends_nothing(page, console):
    token, contact = seeded(page, console, family_name="空欄", email="empty@example.jp")
    expected = refusal(console, token, "POST", "/v1/emails/preview",
                       {"contact_id": contact["id"], "subject": "{{contact.given_name}}様", "body_text": "本文です"})
    open_contact(page, console, contact)
    page.get_by_role("button", name="メールを送信").click()
    composer = page.get_by_role("dialog", name="メールを作成")
    composer.get_by_label("件名").fill("{{contact.given_name}}様")
    composer.get_by_label("本文").fill("本文です")
    composer.get_by_role("button", name="今すぐ送信").click()
    page.get_by_role("dialog", name="送信内容の確認").get_by_role("button", name="確認").click()

    alert = page.get_by_role("dialog", name="メールを作成").get_by_role("alert")
    assert alert.locator("p").inner_text() == expected["message"]
    assert [item.inner_text() for item in alert.get_by_role("listitem").all()] == [
        f"{detail['field']} {detail['message']}" for detail in expected["details"]]
    expect(composer.get_by_label("件名")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page, "the composer showing a refusal")
    assert not [item for item in console.outbox() if item["to"] == ["empty@example.jp"]]


def test_a_field_is_edited_in_place_saved_with_enter_cancelled_with_escape(page, console):
    token, contact = seeded(page, console, family_name="編集", email="edit@example.jp", company="旧商事")
    open_contact(page, console, contact)
    page.get_by_role("button", name="会社名を編集").click()
    field = page.get_by_label("会社名", exact=True)
    assert field.input_value() == "旧商事"
    field.fill("新商事株式会社")
    field.press("Enter")
    expect(page.get_by_role("button", name="会社名を編集")).to_be_focused()
    page.reload()
    page.get_by_role("heading", level=1).wait_for()
    assert page.locator(".profile-field", has_text="会社名").first.locator(".value").inner_text() == "新商事株式会社"
    assert console.call(token, "GET", f"/v1/contacts/{contact['id']}")["company"] == "新商事株式会社"

    page.get_by_role("button", name="会社名を編集").click()
    page.get_by_label("会社名", exact=True).fill("取り消す値")
    page.get_by_label("会社名", exact=True).press("Escape")
    assert page.get_by_label("会社名", exact=True).count() == 0
    assert console.call(token, "GET", f"/v1/contacts/{contact['id']}")["company"] == "新商事株式会社"

    expected = refusal(console, token, "PATCH", f"/v1/contacts/{contact['id']}", {"email": "not-an-address"})
    page.get_by_role("button", name="メールアドレスを編集").click()
    email = page.get_by_label("メールアドレス", exact=True)
    email.fill("not-an-address")
    email.press("Enter")
    expect(email).to_have_attribute("aria-invalid", "true")
    [detail] = [item["message"] for item in expected["details"] if item["field"] == "email"]
    assert page.locator(f"#{email.get_attribute('aria-describedby')}").inner_text() == detail
    assert console.call(token, "GET", f"/v1/contacts/{contact['id']}")["email"] == "edit@example.jp"

    star = page.get_by_role("button", name="★ スター")
    assert star.get_attribute("aria-pressed") == "false"
    star.click()
    expect(star).to_have_attribute("aria-pressed", "true")
    assert console.call(token, "GET", f"/v1/contacts/{contact['id']}")["starred"] is True


def test_a_user_edits_only_their_own_custom_activities(page, console):
    team = signed_in_team(page, console)
    owner = console.token(team.tenant, team.owner_email, name="山田 太郎")
    contact = console.call(owner, "POST", "/v1/contacts", {"family_name": "共有", "email": "shared@example.jp"})
    console.call(owner, "POST", f"/v1/contacts/{contact['id']}/activities", {"type": "memo", "body": "オーナーのメモ"})
    user_email = f"user@{team.tenant}.example.jp"
    console.call(owner, "POST", "/v1/members", {"email": user_email, "name": "一般 ユーザー", "role": "user"})
    page.get_by_role("button", name="ログアウト").click()
    sign_in(page, console, user_email, console.temporary_password(user_email), new_password=PASSWORD)

    timeline = open_contact(page, console, contact)
    page.get_by_role("button", name="メモを追加").click()
    page.get_by_role("dialog", name="メモを追加").get_by_label("メモの内容").fill("自分のメモ")
    page.get_by_role("dialog", name="メモを追加").get_by_role("button", name="保存").click()
    mine = entries(timeline).filter(has_text="自分のメモ")
    theirs = entries(timeline).filter(has_text="オーナーのメモ")
    expect(mine.get_by_role("button", name="編集")).to_be_visible()
    assert "一般 ユーザー" in mine.inner_text()
    assert theirs.get_by_role("button").count() == 0
    assert "山田 太郎" in theirs.inner_text()

    mine.get_by_role("button", name="編集").click()
    dialog = page.get_by_role("dialog", name="アクティビティを編集")
    assert_accessible(page, "the activity editor")
    dialog.get_by_label("内容").fill("自分のメモ(直した)")
    dialog.get_by_role("button", name="保存").click()
    expect(entries(timeline).filter(has_text="自分のメモ(直した)")).to_have_count(1)

    entries(timeline).filter(has_text="自分のメモ(直した)").get_by_role("button", name="削除").click()
    page.get_by_role("dialog", name="このアクティビティを削除しますか？").get_by_role("button", name="削除する").click()
    expect(entries(timeline).filter(has_text="自分のメモ")).to_have_count(0)
    assert [item["data"]["body"] for item in timeline_items(console, owner, contact, type="memo")] == ["オーナーのメモ"]


def test_a_missing_contact_is_a_designed_not_found_state(page, console):
    signed_in_team(page, console)
    page.goto(f"{console.url}/contacts/01JZZZZZZZZZZZZZZZZZZZZZZZ")
    expect(page.get_by_role("heading", level=1)).to_have_text("連絡先が見つかりません")
    assert page.get_by_role("link", name="連絡先一覧へ").get_attribute("href") == "/contacts"
    assert_accessible(page, "the contact not found")
    page.get_by_label("表示言語").select_option("en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Contact not found")


def test_the_page_and_the_composer_speak_english_on_request(page, console):
    token, contact = seeded(page, console, family_name="Smith", given_name="Anna", email="anna@example.com")
    page.get_by_label("表示言語").select_option("en")
    timeline = open_contact(page, console, contact)
    expect(page.get_by_role("region", name="Timeline")).to_be_visible()
    expect(timeline).to_have_count(0)
    for name in ("Send email", "Call", "Add memo", "Edit Company"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_visible()
    expect(page.get_by_text("No activity yet")).to_be_visible()
    page.get_by_role("button", name="Send email").click()
    composer = page.get_by_role("dialog", name="Write an email")
    for label in ("To", "Subject", "Body", "Send at"):
        expect(composer.get_by_label(label, exact=True)).to_be_visible()
    for name in ("Preview", "Send now", "Schedule"):
        expect(composer.get_by_role("button", name=name, exact=True)).to_be_visible()


def test_status_owner_tags_and_custom_properties_change_from_the_profile(page, console):
    token, contact = seeded(page, console, family_name="項目", email="fields@example.jp", tags=["展示会"])
    console.call(token, "POST", "/v1/properties", {"key": "size", "label": "従業員数", "type": "number"})
    console.call(token, "POST", "/v1/properties", {"key": "industry", "label": "業種", "type": "select",
                                                   "options": ["製造", "小売"]})
    console.call(token, "POST", "/v1/properties", {"key": "listed", "label": "上場", "type": "boolean"})
    colleague = console.call(token, "POST", "/v1/members",
                             {"email": "sato@example.jp", "name": "佐藤 次郎", "role": "manager"})
    timeline = open_contact(page, console, contact)
    stored = lambda: console.call(token, "GET", f"/v1/contacts/{contact['id']}")  # noqa: E731

    page.get_by_label("ステータス").select_option(label="受注")
    expect(entries(timeline).filter(has_text="新規 → 受注")).to_have_count(1)
    assert stored()["status"] == "won"
    page.get_by_label("担当者").select_option(label="佐藤 次郎")
    expect(entries(timeline).filter(has_text="担当者: 佐藤 次郎")).to_have_count(1)
    assert stored()["owner_id"] == colleague["id"]

    page.get_by_label("追加するタグ").fill("セミナー")
    page.get_by_role("button", name="タグを付ける").click()
    expect(page.get_by_role("button", name="タグ「セミナー」を外す")).to_be_visible()
    page.get_by_role("button", name="タグ「展示会」を外す").click()
    expect(page.get_by_role("button", name="タグ「展示会」を外す")).to_have_count(0)
    assert stored()["tags"] == ["セミナー"]

    page.get_by_role("button", name="従業員数を編集").click()
    size = page.get_by_label("従業員数", exact=True)
    assert size.get_attribute("type") == "number"
    size.fill("120")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("button", name="従業員数を編集")).to_be_visible()
    page.get_by_role("button", name="業種を編集").click()
    page.get_by_label("業種", exact=True).select_option("小売")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("button", name="業種を編集")).to_be_visible()
    page.get_by_label("上場").check()
    expect(page.get_by_label("上場")).to_be_checked()
    assert_accessible(page, "the profile after its changes")
    page.reload()
    expect(page.get_by_label("上場")).to_be_checked()
    assert stored()["properties"] == {"size": 120, "industry": "小売", "listed": True}


def test_a_template_fills_the_composer_and_a_long_timeline_pages(page, console):
    token, contact = seeded(page, console, family_name="雛形", email="template@example.jp")
    console.call(token, "POST", "/v1/email-templates",
                 {"name": "初回ご提案", "subject": "{{contact.family_name}}様 ご提案",
                  "body_text": "いつもお世話になっております。"})
    for number in range(51):
        console.call(token, "POST", f"/v1/contacts/{contact['id']}/activities",
                     {"type": "memo", "body": f"メモ{number:02d}", "occurred_at": f"2026-10-01T00:{number:02d}:00Z"})
    timeline = open_contact(page, console, contact)
    expect(timeline.locator(".entry-memo")).to_have_count(50)
    assert timeline.locator(".entry-body").first.inner_text() == "メモ50"
    timeline.get_by_role("button", name="さらに表示").click()
    expect(timeline.locator(".entry-memo")).to_have_count(51)
    assert timeline.locator(".entry-body").last.inner_text() == "メモ00"
    expect(timeline.get_by_role("button", name="さらに表示")).to_have_count(0)

    page.get_by_role("button", name="メールを送信").click()
    composer = page.get_by_role("dialog", name="メールを作成")
    composer.get_by_label("テンプレート").select_option(label="初回ご提案")
    assert composer.get_by_label("件名").input_value() == "{{contact.family_name}}様 ご提案"
    assert composer.get_by_label("本文").input_value() == "いつもお世話になっております。"
    composer.get_by_role("button", name="今すぐ送信").click()
    page.get_by_role("dialog", name="送信内容の確認").get_by_role("button", name="確認").click()
    expect(page.get_by_role("status").filter(has_text="メールを送信しました")).to_be_visible()
    [sent] = [item for item in console.outbox() if item["to"] == ["template@example.jp"]]
    assert sent["subject"] == "雛形様 ご提案"
    [template] = console.call(token, "GET", "/v1/email-templates")["items"]
    assert template["stats"]["sent"] == 1


def test_a_contact_without_email_gets_the_apis_refusal_when_sending(page, console):
    token, contact = seeded(page, console, family_name="宛先", given_name="なし", phone="03-0000-0000")
    expected = refusal(console, token, "POST", "/v1/emails/preview",
                       {"contact_id": contact["id"], "subject": "ご案内", "body_text": "本文です"})
    open_contact(page, console, contact)
    page.get_by_role("button", name="メールを送信").click()
    composer = page.get_by_role("dialog", name="メールを作成")
    assert composer.get_by_label("宛先").input_value() == ""
    composer.get_by_label("件名").fill("ご案内")
    composer.get_by_label("本文").fill("本文です")
    composer.get_by_role("button", name="予約送信").click()
    page.get_by_role("dialog", name="送信内容の確認").get_by_role("button", name="確認").click()
    expect(composer.get_by_role("alert").locator("p")).to_have_text(expected["message"])
    expect(composer.get_by_label("件名")).to_be_focused()
    assert console.call(token, "GET", "/v1/emails?folder=scheduled")["items"] == []


def test_the_linked_company_is_shown_beside_the_profile(page, console):
    team = signed_in_team(page, console)
    token = console.token(team.tenant, team.owner_email, name="山田 太郎")
    console.call(token, "POST", "/v1/companies", {"name": "山田商事株式会社", "domain": "yamada-shoji.co.jp",
                                                   "industry": "製造", "phone": "03-1234-5678"})
    contact = console.call(token, "POST", "/v1/contacts", {"family_name": "社員", "email": "staff@yamada-shoji.co.jp"})
    assert contact["company_id"]
    open_contact(page, console, contact)
    company = page.get_by_role("region", name="会社")
    for label, value in (("ドメイン", "yamada-shoji.co.jp"), ("業種", "製造"),
                         ("代表電話", "03-1234-5678"), ("連絡先数", "1")):
        expect(company.locator(".profile-field",
                               has=page.locator("dt", has_text=label)).locator("dd")).to_have_text(value)
