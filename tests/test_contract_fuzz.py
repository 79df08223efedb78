"""Contract fuzzing (issue 9): schemathesis generates requests for every operation of the
OpenAPI document that GET /openapi.json serves and sends them through the local API Gateway
(`LocalApi`: the JWT authorizer in front of the real handlers) with an owner's token.

Every answer must pass: no 5xx (bad input is a 4xx with the contract's error body); the status,
the content type, the body's schema and the headers are the documented ones; input that breaks
the documented schema is refused, never accepted (schemathesis' negative data). Then every status
the document lists for an operation must have been answered, to the fuzzer or to one of the
explicit requests below, which are checked the same way. Only 503 and the expired download's 410
are exempt, as they need a fault or a day to pass:
`test_statuses_that_need_a_fault_or_time_are_documented_consistently` checks how they are documented.

The run is reproducible (derandomized Hypothesis, a fixed seed) and bounded (MAX_EXAMPLES per
operation). The fuzzer works in a tenant of its own that starts with one of everything (a contact,
a company, a sent and a scheduled email, …): half its path parameters name those, so updates and
reads of real resources are fuzzed too, not only random ids, which can only be 404.
"""

from __future__ import annotations

import collections
import json
import re
import uuid
from typing import Any
from urllib.parse import quote

import jwt
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.errors import FailureGroup
from werkzeug.test import Client

from conftest import Api, id_token
from infra.local.server import LocalApi
from mail_support import HTML, at, hit, outbox_listening, tokens  # noqa: F401 - outbox_listening is an autouse fixture
from smtp_support import free_port, mailbox_body, smtp_server  # noqa: F401 - smtp_server is a fixture
from test_openapi import DOC_PATH, operations

SEED = 20260509
MAX_EXAMPLES = 20  # per operation, in the fuzzing phase (the examples and coverage phases add their own)
FUZZ_TENANT = "tenant-contract-fuzz"

# The statuses the fuzzer and the explicit requests answer, by (METHOD, path template).
REACHED: dict[tuple[str, str], set[int]] = collections.defaultdict(set)

# Real path parameters of the fuzzer's tenant, by (METHOD, path template): the world fixture fills them.
REAL_PARAMETERS: dict[tuple[str, str], list[dict[str, str]]] = {}

APP = LocalApi()  # handlers are imported on the first request, after the AWS emulation is up

schema = schemathesis.openapi.from_path(DOC_PATH, config=schemathesis.Config.from_dict({
    "seed": SEED,
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none"},
    "phases": {
        # Stateful links are not declared; the world fixture gives the fuzzer real resources instead.
        "stateful": {"enabled": False},
        # A method no route has goes to the catch-all route ($default): 404 in the envelope, not 405.
        "coverage": {"unexpected-methods": []},
    },
    "checks": {
        # A request valid by the schema may still break a rule the schema cannot state (a reference
        # to a missing resource, a send_at in the past, a select property without options): 4xx.
        "positive_data_acceptance": {"enabled": False},
        # As above: undeclared methods answer 404 (API Gateway routes by method and path), not 405.
        "unsupported_method": {"enabled": False},
    },
}))
schema.app = APP


# What schemathesis puts in a generated request's Authorization header; test_fuzz sends the owner's
# ID token in its place: schemathesis asks while it collects, before the session's user pool exists.
PENDING_TOKEN = "Bearer <the owner's ID token>"


@schema.auth()
class OwnerOfTheFuzzersTenant:
    def get(self, case, context) -> str:
        return PENDING_TOKEN

    def set(self, case, token: str, context) -> None:
        case.headers = {**(case.headers or {}), "Authorization": token}


def _email(tenant: str, role: str) -> str:
    """A user's address: one per tenant and role, as an email belongs to one tenant."""
    return f"{role}@{tenant}.example.jp"


def record(method: str, path: str, status: int) -> None:
    REACHED[(method.upper(), path)].add(status)


@schema.hook
def flatmap_path_parameters(context, path_parameters: dict[str, Any]):
    """Half the path parameters name a real resource of the fuzzer's tenant, the others are generated."""
    real = REAL_PARAMETERS.get((context.operation.method.upper(), context.operation.path))
    if not real:
        return st.just(path_parameters)
    return st.one_of(st.just(path_parameters), st.sampled_from(real))


# --- explicit requests -------------------------------------------------------------------------

CONFORMANCE = [schemathesis.checks.not_a_server_error, schemathesis.checks.status_code_conformance,
               schemathesis.checks.content_type_conformance, schemathesis.checks.response_schema_conformance,
               schemathesis.checks.response_headers_conformance]
_NO_BODY = object()
JSON = "application/json"


class Caller:
    """One user of one tenant calling operations of the document through the gateway: each answer
    must have the expected status and pass the fuzzer's conformance checks; it is recorded."""

    def __init__(self, tenant: str, role: str = "owner", email: str | None = None, token: str | None = None):
        self.tenant, self.role = tenant, role
        self.token = token if token is not None else id_token(tenant, email or _email(tenant, role), role)
        self.user_id = jwt.decode(self.token, options={"verify_signature": False})["sub"] if self.token else None
        self.client = Client(APP)

    def as_(self, role: str, email: str | None = None) -> Caller:
        return Caller(self.tenant, role, email)

    def __call__(self, method: str, template: str, expected: int, *, params: dict[str, str] | None = None,
                 body: Any = _NO_BODY, raw: bytes | None = None, query: dict[str, Any] | None = None,
                 headers: dict[str, str] | None = None) -> Any:
        params = params or {}
        path = template.format(**{name: quote(value, safe="") for name, value in params.items()})
        sent_headers = {**({"Authorization": f"Bearer {self.token}"} if self.token else {}), **(headers or {})}
        data = raw if raw is not None else (None if body is _NO_BODY else json.dumps(body).encode())
        response = self.client.open(path, method=method, query_string=query, data=data, headers=sent_headers,
                                    content_type="application/json" if data is not None else None)
        where = f"{method} {path} -> {response.status_code}: {response.get_data(as_text=True)[:500]}"
        record(method, template, response.status_code)
        assert response.status_code == expected, where
        case = schema[template][method].Case(path_parameters=params, query=query or {},
                                             **({} if body is _NO_BODY else {"body": body, "media_type": JSON}))
        case.validate_response(response, checks=CONFORMANCE)
        text = response.get_data(as_text=True)
        return json.loads(text) if response.mimetype == "application/json" and text else text


