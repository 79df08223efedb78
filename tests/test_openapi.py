"""The OpenAPI document served at GET /openapi.json: a valid OpenAPI 3.0 document that
describes exactly the routes of template.yaml, with the right security, resolvable $refs,
schemas that agree with the domain rules, and responses that the handlers really answer."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openapi_schema_validator as validators
import pytest
from openapi_spec_validator import OpenAPIV30SpecValidator

from infra.template import documented_routes
from shared.domain import access, listing, properties, settings
from shared.domain import contacts as contact_rules

DOC_PATH = Path(__file__).resolve().parent.parent / "functions" / "contacts_api" / "openapi.json"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
REFORMAT = (
    "python -c \"import json,sys; p=sys.argv[1]; d=json.load(open(p,encoding='utf-8')); "
    "open(p,'w',encoding='utf-8').write(json.dumps(d,ensure_ascii=False,indent=2)+'\\n')\" " + str(DOC_PATH)
)


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    with open(DOC_PATH, encoding="utf-8") as handle:
        return json.load(handle)


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in HTTP_METHODS:
            if method in item:
                yield path, method, item[method]


def resolve(document: dict[str, Any], node: Any) -> Any:
    """Follow local $refs ("#/a/b") until a node that is not a reference."""
    seen = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), f"only local references are used: {ref}"
        assert ref not in seen, f"reference cycle at {ref}"
        seen.add(ref)
        node = document
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            assert isinstance(node, dict) and part in node, f"unresolvable $ref {ref}"
            node = node[part]
    return node


def all_refs(node: Any, where: str = "#") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield where, value
            else:
                yield from all_refs(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from all_refs(value, f"{where}/{index}")


# --- (1) a valid OpenAPI 3.0 document -----------------------------------------------------

def test_file_is_pretty_printed_json():
    text = DOC_PATH.read_text(encoding="utf-8")
    document = json.loads(text)
    assert text == json.dumps(document, ensure_ascii=False, indent=2) + "\n", f"reformat with: {REFORMAT}"


def test_document_structure(doc):
    assert re.fullmatch(r"3\.0\.\d+", doc["openapi"])
    assert doc["info"]["title"] and doc["info"]["version"]
    assert isinstance(doc["paths"], dict) and doc["paths"]
    operation_ids = []
    for path, method, operation in operations(doc):
        where = f"{method.upper()} {path}"
        assert path.startswith("/"), where
        assert operation.get("operationId"), f"{where}: no operationId"
        assert operation.get("summary"), f"{where}: no summary"
        operation_ids.append(operation["operationId"])
        responses = operation.get("responses")
        assert responses, f"{where}: no responses"
        for status in responses:
            assert re.fullmatch(r"[1-5]\d\d|default", status), f"{where}: bad status {status}"
        assert any(status[0] in "23" for status in responses), f"{where}: no success response (2xx, or a redirect)"
        declared = [resolve(doc, p) for p in doc["paths"][path].get("parameters", []) + operation.get("parameters", [])]
        in_path = {p["name"] for p in declared if p["in"] == "path"}
        assert in_path == set(re.findall(r"\{([^}]+)\}", path)), f"{where}: path parameters differ from the template"
        assert all(p["required"] for p in declared if p["in"] == "path"), f"{where}: path parameters are required"
        if method in ("post", "put", "patch"):
            body = resolve(doc, operation.get("requestBody"))
            # JSON, but for RFC 8058's one-click unsubscribe, which mail clients post as a form
            form = path == "/t/u/{token}" and "application/x-www-form-urlencoded" in (body or {}).get("content", {})
            assert body and ("application/json" in body["content"] or form), f"{where}: no JSON request body"
    assert len(operation_ids) == len(set(operation_ids)), "operationIds must be unique"


def test_document_passes_openapi_spec_validator(doc):
    OpenAPIV30SpecValidator(doc).validate()


# --- (2) no drift from template.yaml -----------------------------------------------------

def test_every_template_route_is_documented_and_nothing_else(doc):
    in_template = {(route.method, route.path) for route in documented_routes()}
    in_document = {(method.upper(), path) for path, method, _ in operations(doc)}
    assert not in_template - in_document, \
        f"routes of template.yaml missing from openapi.json: {sorted(in_template - in_document)}"
    assert not in_document - in_template, \
        f"operations of openapi.json not in template.yaml: {sorted(in_document - in_template)}"


def _is_schema(document: dict[str, Any], schema: Any) -> bool:
    """A schema that says what it holds: a type, or a composition of schemas that do."""
    schema = resolve(document, schema)
    if not isinstance(schema, dict):
        return False
    if "type" in schema:
        return True
    parts = schema.get("oneOf") or schema.get("anyOf") or schema.get("allOf")
    return bool(parts) and all(_is_schema(document, part) for part in parts)


def test_every_authenticated_route_has_request_and_response_schemas(doc):
    """What clients and the contract fuzzer (tests/test_contract_fuzz.py) generate and check
    against: for every authenticated route of template.yaml, the schema of the JSON body it
    takes (POST, PUT, PATCH) and of every answer with a body; an answer without one is a 204,
    or a redirect that documents its Location."""
    routes = [route for route in documented_routes() if route.authorized]
    assert routes
    for route in routes:
        operation = doc["paths"][route.path][route.method.lower()]
        if route.method in ("POST", "PUT", "PATCH"):
            media = resolve(doc, operation["requestBody"])["content"]["application/json"]
            assert _is_schema(doc, media.get("schema")), f"{route.route_key}: request body without a schema"
        for status, response in operation["responses"].items():
            where = f"{route.route_key} {status}"
            response = resolve(doc, response)
            assert response.get("description"), f"{where}: no description"
            if status == "204":
                assert "content" not in response, f"{where}: a 204 has no body"
            elif status.startswith("3"):
                assert "Location" in response.get("headers", {}), f"{where}: a redirect without Location"
            else:
                assert response.get("content"), f"{where}: no documented body"
                for media_type, media in response["content"].items():
                    assert _is_schema(doc, media.get("schema")), f"{where}: {media_type} without a schema"


# --- (3) security ------------------------------------------------------------------------

def test_authenticated_routes_declare_bearer_security_and_public_ones_none(doc):
    schemes = doc["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    routes = documented_routes()
    assert any(not route.authorized for route in routes) and any(route.authorized for route in routes)
    for route in routes:
        operation = doc["paths"][route.path][route.method.lower()]
        security = operation.get("security", doc.get("security", []))
        if route.authorized:
            assert security, f"{route.route_key} is authenticated but declares no security"
            for requirement in security:
                assert set(requirement) <= set(schemes) and requirement, route.route_key
            assert "401" in operation["responses"], f"{route.route_key}: no 401 response"
        else:  # no JWT; a function may still check an API key of its own
            schemes_used = {name for requirement in security for name in requirement}
            assert "bearerAuth" not in schemes_used, f"{route.route_key} is public but declares the JWT"
            assert all(schemes[name]["type"] == "apiKey" for name in schemes_used), route.route_key
            # a key scheme means a 401 for a wrong key; POST /collect has its site key in the body
            assert "401" in operation["responses"] or not schemes_used, route.route_key


# --- (4) references ---------------------------------------------------------------------

def test_every_ref_resolves(doc):
    refs = list(all_refs(doc))
    assert refs
    for where, ref in refs:
        assert ref.startswith("#/"), f"{where}: external reference {ref}"
        resolve(doc, {"$ref": ref})


def test_every_component_is_used(doc):
    used = {ref for _, ref in all_refs(doc)}
    for kind, components in doc["components"].items():
        if kind == "securitySchemes":
            continue
        for name in components:
            assert f"#/components/{kind}/{name}" in used, f"components/{kind}/{name} is never referenced"


# --- the document agrees with the code ----------------------------------------------------

def _schema(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return doc["components"]["schemas"][name]


def test_error_responses_use_the_error_schema(doc):
    error = _schema(doc, "Error")
    assert error["required"] == ["error"]
    inner = error["properties"]["error"]
    assert set(inner["required"]) == {"code", "message", "details"}
    assert set(resolve(doc, inner["properties"]["details"]["items"])["required"]) == {"field", "code", "message"}
    # a 401 is API Gateway's own {"message": "Unauthorized"} when its JWT authorizer refuses the token
    # (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-jwt.html)
    gateway_or_error = {"oneOf": [{"$ref": "#/components/schemas/Error"},
                                  {"$ref": "#/components/schemas/GatewayMessage"}]}
    for path, method, operation in operations(doc):
        for status, response in operation["responses"].items():
            if status[0] in "45":
                schema = resolve(doc, response)["content"]["application/json"]["schema"]
                wanted = gateway_or_error if status == "401" and "bearerAuth" in _schemes(operation, doc) else {
                    "$ref": "#/components/schemas/Error"}
                assert schema == wanted, f"{method.upper()} {path} {status}"


def _schemes(operation: dict[str, Any], doc: dict[str, Any]) -> set[str]:
    return {name for requirement in operation.get("security", doc.get("security", [])) for name in requirement}


def test_contact_schemas_match_the_domain(doc):
    contact, contact_input = _schema(doc, "Contact"), _schema(doc, "ContactInput")
    assert list(contact["properties"]) == list(contact_rules.PUBLIC_FIELDS)
    assert set(contact["required"]) == set(contact_rules.PUBLIC_FIELDS)
    for name in contact_rules.READ_ONLY:
        assert contact["properties"][name].get("readOnly"), f"{name} is read-only"
    assert set(contact_input["properties"]) == {*contact_rules.WRITABLE, "tags", "properties"}
    assert contact_input["additionalProperties"] is False
    assert not set(contact_input["properties"]) & set(contact_rules.READ_ONLY)
    for name in contact_rules.NOT_NULLABLE:
        assert not contact_input["properties"][name].get("nullable"), name
    assert contact_input["properties"]["status"]["enum"] == list(contact_rules.STATUSES)
    assert contact["properties"]["status"]["enum"] == list(contact_rules.STATUSES)
    assert contact["properties"]["engagement"]["enum"] == list(contact_rules.ENGAGEMENTS)
    assert contact["properties"]["delivery_status"]["enum"] == list(contact_rules.DELIVERY_STATUSES)
    tags = contact_input["properties"]["tags"]
    assert tags["maxItems"] == contact_rules.MAX_TAGS and tags["items"]["maxLength"] == contact_rules.MAX_TAG_LENGTH


def test_list_parameters_match_the_domain(doc):
    parameters = {p["name"]: p for p in (resolve(doc, p) for p in doc["paths"]["/v1/contacts"]["get"]["parameters"])}
    assert set(parameters) == {"sort", "order", "limit", "cursor", "q", *listing.FILTER_PARAMS}
    assert all(p["in"] == "query" and not p.get("required") for p in parameters.values())
    assert parameters["sort"]["schema"]["enum"] == list(contact_rules.SORT_FIELDS)
    assert parameters["order"]["schema"]["enum"] == ["asc", "desc"]
    assert parameters["status"]["schema"]["enum"] == list(contact_rules.STATUSES)
    limit = parameters["limit"]["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, listing.MAX_LIMIT, listing.DEFAULT_LIMIT)


def test_tenant_schemas_match_the_domain(doc):
    assert _schema(doc, "PropertyDefinition")["properties"]["type"]["enum"] == list(properties.TYPES)
    assert _schema(doc, "PropertyDefinitionInput")["properties"]["type"]["enum"] == list(properties.TYPES)
    assert set(_schema(doc, "PropertyDefinitionUpdate")["properties"]) == {"label", "options", "archived"}
    for name in ("Settings", "SettingsUpdate"):
        schema = _schema(doc, name)
        assert set(schema["properties"]) == set(settings.DEFAULTS), name
        assert schema["properties"]["name_order"]["enum"] == list(settings.NAME_ORDERS)
        assert schema["properties"]["export_roles"]["items"]["enum"] == list(access.ROLES)
    assert _schema(doc, "SettingsUpdate")["additionalProperties"] is False


# --- examples and real answers validate against the schemas -------------------------------

def _validator(doc: dict[str, Any], schema: dict[str, Any], reading: bool = True):
    cls = validators.OAS30ReadValidator if reading else validators.OAS30WriteValidator
    root = {**schema, "components": doc["components"]}  # local "#/components/..." refs resolve in here
    return cls(root, format_checker=validators.oas30_format_checker)


def _assert_valid(doc: dict[str, Any], schema: dict[str, Any], value: Any, where: str, reading: bool = True) -> None:
    errors = sorted(_validator(doc, schema, reading).iter_errors(value), key=str)
    assert not errors, f"{where}: " + "; ".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:5])


def test_examples_match_their_schemas(doc):
    for name, schema in doc["components"]["schemas"].items():
        if "example" in schema:
            reading = not name.endswith(("Input", "Update", "Request"))
            _assert_valid(doc, schema, schema["example"], f"example of {name}", reading)
    for name, response in doc["components"]["responses"].items():
        media = response["content"]["application/json"]
        _assert_valid(doc, media["schema"], media["example"], f"example of response {name}")


class Checked:
    """The `api` client, checking each answer against the document's response for its status."""

    def __init__(self, api, doc: dict[str, Any]):
        self.api, self.doc = api, doc

    def __call__(self, method: str, template: str, path: str, expected: int, **kwargs) -> Any:
        reply = self.api.call(method, path, **kwargs)
        where = f"{method} {path} -> {reply.status}"
        assert reply.status == expected, f"{where}: {reply.body}"
        operation = self.doc["paths"][template][method.lower()]
        assert str(reply.status) in operation["responses"], f"{where}: status not documented"
        response = resolve(self.doc, operation["responses"][str(reply.status)])
        if "content" not in response:
            assert reply.body in ("", None), f"{where}: documented without a body"
            return reply.body
        media = response["content"].get("application/json")
        if media is None:
            assert isinstance(reply.body, str) and reply.body, where
            return reply.body
        _assert_valid(self.doc, media["schema"], reply.body, where)
        return reply.body

    def request_is_valid(self, template: str, method: str, body: Any) -> None:
        schema = self.doc["paths"][template][method]["requestBody"]["content"]["application/json"]["schema"]
        _assert_valid(self.doc, schema, body, f"request body of {method.upper()} {template}", reading=False)


