"""shared.http: dispatch on the route key, bodies, and errors mapped to the contract's shape."""

import base64
import json

import pytest

from shared.errors import FieldError, ValidationFailed
from shared.http import App, Request, Router, created


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