# --- the fuzzer's tenant -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def world(moto_endpoint):
    """One of everything in the fuzzer's tenant, made through the API; their ids become path
    parameters the fuzzer may pick. What DELETE picks is made for that alone."""
    from infra.local.outbox import OUTBOX  # noqa: F401 - records what is sent: import before sending

    Api(FUZZ_TENANT)  # the conftest purges the tenant after the module
    served = Client(APP).get("/openapi.json")
    assert served.status_code == 200 and served.get_json() == schema.raw_schema, \
        "the fuzzed document is not the one GET /openapi.json serves"
    owner = Caller(FUZZ_TENANT)
    contact = owner("POST", "/v1/contacts", 201, body={"family_name": "山田", "email": "taro@example.jp",
                                                       "phone": "03-1234-5678"})
    doomed_contact = owner("POST", "/v1/contacts", 201, body={"family_name": "削除"})
    company = owner("POST", "/v1/companies", 201, body={"name": "株式会社サンプル"})
    doomed_company = owner("POST", "/v1/companies", 201, body={"name": "株式会社削除"})
    segment_body = {"name": "VIP", "filter": {"field": "status", "op": "eq", "value": "new"}}
    segment = owner("POST", "/v1/segments", 201, body=segment_body)
    doomed_segment = owner("POST", "/v1/segments", 201, body=segment_body)
    template_body = {"name": "ご挨拶", "subject": "ご挨拶", "body_text": "本文です"}
    template = owner("POST", "/v1/email-templates", 201, body=template_body)
    doomed_template = owner("POST", "/v1/email-templates", 201, body={**template_body, "name": "削除"})
    owner("POST", "/v1/properties", 201, body={"key": "industry", "label": "業種", "type": "text"})
    owner("POST", "/v1/tags", 201, body={"name": "VIP"})
    site = owner("POST", "/v1/site-keys", 201, body={"name": "LP", "allowed_origins": ["https://www.example.jp"]})
    doomed_site = owner("POST", "/v1/site-keys", 201,
                        body={"name": "削除", "allowed_origins": ["https://a.example.jp"]})
    doomed_api_key = owner("POST", "/v1/api-keys", 201, body={"name": "削除"})
    activity_body = {"type": "memo", "subject": "メモ", "body": "本文"}
    activity = owner("POST", "/v1/contacts/{id}/activities", 201, params={"id": contact["id"]}, body=activity_body)
    doomed_activity = owner("POST", "/v1/contacts/{id}/activities", 201, params={"id": contact["id"]},
                            body=activity_body)
    email_body = {"contact_id": contact["id"], "subject": "ご挨拶", "body_text": "本文です", "body_html": HTML,
                  "notify_on_open": True}
    email = owner("POST", "/v1/emails", 201, body=email_body)
    scheduled = owner("POST", "/v1/emails", 201, body={**email_body, "send_at": at(7 * 86400)})
    doomed_scheduled = owner("POST", "/v1/emails", 201, body={**email_body, "send_at": at(7 * 86400)})
    open_token, click_tokens = tokens(email["id"])
    assert hit("o", open_token)["statusCode"] == 200  # a person's open: a notification for the sender
    notification = owner("GET", "/v1/me/notifications", 200)["items"][0]
    owner("PUT", "/v1/me/mailbox", 200, body={"host": "smtp.example.co.jp", "port": 587, "security": "starttls",
                                              "username": "taro@example.co.jp", "password": "app-password"})
    import_job = owner("POST", "/v1/imports", 201, body={})
    export = owner("POST", "/v1/exports", 202, body={"format": "csv", "encoding": "utf-8", "fields": ["family_name"],
                                                     "selection": {"all": True}, "reason": "契約テスト"})
    # each update once with a valid body: its success status is reached whatever the fuzzer draws
    owner("PATCH", "/v1/contacts/{id}", 200, params={"id": contact["id"]}, body={"given_name": "太郎"})
    owner("PATCH", "/v1/companies/{id}", 200, params={"id": company["id"]}, body={"phone": "03-1234-5678"})
    owner("PUT", "/v1/segments/{id}", 200, params={"id": segment["id"]}, body=segment_body)
    owner("PUT", "/v1/email-templates/{id}", 200, params={"id": template["id"]}, body=template_body)
    owner("PATCH", "/v1/site-keys/{key}", 200, params={"key": site["site_key"]}, body={"name": "LP"})
    owner("PATCH", "/v1/contacts/{id}/activities/{activity_id}", 200,
          params={"id": contact["id"], "activity_id": activity["id"]}, body={"body": "本文"})
    owner("PATCH", "/v1/me/notifications/{id}", 200, params={"id": notification["id"]}, body={"read": False})
    keep = {
        "/v1/contacts/{id}": {"id": contact["id"]},
        "/v1/contacts/{id}/timeline": {"id": contact["id"]},
        "/v1/contacts/{id}/history": {"id": contact["id"]},
        "/v1/contacts/{id}/activities": {"id": contact["id"]},
        "/v1/contacts/{id}/calls": {"id": contact["id"]},
        "/v1/contacts/{id}/activities/{activity_id}": {"id": contact["id"], "activity_id": activity["id"]},
        "/v1/companies/{id}": {"id": company["id"]},
        "/v1/companies/{id}/contacts": {"id": company["id"]},
        "/v1/segments/{id}": {"id": segment["id"]},
        "/v1/segments/{id}/contacts": {"id": segment["id"]},
        "/v1/email-templates/{id}": {"id": template["id"]},
        "/v1/properties/{key}": {"key": "industry"},
        "/v1/site-keys/{key}": {"key": site["site_key"]},
        "/v1/emails/{id}": {"id": scheduled["id"]},
        "/v1/emails/{id}/thread": {"id": email["id"]},
        "/v1/emails/{id}/duplicate": {"id": email["id"]},
        "/v1/me/notifications/{id}": {"id": notification["id"]},
        "/v1/imports/{id}": {"id": import_job["id"]},
        "/v1/imports/{id}/start": {"id": import_job["id"]},
        "/v1/exports/{id}": {"id": export["id"]},
        "/v1/exports/{id}/download": {"id": export["id"]},
        "/v1/jobs/{id}": {"id": export["id"]},
        "/t/o/{token}": {"token": open_token},
        "/t/c/{token}": {"token": click_tokens[0]},
    }
    doomed = {
        "/v1/contacts/{id}": {"id": doomed_contact["id"]},
        "/v1/contacts/{id}/activities/{activity_id}": {"id": contact["id"], "activity_id": doomed_activity["id"]},
        "/v1/companies/{id}": {"id": doomed_company["id"]},
        "/v1/segments/{id}": {"id": doomed_segment["id"]},
        "/v1/email-templates/{id}": {"id": doomed_template["id"]},
        "/v1/site-keys/{key}": {"key": doomed_site["site_key"]},
        "/v1/api-keys/{id}": {"id": doomed_api_key["id"]},
        "/v1/emails/{id}": {"id": doomed_scheduled["id"]},
        "/v1/tags/{name}": {"name": "VIP"},
    }
    for path, method, _ in operations(schema.raw_schema):
        chosen = doomed if method == "delete" else keep
        if path in chosen:
            REAL_PARAMETERS[(method.upper(), path)] = [chosen[path]]
    return {"contact": contact, "email": email, "token": owner.token}


