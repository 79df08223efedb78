"""Read template.yaml: the one definition of the table and the routes.

Tests and the local stack take the table and the HTTP routes from here, so they cannot
drift from what `sam deploy` creates.
"""

from __future__ import annotations

import functools
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


def function_handler(logical_id: str) -> str:
    """The dotted handler ("module.attribute") of a function resource of the template."""
    template = load_template()
    props = template["Resources"][logical_id]["Properties"]
    return props.get("Handler") or template.get("Globals", {}).get("Function", {})["Handler"]


@dataclass(frozen=True)
class Route:
    """One HttpApi event of a function: what API Gateway would route to which handler."""

    function: str  # logical id of the function resource
    handler: str  # dotted "module.attribute", as in the template's Handler
    method: str
    path: str  # API Gateway path template, e.g. /v1/contacts/{id}
    authorized: bool

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


def http_routes() -> list[Route]:
    """Every HttpApi route of every function in the template."""
    template = load_template()
    default_handler = template.get("Globals", {}).get("Function", {}).get("Handler")
    routes = []
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource["Properties"]
        for event in props.get("Events", {}).values():
            if event.get("Type") != "HttpApi":
                continue
            event_props = event["Properties"]
            auth = event_props.get("Auth", {})
            routes.append(
                Route(
                    function=logical_id,
                    handler=props.get("Handler", default_handler),
                    method=event_props["Method"].upper(),
                    path=event_props["Path"],
                    authorized=auth.get("Authorizer") != "NONE",
                )
            )
    return routes
