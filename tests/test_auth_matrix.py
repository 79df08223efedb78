"""The permission matrix, route by route, through the local API Gateway in front of the real
handlers: every authenticated route of template.yaml refuses a missing, expired or forged token
(tokens of the session's emulated user pool, or signed as it would not sign them);
another tenant's token never reaches a tenant's resources; a role below the matrix gets 403 and
changes nothing."""

from __future__ import annotations

import json
import os
import re
from typing import Any

import jwt
import pytest
from werkzeug.test import Client

from conftest import id_token
from infra.template import http_routes
from token_support import OTHER_KEY, id_claims, signed

AUTHENTICATED = sorted({(route.method, route.path) for route in http_routes() if route.authorized})


@pytest.fixture
def gateway(moto_endpoint) -> Client:
    from infra.local.server import LocalApi

    return Client(LocalApi())


class Caller:
    """One user of one tenant, talking to the gateway with a real bearer token."""

    def __init__(self, gateway: Client, tenant: str, role: str, email: str | None = None) -> None:
        self.gateway, self.tenant = gateway, tenant
        # an email belongs to one tenant: one address per tenant and role unless named
        self.token = id_token(tenant, email or f"{role}@{tenant}.example.jp", role)
        self.user_id = jwt.decode(self.token, options={"verify_signature": False})["sub"]

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        response = self.gateway.open(path, method=method, headers={"Authorization": f"Bearer {self.token}"},
                                     data=None if body is None else json.dumps(body), content_type="application/json")
        text = response.get_data(as_text=True)
        return response.status_code, json.loads(text) if text else None


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "01JAUTHMATRIX0000000000000", path)


@pytest.mark.parametrize("method, path", AUTHENTICATED)
def test_every_authenticated_route_refuses_a_missing_token(gateway, method, path):
    response = gateway.open(_concrete(path), method=method)
    assert (response.status_code, response.get_json()) == (401, {"message": "Unauthorized"}), (method, path)


@pytest.mark.parametrize("method, path", AUTHENTICATED)
def test_every_authenticated_route_refuses_an_expired_or_forged_token(gateway, method, path):
    expired = signed(id_claims(os.environ, exp=1_000_000, iat=999_000, auth_time=999_000))
    forged = signed(id_claims(os.environ), key=OTHER_KEY)
    for token in (expired, forged):
        response = gateway.open(_concrete(path), method=method, headers={"Authorization": f"Bearer {token}"})
        assert (response.status_code, response.get_json()) == (401, {"message": "Unauthorized"}), (method, path)


