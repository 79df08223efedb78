"""エクスポート in the browser (/exports, /exports/{id}; the seeds' 顧客リストのエクスポート): a segment
exported as a password-protected xlsx whose header row is the Japanese labels in the order the
keyboard gave them, downloaded and read back; the 30-minute rule said before the user meets it;
the rows selected in the contact list exported as a cp932 CSV; a role that may not export told why."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pyzipper
from openpyxl import load_workbook
from playwright.sync_api import expect

from console_support import PASSWORD, assert_accessible, screenshot, sign_in, signed_in_team

JST = timezone(timedelta(hours=9))
PEOPLE = [  # (姓, 会社名, メールアドレス)
    ("青木", "アルファ工業", "aoki@alpha.example.jp"),
    ("石井", "アルファ工業", "ishii@alpha.example.jp"),
    ("宇野", "アルファ工業", "uno@alpha.example.jp"),
    ("江藤", "ベータ商会", "eto@beta.example.jp"),
    ("大野", "ベータ商会", "ono@beta.example.jp"),
]


def seeded(console, team) -> str:
    token = console.token(team.tenant, team.owner_email)
    for family, company, email in PEOPLE:
        console.call(token, "POST", "/v1/contacts", {"family_name": family, "company": company, "email": email})
    return token


def exported_id(page) -> str:
    page.wait_for_url(re.compile(r"/exports/[^/?]+$"))
    return page.url.rstrip("/").rsplit("/", 1)[1]


def next_export_time(console, token: str, export_id: str) -> str:
    """HH:MM (JST, the page's zone) thirty minutes after the export started, as the API says it started."""
    started = console.call(token, "GET", f"/v1/exports/{export_id}")["created_at"]
    moment = datetime.fromisoformat(started.replace("Z", "+00:00")) + timedelta(minutes=30)
    return moment.astimezone(JST).strftime("%H:%M")


def test_a_segment_exported_as_a_password_protected_xlsx_holds_its_contacts_under_japanese_headers(page, console):
    team = signed_in_team(page, console)
    token = seeded(console, team)
    console.call(token, "POST", "/v1/segments", {
        "name": "アルファ工業の皆さん", "filter": {"field": "company", "op": "eq", "value": "アルファ工業"}})

    page.get_by_role("link", name="エクスポート", exact=True).click()
    expect(page.get_by_role("heading", name="エクスポート", exact=True)).to_be_visible()
    expect(page.get_by_text("エクスポートは 1 人 30 分に 1 回までです。")).to_be_visible()
    page.get_by_label("対象").select_option(label="アルファ工業の皆さん")
    expect(page.get_by_text("対象: 3 件")).to_be_visible()

    page.get_by_role("button", name="すべて外す").click()
    for label in ("会社名", "メールアドレス", "姓"):
        page.get_by_role("checkbox", name=label, exact=True).check()
    expect(page.get_by_text("3 項目を選択中")).to_be_visible()
    # 姓 to the top by keyboard (past the list's 9 columns and ID): the focus stays on its 上へ while
    # it climbs, and goes to its 下へ at the top
    up = page.get_by_role("button", name="上へ: 姓", exact=True)
    up.focus()
    for _ in range(10):
        page.keyboard.press("Enter")
    expect(up).to_be_disabled()
    expect(page.get_by_role("button", name="下へ: 姓", exact=True)).to_be_focused()

    page.get_by_label("Excel（xlsx）").check()
    expect(page.get_by_text("Shift_JIS (Windows の Excel)")).to_have_count(0)  # an xlsx has no encoding
    expect(page.get_by_role("radio", name="項目名（例: 姓、メールアドレス）")).to_be_checked()
    password = page.get_by_label("ファイルのパスワード（任意）")
    expect(page.get_by_text("6 文字以上の半角英数字・記号で、英字と数字を両方含めてください。",
                            exact=False)).to_be_visible()
    password.fill("abcdefgh")
    page.get_by_label("エクスポートの理由").fill("展示会フォローの架電リスト")
    page.get_by_role("button", name="エクスポート", exact=True).click()
    expect(page.get_by_text("パスワードには英字と数字を両方含めてください。")).to_be_visible()  # refused before asking
    expect(password).to_be_focused()
    assert console.call(token, "GET", "/v1/jobs")["items"] == []
    password.fill("Alpha2026")
    assert_accessible(page, "the export form")
    page.get_by_role("button", name="エクスポート", exact=True).click()

    export_id = exported_id(page)
    expect(page.get_by_text("3 件を書き出しました。")).to_be_visible(timeout=60_000)
    expect(page.get_by_text(re.compile(r"^ダウンロードの有効期限: \d{4}/\d{2}/\d{2} \d{2}:\d{2}$"))).to_be_visible()
    expect(page.get_by_text("Excel（xlsx） · パスワード付き")).to_be_visible()
    assert_accessible(page, "a finished export")
    with page.expect_download() as download:
        page.get_by_role("button", name="ダウンロード").click()
    saved = Path(download.value.path())
    assert download.value.suggested_filename.endswith(".zip")

    with zipfile.ZipFile(saved) as plain:
        [member] = plain.infolist()
        assert member.flag_bits & 0x1 and member.compress_type == 99  # encrypted, WinZip AES
    with pyzipper.AESZipFile(saved) as archive:
        archive.setpassword(b"Alpha2026")
        [name] = archive.namelist()
        assert name.endswith(".xlsx")
        sheet = load_workbook(io.BytesIO(archive.read(name)), read_only=True).active
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["姓", "会社名", "メールアドレス"]
    assert sorted(rows[1:]) == sorted([family, company, email] for family, company, email in PEOPLE[:3])

    # the 30-minute rule, before the user meets it
    page.get_by_role("link", name="新しく書き出す").click()
    expect(page.get_by_text(f"次のエクスポートは {next_export_time(console, token, export_id)} "
                            "から可能です")).to_be_visible()
    expect(page.get_by_role("button", name="エクスポート", exact=True)).to_be_disabled()
    recent = page.get_by_role("region", name="最近のエクスポート")
    expect(recent.get_by_role("row").nth(1)).to_contain_text("完了")
    expect(recent.get_by_role("row").nth(1)).to_contain_text("3 件")
    screenshot(page, "exports")


def test_rows_selected_in_the_contact_list_are_exported_as_a_cp932_csv(page, console):
    team = signed_in_team(page, console)
    seeded(console, team)
    page.reload()
    page.get_by_role("checkbox", name="江藤 を選択").check()
    page.get_by_role("checkbox", name="大野 を選択").check()
    page.get_by_role("region", name="選択した連絡先への一括操作").get_by_role("button", name="エクスポート").click()
    page.wait_for_url(re.compile(r"/exports\?selected$"))
    expect(page.get_by_label("対象")).to_have_value("carried")
    expect(page.get_by_label("対象").locator("option:checked")).to_have_text("一覧で選択した連絡先（2 件）")
    expect(page.get_by_text("対象: 2 件")).to_be_visible()
    expect(page.get_by_role("radio", name="Shift_JIS (Windows の Excel)")).to_be_checked()
    page.get_by_label("エクスポートの理由").fill("ベータ商会への連絡")
    page.get_by_role("button", name="エクスポート", exact=True).click()
    exported_id(page)
    expect(page.get_by_text("2 件を書き出しました。")).to_be_visible(timeout=60_000)
    with page.expect_download() as download:
        page.get_by_role("button", name="ダウンロード").click()
    text = Path(download.value.path()).read_bytes().decode("cp932")
    rows = list(csv.reader(io.StringIO(text)))
    # the list's default columns, as the list shows them
    assert rows[0] == ["名前", "会社名", "メールアドレス", "電話番号", "ステータス", "担当者",
                       "作成日", "直近連絡日時", "直近顧客行動日時"]
    assert sorted((row[0], row[1]) for row in rows[1:]) == [("大野", "ベータ商会"), ("江藤", "ベータ商会")]


def test_a_role_that_may_not_export_is_told_why(page, console):
    team = signed_in_team(page, console)
    token = console.token(team.tenant, team.owner_email)
    email = f"user@{team.tenant}.example.jp"
    console.call(token, "POST", "/v1/members", {"email": email, "name": "一般 ユーザー", "role": "user"})
    page.get_by_role("button", name="ログアウト").click()
    sign_in(page, console, email, console.temporary_password(email), new_password=PASSWORD)
    page.goto(console.url + "/exports")
    expect(page.get_by_role("note")).to_have_text(
        "あなたのロール（ユーザー）ではエクスポートできません。エクスポートできるロール: オーナー、管理者。"
        "オーナーまたは管理者が「設定 › 権限」で変更できます。")
    expect(page.get_by_role("button", name="エクスポート", exact=True)).to_have_count(0)
    assert_accessible(page, "exports refused to a user")
    page.get_by_label("表示言語").select_option("en")
    expect(page.get_by_role("heading", name="Export", exact=True)).to_be_visible()
    expect(page.get_by_role("note")).to_have_text(
        "Your role (User) may not export. Roles that may: Owner, Admin. "
        "An owner or admin can change this in Settings › Permissions.")
