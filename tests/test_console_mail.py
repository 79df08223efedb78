"""The mailbox in the browser (/mail, Digima's メールボックス): the folders 受信済み / 送信済み /
予約, a thread newest on top with 更に表示, 返信 continuing the thread, テンプレートとして保存 and
its use, 複製, deleting a received email, rescheduling and cancelling a scheduled one, opens and
clicks with machine hits apart, and received HTML only sanitised in a sandboxed frame whose remote
images load only after 画像を表示. Mail is seeded through the API and POST /_local/inbound (a raw
.eml, as SES's receipt rule stores it); what the API and the outbox then hold is asserted."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta, timezone
from email import message_from_string, policy
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from playwright.sync_api import expect

from console_support import assert_accessible, screenshot, signed_in_team

JST = timezone(timedelta(hours=9))
# a person's mail client, and Apple Mail Privacy Protection's prefetch (its bare user agent)
PERSON = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.4 Safari/605.1.15")
APPLE_PROXY = "Mozilla/5.0"
GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


def team_with_contact(page, console, **fields: Any) -> tuple[str, dict[str, Any]]:
    """A signed-in owner's token and a contact of theirs (an address no other test uses)."""
    team = signed_in_team(page, console)
    token = console.token(team.tenant, team.owner_email, name="山田 太郎")
    fields.setdefault("email", f"taro-{uuid.uuid4().hex[:8]}@example.jp")
    return token, console.call(token, "POST", "/v1/contacts", {"family_name": "山田", **fields})


def send(console, token: str, contact: dict[str, Any], subject: str, body: str, **more: Any) -> dict[str, Any]:
    return console.call(token, "POST", "/v1/emails", {"contact_id": contact["id"], "subject": subject,
                                                      "body_text": body, **more})


