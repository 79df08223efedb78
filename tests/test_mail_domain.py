"""Pure unit tests of shared/domain/mail: merge fields, recipients, header safety, the MIME
message (parsed back as a mail client would), tracking rewrites and the plain-text fallback."""

from __future__ import annotations

import random
import re
import time
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.parser import BytesParser
from html.parser import HTMLParser

import pytest

from shared.domain import mail, mail_html
from shared.errors import CrmError, ValidationFailed

SENDER = {"name": "山田 太郎", "email": "taro@example.jp"}
DEFINITIONS = {
    "size": {"key": "size", "label": "規模", "type": "number", "options": None, "archived": False},
    "visit": {"key": "visit", "label": "来場日", "type": "date", "options": None, "archived": False},
    "vip": {"key": "vip", "label": "VIP", "type": "boolean", "options": None, "archived": False},
    "old": {"key": "old", "label": "旧", "type": "text", "options": None, "archived": True},
    "note": {"key": "note", "label": "備考", "type": "text", "options": None, "archived": False},
}
CONTACT = {
    "id": "C1",
    "family_name": "佐藤",
    "given_name": "花子",
    "email": "hanako@example.co.jp",
    "company": "株式会社サンプル & Co <Ltd>",
    "status": "new",
    "starred": True,
    "marketing_opt_out": False,
    "score": 12,
    "tags": ["展示会2026", "VIP"],
    "last_contacted_at": "2026-04-01T00:30:00.000Z",
    "properties": {"size": 1500.0, "visit": "2026-04-01", "vip": False, "old": "kept", "note": ""},
}
SENT_AT = datetime(2026, 4, 1, 9, 0, tzinfo=timezone(timedelta(hours=9)))


def details(error: CrmError) -> list[tuple[str, str, str]]:
    return [(detail.field, detail.code, detail.message) for detail in error.details]


def fields_of(error: CrmError) -> list[str]:
    return [detail.field for detail in error.details]


def render(template: str, **options) -> str:
    return mail.render(template, CONTACT, DEFINITIONS, SENDER, **options)


def parse(raw: bytes):
    return BytesParser(policy=policy.default).parsebytes(raw)


def compose(**overrides):
    arguments = {
        "email_id": "01JABCDEF0123456789XYZ0000",
        "sender": SENDER,
        "recipients": mail.check_recipients("hanako@example.co.jp"),
        "subject": "【ご案内】展示会のお礼",
        "body_text": "佐藤様\n\n先日はありがとうございました。",
        "body_html": "<p>佐藤様</p><p>先日はありがとうございました。</p>",
        "sent_at": SENT_AT,
        **overrides,
    }
    return mail.compose(**arguments)


def crlf(text: str) -> str:
    return text.replace("\r\n", "\n")


# --- merge fields ----------------------------------------------------------------------------

def test_render_contact_fields_and_sender():
    rendered = render("{{contact.family_name}} {{contact.given_name}}様 / {{sender.name}} <{{sender.email}}>")
    assert rendered == "佐藤 花子様 / 山田 太郎 <taro@example.jp>"


def test_whitespace_inside_braces_is_tolerated():
    assert render("{{ contact.family_name }}様、{{  sender.name\t}}") == "佐藤様、山田 太郎"


def test_text_is_left_alone_and_non_merge_braces_survive():
    assert render("{ contact.family_name } 100% {単独}") == "{ contact.family_name } 100% {単独}"


def test_display_name_from_the_contact_dict_or_the_name_order():
    assert mail.render("{{contact.display_name}}", {**CONTACT, "display_name": "既定 名前"}, {}, SENDER) == "既定 名前"
    assert render("{{contact.display_name}}") == "佐藤 花子"
    assert render("{{contact.display_name}}", name_order="given_family") == "花子 佐藤"


def test_values_are_formatted_for_reading():
    assert render("{{contact.properties.size}}") == "1500"
    assert render("{{contact.properties.visit}}") == "2026/04/01"
    assert render("{{contact.properties.vip}}") == "いいえ"
    assert render("{{contact.starred}}") == "はい"
    assert render("{{contact.score}}") == "12"
    assert render("{{contact.tags}}") == "展示会2026, VIP"
    assert render("{{contact.last_contacted_at}}") == "2026/04/01 09:30"  # JST


