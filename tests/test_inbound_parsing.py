"""Pure unit tests of shared/domain/inbound, charsets and reply_quotes: raw inbound mail (as an
SES receipt rule stores it in S3) parsed into an InboundMessage, the charset guessing behind it,
and the quoted-reply stripper.

The fixtures in tests/fixtures/mail are real MIME bytes, written as the mailers named do:
  01 Gmail: multipart/alternative, UTF-8 base64, a Japanese reply to <01ABC@example.co.jp>
  02 Becky!: ISO-2022-JP 7bit with NEC characters (①, ㈱) in the body and an encoded-word subject
  03 Outlook: Shift_JIS quoted-printable with IBM/NEC characters (髙 as 0xFBFC, ①)
  04 multipart/mixed: RFC 2231 and encoded-word Japanese file names, a split RFC 2231 name, an
     inline image
  05 Exchange out-of-office reply (Auto-Submitted: auto-replied), ISO-2022-JP
  06 SES bounce: multipart/report; report-type=delivery-status, the original attached
  07 charset=us-ascii over a UTF-8 body, raw 8-bit UTF-8 headers, bare LF line endings
  08 HTML only
  09 Exchange Online out-of-office reply without Auto-Submitted: "Automatic reply:" subject,
     X-Auto-Response-Suppress and X-MS-Exchange-Inbox-Rules-Loop (as Sisimai's rfc3834-02.eml)
"""

from __future__ import annotations

import base64
import random
from pathlib import Path

import pytest

from shared.domain import charsets, inbound, mail_html, reply_quotes
from shared.domain.inbound import Attachment, InboundMessage

FIXTURES = Path(__file__).parent / "fixtures" / "mail"
SJIS_TAKAHASHI = b"\xfb\xfc\x8b\xb4"  # 髙橋 as Windows writes it (髙 is the IBM extension 0xFBFC)


def fixture(name: str) -> InboundMessage:
    return inbound.parse((FIXTURES / name).read_bytes())


def message(*headers: str, body: bytes = b"") -> bytes:
    """Raw CRLF message bytes; header text is written as UTF-8 (raw 8-bit, as some mailers do)."""
    return b"\r\n".join(header.encode("utf-8", "surrogateescape") for header in headers) + b"\r\n\r\n" + body


# --- the fixtures -----------------------------------------------------------------------------

def test_utf8_multipart_alternative_reply():
    parsed = fixture("01_utf8_alternative_reply.eml")

    assert parsed.message_id == "<CAF1234reply+x@mail.gmail.com>"
    assert parsed.in_reply_to == ["<01ABC@example.co.jp>"]
    assert parsed.references == ["<00XYZ@example.co.jp>", "<01ABC@example.co.jp>"]  # folded header
    assert parsed.from_address == "hanako.sato@example.co.jp"
    assert parsed.from_name == "佐藤 花子"
    assert parsed.to == ["sales@crm.example.com"]
    assert parsed.cc == ["ichiro@example.co.jp", "jiro@example.co.jp"]
    assert parsed.envelope_to == ["sales@crm.example.com"]  # SES's Received: … for sales@crm.example.com;
    assert parsed.subject == "Re: ご提案の件"
    assert parsed.date == "2026-11-23T01:02:03.000Z"  # 10:02:03 +0900
    assert parsed.body_text.startswith("山田様\n\nお世話になっております。サンプル商事の佐藤です。\n")
    assert "\r" not in parsed.body_text
    assert "> 先日はありがとうございました。" in parsed.body_text
    assert parsed.body_html.startswith('<div dir="ltr"><div>山田様</div>')
    assert '<blockquote class="gmail_quote">' in parsed.body_html
    assert parsed.attachments == []
    assert (parsed.auto_reply, parsed.is_bounce) == (False, False)


def test_the_reply_of_the_fixture_without_its_quote():
    parsed = fixture("01_utf8_alternative_reply.eml")

    expected = ("山田様\n\nお世話になっております。サンプル商事の佐藤です。\n"
                "ご提案いただいた内容で進めたいと思います。\n来週、打ち合わせのお時間をいただけますでしょうか。\n\n"
                "よろしくお願いいたします。")
    assert reply_quotes.quoted_reply_stripped(parsed.body_text) == expected
    # The text the HTML part gives (the quote in a blockquote, not behind ">") loses it too.
    from_html = reply_quotes.quoted_reply_stripped(mail_html.plain_text_from_html(parsed.body_html))
    assert from_html == expected