# --- the fuzzing -------------------------------------------------------------------------------

FUZZED: set[tuple[str, str]] = set()


@schema.parametrize()
def test_fuzz(case, world):
    FUZZED.add((case.operation.method.upper(), case.operation.path))
    if (case.headers or {}).get("Authorization") == PENDING_TOKEN:
        case.headers["Authorization"] = f"Bearer {world['token']}"
    response = case.call()
    record(case.operation.method, case.operation.path, response.status_code)
    case.validate_response(response)


# --- what the fuzzer cannot reach alone: explicit requests, checked the same way -----------------

OTHER_ID = "01JAAAAAAAAAAAAAAAAAAAAAAA"
SITE = "https://www.example.jp"
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def test_contact_tag_property_and_settings_statuses(api, world):
    owner, manager, user = Caller(api.tenant), Caller(api.tenant).as_("manager"), Caller(api.tenant).as_("user")
    owner("POST", "/v1/contacts", 201, body={"family_name": "山田", "email": "taro@example.jp"})
    hanako = owner("POST", "/v1/contacts", 201, body={"family_name": "佐藤", "email": "hanako@example.jp"})
    owner("POST", "/v1/contacts", 409, body={"family_name": "山田", "email": "Taro@Example.jp"})
    owner("PATCH", "/v1/contacts/{id}", 409, params={"id": hanako["id"]}, body={"email": "TARO@example.jp"})
    # the fuzzer's examples shift with every string constant of the code (Hypothesis samples them): not left to luck
    owner("PATCH", "/v1/contacts/{id}", 422, params={"id": hanako["id"]}, body={"email": "not an address"})
    owner("POST", "/v1/tags", 201, body={"name": "VIP"})
    owner("POST", "/v1/tags", 409, body={"name": "VIP"})
    user("DELETE", "/v1/contacts/{id}", 403, params={"id": hanako["id"]})
    # another tenant's real ids are 404, as ids that never existed
    owner("GET", "/v1/contacts/{id}", 404, params={"id": world["contact"]["id"]})
    owner("PATCH", "/v1/contacts/{id}", 404, params={"id": world["contact"]["id"]}, body={"family_name": "侵入"})
    owner("PUT", "/v1/settings", 200, body={"contact_limit": 2})
    owner("POST", "/v1/contacts", 403, body={"family_name": "三人目"})
    owner("POST", "/v1/emails", 403, body={"to_email": "new@example.jp", "subject": "件名", "body_text": "本文"})
    manager("PUT", "/v1/settings", 403, body={"name_order": "given_family"})
    manager("POST", "/v1/properties", 403, body={"key": "size", "label": "規模", "type": "number"})
    owner("POST", "/v1/properties", 201, body={"key": "size", "label": "規模", "type": "number"})
    owner("POST", "/v1/properties", 409, body={"key": "size", "label": "規模", "type": "number"})
    manager("PATCH", "/v1/properties/{key}", 403, params={"key": "size"}, body={"label": "従業員数"})
    owner("DELETE", "/v1/contacts/{id}", 204, params={"id": hanako["id"]})


