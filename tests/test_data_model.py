"""docs/data-model.md against the registry of index uses (shared/indexes.py): every use is named
in the table rows of its own index and of no other, and no query of the stores names an index by
a literal."""

from __future__ import annotations

import re
from pathlib import Path

from shared import indexes

ROOT = Path(__file__).resolve().parents[1]
_ROW = re.compile(r"^\| (GSI\d+) \|.*\|$", re.M)
_NAME = re.compile(r"`([A-Z][A-Z0-9_]+)`")


def _uses() -> dict[str, str]:
    return {name: value for name, value in vars(indexes).items() if name.isupper() and isinstance(value, str)}


def _named_in_rows() -> dict[str, set[str]]:
    """Use name → the indexes of the table rows that name it."""
    found: dict[str, set[str]] = {}
    for row in _ROW.finditer((ROOT / "docs" / "data-model.md").read_text()):
        for name in _NAME.findall(row.group(0)):
            found.setdefault(name, set()).add(row.group(1))
    return found


def test_every_index_use_is_named_in_the_rows_of_its_index_only():
    named = _named_in_rows()
    assert {name: {index} for name, index in _uses().items()} == {
        name: rows for name, rows in named.items() if name in _uses()}


def test_no_query_names_an_index_by_a_literal():
    literal = re.compile(r"""index\s*=\s*["']GSI\d+["']|["']GSI\d+["']\s*(?:if|else)""")
    offenders = [f"{path.relative_to(ROOT)}:{number}" for folder in ("shared", "functions")
                 for path in sorted((ROOT / folder).rglob("*.py"))
                 for number, line in enumerate(path.read_text().splitlines(), 1) if literal.search(line)]
    assert offenders == []
