"""shared.tabular_files (and shared.domain.tabular, its rules): CSV / xlsx / encrypted zip exports, and
sniffing / streaming CSV imports.

Real libraries throughout (csv, XlsxWriter, pyzipper; openpyxl reads xlsx back); every writer
is driven through a write-only stream like the S3 multipart-upload writer.
"""

from __future__ import annotations

import codecs
import datetime
import io
import os
import tracemalloc
import zipfile
from decimal import Decimal

import pytest
import pyzipper

from shared.domain.tabular import ENCODINGS, EXTRA, XLSX, NotTabular, check_password
from shared.tabular_files import (
    XLSX_MAX_ROWS,
    Sniffed,
    column_widths,
    csv_writer,
    display_width,
    encrypted_zip,
    is_workbook,
    neutralize,
    read_rows,
    sniff,
    sniff_xlsx,
    xlsx_cell_text,
    xlsx_writer,
)


def openpyxl():
    """openpyxl reads xlsx back (a dev-only dependency): the tests that need it skip without it."""
    return pytest.importorskip("openpyxl")


class WriteOnly:
    """Like the S3 multipart writer: write() only; seek/tell refuse, write returns None."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data) -> None:
        self.chunks.append(bytes(data))

    def seek(self, *args):
        raise io.UnsupportedOperation("seek")

    def tell(self):
        raise io.UnsupportedOperation("tell")

    def seekable(self) -> bool:
        return False

    @property
    def data(self) -> bytes:
        return b"".join(self.chunks)


class ReadOnly:
    """Like an S3 StreamingBody: read(n) only."""

    def __init__(self, data: bytes) -> None:
        self._stream = io.BytesIO(data)
        self.closed_by_us = False

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(size)

    def close(self) -> None:
        self.closed_by_us = True


def write_csv(rows, encoding="utf-8"):
    out = WriteOnly()
    writer = csv_writer(out, encoding)
    for row in rows:
        writer.write_row(row)
    writer.close()
    return out.data, writer


# --- CSV writing ---------------------------------------------------------------------------


def test_utf8_bom_starts_with_bom_and_uses_crlf():
    data, writer = write_csv([["姓", "名"], ["山田", "太郎"]], "utf-8-bom")
    assert data.startswith(codecs.BOM_UTF8)
    assert data == codecs.BOM_UTF8 + "姓,名\r\n山田,太郎\r\n".encode()
    assert writer.replaced == 0


def test_utf8_has_no_bom():
    data, _ = write_csv([["姓", "名"], ["山田", "太郎"]], "utf-8")
    assert not data.startswith(codecs.BOM_UTF8)
    assert data.decode("utf-8") == "姓,名\r\n山田,太郎\r\n"


def test_bom_is_written_even_without_rows():
    data, _ = write_csv([], "utf-8-bom")
    assert data == codecs.BOM_UTF8


def test_cp932_round_trips_japanese_including_nec_and_ibm_extensions():
    text = "①㈱髙～ｱｲｳ　全角スペース"
    data, writer = write_csv([["会社", "メモ"], ["㈱髙橋商事", text]], "cp932")
    assert data.decode("cp932") == f"会社,メモ\r\n㈱髙橋商事,{text}\r\n"
    assert writer.replaced == 0


def test_cp932_translates_look_alikes_without_counting_them():
    data, writer = write_csv([["9時〜17時", "−5℃", "‖", "¢£¬", "A—B", "¥1,000", "a\u00a0b", "1–2"]], "cp932")
    assert data.decode("cp932") == '9時～17時,－5℃,∥,￠￡￢,A―B,"￥1,000",a b,1‐2\r\n'
    assert writer.replaced == 0


def test_cp932_replaces_unencodable_characters_and_counts_them():
    data, writer = write_csv([["😀 𠮷野家", "한국", "really?"]], "cp932")
    assert data.decode("cp932") == "? ?野家,??,really?\r\n"
    assert writer.replaced == 4  # one per character; the genuine "?" is not counted


def test_replaced_is_zero_for_utf8_even_with_emoji():
    data, writer = write_csv([["😀𠮷한"]], "utf-8-bom")
    assert data.decode("utf-8-sig") == "😀𠮷한\r\n"
    assert writer.replaced == 0


def test_quoting_of_commas_quotes_and_newlines():
    data, _ = write_csv([["a,b", 'say "hi"', "東京都\n千代田区", "plain", ""]])
    assert data.decode() == '"a,b","say ""hi""","東京都\n千代田区",plain,\r\n'


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_csv_round_trips_through_read_rows(encoding):
    rows = [["姓", "住所", "メモ"], ["髙橋", "東京都\n千代田区", 'a,"b"']]
    data, _ = write_csv(rows, encoding)
    sniffed = sniff(data)
    assert sniffed.header == ["姓", "住所", "メモ"]
    expected = {"姓": "髙橋", "住所": "東京都\n千代田区", "メモ": 'a,"b"'}
    assert list(read_rows(io.BytesIO(data), sniffed)) == [(2, expected)]


