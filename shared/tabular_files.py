"""Tabular files for exports and imports: CSV (three encodings), .xlsx, AES-encrypted zip.

File I/O, so not in the pure domain (its rules are shared.domain.tabular): the module sees only
binary file-like objects, never AWS. Callers hand it an S3 multipart-upload writer (``write``
only) or an S3 body (``read`` only).

Writing (exports)
-----------------
* Output streams may be **non-seekable**: nothing here calls ``seek``/``tell`` on ``out``, and
  ``out.write``'s return value is ignored. Memory stays flat for a million rows.
* CSV is RFC 4180 (``csv`` module, CRLF, minimal quoting; a newline inside a cell is kept and
  quoted, Excel shows it as a line break). Rows are buffered as text and encoded into ``out``
  about every 64 K characters. Encodings (``ENCODINGS``): ``utf-8-bom`` (the default for
  Excel on Windows: without the BOM it reads UTF-8 as Shift_JIS), ``utf-8`` and ``cp932``.
* ``cp932``: characters that Unicode-to-Shift_JIS mappings disagree on (WAVE DASH 〜, MINUS
  SIGN −, ‖, ¢, £, ¬, EM DASH —) are first translated to the look-alike cp932 holds (～, －,
  ∥, ￠, ￡, ￢, ―); so are ¥ → ￥, NO-BREAK SPACE → space and EN DASH – → ‐. These do not
  count as replaced. Whatever is still not encodable (emoji, 𠮷, Hangul) becomes ``?``, one per
  code point, and is counted in ``RowWriter.replaced`` so the caller can warn the user.
* Formula injection (OWASP "CSV injection"): in CSV, a text cell starting with ``= + - @``,
  TAB or CR gets a leading ``'`` unless the whole value is a plain number (``-5``,
  ``+81312345678``). The .xlsx writer does **not** neutralize: every text goes through
  ``write_string`` and is stored as a string cell, which Excel never evaluates, so adding
  ``'`` would only corrupt the text (it would show up in the cell).
* Values: ``None`` → empty cell; ``bool`` → ``true``/``false`` in CSV, a real boolean in xlsx;
  numbers as numbers (``Decimal`` too, as DynamoDB returns them); NaN/±inf → empty cell.
  In xlsx, integers of more than 15 digits are written as text, since Excel keeps only 15
  significant digits and would silently change them.
* .xlsx uses XlsxWriter in ``constant_memory`` mode inside a private temporary directory
  (under ``tmp_dir``); ``close()`` copies the finished file into ``out`` in 1 MB chunks and
  deletes the directory. Rows beyond Excel's 1,048,576 (header included) raise ``ValueError``.
  Excel's 32,767-character cell limit truncates the text; such cells are counted in
  ``truncated``.
* xlsx layout (``xlsx_writer(..., header=, widths=)``): the header row bold, frozen (it stays
  in view while scrolling) and under an autofilter; each column as wide as ``widths`` says, which
  ``column_widths`` measures on the header and a sample of rows (XlsxWriter's constant_memory
  mode writes rows in order, so the widths must be known before the first one): characters
  counted as Excel lays them out, East Asian wide ones (``unicodedata.east_asian_width`` W or
  F) as two, the longest line of a multi-line cell, capped at ``MAX_COLUMN_WIDTH``. A
  multi-line text cell is wrapped (its row's height is left to Excel, which fits it on opening).
* Writers are also context managers: on an exception they drop what was buffered (and the
  xlsx temporary files) without writing more to ``out``.
* ``encrypted_zip`` wraps ONE member in a WinZip AES-256 zip (pyzipper). 7-Zip, WinRAR and
  Explorer-with-7-Zip open it; Windows' built-in zip support and macOS ``unzip`` cannot. As
  ``out`` cannot seek, sizes go into a data descriptor after the member (ZIP64 always).
* Passwords (``check_password``): 6-128 printable ASCII characters without spaces, with at
  least one letter and one digit. ASCII only, because zip tools disagree on how they encode
  non-ASCII passwords and a full-width character typed through an IME would lock users out.

Reading (imports)
-----------------
* ``sniff(head)`` looks at the first bytes (e.g. 64 KB): known binary formats (xlsx/zip, xls,
  PNG, PDF, JPEG, GIF, gzip) and NUL bytes are refused with a reason; then UTF-8 BOM →
  ``utf-8-sig``, UTF-16 BOM → ``utf-16`` (Excel's "Unicode text" export, TAB-separated),
  strict UTF-8 → ``utf-8`` (an incomplete sequence at the very end of the head is ignored),
  cp932 → ``cp932``. Delimiter: TAB when the first line has tabs and no commas outside quotes,
  or more tabs than commas; else comma.
* Header: the first non-blank record, names stripped. Trailing empty names (Excel's ``a,b,,``)
  are dropped; an empty name in between, a duplicate, or the reserved ``__extra__`` is refused.
* ``read_rows`` streams the whole file (from its first byte) through an incremental decoder
  with ``newline=""``, so quoted newlines survive. It yields ``(line, row)``: ``line`` is the
  1-based physical line where the record starts (header = 1 in a plain file; a cell spanning
  two lines pushes later records' numbers down by one, so after a multi-line cell this is no
  longer the Excel row number). Values are stripped (full-width spaces too); missing cells are
  ``""``; records whose cells are all empty are skipped. Non-empty cells beyond the header are
  returned as a list under ``EXTRA`` (``"__extra__"``, trailing empty cells dropped) so the
  caller can report them; that key is absent otherwise. A decoding or CSV error half-way
  (an oversized cell included) raises ``NotTabular`` with the line of its record, after the
  records before it.
* An .xlsx (``is_workbook(head)``): ``sniff_xlsx`` and ``read_rows`` take a seekable stream (a
  zip is read from its central directory at the end), check the unpacked sizes the central
  directory states before inflating anything (``XLSX_MAX_UNPACKED``, ``XLSX_MAX_PART_IN_MEMORY``:
  a zip bomb is refused at once), then read the first worksheet with openpyxl in read-only mode
  (imported only then). ``Sniffed.encoding`` is ``XLSX``; ``line`` is the sheet's row number;
  cells become text by ``xlsx_cell_text``; the header and rows follow the CSV rules above. A
  damaged, encrypted or sheetless workbook raises ``NotTabular``; an error of the stream itself
  (S3) is raised as it is.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime
import io
import math
import os
import re
import shutil
import tempfile
import unicodedata
import weakref
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal
from types import TracebackType
from typing import Any, BinaryIO, Protocol, Self, cast

from shared.domain.tabular import ENCODINGS, EXTRA, XLSX, NotTabular, check_password

XLSX_MAX_ROWS = 1_048_576  # header included
XLSX_MAX_COLUMNS = 16_384
WIDTH_SAMPLE_ROWS = 100  # the rows (after the header) an xlsx's column widths are measured on
MAX_COLUMN_WIDTH = 60  # in Excel's units (about one "0" of the default font)
_COLUMN_PADDING = 2  # a character's room on either side of the text
_FILTER_BUTTON = 2  # the autofilter's drop-down button covers the header's last characters

_FLUSH_CHARS = 64 * 1024
_COPY_CHUNK = 1024 * 1024
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CP932_LOOKALIKES = str.maketrans({
    "\u301c": "\uff5e",  # WAVE DASH → FULLWIDTH TILDE
    "\u2212": "\uff0d",  # MINUS SIGN → FULLWIDTH HYPHEN-MINUS
    "\u2016": "\u2225",  # DOUBLE VERTICAL LINE → PARALLEL TO
    "\u00a2": "\uffe0",  # CENT SIGN → FULLWIDTH CENT SIGN
    "\u00a3": "\uffe1",  # POUND SIGN → FULLWIDTH POUND SIGN
    "\u00ac": "\uffe2",  # NOT SIGN → FULLWIDTH NOT SIGN
    "\u2014": "\u2015",  # EM DASH → HORIZONTAL BAR
    "\u00a5": "\uffe5",  # YEN SIGN → FULLWIDTH YEN SIGN
    "\u00a0": " ",  # NO-BREAK SPACE → SPACE
    "\u2013": "\u2010",  # EN DASH → HYPHEN (not ASCII "-": that could start a formula after neutralize)
})

Cell = str | int | float | bool | Decimal | None


class RowWriter(Protocol):
    """What ``csv_writer`` and ``xlsx_writer`` return."""

    replaced: int  # characters cp932 could not hold (written as "?"); 0 for other encodings

    def write_row(self, values: Sequence[Cell]) -> None: ...

    def close(self) -> None: ...  # flush into out; does not close out


def neutralize(value: str) -> str:
    """Prefix ``'`` to text Excel would read as a formula, except plain numbers like ``-5``."""
    if value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _finite(value: float | Decimal) -> bool:
    return value.is_finite() if isinstance(value, Decimal) else math.isfinite(value)


