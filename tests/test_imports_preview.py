"""GET /v1/imports/{id}/preview: the uploaded file's encoding, columns, first rows and the mapping
its headers suggest, read from the start of the file only; and the suggestions themselves
(`shared.domain.imports.suggested_mapping`, pure)."""

from __future__ import annotations

import io
import uuid

import pytest
import xlsxwriter

from conftest import Api, assert_error
from shared.domain.imports import suggested_mapping
from stack_support import run_queued_jobs, uploaded

HEADER = "姓,名,セイ,メイ,メールアドレス,電話番号,会社名,部署,役職,業種,タグ,備考欄"
ROWS = [
    '山田,太郎,ヤマダ,タロウ,taro@example.jp,03-1234-5678,株式会社サンプル,営業部,部長,製造,"展示会, VIP",',
    '髙橋,①子,タカハシ,イチコ,hanako@example.jp,,テスト商事,,,小売,展示会,"二行の\r\n備考"',
    "佐藤,次郎,,,not-an-email,,,,,,,",
    "",
    "鈴木,三郎,,,suzuki@example.jp,,,,,,,",
    "田中,四郎,,,tanaka@example.jp,,,,,,,",
    "伊藤,五郎,,,ito@example.jp,,,,,,,",
]


def cp932_csv() -> bytes:
    return ("\r\n".join([HEADER, *ROWS]) + "\r\n").encode("cp932")


@pytest.fixture
def industry(api) -> None:
    assert api.post("/v1/properties", {"key": "industry", "label": "業種", "type": "text"}).status == 201


def test_a_cp932_csv_shows_its_encoding_first_rows_and_suggested_mapping(api, industry):
    import_id = uploaded(api, cp932_csv())

    reply = api.get(f"/v1/imports/{import_id}/preview")

    assert reply.status == 200, reply.body
    assert (reply.body["encoding"], reply.body["format"]) == ("cp932", "csv")
    assert reply.body["columns"] == HEADER.split(",")
    # five data rows, the blank line skipped, a quoted line break kept, each row in the columns' order
    assert [row[:2] for row in reply.body["rows"]] == [["山田", "太郎"], ["髙橋", "①子"], ["佐藤", "次郎"],
                                                       ["鈴木", "三郎"], ["田中", "四郎"]]
    assert reply.body["rows"][0][10] == "展示会, VIP"
    assert reply.body["rows"][1][11] == "二行の\r\n備考"
    assert all(len(row) == len(reply.body["columns"]) for row in reply.body["rows"])
    assert reply.body["suggested_mapping"] == {
        "姓": "family_name", "名": "given_name", "セイ": "family_name_kana", "メイ": "given_name_kana",
        "メールアドレス": "email", "電話番号": "phone", "会社名": "company", "部署": "department", "役職": "title",
        "業種": "properties.industry", "タグ": "tags", "備考欄": None,
    }


def test_the_suggested_mapping_starts_the_import_as_it_is(api, industry):
    import_id = uploaded(api, cp932_csv())
    suggested = api.get(f"/v1/imports/{import_id}/preview").body["suggested_mapping"]

    started = api.post(f"/v1/imports/{import_id}/start",
                       {"mapping": {column: target for column, target in suggested.items() if target}})
    assert started.status == 202, started.body
    run_queued_jobs()

    done = api.get(f"/v1/imports/{import_id}").body
    assert (done["created"], done["failed"]) == (5, 1)
    # the file is still there: the preview answers after the start too
    assert api.get(f"/v1/imports/{import_id}/preview").body["columns"] == HEADER.split(",")


def workbook(rows: list[list[object]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("顧客")
    dates = book.add_format({"num_format": "yyyy/mm/dd"})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if hasattr(value, "isoformat"):
                sheet.write_datetime(r, c, value, dates)
            else:
                sheet.write(r, c, value)
    book.close()
    return buffer.getvalue()


def test_an_xlsx_shows_its_first_sheets_rows_as_text(api):
    import datetime

    data = workbook([["Last Name", "First Name", "E-mail", "ＴＥＬ", "獲得日", "Tags"],
                     ["山田", "太郎", "taro@example.jp", 312345678, datetime.date(2024, 4, 1), "展示会"]])
    import_id = uploaded(api, data)

    reply = api.get(f"/v1/imports/{import_id}/preview")

    assert reply.status == 200, reply.body
    assert (reply.body["encoding"], reply.body["format"]) == ("xlsx", "xlsx")
    assert reply.body["rows"] == [["山田", "太郎", "taro@example.jp", "312345678", "2024-04-01", "展示会"]]
    assert reply.body["suggested_mapping"] == {"Last Name": "family_name", "First Name": "given_name",
                                               "E-mail": "email", "ＴＥＬ": "phone", "獲得日": "acquired_at",
                                               "Tags": "tags"}


def test_a_large_file_is_previewed_from_its_first_range_only(api, monkeypatch):
    from shared import files

    row = "山田,太郎,taro@example.jp," + "x" * 200 + "\r\n"
    data = ("姓,名,メールアドレス,メモ\r\n" + row * 12_000).encode("utf-8")  # about 2.6 MB
    assert len(data) > 2 * files.RangedFile.BLOCK
    import_id = uploaded(api, data)
    fetched: list[tuple[int, int]] = []
    fetch = files.RangedFile._fetch
    monkeypatch.setattr(files.RangedFile, "_fetch", lambda self, start, end: fetched.append((start, end))
                        or fetch(self, start, end))

    reply = api.get(f"/v1/imports/{import_id}/preview")

    assert reply.status == 200 and len(reply.body["rows"]) == 5
    assert fetched == [(0, files.RangedFile.BLOCK)]


def test_before_the_upload_it_is_a_409_saying_so(api):
    created = api.post("/v1/imports", {}).body

    reply = api.get(f"/v1/imports/{created['id']}/preview")

    assert_error(reply, 409)
    assert reply.error["message"] == "No file was uploaded for this import yet: PUT it to the upload_url first."


def test_a_file_gone_after_the_start_is_a_409_saying_so(api):
    import boto3

    from shared.config import CONFIG
    from shared.keys import import_object_key
    from shared.services.imports import FILE_GONE

    import_id = uploaded(api, cp932_csv())
    assert api.post(f"/v1/imports/{import_id}/start", {"mapping": {"姓": "family_name"}}).status == 202
    boto3.client("s3").delete_object(Bucket=CONFIG.files_bucket, Key=import_object_key(api.tenant, import_id))

    reply = api.get(f"/v1/imports/{import_id}/preview")

    assert_error(reply, 409)
    assert reply.error["message"] == FILE_GONE
    run_queued_jobs()


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, b"",
                                  "姓,名\r\n髙橋,花子\r\n".encode("utf-16-le")],
                         ids=["png", "empty", "utf-16-without-bom"])
