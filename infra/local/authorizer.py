"""API Gateway's JWT authorizer, as the local stack's gateway runs it in front of the functions.

Each bearer token is checked against the stack's Cognito user pool (the embedded emulation's) the
way the HTTP API's JWT authorizer of template.yaml checks it in AWS
(https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html):
an RSA signature by a key of the issuer's JWKS (fetched once, fetched again for a `kid` it does not
hold), `iss` the pool's issuer URL, `aud` the app client (or, in a token without `aud` such as an
access token, `client_id`), `exp` in the future, and `nbf` and `iat` not in it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Any

import jwt

log = logging.getLogger("crm-local")

# "Currently, only RSA-based algorithms are supported" (the page above, "Authorizing API requests").
RSA_ALGORITHMS = ["RS256", "RS384", "RS512"]
JWKS_TIMEOUT_SECONDS = 10


class InvalidTokenError(Exception):
    """The token is malformed, not signed by the pool, of another issuer or audience, or expired."""


def issuer(region: str, user_pool_id: str) -> str:
    """The `iss` of the pool's tokens, and the authorizer's Issuer in template.yaml."""
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


class JwtAuthorizer:
    """The checks of the template's CognitoJwtAuthorizer: Issuer the pool, Audience the app client."""

    def __init__(self, endpoint_url: str, region: str, user_pool_id: str, client_id: str) -> None:
        self.issuer = issuer(region, user_pool_id)
        self.audience = client_id
        # moto serves the pool's JWKS at <endpoint>/<pool id>/.well-known/jwks.json, where Cognito
        # serves it at <issuer>/.well-known/jwks.json
        self._keys = jwt.PyJWKClient(f"{endpoint_url.rstrip('/')}/{user_pool_id}/.well-known/jwks.json",
                                     timeout=JWKS_TIMEOUT_SECONDS)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> JwtAuthorizer | None:
        """The authorizer of the pool the functions' environment names, None without one."""
        if not (environ.get("USER_POOL_ID") and environ.get("USER_POOL_CLIENT_ID") and environ.get("AWS_ENDPOINT_URL")):
            return None
        region = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "ap-northeast-1"
        return cls(environ["AWS_ENDPOINT_URL"], region, environ["USER_POOL_ID"], environ["USER_POOL_CLIENT_ID"])

    def claims(self, token: str) -> dict[str, Any]:
        """The verified claims of TOKEN; InvalidTokenError saying why it is refused otherwise."""
        try:
            key = self._keys.get_signing_key_from_jwt(token)
            claims = jwt.decode(token, key.key, algorithms=RSA_ALGORITHMS, issuer=self.issuer,
                                options={"require": ["exp", "iss"], "verify_aud": False})
        except jwt.PyJWKClientConnectionError as error:
            log.warning("the user pool's JWKS could not be fetched: %s", error)
            raise InvalidTokenError("the signing keys could not be fetched") from error
        except jwt.PyJWTError as error:
            raise InvalidTokenError(str(error)) from error
        # "API Gateway validates client_id only if aud is not present. When both aud and client_id
        # are present, API Gateway evaluates aud."
        # (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-jwt.html)
        audience = claims["aud"] if "aud" in claims else claims.get("client_id")
        if self.audience not in (audience if isinstance(audience, list) else [audience]):
            raise InvalidTokenError("the token does not have a valid audience")
        return claims