def test_format_value_keeps_fractions_and_unknown_strings():
    assert mail.format_value(2.5) == "2.5"
    assert mail.format_value(0) == "0"
    assert mail.format_value("not a date", "date") == "not a date"
    assert mail.format_value(datetime(2026, 1, 1, 15, 0, tzinfo=UTC)) == "2026/01/02 00:00"


def test_unknown_merge_fields_name_each_location_and_field():
    with pytest.raises(ValidationFailed) as caught:
        mail.render_email("{{contact.foo}}様", "{{ contact.foo }} {{sender.phone}} {{contact.foo}}",
                          "<p>{{contacts.email}}</p>", CONTACT, DEFINITIONS, SENDER)
    found = details(caught.value)
    assert [(field, code) for field, code, _ in found] == [
        ("subject", "unknown_merge_field"),
        ("body_text", "unknown_merge_field"),
        ("body_text", "unknown_merge_field"),
        ("body_html", "unknown_merge_field"),
    ]
    assert "{{contact.foo}}" in found[0][2]
    assert "{{contact.foo}}" in found[1][2] and "{{sender.phone}}" in found[2][2]
    assert "{{contacts.email}}" in found[3][2]
    assert caught.value.status == 422


@pytest.mark.parametrize("name", ["contact.properties", "contact", "sender", "contact.family_name.x", "",
                                  "Contact.email"])
def test_malformed_merge_fields_are_unknown(name):
    with pytest.raises(ValidationFailed) as caught:
        render(f"x {{{{{name}}}}} y", location="subject")
    assert details(caught.value)[0][:2] == ("subject", "unknown_merge_field")


def test_properties_unknown_archived_and_defined():
    with pytest.raises(ValidationFailed) as caught:
        render("{{contact.properties.nope}} {{contact.properties.old}}", location="body_text")
    assert [(field, code) for field, code, _ in details(caught.value)] == [
        ("body_text", "unknown_merge_field"), ("body_text", "archived_merge_field")]
    assert "{{contact.properties.nope}}" in caught.value.details[0].message
    assert "{{contact.properties.old}}" in caught.value.details[1].message


def test_empty_values_are_refused_naming_each_field():
    contact = {**CONTACT, "company": "  ", "phone": None}
    with pytest.raises(ValidationFailed) as caught:
        mail.render_email("{{contact.company}}", "{{contact.phone}} {{contact.properties.note}}",
                          "<p>{{contact.department}} {{contact.family_name}}</p>", contact, DEFINITIONS,
                          {"name": None, "email": "taro@example.jp"})
    assert [(field, code) for field, code, _ in details(caught.value)] == [
        ("subject", "empty_merge_field"),
        ("body_text", "empty_merge_field"),
        ("body_text", "empty_merge_field"),
        ("body_html", "empty_merge_field"),
    ]
    messages = " ".join(message for _, _, message in details(caught.value))
    for name in ("{{contact.company}}", "{{contact.phone}}", "{{contact.properties.note}}", "{{contact.department}}"):
        assert name in messages


def test_empty_sender_name_and_empty_tags_are_refused():
    with pytest.raises(ValidationFailed) as caught:
        mail.render("{{sender.name}} {{contact.tags}}", {**CONTACT, "tags": []}, {}, {"email": "a@example.jp"})
    assert [code for _, code, _ in details(caught.value)] == ["empty_merge_field", "empty_merge_field"]


def test_zero_and_false_are_values_not_empty():
    contact = {**CONTACT, "score": 0, "starred": False}
    assert mail.render("{{contact.score}} {{contact.starred}}", contact, {}, SENDER) == "0 いいえ"


def test_html_body_values_are_escaped_text_values_are_not():
    rendered = mail.render_email("{{contact.company}}", "{{contact.company}}", "<p>{{contact.company}}</p>",
                                 CONTACT, DEFINITIONS, SENDER)
    assert rendered.subject == "株式会社サンプル & Co <Ltd>"
    assert rendered.body_text == "株式会社サンプル & Co <Ltd>"
    assert rendered.body_html == "<p>株式会社サンプル &amp; Co &lt;Ltd&gt;</p>"
    assert render('<a title="{{contact.company}}">', html_escape=True) == \
        '<a title="株式会社サンプル &amp; Co &lt;Ltd&gt;">'


def test_a_value_cannot_inject_a_merge_field():
    contact = {**CONTACT, "family_name": "{{sender.email}}"}
    assert mail.render("{{contact.family_name}}", contact, {}, SENDER) == "{{sender.email}}"


