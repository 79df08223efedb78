"""The local stack: the whole HTTP API on 127.0.0.1 over an embedded AWS emulation.

Everything the stack keeps between runs (secrets, snapshots of the emulated AWS state)
lives in one data folder: ``.local/`` in the repository root unless ``CRM_LOCAL_DATA``
names another.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def default_data_dir() -> Path:
    return Path(os.environ.get("CRM_LOCAL_DATA") or REPO_ROOT / ".local")


def local_secret(data_dir: Path, name: str) -> str:
    """The secret stored in file ``name`` of the data folder, created (mode 0600) on first use.

    Keeping it on disk lets separate processes agree: a token printed by ``crm-local token``
    verifies in a running ``crm-local serve``, and cursors stay valid across restarts.
    """
    path = Path(data_dir) / name
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return path.read_text(encoding="utf-8").strip()
    value = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value + "\n")
    return value


def stack_secret_values(data_dir: Path) -> dict[str, dict[str, str]]:
    """The values of the stack's secrets (template.yaml's AppSecret, TrackingKeySecret) that
    provisioning gives the emulated Secrets Manager, kept in the data folder so that cursors and
    the links of mails sent before a restart stay valid."""
    tracking_key = base64.urlsafe_b64encode(local_secret(data_dir, "tracking-key").encode()).decode()
    return {"AppSecret": {"cursor_secret": local_secret(data_dir, "cursor-secret")},
            "TrackingKeySecret": {"local": tracking_key}}


# The running stack's AWS emulation and user pool, for the `crm-local` commands (`crm-local token`,
# `crm admin … --local`): written when the stack starts, removed when it stops.
RUNNING_AWS_FILE = "running-aws.json"


def write_running_aws(data_dir: Path, description: dict[str, str]) -> None:
    """Record the emulation's endpoint_url, region, TABLE_NAME, USER_POOL_ID and USER_POOL_CLIENT_ID."""
    path = Path(data_dir) / RUNNING_AWS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(description), encoding="utf-8")


def forget_running_aws(data_dir: Path) -> None:
    (Path(data_dir) / RUNNING_AWS_FILE).unlink(missing_ok=True)


def running_aws(data_dir: Path) -> dict[str, str] | None:
    """What `write_running_aws` recorded, or None when no stack serves from this data folder."""
    try:
        return json.loads((Path(data_dir) / RUNNING_AWS_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None


def use_running_stack(data_dir: Path) -> dict[str, str] | None:
    """Point this process (boto3, PynamoDB, shared.config) at the emulation, table and user pool of
    the stack serving from DATA_DIR, as a command run beside `make dev` needs; what the stack
    recorded, or None when none serves from there."""
    running = running_aws(data_dir)
    if running is None:
        return None
    os.environ.update({"AWS_ENDPOINT_URL": running["endpoint_url"], "AWS_DEFAULT_REGION": running["region"],
                       "USER_POOL_ID": running["USER_POOL_ID"], "TABLE_NAME": running["TABLE_NAME"]})
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    return running