@pytest.fixture
def checked(api, doc):
    return Checked(api, doc)


def test_answers_match_the_documented_schemas(checked, api, doc):
    from shared.services import contacts as contact_service

    lookup = _schema(doc, "LookupRequest")["properties"]
    assert lookup["field"]["enum"] == list(contact_rules.LOOKUP_FIELDS)
    # more values are well-formed but too many: a documented 413, not a schema bound (a fuzzer
    # would otherwise expect a 4xx of bad input for them)
    assert "maxItems" not in lookup["values"]
    assert f"Up to {contact_service.MAX_LOOKUP_VALUES:,} values; more is a 413" in lookup["values"]["description"]
    assert "413" in doc["paths"]["/v1/contacts/lookup"]["post"]["responses"]

    call = checked
    call("GET", "/health", "/health", 200, authorized=False)
    call("GET", "/auth/config", "/auth/config", 200, authorized=False)
    served = call("GET", "/openapi.json", "/openapi.json", 200, authorized=False)
    assert served == doc
    call("GET", "/docs", "/docs", 200, authorized=False)

    prop = {"key": "industry", "label": "業種", "type": "select", "options": ["製造", "小売"]}
    call.request_is_valid("/v1/properties", "post", prop)
    call("POST", "/v1/properties", "/v1/properties", 201, body=prop)
    call("POST", "/v1/properties", "/v1/properties", 409, body=prop)
    call("POST", "/v1/properties", "/v1/properties", 201, body={"key": "note", "label": "備考", "type": "text"})
    call("GET", "/v1/properties", "/v1/properties", 200)
    call("PATCH", "/v1/properties/{key}", "/v1/properties/note", 200, body={"label": "メモ"})
    call("PATCH", "/v1/properties/{key}", "/v1/properties/nothing", 404, body={"label": "x"})
    call("PATCH", "/v1/properties/{key}", "/v1/properties/note", 422, body={"type": "number"})

    full = {
        "family_name": "山田", "given_name": "太郎", "family_name_kana": "ヤマダ", "given_name_kana": "タロウ",
        "email": "taro@example.co.jp", "phone": "03-1234-5678", "company": "山田商事", "department": "営業部",
        "title": "部長", "address": "東京都千代田区1-1\n2F", "website": "example.co.jp", "owner_id": None,
        "status": "replied", "starred": True, "marketing_opt_out": False, "acquired_at": "2026-04-01",
        "acquisition_channel": "展示会", "memo": "メモ", "tags": ["展示会2026"],
        "properties": {"industry": "製造", "note": "よろしく"},
    }
    call.request_is_valid("/v1/contacts", "post", full)
    taro = call("POST", "/v1/contacts", "/v1/contacts", 201, body=full)
    bare = call("POST", "/v1/contacts", "/v1/contacts", 201, body={})
    call("POST", "/v1/contacts", "/v1/contacts", 409, body={"email": "TARO@example.co.jp"})
    call("POST", "/v1/contacts", "/v1/contacts", 422, body={"email": "not an address", "score": 3})
    call("POST", "/v1/contacts", "/v1/contacts", 400, raw_body="{not json")
    call("GET", "/v1/contacts/{id}", f"/v1/contacts/{taro['id']}", 200)
    call("GET", "/v1/contacts/{id}", "/v1/contacts/nobody", 404)
    call("GET", "/v1/contacts/{id}", f"/v1/contacts/{taro['id']}", 401, authorized=False)
    call("PATCH", "/v1/contacts/{id}", f"/v1/contacts/{bare['id']}", 200,
         body={"given_name": "花子", "properties": {"industry": None}})
    call("PATCH", "/v1/contacts/{id}", f"/v1/contacts/{bare['id']}", 409, body={"email": "taro@example.co.jp"})

    page = call("GET", "/v1/contacts", "/v1/contacts", 200, query={"limit": "1", "sort": "name", "order": "asc"})
    assert page["next_cursor"]
    call("GET", "/v1/contacts", "/v1/contacts", 200, query={"q": "やまだ", "starred": "true", "status": "replied"})
    call("GET", "/v1/contacts", "/v1/contacts", 400, query={"cursor": page["next_cursor"] + "x"})
    call("GET", "/v1/contacts", "/v1/contacts", 422, query={"limit": "500"})

    request = {"field": "email", "values": ["taro@example.co.jp", "nobody@example.jp"]}
    call.request_is_valid("/v1/contacts/lookup", "post", request)
    found = call("POST", "/v1/contacts/lookup", "/v1/contacts/lookup", 200, body=request)
    assert [c["id"] for c in found["found"]] == [taro["id"]] and found["missing"] == ["nobody@example.jp"]
    call("POST", "/v1/contacts/lookup", "/v1/contacts/lookup", 413,
         body={"field": "id", "values": ["x"] * (contact_service.MAX_LOOKUP_VALUES + 1)})
    call("POST", "/v1/contacts/lookup", "/v1/contacts/lookup", 422, body={"field": "name", "values": []})

    call("GET", "/v1/tags", "/v1/tags", 200)
    call("POST", "/v1/tags", "/v1/tags", 201, body={"name": "VIP"})
    call("POST", "/v1/tags", "/v1/tags", 409, body={"name": "VIP"})
    call("POST", "/v1/tags", "/v1/tags", 422, body={"name": ""})
    call("DELETE", "/v1/tags/{name}", "/v1/tags/VIP", 204)
    call("DELETE", "/v1/tags/{name}", "/v1/tags/nothing", 404)

    call("GET", "/v1/settings", "/v1/settings", 200)
    change = {"name_order": "given_family", "list_columns": ["company", "properties.industry"]}
    call.request_is_valid("/v1/settings", "put", change)
    call("PUT", "/v1/settings", "/v1/settings", 200, body=change)
    call("PUT", "/v1/settings", "/v1/settings", 422, body={"name_order": "sideways"})

    as_user = Checked(api.as_("user"), doc)
    as_user("PUT", "/v1/settings", "/v1/settings", 403, body={"name_order": "family_given"})
    as_user("POST", "/v1/properties", "/v1/properties", 403, body={"key": "k", "label": "K", "type": "text"})
    as_user("DELETE", "/v1/contacts/{id}", f"/v1/contacts/{taro['id']}", 403)

    call("DELETE", "/v1/contacts/{id}", f"/v1/contacts/{taro['id']}", 204)
    call("DELETE", "/v1/contacts/{id}", f"/v1/contacts/{taro['id']}", 404)


