"""Issue 9: the served local stack (`crm-local serve`) under 16 concurrent HTTP clients that
create, patch, read, list and search contacts, send emails and hit their tracking links; then
everything is read back (infra/local/load.py, which bench/load_bench.py runs at 10,000 requests).

The emulator cancels transactions that meet another one in flight and refuses plain writes of
their items, as DynamoDB does (infra/local/dynamodb_realism.py): every contact write of the
tenant holds its CONFIG and USAGE items, so the clients' writes keep meeting each other.
"""

from __future__ import annotations

import re

from infra.local.load import MIX, run_load
from stack_support import ServedStack

CLIENTS = 16
REQUESTS = 800
TRANSACTION_MS = "20"  # how long a transaction holds its items: DynamoDB's take tens of milliseconds


def test_sixteen_clients_get_no_5xx_lose_nothing_and_write_nothing_twice(tmp_path):
    stack = ServedStack(tmp_path / "data", clean_env=True, env={"CRM_LOCAL_TRANSACTION_MS": TRANSACTION_MS})
    try:
        report = run_load(stack.url, stack.data_dir, clients=CLIENTS, requests=REQUESTS, seconds=120,
                          baseline_requests=20)
        output = stack.stop()
    finally:
        stack.kill()
    summary = report.summary()

    conflicts = re.search(r"conflicts emulated: (\d+) transactions cancelled, (\d+) plain writes refused", output)
    assert conflicts and int(conflicts[1]) > 0, summary + output[-2000:]  # the writes did meet each other
    assert report.client_failures == [], summary
    assert report.requests >= REQUESTS, summary  # not cut short by the time limit
    assert set(report.kinds) >= {kind for kind, _ in MIX} | {"outbox"}, summary  # every kind of request ran
    assert report.server_errors == 0, summary
    assert report.unexpected == 0, summary  # no timeouts, no 4xx but the contested creates' 409s
    assert report.lost == [], summary
    assert report.duplicated == [], summary
    # Unique emails stayed unique under contention: each contested address was tried by several
    # clients at once, one create made it (201) and every other one answered 409.
    contested = report.kinds["create_shared_email"].statuses
    assert min(report.shared_tries.values()) >= 2, summary
    assert contested[201] == len(report.shared_tries), summary
    assert contested[409] == sum(report.shared_tries.values()) - len(report.shared_tries), summary
    # the tracked emails got hits while their contacts were being patched
    assert report.tracked_emails > 8 and report.kinds["open"].requests > 0 and report.kinds["click"].requests > 0
