"""Bad input is never a 5xx (issue 17): bodies nested thousands deep, strings holding a lone
UTF-16 surrogate (a `\\ud800` escape: valid JSON, but not text that can be stored or answered),
query strings holding one, and bodies of the wrong type, on every route that reads a body,
authenticated or not. Each is a 4xx with the contract's error body, and changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import Api, assert_error, create
from shared.domain import json_text

DEEP = "[" * 5000 + "]" * 5000
LONE_SURROGATE = (r'{"family_name": "\ud800", "memo": "\ud800", "name": "\ud800", "q": "\ud800", '
                  r'"events": [{"type": "\ud800"}]}')
WRONG_TYPES = json.dumps({"family_name": [1], "email": {"a": 1}, "name": 7, "filter": "x", "events": {"a": 1},
                          "subject": [], "body": False, "host": 1, "site_key": [], "ids": "x", "tags": 5})
BAD_BODIES = {"deep": DEEP, "lone-surrogate": LONE_SURROGATE, "wrong-types": WRONG_TYPES, "array": "[1, 2]",
              "string": '"text"', "null": "null"}
SITE = "https://www.example.jp"


def _body_routes() -> list[tuple[str, str]]:
    from infra.local.server import http_routes

    return [(route.method, route.path) for route in http_routes() if route.method in ("POST", "PUT", "PATCH")]


def call(api: Api, method: str, path: str, raw: str | None = None, query: str | dict | None = None,
         headers: dict[str, str] | None = None, authorized: bool = True) -> tuple[int, Any]:
    from infra.local.server import call_handler

    result = call_handler(method, path, api.member_claims() if authorized else None, raw, query or {}, headers=headers)
    text = result.get("body") or ""
    return result["statusCode"], json.loads(text) if text[:1] in "{[" else text


def _error_body(status: int, body: Any) -> None:
    assert 400 <= status < 500, (status, body)
    assert isinstance(body, dict) and set(body) == {"error"}, body
    assert body["error"]["code"] and body["error"]["message"].strip() and isinstance(body["error"]["details"], list)


@pytest.mark.parametrize("kind", list(BAD_BODIES))
@pytest.mark.parametrize("method,template", _body_routes())
def test_no_route_answers_bad_bodies_with_a_5xx(api, method, template, kind):
    path = template.replace("{proxy+}", "x").replace("{", "").replace("}", "")  # {id} -> id: an unknown id
    headers = {"origin": SITE, "x-api-key": "crm_unknown"} if template in ("/collect", "/v1/events") else None
    status, body = call(api, method, path, BAD_BODIES[kind], headers=headers)
    if template == "/webhooks/ses":
        assert status == 403, (status, body)  # not a verified SNS delivery
    _error_body(status, body)


@pytest.mark.parametrize("raw", [DEEP, '{"a":' * 33 + "1" + "}" * 33])
def test_a_body_nested_too_deep_is_a_400_that_says_so(api, raw):
    status, body = call(api, "POST", "/v1/contacts", raw)
    assert status == 400 and body["error"]["code"] == "bad_request", body
    assert "nests more than 32" in body["error"]["message"]
    assert api.get("/v1/contacts").body["items"] == []


def test_a_body_nested_within_the_limit_is_read(api):
    nested: Any = "deep"
    for _ in range(31):  # in the body object: 32 levels
        nested = [nested]
    reply = api.post("/v1/contacts", {"family_name": "山田", "memo": nested})
    assert_error(reply, 422, "memo")  # read, then refused as no string


def test_a_lone_surrogate_in_a_contact_is_a_400_and_creates_nothing(api):
    status, body = call(api, "POST", "/v1/contacts", r'{"family_name": "山田", "memo": "\ud800"}')
    assert status == 400 and "surrogate" in body["error"]["message"], body
    assert api.get("/v1/contacts").body["items"] == []


def test_a_lone_surrogate_in_a_contact_update_is_a_400_and_changes_nothing(api):
    contact = create(api, family_name="山田", memo="before")
    status, body = call(api, "PATCH", f"/v1/contacts/{contact['id']}", r'{"memo": "after \udfff"}')
    assert status == 400, body
    assert api.get(f"/v1/contacts/{contact['id']}").body["memo"] == "before"


def test_a_surrogate_pair_is_text(api):
    status, body = call(api, "POST", "/v1/contacts", r'{"family_name": "山田", "memo": "\ud83d\ude00"}')
    assert status == 201 and body["memo"] == "😀", body


@pytest.mark.parametrize("path", ["/v1/contacts", "/v1/companies", "/v1/emails", "/v1/me/notifications"])
def test_a_lone_surrogate_in_the_query_string_is_a_400(api, path):
    status, body = call(api, "GET", path, query="q=\ud800")
    assert status == 400 and body["error"]["code"] == "bad_request", body


def test_a_search_nested_thousands_deep_is_a_400(api):
    tree = '{"and": [' * 500 + '{"field": "family_name", "op": "eq", "value": "山田"}' + "]}" * 500
    status, body = call(api, "POST", "/v1/contacts/search", '{"filter": ' + tree + "}")
    assert status == 400 and "nests more than" in body["error"]["message"], body
    status, body = call(api, "POST", "/v1/segments", '{"name": "deep", "filter": ' + tree + "}")
    assert status == 400, body
    assert api.get("/v1/segments").body["items"] == []


def test_a_search_nesting_more_groups_than_allowed_is_a_422_naming_the_group(api):
    tree: Any = {"field": "family_name", "op": "eq", "value": "山田"}
    for _ in range(8):  # within the JSON depth limit, beyond the filter's 5 groups
        tree = {"and": [tree]}
    reply = api.post("/v1/contacts/search", {"filter": tree})
    assert_error(reply, 422)
    assert [detail["code"] for detail in reply.error["details"]] == ["too_deep"], reply.body


@pytest.fixture
def api_key(api) -> str:
    reply = api.post("/v1/api-keys", {"name": "website"})
    assert reply.status == 201, reply.body
    return reply.body["secret"]


def test_events_check_the_api_key_before_reading_the_body(api):
    status, body = call(api, "POST", "/v1/events", DEEP, headers={"x-api-key": "crm_not-a-key"}, authorized=False)
    assert status == 401, body
    status, body = call(api, "POST", "/v1/events", "not json", authorized=False)
    assert status == 401, body


@pytest.mark.parametrize("raw", [DEEP, r'{"events": [{"type": "purchase", "email": "a@example.jp", '
                                       r'"data": {"item": "\ud800"}}]}'],
                         ids=["deep", "lone-surrogate"])
def test_events_with_a_valid_key_and_an_unreadable_body_are_a_400(api, api_key, raw):
    status, body = call(api, "POST", "/v1/events", raw, headers={"x-api-key": api_key}, authorized=False)
    assert status == 400, body
    assert api.get("/v1/contacts").body["items"] == []


@pytest.mark.parametrize("raw", [DEEP, r'{"site_key": "\ud800", "type": "page_view"}'], ids=["deep", "lone-surrogate"])
def test_collect_with_an_unreadable_body_is_a_400(api, raw):
    status, body = call(api, "POST", "/collect", raw, headers={"origin": SITE}, authorized=False)
    assert status == 400, body


# --- the reader itself (pure) ------------------------------------------------------------------


@pytest.mark.parametrize("text,reason", [
    ("[" * 33 + "]" * 33, "nests more than 32"), ("[" * 100_000, "nests more than 32"),
    (r'"\ud800"', "surrogate"), (r'{"\udc00": 1}', "surrogate"), (r'["ok", {"a": ["\ud83d"]}]', "surrogate"),
    ("[" * 31 + r'["\udfff"]' + "]" * 31, "surrogate"), ("[" * 32 + r'[""]' + "]" * 32, "nests more than 32"),
    (b'"\xed\xa0\x80"', "surrogate"), ("{", "not valid JSON"), ("", "not valid JSON"),
])
def test_the_json_reader_refuses(text, reason):
    with pytest.raises(json_text.UnreadableJson, match=reason):
        json_text.loads(text)


def test_the_json_reader_takes_32_levels_and_surrogate_pairs():
    assert json_text.loads("[" * 32 + "]" * 32) is not None
    assert json_text.loads("[" * 32 + r'"\ud83d\ude00"' + "]" * 32) is not None
    assert json_text.loads(r'{"a": "\ud83d\ude00"}') == {"a": "😀"}
    assert json_text.loads(r'["\\ud800"]') == ["\\ud800"]  # an escaped backslash: the text "\ud800"
    assert json_text.loads('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}') == {"a": "[" * 34}