def test_unknown_encoding_is_refused():
    with pytest.raises(ValueError, match="unknown encoding"):
        csv_writer(WriteOnly(), "shift_jis")


def test_value_types_in_csv():
    data, _ = write_csv([[None, True, False, 42, 1.5, Decimal("1E+2"), Decimal("0.10"), float("nan"), -7]])
    assert data.decode() == ",true,false,42,1.5,100,0.10,,-7\r\n"


def test_unsupported_value_type_is_refused():
    with pytest.raises(TypeError):
        csv_writer(WriteOnly(), "utf-8").write_row([object()])


def test_csv_streams_in_bounded_chunks_before_close():
    out = WriteOnly()
    writer = csv_writer(out, "utf-8")
    row = ["山田太郎", "yamada@example.jp", "東京都千代田区丸の内1-1-1"]
    for _ in range(20_000):
        writer.write_row(row)
    assert len(out.chunks) > 10  # written while rows come in, not all at close
    assert max(len(chunk) for chunk in out.chunks) < 64 * 1024 * 3 + 1024
    writer.close()
    assert out.data.count(b"\r\n") == 20_000


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-1+1", "'-1+1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("-", "'-"),
        ("-5", "-5"),
        ("+81312345678", "+81312345678"),
        ("-3.25", "-3.25"),
        ("-１２", "'-１２"),  # full-width digits are not a plain number
        ("山田=太郎", "山田=太郎"),
        ("", ""),
        ("03-1234-5678", "03-1234-5678"),
    ],
)
def test_neutralize(value, expected):
    assert neutralize(value) == expected


def test_csv_writer_neutralizes_text_cells_only():
    data, _ = write_csv([["=SUM(A1)", "-5", "+81312345678", "@x", -5]])
    assert data.decode() == "'=SUM(A1),-5,+81312345678,'@x,-5\r\n"


def test_csv_writer_context_manager_drops_buffer_on_error():
    out = WriteOnly()
    with pytest.raises(RuntimeError):
        with csv_writer(out, "utf-8-bom") as writer:
            writer.write_row(["a"])
            raise RuntimeError("boom")
    assert out.data == b""


# --- xlsx writing --------------------------------------------------------------------------


def write_xlsx(rows, tmp_path, **kwargs):
    out = WriteOnly()
    writer = xlsx_writer(out, tmp_dir=str(tmp_path), **kwargs)
    for row in rows:
        writer.write_row(row)
    writer.close()
    return out.data, writer