def test_a_file_the_start_refuses_is_the_same_422_on_file(api, data):
    import_id = uploaded(api, data)

    preview = api.get(f"/v1/imports/{import_id}/preview")

    assert_error(preview, 422, "file")
    assert preview.error["message"].startswith("The file is not a CSV file or an Excel workbook we can read: ")
    assert api.post(f"/v1/imports/{import_id}/start", {"mapping": {"姓": "family_name"}}).error == preview.error


def test_a_row_it_cannot_read_among_the_first_is_a_422_naming_its_line(api):
    """Past the header the start checks: a cell over the CSV limit on line 3 (the import would
    stop there)."""
    import_id = uploaded(api, ("姓,メモ\r\n山田,短い\r\n鈴木," + "長" * 140_000 + "\r\n").encode("utf-8"))

    preview = api.get(f"/v1/imports/{import_id}/preview")

    assert_error(preview, 422, "file")
    assert preview.error["message"] == ("The file is not a CSV file or an Excel workbook we can read: "
                                        "at line 3: field larger than field limit (131072)")


def test_an_unknown_id_or_another_tenants_import_is_a_404(api):
    import_id = uploaded(api, cp932_csv())
    other = Api(f"tenant-{uuid.uuid4().hex[:10]}")

    assert_error(other.get(f"/v1/imports/{import_id}/preview"), 404)
    assert_error(api.get("/v1/imports/01HZZZZZZZZZZZZZZZZZZZZZZZ/preview"), 404)


def test_a_colleague_sees_the_preview_of_an_import_only_as_they_see_the_import(api):
    import_id = uploaded(api, cp932_csv())
    colleague = api.as_("user")

    assert_error(colleague.get(f"/v1/imports/{import_id}/preview"), 404)
    assert colleague.get(f"/v1/imports/{import_id}").status == 404


# --- suggested_mapping (pure) -------------------------------------------------------------------------

LIVE = {"industry": {"label": "業種", "type": "text"}, "rank": {"label": "顧客ランク", "type": "select"},
        "old": {"label": "旧区分", "type": "text", "archived": True}}


@pytest.mark.parametrize("column,target", [
    ("姓", "family_name"), ("名", "given_name"), ("氏", "family_name"),
    ("セイ", "family_name_kana"), ("姓(カナ)", "family_name_kana"), ("姓（カナ）", "family_name_kana"),
    ("フリガナ", "family_name_kana"), ("ふりがな", "family_name_kana"), ("ｾｲ", "family_name_kana"),
    ("メイ", "given_name_kana"), ("名（フリガナ）", "given_name_kana"),
    ("メールアドレス", "email"), ("Eメール", "email"), ("E-mail", "email"), ("Ｅ－ｍａｉｌ", "email"),
    ("Email Address", "email"), ("電話番号", "phone"), ("TEL", "phone"), ("ＴＥＬ", "phone"), ("Phone", "phone"),
    ("会社名", "company"), ("企業名", "company"), ("Company", "company"), ("部署", "department"),
    ("役職", "title"), ("Job Title", "title"), ("住所", "address"), ("URL", "website"), ("ホームページ", "website"),
    ("メモ", "memo"), ("備考", "memo"), ("タグ", "tags"), ("Tags", "tags"),
    (" メール アドレス ", "email"), ("　電話番号　", "phone"),
    ("Last Name", "family_name"), ("first_name", "given_name"),
    ("業種", "properties.industry"), ("industry", "properties.industry"), ("顧客 ランク", "properties.rank"),
    ("RANK", "properties.rank"),
])
def test_a_header_suggests_its_target(column, target):
    assert suggested_mapping([column], LIVE) == {column: target}


@pytest.mark.parametrize("column", ["備考欄", "氏名", "旧区分", "old", "", "作成日", "owner_id", "担当者"])
def test_a_header_without_a_writable_target_suggests_nothing(column):
    """Nothing fits, an archived property, or a field an import may not write (owner, read-only ones)."""
    assert suggested_mapping([column], LIVE) == {column: None}


def test_a_target_goes_to_the_first_column_naming_it_but_tags_to_each():
    assert suggested_mapping(["メールアドレス", "E-mail", "タグ", "Tags", "姓"], {}) == {
        "メールアドレス": "email", "E-mail": None, "タグ": "tags", "Tags": "tags", "姓": "family_name"}
