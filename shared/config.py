"""Configuration, read from the environment once per cold start."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Config:
    table_name: str
    cursor_secret: bytes
    region: str


def _load() -> Config:
    secret = os.environ.get("CURSOR_SECRET", "")
    if len(secret) < 16:
        raise RuntimeError("CURSOR_SECRET must be set to at least 16 characters")
    return Config(
        table_name=os.environ.get("TABLE_NAME", "crm-local"),
        cursor_secret=secret.encode(),
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "ap-northeast-1",
    )


CONFIG = _load()