def test_xlsx_round_trip_through_openpyxl(tmp_path):
    rows = [
        ["名前", "電話", "年齢", "有効", "メモ", "ID"],
        ["山田 太郎", "+81312345678", 42, True, "=SUM(A1)", 12345678901234567],
        ["髙橋①", "-5", 1.5, False, None, Decimal("3")],
    ]
    data, writer = write_xlsx(rows, tmp_path)
    assert data.startswith(b"PK\x03\x04")
    book = openpyxl().load_workbook(io.BytesIO(data))
    sheet = book["contacts"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values == [
        ["名前", "電話", "年齢", "有効", "メモ", "ID"],
        ["山田 太郎", "+81312345678", 42, True, "=SUM(A1)", "12345678901234567"],
        ["髙橋①", "-5", 1.5, False, None, 3],
    ]
    formula_cell = sheet.cell(row=2, column=5)
    assert formula_cell.data_type == "s"  # a string cell, never a formula, and not neutralized
    assert writer.replaced == 0 and writer.truncated == 0
    assert os.listdir(tmp_path) == []  # temporary files removed


def test_xlsx_custom_sheet_name_and_invalid_one(tmp_path):
    data, _ = write_xlsx([["a"]], tmp_path, sheet_name="連絡先")
    assert openpyxl().load_workbook(io.BytesIO(data)).sheetnames == ["連絡先"]
    with pytest.raises(ValueError, match="invalid sheet name"):
        xlsx_writer(WriteOnly(), sheet_name="a/b", tmp_dir=str(tmp_path))
    assert os.listdir(tmp_path) == []


def test_xlsx_row_limit(tmp_path):
    out = WriteOnly()
    writer = xlsx_writer(out, tmp_dir=str(tmp_path))
    writer.write_row(["header"])
    writer._row = XLSX_MAX_ROWS - 1  # jump ahead instead of writing a million rows (rows may be sparse)
    writer.write_row(["last row Excel can hold"])
    with pytest.raises(ValueError, match="1,048,576 rows"):
        writer.write_row(["one too many"])
    writer.close()
    with zipfile.ZipFile(io.BytesIO(out.data)) as book:
        sheet_xml = book.read("xl/worksheets/sheet1.xml").decode()
    assert 'r="A1048576"' in sheet_xml and "last row Excel can hold" in sheet_xml
    assert "one too many" not in sheet_xml


def test_xlsx_error_removes_temporary_files_and_writes_nothing(tmp_path):
    out = WriteOnly()
    with pytest.raises(RuntimeError):
        with xlsx_writer(out, tmp_dir=str(tmp_path)) as writer:
            writer.write_row(["a"])
            raise RuntimeError("boom")
    assert out.data == b""
    assert os.listdir(tmp_path) == []


def test_xlsx_counts_truncated_cells(tmp_path):
    data, writer = write_xlsx([["x" * 40_000]], tmp_path)
    assert writer.truncated == 1
    assert len(openpyxl().load_workbook(io.BytesIO(data)).active["A1"].value) == 32_767


# --- encrypted zip -------------------------------------------------------------------------


def read_member(data: bytes, password: bytes) -> tuple[str, bytes]:
    with pyzipper.AESZipFile(io.BytesIO(data)) as archive:
        (info,) = archive.infolist()
        archive.setpassword(password)
        return info.filename, archive.read(info.filename)


def test_encrypted_zip_through_write_only_stream():
    out = WriteOnly()
    with encrypted_zip(out, "連絡先.csv", "s3cret-Pass") as member:
        writer = csv_writer(member, "utf-8-bom")
        writer.write_row(["姓", "名"])
        writer.write_row(["山田", "太郎"])
        writer.close()
    data = out.data
    name, content = read_member(data, b"s3cret-Pass")
    assert name == "連絡先.csv"
    assert content == codecs.BOM_UTF8 + "姓,名\r\n山田,太郎\r\n".encode()
    with pyzipper.AESZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("連絡先.csv")
        assert info.wz_aes_strength == 3  # AES-256
        assert info.compress_type == zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(io.BytesIO(data)) as plain:  # the stdlib reads the structure but cannot decrypt
        assert plain.namelist() == ["連絡先.csv"]
        with pytest.raises(NotImplementedError):
            plain.read("連絡先.csv", pwd=b"s3cret-Pass")
    assert b"\xe5\xb1\xb1\xe7\x94\xb0" not in data  # 山田 is not in the clear


def test_encrypted_zip_refuses_wrong_password():
    out = WriteOnly()
    with encrypted_zip(out, "contacts.csv", "abc123") as member:
        member.write(b"secret,data\r\n")
    with pytest.raises(RuntimeError, match="Bad password"):
        read_member(out.data, b"abc124")


def test_encrypted_zip_around_xlsx(tmp_path):
    out = WriteOnly()
    with encrypted_zip(out, "contacts.xlsx", "Passw0rd") as member:
        writer = xlsx_writer(member, tmp_dir=str(tmp_path))
        writer.write_row(["名前"])
        writer.write_row(["山田"])
        writer.close()
    _, content = read_member(out.data, b"Passw0rd")
    assert [[c.value for c in r] for r in openpyxl().load_workbook(io.BytesIO(content)).active.iter_rows()] == [
        ["名前"],
        ["山田"],
    ]


def test_encrypted_zip_rejects_weak_password():
    out = WriteOnly()
    with pytest.raises(ValueError, match="at least 6"):
        with encrypted_zip(out, "contacts.csv", "abc"):
            pass
    assert out.data == b""


def test_encrypted_zip_error_stops_writing():
    out = WriteOnly()
    with pytest.raises(RuntimeError):
        with encrypted_zip(out, "contacts.csv", "abc123") as member:
            member.write(b"partial\r\n")
            written = len(out.data)
            raise RuntimeError("boom")
    assert len(out.data) == written  # no central directory appended after the failure


@pytest.mark.parametrize(
    ("password", "ok"),
    [
        ("abc123", True),
        ("P@ssw0rd!", True),
        ("a1" * 64, True),
        ("a1" * 64 + "x", False),
        ("abc12", False),
        ("abcdef", False),
        ("123456", False),
        ("abc 123", False),
        ("ａｂｃ１２３", False),
        ("パスワード123", False),
        ("", False),
        (None, False),
        (123456, False),
    ],
)
def test_check_password(password, ok):
    result = check_password(password)
    assert (result is None) is ok
    if not ok:
        assert isinstance(result, str) and result


def test_check_password_message():
    assert check_password("ab1") == "must be at least 6 characters with letters and digits"


# --- sniffing ------------------------------------------------------------------------------


def test_sniff_utf8_with_bom():
    sniffed = sniff(codecs.BOM_UTF8 + "姓,名,メール\r\n山田,太郎,a@example.jp\r\n".encode())
    assert sniffed == Sniffed(encoding="utf-8-sig", delimiter=",", header=["姓", "名", "メール"])


def test_sniff_utf8_without_bom_strips_names():
    sniffed = sniff(b" name , email \nA,a@example.com\n")
    assert sniffed == Sniffed(encoding="utf-8", delimiter=",", header=["name", "email"])


def test_sniff_cp932():
    head = "会社名,担当者\r\n㈱髙橋商事①,髙橋\r\n".encode("cp932")
    with pytest.raises(UnicodeDecodeError):
        head.decode("utf-8")
    sniffed = sniff(head)
    assert sniffed == Sniffed(encoding="cp932", delimiter=",", header=["会社名", "担当者"])
    assert list(read_rows(io.BytesIO(head), sniffed)) == [(2, {"会社名": "㈱髙橋商事①", "担当者": "髙橋"})]


def test_sniff_utf16_tab_separated_as_excel_writes_it():
    data = "姓\t名\r\n山田\t太郎\r\n".encode("utf-16")
    assert data.startswith(codecs.BOM_UTF16_LE)
    sniffed = sniff(data)
    assert sniffed == Sniffed(encoding="utf-16", delimiter="\t", header=["姓", "名"])
    assert list(read_rows(io.BytesIO(data), sniffed)) == [(2, {"姓": "山田", "名": "太郎"})]


def test_sniff_utf16_head_cut_at_odd_byte():
    data = "姓\t名\r\n山田\t太郎\r\n".encode("utf-16")
    assert sniff(data[:-1]).header == ["姓", "名"]


@pytest.mark.parametrize("cut", [1, 2])
def test_sniff_head_cut_inside_a_multibyte_character(cut):
    data = "名前,住所\r\n山田,東京都\r\n".encode()
    head = data[:-2 - cut]  # ends inside the three bytes of 都
    assert sniff(head) == Sniffed(encoding="utf-8", delimiter=",", header=["名前", "住所"])


def test_sniff_cp932_head_cut_after_lead_byte():
    data = "名前,住所\r\n山田,東京都\r\n".encode("cp932")
    assert sniff(data[:-3]).encoding == "cp932"


def test_an_xlsx_head_is_a_workbook(tmp_path):
    data, _ = write_xlsx([["a"]], tmp_path)
    assert is_workbook(data[:65536]) and not is_workbook(b"a,b\r\n")


@pytest.mark.parametrize(
    ("head", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3", "PDF"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", r"Excel 97-2003 \.xls file .*save it as an Excel Workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptedPackage".encode("utf-16-le"),
         "password-protected: remove its password in Excel"),
        (b"name,email\x00\x00\x00\x01\x02", "NUL"),
        (bytes(range(1, 32)) * 10, "control characters"),
        (b"caf\xe9,cr\xe8me\n", "neither UTF-8 nor Shift_JIS"),
    ],
)
def test_sniff_refuses_binary_and_undecodable(head, reason):
    with pytest.raises(NotTabular, match=reason):
        sniff(head)


