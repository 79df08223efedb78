"""Issue 8 figures: exports of 10,000 and 100,000 contacts (the worker's peak memory, and its rows
per second against a bare boto3 query-and-csv loop over the same data, both in fresh processes
so the emulator's own memory is not counted), an import of 100,000 rows (write requests), and
the arithmetic of 1,000,000 rows in AWS.

The worker runs in a subprocess: moto runs inside the bench's process and keeps the uploaded
file in its memory, which a real worker never holds.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import time
from typing import Any

from bench.counting import DynamoCounter, seated
from bench.figures import Figure
from bench.processes import in_fresh_process

SMALL, LARGE, IMPORT_ROWS = 10_000, 100_000, 100_000

_WORKER = """
import json, sys, time, tracemalloc
tenant, job_id = sys.argv[1], sys.argv[2]
from shared.services import exports  # imported before measuring, as in a warm Lambda
tracemalloc.start()
started = time.perf_counter()
exports.run(tenant, job_id, None)
elapsed = time.perf_counter() - started
print(json.dumps({"seconds": elapsed, "peak": tracemalloc.get_traced_memory()[1]}))
"""

_BARE_LOOP = """
import csv, io, json, sys, time, boto3
table, tenant = sys.argv[1], sys.argv[2]
client = boto3.client("dynamodb")
started, rows = time.perf_counter(), 0
out = io.StringIO()
writer = csv.writer(out)
for shard in range(16):
    start = None
    while True:
        page = client.query(TableName=table, IndexName="GSI15", KeyConditionExpression="gsi15pk = :pk",
                            ExpressionAttributeValues={":pk": {"S": f"{tenant}#SHARD#{shard:02d}"}},
                            **({"ExclusiveStartKey": start} if start else {}))
        for item in page["Items"]:
            data = item["data"]["M"]
            writer.writerow([data.get(name, {}).get("S", "") for name in ("family_name", "given_name", "email")])
            rows += 1
        out.seek(0); out.truncate()
        start = page.get("LastEvaluatedKey")
        if not start:
            break
print(json.dumps({"seconds": time.perf_counter() - started, "rows": rows}))
"""


def _seed(tenant: str, count: int, rng: random.Random) -> None:
    from bench.contacts_bench import _contact
    from shared.db import contacts as repository
    from shared.domain import contacts as rules
    from shared.domain.ids import new_id

    for start in range(0, count, 10_000):
        batch = [_contact(rules, new_id, index, tenant, rng) for index in range(start, min(count, start + 10_000))]
        repository.insert_many(tenant, batch)


def _claims(tenant: str) -> dict[str, str]:
    return seated({"sub": "owner-1", "email": "owner@example.jp", "custom:tenant_id": tenant, "custom:role": "owner"})


def _export(tenant: str) -> dict[str, Any]:
    from infra.local.server import call_handler

    body = {"reason": "bench", "encoding": "cp932",
            "fields": ["family_name", "given_name", "family_name_kana", "given_name_kana", "email", "company",
                       "tags", "status", "score", "created_at"]}
    result = call_handler("POST", "/v1/exports", _claims(tenant), json.dumps(body))
    assert result["statusCode"] == 202, result
    job_id = json.loads(result["body"])["id"]
    measured = in_fresh_process(_WORKER, tenant, job_id)
    done = json.loads(call_handler("GET", f"/v1/exports/{job_id}", _claims(tenant))["body"])
    assert done["status"] == "succeeded", done
    return {**measured, "rows": done["row_count"]}


def _import_file(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["姓", "名", "メールアドレス", "タグ"])
    for index in range(rows):
        writer.writerow([f"山田{index}", "太郎", f"import{index}@example.co.jp", "展示会2026"])
    return out.getvalue().encode("utf-8-sig")


def _import(tenant: str, counter: DynamoCounter) -> tuple[int, float]:
    """(write requests, seconds) of an import."""
    import boto3

    from infra.local.server import call_handler
    from shared.config import CONFIG
    from shared.keys import import_object_key
    from shared.services import imports

    created = json.loads(call_handler("POST", "/v1/imports", _claims(tenant), "{}")["body"])
    boto3.client("s3").put_object(Bucket=CONFIG.files_bucket, Key=import_object_key(tenant, created["id"]),
                                  Body=_import_file(IMPORT_ROWS))
    mapping = {"姓": "family_name", "名": "given_name", "メールアドレス": "email", "タグ": "tags"}
    started = call_handler("POST", f"/v1/imports/{created['id']}/start", _claims(tenant),
                           json.dumps({"mapping": mapping}))
    assert started["statusCode"] == 202, started
    clock = time.perf_counter()
    with counter.measure() as reads:
        assert imports.run(tenant, created["id"], lambda: 900.0)
    seconds = time.perf_counter() - clock
    done = json.loads(call_handler("GET", f"/v1/imports/{created['id']}", _claims(tenant))["body"])
    assert done["created"] == IMPORT_ROWS, done
    return reads.writes, seconds


def formatting_rate(count: int = 50_000) -> float:
    """Rows per second this machine takes contacts from DynamoDB's wire JSON (1 MB pages, parsed
    and turned into contacts) to cp932 CSV, with no I/O: the CPU part of an export, for the
    README's estimate of 1,000,000 rows in AWS."""
    from bench.contacts_bench import _contact
    from shared import tabular_files
    from shared.db.contacts import contact_of_raw
    from shared.db.models import ContactItem
    from shared.domain import contacts as rules
    from shared.domain import exports, settings
    from shared.domain.ids import new_id

    rng = random.Random(17)
    items = [ContactItem("pk", "CONTACT", data=_contact(rules, new_id, index, "rate", rng) | {"tags": ["展示会2026"]},
                         version=1).serialize() for index in range(count)]
    pages = [json.dumps({"Items": items[start:start + 1000]}) for start in range(0, count, 1000)]
    fields = ["family_name", "given_name", "family_name_kana", "given_name_kana", "email", "company", "tags",
              "status", "score", "created_at"]

    class _Discard:
        def write(self, data: bytes) -> int:
            return len(data)

    started = time.perf_counter()
    with tabular_files.csv_writer(_Discard(), "cp932") as writer:
        for page in pages:
            for raw in json.loads(page)["Items"]:
                writer.write_row(exports.row(contact_of_raw(raw), fields, settings.effective({})))
    return count / (time.perf_counter() - started)


