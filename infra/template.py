"""Read template.yaml: the one definition of the table and the routes.

Tests and the local stack take the table and the HTTP routes from here, so they cannot
drift from what `sam deploy` creates.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

TEMPLATE_PATH = Path(__file__).resolve().parent.parent / "template.yaml"


class _CloudFormationLoader(yaml.SafeLoader):
    """A YAML loader that keeps CloudFormation's short-form intrinsics (!Ref, !Sub, …) as dicts."""


def _intrinsic(loader: yaml.Loader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


_CloudFormationLoader.add_multi_constructor("!", _intrinsic)


@functools.cache
def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_CloudFormationLoader)  # nosec B506  # noqa: S506 - a SafeLoader subclass: no arbitrary objects


def table_definition(logical_id: str = "Table") -> dict[str, Any]:
    """CreateTable arguments (without TableName) for the table resource in the template."""
    props = load_template()["Resources"][logical_id]["Properties"]
    definition = {
        key: props[key]
        for key in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes")
        if key in props
    }
    definition["BillingMode"] = props.get("BillingMode", "PAY_PER_REQUEST")
    return definition


# CloudFormation properties of AWS::Cognito::UserPool that CreateUserPool names otherwise, and the
# one it does not take (SetUserPoolMfaConfig does)
_USER_POOL_API_NAMES = {"UserPoolName": "PoolName"}
_USER_POOL_MFA_PROPERTY = "EnabledMfas"


