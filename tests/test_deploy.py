"""template.yaml as CloudFormation deploys it: the SAM translation (infra/template.py
`translated_template()`) lints clean, with no circular dependency; each function has one
invoke permission and a resource-based policy under Lambda's quota; API-routed functions end
before API Gateway gives up; SQS queues hide a message for as long as Lambda advises; CORS
answers the console's origin only and leaves /collect's own headers alone."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
from werkzeug.test import Client

from infra.template import (
    FUNCTION_POLICY_LIMIT_BYTES,
    TRANSLATION_REGION,
    function_policy_sizes,
    http_routes,
    load_template,
    translated_template,
)

CONSOLE = "https://console.example.test"


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


@pytest.fixture(scope="module")
def translated() -> dict[str, Any]:
    return translated_template()


def _lint_errors(translated_template_: dict[str, Any]) -> dict[str, list[str]]:
    """cfn-lint's errors (rule ids E...; warnings do not fail) by rule id."""
    from cfnlint.api import lint

    errors: dict[str, list[str]] = {}
    for match in lint(json.dumps(translated_template_), regions=[TRANSLATION_REGION]):
        if match.rule.id.startswith("E"):
            errors.setdefault(match.rule.id, []).append(match.message)
    return errors


def _translate(tmp_path: Path, text: str) -> dict[str, Any]:
    path = tmp_path / "template.yaml"
    path.write_text(text, encoding="utf-8")
    return translated_template(path)


