"""Server-side ingest keys: `crm_<key id>_<secret>`. The key id finds the key (and its tenant)
with one read; the secret is compared by its SHA-256 (it is 256 random bits, so a slow hash
would add nothing), in constant time. The full key is shown once, at creation."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any, cast

from shared.domain import fields
from shared.errors import FieldError, require_valid

_KEY = re.compile(r"crm_([0-9A-HJKMNP-TV-Z]{26})_([A-Za-z0-9_-]{43})")
MAX_NAME_LENGTH = 100
_NAME_REQUIRED = 'is required: what uses this key, e.g. "website forms"'
_NAME = fields.name(MAX_NAME_LENGTH, _NAME_REQUIRED, "What uses this key, such as `website forms`.",
                    too_long_apart=True)
API_KEY_INPUT = fields.Body("ApiKeyInput", "API key", {"name": _NAME}, required=("name",),
                            example={"name": "website forms"})


def new_secret(key_id: str) -> str:
    return f"crm_{key_id}_{secrets.token_urlsafe(32)}"


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def key_id_of(secret: Any) -> str | None:
    """The key id a presented key names, or None when it is not shaped like one of ours."""
    match = _KEY.fullmatch(secret) if isinstance(secret, str) else None
    return match.group(1) if match else None


def matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(secret_hash(secret), stored_hash)


def parse_name(body: Any) -> str:
    """The name of API_KEY_INPUT; a body that is no object is read as one without a name."""
    name, error = _NAME(body.get("name") if isinstance(body, dict) else None)
    errors = [FieldError("name", error, "required" if error == _NAME_REQUIRED else "invalid")] if error else []
    if isinstance(body, dict):
        errors += API_KEY_INPUT.unknown(body)
    require_valid(errors)
    return cast(str, name)  # a str: require_valid raised otherwise
