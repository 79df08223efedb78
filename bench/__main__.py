"""Run every benchmark against an embedded moto server, print the table, write the README."""

from __future__ import annotations

import os
import sys
import tempfile
import time


def main() -> int:
    from infra.local.moto_stack import AwsEmulation

    os.environ.update({
        "TABLE_NAME": "crm-bench", "CURSOR_SECRET": "bench-cursor-secret-0123456789",
        "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING",
    })
    os.environ.pop("AWS_ENDPOINT_URL", None)
    started = time.time()
    with tempfile.TemporaryDirectory() as data_dir:
        emulation = AwsEmulation(data_dir, "crm-bench", snapshot_interval=3600)
        emulation.start()
        try:
            from bench import coldstart, contacts_bench

            figures = contacts_bench.run() + coldstart.run()
        finally:
            emulation.stop()
    from bench.figures import table, write

    context = (f"Measured by `make bench` on moto {__import__('moto').__version__}, "
               f"Python {sys.version.split()[0]}, in {time.time() - started:.0f} s.")
    write(figures, context)
    print(table(figures))
    broken = [figure for figure in figures if not figure.ok]
    for figure in broken:
        print(f"BOUND BROKEN: {figure.name}: {figure.value} > {figure.bound}", file=sys.stderr)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
