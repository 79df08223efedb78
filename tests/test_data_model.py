"""docs/data-model.md against the registry of index uses (shared/indexes.py): every use is named
in the table rows of its own index and of no other, no query of the stores names an index by a
literal, and no code spells an index's key attributes (gsiNpk/gsiNsk) but shared.keys.index_key_names."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from shared import indexes, keys

ROOT = Path(__file__).resolve().parents[1]
_ROW = re.compile(r"^\| (GSI\d+) \|.*\|$", re.M)
_NAME = re.compile(r"`([A-Z][A-Z0-9_]+)`")
_KEY_ATTRIBUTE = re.compile(r"gsi\d+(?:pk|sk)")  # an index's key attribute, spelled out (gsi5sk)


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


def _lines_of_function(path: Path, name: str) -> range:
    """The line numbers of the top-level function `name` of `path`."""
    found = [node for node in ast.parse(path.read_text(encoding="utf-8")).body
             if isinstance(node, ast.FunctionDef) and node.name == name]
    assert len(found) == 1, f"{path.relative_to(ROOT)} has no function {name}"
    return range(found[0].lineno, (found[0].end_lineno or found[0].lineno) + 1)


def test_the_key_attribute_pattern_matches_the_names_of_every_index():
    for number in range(1, 21):
        assert all(_KEY_ATTRIBUTE.fullmatch(name) for name in keys.index_key_names(f"GSI{number}"))


def test_no_code_spells_an_index_key_attribute():
    """Key attribute names come from shared.keys.index_key_names (through keys.index_entry for an
    item's keys, shared.db.models.index_sort_key for a condition or an update), which alone makes them."""
    keys_module = ROOT / "shared" / "keys.py"
    allowed = {keys_module: _lines_of_function(keys_module, "index_key_names")}
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}" for folder in ("shared", "functions")
                 for path in sorted((ROOT / folder).rglob("*.py"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if _KEY_ATTRIBUTE.search(line) and number not in allowed.get(path, range(0))]
    assert not offenders, ("index key attributes spelled out; name them through shared.keys.index_key_names "
                           "(keys.index_entry, shared.db.models.index_sort_key) and a use of shared.indexes:\n"
                           + "\n".join(offenders))
