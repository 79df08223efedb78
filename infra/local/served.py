"""The local stack served as `make dev` serves it (`crm-local serve` in a subprocess), for the
tests and benchmarks that talk to it over HTTP."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from infra.local import REPO_ROOT

# What a fresh shell has: nothing the caller put in os.environ leaks into the stack.
BASIC_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
# Configuration the caller's process may hold for its own emulation, never the served stack's.
_CALLER_ONLY = ("AWS_ENDPOINT_URL", "TABLE_NAME", "APP_SECRET_ID", "TRACKING_KEY_SECRET_ID", "TRACKING_BASE_URL")
_KEPT_LINES = 2000  # of the stack's output after start-up (its request log): the tail, for stop()


class ServedStack:
    """`crm-local serve` in a subprocess, so the real handlers' import-time configuration stays
    there; `clean_env` starts it with a fresh shell's environment only, `env` adds to it (e.g. the
    emulator's CRM_LOCAL_TRANSACTION_MS, infra/local/dynamodb_realism.py).

    The stack logs every request: a thread keeps reading its output (the last lines are kept),
    so that a long run never blocks the stack on a full pipe."""

    def __init__(self, data_dir: Path, clean_env: bool = False, start_timeout: float = 120.0,
                 env: dict[str, str] | None = None):
        if clean_env:
            inherited = {name: os.environ[name] for name in BASIC_ENV if name in os.environ}
        else:
            inherited = {k: v for k, v in os.environ.items() if k not in _CALLER_ONLY}
        env = {**inherited, **(env or {}), "PYTHONPATH": str(REPO_ROOT)}
        self.data_dir = data_dir
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infra.local.cli", "serve", "--port", "0", "--data-dir", str(data_dir)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO_ROOT,
        )
        timer = threading.Timer(start_timeout, self.process.kill)  # a stack that never says it serves
        timer.start()
        lines: list[str] = []
        try:
            while not any(line.startswith("Ctrl-C") for line in lines):
                line = self.process.stdout.readline()
                if not line:
                    self.process.kill()
                    raise RuntimeError("crm-local serve did not start:\n" + "".join(lines))
                lines.append(line)
        finally:
            timer.cancel()
        self.url = next(line.split()[-1] for line in lines if line.startswith("CRM API on "))
        self.endpoint = next(line.split()[4].rstrip(";") for line in lines if line.startswith("Embedded AWS"))
        self._output: collections.deque[str] = collections.deque(maxlen=_KEPT_LINES)
        self._reader = threading.Thread(target=self._read_output, name="served-stack-output", daemon=True)
        self._reader.start()

    def _read_output(self) -> None:
        for line in self.process.stdout:
            self._output.append(line)

    def stop(self) -> str:
        """SIGTERM, as Ctrl-C; the last lines of output, after checking the stack exited cleanly."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        self._reader.join(timeout=10)
        output = "".join(self._output)
        if self.process.returncode != 0:
            raise RuntimeError(f"crm-local serve exited with {self.process.returncode}:\n{output}")
        return output

    def kill(self) -> None:
        """The stack's process gone, whatever state it is in (a no-op once it stopped)."""
        self.process.kill()
        self.process.wait(timeout=60)

    def __enter__(self) -> ServedStack:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.kill()
