"""The console's weight (issue 20): what a browser must fetch before the first screen shows, the
initial JavaScript (the entry and the chunks it imports statically, not the lazy routes) plus its
CSS, gzipped as CloudFront compresses them."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from bench.figures import Figure
from infra.local.console import CONSOLE_DIST

BUDGET_KB = 200
_STATIC_IMPORT = re.compile(rb"""(?:\bimport|\bfrom)\s*["'](\./[^"']+\.js)["']""")
_ENTRY = re.compile(r"""<(?:script[^>]*\ssrc|link[^>]*\shref)="(/assets/[^"]+)\"""")


def initial_files(dist: Path = CONSOLE_DIST) -> list[Path]:
    """index.html's script and stylesheet, and every chunk the script imports statically."""
    found: list[Path] = []
    pending = [dist / path.lstrip("/") for path in _ENTRY.findall((dist / "index.html").read_text(encoding="utf-8"))]
    while pending:
        file = pending.pop()
        if file in found:
            continue
        found.append(file)
        if file.suffix == ".js":
            pending += [(file.parent / name.decode()).resolve() for name in _STATIC_IMPORT.findall(file.read_bytes())]
    return found


def gzipped_kb(files: list[Path]) -> float:
    return round(sum(len(gzip.compress(file.read_bytes(), 9)) for file in files) / 1024, 1)


def run() -> list[Figure]:
    files = initial_files()
    lazy = [file for file in (CONSOLE_DIST / "assets").iterdir()
            if file.suffix == ".js" and file.resolve() not in files]
    return [
        Figure("#20", "console: initial JavaScript + CSS (entry and its static imports), gzipped", gzipped_kb(files),
               BUDGET_KB, "KB"),
        Figure("#20", "console: every other chunk (screens loaded on their route), gzipped", gzipped_kb(lazy),
               BUDGET_KB * 2, "KB"),
    ]
