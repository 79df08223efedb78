"""Issue 22 figures: an email to a selection of 5,000 contacts (POST /v1/emails/bulk) run by the
worker: DynamoDB write requests per email sent, and the worker's peak memory (Python allocations,
tracemalloc) while it sends them. Every contact must get exactly one email.

The pace is raised for the run (SES_PACE and the emulated account's rate, both restored after):
at a new account's 14 a second the run would take six minutes and measure the same writes; the
pacing and the throttled path are proven by tests/test_fault_injection.py and test_send_limits.py.
"""

from __future__ import annotations

import os

from bench.counting import seated
from bench.emails_bench import _call, _seed_contacts
from bench.figures import Figure
from bench.processes import in_fresh_process

CONTACTS = 5_000
BENCH_RATE = 1_000.0  # sends a second, for the run only


# The worker sending the job, in a fresh process (its own memory only: not the emulator's, which
# keeps every message SES accepted), counting its requests and the recipients of what it sent. The
# local outbox keeps every message too: its listener gives way to one that keeps the address only.
_WORKER = """
import json, os, sys, tracemalloc
from collections import Counter
from bench.counting import DynamoCounter
from infra.local.outbox import OUTBOX
from shared.db.models import table_connection
from shared.domain.send_limits import SendPace
from shared.services import bulk_emails, delivery
tenant, job_id, rate = sys.argv[1], sys.argv[2], float(sys.argv[3])
delivery.SES_PACE = SendPace(rate)
delivery.SENT_LISTENERS.remove(OUTBOX.record)
sent = Counter()
delivery.SENT_LISTENERS.append(lambda email, raw, message_id: sent.update([email["to"]]))
counter = DynamoCounter(table_connection().connection.client)
tracemalloc.start()
with counter.measure() as requests:
    while not bulk_emails.run(tenant, job_id, lambda: 900.0):
        pass  # out of time: the next message goes on
peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"writes": requests.writes, "requests": requests.total_requests, "peak": peak,
                  "twice": sum(1 for count in sent.values() if count > 1), "sent": sum(sent.values())}))
"""


def run() -> list[Figure]:
    claims = seated({"sub": "rep-1", "email": "rep@example.co.jp", "name": "営業 太郎",
                     "custom:tenant_id": "bench-bulk-mail", "custom:role": "owner"})
    tenant = claims["custom:tenant_id"]
    ids = _seed_contacts(tenant, CONTACTS)
    status, job = _call("POST", "/v1/emails/bulk", claims, {
        "selection": {"ids": ids}, "subject": "{{contact.family_name}}様 セミナーのご案内",
        "body_html": '<p>{{contact.family_name}}様</p><p><a href="https://example.co.jp/seminar">お申し込み</a></p>'})
    assert status == 202, job
    rate = os.environ.get("SES_MAX_SEND_RATE")
    os.environ["SES_MAX_SEND_RATE"] = str(BENCH_RATE)  # the emulated account's, and the worker's
    try:
        measured = in_fresh_process(_WORKER, tenant, job["id"], str(BENCH_RATE))
    finally:
        if rate is None:
            os.environ.pop("SES_MAX_SEND_RATE", None)
        else:
            os.environ["SES_MAX_SEND_RATE"] = rate
    status, done = _call("GET", f"/v1/jobs/{job['id']}", claims)
    assert done["status"] == "succeeded" and done["counts"]["sent"] == CONTACTS == measured["sent"], (done, measured)
    return [
        Figure("#22", f"email to a selection of {CONTACTS:,}: DynamoDB write requests per email",
               round(measured["writes"] / CONTACTS, 2), 2.2, "requests"),
        Figure("#22", f"email to a selection of {CONTACTS:,}: all DynamoDB requests per email",
               round(measured["requests"] / CONTACTS, 2), 2.5, "requests"),
        Figure("#22", f"email to a selection of {CONTACTS:,}: the worker's peak memory (Python allocations)",
               round(measured["peak"] / 1024 / 1024, 1), 64, "MB"),
        Figure("#22", f"email to a selection of {CONTACTS:,}: contacts sent twice", measured["twice"], 0, "contacts"),
    ]
