"""The local stack served as `make dev` serves it (`crm-local serve` in a subprocess), for the
tests that talk to it over HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from infra.local import REPO_ROOT

# What a fresh shell has: nothing the session's fixtures put in os.environ leaks into the stack.
BASIC_ENV = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


class ServedStack:
    """`crm-local serve` in a subprocess, so the real handlers' import-time configuration stays
    there; `clean_env` starts it with a fresh shell's environment only."""

    def __init__(self, data_dir: Path, clean_env: bool = False):
        if clean_env:
            env = {name: os.environ[name] for name in BASIC_ENV if name in os.environ}
        else:
            env = {k: v for k, v in os.environ.items()
                   if k not in ("AWS_ENDPOINT_URL", "TABLE_NAME", "CURSOR_SECRET", "TRACKING_KEYS", "TRACKING_BASE_URL")}
        env["PYTHONPATH"] = str(REPO_ROOT)
        self.data_dir = data_dir
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infra.local.cli", "serve", "--port", "0", "--data-dir", str(data_dir)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=REPO_ROOT,
        )
        lines = []
        while not any(line.startswith("Ctrl-C") for line in lines):
            line = self.process.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        self.url = next(line.split()[-1] for line in lines if line.startswith("CRM API on "))
        self.endpoint = next(line.split()[4].rstrip(";") for line in lines if line.startswith("Embedded AWS"))

    def stop(self) -> str:
        """SIGTERM, as Ctrl-C; the output, after checking the stack exited cleanly."""
        self.process.send_signal(signal.SIGTERM)
        output, _ = self.process.communicate(timeout=30)
        assert self.process.returncode == 0, output
        return output


def run_queued_jobs() -> int:
    """Deliver the queues' waiting messages to their workers, as Lambda's SQS triggers do; how
    many were delivered."""
    from infra.local.queues import LocalQueues
    from infra.local.server import invoke_function

    return LocalQueues(invoke_function).drain()


def uploaded(api, data: bytes) -> str:
    """POST /v1/imports and PUT the file to its upload URL; the import's id."""
    import urllib.request

    reply = api.post("/v1/imports", {})
    assert reply.status == 201, reply.body
    # the Content-Type matters only to the emulation: moto's server would read a form-encoded body as a form
    request = urllib.request.Request(reply.body["upload_url"], data=data, method="PUT",
                                     headers={"Content-Type": "text/csv"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    return reply.body["id"]


def imported(api, data: bytes, mapping: dict[str, str], on_duplicate: str = "update") -> dict:
    """Upload a file, start its import, run the worker; the finished import."""
    import_id = uploaded(api, data)
    started = api.post(f"/v1/imports/{import_id}/start", {"mapping": mapping, "on_duplicate": on_duplicate})
    assert started.status == 202, started.body
    run_queued_jobs()
    done = api.get(f"/v1/imports/{import_id}").body
    assert done["status"] == "succeeded", done
    return done