@pytest.mark.parametrize("head", [b"", b"   \r\n\t\n", "\u3000\r\n".encode(), codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\n"])
def test_sniff_empty(head):
    with pytest.raises(NotTabular, match="the file is empty"):
        sniff(head)


def test_sniff_duplicate_header():
    with pytest.raises(NotTabular, match='"メール" appears more than once'):
        sniff("名前,メール, メール \r\n".encode())


def test_sniff_empty_header_cells():
    with pytest.raises(NotTabular, match="the file has no header row"):
        sniff(b",,,\r\n , ,\r\n")
    assert sniff(b",,,\r\na,b\r\n").header == ["a", "b"]  # an all-empty first record counts as a blank line
    with pytest.raises(NotTabular, match="column 2 of the header row has no name"):
        sniff(b"a,,c\r\n")
    assert sniff(b"a,b,,\r\n1,2,,\r\n").header == ["a", "b"]  # Excel's trailing empty columns


def test_sniff_reserved_name():
    with pytest.raises(NotTabular, match="reserved"):
        sniff(b"a,__extra__\r\n")


def test_sniff_delimiter_choices():
    assert sniff(b"a\tb\tc\n1\t2\t3\n").delimiter == "\t"
    assert sniff(b'"x,y"\tb\n').delimiter == "\t"  # the comma is inside quotes
    assert sniff(b"a\tb\tc,d\n").delimiter == "\t"  # more tabs than commas
    assert sniff(b"a,b\tc\n").delimiter == ","
    assert sniff(b"only\n").delimiter == ","


def test_sniff_header_with_quoted_newline_and_leading_blank_lines():
    sniffed = sniff(b'\r\n\r\n"first\nname",email\r\n')
    assert sniffed.header == ["first\nname", "email"]


def test_sniff_refuses_long_unterminated_header():
    with pytest.raises(NotTabular, match="no complete header row"):
        sniff(b"x" * 65536)


# --- reading rows --------------------------------------------------------------------------


def rows_of(text: str, encoding: str = "utf-8") -> list[tuple[int, dict]]:
    data = text.encode(encoding)
    return list(read_rows(ReadOnly(data), sniff(data[:65536])))


def test_read_rows_quoted_newlines_and_row_numbers():
    text = '名前,住所\r\n山田,"東京都\n千代田区"\r\n鈴木,"大阪府\r\n大阪市\r\n北区"\r\n佐藤,札幌\r\n'
    assert rows_of(text) == [
        (2, {"名前": "山田", "住所": "東京都\n千代田区"}),
        (4, {"名前": "鈴木", "住所": "大阪府\r\n大阪市\r\n北区"}),
        (7, {"名前": "佐藤", "住所": "札幌"}),
    ]


def test_read_rows_short_rows_extra_cells_and_blank_lines():
    text = "姓,名,メール\n\n山田\n鈴木,一郎,s@example.jp,extra,,\n  ,　, \n,,\n佐藤, 花子 ,　h@example.jp　,,\n\n"
    assert rows_of(text) == [
        (3, {"姓": "山田", "名": "", "メール": ""}),
        (4, {"姓": "鈴木", "名": "一郎", "メール": "s@example.jp", EXTRA: ["extra"]}),
        (7, {"姓": "佐藤", "名": "花子", "メール": "h@example.jp"}),
    ]


def test_read_rows_extra_keeps_positions():
    assert rows_of("a\n1,,x\n") == [(2, {"a": "1", EXTRA: ["", "x"]})]


def test_read_rows_skips_leading_blank_lines_before_header():
    assert rows_of("\r\n\r\nname\r\nA\r\n") == [(4, {"name": "A"})]


def test_read_rows_header_only():
    assert rows_of("name,email\r\n") == []
    assert rows_of("name,email") == []


def test_read_rows_old_mac_line_ends():
    assert rows_of("a,b\r1,2\r3,4\r") == [(2, {"a": "1", "b": "2"}), (3, {"a": "3", "b": "4"})]


def test_read_rows_does_not_close_the_stream():
    stream = ReadOnly(b"a\n1\n")
    rows = read_rows(stream, sniff(b"a\n1\n"))
    assert next(rows) == (2, {"a": "1"})
    rows.close()
    assert not stream.closed_by_us


def test_read_rows_reports_encoding_change_half_way():
    data = ("name\n" + "yamada\n" * 20_000).encode() + "髙橋\n".encode("cp932")
    sniffed = sniff(data[:65536])
    assert sniffed.encoding == "utf-8"
    with pytest.raises(NotTabular, match="not valid UTF-8"):
        list(read_rows(io.BytesIO(data), sniffed))


@pytest.mark.parametrize("bad,reason", [(b"\xff\xfe,x\n", "not valid UTF-8"),
                                        ("髙橋,x\n".encode("cp932"), "not valid UTF-8"),
                                        (b'"' + b"x" * 200_000 + b'",x\n', "field larger than field limit")])
def test_read_rows_yields_every_record_before_an_unreadable_one_and_names_its_line(bad, reason):
    data = ("name,note\n" + "yamada,ok\n" * 20_000).encode() + bad + b"after,x\n"
    rows = read_rows(io.BytesIO(data), sniff(data[:65536]))
    read = [next(rows) for _ in range(20_000)]
    assert read[-1] == (20_001, {"name": "yamada", "note": "ok"})
    with pytest.raises(NotTabular, match=f"at line 20002: .*{reason}"):
        next(rows)


ADDRESS = "東京都千代田区\n丸の内1-1-1"


def test_read_rows_streams_100k_rows_in_flat_memory(tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "wb") as raw:
        writer = csv_writer(raw, "cp932")
        writer.write_row(["姓", "名", "メール", "住所"])
        for index in range(100_000):
            writer.write_row(["髙橋", f"太郎{index}", f"user{index}@example.jp", ADDRESS])
        writer.close()
    assert path.stat().st_size > 5_000_000
    with open(path, "rb") as raw:
        sniffed = sniff(raw.read(65536))
    tracemalloc.start()
    try:
        count = 0
        last = None
        with open(path, "rb") as raw:
            for last in read_rows(raw, sniffed):  # noqa: B007 - the last row is checked after the loop
                count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 100_000
    expected = {"姓": "髙橋", "名": "太郎99999", "メール": "user99999@example.jp", "住所": ADDRESS}
    assert last == (200_000, expected)  # each record spans two lines
    assert peak < 10 * 1024 * 1024


# --- xlsx column widths ---------------------------------------------------------------------------

@pytest.mark.parametrize("text, width", [
    ("abc", 3), ("山田", 4), ("ｶﾀｶﾅ", 4), ("ＡＢ", 4), ("①子", 3), ("Webサイト", 9),
    ("一行目\nsecond line", 11), ("", 0), ("a\n", 1),
])
def test_display_width_counts_east_asian_wide_characters_twice_and_the_longest_line(text, width):
    assert display_width(text) == width  # half-width katakana and ① (ambiguous) count once


def test_column_widths_fit_the_widest_cell_of_the_header_and_the_sample():
    rows = [["姓", "email", "score", "opted_out", "memo"],
            ["山田山田", "taro@example.jp", 12345, True, None],
            ["髙橋", None, 7.5, False, "x" * 500]]
    # the header gets room for the filter's button (2); every column 2 of padding
    assert column_widths(rows) == [10.0, 17.0, 9.0, 13.0, 60.0]
    assert column_widths(rows, maximum=12) == [10.0, 12.0, 9.0, 12.0, 12.0]
    assert column_widths([["a", "b"]]) == [5.0, 5.0]  # no rows: the header alone
    assert column_widths([["a"], ["x", "past the header"]]) == [5.0]  # only the header's columns


# --- xlsx reading ------------------------------------------------------------------------------------

def xlsx_of(rows, formats=None):
    """An .xlsx made by openpyxl (Excel's own way of storing values): `rows` on its first sheet,
    `formats` {"D2": "0000000000"} as number formats."""
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    for cell, number_format in (formats or {}).items():
        workbook.active[cell].number_format = number_format
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_rows_of(data):
    sniffed = sniff_xlsx(io.BytesIO(data))
    return sniffed, list(read_rows(io.BytesIO(data), sniffed))


@pytest.mark.parametrize(("value", "number_format", "text"), [
    (None, None, ""),
    ("", "General", ""),
    (True, "General", "true"),
    (False, "General", "false"),
    (42, "General", "42"),
    (42.0, "General", "42"),
    (-3.0, "General", "-3"),
    (0.1, "General", "0.1"),
    (1234.5, "#,##0.0", "1234.5"),
    (1e16, "General", "10000000000000000"),
    (1.5e-05, "General", "0.000015"),
    (float("nan"), "General", ""),
    (312345678, "General", "312345678"),  # a phone typed as a number: Excel dropped the 0 already
    (312345678, "0000000000", "0312345678"),  # shown with its 0 by a zeros-only format: kept as shown
    (9012345678.0, "00000000000", "09012345678"),
    (601234, "0000000", "0601234"),
    (-5, "000", "-5"),
    (datetime.datetime(2024, 4, 1), "yyyy/m/d", "2024-04-01"),
    (datetime.datetime(2024, 4, 1, 9, 30), "yyyy/m/d h:mm", "2024-04-01T09:30:00"),
    (datetime.datetime(2024, 4, 1, 9, 29, 59, 999_600), "yyyy/m/d h:mm", "2024-04-01T09:30:00"),
    (datetime.datetime(2024, 3, 31, 23, 59, 59, 600_000), "yyyy/m/d", "2024-04-01"),
    (datetime.date(2024, 4, 1), "yyyy/m/d", "2024-04-01"),
    (datetime.time(9, 30, 0, 1000), "h:mm", "09:30:00"),
    (datetime.timedelta(hours=26, minutes=5), "[h]:mm", "26:05:00"),
    ("東京都千代田区\n丸の内1-1", "General", "東京都千代田区\n丸の内1-1"),
    ("03-1234-5678", "@", "03-1234-5678"),
    ("#N/A", "General", "#N/A"),  # a formula's cached error value, as Excel's CSV holds it
])
def test_xlsx_cell_text(value, number_format, text):
    assert xlsx_cell_text(value, number_format) == text


def test_read_rows_of_an_xlsx_as_a_csv_of_it_would_give_them():
    data = xlsx_of([
        ["姓", "名", "メールアドレス", "電話番号", "生年月日", "点数", "タグ"],
        ["山田", "太郎", "taro@example.jp", 312345678, datetime.datetime(1980, 4, 1), 42.0, "VIP"],
        [],
        ["  髙橋 ", "花子\n(はな)", None, "090-1111-2222", datetime.datetime(1990, 12, 31, 18, 0), 3.25, True],
        [None, None, None, None, None, None, None],
        ["佐藤", None, None, None, None, None, None, None, "余分"],
    ], formats={"D2": "0000000000"})

    sniffed, rows = xlsx_rows_of(data)

    assert (sniffed.encoding, sniffed.header) == (XLSX, ["姓", "名", "メールアドレス", "電話番号", "生年月日", "点数",
                                                         "タグ"])
    assert rows == [
        (2, {"姓": "山田", "名": "太郎", "メールアドレス": "taro@example.jp", "電話番号": "0312345678",
             "生年月日": "1980-04-01", "点数": "42", "タグ": "VIP"}),
        (4, {"姓": "髙橋", "名": "花子\n(はな)", "メールアドレス": "", "電話番号": "090-1111-2222",
             "生年月日": "1990-12-31T18:00:00", "点数": "3.25", "タグ": "true"}),
        (6, {"姓": "佐藤", "名": "", "メールアドレス": "", "電話番号": "", "生年月日": "", "点数": "", "タグ": "",
             EXTRA: ["", "余分"]}),
    ]


def test_xlsx_formula_cells_give_their_cached_value_or_nothing():
    """openpyxl saves formulas without a cached value (as a program that never calculates does);
    Excel saves both: the cached value is what the cell shows."""
    data = xlsx_of([["姓", "合計"], ["山田", "=1+1"]])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    assert b"<f>1+1</f><v />" in parts[sheet]
    cached = zip_of({**parts, sheet: parts[sheet].replace(b"<f>1+1</f><v />", b"<f>1+1</f><v>2</v>")})

    assert xlsx_rows_of(data)[1] == [(2, {"姓": "山田", "合計": ""})]
    assert xlsx_rows_of(cached)[1] == [(2, {"姓": "山田", "合計": "2"})]


def test_xlsx_merged_cells_hold_their_value_in_the_first_cell_only():
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["会社名", "姓"])
    sheet.append(["株式会社サンプル", "山田"])
    sheet.append([None, "鈴木"])
    sheet.merge_cells("A2:A3")
    out = io.BytesIO()
    workbook.save(out)

    assert [row["会社名"] for _, row in xlsx_rows_of(out.getvalue())[1]] == ["株式会社サンプル", ""]


def test_xlsx_header_is_the_first_non_blank_row_and_checked_as_a_csv_header():
    assert sniff_xlsx(io.BytesIO(xlsx_of([[], [None, None], ["姓", 2024, None]]))).header == ["姓", "2024"]
    with pytest.raises(NotTabular, match="appears more than once"):
        sniff_xlsx(io.BytesIO(xlsx_of([["姓", "姓"]])))
    with pytest.raises(NotTabular, match="the first sheet of the workbook is empty"):
        sniff_xlsx(io.BytesIO(xlsx_of([])))


def test_only_the_first_sheet_is_read():
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["姓"])
    workbook.active.append(["一枚目"])
    second = workbook.create_sheet("二枚目")
    second.append(["名"])
    second.append(["二枚目"])
    out = io.BytesIO()
    workbook.save(out)

    sniffed, rows = xlsx_rows_of(out.getvalue())
    assert sniffed.header == ["姓"] and rows == [(2, {"姓": "一枚目"})]