def test_admin_only_statuses(api):
    owner, manager = Caller(api.tenant), Caller(api.tenant).as_("manager")
    key = owner("POST", "/v1/api-keys", 201, body={"name": "連携"})
    site = owner("POST", "/v1/site-keys", 201, body={"name": "LP", "allowed_origins": [SITE]})
    manager("GET", "/v1/api-keys", 403)
    manager("POST", "/v1/api-keys", 403, body={"name": "連携"})
    manager("DELETE", "/v1/api-keys/{id}", 403, params={"id": key["id"]})
    manager("GET", "/v1/site-keys", 403)
    manager("POST", "/v1/site-keys", 403, body={"name": "LP", "allowed_origins": [SITE]})
    manager("PATCH", "/v1/site-keys/{key}", 403, params={"key": site["site_key"]}, body={"name": "新LP"})
    manager("DELETE", "/v1/site-keys/{key}", 403, params={"key": site["site_key"]})


def test_member_statuses(api):
    """Issue 19: who manages whom (403), the last active owner (409), a change and a removal."""
    owner = Caller(api.tenant)
    admin, manager = owner.as_("admin"), owner.as_("manager")
    invited = owner("POST", "/v1/members", 201, body={"email": f"fuzz-{uuid.uuid4().hex[:8]}@example.jp",
                                                      "name": "招待", "role": "user"})
    manager("POST", "/v1/members", 403, body={"email": "x@example.jp", "name": "x", "role": "user"})
    admin("PATCH", "/v1/members/{id}", 403, params={"id": owner.user_id}, body={"role": "admin"})
    admin("DELETE", "/v1/members/{id}", 403, params={"id": owner.user_id})
    # The fixture's own owner steps down, so the fuzzer's owner is the tenant's last active owner.
    owner("PATCH", "/v1/members/{id}", 200, params={"id": api.user_id}, body={"role": "admin"})
    owner("PATCH", "/v1/members/{id}", 409, params={"id": owner.user_id}, body={"role": "admin"})
    owner("DELETE", "/v1/members/{id}", 409, params={"id": owner.user_id})
    owner("PATCH", "/v1/members/{id}", 200, params={"id": invited["id"]}, body={"role": "manager"})
    owner("DELETE", "/v1/members/{id}", 204, params={"id": invited["id"]})


def test_owner_visibility_and_authorship_statuses(api, monkeypatch):
    """Issue 17: a restricted user's 403 on a tag deletion and 409 for a hidden contact's address;
    a template or segment edited by someone other than its creator or an owner/admin is a 403."""
    from shared.domain import bulk as bulk_rules

    owner, manager, user = Caller(api.tenant), Caller(api.tenant).as_("manager"), Caller(api.tenant).as_("user")
    company = owner("POST", "/v1/companies", 201, body={"name": "株式会社サンプル"})
    owner("POST", "/v1/contacts", 201, body={"family_name": "山田", "email": "taro@example.jp", "tags": ["VIP"],
                                             "company_id": company["id"]})
    owner("GET", "/v1/companies/{id}/contacts", 200, params={"id": company["id"]})
    template = owner("POST", "/v1/email-templates", 201, body={"name": "t", "subject": "s", "body_text": "b"})
    segment = owner("POST", "/v1/segments", 201,
                    body={"name": "VIP", "filter": {"field": "status", "op": "eq", "value": "new"}})
    for path, made, body in (("/v1/email-templates/{id}", template, {"name": "x", "subject": "x", "body_text": "x"}),
                             ("/v1/segments/{id}", segment,
                              {"name": "x", "filter": {"field": "status", "op": "eq", "value": "won"}})):
        manager("PUT", path, 403, params={"id": made["id"]}, body=body)
        manager("DELETE", path, 403, params={"id": made["id"]})
    owner("PUT", "/v1/settings", 200, body={"owner_visibility_restricted": True})
    user("DELETE", "/v1/tags/{name}", 403, params={"name": "VIP"})
    user("POST", "/v1/emails", 409, body={"to_email": "taro@example.jp", "subject": "件名", "body_text": "本文"})
    owner("PUT", "/v1/settings", 200, body={"owner_visibility_restricted": False})
    owner("POST", "/v1/contacts", 201, body={"family_name": "鈴木", "tags": ["VIP"]})
    monkeypatch.setattr(bulk_rules, "SYNC_IDS", 1)  # a tag on more contacts than one request changes: a job
    owner("DELETE", "/v1/tags/{name}", 202, params={"name": "VIP"})


