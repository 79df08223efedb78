"""Tokens for the JWT authorizer's tests: as the emulated user pool signs them (with its own key,
moto's, which the pool's JWKS publishes) but with claims it would not issue (expired, another
issuer or audience), and signed by a key the pool does not have."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.utilities.utils import load_resource

_POOL_JWK = load_resource("cognitoidp/resources/jwks-private.json")
POOL_KEY = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(_POOL_JWK))
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def id_claims(environ: dict[str, str], **overrides: Any) -> dict[str, Any]:
    """The claims of an ID token of the pool ENVIRON names (USER_POOL_ID, USER_POOL_CLIENT_ID),
    valid for an hour from now, with OVERRIDES (None removes a claim)."""
    now = int(time.time())
    region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "ap-northeast-1"
    claims = {"iss": f"https://cognito-idp.{region}.amazonaws.com/{environ['USER_POOL_ID']}",
              "sub": str(uuid.uuid4()), "aud": environ["USER_POOL_CLIENT_ID"], "token_use": "id",
              "iat": now, "auth_time": now, "exp": now + 3600, "email": "someone@example.jp",
              "custom:tenant_id": "tenant-x", "custom:role": "owner"}
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def signed(claims: dict[str, Any], key: Any = POOL_KEY, kid: str | None = None) -> str:
    """CLAIMS signed RS256 by KEY (the pool's by default), its header naming the pool's key id."""
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid or _POOL_JWK["kid"]})