def test_iso_2022_jp_with_nec_characters():
    parsed = fixture("02_iso2022jp_plain.eml")

    assert parsed.subject == "Re: ご提案の件（㈱サンプル）"  # two encoded-words, ㈱ is NEC row 13
    assert parsed.from_name == "山田 一郎"
    assert parsed.from_address == "yamada@example.jp"
    assert parsed.to == ["sales@crm.example.com"]
    assert parsed.message_id == "<20261124091500.ABCD.yamada@example.jp>"  # "Message-Id" spelling
    assert parsed.in_reply_to == parsed.references == ["<01ABC@example.co.jp>"]
    assert parsed.date == "2026-11-24T00:15:00.000Z"
    assert parsed.body_text == (
        "株式会社サンプル 営業部\n佐藤様\n\nお世話になっております。㈱エグザンプルの山田です。\n"
        "ご質問の件、以下の通り回答いたします。\n\n丸数字①：価格は据え置きです。\n丸数字②：納期は12月です。\n\n"
        "以上、よろしくお願いいたします。\n")
    assert parsed.body_html is None
    assert "\ufffd" not in parsed.body_text + parsed.subject


def test_shift_jis_quoted_printable_with_ibm_and_nec_characters():
    parsed = fixture("03_shift_jis_qp.eml")

    assert parsed.from_name == "髙橋 一郎"  # =?Shift_JIS?B?...?= with 髙 as 0xFBFC
    assert parsed.from_address == "takahashi@example.ne.jp"
    assert parsed.subject == "【ご確認】見積書①"  # Q encoding
    assert parsed.to == ["sales@crm.example.com"]
    assert parsed.message_id == "<000001d9abcd$12345678$9abcdef0@example.ne.jp>"
    assert parsed.date == "2026-11-25T05:00:00.000Z"
    assert parsed.body_text == ("佐藤様\n\n髙橋です。\n見積書①を確認いたしました。\n"
                                "請求書の宛名は「㈱サンプル」でお願いします。\n\n髙橋 一郎\n")


def test_attachments_with_japanese_names():
    parsed = fixture("04_attachments_mixed.eml")

    assert parsed.subject == "お見積書送付の件"
    assert parsed.from_name == "Ichiro Suzuki"
    assert parsed.date == "2026-11-26T02:22:33.000Z"
    assert parsed.body_text == "お見積書を添付いたします。\nご確認ください。\n"
    assert parsed.attachments == [
        Attachment("見積.pdf", "application/pdf", 1500),  # filename*=UTF-8''%E8%A6%8B%E7%A9%8D.pdf
        Attachment("御請求書①.pdf", "application/pdf", 777),  # ISO-2022-JP encoded-word, NEC ①
        # filename*0*= / filename*1*= split inside a UTF-8 character
        Attachment("株式会社サンプル_ご提案資料_2026年度版.docx",
                   "application/vnd.openxmlformats-officedocument.wordprocessingml.document", 4096),
        Attachment(None, "image/png", 70),  # inline, unnamed
    ]
    assert (parsed.auto_reply, parsed.is_bounce) == (False, False)


def test_out_of_office_reply():
    parsed = fixture("05_out_of_office.eml")

    assert parsed.auto_reply is True
    assert parsed.is_bounce is False
    assert parsed.subject == "自動応答: ご提案の件"
    assert parsed.from_name == "田中 美咲"
    assert parsed.from_address == "tanaka@example.co.jp"
    assert parsed.in_reply_to == ["<01ABC@example.co.jp>"]
    assert parsed.date == "2026-11-26T23:00:00.000Z"
    assert parsed.body_text.startswith("誠に勝手ながら、11月27日から12月1日まで不在にしております。\n")


def test_delivery_status_notification():
    parsed = fixture("06_bounce_dsn.eml")

    assert parsed.is_bounce is True
    assert parsed.auto_reply is False
    assert parsed.from_address == "mailer-daemon@amazonses.com"
    assert parsed.from_name is None
    assert parsed.subject == "Delivery Status Notification (Failure)"
    assert parsed.date == "2026-11-28T03:04:05.000Z"
    assert parsed.message_id == "<0106018c1a2b3c4d-dsn-0001@ap-northeast-1.amazonses.com>"
    assert parsed.in_reply_to == []  # the bounced message's id is inside the attachment only
    # The body is the human-readable part, not the attached original.
    assert parsed.body_text == ("An error occurred while trying to deliver the mail to the following "
                                "recipients:\nnobody@example.co.jp\n")
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        (None, "message/delivery-status"), (None, "message/rfc822")]
    assert all(attachment.size > 100 for attachment in parsed.attachments)


def test_wrong_charset_raw_8bit_headers_and_bare_lf():
    raw = (FIXTURES / "07_wrong_charset_lf.eml").read_bytes()
    assert b"\r" not in raw and b"charset=us-ascii" in raw

    parsed = inbound.parse(raw)

    assert parsed.subject == "見積もりのお願い"
    assert parsed.from_name == "鈴木 次郎"
    assert parsed.from_address == "jiro.suzuki@example.jp"
    assert parsed.to == ["sales@crm.example.com", "taro@crm.example.com"]
    assert parsed.message_id == "<lf-only-0007@example.jp>"
    assert parsed.date == "2026-11-29T14:59:59.000Z"
    assert parsed.body_text == ("ご担当者様\n\n製品カタログに掲載の「業務用プリンター」について、\n"
                                "10台分の見積もりをお願いできますでしょうか。\n\n鈴木\n")


