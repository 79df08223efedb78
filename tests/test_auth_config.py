"""GET /auth/config: what a client signs in with, without a token (contract: Teams and sign-in)."""

from __future__ import annotations

import os
from unittest import mock

from werkzeug.test import Client


def test_auth_config_names_the_pool_the_client_and_the_local_cognito(api, moto_endpoint):
    reply = api.get("/auth/config", authorized=False)

    assert reply.status == 200, reply.body
    assert reply.body == {"region": "ap-northeast-1", "user_pool_id": os.environ["USER_POOL_ID"],
                          "client_id": os.environ["USER_POOL_CLIENT_ID"], "cognito_endpoint": moto_endpoint}


def test_auth_config_is_public_through_the_gateway(moto_endpoint):
    from infra.local.server import LocalApi

    response = Client(LocalApi()).get("/auth/config")

    assert response.status_code == 200
    assert response.get_json()["client_id"] == os.environ["USER_POOL_CLIENT_ID"]


def test_in_aws_the_cognito_endpoint_is_null():
    """No endpoint variable in AWS: clients use the region's Cognito endpoint."""
    from shared import config

    with mock.patch.dict(os.environ, {"USER_POOL_ID": "ap-northeast-1_abc"}):
        for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_COGNITO_IDP"):
            os.environ.pop(name, None)
        loaded = config._load()

    assert (loaded.cognito_endpoint, loaded.user_pool_id) == (None, "ap-northeast-1_abc")