def test_render_email_needs_a_subject_and_a_body():
    with pytest.raises(ValidationFailed) as caught:
        mail.render_email("  ", None, "", CONTACT, DEFINITIONS, SENDER)
    assert fields_of(caught.value) == ["subject", "body_text", "body_html"]
    with pytest.raises(ValidationFailed) as caught:
        mail.render_email(5, ["x"], None, CONTACT, DEFINITIONS, SENDER)
    assert [(field, message) for field, _, message in details(caught.value)] == [
        ("subject", "must be a string"), ("body_text", "must be a string")]


def test_render_email_derives_text_from_html():
    rendered = mail.render_email("件名", None, "<p>{{contact.family_name}}様</p><p>A &amp; B<br>次の行</p>",
                                 CONTACT, DEFINITIONS, SENDER)
    assert rendered.body_text == "佐藤様\n\nA & B\n次の行"
    assert rendered.body_html.startswith("<p>佐藤様</p>")


def test_render_email_collects_merge_and_header_problems_together():
    with pytest.raises(ValidationFailed) as caught:
        mail.render_email("件名\r\nBcc: evil@example.com", "{{contact.nope}}", None, CONTACT, DEFINITIONS, SENDER)
    assert [(field, code) for field, code, _ in details(caught.value)] == [
        ("body_text", "unknown_merge_field"), ("subject", "header_injection")]


def test_a_merge_value_with_a_line_break_cannot_reach_the_subject():
    contact = {**CONTACT, "address": "東京都\n千代田区"}
    with pytest.raises(ValidationFailed) as caught:
        mail.render_email("{{contact.address}}", "本文", None, contact, DEFINITIONS, SENDER)
    assert details(caught.value)[0][:2] == ("subject", "header_injection")
    assert mail.render_email("件名", "{{contact.address}}", None, contact, DEFINITIONS, SENDER).body_text == \
        "東京都\n千代田区"


# --- recipients and header safety -----------------------------------------------------------

def test_recipients_are_normalised_and_the_envelope_has_everyone():
    recipients = mail.check_recipients("ｈａｎａｋｏ＠example.co.jp", ["a@example.com"], ["b@example.com"])
    assert recipients.to == "hanako@example.co.jp"
    assert recipients.envelope == ["hanako@example.co.jp", "a@example.com", "b@example.com"]


def test_a_contact_without_email_answers_the_contract_message():
    for to in (None, "", "  "):
        with pytest.raises(ValidationFailed) as caught:
            mail.check_recipients(to, ["a@example.com"])
        assert caught.value.message == "This contact has no email address; add one before sending."
        assert details(caught.value)[0][:2] == ("to", "no_email")


def test_invalid_and_duplicate_recipients_name_each_entry():
    with pytest.raises(ValidationFailed) as caught:
        mail.check_recipients("Hanako@Example.co.jp", ["not-an-address", "A@example.com", "", 7],
                              ["a@EXAMPLE.com", "hanako@example.co.jp"])
    assert [(field, code) for field, code, _ in details(caught.value)] == [
        ("cc[0]", "invalid"), ("cc[2]", "invalid"), ("cc[3]", "invalid"),
        ("bcc[0]", "duplicate"), ("bcc[1]", "duplicate")]


def test_recipient_lists_must_be_lists():
    with pytest.raises(ValidationFailed) as caught:
        mail.check_recipients("a@example.com", "b@example.com", {"x": 1})
    assert fields_of(caught.value) == ["cc", "bcc"]


def test_at_most_fifty_recipients_in_all():
    cc = [f"cc{i}@example.com" for i in range(30)]
    bcc = [f"bcc{i}@example.com" for i in range(19)]
    assert len(mail.check_recipients("to@example.com", cc, bcc).envelope) == 50
    with pytest.raises(ValidationFailed) as caught:
        mail.check_recipients("to@example.com", cc, bcc + ["one-more@example.com"])
    assert details(caught.value)[0][:2] == ("bcc[19]", "limit")


@pytest.mark.parametrize("value", ["a\rb", "a\nb", "a\r\nBcc: x@example.com", "a\x00b", "a\tb", "a\x85b", "a\u2028b"])
def test_header_problem_refuses_line_breaks_and_control_characters(value):
    assert mail.header_problem(value)