def test_html_only_message():
    parsed = fixture("08_html_only.eml")

    assert parsed.subject == "資料のご案内"
    assert parsed.from_name == "Marketing Team"
    assert parsed.date == "2026-11-30T00:00:00.000Z"
    assert parsed.body_html.startswith("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">")
    assert parsed.body_text == ("佐藤様\n\n資料をこちら (https://example.co.jp/docs/2026)に置きました。\n"
                                "ご確認ください。\n\n価格 & 納期は別紙の通りです。")
    assert parsed.auto_reply is False


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.glob("*.eml")))
def test_fixture_parses_the_same_with_bare_lf(name):
    raw = (FIXTURES / name).read_bytes()
    assert inbound.parse(raw.replace(b"\r\n", b"\n")) == inbound.parse(raw)


# --- headers --------------------------------------------------------------------------------

def test_a_character_split_between_two_encoded_words_still_decodes():
    data = "ご提案".encode()
    split = f"=?UTF-8?B?{base64.b64encode(data[:4]).decode()}?=\r\n =?UTF-8?B?{base64.b64encode(data[4:]).decode()}?="

    assert charsets.decode_header(split) == "ご提案"


@pytest.mark.parametrize(("value", "expected"), [
    ("=?UTF-8?Q?=E3=81=94=E6=8F=90=E6=A1=88_=E3=81=AE=E4=BB=B6?=", "ご提案 の件"),  # "_" is a space
    ("Re: =?UTF-8?B?44GU5o+Q5qGI?= =?UTF-8?B?44Gu5Lu2?= (1)", "Re: ご提案の件 (1)"),
    ("=?utf-8*ja?B?44GU5o+Q5qGI?=", "ご提案"),  # RFC 2231 language tag
    ("=?UTF-8?B?44GU5o+Q5qGI?=", "ご提案"),
    ("=?UTF-8?B?44GU5o+Q5qGI?", "=?UTF-8?B?44GU5o+Q5qGI?"),  # unfinished: left as it is
    ("=?x-unknown?B?44GU5o+Q5qGI?=", "ご提案"),  # unknown charset: guessed
    ("=?us-ascii?Q?caf=C3=A9?=", "café"),  # wrong charset
    ("=?UTF-8?B?44GU5o+Q5qGI=?=", "ご提案"),  # wrong padding
    ("line\r\n\tfolded", "line folded"),
    ("Re: \x1b$B$4Ds0F-!\x1b(B", "Re: ご提案①"),  # ISO-2022-JP written raw, as old mailers do
    ("Re: \udce3\udc81\udc94\udce6\udc8f\udc90\udce6\udca1\udc88", "Re: ご提案"),  # raw UTF-8, as parsed
    ("=?UTF-8?Q?caf\u00e9?=", "café"),  # already text (no parser makes this, but no error either)
    ("lone \ud800 surrogate", "lone ? surrogate"),
    ("", ""),
])
def test_decode_header(value, expected):
    assert charsets.decode_header(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("Mon, 23 Nov 2026 10:02:03 +0900", "2026-11-23T01:02:03.000Z"),
    ("Mon, 23 Nov 2026 10:02:03 +0900 (JST)", "2026-11-23T01:02:03.000Z"),
    ("23 Nov 2026 10:02:03 JST", "2026-11-23T01:02:03.000Z"),  # a zone name Python does not know
    ("Mon, 23 Nov 2026 01:02:03 GMT", "2026-11-23T01:02:03.000Z"),
    ("Mon, 23 Nov 2026 01:02:03 -0000", "2026-11-23T01:02:03.000Z"),
    ("Sun, 22 Nov 2026 20:02:03 -0500", "2026-11-23T01:02:03.000Z"),
    ("Mon, 23 Nov 26 10:02:03 +0900", "2026-11-23T01:02:03.000Z"),  # two-digit year
    ("yesterday", None),
    ("Mon, 23 Nov 2026 10:02:03 +9999", None),
    ("Mon, 32 Nov 2026 10:02:03 +0900", None),
])
def test_date_in_utc(value, expected):
    parsed = inbound.parse(message(f"Date: {value}", "Subject: x", body=b"x"))

    assert parsed.date == expected


def test_missing_headers():
    parsed = inbound.parse(b"\r\nonly a body\r\n")

    assert parsed == InboundMessage(body_text="only a body\n")