def _resources(template: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    return {name: resource for name, resource in template["Resources"].items() if resource["Type"] == type_}


def _timeout(template: dict[str, Any], function: str) -> int:
    """A function's timeout: its own, else the Globals', else Lambda's default of 3 s."""
    globals_ = template.get("Globals", {}).get("Function", {})
    return int(template["Resources"][function]["Properties"].get("Timeout", globals_.get("Timeout", 3)))


# ---------------------------------------------------------------- the translation lints clean


def test_the_translated_template_has_no_lint_error_and_no_circular_dependency(translated):
    """cfn-lint cannot see into the SAM transform: only its output shows a cycle (E3004)."""
    assert "Transform" not in translated and not _resources(translated, "AWS::Serverless::Function")
    errors = _lint_errors(translated)
    assert not errors, f"cfn-lint on the translated template: {errors}"


# What the template did before: a function whose environment names the SAM HttpApi that routes
# to it, and a function that refers to the bucket whose notifications invoke it.
_CYCLES = """
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
  ApiFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: app.handler
      CodeUri: .
      Environment: {Variables: {API_BASE_URL: !Sub "https://${Api}.execute-api.${AWS::Region}.amazonaws.com"}}
      Events:
        Get: {Type: HttpApi, Properties: {ApiId: !Ref Api, Method: GET, Path: /things}}
  Bucket:
    Type: AWS::S3::Bucket
  BucketFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: app.handler
      CodeUri: .
      Environment: {Variables: {BUCKET: !Ref Bucket}}
      Events:
        Stored: {Type: S3, Properties: {Bucket: !Ref Bucket, Events: "s3:ObjectCreated:*"}}
"""


def test_lint_of_the_translation_catches_the_circular_dependencies_the_template_had(tmp_path):
    cycles = _lint_errors(_translate(tmp_path, _CYCLES)).get("E3004", [])
    assert any("ApiFunction" in message for message in cycles), cycles
    assert any("BucketFunction" in message for message in cycles), cycles


def test_mail_events_names_the_inbound_bucket_as_the_bucket_names_itself(template):
    """The bucket's name is spelled out (no Ref: that was the cycle); both spellings must agree."""
    name = template["Resources"]["InboundBucket"]["Properties"]["BucketName"]
    function = template["Resources"]["MailEventsFunction"]["Properties"]
    assert function["Environment"]["Variables"]["INBOUND_BUCKET"] == name
    text, variables = name["Fn::Sub"]
    [read] = [s for s in function["Policies"][0]["Statement"] if s["Sid"] == "ReadReceivedMail"]
    assert read["Resource"] == {"Fn::Sub": [f"arn:${{AWS::Partition}}:s3:::{text}/inbound/*", variables]}
    # S3 bucket names: 3-63 characters (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html)
    assert len(text.replace("${StackUuid}", "0" * 36)) <= 63


def test_the_mail_events_subscription_waits_until_its_webhook_answers(template):
    """SNS posts the subscription confirmation at once; the function confirms it."""
    [route] = [name for name, route in _resources(template, "AWS::ApiGatewayV2::Route").items()
               if route["Properties"]["RouteKey"] == "POST /webhooks/ses"]
    depends = set(template["Resources"]["MailEventsSubscription"]["DependsOn"])
    assert {"HttpApiStage", route, "MailEventsInvokePermission"} <= depends


# ---------------------------------------------------------------- invoke permissions


def test_each_api_function_has_one_invoke_permission_for_the_whole_api(template, translated):
    routed = {route.function for route in http_routes()}
    from_api = {}
    for permission in _resources(translated, "AWS::Lambda::Permission").values():
        props = permission["Properties"]
        if props["Principal"] == "apigateway.amazonaws.com":
            from_api.setdefault(props["FunctionName"]["Ref"], []).append(props)
    assert set(from_api) == routed
    for function, permissions in from_api.items():
        assert len(permissions) == 1, f"{function}: {len(permissions)} API Gateway permissions"
        assert permissions[0]["SourceArn"] == {
            "Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${HttpApi}/*"
        }


def test_every_function_policy_is_under_lambdas_limit(translated):
    sizes = function_policy_sizes(translated)
    assert {route.function for route in http_routes()} <= set(sizes)
    over = {function: size for function, size in sizes.items() if size > FUNCTION_POLICY_LIMIT_BYTES}
    assert not over, f"resource-based policies over {FUNCTION_POLICY_LIMIT_BYTES} bytes: {over}"


def test_policy_sizing_catches_one_permission_per_route(tmp_path):
    """SAM's `Events: HttpApi` adds a permission per route: 60 routes overflow the policy."""
    events = "\n".join(
        f"        Route{index}: {{Type: HttpApi, Properties: {{ApiId: !Ref Api, "
        f"Method: GET, Path: /v1/things/{index}/items}}}}"
        for index in range(60)
    )
    sizes = function_policy_sizes(_translate(tmp_path, f"""
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
  ApiFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: app.handler
      CodeUri: .
      Events:
{events}
"""))
    assert sizes["ApiFunction"] > FUNCTION_POLICY_LIMIT_BYTES


# ---------------------------------------------------------------- timeouts


def test_functions_behind_the_api_end_before_its_30_second_integration_limit(template):
    """An HTTP API waits at most 30 s for an integration
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html)."""
    routed = {route.function for route in http_routes()}
    assert routed
    slow = {function: _timeout(template, function) for function in routed if _timeout(template, function) > 29}
    assert not slow, f"API-routed functions with a timeout over 29 s: {slow}"
    for name, integration in _resources(template, "AWS::ApiGatewayV2::Integration").items():
        assert integration["Properties"].get("TimeoutInMillis", 30000) <= 30000, name


def test_queues_hide_a_message_six_times_as_long_as_their_worker_may_run(template):
    """Lambda advises a visibility timeout of six times the function's timeout for an SQS event
    source (https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html); SQS takes
    at most 12 hours (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-visibility-timeout.html)."""
    consumers = []
    for function in _resources(template, "AWS::Serverless::Function"):
        for event in template["Resources"][function]["Properties"].get("Events", {}).values():
            if event["Type"] == "SQS":
                consumers.append((event["Properties"]["Queue"]["Fn::GetAtt"][0], function))
    assert {queue for queue, _ in consumers} == {"BulkQueue", "ExportQueue"}
    for queue, function in consumers:
        visibility = template["Resources"][queue]["Properties"]["VisibilityTimeout"]
        assert 6 * _timeout(template, function) <= visibility <= 43200, (queue, function, visibility)


# ---------------------------------------------------------------- CORS


def test_the_api_leaves_cors_to_the_functions_and_preflights_need_no_token(template):
    """With a CORS configuration API Gateway ignores an integration's CORS headers
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html), and
    /collect's must be its site key's origins."""
    from shared.http import CORS_PREFLIGHT_ROUTE

    assert "CorsConfiguration" not in template["Resources"]["HttpApi"]["Properties"]
    [preflight] = [route for route in http_routes() if route.method == "OPTIONS"]
    assert preflight.route_key == CORS_PREFLIGHT_ROUTE and not preflight.authorized
    assert template["Parameters"]["ConsoleOrigin"]["Default"] == ""
    assert template["Globals"]["Function"]["Environment"]["Variables"]["CONSOLE_ORIGIN"] == {"Ref": "ConsoleOrigin"}


def test_the_files_bucket_lets_only_the_console_upload_and_download(template):
    """The console's distribution (a *.cloudfront.net name: its own would close a circle through
    the console's CSP, which names this bucket) and ConsoleOrigin when set."""
    [rule] = template["Resources"]["FilesBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert rule["AllowedOrigins"] == [
        "https://*.cloudfront.net",
        {"Fn::If": ["HasConsole", {"Ref": "ConsoleOrigin"}, {"Ref": "AWS::NoValue"}]},
    ]
    assert set(rule["AllowedMethods"]) == {"GET", "PUT"}


@pytest.fixture
def console(moto_endpoint, monkeypatch):
    """The functions configured with CONSOLE_ORIGIN as the template sets it."""
    import shared.config

    monkeypatch.setattr(shared.config, "CONFIG", dataclasses.replace(shared.config.CONFIG, console_origin=CONSOLE))
    from infra.local.server import LocalApi

    return Client(LocalApi())


def test_a_console_preflight_is_answered_without_a_token(console):
    reply = console.options("/v1/contacts", headers={"Origin": CONSOLE, "Access-Control-Request-Method": "POST",
                                                      "Access-Control-Request-Headers": "authorization, content-type"})
    assert reply.status_code == 204
    assert reply.headers["Access-Control-Allow-Origin"] == CONSOLE
    assert "POST" in reply.headers["Access-Control-Allow-Methods"]
    assert {"authorization", "content-type"} <= {h.strip()
                                                 for h in reply.headers["Access-Control-Allow-Headers"].split(",")}


def test_another_origin_gets_no_cors_grant(console):
    reply = console.options("/v1/contacts",
                            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
    assert "Access-Control-Allow-Origin" not in reply.headers
    reply = console.get("/health", headers={"Origin": "https://evil.example"})
    assert reply.status_code == 200 and "Access-Control-Allow-Origin" not in reply.headers


def test_the_console_may_read_answers(console, api):
    from infra.local.server import call_handler

    result = call_handler("GET", "/v1/contacts", api.member_claims(), headers={"origin": CONSOLE})
    assert result["statusCode"] == 200
    assert result["headers"]["Access-Control-Allow-Origin"] == CONSOLE
    assert result["headers"]["Vary"] == "Origin"
    assert "retry-after" in result["headers"]["Access-Control-Expose-Headers"]


def test_an_answer_with_its_own_cors_headers_keeps_them(console):
    """POST /collect allows its site key's origins, whatever the console's is."""
    from shared.http import App, Response, Router

    router = Router()

    @router.post("/collect")
    def collect(request):
        return Response(204, content_type=None, headers={"Access-Control-Allow-Origin": "https://shop.example"})

    result = App(router).resolve({"routeKey": "POST /collect", "headers": {"origin": CONSOLE}})
    assert result["headers"] == {"Access-Control-Allow-Origin": "https://shop.example"}


def test_the_public_routes_are_throttled_on_their_own(template):
    """No JWT guards them, and WAF cannot front an HTTP API (template.yaml, HttpApiStage):
    each has a stage throttle, and the stage waits for the routes its settings name."""
    stage = template["Resources"]["HttpApiStage"]
    settings = stage["Properties"]["RouteSettings"]
    public = {"POST /collect", "GET /collect.js", "GET /t/o/{token}", "GET /t/c/{token}", "POST /v1/events"}
    assert set(settings) == public
    for limits in settings.values():
        assert 0 < limits["ThrottlingRateLimit"] <= limits["ThrottlingBurstLimit"] <= 5000
    routes = {route["Properties"]["RouteKey"]: name
              for name, route in _resources(template, "AWS::ApiGatewayV2::Route").items()}
    assert {routes[key] for key in public} <= set(stage["DependsOn"])