def _long_integer(value: int | float | Decimal) -> bool:
    if isinstance(value, float) or (isinstance(value, Decimal) and value != value.to_integral_value()):
        return False
    return cast("int | Decimal", abs(value)) >= 10**15  # mypy joins abs() of the union to object


def _csv_cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralize(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ""
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else ""
    raise TypeError(f"cannot write a {type(value).__name__} cell")


class _Writer:
    """What both writers share: ``out`` flushed once they are closed, and as context managers,
    ``close`` on success and, on an exception, ``_drop`` of what is not written yet."""

    _out: BinaryIO
    _closed: bool

    def close(self) -> None:
        raise NotImplementedError

    def _flush_out(self) -> None:
        flush = getattr(self._out, "flush", None)
        if flush is not None:
            flush()

    def _drop(self) -> None:
        """Nothing more reaches ``out``."""
        self._closed = True

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc_type is None:
            self.close()
        else:
            self._drop()


class _CsvWriter(_Writer):
    """CSV rows encoded into ``out`` roughly every 64 K characters."""

    def __init__(self, out: BinaryIO, encoding: str) -> None:
        if encoding not in ENCODINGS:
            raise ValueError(f"unknown encoding {encoding!r}: use one of {', '.join(ENCODINGS)}")
        self._out = out
        self._cp932 = encoding == "cp932"
        self._prefix = codecs.BOM_UTF8 if encoding == "utf-8-bom" else b""
        self._buffer = io.StringIO()
        self._csv = csv.writer(self._buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
        self._closed = False
        self.replaced = 0

    def write_row(self, values: Sequence[Cell]) -> None:
        """Buffer one record; flush to ``out`` when the buffer is large."""
        if self._closed:
            raise ValueError("the writer is closed")
        self._csv.writerow([_csv_cell(value) for value in values])
        if self._buffer.tell() >= _FLUSH_CHARS:
            self._flush()

    def close(self) -> None:
        """Write what is buffered (and the BOM, even for no rows); ``out`` stays open."""
        if not self._closed:
            self._flush()
            self._closed = True
            self._flush_out()

    def _flush(self) -> None:
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        data = self._prefix + self._encode(text)
        self._prefix = b""
        if data:
            self._out.write(data)

    def _encode(self, text: str) -> bytes:
        if not self._cp932:
            return text.encode("utf-8")
        text = text.translate(_CP932_LOOKALIKES)
        try:
            return text.encode("cp932")
        except UnicodeEncodeError:
            data = text.encode("cp932", "replace")  # one "?" per code point it cannot hold
            # cp932 trail bytes are >= 0x40, so every 0x3F byte is a real "?": the surplus was replaced.
            self.replaced += data.count(b"?") - text.count("?")
            return data


def csv_writer(out: BinaryIO, encoding: str) -> RowWriter:
    """A CSV writer into ``out`` (which may be write-only) in one of ``ENCODINGS``."""
    return _CsvWriter(out, encoding)


def display_width(text: str) -> int:
    """How many columns ``text`` takes in a spreadsheet cell: East Asian wide and full-width
    characters two, others one; of a multi-line text, its longest line."""
    return max(sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in line)
               for line in text.split("\n"))


def _cell_text(value: Cell) -> str:
    """A cell's value as Excel shows it, near enough to measure it."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return _csv_cell(value) if not isinstance(value, str) else value


def column_widths(rows: Sequence[Sequence[Cell]], maximum: int = MAX_COLUMN_WIDTH) -> list[float]:
    """The width of each column of an xlsx whose first row is the header (``rows[0]``, it gets
    room for the autofilter's button) and the others a sample of the data: its widest cell plus
    padding, at most ``maximum``."""
    header, *sample = rows
    widths = [display_width(str(name)) + _FILTER_BUTTON for name in header]
    for row in sample:
        for col, value in enumerate(row[:len(widths)]):
            if value is not None:
                widths[col] = max(widths[col], display_width(_cell_text(value)))
    return [float(min(maximum, width + _COLUMN_PADDING)) for width in widths]


class _XlsxWriter(_Writer):
    """An .xlsx built in a private temporary directory, copied into ``out`` on ``close``."""

    def __init__(self, out: BinaryIO, sheet_name: str, tmp_dir: str | None, header: Sequence[str] | None,
                 widths: Sequence[float] | None) -> None:
        import xlsxwriter
        from xlsxwriter.exceptions import InvalidWorksheetName

        self._out = out
        self._dir = tempfile.mkdtemp(prefix="xlsx-", dir=tmp_dir or tempfile.gettempdir())
        self._cleanup = weakref.finalize(self, shutil.rmtree, self._dir, True)
        self._path = os.path.join(self._dir, "export.xlsx")
        self._workbook = xlsxwriter.Workbook(self._path, {"constant_memory": True, "tmpdir": self._dir})
        try:
            self._sheet = self._workbook.add_worksheet(sheet_name)
        except InvalidWorksheetName as error:
            self._cleanup()
            raise ValueError(f"invalid sheet name {sheet_name!r}: {error}") from error
        self._row = 0
        self._closed = False
        self.replaced = 0
        self.truncated = 0  # text cells cut at Excel's 32,767 characters
        self._wrap = self._workbook.add_format({"text_wrap": True, "valign": "top"})
        self._columns = len(header) if header is not None else 0
        for col, width in enumerate(widths or ()):
            self._sheet.set_column(col, col, width)
        if header is not None:
            self._sheet.freeze_panes(1, 0)
            self._write(header, self._workbook.add_format({"bold": True}))

    def write_row(self, values: Sequence[Cell]) -> None:
        """Write one row (multi-line text wrapped); ``ValueError`` past Excel's row or column limit."""
        self._write(values, None)

    def _write(self, values: Sequence[Cell], text_format: Any) -> None:
        """Write one row, its text in ``text_format`` (None: multi-line text wrapped)."""
        if self._closed:
            raise ValueError("the writer is closed")
        if self._row >= XLSX_MAX_ROWS:
            raise ValueError(
                f"an Excel sheet holds at most {XLSX_MAX_ROWS:,} rows (a header and {XLSX_MAX_ROWS - 1:,} "
                "data rows): export as CSV instead"
            )
        if len(values) > XLSX_MAX_COLUMNS:
            raise ValueError(f"an Excel sheet holds at most {XLSX_MAX_COLUMNS:,} columns")
        sheet, row = self._sheet, self._row
        for col, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, str):
                cell_format = text_format or (self._wrap if "\n" in value else None)
                if value and sheet.write_string(row, col, value, cell_format) == -2:
                    self.truncated += 1
            elif isinstance(value, bool):
                sheet.write_boolean(row, col, value)
            elif isinstance(value, int | float | Decimal):
                if not _finite(value):
                    continue
                if _long_integer(value):  # Excel keeps 15 significant digits: keep long ids exact as text
                    sheet.write_string(row, col, str(int(value)))
                else:
                    sheet.write_number(row, col, float(value))
            else:
                raise TypeError(f"cannot write a {type(value).__name__} cell")
        self._row += 1

    def close(self) -> None:
        """Finish the workbook, copy it into ``out`` in 1 MB chunks, delete the temporary files."""
        if self._closed:
            return
        self._closed = True
        try:
            if self._columns:
                self._sheet.autofilter(0, 0, self._row - 1, self._columns - 1)
            self._workbook.close()
            with open(self._path, "rb") as built:
                while chunk := built.read(_COPY_CHUNK):
                    self._out.write(chunk)
        finally:
            self._cleanup()
        self._flush_out()

    def _drop(self) -> None:
        """Nothing more reaches ``out``, and the temporary files go."""
        super()._drop()
        self._cleanup()


def xlsx_writer(out: BinaryIO, sheet_name: str = "contacts", tmp_dir: str | None = None,
                header: Sequence[str] | None = None, widths: Sequence[float] | None = None) -> RowWriter:
    """An .xlsx writer into ``out`` (which may be write-only); temporary files go under ``tmp_dir``.
    With ``header``, that row is written first, bold, frozen and under an autofilter; ``widths``
    (``column_widths``) sets the columns' widths."""
    return _XlsxWriter(out, sheet_name, tmp_dir, header, widths)


class Readable(Protocol):
    """What the readers take: ``read(n)`` (an .xlsx's also ``seek`` and ``tell``: see read_rows)."""

    def read(self, size: int = -1, /) -> bytes: ...


class Seekable(Readable, Protocol):
    """A readable stream that can be moved about (an .xlsx is a zip, read from its end)."""

    def seek(self, offset: int, whence: int = 0, /) -> int: ...

    def tell(self) -> int: ...


class Writable(Protocol):
    """What the writers take: ``write`` (its answer unused)."""

    def write(self, data: bytes, /) -> object: ...


class _WriteOnly:
    """``write``/``tell``/``flush`` over any writable stream, counting bytes; no ``seek``.

    pyzipper asks for ``tell`` and falls back to data descriptors when ``seek`` is missing; this
    wrapper makes that path certain whatever ``out`` offers, and tolerates ``write`` returning None.
    Once ``discard`` is set, writes are dropped (used to finish the zip objects after an error).
    """

    def __init__(self, out: Writable) -> None:
        self._out = out
        self._position = 0
        self.discard = False

    def write(self, data: bytes) -> int:
        size = len(data)
        if not self.discard:
            self._out.write(data)
        self._position += size
        return size

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        flush = getattr(self._out, "flush", None)
        if flush is not None and not self.discard:
            flush()


@contextlib.contextmanager
def _encrypted_zip(out: Writable, member_name: str, password: str) -> Iterator[BinaryIO]:
    import pyzipper

    error = check_password(password)
    if error:
        raise ValueError(f"password {error}")
    if not member_name:
        raise ValueError("member_name is empty")
    sink = _WriteOnly(out)
    archive = pyzipper.AESZipFile(sink, "w", compression=pyzipper.ZIP_DEFLATED, encryption=pyzipper.WZ_AES)
    archive.setpassword(password.encode("ascii"))
    archive.setencryption(pyzipper.WZ_AES, nbits=256)
    member = archive.open(member_name, "w", force_zip64=True)
    try:
        yield member
    except BaseException:
        sink.discard = True  # close the objects without appending a central directory to out
        with contextlib.suppress(Exception):
            member.close()
            archive.close()
        raise
    member.close()
    archive.close()
    sink.flush()


def encrypted_zip(out: Writable, member_name: str, password: str) -> AbstractContextManager[BinaryIO]:
    """A writable stream for the one member of an AES-256 zip written into ``out`` (may be write-only).

    Raises ``ValueError`` if ``check_password`` refuses the password. Wrap a ``csv_writer`` or
    ``xlsx_writer`` around the stream and close that writer before the ``with`` block ends.
    """
    return _encrypted_zip(out, member_name, password)


# ---------------------------------------------------------------------------------------------
# Reading


@dataclass(frozen=True)
class Sniffed:
    """How to read a file: encoding, delimiter and the header's column names."""

    encoding: str  # "utf-8-sig", "utf-8", "cp932", "utf-16", or XLSX
    delimiter: str  # "," or "\t"; "" for XLSX
    header: list[str]


_SAVE_AS = "open it in Excel and save it as an Excel Workbook (.xlsx) or as CSV (UTF-8)"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Microsoft's compound file: .xls, and every password-protected workbook
_MAGIC = (
    (b"PK\x05\x06", "this is an empty zip archive, not a CSV file or an Excel workbook"),
    (_OLE, f"this is an Excel 97-2003 .xls file (or a password-protected workbook): {_SAVE_AS}"),
    (b"\x89PNG\r\n\x1a\n", "this is a PNG image, not a CSV file"),
    (b"%PDF", "this is a PDF document, not a CSV file"),
    (b"\xff\xd8\xff", "this is a JPEG image, not a CSV file"),
    (b"GIF87a", "this is a GIF image, not a CSV file"),
    (b"GIF89a", "this is a GIF image, not a CSV file"),
    (b"\x1f\x8b", "this is a gzip archive, not a CSV file"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_ENCODING_LABELS = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "cp932": "Shift_JIS (cp932)", "utf-16": "UTF-16"}
_UNTERMINATED_HEADER_LIMIT = 8 * 1024
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes the decoder could not read, as surrogateescape keeps them


def _decode_head(head: bytes, encoding: str) -> str:
    """Decode strictly, ignoring an incomplete multi-byte sequence at the very end."""
    return codecs.getincrementaldecoder(encoding)("strict").decode(head, final=False)


def _detect_encoding(head: bytes) -> tuple[str, str]:
    # an encrypted Office file keeps its package in a stream named in UTF-16 in its directory
    # ([MS-OFFCRYPTO] 2.3.4.4, https://learn.microsoft.com/en-us/openspecs/office_file_formats/ms-offcrypto/)
    if head.startswith(_OLE) and "EncryptedPackage".encode("utf-16-le") in head:
        raise NotTabular("this workbook is password-protected: remove its password in Excel and upload it again")
    for magic, reason in _MAGIC:
        if head.startswith(magic):
            raise NotTabular(reason)
    encodings: tuple[str, ...]
    if head.startswith(codecs.BOM_UTF8):
        encodings = ("utf-8-sig",)
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ("utf-16",)
    else:
        if b"\x00" in head:
            raise NotTabular("this is a binary file (it contains NUL bytes), not a CSV file")
        encodings = ("utf-8", "cp932")
    for encoding in encodings:
        try:
            return encoding, _decode_head(head, encoding)
        except UnicodeDecodeError:
            continue
    if encodings == ("utf-8", "cp932"):
        raise NotTabular("the text is neither UTF-8 nor Shift_JIS (cp932): save it as CSV (UTF-8)")
    raise NotTabular(f"the text is not valid {_ENCODING_LABELS[encodings[0]]} despite its byte order mark")


def _delimiter(line: str) -> str:
    commas = tabs = 0
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif not quoted:
            commas += ch == ","
            tabs += ch == "\t"
    return "\t" if tabs and (not commas or tabs > commas) else ","


class _Lines:
    """Iterate the lines of text (split like ``newline=""``), remembering the last one."""

    def __init__(self, text: str) -> None:
        self._lines = iter(io.StringIO(text, newline=""))
        self.last = ""

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        self.last = next(self._lines)
        return self.last


def _check_header(names: list[str]) -> list[str]:
    names = [name.replace("\ufeff", "").strip() for name in names]
    while names and not names[-1]:
        names.pop()
    if not names:
        raise NotTabular("the header row is empty")
    seen: set[str] = set()
    for index, name in enumerate(names, start=1):
        if not name:
            raise NotTabular(f"column {index} of the header row has no name")
        if name == EXTRA:
            raise NotTabular(f'the column name "{EXTRA}" is reserved')
        if name in seen:
            raise NotTabular(f'the column name "{name}" appears more than once in the header row')
        seen.add(name)
    return names


def sniff(head: bytes) -> Sniffed:
    """Encoding, delimiter and header from the first bytes of a file; ``NotTabular`` if unusable."""
    if not head.strip():
        raise NotTabular("the file is empty")
    encoding, text = _detect_encoding(head)
    if "\x00" in text or len(_CONTROL.findall(text)) > max(8, len(text) // 100):
        raise NotTabular("this is a binary file (it contains control characters), not a CSV file")
    if not text.strip():
        raise NotTabular("the file is empty")
    first = next(line for line in io.StringIO(text, newline="") if line.strip())
    delimiter = _delimiter(first)
    lines = _Lines(text)
    try:
        record = next((r for r in csv.reader(lines, delimiter=delimiter) if any(c.strip() for c in r)), None)
    except csv.Error as error:
        raise NotTabular(f"the header row cannot be read: {error}") from error
    if record is None:
        raise NotTabular("the file has no header row")
    if not lines.last.endswith(("\r", "\n")) and len(head) >= _UNTERMINATED_HEADER_LIMIT:
        raise NotTabular(f"no complete header row in the first {len(head):,} bytes: is this a CSV file?")
    return Sniffed(encoding=encoding, delimiter=delimiter, header=_check_header(record))


class _RawReader(io.RawIOBase):
    """Adapt anything with ``read(n)`` for ``io.BufferedReader``; closing it leaves the stream open."""

    def __init__(self, stream: Readable) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        size = len(data)
        buffer[:size] = data
        return size


def read_rows(stream: Readable, sniffed: Sniffed) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield ``(line, {column: value})`` for each data record of the whole file in ``stream``.

    ``stream`` must start at the file's first byte (the bytes given to ``sniff``); for an .xlsx
    (``sniffed.encoding == XLSX``) it must be seekable, and ``line`` is the sheet's row number.
    Values are ``str``; ``row[EXTRA]`` is a ``list[str]`` only when the record has non-empty
    cells past the header. Streaming: memory does not grow with the rows.
    """
    records = (_xlsx_records(cast(Seekable, stream))  # seekable, as an .xlsx's must be (above)
               if sniffed.encoding == XLSX else _csv_records(stream, sniffed))
    header = sniffed.header
    width = len(header)
    seen_header = False
    for line, record in records:
        cells = [cell.strip() for cell in record]
        if not any(cells):
            continue
        if not seen_header:
            seen_header = True
            continue
        row: dict[str, Any] = dict(zip(header, cells, strict=False))
        for name in header[len(cells):]:
            row[name] = ""
        extra = cells[width:]
        while extra and not extra[-1]:
            extra.pop()
        if extra:
            row[EXTRA] = extra
        yield line, row


def _csv_records(stream: Readable, sniffed: Sniffed) -> Iterator[tuple[int, list[str]]]:
    """``(line, cells)`` of each CSV record, blank ones included."""
    # surrogateescape, not strict: the decoder reads ahead, so a strict error would stop the rows
    # up to a chunk before the bad bytes; escaped, they are found in their own record, named by its line
    text = io.TextIOWrapper(
        io.BufferedReader(_RawReader(stream), 64 * 1024), encoding=sniffed.encoding, errors="surrogateescape",
        newline="",
    )
    reader = csv.reader(text, delimiter=sniffed.delimiter)
    label = _ENCODING_LABELS.get(sniffed.encoding, sniffed.encoding)
    try:
        while True:
            line = reader.line_num + 1
            try:
                record = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise NotTabular(f"at line {line}: {error}") from error
            if _UNDECODABLE.search("".join(record)):
                raise NotTabular(f"at line {line}: the text is not valid {label} (mixed encodings?)")
            yield line, record
    finally:
        text.close()  # closes the adapters only, never the caller's stream


# --- .xlsx ----------------------------------------------------------------------------------------
# Excel's limits (https://support.microsoft.com/en-us/office/excel-specifications-and-limits-1672b34d-7043-467e-8e27-269d656d4a9a):
# 1,048,576 rows, 16,384 columns and 32,767 characters a cell; a sheet past them is no Excel file.
# The import's own (beside MAX_BYTES of the file as uploaded), read from the zip's central
# directory before anything is unpacked, so that a small file that unpacks to gigabytes (a zip
# bomb) is refused at once: Python's zipfile never inflates a member past the size its central
# directory states (ZipExtFile stops there and checks the CRC), so these sizes bound the work.
XLSX_MAX_UNPACKED = 1024 * 1024 * 1024  # the whole package: its sheets are read as a stream, but each byte takes time
XLSX_MAX_PART_IN_MEMORY = 64 * 1024 * 1024  # each part openpyxl parses whole (shared strings, styles, workbook)
_STREAMED_PARTS = "xl/worksheets/"
_WHOLE_SECONDS = datetime.timedelta(microseconds=500_000)


def is_workbook(head: bytes) -> bool:
    """Whether the file starts as a zip archive does (an .xlsx is one): read it with ``sniff_xlsx``."""
    return head.startswith(b"PK\x03\x04")


def xlsx_cell_text(value: object, number_format: str | None = None) -> str:
    """A cell's value as the text a CSV of the sheet would hold for it.

    Dates as ISO dates (``2024-04-01``; with the time, to the second, when it is not midnight),
    times ``09:30:00``; whole numbers without ``.0`` and no number in exponent notation;
    booleans ``true``/``false``; an empty cell (or a formula without a cached value) ``""``; text
    as it is, line breaks included. A whole number formatted with zeros only (``0000000000``,
    how Excel users keep a phone's or a postal code's leading zero) is padded as Excel shows it;
    any other number is its value: a phone typed as a number has lost its leading zero in Excel
    itself (``312345678``), and it is not guessed back.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        value = (value + _WHOLE_SECONDS).replace(microsecond=0)
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, datetime.timedelta):
        minutes, seconds = divmod(round(value.total_seconds()), 60)
        return f"{minutes // 60}:{minutes % 60:02d}:{seconds:02d}"
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        if not value.is_integer():
            return format(Decimal(repr(value)), "f")
        value = int(value)
    if isinstance(value, int):
        if value >= 0 and number_format and _ZEROS.fullmatch(number_format):
            return str(value).zfill(len(number_format))
        return str(value)
    return str(value)


_ZEROS = re.compile(r"0+")


def _xlsx_damaged(reason: str) -> NotTabular:
    return NotTabular(f"the .xlsx file cannot be read ({reason}): {_SAVE_AS}")


class _Watched:
    """``source`` for zipfile and openpyxl, remembering whether reading it failed: any other
    error they raise comes from what the file holds (a damaged file), never from its storage."""

    def __init__(self, source: Seekable) -> None:
        self._source = source
        self.failure: BaseException | None = None

    def read(self, size: int = -1) -> bytes:
        try:
            return self._source.read(size)
        except BaseException as error:
            self.failure = error
            raise

    def raise_failure(self) -> None:
        """Raise the source's own error, if reading it failed (zipfile hides an OSError as BadZipFile)."""
        if self.failure is not None:
            raise self.failure

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._source.seek(offset, whence)

    def tell(self) -> int:
        return self._source.tell()

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True


def _first_sheet(source: _Watched) -> Any:
    """The first worksheet of the .xlsx in ``source``, its sizes checked first."""
    import zipfile

    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, EOFError, ValueError) as error:
        source.raise_failure()
        raise _xlsx_damaged(f"not a complete zip archive: {error}") from None
    with archive:
        members = archive.infolist()
    names = {member.filename for member in members}
    if "[Content_Types].xml" not in names or not any(name.startswith("xl/") for name in names):
        raise NotTabular("this is a zip archive, not an Excel workbook (.xlsx)")
    if any(member.flag_bits & 0x1 for member in members):
        raise NotTabular("the workbook's zip archive is encrypted: remove its password and upload it again")
    unpacked = sum(member.file_size for member in members)
    if unpacked > XLSX_MAX_UNPACKED:
        raise NotTabular(f"the workbook unpacks to {unpacked / 2**20:,.0f} MB; an import reads at most "
                         f"{XLSX_MAX_UNPACKED // 2**20:,} MB: split it into several files")
    for member in members:
        if not member.filename.startswith(_STREAMED_PARTS) and member.file_size > XLSX_MAX_PART_IN_MEMORY:
            raise NotTabular(f"the workbook's part {member.filename} unpacks to {member.file_size / 2**20:,.0f} MB; "
                             f"an import reads at most {XLSX_MAX_PART_IN_MEMORY // 2**20} MB of it: "
                             "split the workbook into several files")
    from openpyxl import load_workbook  # only here: the handlers that never read a workbook never load it

    try:
        source.seek(0)
        workbook = load_workbook(source, read_only=True, data_only=True)
        sheets = workbook.worksheets
    except Exception as error:  # whatever openpyxl meets in a damaged file (see _Watched)
        source.raise_failure()
        raise _xlsx_damaged(f"{type(error).__name__}: {error}") from None
    if not sheets:
        raise NotTabular("the workbook has no worksheet: put the contacts on its first sheet")
    sheet = sheets[0]
    sheet.reset_dimensions()  # rows as the file holds them, never padded to a claimed A1:XFD1048576
    return sheet


def _xlsx_records(source: Seekable) -> Iterator[tuple[int, list[str]]]:
    """``(row number, cells as text)`` of each row of the first sheet, missing rows as empty ones."""
    watched = _Watched(source)
    sheet = _first_sheet(watched)
    limit = csv.field_size_limit()  # the longest cell the CSV path takes
    number = 0
    rows = sheet.iter_rows()
    while True:
        try:
            row = next(rows, None)
        except Exception as error:  # as in _first_sheet
            watched.raise_failure()
            raise NotTabular(f"at row {number + 1}: the sheet is damaged ({type(error).__name__}: {error})") from None
        if row is None:
            return
        number += 1
        if number > XLSX_MAX_ROWS or len(row) > XLSX_MAX_COLUMNS:
            raise NotTabular(f"at row {number}: the sheet goes past Excel's {XLSX_MAX_ROWS:,} rows or "
                             f"{XLSX_MAX_COLUMNS:,} columns (a damaged file?)")
        cells = [xlsx_cell_text(cell.value, cell.number_format) for cell in row]
        if any(len(cell) > limit for cell in cells):
            raise NotTabular(f"at row {number}: field larger than field limit ({limit})")
        yield number, cells


def sniff_xlsx(source: Seekable) -> Sniffed:
    """The header of the first sheet of the .xlsx in ``source`` (seekable); ``NotTabular`` if unusable."""
    for _, cells in _xlsx_records(source):
        if any(cell.strip() for cell in cells):
            return Sniffed(encoding=XLSX, delimiter="", header=_check_header(cells))
    raise NotTabular("the first sheet of the workbook is empty: it has no header row")