def test_addresses():
    parsed = inbound.parse(message(
        'From: "Yamada, Taro" <Taro@Example.JP>, second@example.jp',
        "To: undisclosed-recipients:;",
        "Cc: A <a@example.jp>, a@EXAMPLE.jp, not-an-address, =?UTF-8?B?5L2Q6Jek?= <b@example.jp>",
        "In-Reply-To: <parent@example.jp> (Taro's message of Mon, 23 Nov 2026)",
        "References: <one@example.jp>\r\n\t<two@example.jp> <one@example.jp> garbage",
        "Message-ID: bare-id@example.jp",
    ))

    assert parsed.from_address == "taro@example.jp"
    assert parsed.from_name == "Yamada, Taro"
    assert parsed.to == []
    assert parsed.cc == ["a@example.jp", "b@example.jp"]  # lower-cased, each once
    assert parsed.in_reply_to == ["<parent@example.jp>"]
    assert parsed.references == ["<one@example.jp>", "<two@example.jp>"]
    assert parsed.message_id == "<bare-id@example.jp>"  # mail.message_ids brackets a bare id


@pytest.mark.parametrize(("received", "expected"), [
    (["from mail-sor-f41.google.com (mail-sor-f41.google.com [209.85.220.41]) by "
      "inbound-smtp.ap-northeast-1.amazonaws.com with SMTP id abc123 for Team1@Inbound.example.com; "
      "Mon, 23 Nov 2026 01:02:05 +0000 (UTC)"], ["team1@inbound.example.com"]),
    (["from a by b with ESMTPS id x\r\n for <x@example.jp> (single-drop); Mon, 23 Nov 2026 01:02:05 +0000"],
     ["x@example.jp"]),
    # Only the topmost Received header is the receiving server's; lower ones are the sender's hops.
    (["from a by b with SMTP id x; Mon, 23 Nov 2026 01:02:05 +0000",
      "from c by d with SMTP id y for someone@example.jp; Mon, 23 Nov 2026 01:02:04 +0000"], []),
    (["from a by b with SMTP id x for not-an-address; Mon, 23 Nov 2026 01:02:05 +0000"], []),
    ([], []),
])
def test_envelope_recipient_from_the_received_header(received, expected):
    parsed = inbound.parse(message(*(f"Received: {value}" for value in received), "To: a@example.jp"))

    assert parsed.envelope_to == expected
    assert parsed.to == ["a@example.jp"]


def test_from_without_an_address():
    parsed = inbound.parse(message("From: =?UTF-8?B?5L2Q6Jek?=", "Subject: x"))

    assert (parsed.from_address, parsed.from_name) == (None, None)


# --- auto replies and bounces -----------------------------------------------------------------

@pytest.mark.parametrize(("headers", "expected"), [
    (["Auto-Submitted: auto-replied"], True),
    (["Auto-Submitted: auto-generated"], True),
    (["Auto-Submitted: Auto-Replied (vacation)"], True),
    (["Auto-Submitted: auto-notified"], True),
    (["Auto-Submitted: no"], False),
    (["X-Autoreply: yes"], True),
    (["X-Autorespond: Out of office"], True),
    (["Precedence: auto_reply"], True),
    (["Precedence: bulk"], True),
    (["Precedence: junk"], True),
    (["Precedence: list"], True),
    (["Precedence: first-class"], False),
    # Outlook puts it on mail people write: it asks others' auto-replies not to answer.
    (["X-Auto-Response-Suppress: All"], False),
    (["X-Auto-Response-Suppress: OOF, AutoReply"], False),
    ([], False),
])
def test_auto_reply(headers, expected):
    parsed = inbound.parse(message("From: a@example.jp", "Subject: x", *headers, body=b"x"))

    assert parsed.auto_reply is expected
    assert parsed.is_bounce is False


@pytest.mark.parametrize(("headers", "expected"), [
    # auto-responders that set no RFC 3834 header (Sisimai's corpus, rfc3834-02/03/04.eml)
    (["Subject: Automatic reply: Quotation"], True),                  # Exchange / Outlook
    (["Subject: Auto reply: Re: ご案内", "X-Apple-Action: VACATION"], True),  # iCloud
    (["Subject: x", "X-Apple-Action: VACATION"], True),
    (["Subject: Out of Office: 12/1"], True),
    (["Subject: =?UTF-8?B?6Ieq5YuV5b+c562UOiDjgZTmj5DmoYjjga7ku7Y=?="], True),  # 自動応答: ご提案の件
    (["Subject: 自動返信：お問い合わせありがとうございます"], True),
    (["Subject: 【不在】12月4日まで"], True),
    # what a person writes
    (["Subject: Re: Automatic reply: Quotation"], False),
    (["Subject: Auto: 車検のご案内"], False),
    (["Subject: Re: 不在時の対応について"], False),
    (["Subject: Re: Quotation", "X-MS-Exchange-Inbox-Rules-Loop: rep@acme.co.jp"], False),  # redirected by a rule
])
def test_auto_reply_without_rfc_3834_headers(headers, expected):
    parsed = inbound.parse(message("From: a@example.jp", *headers, body=b"x"))

    assert parsed.auto_reply is expected


