"""Issue 18 figures: the local stack at realistic size. `crm-local serve` runs as `make dev` runs it
(a subprocess on a free port, its own data folder); each page's median latency over HTTP with a
token the stack accepts, with 1,000 contacts in the tenant, then after growing it to 100,000;
then the seconds to stop it (SIGINT, as Ctrl-C) and to start it again on that data."""

from __future__ import annotations

import http.client
import json
import random
import signal
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from bench.figures import Figure
from bench.processes import in_fresh_process

TENANT, REP, TAG, STATUS = "bench-scale", "rep-1", "展示会2026", "won"
SMALL, LARGE, CHUNK = 1_000, 100_000, 5_000
# 1 % of the contacts carry the tag, 1 % are the rep's, 1 % have the status, 2 % are starred; among
# the first 1,000, 5 % (10 % starred), so that each filtered page at 1,000 holds a full page of 50
# as at 100,000 (a page of 10 would make the ratio compare pages of different sizes).
EVERY, EVERY_SMALL = 100, 20
REPEATS = 7
# Start and stop: "seconds, not minutes" (a stop with 20,000 contacts took over 80 s). moto holds a
# contact as ~55 Python objects, so 100,000 contacts are ~7 million to convert on every save and
# restore: about 20-30 s on a 2-core machine, against 758 s (stop) and 317 s (start) before.
RATIO_BOUND, SECONDS_BOUND = 3, 30

# Contacts written straight into the served stack's table, as an import writes them.
_SEED = """
import json, os, sys
os.environ.update({"AWS_ENDPOINT_URL": sys.argv[1], "TABLE_NAME": "crm-local"})
from bench.scale_bench import seed
seed(int(sys.argv[2]), int(sys.argv[3]))
print(json.dumps({}))
"""


def seed(start: int, count: int) -> None:
    from bench.contacts_bench import _contact
    from shared.db import contacts as repository
    from shared.domain import contacts as rules
    from shared.domain.ids import new_id

    rng = random.Random(start)
    for first in range(start, start + count, CHUNK):
        chunk = []
        for index in range(first, min(start + count, first + CHUNK)):
            contact = _contact(rules, new_id, index, TENANT, rng)
            every = EVERY_SMALL if index < SMALL else EVERY
            if index % every == 0:
                contact["tags"] = [TAG]
            if index % every == 1:
                contact["owner_id"] = REP
            if index % every == 2:
                contact["status"] = STATUS
            contact["starred"] = index % (every // 2) == 3
            chunk.append(contact)
        repository.insert_many(TENANT, chunk)


def _pages(segment_id: str) -> dict[str, tuple[str, str, Any]]:
    """Each page measured: (method, path with query, body)."""
    listed = {f"list sort={sort}": {"sort": sort} for sort in
              ("created_at", "name", "email", "last_contacted_at", "last_customer_action_at")}
    listed |= {"list tag": {"tag": TAG}, f"list status={STATUS}": {"status": STATUS},
               f"list owner_id={REP}": {"owner_id": REP}, "list starred": {"starred": "true"},
               "quick search q=長谷川": {"q": "長谷川"}, "quick search q=ﾊｾｶﾞﾜ": {"q": "ﾊｾｶﾞﾜ"}}
    pages = {name: ("GET", "/v1/contacts?" + urlencode({**query, "limit": 50}), None) for name, query in listed.items()}
    pages["POST /v1/contacts/search, tag filter"] = (
        "POST", "/v1/contacts/search", {"filter": {"tags": {"include": [TAG]}}, "limit": 50})
    pages["segment contacts (tag filter)"] = ("GET", f"/v1/segments/{segment_id}/contacts?limit=50", None)
    return pages


class _Client:
    def __init__(self, url: str, token: str) -> None:
        self._address = urlsplit(url)
        self._token = token

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any, float]:
        connection = http.client.HTTPConnection(self._address.hostname, self._address.port, timeout=600)
        payload = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        started = time.perf_counter()
        connection.request(method, path, payload, {"Authorization": f"Bearer {self._token}",
                                                   "Content-Type": "application/json"})
        response = connection.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        connection.close()
        return response.status, json.loads(data) if data else None, elapsed


def _latencies(client: _Client, pages: dict[str, tuple[str, str, Any]]) -> dict[str, float]:
    """The median seconds of each page over REPEATS calls, after one call to warm it."""
    medians = {}
    for name, (method, path, body) in pages.items():
        status, answer, _ = client.call(method, path, body)
        full = min(50, answer.get("total", 50)) if status == 200 else 50  # a search's matches may be fewer
        assert status == 200 and len(answer["items"]) == full, (name, status, answer)
        medians[name] = statistics.median(client.call(method, path, body)[2] for _ in range(REPEATS))
    return medians


def _stop(stack: Any) -> float:
    started = time.perf_counter()
    stack.process.send_signal(signal.SIGINT)
    stack.process.wait(timeout=3600)
    assert stack.process.returncode == 0, stack.process.returncode
    return time.perf_counter() - started


def run() -> list[Figure]:
    from infra.local.served import ServedStack
    from infra.local.sign_in import id_token

    data_dir = Path(tempfile.mkdtemp(prefix="crm-scale-")) / "data"
    stack = ServedStack(data_dir, clean_env=True, start_timeout=3600)

    def signed_in() -> _Client:
        """A client with a fresh ID token of the stack's pool: one lasts an hour, seeding may take longer."""
        return _Client(stack.url, id_token(data_dir, TENANT, "owner@example.jp", "owner"))

    try:
        client = signed_in()
        in_fresh_process(_SEED, stack.endpoint, "0", str(SMALL))
        status, segment, _ = client.call("POST", "/v1/segments",
                                         {"name": "展示会", "filter": {"tags": {"include": [TAG]}}})
        assert status == 201, segment
        pages = _pages(segment["id"])
        small = _latencies(client, pages)
        in_fresh_process(_SEED, stack.endpoint, str(SMALL), str(LARGE - SMALL))
        large = _latencies(signed_in(), pages)
        stop_seconds = _stop(stack)
        started = time.perf_counter()
        stack = ServedStack(data_dir, clean_env=True, start_timeout=3600)
        start_seconds = time.perf_counter() - started
        status, page, _ = signed_in().call("GET", f"/v1/contacts?{urlencode({'owner_id': REP, 'limit': 50})}")
        assert status == 200 and page["items"] and {contact["owner_id"] for contact in page["items"]} == {REP}, status
    finally:
        if stack.process.poll() is None:
            stack.process.send_signal(signal.SIGINT)
            stack.process.wait(timeout=3600)
    figures = [Figure("#18", f"{name}: latency {LARGE // 1000}k ÷ {SMALL // 1000}k contacts "
                             f"({small[name] * 1000:.0f} → {large[name] * 1000:.0f} ms)",
                      round(large[name] / small[name], 2), RATIO_BOUND, "ratio") for name in pages]
    figures.append(Figure("#18", f"make dev with {LARGE:,} contacts: stop (Ctrl-C)", round(stop_seconds, 1),
                          SECONDS_BOUND, "s"))
    figures.append(Figure("#18", f"make dev with {LARGE:,} contacts: start", round(start_seconds, 1),
                          SECONDS_BOUND, "s"))
    return figures