def test_company_statuses(api):
    owner, user = Caller(api.tenant), Caller(api.tenant).as_("user")
    sample = owner("POST", "/v1/companies", 201, body={"name": "株式会社サンプル", "domain": "sample.co.jp"})
    owner("POST", "/v1/companies", 409, body={"name": "サンプル商事", "domain": "sample.co.jp"})
    other = owner("POST", "/v1/companies", 201, body={"name": "株式会社ほか"})
    owner("PATCH", "/v1/companies/{id}", 409, params={"id": other["id"]}, body={"domain": "sample.co.jp"})
    owner("GET", "/v1/companies/{id}/contacts", 422, params={"id": sample["id"]}, query={"limit": "0"})
    owner("GET", "/v1/companies/{id}/contacts", 200, params={"id": sample["id"]})
    user("POST", "/v1/companies", 403, body={"name": "株式会社ユーザー"})
    user("PATCH", "/v1/companies/{id}", 403, params={"id": sample["id"]}, body={"phone": "03-1234-5678"})
    user("DELETE", "/v1/companies/{id}", 403, params={"id": sample["id"]})


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_email_statuses(api, smtp_server):
    owner, user = Caller(api.tenant), Caller(api.tenant).as_("user")
    owner("GET", "/v1/me/mailbox", 404)
    owner("POST", "/v1/me/mailbox/test", 200, body=mailbox_body(smtp_server[1]))
    owner("POST", "/v1/me/mailbox/test", 422, body=mailbox_body(free_port()))
    owner("POST", "/v1/me/mailbox/sync", 404)
    owner("PUT", "/v1/me/mailbox", 200, body={**mailbox_body(free_port()), "imap": {
        "host": "127.0.0.1", "port": free_port(), "security": "none", "username": "rep", "password": "secret"}})
    owner("POST", "/v1/me/mailbox/sync", 422, body={"folder": "INBOX"})
    assert owner("POST", "/v1/me/mailbox/sync", 202)["status"] == "error"  # nobody listens: the mailbox's error
    taro = owner("POST", "/v1/contacts", 201, body={"family_name": "山田", "email": "taro@example.jp"})
    message = {"contact_id": taro["id"], "subject": "{{contact.family_name}}様", "body_text": "本文です"}
    owner("POST", "/v1/emails/preview", 200, body=message)
    sent = owner("POST", "/v1/emails", 201, body=message)
    owner("GET", "/v1/emails/{id}/thread", 422, params={"id": sent["id"]}, query={"limit": "0"})
    scheduled = owner("POST", "/v1/emails", 201, body={**message, "send_at": at(86400)})
    owner("PATCH", "/v1/emails/{id}", 200, params={"id": scheduled["id"]}, body={"send_at": at(2 * 86400)})
    owner("PATCH", "/v1/emails/{id}", 404, params={"id": OTHER_ID}, body={"send_at": at(2 * 86400)})
    owner("PATCH", "/v1/emails/{id}", 409, params={"id": sent["id"]}, body={"send_at": at(2 * 86400)})
    user("PATCH", "/v1/emails/{id}", 403, params={"id": scheduled["id"]}, body={"send_at": at(3 * 86400)})
    user("DELETE", "/v1/emails/{id}", 403, params={"id": scheduled["id"]})
    owner("DELETE", "/v1/emails/{id}", 204, params={"id": scheduled["id"]})
    owner("DELETE", "/v1/emails/{id}", 409, params={"id": scheduled["id"]})
    owner("POST", "/v1/me/notifications/read-all", 400, raw=b"{not json")


def test_timeline_and_activity_statuses(api):
    owner, user = Caller(api.tenant), Caller(api.tenant).as_("user")
    taro = owner("POST", "/v1/contacts", 201, body={"family_name": "山田", "email": "taro@example.jp",
                                                    "phone": "03-1234-5678"})
    owner("POST", "/v1/contacts/{id}/calls", 201, params={"id": taro["id"]},
          body={"direction": "outbound", "outcome": "connected", "duration_seconds": 185, "notes": "来週デモ"})
    owner("POST", "/v1/contacts/{id}/calls", 422, params={"id": taro["id"]}, body={"direction": "sideways"})
    memo = owner("POST", "/v1/contacts/{id}/activities", 201, params={"id": taro["id"]},
                 body={"type": "memo", "body": "メモ"})
    owner("POST", "/v1/emails", 201, body={"contact_id": taro["id"], "subject": "件名", "body_text": "本文"})
    timeline = owner("GET", "/v1/contacts/{id}/timeline", 200, params={"id": taro["id"]})
    [system] = [item for item in timeline["items"] if item["type"] == "email_sent"]
    owner("GET", "/v1/contacts/{id}/timeline", 400, params={"id": taro["id"]}, query={"cursor": "not-a-cursor"})
    owner("GET", "/v1/contacts/{id}/history", 200, params={"id": taro["id"]}, query={"field": "owner_id"})
    owner("GET", "/v1/contacts/{id}/history", 400, params={"id": taro["id"]}, query={"cursor": "not-a-cursor"})
    owner("GET", "/v1/contacts/{id}/history", 422, params={"id": taro["id"]}, query={"field": "score"})
    both = {"id": taro["id"], "activity_id": system["id"]}
    owner("PATCH", "/v1/contacts/{id}/activities/{activity_id}", 409, params=both, body={"body": "書き換え"})
    owner("DELETE", "/v1/contacts/{id}/activities/{activity_id}", 409, params=both)
    mine = {"id": taro["id"], "activity_id": memo["id"]}
    # the memo's body is all it says: clearing it leaves neither a subject nor a body
    owner("PATCH", "/v1/contacts/{id}/activities/{activity_id}", 422, params=mine, body={"body": None})
    user("PATCH", "/v1/contacts/{id}/activities/{activity_id}", 403, params=mine, body={"body": "書き換え"})
    user("DELETE", "/v1/contacts/{id}/activities/{activity_id}", 403, params=mine)