def _resolved(value: Any, stack_name: str) -> Any:
    """VALUE with `!Sub "${AWS::StackName}…"` and `!Ref <parameter>` (its default) resolved, as
    CloudFormation resolves them for a stack named `stack_name`."""
    if isinstance(value, list):
        return [_resolved(item, stack_name) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
        return value["Fn::Sub"].replace("${AWS::StackName}", stack_name)
    if set(value) == {"Ref"}:
        return str(load_template()["Parameters"][value["Ref"]]["Default"])
    return {key: _resolved(inner, stack_name) for key, inner in value.items()}


def user_pool_definition(stack_name: str, logical_id: str = "UserPool") -> tuple[dict[str, Any], list[str]]:
    """CreateUserPool arguments for the template's user pool in stack `stack_name`, and its
    EnabledMfas (which SetUserPoolMfaConfig takes)."""
    props = _resolved(load_template()["Resources"][logical_id]["Properties"], stack_name)
    enabled_mfas = props.pop(_USER_POOL_MFA_PROPERTY, [])
    return {_USER_POOL_API_NAMES.get(key, key): value for key, value in props.items()}, enabled_mfas


def user_pool_client_definition(stack_name: str, logical_id: str = "UserPoolClient") -> dict[str, Any]:
    """CreateUserPoolClient arguments (without UserPoolId) for the template's app client."""
    props = load_template()["Resources"][logical_id]["Properties"]
    return _resolved({key: value for key, value in props.items() if key != "UserPoolId"}, stack_name)


def function_handler(logical_id: str) -> str:
    """The dotted handler ("module.attribute") of a function resource of the template."""
    template = load_template()
    props = template["Resources"][logical_id]["Properties"]
    return props.get("Handler") or template.get("Globals", {}).get("Function", {})["Handler"]


@dataclass(frozen=True)
class Route:
    """One AWS::ApiGatewayV2::Route of the template: what API Gateway routes to which handler."""

    function: str  # logical id of the function resource
    handler: str  # dotted "module.attribute", as in the template's Handler
    method: str
    path: str  # API Gateway path template, e.g. /v1/contacts/{id}
    authorized: bool
    catch_all: bool = False  # the `$default` route: every request no other route matches

    @property
    def route_key(self) -> str:
        return CATCH_ALL_ROUTE_KEY if self.catch_all else f"{self.method} {self.path}"


# API Gateway sends a request no route matches to the `$default` route when there is one, else
# answers 404 {"message": "Not Found"} itself
# (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html).
CATCH_ALL_ROUTE_KEY = "$default"


_INTEGRATION_TARGET = re.compile(r"integrations/\$\{(\w+)\}")


def _all_routes() -> list[Route]:
    """Each AWS::ApiGatewayV2::Route, through its integration (`Target: !Sub
    "integrations/${XIntegration}"`) to the function it invokes."""
    resources = load_template()["Resources"]
    routes = []
    for logical_id, resource in resources.items():
        if resource.get("Type") != "AWS::ApiGatewayV2::Route":
            continue
        props = resource["Properties"]
        target = props["Target"]
        integration = _INTEGRATION_TARGET.fullmatch(target.get("Fn::Sub", "") if isinstance(target, dict) else "")
        if integration is None:
            raise ValueError(f"{logical_id}: Target must be !Sub \"integrations/${{<Integration>}}\", not {target!r}")
        function = resources[integration.group(1)]["Properties"]["IntegrationUri"]["Fn::GetAtt"][0]
        catch_all = props["RouteKey"] == CATCH_ALL_ROUTE_KEY
        method, path = ("ANY", "/{proxy+}") if catch_all else props["RouteKey"].split(" ", 1)
        routes.append(
            Route(
                function=function,
                handler=function_handler(function),
                method=method.upper(),
                path=path,
                # API Gateway's default authorization type is NONE
                authorized=props.get("AuthorizationType", "NONE") != "NONE",
                catch_all=catch_all,
            )
        )
    return routes


def http_routes() -> list[Route]:
    """Every route of the HTTP API that names a method and path (not the catch-all)."""
    return [route for route in _all_routes() if not route.catch_all]


def catch_all_route() -> Route | None:
    """The template's `$default` route, which gets every request no other route matches."""
    return next((route for route in _all_routes() if route.catch_all), None)


def documented_routes() -> list[Route]:
    """The API's operations, which openapi.json documents: every route but the browsers' CORS
    preflight (`OPTIONS /{proxy+}`, answered by shared.http for the console's origin)."""
    from shared.http import CORS_PREFLIGHT_ROUTE

    return [route for route in http_routes() if route.route_key != CORS_PREFLIGHT_ROUTE]


# ---------------------------------------------------------------- the template as deployed

# The region the translation and cfn-lint assume; the template names no region of its own.
TRANSLATION_REGION = "us-east-1"


@functools.cache
def translated_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    """The template as CloudFormation deploys it: the AWS::Serverless-2016-10-31 transform
    applied by the SAM translator, the same translation `sam deploy` has CloudFormation run.

    The local CodeUri/ContentUri become S3 URIs first, as `sam package` makes them. Managed
    policies named without an ARN cannot be resolved offline and fail the translation (the
    template names none). Callers must not modify the result (it is cached): copy it.
    """
    import copy

    import boto3
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator
    from samtranslator.utils.py27hash_fix import to_py27_compatible_template, undo_mark_unicode_str_in_template

    template = copy.deepcopy(load_template(path))
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if isinstance(props.get(key), str) and not props[key].startswith("s3://"):
                props[key] = f"s3://packaged-artifacts/{logical_id}.zip"
    parameter_values: dict[str, Any] = {}
    to_py27_compatible_template(template, parameter_values)
    translator = Translator(None, Parser(), boto_session=boto3.session.Session(region_name=TRANSLATION_REGION))
    translated = translator.translate(template, parameter_values=parameter_values, get_managed_policy_map=lambda: {})
    return undo_mark_unicode_str_in_template(translated)


# A function's resource-based policy (all its AWS::Lambda::Permission statements) holds at most
# 20 KB: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
FUNCTION_POLICY_LIMIT_BYTES = 20 * 1024

# The longest value each unknown of a statement can take once deployed, so that the sizes below
# are upper bounds: a function name and a statement id as long as Lambda allows, the longest
# partition and region names, an API id as API Gateway makes them.
_LONGEST = {
    "AWS::Partition": "aws-iso-b",
    "AWS::Region": "ap-southeast-5",
    "AWS::AccountId": "1" * 12,
    "AWS::URLSuffix": "amazonaws.com.cn",
    "function name": "f" * 64,
    "statement id": "s" * 100,
    "api id": "a" * 10,
    "other": "x" * 255,
}


def function_policy_sizes(template: dict[str, Any]) -> dict[str, int]:
    """Bytes of each function's resource-based policy as Lambda stores it (the JSON GetPolicy
    returns), built from the translated template's AWS::Lambda::Permission resources with each
    unknown at its longest: an upper bound. Functions without a permission are left out."""
    resources = template["Resources"]
    statements: dict[str, list[dict[str, Any]]] = {}
    for resource in resources.values():
        if resource.get("Type") != "AWS::Lambda::Permission":
            continue
        props = resource["Properties"]
        function = _function_of(props["FunctionName"])
        statement: dict[str, Any] = {
            "Sid": _LONGEST["statement id"],  # CloudFormation names it from the stack and the logical id
            "Effect": "Allow",
            "Principal": {"Service": props["Principal"]} if props["Principal"].endswith(".amazonaws.com")
            else {"AWS": props["Principal"]},
            "Action": props["Action"],
            "Resource": f"arn:{_LONGEST['AWS::Partition']}:lambda:{_LONGEST['AWS::Region']}:"
                        f"{_LONGEST['AWS::AccountId']}:function:{_LONGEST['function name']}",
        }
        condition: dict[str, Any] = {}
        if "SourceAccount" in props:
            condition["StringEquals"] = {"AWS:SourceAccount": _longest_value(props["SourceAccount"], resources)}
        if "SourceArn" in props:
            condition["ArnLike"] = {"AWS:SourceArn": _longest_value(props["SourceArn"], resources)}
        if condition:
            statement["Condition"] = condition
        statements.setdefault(function, []).append(statement)
    return {
        function: len(json.dumps({"Version": "2012-10-17", "Id": "default", "Statement": found}, separators=(",", ":")))
        for function, found in statements.items()
    }


def _function_of(function_name: Any) -> str:
    if isinstance(function_name, dict) and "Ref" in function_name:
        return function_name["Ref"]
    if isinstance(function_name, dict) and "Fn::GetAtt" in function_name:
        return function_name["Fn::GetAtt"][0]
    raise ValueError(f"a permission's FunctionName must name a function of the template: {function_name!r}")


def _longest_value(value: Any, resources: dict[str, Any], variables: dict[str, Any] | None = None) -> str:
    """A string, Ref, GetAtt or Sub of the template, with each unknown at its longest (_LONGEST)."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return _longest_ref(value["Ref"], resources)
    if "Fn::GetAtt" in value:
        return _LONGEST["other"]
    if "Fn::Sub" in value:
        text, own = (value["Fn::Sub"], {}) if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"]
        scope = {**(variables or {}), **own}

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in scope:
                return _longest_value(scope[name], resources)
            if "." in name:
                return _LONGEST["other"]
            return _longest_ref(name, resources)

        return re.sub(r"\$\{([^}!][^}]*)\}", substitute, text)
    raise ValueError(f"cannot size {value!r}")


def _longest_ref(name: str, resources: dict[str, Any]) -> str:
    if name in _LONGEST:
        return _LONGEST[name]
    kind = resources.get(name, {}).get("Type", "")
    if kind == "AWS::ApiGatewayV2::Api":
        return _LONGEST["api id"]
    if kind == "AWS::Lambda::Function":
        return _LONGEST["function name"]
    return _LONGEST["other"]


def main(argv: list[str] | None = None) -> int:
    """`python -m infra.template translate OUT`: write the translated template (for cfn-lint).
    `python -m infra.template policy-sizes`: each function's resource-based policy size; fails
    if one is over Lambda's limit."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m infra.template")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("translate").add_argument("out", type=Path)
    commands.add_parser("policy-sizes")
    args = parser.parse_args(argv)
    translated = translated_template()
    if args.command == "translate":
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(translated, indent=1), encoding="utf-8")
        print(f"{TEMPLATE_PATH.name} translated by the SAM transform into {args.out}")
        return 0
    over = False
    for function, size in sorted(function_policy_sizes(translated).items()):
        over |= size > FUNCTION_POLICY_LIMIT_BYTES
        print(f"{function}: resource-based policy at most {size} bytes (limit {FUNCTION_POLICY_LIMIT_BYTES})")
    return 1 if over else 0


if __name__ == "__main__":
    raise SystemExit(main())
