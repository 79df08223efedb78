"""The rules of tabular files that the pure domain shares with shared.tabular_files (which reads
and writes them): the export encodings, the column of cells past the header, the zip password
rule, and the refusal of a file that cannot be read as a table."""

from __future__ import annotations

from typing import Any

ENCODINGS = ("utf-8-bom", "utf-8", "cp932")
XLSX = "xlsx"  # Sniffed.encoding of an Excel workbook
EXTRA = "__extra__"


def check_password(password: Any) -> str | None:
    """None if ``password`` is acceptable for ``encrypted_zip``, else why not."""
    if not isinstance(password, str):
        return "must be a string"
    if len(password) < 6:
        return "must be at least 6 characters with letters and digits"
    if len(password) > 128:
        return "must be at most 128 characters"
    if not all("!" <= ch <= "~" for ch in password):
        return "must use only ASCII letters, digits and symbols (no spaces or full-width characters)"
    if not any(ch.isascii() and ch.isalpha() for ch in password) or not any(ch.isdigit() for ch in password):
        return "must contain both letters and digits"
    return None


class NotTabular(Exception):
    """The file cannot be read as CSV / TSV; the message says why, for the user."""
