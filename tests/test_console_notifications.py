"""Notifications in the browser: the header's 通知 link with the unread count in its name, the count
in the page title, the /notifications list (what happened, the subject, the contact, when; unread
marked), mark one read, すべて既読にする, and the empty state. Emails are sent through the API with
`notify_on_open` and opened as a person would (their tracking pixel); the API's state is asserted."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect

from console_support import assert_accessible, screenshot, signed_in_team

JST = timezone(timedelta(hours=9))


def sent_and_opened(console, token: str, contact_id: str, subject: str) -> dict:
    """An email to CONTACT_ID sent with notify_on_open, then opened by a person."""
    email = console.call(token, "POST", "/v1/emails", {
        "contact_id": contact_id, "subject": subject, "body_text": "資料をお送りします。",
        "body_html": "<p>資料をお送りします。</p>", "notify_on_open": True})
    console.open_as_a_person(email["id"])
    return email


def test_an_opened_email_shows_in_the_header_title_and_list_until_read(page, console):
    page.clock.install()  # time flows, and the test can move it on to the next poll
    team = signed_in_team(page, console)
    token = console.token(team.tenant, team.owner_email, name="山田 太郎")
    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name="通知 0件未読")).to_be_visible()
    expect(page).to_have_title("連絡先 | CRM")
    header.get_by_role("link", name="通知").click()
    expect(page).to_have_url(console.url + "/notifications")
    expect(page.get_by_text("通知はありません。")).to_be_visible()
    assert_accessible(page, "notifications (empty)")

    contact = console.call(token, "POST", "/v1/contacts",
                           {"family_name": "鈴木", "given_name": "花子", "email": "hanako@example.jp"})

    page.goto(console.url + "/contacts")
    expect(header.get_by_role("link", name="通知 0件未読")).to_be_visible()
    sent_and_opened(console, token, contact["id"], "ご提案の件")
    [notification] = console.call(token, "GET", "/v1/me/notifications")["items"]
    page.clock.run_for(61_000)  # the minute's poll, without reloading the page
    expect(header.get_by_role("link", name="通知 1件未読")).to_be_visible()
    expect(page).to_have_title("(1) 連絡先 | CRM")
    header.get_by_role("link", name="通知 1件未読").click()
    expect(page).to_have_title("(1) 通知 | CRM")
    items = page.get_by_role("list", name="通知一覧（新しい順）").get_by_role("listitem")
    expect(items).to_have_count(1)
    occurred = datetime.fromisoformat(notification["occurred_at"].replace("Z", "+00:00")).astimezone(JST)
    expect(items.first.get_by_text("未読", exact=True)).to_be_visible()
    expect(items.first).to_contain_text("メールが開封されました")
    expect(items.first).to_contain_text("件名: ご提案の件")
    expect(items.first).to_contain_text(occurred.strftime("%Y/%m/%d %H:%M"))
    expect(items.first.get_by_role("link", name="連絡先を開く")).to_have_attribute("href", f"/contacts/{contact['id']}")
    assert_accessible(page, "notifications")
    screenshot(page, "notifications")

    items.first.get_by_role("button", name="既読にする", exact=True).click()
    expect(header.get_by_role("link", name="通知 0件未読")).to_be_visible()
    expect(page).to_have_title("通知 | CRM")
    expect(items.first.get_by_text("未読", exact=True)).to_have_count(0)
    expect(items.first.get_by_role("button", name="未読に戻す")).to_be_visible()
    listed = console.call(token, "GET", "/v1/me/notifications")
    assert listed["unread_count"] == 0 and listed["items"][0]["read"] is True

    items.first.get_by_role("link", name="連絡先を開く").click()
    expect(page.get_by_role("heading", name="鈴木 花子", level=1)).to_be_visible()


def test_the_list_pages_and_marks_all_read(page, console):
    team = signed_in_team(page, console)
    token = console.token(team.tenant, team.owner_email, name="山田 太郎")
    contact = console.call(token, "POST", "/v1/contacts", {"family_name": "佐藤", "email": "sato@example.jp"})
    for number in range(1, 22):
        sent_and_opened(console, token, contact["id"], f"ご案内{number:02d}")

    page.goto(console.url + "/notifications")
    header = page.get_by_role("banner")
    expect(header.get_by_role("link", name="通知 21件未読")).to_be_visible()
    items = page.get_by_role("list", name="通知一覧（新しい順）").get_by_role("listitem")
    expect(items).to_have_count(20)
    expect(items.first).to_contain_text("ご案内21")
    expect(items.last).to_contain_text("ご案内02")
    page.get_by_role("button", name="さらに表示").click()
    expect(items).to_have_count(21)
    expect(items.last).to_contain_text("ご案内01")
    expect(page.get_by_role("button", name="さらに表示")).to_have_count(0)

    page.get_by_role("button", name="すべて既読にする").click()
    expect(page.get_by_role("status")).to_have_text("すべての通知を既読にしました。")
    expect(header.get_by_role("link", name="通知 0件未読")).to_be_visible()
    expect(page).to_have_title("通知 | CRM")
    expect(page.get_by_role("button", name="既読にする", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="未読に戻す")).to_have_count(21)
    expect(page.get_by_role("button", name="すべて既読にする")).to_be_disabled()
    assert console.call(token, "GET", "/v1/me/notifications")["unread_count"] == 0
