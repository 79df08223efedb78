"""The インポート screen in the browser (/imports, /imports/{id}): a Shift_JIS CSV with Japanese
headers and two bad rows (its encoding and first rows shown, the headers' suggestions preselected,
the job watched, the failed rows listed and downloaded as CSV), and an .xlsx whose known email is
skipped; each checked in what the API then holds."""

from __future__ import annotations

import csv
import io
import re

import xlsxwriter
from playwright.sync_api import expect

from console_support import assert_accessible, screenshot, signed_in_team

LONG_COMPANY = "株" * 201  # company takes 200 characters at most
CSV_ROWS = [
    ["姓", "名", "メールアドレス", "会社名", "タグ", "備考欄"],
    ["山田", "太郎", "taro@example.jp", "株式会社サンプル", "展示会, VIP", "初回"],
    ["髙橋", "①子", "hanako@example.jp", "テスト商事", "展示会", ""],
    ["佐藤", "次郎", "not-an-email", "", "", ""],
    ["鈴木", "三郎", "suzuki@example.jp", LONG_COMPANY, "", ""],
    ["田中", "四郎", "tanaka@example.jp", "みらい", "", ""],
]


def cp932_csv(rows: list[list[str]]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    return text.getvalue().encode("cp932")


def choose_file(page, name: str, mime: str, data: bytes) -> None:
    page.get_by_label("ファイル", exact=True).set_input_files(files=[{"name": name, "mimeType": mime, "buffer": data}])
    page.get_by_role("button", name="アップロード").click()
    page.wait_for_url(re.compile(r"/imports/[0-9A-Z]+$"))


def lookup(console, token: str, *emails: str) -> dict[str, dict]:
    found = console.call(token, "POST", "/v1/contacts/lookup", {"field": "email", "values": list(emails)})["found"]
    return {contact["email"]: contact for contact in found}


def test_a_shift_jis_csv_is_previewed_mapped_imported_and_its_failed_rows_downloaded(page, console):
    team = signed_in_team(page, console, name="株式会社サンプル商事")
    token = console.token(team.tenant, team.owner_email)
    page.get_by_role("link", name="インポート").click()
    expect(page.get_by_role("heading", name="インポート", level=1)).to_be_visible()
    expect(page.get_by_text("まだインポートはありません。")).to_be_visible()
    assert_accessible(page, "/imports")

    choose_file(page, "顧客リスト.csv", "text/csv", cp932_csv(CSV_ROWS))
    import_id = page.url.rsplit("/", 1)[1]

    expect(page.get_by_text("Shift_JIS (Excel)")).to_be_visible()
    rows = page.get_by_role("table", name="先頭 5 行")
    expect(rows.get_by_role("row")).to_have_count(6)
    expect(rows.get_by_role("row").nth(2)).to_contain_text("髙橋")
    expect(rows.get_by_role("row").nth(2)).to_contain_text("①子")
    for column, target in [("姓", "family_name"), ("名", "given_name"), ("メールアドレス", "email"),
                           ("会社名", "company"), ("タグ", "tags"), ("備考欄", "")]:
        expect(page.get_by_label(f"{column} の取り込み先", exact=True)).to_have_value(target)
    expect(page.get_by_label("更新する")).to_be_checked()
    assert_accessible(page, "the import's preview and mapping")
    screenshot(page, "import-preview")

    page.get_by_label("備考欄 の取り込み先", exact=True).select_option(label="メモ")
    page.get_by_role("button", name="インポート開始").click()

    expect(page.get_by_role("status")).to_contain_text("完了", timeout=60_000)
    expect(page.locator(".import-counts")).to_contain_text("作成3")
    expect(page.locator(".import-counts")).to_contain_text("失敗2")
    done = console.call(token, "GET", f"/v1/imports/{import_id}", language="ja")  # as the console reads it
    message = {error["row"]: error["message"] for error in done["errors"]}
    assert set(message) == {4, 5}
    assert message[4] == "taro@example.co.jp のような正しいメールアドレスを指定してください"
    failed = page.get_by_role("table", name=re.compile("エラーのあった行"))
    expect(failed.get_by_role("row")).to_have_count(3)
    expect(failed.get_by_role("row").nth(1)).to_have_text(re.compile(rf"^4\s*メールアドレス\s*{re.escape(message[4])}$"))
    expect(failed.get_by_role("row").nth(2)).to_have_text(re.compile(rf"^5\s*会社名\s*{re.escape(message[5])}$"))
    assert_accessible(page, "the import's result")
    screenshot(page, "import-result")

    with page.expect_download() as downloading:
        page.get_by_role("button", name="エラー行をダウンロード").click()
    data = open(downloading.value.path(), "rb").read()
    assert data.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))) == [
        ["行", "列", "エラー内容"], ["4", "メールアドレス", message[4]], ["5", "会社名", message[5]]]

    people = lookup(console, token, "taro@example.jp", "hanako@example.jp", "tanaka@example.jp", "suzuki@example.jp")
    assert set(people) == {"taro@example.jp", "hanako@example.jp", "tanaka@example.jp"}
    taro, hanako = people["taro@example.jp"], people["hanako@example.jp"]
    assert (taro["family_name"], taro["given_name"], taro["company"], taro["tags"], taro["memo"]) == \
        ("山田", "太郎", "株式会社サンプル", ["展示会", "VIP"], "初回")
    assert (hanako["family_name"], hanako["given_name"]) == ("髙橋", "①子")


