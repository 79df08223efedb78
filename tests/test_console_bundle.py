"""The console's initial weight stays within issue 20's budget (the figure `make bench` reports)."""

from __future__ import annotations

from bench.console_bench import BUDGET_KB, gzipped_kb, initial_files
from console_support import CONSOLE_DIST, required


def test_the_first_screen_needs_at_most_200_kb_gzipped():
    required(CONSOLE_DIST / "index.html", "make console")
    files = initial_files()
    assert any(file.suffix == ".css" for file in files) and any(file.suffix == ".js" for file in files)
    assert gzipped_kb(files) <= BUDGET_KB


def test_the_initial_files_follow_static_imports_and_leave_lazy_routes_out(tmp_path):
    assets = tmp_path / "assets"
    assets.mkdir()
    (tmp_path / "index.html").write_text('<link rel="stylesheet" href="/assets/app.css">'
                                         '<script type="module" src="/assets/app.js"></script>')
    (assets / "app.css").write_text("body{}")
    (assets / "app.js").write_text('import{a}from"./chunk-A.js";import"./chunk-B.js";const r=()=>import("./route.js");')
    (assets / "chunk-A.js").write_text('export const a=1;')
    (assets / "chunk-B.js").write_text('import"./chunk-A.js";')
    (assets / "route.js").write_text('export const big="x";')
    names = sorted(file.name for file in initial_files(tmp_path))
    assert names == ["app.css", "app.js", "chunk-A.js", "chunk-B.js"]
