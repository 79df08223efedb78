import base64
import hashlib
import hmac
import json
import os
import stat

import pytest

from infra.local import local_secret
from infra.local.jwt import (
    AUDIENCE,
    ISSUER,
    ExpiredTokenError,
    InvalidTokenError,
    issue_token,
    user_sub,
    verify_token,
)

SECRET = "test-secret-0123456789"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_round_trip_has_cognito_id_token_claims():
    token = issue_token(
        "t1", "Alice@Example.com", "manager", SECRET, ttl_seconds=60, name="Alice", now=1_000_000
    )

    claims = verify_token(token, SECRET, now=1_000_030)

    assert claims["sub"] == user_sub("t1", "alice@example.com")
    assert claims["email"] == "Alice@Example.com"
    assert claims["name"] == "Alice"
    assert claims["custom:tenant_id"] == "t1"
    assert claims["custom:role"] == "manager"
    assert (claims["iss"], claims["aud"], claims["token_use"]) == (ISSUER, AUDIENCE, "id")
    assert (claims["iat"], claims["exp"]) == (1_000_000, 1_000_060)


def test_sub_is_stable_per_tenant_and_email():
    assert user_sub("t1", "a@x.jp") == user_sub("t1", " A@X.JP ")
    assert user_sub("t1", "a@x.jp") != user_sub("t2", "a@x.jp")
    assert user_sub("t1", "a@x.jp") != user_sub("t1", "b@x.jp")


def test_name_is_optional():
    assert "name" not in verify_token(issue_token("t1", "a@x.jp", "user", SECRET), SECRET)


def test_tampered_payload_is_refused():
    header, payload, signature = issue_token("t1", "a@x.jp", "user", SECRET).split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["custom:role"] = "owner"

    with pytest.raises(InvalidTokenError, match="signature"):
        verify_token(f"{header}.{_b64(claims)}.{signature}", SECRET)


def test_other_secret_is_refused():
    with pytest.raises(InvalidTokenError, match="signature"):
        verify_token(issue_token("t1", "a@x.jp", "user", SECRET), "another-secret")


@pytest.mark.parametrize("alg", ["none", "None", "HS512", "RS256"])
def test_other_algorithms_are_refused(alg):
    _, payload, signature = issue_token("t1", "a@x.jp", "owner", SECRET).split(".")
    header = _b64({"alg": alg, "typ": "JWT"})

    with pytest.raises(InvalidTokenError, match="algorithm"):
        verify_token(f"{header}.{payload}.", SECRET)
    with pytest.raises(InvalidTokenError, match="algorithm"):
        verify_token(f"{header}.{payload}.{signature}", SECRET)


def test_expired_token_is_refused():
    token = issue_token("t1", "a@x.jp", "user", SECRET, ttl_seconds=60, now=1_000_000)

    with pytest.raises(ExpiredTokenError, match="expired"):
        verify_token(token, SECRET, now=1_000_060)


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c.d", "!!!.e30.", "e30.e30.***"])
def test_malformed_tokens_are_refused(token):
    with pytest.raises(InvalidTokenError):
        verify_token(token, SECRET)


def test_payload_must_be_a_json_object():
    signing_input = f"{_b64({'alg': 'HS256'})}.{base64.urlsafe_b64encode(b'[1]').rstrip(b'=').decode()}"
    signature = base64.urlsafe_b64encode(
        hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    )

    with pytest.raises(InvalidTokenError, match="JSON object"):
        verify_token(f"{signing_input}.{signature.rstrip(b'=').decode()}", SECRET)


@pytest.mark.parametrize("role", ["superuser", "Owner", ""])
def test_unknown_role_is_refused(role):
    with pytest.raises(ValueError, match="role"):
        issue_token("t1", "a@x.jp", role, SECRET)


def test_bad_tenant_or_email_is_refused():
    with pytest.raises(ValueError, match="tenant"):
        issue_token("", "a@x.jp", "user", SECRET)
    with pytest.raises(ValueError, match="email"):
        issue_token("t1", "alice", "user", SECRET)


def test_local_secret_is_created_once_with_mode_0600(tmp_path):
    first = local_secret(tmp_path / "data", "jwt-secret")

    assert local_secret(tmp_path / "data", "jwt-secret") == first
    assert len(first) >= 32
    assert stat.S_IMODE(os.stat(tmp_path / "data" / "jwt-secret").st_mode) == 0o600


def test_cli_token_is_accepted_with_the_same_data_folder(tmp_path, capsys):
    from infra.local.cli import main

    assert (
        main(["token", "--tenant", "t1", "--user", "a@x.jp", "--role", "admin", "--data-dir", str(tmp_path)])
        == 0
    )
    token = capsys.readouterr().out.strip().splitlines()[-1]

    claims = verify_token(token, local_secret(tmp_path, "jwt-secret"))
    assert (claims["custom:tenant_id"], claims["email"], claims["custom:role"]) == ("t1", "a@x.jp", "admin")