def test_exchange_out_of_office_without_auto_submitted_is_an_auto_reply():
    parsed = fixture("09_exchange_automatic_reply.eml")

    assert parsed.subject == "Automatic reply: Quotation for December"
    assert (parsed.auto_reply, parsed.is_bounce) == (True, False)
    assert parsed.in_reply_to == ["<01JEXAMPLE0000000000000000@acme.co.jp>"]


@pytest.mark.parametrize(("content_type", "expected"), [
    ('multipart/report; report-type="delivery-status"; boundary="b"', True),
    ("Multipart/Report; boundary=b; Report-Type=Delivery-Status", True),
    ("multipart/report; report-type=disposition-notification; boundary=b", False),  # a read receipt
    ("multipart/mixed; report-type=delivery-status; boundary=b", False),
])
def test_is_bounce(content_type, expected):
    raw = message(f"Content-Type: {content_type}",
                  body=b"--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b--\r\n")

    parsed = inbound.parse(raw)

    assert parsed.is_bounce is expected
    assert parsed.body_text == "failed"  # the line break before a boundary belongs to it


# --- charsets ---------------------------------------------------------------------------------

@pytest.mark.parametrize("charset", ["shift_jis", "Shift_JIS", "sjis", "x-sjis", "shift-jis", "windows-31j",
                                     "cp932", '"SHIFT_JIS"'])
def test_shift_jis_labels_read_as_cp932(charset):
    data = SJIS_TAKAHASHI + "です。①㈱".encode("cp932")
    raw = message(f"Content-Type: text/plain; charset={charset}", "Content-Transfer-Encoding: 8bit", body=data)

    assert inbound.parse(raw).body_text == "髙橋です。①㈱"


@pytest.mark.parametrize(("data", "expected"), [
    (b"\x1b$B-!-j|b\x1b(B", "①㈱髙"),  # NEC row 13 and NEC-selected IBM row 92 (CP50220)
    (b"\x1b$B$4Ds0F\x1b(B", "ご提案"),
    (b"\x1b$@$4Ds0F\x1b(B", "ご提案"),  # JIS C 6226-1978 designation
    (b"\x1b&@\x1b$B$4Ds0F\x1b(B", "ご提案"),  # JIS X 0208-1990 announcer
    (b"\x1b(I12\x1b(B", "ｱｲ"),  # JIS X 0201 katakana
    (b"x\x0e12\x0fy", "xｱｲy"),  # CP50222 SO/SI katakana
    (b"\x1b$BF|K\\\x1b(B x\x0e12\x0fy", "日本 xｱｲy"),
    (b"\x1b$(D\x22\x2f\x1b(B", "˘"),  # JIS X 0212
    (b"\x1b$(Q\x2d\x21\x1b(B", "①"),  # JIS X 0213 plane 1
    (b"\x1b$A\x30\x21\x1b(B", "啊"),  # ISO-2022-JP-2 GB 2312: Python's codec
    (b"\x1b$BF|K\\\r\nJ8\x1b(B", "日本\r\nJ8"),  # each line starts in ASCII
    (b"\x1b$B-!$\x1b(B", "①\ufffd"),  # an odd byte: replaced, not raised
    (b"\x1b$B\x7f\x7f\x1b(B", "\ufffd"),
])
def test_iso_2022_jp(data, expected):
    decoded = charsets.decode_text(data, "iso-2022-jp")

    assert decoded == expected


def test_iso_2022_jp_without_a_label_is_recognised():
    assert charsets.decode_text(b"\x1b$B$4Ds0F-!\x1b(B") == "ご提案①"
    assert charsets.decode_text(b"\x1b$B$4Ds0F-!\x1b(B", "utf-8") == "ご提案①"  # 7-bit: the label is wrong


@pytest.mark.parametrize(("data", "charset", "expected"), [
    # UTF-8 labelled Shift_JIS happens to be valid cp932: the label wins, mojibake and all.
    ("髙橋①".encode(), "shift_jis", "髙橋①".encode().decode("cp932")),
    (SJIS_TAKAHASHI, "utf-8", "髙橋"),  # declared UTF-8, written in Shift_JIS
    (SJIS_TAKAHASHI, None, "髙橋"),  # 8-bit without a charset
    ("髙橋①".encode(), None, "髙橋①"),
    ("髙橋①".encode(), "us-ascii", "髙橋①"),
    ("café".encode(), "iso-8859-1", "café"),  # UTF-8 under a single-byte label
    ("café".encode("latin-1"), "iso-8859-1", "café"),
    ("café".encode("cp1252"), "windows-1252", "café"),
    ("髙橋①".encode(), "x-no-such-charset", "髙橋①"),
    ("髙橋①".encode(), "unicode-escape", "髙橋①"),  # a codec, but no mail charset
    ("髙橋①".encode(), "hex", "髙橋①"),  # not a text codec
    ("髙橋①".encode(), "utf\x00-8", "髙橋①"),
    (b"\xad\xa1\xa4\xa2", "euc-jp", "①あ"),  # NEC row 13 in EUC-JP (cp51932)
    ("日本語".encode("euc_jp"), "EUC-JP", "日本語"),
    ("가나".encode("cp949"), "ks_c_5601-1987", "가나"),
    ("\ufeffこんにちは".encode("utf-8"), "utf-8", "\ufeffこんにちは"),
])
def test_decode_text(data, charset, expected):
    assert charsets.decode_text(data, charset) == expected


