"""Shared fixtures: one moto server per session (reached over HTTP like AWS), the table
provisioned from template.yaml, and an `api` client that drives the Lambda handlers through
the same API Gateway event builder and router as the local stack."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

TABLE_NAME = "crm-test"


@pytest.fixture(scope="session")
def moto_endpoint():
    """A moto server for the session; handler modules are imported after this points at it."""
    from infra.local.moto_stack import EmbeddedMoto

    server = EmbeddedMoto()
    server.start()
    endpoint = server.endpoint_url
    saved = {name: os.environ.get(name) for name in _ENV}
    os.environ.update({**_ENV, "AWS_ENDPOINT_URL": endpoint})
    from infra.provision import provision

    provision(table_name=TABLE_NAME)
    yield endpoint
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    server.stop()


_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "ap-northeast-1",
    "AWS_ENDPOINT_URL": "",
    "TABLE_NAME": TABLE_NAME,
    "CURSOR_SECRET": "test-cursor-secret-0123456789",
    "POWERTOOLS_SERVICE_NAME": "crm",
    "POWERTOOLS_METRICS_NAMESPACE": "Crm",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str]

    @property
    def error(self) -> dict[str, Any]:
        return self.body["error"]


class Api:
    """Calls the handlers exactly as API Gateway would, as one user of one tenant."""

    def __init__(self, tenant: str, role: str = "owner", user: str | None = None):
        self.tenant, self.role = tenant, role
        self.user_id = user or f"user-{uuid.uuid4().hex[:8]}"

    def as_(self, role: str, user: str | None = None) -> "Api":
        return Api(self.tenant, role, user)

    def claims(self) -> dict[str, str]:
        return {
            "sub": self.user_id, "email": f"{self.user_id}@example.jp",
            "custom:tenant_id": self.tenant, "custom:role": self.role,
        }

    def call(self, method: str, path: str, body: Any = None, query: dict[str, Any] | None = None,
             raw_body: str | None = None, authorized: bool = True) -> Reply:
        from infra.local.apigw import build_http_api_event, match_route
        from infra.template import http_routes

        path_only = path.split("?")[0]
        found = match_route(http_routes(), method, path_only)
        assert found, f"no route for {method} {path}"
        route, parameters = found
        payload = raw_body if raw_body is not None else (None if body is None else json.dumps(body, ensure_ascii=False))
        event = build_http_api_event(
            method, path_only, route.route_key, parameters, query or {}, {"content-type": "application/json"},
            payload, self.claims() if authorized else None,
        )
        module_name, attribute = route.handler.rsplit(".", 1)
        handler = getattr(__import__(module_name, fromlist=[attribute]), attribute)
        result = handler(event, _Context())
        text = result.get("body") or ""
        return Reply(result["statusCode"], json.loads(text) if text and text.lstrip()[:1] in "{[" else text,
                     {k.lower(): v for k, v in (result.get("headers") or {}).items()})

    def get(self, path, **kw): return self.call("GET", path, **kw)
    def post(self, path, body=None, **kw): return self.call("POST", path, body, **kw)
    def patch(self, path, body=None, **kw): return self.call("PATCH", path, body, **kw)
    def put(self, path, body=None, **kw): return self.call("PUT", path, body, **kw)
    def delete(self, path, **kw): return self.call("DELETE", path, **kw)


class _Context:
    function_name = "test"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:ap-northeast-1:000000000000:function:test"
    aws_request_id = "test-request"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 29_000


@pytest.fixture
def api(moto_endpoint) -> Api:
    """An owner of a fresh tenant: every test gets its own tenant, so tests never see each other."""
    return Api(f"tenant-{uuid.uuid4().hex[:10]}")