def workbook(rows: list[list[str]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("顧客")
    for number, row in enumerate(rows):
        sheet.write_row(number, 0, row)
    book.close()
    return buffer.getvalue()


def test_an_xlsx_is_imported_skipping_a_known_email_and_listed_among_the_recent_imports(page, console):
    team = signed_in_team(page, console, name="株式会社エクセル")
    token = console.token(team.tenant, team.owner_email)
    console.call(token, "POST", "/v1/contacts",
                 {"family_name": "既存", "email": "known@example.jp", "company": "元の会社"})
    page.goto(console.url + "/imports")

    choose_file(page, "顧客.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", workbook([
        ["Last Name", "First Name", "E-mail", "Company"],
        ["伊藤", "五郎", "ito@example.jp", "株式会社エクセル"],
        ["既存", "更新", "known@example.jp", "新しい会社"],
    ]))
    import_id = page.url.rsplit("/", 1)[1]

    expect(page.get_by_text("Excel ブック (.xlsx)")).to_be_visible()
    expect(page.get_by_text("文字コード")).to_have_count(0)
    expect(page.get_by_label("E-mail の取り込み先", exact=True)).to_have_value("email")
    expect(page.get_by_label("Last Name の取り込み先", exact=True)).to_have_value("family_name")
    assert_accessible(page, "the preview of an .xlsx")
    page.get_by_label("スキップする").check()
    page.get_by_role("button", name="インポート開始").click()

    expect(page.get_by_role("status")).to_contain_text("完了", timeout=60_000)
    expect(page.locator(".import-counts")).to_contain_text("作成1")
    expect(page.locator(".import-counts")).to_contain_text("スキップ1")
    expect(page.get_by_text("エラーはありませんでした。")).to_be_visible()

    page.get_by_role("link", name="別のファイルをインポート").click()
    recent = page.get_by_role("table", name="最近のインポート（新しい順）")
    expect(recent.get_by_role("row")).to_have_count(2)
    expect(recent.get_by_role("row").nth(1)).to_contain_text("作成 1 / 更新 0 / スキップ 1 / 失敗 0")
    assert_accessible(page, "/imports with an import")
    recent.get_by_role("link").click()
    page.wait_for_url(re.compile(rf"/imports/{import_id}$"))
    expect(page.get_by_role("status")).to_contain_text("完了")

    people = lookup(console, token, "ito@example.jp", "known@example.jp")
    assert (people["ito@example.jp"]["family_name"],
            people["ito@example.jp"]["company"]) == ("伊藤", "株式会社エクセル")
    assert people["known@example.jp"]["company"] == "元の会社"
