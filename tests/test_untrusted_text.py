"""Text that arrives from outside is kept as sent, and received HTML is also served sanitised
(`body_html_safe`, shared/domain/safe_html.py): GET /v1/emails/{id}, its thread and the folder
list; plus the sanitiser's rules as unit tests."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from conftest import create
from mail_support import drop, folder, local, outbox_listening, sent  # noqa: F401 - fixtures

HOSTILE = ('<div onclick="steal()" style="color:#333;position:fixed;background:url(https://evil.example/x)">'
           '<script>alert(1)</script><style>body{display:none}</style><iframe src="https://evil.example/"></iframe>'
           '<p onmouseover="steal()">ご連絡ありがとうございます。</p>'
           '<a href="javascript:alert(1)">罠</a> <a href="https://www.example.jp/">御社</a>'
           '<img src="https://tracker.example/p.gif" onerror="steal()"><svg onload="steal()"></svg>'
           '<!-- a comment --></div>')


def received_with_html(sender: str, html: str, replying_to: str) -> bytes:
    mail = EmailMessage()
    mail["In-Reply-To"] = mail["References"] = replying_to
    mail["From"], mail["To"], mail["Subject"] = sender, "rep@acme.co.jp", "<b>Re:</b> ご提案"
    mail["Date"] = "Mon, 23 Nov 2026 15:00:00 +0900"
    mail.set_content("ご連絡ありがとうございます。")
    mail.add_alternative(html, subtype="html")
    return mail.as_bytes()


def assert_safe(html: str) -> None:
    lowered = html.lower()
    for forbidden in ("<script", "<style", "<iframe", "<svg", "onclick", "onmouseover", "onerror", "onload",
                      "javascript:", "position", "url(", "<!--", "alert("):
        assert forbidden not in lowered, (forbidden, html)


def test_a_received_emails_html_is_served_as_sent_and_sanitised(api, local):
    contact = create(api, family_name="山田", email="taro@example.jp")
    ours = sent(api, contact["id"], subject="ご提案")
    result = drop(local, received_with_html("taro@example.jp", HOSTILE, ours["message_id"]))
    assert result["received"] == 1
    [listed] = folder(api, "received").body["items"]

    one = api.get(f"/v1/emails/{listed['id']}").body
    [_, in_thread] = api.get(f"/v1/emails/{ours['id']}/thread").body["items"]

    for email in (listed, one, in_thread):
        assert email["body_html"].strip() == HOSTILE  # kept as sent: untrusted
        assert email["subject"] == "<b>Re:</b> ご提案"
        safe = email["body_html_safe"]
        assert_safe(safe)
        assert "<p>ご連絡ありがとうございます。</p>" in safe and "color:#333" in safe
        assert '<a href="https://www.example.jp/" rel="noopener noreferrer">御社</a>' in safe
        assert 'src="https://tracker.example/p.gif"' in safe and 'referrerpolicy="no-referrer"' in safe


def test_an_email_without_html_has_no_safe_html(api):
    contact = create(api, family_name="山田", email="taro@example.jp")
    email = sent(api, contact["id"], subject="テキストのみ")
    assert api.get(f"/v1/emails/{email['id']}").body["body_html_safe"] is None


@pytest.mark.parametrize("html", [
    '<a href="JaVaScRiPt:alert(1)">x</a>', '<a href="java\tscript:alert(1)">x</a>',
    '<img src=x onerror=alert(1)>', '<body onload=alert(1)>', '<object data="x.swf"></object>',
    '<form action="https://evil.example/"><input name="password"></form>', '<math><mtext><script>alert(1)</script>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '<div style="background-image:url(javascript:alert(1))">',
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">', '<base href="https://evil.example/">',
])
def test_the_sanitiser_drops_scripts_handlers_and_dangerous_urls(html):
    from shared.domain.safe_html import sanitised

    safe = sanitised(html)
    assert_safe(safe)
    for forbidden in ("<form", "<input", "<object", "<meta", "<base", "data:", "<math"):
        assert forbidden not in safe.lower(), (forbidden, safe)


def test_the_sanitiser_keeps_a_mails_formatting():
    from shared.domain.safe_html import sanitised

    html = ('<table style="border-collapse:collapse" width="600"><tr><td align="center" style="padding:8px;'
            'font-size:14px">本文</td></tr></table><a href="mailto:taro@example.jp">mail</a>')
    assert sanitised(html) == (
        '<table style="border-collapse:collapse" width="600"><tbody><tr><td align="center" style="padding:8px;'
        'font-size:14px">本文</td></tr></tbody></table><a href="mailto:taro@example.jp" '
        'rel="noopener noreferrer">mail</a>')