def receive(console, contact: dict[str, Any], replying_to: dict[str, Any], subject: str, text: str,
            html: str | None = None) -> datetime:
    """A reply from the contact to one of our emails (In-Reply-To its message id), dropped into the
    inbound path as SES's receipt rule drops it. Its Date (now, in JST, to the second)."""
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = contact["email"], replying_to["from"]["email"], subject
    written = datetime.now(JST).replace(microsecond=0)
    mail["Date"] = format_datetime(written)
    mail["Message-ID"] = f"<{uuid.uuid4().hex}@example.jp>"
    mail["In-Reply-To"] = mail["References"] = replying_to["message_id"]
    mail.set_content(text)
    if html is not None:
        mail.add_alternative(html, subtype="html")
    raw = mail.as_bytes(policy=policy.default.clone(max_line_length=998))
    request = urllib.request.Request(console.url + "/_local/inbound", data=raw, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
    return written


def received_in_thread(console, token: str, ours: dict[str, Any]) -> dict[str, Any]:
    """The received email threaded to OURS."""
    [reply] = [email for email in console.call(token, "GET", f"/v1/emails/{ours['id']}/thread")["items"]
               if email["status"] == "received"]
    return reply


def sent_to(console, address: str) -> list[dict[str, Any]]:
    return [item for item in console.outbox() if item["to"] == [address]]


def status_of(console, token: str, email_id: str) -> int:
    """The HTTP status GET /v1/emails/{id} answers."""
    request = urllib.request.Request(f"{console.url}/v1/emails/{email_id}",
                                     headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def messages(page):
    return page.get_by_role("region", name=re.compile("^スレッド")).get_by_role("article")


def test_a_reply_to_a_received_mail_continues_its_thread(page, console):
    token, contact = team_with_contact(page, console)
    ours = send(console, token, contact, "ご提案の件", "山田様\n\n資料をお送りします。")
    tail = "来週の打ち合わせで詳しく伺えますと幸いです。"
    written = receive(console, contact, ours, "Re: ご提案の件",
                      "ありがとうございます。" + "資料を拝見しました。" * 12 + tail)
    reply = received_in_thread(console, token, ours)

    page.goto(console.url + "/mail")
    page.wait_for_url(re.compile(r"/mail/received$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("メールボックス")
    expect(page.get_by_role("link", name="受信済み")).to_have_attribute("aria-current", "page")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Re: ご提案の件"))
    expect(row).to_contain_text(contact["email"])
    expect(row).to_contain_text(f"{written:%Y/%m/%d %H:%M}")
    expect(row).to_contain_text("受信")
    assert_accessible(page, "the received folder")
    screenshot(page, "mail")

    row.get_by_role("link", name="Re: ご提案の件").click()
    page.wait_for_url(re.compile(rf"/mail/received/{reply['id']}$"))
    thread = page.get_by_role("region", name="スレッド: Re: ご提案の件")
    expect(thread.get_by_role("heading", level=2)).to_be_focused()
    # as Digima shows it: the newest on top
    expect(messages(page)).to_have_count(2)
    expect(messages(page).nth(0)).to_contain_text(contact["email"])
    expect(messages(page).nth(0)).to_contain_text("選択中")
    expect(messages(page).nth(1)).to_contain_text("資料をお送りします。")
    top = messages(page).nth(0)
    expect(top.get_by_text(tail)).to_have_count(0)  # collapsed to an excerpt
    top.get_by_role("button", name="更に表示").click()
    expect(top.get_by_text(tail, exact=False)).to_be_visible()
    expect(top.get_by_role("button", name="折りたたむ")).to_have_attribute("aria-expanded", "true")
    assert_accessible(page, "an open thread")

    thread.get_by_role("button", name="返信").click()
    composer = page.get_by_role("dialog", name="返信を作成")
    expect(composer.get_by_label("宛先")).to_have_value(contact["email"])
    expect(composer.get_by_label("件名")).to_have_value("Re: ご提案の件")
    assert_accessible(page, "the reply composer")
    composer.get_by_label("本文").fill("山田様\n\nご確認ありがとうございます。来週火曜はいかがでしょうか。")
    composer.get_by_role("button", name="今すぐ送信").click()
    page.get_by_role("dialog", name="送信内容の確認").get_by_role("button", name="確認").click()
    expect(page.get_by_role("status").filter(has_text="メールを送信しました")).to_be_visible()

    expect(messages(page)).to_have_count(3)
    expect(messages(page).nth(0)).to_contain_text("来週火曜はいかがでしょうか。")
    expect(messages(page).nth(0)).to_contain_text("Re: ご提案の件")
    screenshot(page, "mail-thread")

    [ours_again, answered] = sent_to(console, contact["email"])
    assert ours_again["subject"] == "ご提案の件" and answered["subject"] == "Re: ご提案の件"
    delivered = message_from_string(answered["raw"], policy=policy.default)
    assert delivered["In-Reply-To"] == reply["message_id"]
    [latest, *_] = console.call(token, "GET", "/v1/emails?folder=sent")["items"]
    assert (latest["in_reply_to"], latest["thread_id"]) == (reply["id"], ours["thread_id"])


def test_a_sent_mail_saved_as_a_template_writes_the_next_email(page, console):
    token, contact = team_with_contact(page, console)
    ours = send(console, token, contact, "秋のご案内", "山田様\n\n秋の新製品のご案内です。",
                body_html="<p>山田様</p><p>秋の新製品のご案内です。</p>")
    [out] = sent_to(console, contact["email"])
    html = message_from_string(out["raw"], policy=policy.default).get_body(("html",)).get_content()
    [pixel] = re.findall(r"/t/o/([A-Za-z0-9_-]+)", html)
    for agent in (PERSON, APPLE_PROXY):  # a person's open, then Apple's prefetch
        opened = urllib.request.Request(f"{console.url}/t/o/{pixel}", headers={"User-Agent": agent})
        with urllib.request.urlopen(opened, timeout=30) as response:
            assert response.status == 200
    other = console.call(token, "POST", "/v1/contacts",
                         {"family_name": "佐藤", "email": f"sato-{uuid.uuid4().hex[:8]}@example.jp"})

    page.goto(console.url + "/mail/sent")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="秋のご案内"))
    expect(row).to_contain_text(contact["email"])
    expect(row).to_contain_text("開封 1(自動 1)・クリック 0(自動 0)")
    assert_accessible(page, "the sent folder")
    row.get_by_role("link", name="秋のご案内").click()
    page.wait_for_url(re.compile(rf"/mail/sent/{ours['id']}$"))
    thread = page.get_by_role("region", name="スレッド: 秋のご案内")
    expect(thread.get_by_role("article")).to_contain_text("開封 1(自動 1)")
    thread.get_by_text("「自動」とは").click()
    expect(thread.get_by_text("Apple Mail のプライバシー保護")).to_be_visible()

    thread.get_by_role("button", name="テンプレートとして保存").click()
    dialog = page.get_by_role("dialog", name="テンプレートとして保存")
    expect(dialog.get_by_label("テンプレート名")).to_have_value("秋のご案内")
    expect(dialog.get_by_label("テンプレート名")).to_be_focused()
    assert_accessible(page, "the save-as-template dialog")
    dialog.get_by_label("テンプレート名").fill("秋の新製品")
    dialog.get_by_role("button", name="保存する").click()
    expect(page.get_by_role("status").filter(has_text="テンプレート「秋の新製品」を保存しました。")).to_be_visible()
    expect(page.get_by_role("link", name="テンプレート一覧を開く")).to_have_attribute("href", "/mail/templates")
    [template] = console.call(token, "GET", "/v1/email-templates")["items"]
    assert (template["name"], template["subject"]) == ("秋の新製品", "秋のご案内")

    page.goto(f"{console.url}/contacts/{other['id']}")
    page.get_by_role("button", name="メールを送信").click()
    composer = page.get_by_role("dialog", name="メールを作成")
    composer.get_by_label("テンプレート").select_option(label="秋の新製品")
    expect(composer.get_by_label("件名")).to_have_value("秋のご案内")
    expect(composer.get_by_label("本文")).to_have_value("山田様\n\n秋の新製品のご案内です。")
    composer.get_by_label("本文").fill("佐藤様\n\n秋の新製品のご案内です。")
    composer.get_by_role("button", name="今すぐ送信").click()
    page.get_by_role("dialog", name="送信内容の確認").get_by_role("button", name="確認").click()
    expect(page.get_by_role("status").filter(has_text="メールを送信しました")).to_be_visible()
    [written] = sent_to(console, other["email"])
    assert written["subject"] == "秋のご案内"
    assert console.call(token, "GET", f"/v1/email-templates/{template['id']}")["stats"]["sent"] == 1


def test_a_scheduled_email_is_moved_then_cancelled_and_never_sent(page, console):
    token, contact = team_with_contact(page, console)
    tomorrow = (datetime.now(JST) + timedelta(days=1)).date()
    due = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 9, tzinfo=JST)
    held = send(console, token, contact, "明朝のご案内", "明朝お送りします。",
                send_at=due.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))

    page.goto(console.url + "/mail/scheduled")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="明朝のご案内"))
    expect(row).to_contain_text(f"{tomorrow:%Y/%m/%d} 09:00")
    expect(row).to_contain_text("予約中")
    assert_accessible(page, "the scheduled folder")
    row.get_by_role("link", name="明朝のご案内").click()
    thread = page.get_by_role("region", name="スレッド: 明朝のご案内")

    thread.get_by_role("button", name="送信日時を変更").click()
    dialog = page.get_by_role("dialog", name="送信日時を変更")
    expect(dialog.get_by_label("新しい送信日時")).to_have_value(f"{tomorrow.isoformat()}T09:00")
    assert_accessible(page, "the reschedule dialog")
    dialog.get_by_label("新しい送信日時").fill(f"{tomorrow.isoformat()}T10:30")
    dialog.get_by_role("button", name="変更する").click()
    expect(page.get_by_role("status").filter(has_text=f"送信日時を {tomorrow:%Y/%m/%d} 10:30 "
                                                      "に変更しました")).to_be_visible()
    moved = console.call(token, "GET", f"/v1/emails/{held['id']}")
    assert datetime.fromisoformat(moved["send_at"].replace("Z", "+00:00")) == due + timedelta(minutes=90)
    expect(row).to_contain_text(f"{tomorrow:%Y/%m/%d} 10:30")

    thread.get_by_role("button", name="予約を取り消す").click()
    confirm = page.get_by_role("dialog", name="予約を取り消しますか？")
    expect(confirm).to_contain_text(f"「明朝のご案内」({tomorrow:%Y/%m/%d} 10:30 に送信予定)は送信されなくなります。")
    assert_accessible(page, "the cancel dialog")
    confirm.get_by_role("button", name="予約を取り消す").click()
    expect(page.get_by_role("status").filter(has_text="予約を取り消しました")).to_be_visible()
    page.wait_for_url(re.compile(r"/mail/scheduled$"))
    expect(page.get_by_text("予約中のメールはありません")).to_be_visible()
    expect(page.get_by_role("heading", name="予約", exact=True)).to_be_focused()

    assert console.call(token, "GET", f"/v1/emails/{held['id']}")["status"] == "cancelled"
    assert console.call(token, "GET", "/v1/emails?folder=scheduled")["items"] == []
    assert sent_to(console, contact["email"]) == []


