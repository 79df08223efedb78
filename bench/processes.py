"""Run a measured piece of work in a fresh interpreter: moto runs inside the bench's own process,
so memory measured there would count the emulator's tables and the copies it makes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def in_fresh_process(script: str, *args: str) -> dict[str, Any]:
    """Run `script` (Python source whose last line of output is JSON) with `args`; that JSON."""
    result = subprocess.run([sys.executable, "-c", script, *args], cwd=_ROOT, env=dict(os.environ),
                            capture_output=True, text=True, timeout=3600)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
