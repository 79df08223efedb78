"""Issue 20 figures: the console's contact list with 20,000 contacts, in Chromium against the stack
served as `make dev` serves it (the built console/dist). The owner signs in as a person does, then
scrolls the list page after page (endless scroll); measured in the page: the API calls each page
costs and the table rows in the DOM after scrolling; and, as a ratio within the run, how long a
page takes to scroll in and show once 4,500 rows are loaded against the first pages (a list whose
rendering grew with what it holds would slow down as it fills). The longest main-thread task
(Chromium's PerformanceObserver 'longtask') is printed, not bounded: it is a time of this machine.

The contacts are written straight into the served stack's table, as an import writes them
(BatchWriteItem), as scale_bench seeds it: importing 20,000 rows through the API takes minutes."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.figures import Figure
from bench.processes import in_fresh_process
from infra.local import REPO_ROOT

CONTACTS = 20_000
PAGES = 100  # scrolled: 5,000 rows loaded
PAGE_SIZE = 50
# console/src/screens/contacts/rowWindow.ts: 2 × OVERSCAN, the viewport, a step each side
ROWS_BOUND = 2 * 50 + 25 + 2 * 25
STEPS_COMPARED = 10  # the first and the last pages scrolled
SLOWDOWN_BOUND = 1.5

_SEED = """
import json, os, random, sys
os.environ.update({"AWS_ENDPOINT_URL": sys.argv[1], "TABLE_NAME": "crm-local"})
from bench.contacts_bench import _contact
from shared.db import contacts as repository
from shared.domain import contacts as rules
from shared.domain.ids import new_id
tenant, count = sys.argv[2], int(sys.argv[3])
rng = random.Random(20)
for first in range(0, count, 5000):
    repository.insert_many(tenant, [_contact(rules, new_id, index, tenant, rng) \
for index in range(first, min(count, first + 5000))])
print(json.dumps({}))
"""

# In each document, before the console's own code: its contact calls (its fetch) and long tasks.
_MEASURE = """
window.__contactCalls = [];
window.__longTasks = [];
const fetched = window.fetch;
window.fetch = function (input, init) {
  const url = typeof input === 'string' ? input : input.url;
  if (url.includes('/v1/contacts')) window.__contactCalls.push(url);
  return fetched.apply(this, arguments);
};
new PerformanceObserver((list) => list.getEntries().forEach((entry) => window.__longTasks.push(entry.duration)))
  .observe({ type: 'longtask', buffered: true });
"""


def loaded_text(page, text: str) -> None:
    """Wait until the list says TEXT, looking at that one element every 100 ms: Playwright's text
    locators search the whole page in its main thread, and would be the long tasks measured."""
    page.wait_for_function("text => document.querySelector('.list-count')?.textContent === text", arg=text, polling=100)


def measure() -> dict[str, float]:
    """Sign in, scroll PAGES pages of the list of CONTACTS; the figures measured in the page."""
    sys.path.insert(0, str(REPO_ROOT / "tests"))
    from playwright.sync_api import sync_playwright

    from console_support import CHROMIUM, CHROMIUM_ARGS, Console, signed_in_team
    from infra.local.served import ServedStack

    stack = ServedStack(Path(tempfile.mkdtemp(prefix="crm-console-list-")) / "data", clean_env=True, start_timeout=600)
    try:
        console = Console(stack)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo",
                                          viewport={"width": 1360, "height": 860})
            page = context.new_page()
            page.set_default_timeout(60_000)
            team = signed_in_team(page, console)
            in_fresh_process(_SEED, stack.endpoint, team.tenant, str(CONTACTS))
            page.add_init_script(_MEASURE)
            page.reload()
            page.get_by_text(f"{PAGE_SIZE} 件を表示中").wait_for()
            page.evaluate("window.__longTasks.length = 0")
            most_rows, steps = 0, []
            for loaded in range(2 * PAGE_SIZE, (PAGES + 1) * PAGE_SIZE, PAGE_SIZE):
                started = time.perf_counter()
                page.mouse.wheel(0, PAGE_SIZE * 45)
                loaded_text(page, f"{loaded:,} 件を表示中")
                steps.append(time.perf_counter() - started)
                most_rows = max(most_rows, page.locator("tr.contact-row").count())
            page.mouse.wheel(0, -10_000_000)
            page.wait_for_timeout(500)
            most_rows = max(most_rows, page.locator("tr.contact-row").count())
            calls = page.evaluate("window.__contactCalls")
            long_tasks = page.evaluate("window.__longTasks")
            browser.close()
    finally:
        stack.kill()
    assert len(set(calls)) == len(calls), "a page was asked twice"
    print(f"console_list: longest main-thread task {max(long_tasks, default=0.0):.0f} ms, "
          f"{len(long_tasks)} tasks over 50 ms", file=sys.stderr)
    slowdown = statistics.median(steps[-STEPS_COMPARED:]) / statistics.median(steps[:STEPS_COMPARED])
    return {"calls_per_page": len(calls) / PAGES, "rows": most_rows, "slowdown": round(slowdown, 2)}


def run() -> list[Figure]:
    figures = measure()
    where = f"console list, {CONTACTS:,} contacts, {PAGES} pages scrolled"
    return [
        Figure("#20", f"{where}: API calls per page", figures["calls_per_page"], 1, "calls"),
        Figure("#20", f"{where} ({PAGES * PAGE_SIZE:,} rows loaded): most table rows in the DOM", figures["rows"],
               ROWS_BOUND, "rows"),
        Figure("#20", f"{where}: a page scrolled in with {(PAGES - STEPS_COMPARED) * PAGE_SIZE:,}+ rows loaded "
               f"÷ one of the first {STEPS_COMPARED} (median times, same run)", figures["slowdown"], SLOWDOWN_BOUND,
               "ratio"),
    ]