def test_segment_export_import_and_bulk_statuses(api, monkeypatch):
    from stack_support import run_queued_jobs, uploaded

    owner = Caller(api.tenant)
    owner("POST", "/v1/contacts", 201, body={"family_name": "山田", "properties": {}})
    owner("POST", "/v1/properties", 201, body={"key": "industry", "label": "業種", "type": "text"})
    segment = owner("POST", "/v1/segments", 201,
                    body={"name": "製造", "filter": {"field": "properties.industry", "op": "eq", "value": "製造"}})
    owner("POST", "/v1/contacts/bulk", 202,
          body={"selection": {"filter": {"field": "status", "op": "eq", "value": "new"}}, "action": "star"})
    export = {"format": "csv", "encoding": "utf-8", "fields": ["family_name"], "reason": "契約テスト"}
    owner("POST", "/v1/exports", 422, body={**export, "selection": {"all": True}, "password": "short"})
    owner("POST", "/v1/exports", 404, body={**export, "selection": {"segment_id": OTHER_ID}})
    owner.as_("user")("POST", "/v1/exports", 403, body={**export, "selection": {"all": True}})
    started = owner("POST", "/v1/exports", 202, body={**export, "selection": {"all": True}})
    owner("GET", "/v1/exports/{id}/download", 409, params={"id": started["id"]})
    again = owner("POST", "/v1/exports", 429, body={**export, "selection": {"all": True}})
    assert again["error"]["code"] == "too_many_requests"
    run_queued_jobs()
    owner("GET", "/v1/exports/{id}/download", 302, params={"id": started["id"]})
    owner("GET", "/v1/exports/{id}/download", 200, params={"id": started["id"]}, headers={"Accept": "application/json"})
    owner("GET", "/v1/segments/{id}/contacts", 422, params={"id": segment["id"]}, query={"limit": "0"})
    owner("PATCH", "/v1/properties/{key}", 200, params={"key": "industry"}, body={"archived": True})
    owner("GET", "/v1/segments/{id}/contacts", 409, params={"id": segment["id"]})
    owner.as_("admin")("POST", "/v1/exports", 409, body={**export, "selection": {"segment_id": segment["id"]}})
    owner("POST", "/v1/contacts/bulk", 409, body={"selection": {"segment_id": segment["id"]}, "action": "star"})
    importer = Api(api.tenant, "owner", owner.user_id)
    owner("POST", "/v1/imports/{id}/start", 409, params={"id": owner("POST", "/v1/imports", 201, body={})["id"]},
          body={"mapping": {"姓": "family_name"}})
    csv_import = uploaded(importer, "姓,メール\n山田,taro@example.jp\n".encode())
    owner("POST", "/v1/imports/{id}/start", 422, params={"id": csv_import}, body={"mapping": {"姓": "no_such_field"}})
    owner("GET", "/v1/imports/{id}/preview", 200, params={"id": csv_import})
    owner("POST", "/v1/imports/{id}/start", 202, params={"id": csv_import},
          body={"mapping": {"姓": "family_name", "メール": "email"}})
    not_uploaded = owner("POST", "/v1/imports", 201, body={})["id"]
    owner("GET", "/v1/imports/{id}/preview", 409, params={"id": not_uploaded})
    owner("GET", "/v1/imports/{id}/preview", 422, params={"id": uploaded(importer, b"%PDF-1.7\n")})
    from shared.domain import imports as import_rules

    monkeypatch.setattr(import_rules, "MAX_BYTES", 10)
    owner("GET", "/v1/imports/{id}/preview", 413, params={"id": uploaded(importer, "姓\n山田\n".encode())})


def test_bulk_email_and_unsubscribe_statuses(api):
    """An email to a selection naming no segment of the tenant (404, as its preview); the
    one-click unsubscribe's page and its POST (200), with a token the email would carry."""
    from shared.config import tracking_keyring
    from shared.domain import tracking
    from stack_support import run_queued_jobs

    owner = Caller(api.tenant)
    content = {"subject": "{{contact.family_name}}様", "body_text": "ご案内"}
    for path in ("/v1/emails/bulk", "/v1/emails/bulk/preview"):
        owner("POST", path, 404, body={"selection": {"segment_id": OTHER_ID}, **content})
    contact = owner("POST", "/v1/contacts", 201, body={"family_name": "山田", "email": f"bulk.{api.tenant}@example.jp"})
    owner("POST", "/v1/emails/bulk/preview", 200, body={"selection": {"ids": [contact["id"]]}, **content})
    owner("POST", "/v1/emails/bulk", 202, body={"selection": {"ids": [contact["id"]]}, **content})
    run_queued_jobs()
    token = tracking.sign(tracking_keyring(), tracking.KIND_UNSUBSCRIBE, api.tenant, contact["id"])
    anyone = Caller(api.tenant, token="")
    anyone("GET", "/t/u/{token}", 200, params={"token": token})
    anyone("POST", "/t/u/{token}", 200, params={"token": token}, raw=b"List-Unsubscribe=One-Click")
    assert owner("GET", "/v1/contacts/{id}", 200, params={"id": contact["id"]})["marketing_opt_out"] is True


def test_a_tag_on_more_contacts_than_a_request_handles_is_deleted_by_a_job(api, monkeypatch):
    from shared.domain import bulk
    from stack_support import run_queued_jobs

    monkeypatch.setattr(bulk, "SYNC_IDS", 1)  # two tagged contacts are "many"
    owner = Caller(api.tenant)
    for name in ("山田", "佐藤"):
        owner("POST", "/v1/contacts", 201, body={"family_name": name, "tags": ["展示会"]})
    owner("DELETE", "/v1/tags/{name}", 202, params={"name": "展示会"})
    run_queued_jobs()  # leaves no message for a later test's worker


def test_ingest_collect_and_webhook_statuses(api):
    from infra.local import sns
    from shared.domain.web import FLOOD_PER_MINUTE

    owner = Caller(api.tenant)
    key = owner("POST", "/v1/api-keys", 201, body={"name": "連携"})
    owner("POST", "/v1/events", 202, headers={"X-Api-Key": key["secret"]}, body={"events": [
        {"contact": {"email": "taro@example.jp"}, "type": "page_view", "occurred_at": "2026-01-05T05:00:00Z",
         "data": {"url": "https://www.example.jp/"}, "event_id": "pv-1"}]})
    site = owner("POST", "/v1/site-keys", 201, body={"name": "LP", "allowed_origins": [SITE]})
    anonymous = Caller(api.tenant, token="")
    visitor = "q3Vb9xk2TzW8mL0pYf1s_A"
    hit_body = {"site_key": site["site_key"], "visitor_id": visitor, "type": "page_view", "url": f"{SITE}/"}
    browser = {"Origin": SITE, "User-Agent": BROWSER}
    anonymous("POST", "/collect", 204, body=hit_body, headers=browser)
    anonymous("POST", "/collect", 403, body=hit_body, headers={**browser, "Origin": "https://evil.example.com"})
    anonymous("POST", "/collect", 422, headers=browser,
              body={**hit_body, "type": "form_submitted", "email": "not-an-email"})
    for _ in range(2 * FLOOD_PER_MINUTE):  # over the cap within one minute, whenever the minute turns
        status = anonymous.client.post("/collect", json=hit_body, headers=browser).status_code
        if status == 429:
            break
        assert status == 204, status
    anonymous("POST", "/collect", 429, body=hit_body, headers=browser)
    envelope = sns._signer.notification(sns._topic_arn, json.dumps({"notificationType": "Delivery", "mail": {
        "messageId": "not-one-of-ours", "timestamp": "2026-01-05T05:00:00.000Z", "destination": ["a@example.jp"]},
        "delivery": {"timestamp": "2026-01-05T05:00:01.000Z", "recipients": ["a@example.jp"]}}))
    anonymous("POST", "/webhooks/ses", 200, raw=json.dumps(envelope).encode(), headers={"Content-Type": "text/plain"})


