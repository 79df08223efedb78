"""HS256 JWTs with the claims of a Cognito ID token, for the local stack only.

In AWS the API Gateway JWT authorizer checks RS256 tokens from the user pool; locally a
shared secret in the data folder stands in for the pool's keys. Standard library only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

ROLES = ("owner", "admin", "manager", "user")
ISSUER = "https://cognito-idp.local/crm-local"
AUDIENCE = "crm-local"
DEFAULT_TTL_SECONDS = 12 * 3600
SECRET_FILE = "jwt-secret"

_HEADER = {"alg": "HS256", "typ": "JWT"}
_SUB_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://crm.local/users")


class InvalidTokenError(Exception):
    """The token is malformed, badly signed, of another issuer or audience, or expired."""


class ExpiredTokenError(InvalidTokenError):
    pass


def user_sub(tenant: str, email: str) -> str:
    """The stable user id of EMAIL in TENANT (emails compare case-insensitively)."""
    return str(uuid.uuid5(_SUB_NAMESPACE, f"{tenant}\n{email.strip().lower()}"))


def issue_token(
    tenant: str,
    email: str,
    role: str,
    secret: str | bytes,
    ttl_seconds: int = DEFAULT_TTL_SECONDS,
    name: str | None = None,
    now: float | None = None,
) -> str:
    if not tenant:
        raise ValueError("tenant must not be empty")
    if "@" not in email:
        raise ValueError(f"not an email address: {email!r}")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if ttl_seconds <= 0:
        raise ValueError("ttl_seconds must be positive")
    issued_at = int(time.time() if now is None else now)
    claims: dict[str, Any] = {
        "sub": user_sub(tenant, email),
        "email": email.strip(),
        "email_verified": True,
        "custom:tenant_id": tenant,
        "custom:role": role,
        "iss": ISSUER,
        "aud": AUDIENCE,
        "token_use": "id",
        "auth_time": issued_at,
        "iat": issued_at,
        "exp": issued_at + ttl_seconds,
    }
    if name:
        claims["name"] = name
    signing_input = f"{_encode_json(_HEADER)}.{_encode_json(claims)}"
    return f"{signing_input}.{_b64encode(_sign(signing_input, secret))}"


def verify_token(token: str, secret: str | bytes, now: float | None = None) -> dict[str, Any]:
    """The claims of TOKEN, checked as the API Gateway JWT authorizer would check them."""
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidTokenError("the token is not a JWT (expected three dot-separated parts)")
    header = _decode_json(parts[0], "header")
    if header.get("alg") != "HS256":
        raise InvalidTokenError(
            f"unsupported signing algorithm {header.get('alg')!r}; only HS256 is accepted"
        )
    signature = _b64decode(parts[2], "signature")
    if not hmac.compare_digest(signature, _sign(f"{parts[0]}.{parts[1]}", secret)):
        raise InvalidTokenError("the token signature does not match")
    claims = _decode_json(parts[1], "payload")
    if claims.get("iss") != ISSUER:
        raise InvalidTokenError(f"the token issuer {claims.get('iss')!r} is not {ISSUER!r}")
    if claims.get("aud") != AUDIENCE:
        raise InvalidTokenError(f"the token audience {claims.get('aud')!r} is not {AUDIENCE!r}")
    expires = claims.get("exp")
    if not isinstance(expires, int | float):
        raise InvalidTokenError("the token has no expiry (exp)")
    if (time.time() if now is None else now) >= expires:
        raise ExpiredTokenError("the token has expired")
    return claims


def _sign(signing_input: str, secret: str | bytes) -> bytes:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, signing_input.encode("ascii"), hashlib.sha256).digest()


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str, part: str) -> bytes:
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidTokenError(f"the token {part} is not base64url") from exc


def _encode_json(value: dict[str, Any]) -> str:
    return _b64encode(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())


def _decode_json(text: str, part: str) -> dict[str, Any]:
    try:
        value = json.loads(_b64decode(text, part))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidTokenError(f"the token {part} is not JSON") from exc
    if not isinstance(value, dict):
        raise InvalidTokenError(f"the token {part} is not a JSON object")
    return value