def test_mostly_utf8_keeps_its_good_characters():
    text = "お世話になっております。ご提案の件、承知しました。\n" * 5
    data = text.encode()
    broken = data[:40] + data[41:]  # a byte lost inside a character

    decoded = charsets.decode_text(broken, "utf-8")

    assert decoded == text.replace("提", "\ufffd", 1)  # not the whole body as cp932 mojibake
    assert charsets.decode_text(broken) == decoded  # without a label too
    assert charsets.decode_text(broken, "shift_jis") == decoded  # cp932 fails on it: UTF-8 is next
    truncated_word = "=?UTF-8?B?" + base64.b64encode("ご提案の件".encode()[:-1]).decode() + "?="
    assert charsets.decode_header(truncated_word) == "ご提案の\ufffd"


@pytest.mark.parametrize("charset", [None, "shift_jis", "utf-8"])
def test_when_nothing_decodes_the_fewest_replacement_characters_win(charset):
    data = "日本語".encode("cp932") + b"\x81\x20" + "です".encode("cp932")  # 0x81 0x20 is no cp932 code

    assert charsets.decode_text(data, charset) == "日本語\ufffd です"


def test_html_charset_from_meta_when_the_header_has_none():
    html = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"></head>' \
           "<body><p>髙橋です</p></body></html>"
    raw = message("Content-Type: text/html", "Content-Transfer-Encoding: 8bit",
                  body=html.encode("cp932").replace(b"\xee\xe0", b"\xfb\xfc"))

    parsed = inbound.parse(raw)

    assert "<p>髙橋です</p>" in parsed.body_html
    assert parsed.body_text == "髙橋です"


def test_a_byte_order_mark_is_dropped_from_the_body():
    raw = message("Content-Type: text/plain; charset=utf-8", body="\ufeffこんにちは\r\n".encode())

    assert inbound.parse(raw).body_text == "こんにちは\n"


# --- MIME structure ---------------------------------------------------------------------------