def test_member_group_and_member_login_statuses(api):
    from infra.local.outbox import OUTBOX
    from stack_support import invitation, run_queued_jobs, seeded

    owner, user, anonymous = Caller(api.tenant), Caller(api.tenant).as_("user"), Caller(api.tenant, token="")
    group = owner("POST", "/v1/member-groups", 201, body={"name": "サロン", "web_form_joinable": True})
    at = {"id": group["id"]}
    user("POST", "/v1/member-groups", 403, body={"name": "x"})
    owner("GET", "/v1/member-groups/{id}", 200, params=at)
    owner("PATCH", "/v1/member-groups/{id}", 200, params=at, body={"redirect_url": "https://example.jp/ok"})
    owner("PATCH", "/v1/member-groups/{id}", 422, params=at, body={"name": ""})
    user("PATCH", "/v1/member-groups/{id}", 403, params=at, body={"name": "x"})
    user("DELETE", "/v1/member-groups/{id}", 403, params=at)
    email = f"member-{api.tenant}@example.jp"
    contact = owner("POST", "/v1/contacts", 201, body={"family_name": "会員", "email": email})
    bare = owner("POST", "/v1/contacts", 201, body={"family_name": "メールなし"})
    owner("POST", "/v1/member-groups/{id}/members", 200, params=at, body={"contact_ids": [contact["id"], bare["id"]]})
    owner("POST", "/v1/member-groups/{id}/members", 422, params=at, body={"contact_ids": []})
    owner("POST", "/v1/member-groups/{id}/members", 202, params=at,
          body={"contact_ids": [f"id{n}" for n in range(101)]})
    owner("GET", "/v1/member-groups/{id}/members", 200, params=at)
    owner("GET", "/v1/member-groups/{id}/members", 400, params=at, query={"cursor": "forged"})
    owner("GET", "/v1/member-groups/{id}/members", 422, params=at, query={"limit": "0"})
    invite, reset = ("/v1/member-groups/{id}/members/{contact_id}/invite",
                     "/v1/member-groups/{id}/members/{contact_id}/password-reset")
    member = {**at, "contact_id": contact["id"]}
    for path in (invite, reset):
        owner("POST", path, 400, params=member, raw=b"{not json")
        user("POST", path, 403, params=member, body={})
    owner("POST", invite, 422, params={**at, "contact_id": bare["id"]}, body={})
    owner("POST", reset, 409, params=member, body={})
    owner("POST", reset, 404, params={**member, "id": OTHER_ID}, body={})
    owner("POST", reset, 422, params=member, body={"send": True})
    owner("POST", invite, 200, params=member, body={})
    password = invitation([m for m in OUTBOX.items() if m["to"] == [email]][-1]["raw"])[1]
    site = {"tenant": api.tenant}
    challenge = anonymous("POST", "/member-site/{tenant}/sign-in", 200, params=site,
                          body={"email": email, "password": password})
    anonymous("POST", "/member-site/{tenant}/new-password", 200, params=site,
              body={"email": email, "session": challenge["session"], "new_password": "salon-member-2026"})
    owner("POST", invite, 409, params=member, body={})
    owner("POST", reset, 200, params=member, body={})
    key = owner("POST", "/v1/site-keys", 201, body={"name": "会員サイト", "allowed_origins": [SITE]})
    anonymous("POST", "/collect", 200, headers={"Origin": SITE, "User-Agent": BROWSER},
              body={"site_key": key["site_key"], "visitor_id": "q3Vb9xk2TzW8mL0pYf1s_B", "type": "form_submitted",
                    "url": f"{SITE}/join", "email": "joined@example.jp", "member_group_id": group["id"]})
    owner("DELETE", "/v1/member-groups/{id}/members/{contact_id}", 204, params=member)
    owner("DELETE", "/v1/member-groups/{id}", 204, params=at)
    crowded = owner("POST", "/v1/member-groups", 201, body={"name": "大人数"})
    owner("POST", "/v1/member-groups/{id}/members", 202, params={"id": crowded["id"]},
          body={"contact_ids": seeded(api, 101)})
    run_queued_jobs()
    owner("DELETE", "/v1/member-groups/{id}", 202, params={"id": crowded["id"]})