HOSTILE_HTML = ('<div><script>window.parent.document.title = "pwned"</script>'
                '<p onclick="steal()" style="color: rgb(160, 20, 20)">ご連絡ありがとうございます。</p>'
                '<img src="https://images.example/logo.png" alt="ロゴ">'
                '<p><a href="https://links.example/catalogue">資料はこちら</a></p></div>')


def test_received_html_is_shown_sanitised_and_its_images_only_when_asked(page, console, stubbed_hosts):
    stubbed_hosts.update({"images.example", "links.example"})
    fetched: list[str] = []
    page.route("https://images.example/**", lambda route: (fetched.append(route.request.url),
                                                           route.fulfill(status=200, content_type="image/gif",
                                                                         body=GIF)))
    token, contact = team_with_contact(page, console)
    ours = send(console, token, contact, "ご提案", "資料をお送りします。")
    receive(console, contact, ours, "Re: ご提案", "ご連絡ありがとうございます。", html=HOSTILE_HTML)
    reply = received_in_thread(console, token, ours)

    page.goto(f"{console.url}/mail/received/{reply['id']}")
    top = messages(page).nth(0)
    top.get_by_role("button", name="更に表示").click()
    frame_element = top.locator("iframe")
    expect(frame_element).to_have_attribute("sandbox", "allow-popups allow-popups-to-escape-sandbox")
    expect(frame_element).to_have_attribute("title", "メール本文(HTML): Re: ご提案")
    srcdoc = frame_element.get_attribute("srcdoc")
    assert "<script" not in srcdoc and "onclick" not in srcdoc
    assert "img-src data:;" in srcdoc
    frame = page.frame_locator("iframe.mail-frame")
    expect(frame.get_by_text("ご連絡ありがとうございます。")).to_be_visible()
    # mail's own layout
    expect(frame.get_by_text("ご連絡ありがとうございます。")).to_have_css("color", "rgb(160, 20, 20)")
    expect(top.get_by_text("このメールの外部画像は表示していません")).to_be_visible()
    assert_accessible(page, "a received HTML email")
    page.wait_for_timeout(500)
    assert fetched == []  # the frame loaded without its remote image

    with page.expect_request("https://images.example/logo.png"):
        top.get_by_role("button", name="画像を表示").click()
    expect(top.get_by_text("外部画像を表示しています。")).to_be_focused()
    assert fetched == ["https://images.example/logo.png"]
    assert "img-src data: https:;" in top.locator("iframe").get_attribute("srcdoc")
    assert page.title() != "pwned"

    page.context.route("https://links.example/**", lambda route: route.fulfill(status=200, content_type="text/html",
                                                                              body="<title>資料</title>"))
    console_url = page.url
    with page.context.expect_page() as opened:
        page.frame_locator("iframe.mail-frame").get_by_role("link", name="資料はこちら").click()
    assert opened.value.url == "https://links.example/catalogue"  # a tab of its own
    assert page.url == console_url  # the console stays where it was