def test_header_problem_accepts_ordinary_text():
    assert mail.header_problem("【ご案内】展示会のお礼 – Re: 100%\u3000全角スペース") is None


def test_compose_refuses_injection_in_subject_name_and_addresses():
    recipients = mail.Recipients("hanako@example.co.jp", ("x@example.com\r\nBcc: evil@example.com",))
    with pytest.raises(ValidationFailed) as caught:
        compose(subject="件名\nBcc: evil@example.com", sender={"name": "太郎\r\nX: y", "email": "taro@example.jp"},
                recipients=recipients, extra_headers={"X-Campaign": "a\nb"})
    assert [(field, code) for field, code, _ in details(caught.value)] == [
        ("sender.name", "header_injection"), ("subject", "header_injection"),
        ("cc[0]", "header_injection"), ("headers.X-Campaign", "header_injection")]


def test_compose_refuses_a_bad_sender_address_and_reserved_extra_headers():
    with pytest.raises(ValidationFailed) as caught:
        compose(sender={"name": "x", "email": "not-an-address"},
                extra_headers={"Bcc": "a@example.com", "Bad Name": "x"})
    assert fields_of(caught.value) == ["sender.email", "headers.Bcc", "headers.Bad Name"]


# --- the MIME message ------------------------------------------------------------------------

def test_compose_builds_a_message_that_decodes_to_the_japanese_input():
    message_id, raw = compose()
    message = parse(raw)
    assert message["Subject"] == "【ご案内】展示会のお礼"
    assert message["From"].addresses[0].display_name == "山田 太郎"
    assert message["From"].addresses[0].addr_spec == "taro@example.jp"
    assert message["To"] == "hanako@example.co.jp"
    assert message["Message-ID"] == message_id == "<01JABCDEF0123456789XYZ0000@example.jp>"
    assert message["MIME-Version"] == "1.0"
    assert message["X-CRM-Email-Id"] == "01JABCDEF0123456789XYZ0000"
    assert message["Date"].datetime == SENT_AT
    assert message.get_content_type() == "multipart/alternative"
    text, html_part = message.iter_parts()
    assert text.get_content_type() == "text/plain" and text.get_content_charset() == "utf-8"
    assert html_part.get_content_type() == "text/html" and html_part.get_content_charset() == "utf-8"
    assert crlf(text.get_content()) == "佐藤様\n\n先日はありがとうございました。\n"
    assert crlf(html_part.get_content()) == "<p>佐藤様</p><p>先日はありがとうございました。</p>\n"
    assert message.get_body(("plain",)) is text and message.get_body(("html",)) is html_part


def test_non_ascii_headers_are_rfc2047_encoded_and_the_message_is_ascii():
    _, raw = compose()
    raw.decode("ascii")
    assert re.search(rb"^Subject: =\?utf-8\?[bq]\?", raw, re.MULTILINE | re.IGNORECASE)
    assert re.search(rb"^From: =\?utf-8\?[bq]\?.*\?= <taro@example\.jp>\r$", raw, re.MULTILINE | re.IGNORECASE)


def test_parts_use_base64_or_quoted_printable():
    _, raw = compose(body_text="Hello\nplain ASCII", body_html="<p>日本語</p>")
    text, html_part = parse(raw).iter_parts()
    assert text["Content-Transfer-Encoding"] == "quoted-printable"
    assert html_part["Content-Transfer-Encoding"] == "base64"


def test_line_endings_are_crlf_and_lines_at_most_998_octets():
    long_subject = "とても長い件名" * 80 + "x" * 1200
    body = ("ａ" * 2000) + "\n" + ("b" * 5000) + "\n" + ("c " * 3000)
    _, raw = compose(subject=long_subject, body_text=body, body_html=f"<p>{'d' * 4000}</p>" + "あ" * 3000)
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert b"\r" not in raw.replace(b"\r\n", b"")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    message = parse(raw)
    assert message["Subject"] == long_subject
    text, html_part = message.iter_parts()
    assert crlf(text.get_content()).rstrip("\n") == body
    assert crlf(html_part.get_content()).rstrip("\n") == f"<p>{'d' * 4000}</p>" + "あ" * 3000