def test_what_the_fuzzer_found_stays_fixed(api):
    """Its findings, pinned: a company's `website` of the wrong type was stored as null (201);
    fields sent to the actions that take none were ignored (now 422); GET /v1/jobs/{id} of an
    export broke its documented schema; null for a search field or the mailbox's port and password
    was accepted but undocumented (it means "as if left out")."""
    owner = Caller(api.tenant)
    owner("POST", "/v1/companies", 422, body={"name": "株式会社サンプル", "website": {}})
    company = owner("POST", "/v1/companies", 201, body={"name": "株式会社サンプル", "website": "example.co.jp"})
    owner("PATCH", "/v1/companies/{id}", 422, params={"id": company["id"]}, body={"website": 0})
    assert owner("GET", "/v1/companies/{id}", 200, params={"id": company["id"]})["website"] == "https://example.co.jp"
    owner("POST", "/v1/me/notifications/read-all", 422, body={"all": True})
    owner("POST", "/v1/me/notifications/read-all", 422, body=None)
    owner("POST", "/v1/me/notifications/read-all", 204, body={})
    taro = owner("POST", "/v1/contacts", 201, body={"family_name": "山田", "email": "taro@example.jp"})
    email = owner("POST", "/v1/emails", 201, body={"contact_id": taro["id"], "subject": "件名", "body_text": "本文"})
    owner("POST", "/v1/emails/{id}/duplicate", 422, params={"id": email["id"]}, body={"subject": "別件"})
    owner("POST", "/v1/emails/{id}/duplicate", 200, params={"id": email["id"]})
    export = owner("POST", "/v1/exports", 202, body={"format": "csv", "encoding": "utf-8", "fields": ["family_name"],
                                                     "selection": {"all": True}, "reason": "契約テスト"})
    assert owner("GET", "/v1/jobs/{id}", 200, params={"id": export["id"]})["type"] == "export"
    nulls = dict.fromkeys(("filter", "q", "sort", "order", "limit", "cursor"))
    assert owner("POST", "/v1/contacts/search", 200, body=nulls)["total"] == 1
    owner("PUT", "/v1/me/mailbox", 200, body={"host": "smtp.example.co.jp", "port": None, "security": "tls",
                                              "username": "taro@example.co.jp", "password": "app-password"})
    mailbox = owner("PUT", "/v1/me/mailbox", 200, body={"host": "smtp.example.co.jp", "security": "tls",
                                                        "username": "taro@example.co.jp", "password": None})
    assert (mailbox["port"], mailbox["password_set"]) == (465, True)


def _operations_with_a_body() -> list[tuple[str, str]]:
    return [(method.upper(), path) for path, method, operation in operations(schema.raw_schema)
            if "requestBody" in operation and path != "/webhooks/ses"]


def test_every_operation_with_a_body_refuses_a_malformed_or_oversized_one(api):
    """Not JSON is a documented 400 and a body over the function's limit (5 MB; 16 KB for POST
    /collect) a documented 413, on every operation that takes a body. (POST /webhooks/ses reads
    any body as an SNS delivery to verify: anything unverified is its 403.)"""
    from shared.domain.web import MAX_BODY_BYTES as COLLECT_LIMIT
    from shared.http import MAX_BODY_BYTES

    caller, failures = Caller(api.tenant), []
    # POST /v1/events checks its key before it reads the body
    ingest_key = {"X-Api-Key": caller("POST", "/v1/api-keys", 201, body={"name": "連携"})["secret"]}
    for method, path in _operations_with_a_body():
        limit = COLLECT_LIMIT if path == "/collect" else MAX_BODY_BYTES
        params = {name: OTHER_ID for name in re.findall(r"\{([^}]+)\}", path)}
        headers = ingest_key if path == "/v1/events" else None
        for expected, raw in ((400, b"{not json"), (413, b'{"x": "' + b"a" * limit + b'"}')):
            try:
                caller(method, path, expected, params=params, raw=raw, headers=headers)
            except (AssertionError, FailureGroup) as failure:
                failures.append(f"{method} {path}: {str(failure)[:300]}")
    assert not failures, "\n".join(failures)


# --- every documented status is reached --------------------------------------------------------

EXPORT_DOWNLOAD = ("GET", "/v1/exports/{id}/download")


def needs_a_fault_or_time(method: str, path: str, status: str) -> bool:
    """The documented statuses no request can make happen now: 503, the store staying busy
    through every retry, takes a fault; 410, an expired download, takes 24 hours."""
    return status == "503" or (status == "410" and (method, path) == EXPORT_DOWNLOAD)


def test_statuses_that_need_a_fault_or_time_are_documented_consistently(moto_endpoint):
    """503 (`Busy`: the store stayed contended or throttled through every retry) arises only from
    a fault, which tests/test_fault_injection.py injects; 410 (`Gone`: the export's download after
    its 24 hours) only from time passing, which tests/test_exports_api.py stands in for by ageing
    the stored export. Neither is faked here: the document must give each as its one shared
    answer, with the product's status and error code, and 410 only where the product raises it."""
    from shared.errors import Busy
    from shared.services.exports import Gone

    doc = schema.raw_schema
    shared = {"503": ("#/components/responses/Busy", Busy), "410": ("#/components/responses/Gone", Gone)}
    for status, (ref, error) in shared.items():
        assert error.status == int(status)
        name = ref.rsplit("/", 1)[1]
        assert doc["components"]["responses"][name]["content"][JSON]["example"]["error"]["code"] == error.code
    for path, method, operation in operations(doc):
        for status, response in operation["responses"].items():
            where = f"{method.upper()} {path} {status}"
            if status in shared:
                assert response == {"$ref": shared[status][0]}, where
                assert needs_a_fault_or_time(method.upper(), path, status), f"{where}: the product never answers it"
            else:
                assert response.get("$ref") not in {ref for ref, _ in shared.values()}, where


def test_every_documented_status_is_reached():
    """Runs last: every (operation, documented status) was answered, to the fuzzer or to an
    explicit request above, but for those that need a fault or time (see above)."""
    documented = {(method.upper(), path): set(operation["responses"])
                  for path, method, operation in operations(schema.raw_schema)}
    assert FUZZED == set(documented), "run the whole module: the fuzzing of every operation comes first"
    unreached = sorted(f"{method} {path} {status}" for (method, path), statuses in documented.items()
                       for status in statuses
                       if int(status) not in REACHED[(method, path)]
                       and not needs_a_fault_or_time(method, path, status))
    assert not unreached, "documented statuses that no request answered:\n" + "\n".join(unreached)
