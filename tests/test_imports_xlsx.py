""".xlsx imports through the HTTP API and the worker: a workbook made as Excel makes one
(XlsxWriter: shared strings, date formats, formulas with their cached values, merged cells) with
Japanese headers; the first sheet only; duplicates updated or skipped; and each file that cannot
be read (a zip bomb, damaged, password-protected, .xls, no sheet) refused with its reason and
nothing imported."""

from __future__ import annotations

import datetime
import hashlib
import io
import zipfile
from typing import Any

import pytest
import xlsxwriter

from conftest import assert_error, create
from stack_support import imported, run_queued_jobs, uploaded

HEADER = ["姓", "名", "メールアドレス", "電話番号", "会社名", "タグ", "初回商談日", "従業員数", "重要", "住所"]
MAPPING = {"姓": "family_name", "名": "given_name", "メールアドレス": "email", "電話番号": "phone", "会社名": "company",
           "タグ": "tags", "初回商談日": "properties.first_met", "従業員数": "properties.employees",
           "重要": "properties.vip", "住所": "address"}


@pytest.fixture
def properties(api) -> None:
    for key, label, kind in (("first_met", "初回商談日", "date"), ("employees", "従業員数", "number"),
                             ("vip", "重要", "boolean")):
        assert api.post("/v1/properties", {"key": key, "label": label, "type": kind}).status == 201