def test_bcc_is_only_in_the_envelope():
    recipients = mail.check_recipients("hanako@example.co.jp", ["boss@example.co.jp", "team@example.co.jp"],
                                       ["archive@example.jp"])
    _, raw = compose(recipients=recipients)
    message = parse(raw)
    assert "Bcc" not in message
    assert b"archive@example.jp" not in raw
    assert [address.addr_spec for address in message["Cc"].addresses] == ["boss@example.co.jp", "team@example.co.jp"]
    assert recipients.envelope == ["hanako@example.co.jp", "boss@example.co.jp", "team@example.co.jp",
                                   "archive@example.jp"]


def test_no_cc_header_without_cc():
    assert "Cc" not in parse(compose()[1])


def test_message_id_domain_may_be_configured():
    message_id, raw = compose(mail_domain="Mail.Example.NET")
    assert message_id == "<01JABCDEF0123456789XYZ0000@mail.example.net>"
    assert parse(raw)["Message-ID"] == message_id


def test_compose_refuses_an_email_id_unfit_for_a_message_id():
    with pytest.raises(ValueError):
        compose(email_id="a b@c")


def test_reply_headers_chain_the_parent():
    _, raw = compose(parent_message_id="<p3@example.jp>", parent_references="<p1@example.jp>\r\n <p2@example.jp>")
    message = parse(raw)
    assert message["In-Reply-To"] == "<p3@example.jp>"
    assert message["References"].split() == ["<p1@example.jp>", "<p2@example.jp>", "<p3@example.jp>"]


def test_reply_to_a_first_message_and_bare_ids():
    message = parse(compose(parent_message_id="first@example.jp")[1])
    assert message["In-Reply-To"] == "<first@example.jp>"
    assert message["References"] == "<first@example.jp>"
    message = parse(compose(parent_message_id="<p2@x>", parent_references=["<p1@x>", "<p2@x>"])[1])
    assert message["References"].split() == ["<p1@x>", "<p2@x>"]


def test_no_reply_headers_without_a_usable_parent():
    for parent in (None, "", "not an id <", "<bad id with spaces>"):
        message = parse(compose(parent_message_id=parent, parent_references="<a@x>")[1])
        assert "In-Reply-To" not in message and "References" not in message


def test_a_long_reference_chain_folds_within_the_line_limit():
    chain = " ".join(f"<{i:04d}.{'x' * 40}@example.jp>" for i in range(100))
    _, raw = compose(parent_message_id="<last@example.jp>", parent_references=chain)
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    assert len(parse(raw)["References"].split()) == 101


def test_message_ids_extracts_tokens():
    assert mail.message_ids("<a@x> junk <b@y>") == ["<a@x>", "<b@y>"]
    assert mail.message_ids(["<a@x>", "<a@x>", "c@z"]) == ["<a@x>", "<c@z>"]
    assert mail.message_ids(None) == []


def test_text_only_message_is_single_part():
    message = parse(compose(body_html=None)[1])
    assert message.get_content_type() == "text/plain"
    assert crlf(message.get_content()).startswith("佐藤様\n\n")


def test_sender_without_name_and_with_ascii_specials():
    assert str(parse(compose(sender={"email": "taro@example.jp"})[1])["From"]) == "taro@example.jp"
    message = parse(compose(sender={"name": 'Yamada, "Taro"', "email": "taro@example.jp"})[1])
    assert message["From"].addresses[0].display_name == 'Yamada, "Taro"'


def test_extra_headers_are_added():
    assert parse(compose(extra_headers={"X-Campaign": "spring"})[1])["X-Campaign"] == "spring"


def test_compose_is_deterministic():
    assert compose() == compose()


def test_naive_sent_at_is_utc():
    assert parse(compose(sent_at=datetime(2026, 4, 1, 0, 0))[1])["Date"].datetime == datetime(2026, 4, 1, tzinfo=UTC)


# --- tracking rewrites -----------------------------------------------------------------------

def tracked(url: str, index: int) -> str:
    return f"https://t.example/c/{index}?u=1&v=2"


def test_rewrite_links_handles_every_quoting_style():
    source = ('<a href="https://a.example/1">1</a> <A HREF=\'http://b.example/2\'>2</A> '
              '<a class=x href=https://c.example/3>3</a> <a\nhref = "https://d.example/4" title="t">4</a>')
    rewritten, urls = mail_html.rewrite_links(source, tracked)
    assert urls == ["https://a.example/1", "http://b.example/2", "https://c.example/3", "https://d.example/4"]
    assert rewritten == (
        '<a href="https://t.example/c/0?u=1&amp;v=2">1</a> <A HREF="https://t.example/c/1?u=1&amp;v=2">2</A> '
        '<a class=x href="https://t.example/c/2?u=1&amp;v=2">3</a> '
        '<a\nhref = "https://t.example/c/3?u=1&amp;v=2" title="t">4</a>')