def test_a_sent_mail_is_duplicated_and_a_received_one_deleted(page, console):
    token, contact = team_with_contact(page, console)
    ours = send(console, token, contact, "見積もりのご依頼", "山田様\n\n見積もりをお願いいたします。",
                track_clicks=False)
    receive(console, contact, ours, "Re: 見積もりのご依頼", "承知しました。")
    reply = received_in_thread(console, token, ours)

    page.goto(f"{console.url}/mail/sent/{ours['id']}")
    thread = page.get_by_role("region", name="スレッド: 見積もりのご依頼")
    thread.get_by_role("button", name="複製").click()
    composer = page.get_by_role("dialog", name="複製したメールを作成")
    expect(composer.get_by_label("宛先")).to_have_value(contact["email"])
    expect(composer.get_by_label("件名")).to_have_value("見積もりのご依頼")
    expect(composer.get_by_label("本文")).to_have_value("山田様\n\n見積もりをお願いいたします。")
    expect(composer.get_by_label("リンクのクリックを追跡")).not_to_be_checked()
    assert_accessible(page, "the duplicate composer")
    composer.get_by_label("件名").fill("見積もりのご依頼(再送)")
    composer.get_by_role("button", name="今すぐ送信").click()
    page.get_by_role("dialog", name="送信内容の確認").get_by_role("button", name="確認").click()
    expect(page.get_by_role("status").filter(has_text="メールを送信しました")).to_be_visible()
    assert [item["subject"]
            for item in sent_to(console, contact["email"])] == ["見積もりのご依頼", "見積もりのご依頼(再送)"]
    page.get_by_role("link", name="送信済み").click()
    expect(page.get_by_role("link", name="見積もりのご依頼(再送)")).to_be_visible()

    page.goto(f"{console.url}/mail/received/{reply['id']}")
    thread = page.get_by_role("region", name="スレッド: Re: 見積もりのご依頼")
    expect(thread.get_by_role("button", name="予約を取り消す")).to_have_count(0)
    thread.get_by_role("button", name="削除").click()
    confirm = page.get_by_role("dialog", name="このメールを削除しますか？")
    expect(confirm).to_contain_text("取り込んだメール「Re: 見積もりのご依頼」を削除します。")
    assert_accessible(page, "the delete dialog")
    confirm.get_by_role("button", name="はい、削除します").click()
    expect(page.get_by_role("status").filter(has_text="メールを削除しました")).to_be_visible()
    page.wait_for_url(re.compile(r"/mail/received$"))
    expect(page.get_by_text("受信済みのメールはありません")).to_be_visible()
    assert status_of(console, token, reply["id"]) == 404
    assert [email["id"]
            for email in console.call(token, "GET", f"/v1/emails/{ours['id']}/thread")["items"]] == [ours["id"]]


