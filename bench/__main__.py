"""Run every benchmark against an embedded moto server, print the table, write the README."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

TABLE_NAME = "crm-bench"


def _fresh_emulation(endpoint_url: str) -> None:
    """Empty the emulation (every service) and provision it again for the next part."""
    import urllib.request

    from infra.provision import provision

    urllib.request.urlopen(urllib.request.Request(f"{endpoint_url}/moto-api/reset", method="POST"), timeout=60).read()
    os.environ.update(provision(table_name=TABLE_NAME))  # the secrets' new ARNs


def main(only: list[str]) -> int:
    """All parts, written into the README; or only the named ones (e.g. `coldstart search_bench`),
    whose figures then replace theirs in the last full run's table."""
    from bench import coldstart
    from infra.local.moto_stack import EmbeddedMoto
    from infra.provision import provision

    started = time.time()
    os.environ.update({
        "AWS_DEFAULT_REGION": "ap-northeast-1", "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
        "TABLE_NAME": TABLE_NAME,
        "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING",
        "TRACKING_BASE_URL": "https://track.bench.example", "SES_CONFIGURATION_SET": "crm-bench",
        "MAILBOX_SECRET_PREFIX": "crm-bench/mailbox", "INBOUND_BUCKET": "crm-inbound-bench",
        "SCHEDULE_GROUP": "crm-bench-emails",
        "SCHEDULER_ROLE_ARN": "arn:aws:iam::123456789012:role/crm-bench-scheduler",
        "SCHEDULED_SEND_ARN": "arn:aws:lambda:ap-northeast-1:123456789012:function:ScheduledSendFunction",
        "BULK_QUEUE_URL": "https://sqs.ap-northeast-1.amazonaws.com/123456789012/crm-bench-bulk",
        "EXPORT_QUEUE_URL": "https://sqs.ap-northeast-1.amazonaws.com/123456789012/crm-bench-export",
        "FILES_BUCKET": "crm-bench-files", "API_BASE_URL": "https://api.bench.example",
        "NOTIFY_FROM": "noreply@bench.example",
    })
    from infra.local import sns  # the mail events function trusts the local signer's certificate

    os.environ.update(sns.configure(Path(tempfile.mkdtemp()), "ap-northeast-1"))
    moto = EmbeddedMoto()
    moto.start()
    os.environ["AWS_ENDPOINT_URL"] = moto.endpoint_url
    try:
        os.environ.update(provision(table_name=TABLE_NAME))  # the pools' ids, the secrets' ARNs
        # First, while the emulation is small and nothing else runs: cold-start timings are the
        # figures most disturbed by a busy machine (a multi-GB emulator made them swing ±30 %).
        cold_starts = [replace(figure, part="coldstart")
                       for figure in coldstart.run()] if not only or "coldstart" in only else []
        _fresh_emulation(moto.endpoint_url)
        from bench import (
            bulk_email_bench,
            console_bench,
            console_list,
            contacts_bench,
            emails_bench,
            files_bench,
            history_bench,
            load_bench,
            mail_events_bench,
            mailbox_bench,
            scale_bench,
            search_bench,
            timeline_bench,
            views_bench,
        )

        modules = (emails_bench, bulk_email_bench, mail_events_bench, mailbox_bench, timeline_bench, contacts_bench,
                   views_bench, search_bench, files_bench, load_bench, scale_bench, console_bench, console_list,
                   history_bench)
        chosen = [module for module in modules if not only or module.__name__.split(".")[-1] in only]
        figures = []
        for module in chosen:
            figures += [replace(figure, part=module.__name__.split(".")[-1]) for figure in module.run()]
            _fresh_emulation(moto.endpoint_url)  # moto reads whole tables per query: keep each part's small
        figures += cold_starts
    finally:
        moto.stop()
    from bench.figures import merged, table, write

    context = (f"Measured by `make bench` on moto {__import__('moto').__version__}, "
               f"Python {sys.version.split()[0]}, in {time.time() - started:.0f} s.")
    if only:
        figures, context = merged(figures, only, f"{time.time() - started:.0f} s")
    write(figures, context)
    print(table(figures))
    broken = [figure for figure in figures if not figure.ok]
    for figure in broken:
        print(f"BOUND BROKEN: {figure.name}: {figure.value} > {figure.bound}", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