def test_rewrite_links_records_entity_decoded_urls_in_order():
    source = ('<p>x</p><a href="https://a.example/?a=1&amp;b=2&#38;c=3">a</a>'
              '<a href="https://a.example/?a=1&amp;b=2&#38;c=3">again</a><a href="  https://b.example/ ">b</a>')
    rewritten, urls = mail_html.rewrite_links(source, lambda url, index: f"T{index}")
    assert urls == ["https://a.example/?a=1&b=2&c=3", "https://a.example/?a=1&b=2&c=3", "https://b.example/"]
    assert rewritten == '<p>x</p><a href="T0">a</a><a href="T1">again</a><a href="T2">b</a>'


def test_make_url_receives_the_original_and_its_index():
    calls = []
    mail_html.rewrite_links('<a href="https://a.example">a</a><a href="https://b.example">b</a>',
                       lambda url, index: calls.append((url, index)) or "x")
    assert calls == [("https://a.example", 0), ("https://b.example", 1)]


@pytest.mark.parametrize("link", [
    '<a href="mailto:taro@example.jp?subject=%E4%BB%B6">m</a>',
    '<a href="tel:03-1234-5678">t</a>',
    '<a href="#top">anchor</a>',
    '<a href="/relative/path">rel</a>',
    '<a href="//example.com/x">protocol-relative</a>',
    '<a name="x">no href</a>',
    '<a href>empty</a>',
    '<a href="">empty</a>',
    '<a>plain</a>',
    '<abbr href="https://a.example">not a link</abbr>',
    '<area href="https://a.example">',
    '<style>a[href="https://x.example"] { color: red }</style>',
])
def test_rewrite_links_leaves_other_links_untouched(link):
    source = f"<div>{link}</div>"
    assert mail_html.rewrite_links(source, tracked) == (source, [])


@pytest.mark.parametrize("href", [
    '"javascript:alert(1)"', "'JavaScript:alert(1)'", "javascript:alert(1)", '" javascript:alert(1)"',
    '"java&#x09;script:alert(1)"', '"jav&#x0A;ascript:alert(1)"', '"&#106;avascript:alert(1)"',
    '"vbscript:msgbox(1)"', '"data:text/html;base64,PHNjcmlwdD4="',
])
def test_script_hrefs_are_dropped(href):
    rewritten, urls = mail_html.rewrite_links(f'<a class="c" href={href} title="t">x</a>', tracked)
    assert rewritten == '<a class="c" data-href-removed title="t">x</a>'
    assert urls == []


def test_a_later_href_behind_a_dropped_one_is_still_tracked():
    rewritten, urls = mail_html.rewrite_links('<a href="javascript:x()" href="https://a.example">x</a>', tracked)
    assert rewritten == '<a data-href-removed href="https://t.example/c/0?u=1&amp;v=2">x</a>'
    assert urls == ["https://a.example"]


def test_links_in_comments_are_rewritten_too():
    """Outlook shows the links of conditional comments; a commented-out link costs one index."""
    source = '<!--[if mso]><a href="https://mso.example">o</a><![endif]--><!-- <a href="https://c.example"> -->'
    assert mail_html.rewrite_links(source, lambda url, index: f"T{index}") == (
        '<!--[if mso]><a href="T0">o</a><![endif]--><!-- <a href="T1"> -->',
        ["https://mso.example", "https://c.example"])


def test_named_references_without_semicolon_stay_literal_in_urls():
    source = '<a href="https://a.example/?a=1&region=jp&copy=2&amp;b=&lt;&#x41;&reg">r</a>'
    assert mail_html.rewrite_links(source, tracked)[1] == ["https://a.example/?a=1&region=jp&copy=2&b=<A®"]


def test_only_links_fit_to_redirect_to_are_tracked():
    source = ('<a href="https://user:pw@a.example/">creds</a><a href="https://a.example/a b">space</a>'
              '<a href="https://a.example/ok">ok</a>')
    html_text, urls = mail_html.rewrite_links(source, tracked)
    assert urls == ["https://a.example/ok"]
    assert 'href="https://user:pw@a.example/"' in html_text and 'href="https://a.example/a b"' in html_text


