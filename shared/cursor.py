"""Opaque, URL-safe, tamper-proof pagination cursors.

A cursor is base64url(JSON) plus an HMAC over it, the tenant and a fingerprint of the query
that produced it. A cursor edited by hand, from another tenant or from another query fails
verification and is answered 400: it can never be used to read past the caller's scope.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from shared.errors import BadRequest

_SIGNATURE_BYTES = 16


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fingerprint(query: dict[str, Any]) -> str:
    """A stable digest of the parameters a cursor belongs to."""
    return hashlib.sha256(json.dumps(query, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:24]


def _signature(secret: bytes, tenant: str, query_fingerprint: str, payload: bytes) -> bytes:
    message = b"\x00".join((tenant.encode(), query_fingerprint.encode(), payload))
    return hmac.new(secret, message, hashlib.sha256).digest()[:_SIGNATURE_BYTES]


def encode(secret: bytes, tenant: str, query_fingerprint: str, position: Any) -> str:
    payload = json.dumps(position, separators=(",", ":"), ensure_ascii=False).encode()
    return f"{_b64encode(payload)}.{_b64encode(_signature(secret, tenant, query_fingerprint, payload))}"


def decode(secret: bytes, tenant: str, query_fingerprint: str, cursor: str) -> Any:
    invalid = BadRequest("The cursor is not valid for this query; start again without a cursor.")
    try:
        payload_part, signature_part = cursor.split(".")
        payload, signature = _b64decode(payload_part), _b64decode(signature_part)
    except (ValueError, TypeError):
        raise invalid from None
    # base64 leaves spare bits in the last character: only the canonical spelling is ours
    if _b64encode(payload) != payload_part or _b64encode(signature) != signature_part:
        raise invalid
    if not hmac.compare_digest(signature, _signature(secret, tenant, query_fingerprint, payload)):
        raise invalid
    return json.loads(payload)