def test_another_tenants_token_never_reaches_the_tenants_resources(gateway, api):
    """Everything tenant A made, addressed by id with tenant B's owner token: 404, and unchanged."""
    owner = Caller(gateway, api.tenant, "owner")
    intruder = Caller(gateway, f"{api.tenant}-intruder", "owner")
    status, contact = owner.call("POST", "/v1/contacts", {"family_name": "山田", "email": "yamada@sample.co.jp",
                                                          "phone": "03-1234-5678"})
    assert status == 201, contact
    made = {
        "contacts": contact["id"],
        "companies": owner.call("POST", "/v1/companies", {"name": "株式会社サンプル"})[1]["id"],
        "segments": owner.call("POST", "/v1/segments", {"name": "VIP", "filter": {"field": "status", "op": "eq",
                                                                                   "value": "new"}})[1]["id"],
        "email-templates": owner.call("POST", "/v1/email-templates",
                                      {"name": "t", "subject": "s", "body_text": "b"})[1]["id"],
    }
    reads = [("GET", f"/v1/{kind}/{item}") for kind, item in made.items()]
    reads += [("GET", f"/v1/contacts/{contact['id']}/timeline"), ("GET", f"/v1/companies/{made['companies']}/contacts"),
              ("GET", f"/v1/segments/{made['segments']}/contacts")]
    writes = [("PATCH", f"/v1/contacts/{contact['id']}", {"family_name": "侵入"}),
              ("PATCH", f"/v1/companies/{made['companies']}", {"name": "侵入"}),
              ("PUT", f"/v1/email-templates/{made['email-templates']}",
               {"name": "x", "subject": "x", "body_text": "x"}),
              ("POST", f"/v1/contacts/{contact['id']}/activities", {"type": "memo", "body": "侵入"}),
              ("POST", f"/v1/contacts/{contact['id']}/calls", {}),
              ("POST", "/v1/emails", {"contact_id": contact["id"], "subject": "x", "body_text": "x"}),
              ("DELETE", f"/v1/contacts/{contact['id']}", None),
              ("DELETE", f"/v1/companies/{made['companies']}", None),
              ("DELETE", f"/v1/segments/{made['segments']}", None),
              ("DELETE", f"/v1/email-templates/{made['email-templates']}", None),
              ("PATCH", f"/v1/members/{owner.user_id}", {"role": "user"}),
              ("DELETE", f"/v1/members/{owner.user_id}", None)]
    for method, path in reads:
        assert intruder.call(method, path)[0] == 404, path
    for method, path, body in writes:
        assert intruder.call(method, path, body)[0] == 404, (method, path)
    for kind, item in made.items():
        status, found = owner.call("GET", f"/v1/{kind}/{item}")
        assert status == 200 and found.get("name", "") != "侵入" and found.get("family_name") != "侵入", found
    assert intruder.call("GET", "/v1/contacts")[1]["items"] == []
    assert intruder.call("GET", "/v1/companies")[1]["items"] == []
    assert owner.call("GET", f"/v1/contacts/{contact['id']}/timeline")[1]["items"] == []
    assert [member["id"] for member in intruder.call("GET", "/v1/members")[1]["items"]] == [intruder.user_id]
    assert owner.call("GET", "/v1/me")[1]["role"] == "owner"


# (method, path, body, the roles the matrix allows); the path's {contact} is a contact of the tenant
_RESTRICTED = [
    ("PUT", "/v1/settings", {"name_order": "given_family"}, {"owner", "admin"}),
    ("PUT", "/v1/settings", {"contact_limit": 100}, {"owner"}),
    ("POST", "/v1/properties", {"key": "industry", "label": "業種", "type": "text"}, {"owner", "admin"}),
    ("POST", "/v1/api-keys", {"name": "site"}, {"owner", "admin"}),
    ("POST", "/v1/site-keys", {"name": "site", "allowed_origins": ["https://www.example.jp"]}, {"owner", "admin"}),
    ("POST", "/v1/companies", {"name": "株式会社サンプル"}, {"owner", "admin", "manager"}),
    ("DELETE", "/v1/contacts/{contact}", None, {"owner", "admin", "manager"}),
    ("POST", "/v1/exports", {"reason": "audit"}, {"owner", "admin"}),
    ("POST", "/v1/members", {"email": "invitee@example.jp", "name": "招待", "role": "user"}, {"owner", "admin"}),
    ("POST", "/v1/members", {"email": "invitee@example.jp", "name": "招待", "role": "owner"}, {"owner"}),
]


_DENIED = [(role, method, path, body) for method, path, body, allowed in _RESTRICTED
           for role in ("admin", "manager", "user") if role not in allowed]


@pytest.mark.parametrize("role, method, path, body", _DENIED,
                         ids=[f"{role} {method} {path} {sorted(body or {})}" for role, method, path, body in _DENIED])
def test_a_role_below_the_matrix_is_403_and_changes_nothing(gateway, api, role, method, path, body):
    owner = Caller(gateway, api.tenant, "owner")
    status, contact = owner.call("POST", "/v1/contacts", {"family_name": "山田"})
    assert status == 201
    before = {part: owner.call("GET", part)[1] for part in ("/v1/settings", "/v1/properties", "/v1/api-keys",
                                                            "/v1/site-keys", "/v1/companies", "/v1/jobs")}

    status, answer = Caller(gateway, api.tenant, role).call(method, path.replace("{contact}", contact["id"]), body)

    assert status == 403, (role, method, path, answer)
    assert answer["error"]["message"], answer
    assert {part: owner.call("GET", part)[1] for part in before} == before
    assert owner.call("GET", f"/v1/contacts/{contact['id']}")[0] == 200