def estimated_minutes(rows: int, rows_per_second: float) -> float:
    """1,000,000 rows in AWS: formatting at the measured rate, and reading ~1 KB per contact in
    1 MB Query pages from 4 shards at once, each within one partition's 3,000 RCU/s (eventually
    consistent: 8 KB per RCU), i.e. 4 × 24 MB/s; the two overlap, so the slower one counts."""
    read_seconds = rows * 1024 / (4 * 3000 * 8 * 1024)
    return max(rows / rows_per_second, read_seconds) / 60


def run() -> list[Figure]:
    from shared.db.models import table_connection

    counter = DynamoCounter(table_connection().connection.client)
    rng = random.Random(13)
    _seed("bench-export-small", SMALL, rng)
    _seed("bench-export-large", LARGE, rng)
    small, large = _export("bench-export-small"), _export("bench-export-large")
    assert (small["rows"], large["rows"]) == (SMALL, LARGE), (small, large)
    bare = in_fresh_process(_BARE_LOOP, os.environ["TABLE_NAME"], "bench-export-large")
    assert bare["rows"] == LARGE
    ratio = (LARGE / large["seconds"]) / (bare["rows"] / bare["seconds"])
    growth = (large["peak"] - small["peak"]) / 2**20
    writes, import_seconds = _import("bench-import", counter)
    items_per_contact = 4  # the contact, its email key, its tag membership, its status view entry
    RESULTS.update(export_rows_per_second=LARGE / large["seconds"], import_rows_per_second=IMPORT_ROWS / import_seconds,
                   bare_rows_per_second=bare["rows"] / bare["seconds"], large_peak_mb=large["peak"] / 2**20)
    rate = formatting_rate()
    RESULTS["formatting_rows_per_second"] = rate
    return [
        Figure("#8", "export of 1,000,000 rows in AWS: estimated minutes (README, \"1,000,000 rows\")",
               round(estimated_minutes(1_000_000, rate), 1), 15, "minutes"),
        Figure("#8", f"export of {LARGE:,} vs {SMALL:,} contacts: growth of the worker's peak memory",
               round(max(0.0, growth), 1), 30, "MB"),
        Figure("#8", f"export of {LARGE:,} contacts: peak memory of the worker (for scale)",
               round(large["peak"] / 2**20, 1), 1024, "MB"),
        Figure("#8", "export rows per second ÷ a bare boto3 query-and-csv loop's (same data, same run)",
               round(ratio, 2), 0.5, "ratio", at_least=True),
        # per chunk of 1,000 rows: the contacts' items in batches of 25, the plan's room (one transaction),
        # and one transaction carrying the counts, the job's record and the last items
        Figure("#8", f"import of {IMPORT_ROWS:,} rows: DynamoDB write requests (all kinds; bound: items ÷ 25)",
               writes, IMPORT_ROWS // 25 * items_per_contact, "requests"),
    ]


RESULTS: dict[str, float] = {}