def workbook(rows: list[list[Any]], *, second_sheet: bool = False) -> bytes:
    """An .xlsx of `rows` (the first is the header) as Excel stores it: dates as numbers with a
    date format, a phone number typed as a number and shown with its 0 by a 0000000000 format."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("顧客")
    date_format = book.add_format({"num_format": "yyyy/m/d"})
    phone_format = book.add_format({"num_format": "0000000000"})
    for row_index, row in enumerate(rows):
        for col, value in enumerate(row):
            if isinstance(value, datetime.datetime):
                sheet.write_datetime(row_index, col, value, date_format)
            elif isinstance(value, int) and not isinstance(value, bool) and HEADER[col] == "電話番号":
                sheet.write_number(row_index, col, value, phone_format)
            elif value is not None:
                sheet.write(row_index, col, value)
    if second_sheet:
        book.add_worksheet("別のリスト").write_row(0, 0, ["姓", "メールアドレス"])
    book.close()
    return out.getvalue()


ROWS = [
    HEADER,
    ["山田", "太郎", "taro@example.jp", 312345678, "株式会社サンプル", "展示会, VIP", datetime.datetime(2024, 4, 1),
     1200, True, "東京都千代田区\n丸の内1-1"],
    ["髙橋", "花子", "hanako@example.jp", "090-1111-2222", "テスト商事", "展示会", datetime.datetime(2023, 12, 31),
     35.0, False, None],
    [],
    ["佐藤", "次郎", "not-an-email", None, None, None, None, None, None, None],
    ["鈴木", "三郎", "suzuki@example.jp", None, None, None, "来週", None, None, None],
]


def contacts_by_email(api, *emails: str) -> dict[str, dict[str, Any]]:
    found = api.post("/v1/contacts/lookup", {"field": "email", "values": list(emails)}).body["found"]
    return {contact["email"]: contact for contact in found}


def every_contact(api) -> list[dict[str, Any]]:
    return api.post("/v1/contacts/search", {"limit": 200}).body["items"]


def test_a_japanese_workbook_is_imported_with_its_values_as_typed(api, properties):
    done = imported(api, workbook(ROWS), MAPPING)

    assert (done["encoding"], done["created"], done["updated"], done["skipped"], done["failed"]) == ("xlsx", 2, 0, 0, 2)
    # rows are the sheet's row numbers (row 4 is empty): what Excel shows beside each row
    assert {(error["row"], error["column"]) for error in done["errors"]} == {(5, "メールアドレス"), (6, "初回商談日")}
    people = contacts_by_email(api, "taro@example.jp", "hanako@example.jp")
    taro, hanako = people["taro@example.jp"], people["hanako@example.jp"]
    assert (taro["family_name"], taro["phone"], taro["company"], taro["tags"], taro["address"], taro["owner_id"]) == \
        ("山田", "0312345678", "株式会社サンプル", ["展示会", "VIP"], "東京都千代田区\n丸の内1-1", None)
    assert taro["properties"] == {"first_met": "2024-04-01", "employees": 1200, "vip": True}
    assert (hanako["phone"], hanako["properties"]) == ("090-1111-2222",
                                                       {"first_met": "2023-12-31", "employees": 35, "vip": False})
    assert {contact["family_name"] for contact in every_contact(api)} == {"山田", "髙橋"}


def test_only_the_first_sheet_is_imported(api):
    done = imported(api, workbook([["姓", "メールアドレス"], ["山田", "taro@example.jp"]], second_sheet=True),
                    {"姓": "family_name", "メールアドレス": "email"})
    assert done["created"] == 1
    assert [contact["family_name"] for contact in every_contact(api)] == ["山田"]


def test_formula_and_merged_cells_take_what_excel_shows(api):
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["会社名", "姓", "メールアドレス", "名"])
    sheet.merge_range("A2:A3", "株式会社サンプル")
    sheet.write_row(1, 1, ["山田", "taro@example.jp"])
    sheet.write_formula(1, 3, '="太"&"郎"', None, "太郎")  # Excel saves a formula with its value
    sheet.write_row(2, 1, ["鈴木", "suzuki@example.jp"])
    sheet.write_formula(2, 3, '="三"&"郎"')
    book.close()
    # as a program that never calculates saves a formula: no cached value (<v>) at all
    parts = parts_of(out.getvalue())
    formula = '<c r="D3"><f>"三"&amp;"郎"</f>'.encode()
    assert formula + b"<v>0</v>" in parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].replace(formula + b"<v>0</v>", formula)

    imported(api, zip_of(parts), {"会社名": "company", "姓": "family_name",
                                  "メールアドレス": "email", "名": "given_name"})

    people = contacts_by_email(api, "taro@example.jp", "suzuki@example.jp")
    assert (people["taro@example.jp"]["company"],
            people["taro@example.jp"]["given_name"]) == ("株式会社サンプル", "太郎")
    # the merged range's value is in its first cell; the uncalculated formula is an empty cell
    assert (people["suzuki@example.jp"].get("company"), people["suzuki@example.jp"].get("given_name")) == (None, None)


def test_known_emails_are_updated_or_skipped(api, properties):
    existing = create(api, family_name="山田", email="TARO@example.jp", tags=["既存"], memo="メモ")

    updated = imported(api, workbook(ROWS), MAPPING)
    assert (updated["created"], updated["updated"]) == (1, 1)
    taro = api.get(f"/v1/contacts/{existing['id']}").body
    assert (taro["tags"], taro["company"], taro["memo"], taro["phone"]) == (
        ["既存", "展示会", "VIP"], "株式会社サンプル", "メモ", "0312345678")

    again = imported(api, workbook(ROWS), MAPPING, on_duplicate="skip")
    assert (again["created"], again["updated"], again["skipped"]) == (0, 0, 2)


def test_the_import_reports_the_workbook_while_it_is_queued(api):
    import_id = uploaded(api, workbook(ROWS))
    started = api.post(f"/v1/imports/{import_id}/start", {"mapping": {"姓": "family_name"}})

    assert started.status == 202
    assert (started.body["status"], started.body["encoding"], started.body["mapping"]) == (
        "queued", "xlsx", {"姓": "family_name"})
    assert api.get(f"/v1/imports/{import_id}").body["encoding"] == "xlsx"
    run_queued_jobs()
    assert api.get(f"/v1/imports/{import_id}").body["status"] == "succeeded"


def test_an_unknown_column_of_a_workbook_is_a_422_naming_its_columns(api):
    import_id = uploaded(api, workbook(ROWS))
    reply = api.post(f"/v1/imports/{import_id}/start", {"mapping": {"氏名": "family_name"}})
    assert_error(reply, 422, "mapping.氏名")
    assert "姓, 名, メールアドレス, 電話番号" in reply.body["error"]["details"][0]["message"]


# --- files that cannot be read ---------------------------------------------------------------------

def parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zip_of(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, part in parts.items():
            archive.writestr(name, part)
    return out.getvalue()


def zip_bomb() -> bytes:
    """A workbook of about 1 MB whose sheet unpacks to 1.1 GB (blanks XML allows)."""
    parts = parts_of(workbook([["姓"], ["山田"]]))
    sheet = parts["xl/worksheets/sheet1.xml"]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, part in parts.items():
            if name != "xl/worksheets/sheet1.xml":
                archive.writestr(name, part)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            member.write(sheet[:-len(b"</worksheet>")])
            blanks = b" " * 2**20
            for _ in range(1100):
                member.write(blanks)
            member.write(b"</worksheet>")
    return out.getvalue()


def without_sheets(data: bytes) -> bytes:
    parts = parts_of(data)
    book = parts["xl/workbook.xml"]
    parts["xl/workbook.xml"] = book[:book.index(b"<sheets>")] + b"<sheets/>" + book[book.index(b"</sheets>") + 9:]
    return zip_of(parts)


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)  # a compound file's header; its directory follows


@pytest.mark.parametrize("make, reason", [
    (zip_bomb, "unpacks to 1,100 MB; an import reads at most 1,024 MB"),
    (lambda: workbook(ROWS)[:5000], "cannot be read (not a complete zip archive"),
    (lambda: zip_of({"顧客.csv": "姓\r\n山田\r\n".encode()}), "a zip archive, not an Excel workbook (.xlsx)"),
    (lambda: OLE + "Workbook".encode("utf-16-le") + bytes(100),
     "an Excel 97-2003 .xls file (or a password-protected workbook): "
     "open it in Excel and save it as an Excel Workbook"),
    (lambda: OLE + "EncryptionInfo".encode("utf-16-le") + "EncryptedPackage".encode("utf-16-le") + bytes(100),
     "this workbook is password-protected"),
    (lambda: without_sheets(workbook(ROWS)), "the workbook has no worksheet"),
    (lambda: workbook([]), "the first sheet of the workbook is empty"),
], ids=["zip-bomb", "damaged", "zip-of-csv", "xls", "password", "no-sheet", "empty-sheet"])
def test_a_workbook_that_cannot_be_read_is_a_422_saying_why_and_imports_nothing(api, make, reason):
    import_id = uploaded(api, make())
    reply = api.post(f"/v1/imports/{import_id}/start", {"mapping": {"姓": "family_name"}})

    assert_error(reply, 422, "file")
    assert reason in reply.body["error"]["message"], reply.body
    assert api.get(f"/v1/imports/{import_id}").body["status"] == "created"
    assert every_contact(api) == []


def test_a_sheet_damaged_past_its_header_fails_the_import_there_and_keeps_the_rows_before(api):
    parts = parts_of(workbook([["姓", "メールアドレス"], ["山田", "taro@example.jp"], ["鈴木", "suzuki@example.jp"]]))
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet[:sheet.index(b'<row r="3"')] + b'<row r="3"><c r="A3" t="'
    import_id = uploaded(api, zip_of(parts))
    assert api.post(f"/v1/imports/{import_id}/start",
                    {"mapping": {"姓": "family_name", "メールアドレス": "email"}}).status == 202

    assert run_queued_jobs(api.tenant) == 1  # no redelivery

    done = api.get(f"/v1/imports/{import_id}").body
    assert (done["status"], done["created"]) == ("failed", 1), done
    assert "at row 3: the sheet is damaged" in done["error"]
    assert [contact["family_name"] for contact in every_contact(api)] == ["山田"]


def test_a_workbook_is_read_in_ranges_and_a_range_cut_short_is_fetched_again(api, monkeypatch):
    """The worker reads the zip by ranges (its end first): with 4 KB ranges this workbook takes
    dozens; two of them are cut short (S3 drops a slow reader's connection) and fetched again,
    and every row is imported once."""
    from botocore.exceptions import IncompleteReadError
    from botocore.response import StreamingBody

    from shared import files

    rows = [["姓", "名", "メールアドレス", "備考"]] + [
        [f"山田{number}", "太郎", f"range{number}@example.jp", hashlib.sha512(str(number).encode()).hexdigest()]
        for number in range(600)]
    data = workbook(rows)
    monkeypatch.setattr(files.RangedFile, "BLOCK", 4096)
    assert len(data) > 10 * 4096
    read = StreamingBody.read
    cuts = {"left": 2, "reads": 0}

    def cut_short(self, amt=None):
        chunk = read(self, amt)
        cuts["reads"] += 1
        if cuts["left"] and cuts["reads"] % 7 == 0:
            cuts["left"] -= 1
            raise IncompleteReadError(actual_bytes=len(chunk), expected_bytes=len(chunk) + 1)
        return chunk

    import_id = uploaded(api, data)
    assert api.post(f"/v1/imports/{import_id}/start",
                    {"mapping": {"姓": "family_name", "名": "given_name", "メールアドレス": "email"}}).status == 202
    monkeypatch.setattr(StreamingBody, "read", cut_short)  # the worker's reads

    assert run_queued_jobs(api.tenant) == 1

    done = api.get(f"/v1/imports/{import_id}").body
    assert cuts["left"] == 0 and cuts["reads"] > 10
    assert done["status"] == "succeeded", done
    assert (done["created"], done["failed"], done["progress"]) == (600, 0, 1.0)
    assert len(contacts_by_email(api, *(f"range{number}@example.jp" for number in range(600)))) == 600
