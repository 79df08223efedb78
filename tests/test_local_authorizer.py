"""The local gateway checks bearer tokens as API Gateway's JWT authorizer of template.yaml does,
against the emulated Cognito user pool (infra/local/authorizer.py); `crm-local token` has that pool
issue real ID tokens (infra/local/sign_in.py); the pool's users survive a restart of the stack."""

from __future__ import annotations

import base64
import hmac
import json
import os
from unittest import mock

import boto3
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from werkzeug.test import Client

from conftest import id_token
from infra.local import write_running_aws
from infra.local.server import LocalApi
from infra.template import Route
from token_support import OTHER_KEY, id_claims, signed

ROUTES = [Route("ContactsApiFunction", "fake.echo", "GET", "/v1/echo", authorized=True)]


def _echo(event, context):
    return {"statusCode": 200, "body": json.dumps(event["requestContext"]["authorizer"]["jwt"]["claims"])}


@pytest.fixture
def gateway(moto_endpoint) -> Client:
    """The local gateway in front of a handler that answers the claims it was given."""
    return Client(LocalApi(routes=ROUTES, resolve_handler={"fake.echo": _echo}.__getitem__, local_endpoints=[]))


def _get(gateway: Client, token: str | None):
    return gateway.get("/v1/echo", headers={"Authorization": f"Bearer {token}"} if token is not None else {})


def assert_refused(response, reason: str | None = None) -> None:
    """API Gateway's own 401, the reason in its www-authenticate header
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-jwt.html)."""
    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.get_json() == {"message": "Unauthorized"}
    challenge = response.headers["www-authenticate"]
    assert challenge.startswith("Bearer")
    if reason is not None:
        assert 'error="invalid_token"' in challenge and reason in challenge, challenge


def test_an_id_token_of_the_pool_reaches_the_handler_with_its_claims(gateway):
    token = id_token("tenant-auth", "Hanako@Example.jp", "manager", "山田 花子")

    response = _get(gateway, token)

    assert response.status_code == 200, response.get_data(as_text=True)
    claims = response.get_json()
    assert (claims["custom:tenant_id"], claims["custom:role"], claims["email"], claims["name"]) == (
        "tenant-auth", "manager", "hanako@example.jp", "山田 花子")
    assert claims["sub"] == jwt.decode(token, options={"verify_signature": False})["sub"]
    assert claims["aud"] == os.environ["USER_POOL_CLIENT_ID"] and claims["token_use"] == "id"


def test_a_missing_token_is_refused_as_api_gateway_refuses_it(gateway):
    assert_refused(_get(gateway, None))


def test_an_expired_token_is_refused(gateway):
    expired = signed(id_claims(os.environ, exp=1_000_000, iat=999_000, auth_time=999_000))

    assert_refused(_get(gateway, expired), "expired")


def test_a_token_signed_by_another_key_is_refused(gateway):
    assert_refused(_get(gateway, signed(id_claims(os.environ), key=OTHER_KEY)), "Signature verification failed")


def test_a_token_of_another_audience_is_refused(gateway):
    assert_refused(_get(gateway, signed(id_claims(os.environ, aud="another-app-client"))), "audience")


def test_a_token_of_another_issuer_is_refused(gateway):
    other_pool = id_claims(os.environ, iss="https://cognito-idp.ap-northeast-1.amazonaws.com/ap-northeast-1_other")

    assert_refused(_get(gateway, signed(other_pool)), "issuer")


def test_a_key_the_jwks_does_not_hold_is_refused_after_fetching_it_again(gateway):
    assert_refused(_get(gateway, signed(id_claims(os.environ), kid="rotated-away")), "signing key")


@pytest.mark.parametrize("token", ["", "not-a-jwt", "a.b.c", "e30.e30.", "e30.e30.e30.e30"])
def test_a_malformed_token_is_refused(gateway, token):
    response = gateway.get("/v1/echo", headers={"Authorization": f"Bearer {token}"})

    assert_refused(response)


def test_an_unsigned_or_hmac_token_is_refused(gateway):
    """Only RSA signatures: `alg: none`, and HS256 keyed with the pool's public key, never pass."""
    claims = id_claims(os.environ)
    public = jwt.PyJWKClient(f"{os.environ['AWS_ENDPOINT_URL']}/{os.environ['USER_POOL_ID']}/.well-known/jwks.json")
    [key] = public.get_signing_keys()
    unsigned = jwt.encode(claims, None, algorithm="none", headers={"kid": key.key_id})
    public_pem = key.key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    signing_input = ".".join(_base64url(json.dumps(part).encode()) for part in
                             ({"alg": "HS256", "typ": "JWT", "kid": key.key_id}, claims))
    keyed_with_the_public_key = (f"{signing_input}."
                                 f"{_base64url(hmac.digest(public_pem, signing_input.encode(), 'sha256'))}")

    for token in (unsigned, keyed_with_the_public_key):
        assert_refused(_get(gateway, token), "alg")


