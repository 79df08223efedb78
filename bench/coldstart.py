"""Import cost of each handler module against `import boto3`, in fresh interpreters of this run."""

from __future__ import annotations

import os
import subprocess
import sys

from bench.figures import Figure

_TIMER = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
HANDLERS = {
    "contacts_api": ("#3", "functions.contacts_api.app", 1.5),
    "emails_api": ("#5", "functions.emails_api.app", 1.5),
    "scheduled_send": ("#5", "functions.scheduled_send.app", 1.5),
    "tracking": ("#5", "functions.tracking.app", 1.2),  # every opened email hits it: the leanest
    "mail_events": ("#6", "functions.mail_events.app", 1.5),
    "activity_ingest": ("#4", "functions.activity_ingest.app", 1.5),
}


def _import_seconds(module: str, env: dict[str, str]) -> float:
    output = subprocess.run([sys.executable, "-c", _TIMER.format(module=module)], env=env, check=True,
                            capture_output=True, text=True).stdout
    return float(output.strip().splitlines()[-1])


def run(rounds: int = 15) -> list[Figure]:
    """The fastest of `rounds` interleaved imports on each side: load from other processes
    only ever adds time, so the minimum is the figure least disturbed by a busy machine."""
    # .pyc files are written (as a deployed package ships them); any value of
    # PYTHONDONTWRITEBYTECODE, even "0", would turn that off
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    figures = []
    for name, (issue, module, bound) in HANDLERS.items():
        _import_seconds(module, env)  # compile .pyc first, as a deployed package has them
        baseline, handler = [], []
        for _ in range(rounds):  # interleaved, so machine noise hits both alike
            baseline.append(_import_seconds("boto3", env))
            handler.append(_import_seconds(module, env))
        ratio = min(handler) / min(baseline)
        figures.append(Figure(issue, f"cold start: import {name} handler / import boto3 (fastest of {rounds})",
                              round(ratio, 2), bound, "ratio"))
    return figures