def test_html_is_used_when_the_text_part_is_empty():
    raw = message(
        'Content-Type: multipart/alternative; boundary="b"',
        body=b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n \r\n"
             b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Hello<br>there</p>\r\n--b--\r\n")

    parsed = inbound.parse(raw)

    assert parsed.body_text == "Hello\nthere"
    assert parsed.body_html == "<p>Hello<br>there</p>"


def test_a_forwarded_message_is_an_attachment_not_the_body():
    inner = message("From: x@example.jp", "Subject: inner", "Content-Type: text/plain", body=b"inner body\r\n")
    raw = message('Content-Type: multipart/mixed; boundary="b"',
                  body=b"--b\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--b--\r\n")

    parsed = inbound.parse(raw)

    assert parsed.body_text == ""
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [(None, "message/rfc822")]


def test_text_parts_that_are_attachments():
    raw = message(
        'Content-Type: multipart/mixed; boundary="b"',
        body=b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody\r\n"
             b"--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment\r\n\r\nnotes\r\n"
             b"--b\r\nContent-Type: text/csv; name=list.csv\r\n\r\na,b\r\n"
             b"--b\r\nContent-Type: text/html\r\nContent-Disposition: inline; filename=page.html\r\n\r\n<p>x</p>\r\n"
             b"--b--\r\n")

    parsed = inbound.parse(raw)

    assert parsed.body_text == "body"
    assert parsed.body_html is None
    assert parsed.attachments == [Attachment(None, "text/plain", 5), Attachment("list.csv", "text/csv", 3),
                                  Attachment("page.html", "text/html", 8)]


def test_attachment_name_forms():
    parts = [
        "Content-Type: application/pdf\r\nContent-Disposition: attachment; filename*=shift_jis''%FB%FC%8B%B4.pdf",
        "Content-Type: application/pdf; name=\"=?UTF-8?B?6KaL56mN?=.pdf\"",  # only the Content-Type names it
        "Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"\xe8\xa6\x8b\xe7\xa9\x8d.pdf\"",
        "Content-Type: application/pdf\r\nContent-Disposition: attachment; filename*=''%E8%A6%8B.pdf",
        "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"\"",
    ]
    body = b"".join(b"--b\r\n" + part.encode("latin-1") + b"\r\n\r\nx\r\n" for part in parts) + b"--b--\r\n"

    parsed = inbound.parse(message('Content-Type: multipart/mixed; boundary="b"', body=body))

    assert [attachment.filename for attachment in parsed.attachments] == [
        "髙橋.pdf", "見積.pdf", "見積.pdf", "見.pdf", None]


def test_at_most_100_attachments_are_listed():
    body = b"".join(b"--b\r\nContent-Type: application/pdf; name=f%d.pdf\r\n\r\nx\r\n" % index
                    for index in range(150)) + b"--b--\r\n"

    parsed = inbound.parse(message('Content-Type: multipart/mixed; boundary="b"', body=body))

    assert len(parsed.attachments) == inbound.MAX_ATTACHMENTS == 100
    assert parsed.attachments[-1].filename == "f99.pdf"


def test_bodies_are_cut_at_1_mb_of_text():
    text = "日本語テキスト" * 100_000  # 2.1 MB of UTF-8
    raw = message("Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64",
                  body=base64.encodebytes(text.encode()))

    parsed = inbound.parse(raw)

    assert len(parsed.body_text.encode()) == 999_999  # 1 MB ends inside a character: it is left out
    assert text.startswith(parsed.body_text)


def test_html_bodies_are_cut_too():
    html = "<p>" + "あ" * 600_000 + "</p>"
    raw = message("Content-Type: text/html; charset=utf-8", body=html.encode())

    parsed = inbound.parse(raw)

    assert len(parsed.body_html.encode()) <= inbound.MAX_TEXT_BYTES
    assert len(parsed.body_text.encode()) <= inbound.MAX_TEXT_BYTES
    assert parsed.body_text.startswith("あああ")


# --- never raises -----------------------------------------------------------------------------

@pytest.mark.parametrize("raw", [
    b"",
    b"\r\n",
    b"\x00\xff\xfe",
    b"Subject: only headers",
    b"Subject: only headers\r\nFrom: a@example.jp\r\n",
    b"no colon in this header line\r\n\r\nbody",
    b": empty name\r\n\r\n",
    b"Content-Type: multipart/mixed\r\n\r\n--nothing\r\nno boundary parameter\r\n",
    b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nnever closed',
    b"Content-Type: text/plain; charset=\"\r\n\r\nx",
    b"Content-Type: text/plain; charset*=''%ZZ\r\n\r\nx",
    b"Content-Type: ;;;===\r\nContent-Disposition: attachment; filename*0*=bad; filename*1=x\r\n\r\nx",
    b"Content-Transfer-Encoding: base64\r\n\r\n@@@not base64 at all=",
    b"Content-Transfer-Encoding: base64\r\n\r\nQ",
    b"Content-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=\r\n=E3=81",
    b"Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 f\r\n!!!\r\nend\r\n",
    b"Subject: =?UTF-8?B?====?= =?UTF-8?Q?=ZZ?= =?\xff?B?AA==?=\r\n\r\n",
    b"From: <<<@>>>, \"unterminated\r\nTo: ,,,;;;<>\r\nCc: @\r\n\r\n",
    b"Date: Mon, 99 Zzz 99999 99:99:99 +99999\r\n\r\n",
    b"Message-ID: <a b c>\r\nReferences: <<<>>>\r\nIn-Reply-To: \xff\xfe\r\n\r\n",
    b"Content-Type: message/rfc822\r\n\r\nnot a message",
    b"Content-Type: message/delivery-status\r\n\r\n\r\n\r\n",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b--",
])
def test_malformed_input_never_raises(raw):
    assert isinstance(inbound.parse(raw), InboundMessage)


def test_a_part_the_modern_header_parser_fails_on_loses_nothing():
    raw = (FIXTURES / "04_attachments_mixed.eml").read_bytes()
    # Python 3.11's policy.default raises ValueError for a NUL in an RFC 2231 charset.
    damaged = raw.replace(b"name*=UTF-8''", b"name*=U\x00F-8''", 1)
    assert damaged != raw

    assert inbound.parse(damaged) == inbound.parse(raw)


def test_deep_nesting_keeps_the_headers():
    raw = b"Subject: nested\r\nContent-Type: multipart/mixed; boundary=b0\r\n\r\n"
    raw += b"".join(b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (level - 1, level)
                    for level in range(1, 1200))
    raw += b"--b1199\r\nContent-Type: text/plain\r\n\r\ndeep\r\n"

    parsed = inbound.parse(raw)

    assert parsed.subject == "nested"  # the parser's recursion gave out: no body, but no error
    assert parsed.body_text == ""


def test_random_bytes_never_raise():
    rng = random.Random(20261123)
    for _ in range(200):
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 600)))
        assert isinstance(inbound.parse(raw), InboundMessage)


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.glob("*.eml")))
def test_damaged_fixtures_never_raise(name):
    original = (FIXTURES / name).read_bytes()
    rng = random.Random(name)
    for _ in range(60):
        raw = bytearray(original)
        for _ in range(rng.randrange(1, 20)):
            position = rng.randrange(len(raw))
            choice = rng.random()
            if choice < 0.4:
                raw[position] = rng.randrange(256)
            elif choice < 0.7:
                del raw[position:position + rng.randrange(1, 40)]
            else:
                raw[position:position] = rng.choice([b"\r\n", b"\n", b"=?", b"?=", b"\x1b$B", b";", b'"', b"--"])
        assert isinstance(inbound.parse(bytes(raw)), InboundMessage)


