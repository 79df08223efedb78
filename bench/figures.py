"""A figure, its bound, and the table/JSON/README forms of a run's figures."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

README = Path(__file__).resolve().parent.parent / "README.md"
RESULTS = Path(__file__).resolve().parent / "results.json"  # committed: a part run alone merges into it
_MARKERS = re.compile(r"(<!-- bench:start -->\n).*?(<!-- bench:end -->)", re.S)


@dataclass
class Figure:
    issue: str
    name: str
    value: float
    bound: float
    unit: str
    at_least: bool = False  # the bound is a floor (a ratio of speeds), not a ceiling
    part: str = ""  # the bench module that measured it (`python -m bench PART` runs it again)

    @property
    def ok(self) -> bool:
        return self.value >= self.bound if self.at_least else self.value <= self.bound

    def row(self) -> str:
        value = f"{self.value:.2f}" if isinstance(self.value, float) and not self.value.is_integer() \
            else f"{self.value:g}"
        bound = f"{self.bound:.2f}" if isinstance(self.bound, float) and not self.bound.is_integer() \
            else f"{self.bound:g}"
        return (f"| {self.issue} | {self.name} | {value} | {'≥' if self.at_least else '≤'} {bound} | {self.unit} | "
                f"{'ok' if self.ok else 'BROKEN'} |")


def table(figures: list[Figure]) -> str:
    lines = ["| issue | figure | measured | bound | unit | |", "|---|---|---|---|---|---|"]
    return "\n".join(lines + [figure.row() for figure in figures])


def merged(figures: list[Figure], parts: list[str], context: str) -> tuple[list[Figure], str]:
    """The last full run's figures, with those of the parts just run again in their place."""
    previous = json.loads(RESULTS.read_text(encoding="utf-8"))
    kept = [Figure(**{name: entry[name] for name in Figure.__dataclass_fields__})
            for entry in previous["figures"] if entry["part"] not in parts]
    return kept + figures, f"{previous['context']} Run again: {', '.join(parts)} ({context})"


def write(figures: list[Figure], context: str) -> None:
    RESULTS.write_text(json.dumps({"context": context, "figures": [asdict(f) | {"ok": f.ok} for f in figures]},
                                  ensure_ascii=False, indent=2), encoding="utf-8")
    if README.exists():
        text = README.read_text(encoding="utf-8")
        replacement = f"{context}\n\n{table(figures)}\n"
        README.write_text(_MARKERS.sub(lambda m: m.group(1) + replacement + m.group(2), text), encoding="utf-8")