def _base64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_token_without_aud_is_checked_on_its_client_id(gateway):
    """API Gateway reads `client_id` when `aud` is absent, as in Cognito's access tokens."""
    accepted = signed(id_claims(os.environ, aud=None, client_id=os.environ["USER_POOL_CLIENT_ID"]))
    refused = signed(id_claims(os.environ, aud=None, client_id="another-app-client"))

    assert _get(gateway, accepted).status_code == 200
    assert_refused(_get(gateway, refused), "audience")


def test_an_access_token_passes_the_authorizer_but_the_api_refuses_it(moto_endpoint):
    """Cognito's access token carries `client_id` (no `aud`), so API Gateway lets it through; it has
    no tenant or role, so the API answers 401: only ID tokens are of use (template.yaml's header)."""
    cognito = boto3.client("cognito-idp")
    id_token("tenant-access", "access@example.jp", "owner")  # the user exists, with a password set below
    cognito.admin_set_user_password(UserPoolId=os.environ["USER_POOL_ID"], Username="access@example.jp",
                                    Password="Access-Passw0rd", Permanent=True)
    access = cognito.admin_initiate_auth(
        UserPoolId=os.environ["USER_POOL_ID"], ClientId=os.environ["USER_POOL_CLIENT_ID"],
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "access@example.jp",
                        "PASSWORD": "Access-Passw0rd"})["AuthenticationResult"]["AccessToken"]

    response = Client(LocalApi()).get("/v1/contacts", headers={"Authorization": f"Bearer {access}"})

    assert response.status_code == 401, response.get_data(as_text=True)
    assert response.get_json()["error"]["code"] == "unauthorized"


# --- crm-local token ----------------------------------------------------------------------------

@pytest.fixture
def data_dir(moto_endpoint, tmp_path):
    """A data folder as a running stack leaves it, naming the session's emulation and pool."""
    write_running_aws(tmp_path, {"endpoint_url": moto_endpoint, "region": os.environ["AWS_DEFAULT_REGION"],
                                 "TABLE_NAME": os.environ["TABLE_NAME"], "USER_POOL_ID": os.environ["USER_POOL_ID"],
                                 "USER_POOL_CLIENT_ID": os.environ["USER_POOL_CLIENT_ID"]})
    return tmp_path


def _cli_token(capsys, data_dir, *args: str) -> str:
    from infra.local.cli import main

    assert main(["token", *args, "--data-dir", str(data_dir)]) == 0
    return capsys.readouterr().out.strip().splitlines()[-1]


def test_crm_local_token_prints_an_id_token_the_gateway_accepts(gateway, data_dir, capsys):
    token = _cli_token(capsys, data_dir, "--tenant", "t-cli", "--user", "cli@example.jp", "--role", "admin",
                       "--name", "営業 太郎")

    claims = _get(gateway, token).get_json()
    assert (claims["custom:tenant_id"], claims["custom:role"], claims["email"], claims["name"]) == (
        "t-cli", "admin", "cli@example.jp", "営業 太郎")


def test_crm_local_token_twice_is_the_same_user_with_the_role_asked_for(gateway, data_dir, capsys):
    first = _cli_token(capsys, data_dir, "--tenant", "t-twice", "--user", "twice@example.jp", "--role", "manager")
    second = _cli_token(capsys, data_dir, "--tenant", "t-twice", "--user", "TWICE@example.jp", "--role", "user")

    before, after = (_get(gateway, token).get_json() for token in (first, second))
    assert before["sub"] == after["sub"]
    assert (before["custom:role"], after["custom:role"]) == ("manager", "user")
    user = boto3.client("cognito-idp").admin_get_user(UserPoolId=os.environ["USER_POOL_ID"],
                                                      Username="twice@example.jp")
    assert user["UserStatus"] == "CONFIRMED"


def test_crm_local_token_will_not_demote_the_tenants_last_owner(data_dir, capsys):
    from infra.local.cli import main

    _cli_token(capsys, data_dir, "--tenant", "t-owner", "--user", "only@example.jp", "--role", "owner")

    assert main(["token", "--tenant", "t-owner", "--user", "only@example.jp", "--role", "user",
                 "--data-dir", str(data_dir)]) == 1
    assert "without an active owner" in capsys.readouterr().err