def test_the_mailbox_reads_in_english_and_says_when_a_folder_is_empty(page, console):
    team_with_contact(page, console)
    page.goto(console.url + "/mail/sent")
    expect(page.get_by_text("送信済みのメールはありません")).to_be_visible()
    page.get_by_label("表示言語").select_option("en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mailbox")
    expect(page.get_by_text("No sent emails")).to_be_visible()
    page.get_by_role("link", name="Scheduled").click()
    page.wait_for_url(re.compile(r"/mail/scheduled$"))
    expect(page.get_by_text("No scheduled emails")).to_be_visible()
    expect(page).to_have_title("Scheduled - Mailbox | CRM")  # the title follows the route a moment later
    expect(page.get_by_role("link", name="Templates")).to_have_attribute("href", "/mail/templates")
    page.goto(console.url + "/mail/inbox")
    expect(page.get_by_text("There is no such folder.")).to_be_visible()


def test_a_folder_is_read_a_page_per_call(page, console):
    token, contact = team_with_contact(page, console)
    tomorrow = (datetime.now(JST) + timedelta(days=1)).date()
    for minute in range(1, 52):  # one more than a page
        due = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 9, minute, tzinfo=JST).astimezone(UTC)
        send(console, token, contact, f"予約 {minute:02d}", "ご案内です。", send_at=due.strftime("%Y-%m-%dT%H:%M:%SZ"))
    calls: list[str] = []
    page.on("request", lambda request: calls.append(request.url) if "/v1/emails?" in request.url else None)

    page.goto(console.url + "/mail/scheduled")
    rows = page.get_by_role("row").filter(has=page.get_by_role("link", name=re.compile("^予約 ")))
    expect(rows).to_have_count(50)
    expect(rows.nth(0)).to_contain_text(f"{tomorrow:%Y/%m/%d} 09:01")  # the soonest first
    expect(page.get_by_role("link", name="予約 51")).to_have_count(0)
    page.get_by_role("button", name="もっと読み込む").click()
    expect(rows).to_have_count(51)
    expect(rows.nth(50)).to_contain_text("予約 51")
    expect(page.get_by_role("button", name="もっと読み込む")).to_have_count(0)
    assert len(calls) == 2 and "cursor=" not in calls[0] and "cursor=" in calls[1], calls