# --- quoted_reply_stripped ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    # Gmail in English, the attribution wrapped over two lines.
    ("Thanks, see you Monday.\n\nOn Mon, Nov 23, 2026 at 10:02 AM Taro Yamada <\ntaro@example.jp> wrote:\n\n"
     "> Shall we meet?\n> Taro\n", "Thanks, see you Monday."),
    ("Sounds good.\r\n\r\nOn 2026/11/23 10:02, Taro Yamada wrote:\r\n> Shall we meet?\r\n", "Sounds good."),
    # Gmail in Japanese.
    ("承知しました。\n\n2026年11月23日(月) 10:02 山田 太郎 <taro@example.jp>:\n\n> 来週いかがですか。\n",
     "承知しました。"),
    # Apple Mail in Japanese.
    ("承知しました。\n\n2026/11/23 10:02、山田 太郎 <taro@example.jp>のメール:\n\n> 来週いかがですか。\n",
     "承知しました。"),
    # Outlook: the original follows unquoted.
    ("了解です。\n\n-----Original Message-----\nFrom: Taro\nSent: Monday\n\n来週いかがですか。\n", "了解です。"),
    ("了解です。\n\n-----元のメッセージ-----\n差出人: 山田 太郎\n送信日時: 2026年11月23日 10:02\n\n来週いかがですか。",
     "了解です。"),
    ("了解です。\n\n________________________________\n差出人: 山田 太郎 <taro@example.jp>\n"
     "送信日時: 2026年11月23日 10:02\n宛先: 佐藤\n件名: ご提案の件\n\n来週いかがですか。", "了解です。"),
    ("OK.\n\n________________________________\nFrom: Taro Yamada\nSent: Monday, November 23, 2026 10:02 AM\n"
     "To: Hanako\nSubject: Meeting\n\nShall we meet?", "OK."),
    # The attribution with the original unquoted below it (HTML mail turned into text).
    ("承知しました。\n\n2026年11月23日(月) 10:02 山田 太郎 <taro@example.jp>:\n\n来週いかがですか。\n",
     "承知しました。"),
    # Bottom posting: the reply below the quote stays.
    ("On Mon, Nov 23, 2026, Taro wrote:\n> Shall we meet?\n\nYes, Monday works.", "Yes, Monday works."),
    # Inline replies: each answer stays, the quoted questions go.
    ("> Price?\nUnchanged.\n> Delivery?\nDecember.\n", "Unchanged.\nDecember."),
    # Nothing quoted: unchanged but for trailing space.
    ("山田様\n\n2026年12月1日の打ち合わせ：\n10時からでお願いします。\n\n",
     "山田様\n\n2026年12月1日の打ち合わせ：\n10時からでお願いします。"),
    ("From: the sales team\nthanks", "From: the sales team\nthanks"),
    ("Only a quote follows.\n>\n> > nested\n", "Only a quote follows."),
    ("> all quoted\n", ""),
    ("", ""),
])
def test_quoted_reply_stripped(text, expected):
    assert reply_quotes.quoted_reply_stripped(text) == expected


def test_quoted_reply_stripped_stays_linear_on_hostile_lines():
    lines = ["2026/11/23 " + "@" * 700, "On " + "x " * 400, "2026年11月23日 " + "書きました" * 100] * 2000
    text = "\n".join(lines)  # once took seconds with a backtracking pattern

    assert reply_quotes.quoted_reply_stripped(text) == text


def test_a_reply_excerpt_is_one_line_of_at_most_its_length():
    long = "あ" * 150 + "\n" + "い" * 100 + "\n> 引用"
    excerpt = reply_quotes.reply_excerpt(long)

    assert len(excerpt) == reply_quotes.EXCERPT_CHARACTERS and excerpt.endswith("…") and "\n" not in excerpt
    assert excerpt.startswith("あ" * 150 + " い")
    assert reply_quotes.reply_excerpt("> 引用だけ\n") == ""