def test_crm_local_token_refuses_an_email_of_another_tenant(data_dir, capsys):
    from infra.local.cli import main

    _cli_token(capsys, data_dir, "--tenant", "t-first", "--user", "taken@example.jp", "--role", "owner")

    assert main(["token", "--tenant", "t-second", "--user", "taken@example.jp", "--role", "owner",
                 "--data-dir", str(data_dir)]) == 1
    assert "a user of tenant 't-first'" in capsys.readouterr().err


def test_crm_local_token_without_a_running_stack_says_so(tmp_path, capsys):
    from infra.local.cli import main

    assert main(["token", "--tenant", "t1", "--user", "a@example.jp", "--role", "user",
                 "--data-dir", str(tmp_path)]) == 1
    assert "make dev" in capsys.readouterr().err


@pytest.mark.parametrize("args, message", [(("--tenant", "a#b"), "tenant"), (("--user", "nobody"), "email")])
def test_crm_local_token_refuses_a_bad_tenant_or_email(data_dir, capsys, args, message):
    from infra.local.cli import main

    options = dict(zip(("--tenant", "--user"), ("t1", "a@example.jp"), strict=False))
    options.update(dict(zip(args[::2], args[1::2], strict=False)))
    assert main(["token", *[part for pair in options.items() for part in pair], "--role", "user",
                 "--data-dir", str(data_dir)]) == 1
    assert message in capsys.readouterr().err


# --- the pool across a restart ---------------------------------------------------------------------

def test_the_pools_users_and_their_tokens_survive_a_restart(tmp_path, moto_endpoint):
    """moto keeps the pool in memory only: the stack snapshots its users (infra/local/moto_stack.py
    UserPoolSnapshot) and keeps the pool's ids, so a member, their password and an ID token issued
    before a restart are all still good after it."""
    from infra.local.authorizer import JwtAuthorizer
    from infra.local.moto_stack import AwsEmulation
    from infra.local.sign_in import id_token as local_id_token

    with mock.patch.dict(os.environ):
        for name in ("AWS_ENDPOINT_URL", "TABLE_NAME", "USER_POOL_ID", "USER_POOL_CLIENT_ID"):
            os.environ.pop(name, None)
        aws = AwsEmulation(tmp_path, "crm-restart")
        aws.start()
        try:
            token = local_id_token(tmp_path, "t-restart", "kept@example.jp", "admin")
            pool = os.environ["USER_POOL_ID"]
        finally:
            aws.stop()
        assert not (tmp_path / "running-aws.json").exists()

        aws = AwsEmulation(tmp_path, "crm-restart")
        aws.start()
        try:
            assert os.environ["USER_POOL_ID"] == pool
            claims = JwtAuthorizer.from_environment().claims(token)  # issued before the restart
            again = JwtAuthorizer.from_environment().claims(local_id_token(tmp_path, "t-restart",
                                                                           "kept@example.jp", "admin"))
            user = boto3.client("cognito-idp").admin_get_user(UserPoolId=pool, Username="kept@example.jp")
            held = {attribute["Name"]: attribute["Value"] for attribute in user["UserAttributes"]}
        finally:
            aws.stop()
    assert claims["sub"] == again["sub"] == held["sub"] and claims["custom:role"] == "admin"


def test_signing_in_as_nobody_answers_as_a_wrong_password(moto_endpoint):
    """PreventUserExistenceErrors (template.yaml): Cognito does not tell who has an account; moto
    did (UserNotFoundException), infra/local/cognito_realism.py makes it answer as Cognito."""
    cognito = boto3.client("cognito-idp")
    sign_in = {"ClientId": os.environ["USER_POOL_CLIENT_ID"], "AuthFlow": "USER_PASSWORD_AUTH",
               "AuthParameters": {"USERNAME": "nobody@example.jp", "PASSWORD": "Whatever-Passw0rd"}}

    with pytest.raises(cognito.exceptions.NotAuthorizedException, match="Incorrect username or password"):
        cognito.initiate_auth(**sign_in)
    with pytest.raises(cognito.exceptions.NotAuthorizedException, match="Incorrect username or password"):
        cognito.admin_initiate_auth(UserPoolId=os.environ["USER_POOL_ID"],
                                    **{**sign_in, "AuthFlow": "ADMIN_USER_PASSWORD_AUTH"})
