"""shared.http: dispatch on the route key, bodies, and errors mapped to the contract's shape."""

import base64
import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

from shared.errors import FieldError, ValidationFailed
from shared.http import App, Request, RouteModules, Router, created


def _event(route_key: str, body: str | None = None, *, base64_body: bool = False, **extra):
    event = {"routeKey": route_key, "requestContext": {}, **extra}
    if body is not None:
        event["body"] = base64.b64encode(body.encode()).decode() if base64_body else body
        event["isBase64Encoded"] = base64_body
    return event


router = Router()


@router.post("/things/{thing_id}")
def echo(request: Request, thing_id: str):
    return created({"thing_id": thing_id, "body": request.json(), "query": request.query})


@router.get("/invalid")
def invalid(request: Request):
    raise ValidationFailed("Some fields are invalid; see details.", [FieldError("name", "is required", "required")])


@router.get("/boom")
def boom(request: Request):
    raise RuntimeError("secret internals")


app = App(router)


def _body(result):
    return json.loads(result["body"])


def test_dispatches_on_the_route_key_with_path_parameters_and_query():
    result = app.resolve(_event("POST /things/{thing_id}", '{"a": "日本語"}', pathParameters={"thing_id": "t1"},
                                queryStringParameters={"x": "1"}))
    assert result["statusCode"] == 201
    assert result["headers"]["Content-Type"].startswith("application/json")
    assert _body(result) == {"thing_id": "t1", "body": {"a": "日本語"}, "query": {"x": "1"}}
    assert "日本語" in result["body"]  # not \\u-escaped


def test_base64_bodies_are_decoded():
    result = app.resolve(_event("POST /things/{thing_id}", '{"a": 1}', base64_body=True,
                                pathParameters={"thing_id": "t"}))
    assert _body(result)["body"] == {"a": 1}


@pytest.mark.parametrize("body", [None, "", "   ", "{not json", "\ufeff{"])
def test_missing_or_malformed_bodies_are_400(body):
    result = app.resolve(_event("POST /things/{thing_id}", body, pathParameters={"thing_id": "t"}))
    assert result["statusCode"] == 400
    assert set(_body(result)["error"]) == {"code", "message", "details"}


def test_an_unknown_route_is_404_with_the_error_body():
    result = app.resolve(_event("GET /nowhere"))
    assert result["statusCode"] == 404 and _body(result)["error"]["code"] == "not_found"


def test_domain_errors_keep_their_status_and_details():
    result = app.resolve(_event("GET /invalid"))
    assert result["statusCode"] == 422
    assert _body(result)["error"]["details"] == [{"field": "name", "code": "required", "message": "is required"}]


def test_an_unexpected_exception_is_a_500_that_leaks_nothing():
    result = app.resolve(_event("GET /boom"))
    assert result["statusCode"] == 500
    assert "secret internals" not in result["body"]
    assert _body(result)["error"]["code"] == "internal_error"


# the functions whose App imports its route modules on first use
LAZY_FUNCTIONS = ["functions.activity_ingest.app", "functions.contacts_api.app", "functions.emails_api.app"]


def test_every_function_with_several_route_modules_imports_them_on_first_use():
    functions = Path(__file__).resolve().parent.parent / "functions"
    several = sorted(f"functions.{package.parent.name}.app" for package in functions.glob("*/routes")
                     if len(list(pkgutil.iter_modules([str(package)]))) > 1)
    assert several == LAZY_FUNCTIONS


@pytest.mark.parametrize("function_module", LAZY_FUNCTIONS)
def test_each_route_module_owns_exactly_its_own_routes(function_module, moto_endpoint):
    """The path prefixes of RouteModules send each route key to the module that defines it, and
    every template route of the function is answered by a route (not the 404 of an unknown one)."""
    from infra.template import http_routes

    function_app = importlib.import_module(function_module).app
    modules = function_app.modules
    package = importlib.import_module(modules.package)
    names = [info.name for info in pkgutil.iter_modules(package.__path__)]
    assert sorted(set(modules.owners.values())) == sorted(names)
    for name in names:
        for route_key in importlib.import_module(f"{modules.package}.{name}").router.routes:
            assert modules.module_of(route_key) == f"{modules.package}.{name}", route_key
    served = [route.route_key for route in http_routes() if route.handler.startswith(f"{function_module}.")]
    assert served and all(function_app.route(key) is not None for key in served)


def test_a_cold_start_imports_only_the_route_module_of_its_first_request(moto_endpoint):
    """Importing contacts_api imports no route module; its first request imports that route's
    module alone, so a cold start does not pay for every resource's domain."""
    script = """
import json, sys
import functions.contacts_api.app as app
before = sorted(name for name in sys.modules if name.startswith("functions.contacts_api.routes."))
app.app.route("GET /v1/contacts")
after = sorted(name for name in sys.modules if name.startswith("functions.contacts_api.routes."))
print(json.dumps([before, after, "shared.tabular_files" in sys.modules]))
"""
    output = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True,
                            env=os.environ.copy()).stdout
    assert json.loads(output) == [[], ["functions.contacts_api.routes.contacts"], False]


def test_a_route_key_no_module_owns_is_the_404_of_an_unknown_route():
    lazy = App(modules=RouteModules("functions.emails_api.routes", {"/v1/emails": "emails"}))
    assert lazy.route("GET /v1/elsewhere") is None
    assert lazy.route("GET /v1/emailsx") is None  # a prefix owns whole path segments only
    result = lazy.resolve(_event("GET /v1/elsewhere", requestContext={"http": {"method": "GET"}},
                                 rawPath="/v1/elsewhere"))
    assert result["statusCode"] == 404 and _body(result)["error"]["code"] == "not_found"