def test_site_key_answers_match_the_documented_schemas(checked):
    body = {"name": "サイト", "allowed_origins": ["https://www.example.jp"]}
    checked.request_is_valid("/v1/site-keys", "post", body)
    site = checked("POST", "/v1/site-keys", "/v1/site-keys", 201, body=body)
    checked("POST", "/v1/site-keys", "/v1/site-keys", 422, body={"name": "x", "allowed_origins": ["nope"]})
    checked("GET", "/v1/site-keys", "/v1/site-keys", 200)
    checked("PATCH", "/v1/site-keys/{key}", f"/v1/site-keys/{site['site_key']}", 200, body={"name": "LP"})
    checked("PATCH", "/v1/site-keys/{key}", "/v1/site-keys/site_01JAAAAAAAAAAAAAAAAAAAAAAA", 404, body={"name": "LP"})
    checked("DELETE", "/v1/site-keys/{key}", f"/v1/site-keys/{site['site_key']}", 204)


def test_a_tag_on_more_than_100_contacts_is_deleted_by_the_documented_job(checked, api):
    from stack_support import seeded

    seeded(api, 101, tags=["大口"])
    job = checked("DELETE", "/v1/tags/{name}", "/v1/tags/%E5%A4%A7%E5%8F%A3", 202)
    assert job["action"] == "remove_tags"


def test_delete_tag_with_a_percent_encoded_name(checked):
    checked("POST", "/v1/tags", "/v1/tags", 201, body={"name": "展示会"})
    checked("DELETE", "/v1/tags/{name}", "/v1/tags/%E5%B1%95%E7%A4%BA%E4%BC%9A", 204)