def test_script_links_are_dropped_wherever_a_parser_could_see_them():
    cases = {
        # a title ending in "href=" must not hide the real href behind it
        '<a title="href=" href="javascript:alert(1)">x</a>': '<a title="href=" data-href-removed>x</a>',
        # a comment that one parser ends earlier than another
        '<!-- <a href="x --> <a href="javascript:alert(1)">y</a>': '<!-- <a href="x --> <a data-href-removed>y</a>',
        # inside what a browser reads as text: changed all the same
        '<p>see href="javascript:alert(1)" here</p>': "<p>see data-href-removed here</p>",
        # the same attribute spelled with "==" and upper case
        '<A HREF=="JAVASCRIPT:alert(1)">z</A>': "<A data-href-removed>z</A>",
    }
    for source, expected in cases.items():
        assert mail_html.drop_unsafe_links(source) == expected
        assert mail_html.rewrite_links(source, tracked)[0] == expected


@pytest.mark.parametrize("source", [
    '<a href= href="javascript:a"javascript:b>x</a>',
    "<a href= href= href= href='javascript:a' javascript:b javascript:c javascript:d>x</a>",
    '<a href="java href=\'javascript:a\'script:b">x</a>',
    '<a href="javascript:a href=javascript:b" href=javascript:c>x</a>',
])
def test_dropping_a_link_cannot_make_another_unsafe(source):
    result = mail_html.drop_unsafe_links(source)
    assert not [href for href in link_targets(result) if href.startswith(("javascript:", "vbscript:", "data:"))]
    assert mail_html.drop_unsafe_links(result) == result


def test_render_email_drops_script_links_even_without_tracking():
    rendered = mail.render_email("件名", None, '<p><a href="javascript:steal()">{{contact.family_name}}</a></p>',
                                 CONTACT, DEFINITIONS, SENDER)
    assert rendered.body_html == "<p><a data-href-removed>佐藤</a></p>"
    assert rendered.body_text == "佐藤"


@pytest.mark.parametrize("source", [
    '<a href="x ' * 20000, "<a " + " " * 200000, "<a" + "/" * 200000, "<a href" + "=" * 200000,
    '<a x' * 50000, "<!--" * 50000, '<a href="' + "&region" * 30000 + '">', "<p title='" * 30000,
    ('<p>テキスト <a href="https://example.com/?a=1&amp;b=2">link</a></p>\n' * 5000),
])
def test_large_and_pathological_html_is_handled_in_linear_time(source):
    began = time.perf_counter()
    mail_html.rewrite_links(source, tracked)
    mail_html.plain_text_from_html(source)
    mail_html.add_open_pixel(source, "u")
    assert time.perf_counter() - began < 2


def test_only_the_first_href_counts():
    rewritten, urls = mail_html.rewrite_links('<a href="https://a.example" href="https://b.example">x</a>', tracked)
    assert urls == ["https://a.example"]
    assert rewritten == '<a href="https://t.example/c/0?u=1&amp;v=2" href="https://b.example">x</a>'


def test_rewrite_links_keeps_the_rest_byte_for_byte():
    source = ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><style>p{color:#333}</style></head>\n'
              '<body>\n  <p>こんにちは&nbsp;&amp;&#x3042;</p>\n  <img src="https://img.example/a.png" alt="">\n'
              '  <a data-x=\'a > b\' href="https://a.example/">go</a> <!--[if mso]><a href="https://mso.example">'
              'o</a><![endif]-->\n</body></html>\n')
    rewritten, urls = mail_html.rewrite_links(source, lambda url, index: f"T{index}")
    assert urls == ["https://a.example/", "https://mso.example"]
    assert rewritten == source.replace('"https://a.example/"', '"T0"').replace('"https://mso.example"', '"T1"')


@pytest.mark.parametrize("source", [
    '<a href="https://a.example', "<a href='https://a.example>x</a>", "<a", "<", "<<a<a>>", "<!--", "<!-- <a href=x>",
    "<script>", '<a href="https://a.example" <b>', "\x00<a href=\x00>", "<a href=&>x</a>",
])
def test_malformed_html_does_not_crash(source):
    rewritten, urls = mail_html.rewrite_links(source, tracked)
    assert isinstance(rewritten, str) and isinstance(urls, list)
    assert isinstance(mail_html.add_open_pixel(source, "https://t.example/o/1"), str)
    assert isinstance(mail_html.plain_text_from_html(source), str)