def zip_of(parts, **kwargs):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, **kwargs) as archive:
        for name, part in parts.items():
            archive.writestr(name, part)
    return out.getvalue()


def parts_of(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_a_workbook_that_unpacks_past_the_limits_is_refused_before_anything_is_unpacked(monkeypatch):
    """A zip bomb: 1 GB of shared strings compress to about 1 MB. The sizes in the central
    directory refuse it, before a byte of it is inflated."""
    from shared import tabular_files

    parts = parts_of(xlsx_of([["姓"], ["山田"]]))
    bomb_part = b"<sst>" + b" " * (tabular_files.XLSX_MAX_PART_IN_MEMORY + 1) + b"</sst>"
    bomb = zip_of({**parts, "xl/sharedStrings.xml": bomb_part})
    assert len(bomb) < 200_000
    tracemalloc.start()
    with pytest.raises(NotTabular, match=r"part xl/sharedStrings\.xml unpacks to 64 MB; an import reads at most 64 MB"):
        sniff_xlsx(io.BytesIO(bomb))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 5 * 2**20

    monkeypatch.setattr(tabular_files, "XLSX_MAX_UNPACKED", 10_000)
    sheet = {**parts, "xl/worksheets/sheet1.xml": parts["xl/worksheets/sheet1.xml"] + b" " * 10_000}
    with pytest.raises(NotTabular, match="the workbook unpacks to 0 MB; an import reads at most 0 MB"):
        sniff_xlsx(io.BytesIO(zip_of(sheet)))


@pytest.mark.parametrize(("data", "reason"), [
    (b"PK\x03\x04" + bytes(64), r"cannot be read \(not a complete zip archive"),
    (zip_of({"顧客.csv": "姓\r\n山田\r\n"}), r"a zip archive, not an Excel workbook \(\.xlsx\)"),
], ids=["damaged", "zip-of-csv"])
def test_a_file_that_is_no_workbook_is_refused_with_its_reason(data, reason):
    with pytest.raises(NotTabular, match=reason):
        sniff_xlsx(io.BytesIO(data))


def test_a_workbook_without_a_sheet_or_with_a_damaged_part_is_refused():
    parts = parts_of(xlsx_of([["姓"], ["山田"]]))
    no_sheet = {**parts, "xl/workbook.xml": parts["xl/workbook.xml"].replace(
        parts["xl/workbook.xml"][parts["xl/workbook.xml"].index(b"<sheets>"):
                                 parts["xl/workbook.xml"].index(b"</sheets>") + 9], b"<sheets/>")}
    with pytest.raises(NotTabular, match="the workbook has no worksheet"):
        sniff_xlsx(io.BytesIO(zip_of(no_sheet)))
    broken = {**parts, "xl/workbook.xml": b"<workbook><sheets"}
    with pytest.raises(NotTabular, match=r"the \.xlsx file cannot be read \(ParseError"):
        sniff_xlsx(io.BytesIO(zip_of(broken)))


def test_a_sheet_damaged_past_its_header_fails_at_its_row_after_the_rows_before():
    parts = parts_of(xlsx_of([["姓"], ["山田"], ["鈴木"]]))
    sheet = parts["xl/worksheets/sheet1.xml"]
    cut = {**parts, "xl/worksheets/sheet1.xml": sheet[:sheet.index(b'<row r="3"')] + b'<row r="3"><c r="A3" t="'}
    data = zip_of(cut)
    sniffed = sniff_xlsx(io.BytesIO(data))
    got = []
    with pytest.raises(NotTabular, match=r"at row 3: the sheet is damaged \(ParseError"):
        for row in read_rows(io.BytesIO(data), sniffed):
            got.append(row)
    assert got == [(2, {"姓": "山田"})]


def test_an_xlsx_cell_longer_than_the_csv_limit_is_refused_at_its_row():
    import csv

    parts = parts_of(xlsx_of([["姓", "備考"], ["山田", "x" * 10], ["鈴木", "LONG"]]))
    sheet = "xl/worksheets/sheet1.xml"  # openpyxl itself cuts what it writes at Excel's 32,767 characters
    data = zip_of({**parts, sheet: parts[sheet].replace(b"LONG", b"x" * (csv.field_size_limit() + 1))})
    sniffed = sniff_xlsx(io.BytesIO(data))
    with pytest.raises(NotTabular, match=r"at row 3: field larger than field limit \(131072\)"):
        list(read_rows(io.BytesIO(data), sniffed))


def test_an_error_of_the_source_itself_is_not_taken_for_a_damaged_file():
    """A storage failure (S3) half-way is raised as it is, never reported as the file's fault."""
    data = xlsx_of([["姓"], ["山田"]])

    class Failing(io.BytesIO):
        reads = 0

        def read(self, size=-1):
            Failing.reads += 1
            if Failing.reads > 3:
                raise ConnectionError("the connection dropped")
            return super().read(size)

    with pytest.raises(ConnectionError):
        sniff_xlsx(Failing(data))