class _LinkTargets(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.targets: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.targets += [re.sub(r"[\t\n\r]", "", value).strip("".join(map(chr, range(33)))).lower()
                             for name, value in attrs if name == "href" and value]


def link_targets(source: str) -> list[str]:
    """Every href of every <a> as a browser would read it (Python's HTML tokenizer)."""
    parser = _LinkTargets()
    parser.feed(source)
    parser.close()
    return parser.targets


def test_random_markup_never_crashes():
    generator = random.Random(20260401)
    alphabet = ['<a ', 'href=', '"', "'", ">", "<", "/", "https://x.example/", "javascript:", "&amp;", "<!--",
                "-->", "<script>", "</script>", " ", "\n", "</body>", "p", "<br>", "&#"]
    for _ in range(3000):
        source = "".join(generator.choice(alphabet) for _ in range(generator.randint(0, 40)))
        rewritten, urls = mail_html.rewrite_links(source, tracked)
        assert all(url.lower().startswith(("http://", "https://")) for url in urls)
        assert not [href for href in link_targets(rewritten) if href.startswith("javascript:")]
        mail_html.plain_text_from_html(source)
        mail_html.add_open_pixel(source, "https://t.example/o/1")


def test_pixel_goes_before_the_closing_body_tag():
    source = "<html><body><p>x</p></BODY >\n</html>"
    result = mail_html.add_open_pixel(source, "https://t.example/o/abc?x=1&y=2")
    pixel = re.search(r'<img src="https://t\.example/o/abc\?x=1&amp;y=2" width="1" height="1" alt=""[^>]*>', result)
    assert pixel
    assert result == source[:20] + pixel.group(0) + source[20:]


def test_pixel_without_body_goes_before_html_or_at_the_end():
    assert mail_html.add_open_pixel("<html><p>x</p></html>", "u").startswith("<html><p>x</p><img src=\"u\"")
    assert mail_html.add_open_pixel("<html><p>x</p></html>", "u").endswith("</html>")
    fragment = mail_html.add_open_pixel("<p>x</p>", "u")
    assert fragment.startswith("<p>x</p><img src=\"u\"") and fragment.endswith("/>")


def test_pixel_goes_before_the_last_body_end():
    result = mail_html.add_open_pixel("<body>a</body>b</body>", "u")
    assert result.startswith("<body>a</body>b<img") and result.endswith("</body>")


# --- plain text from HTML --------------------------------------------------------------------

def test_plain_text_keeps_line_breaks_and_decodes_entities():
    source = ("<html><head><title>T</title><style>p {}</style></head><body>"
              "<h1>ご案内</h1><p>佐藤&nbsp;様<br>いつも&amp;ありがとう&#x3002;</p>\n\n"
              "<div>一行目</div><div>二行目</div><ul><li>A</li><li>B</li></ul>"
              "<script>alert(1)</script><p>  空白は   まとめる\n 改行も </p></body></html>")
    assert mail_html.plain_text_from_html(source) == (
        "ご案内\n\n佐藤 様\nいつも&ありがとう。\n\n一行目\n二行目\n\nA\nB\n\n空白は まとめる 改行も")


def test_plain_text_shows_link_targets():
    source = ('<p><a href="https://a.example/?x=1&amp;y=2">詳しくはこちら</a> / '
              '<a href="https://b.example/">https://b.example/</a> / <a href="mailto:a@example.jp">メール</a></p>')
    assert mail_html.plain_text_from_html(source) == (
        "詳しくはこちら (https://a.example/?x=1&y=2) / https://b.example/ / メール")


def test_plain_text_keeps_preformatted_text():
    assert mail_html.plain_text_from_html("<pre>a  b\n  c</pre>") == "a  b\n  c"


def test_plain_text_skips_comments_scripts_and_unfinished_tags():
    source = ("<p>a<!-- hidden <p>x</p> -->b</p><script/>var x = '<p>no</p>';</script><style>p{}</style>"
              "<![CDATA[c]]><?xml x?><p>c &copy2026 &region</p><p>d <a href='https://e.example")
    assert mail_html.plain_text_from_html(source) == "ab\n\nc ©2026 ®ion\n\nd"


def test_plain_text_of_tables_and_nothing():
    assert mail_html.plain_text_from_html("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>") == "a b\nc"
    assert mail_html.plain_text_from_html("") == ""
