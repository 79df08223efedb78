"""DynamoDB attribute values written into moto's JSON answers directly.

moto serializes an answer through botocore's shape model, looking each value up among every
name a member may have (`XFormedAttributePicker`): for a DynamoDB item that is done for each
attribute value and each of the ten members of the `AttributeValue` union. A Query answering
5,000 index keys, or a page of 50 contacts, spent most of its time there (seconds at 100,000
contacts). An `AttributeValue` (already plain `{type: value}` from moto's `dynamo_to_dict`) is
the same on the wire: strings and numbers as strings, binaries in base64, booleans and NULL as
JSON booleans, maps and lists recursively (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_AttributeValue.html).
Here such a value, and a map of them (an item), is written as it is; anything else goes
through moto's serializer. moto's `dynamo_to_dict`, which first turns the answer into plain
values, returns plain strings, numbers, dicts and lists without its five type tests each.
"""

from __future__ import annotations

import base64
from typing import Any

_TEXT, _TEXTS = ("S", "N"), ("SS", "NS")
_VERBATIM = ("BOOL", "NULL")
MOTO_TO_DICT: list[Any] = []  # moto's own `dynamo_to_dict`, for the test that compares answers with moto's


def wire_value(value: Any) -> Any:
    """The JSON of one AttributeValue; None when it is not a well-formed one (moto's path then)."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    (kind, inner), = value.items()
    if kind in _TEXT:
        return {kind: str(inner)}
    if kind in _VERBATIM and isinstance(inner, bool):
        return value
    if kind == "B":
        return {kind: _base64(inner)}
    if kind in _TEXTS and isinstance(inner, list):
        return {kind: [str(member) for member in inner]}
    if kind == "BS" and isinstance(inner, list):
        return {kind: [_base64(member) for member in inner]}
    if kind == "M" and isinstance(inner, dict):
        members = {name: wire_value(member) for name, member in inner.items()}
        return None if None in members.values() else {kind: members}
    if kind == "L" and isinstance(inner, list):
        elements = [wire_value(member) for member in inner]
        return None if None in elements else {kind: elements}
    return None


def _base64(data: str | bytes) -> str:
    return base64.b64encode(data.encode() if isinstance(data, str) else data).decode()


def _dynamodb(serializer: Any) -> bool:
    return bool(serializer.operation_model.service_model.service_name == "dynamodb")


def install() -> None:
    """Patch moto's JSON serializer (once) for DynamoDB's AttributeValue shape and maps of it."""
    from moto.core.serialize import BaseJSONSerializer
    from moto.dynamodb import responses
    from moto.dynamodb.models import utilities

    if getattr(BaseJSONSerializer, "attribute_values_direct", False):
        return
    BaseJSONSerializer.attribute_values_direct = True
    serialize_structure, serialize_map = BaseJSONSerializer._serialize_type_structure, BaseJSONSerializer._serialize_type_map
    to_dict = utilities.dynamo_to_dict
    MOTO_TO_DICT.append(to_dict)

    def structure(self: BaseJSONSerializer, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if shape.name == "AttributeValue" and _dynamodb(self):
            wire = wire_value(value)
            if wire is not None:
                self._default_serialize(serialized, wire, shape, key)
                return
        serialize_structure(self, serialized, value, shape, key)

    def attribute_map(self: BaseJSONSerializer, serialized: Any, value: Any, shape: Any, key: str) -> None:
        if shape.value.name == "AttributeValue" and isinstance(value, dict) and _dynamodb(self):
            wire = {name: wire_value(member) for name, member in value.items()}
            if None not in wire.values():
                self._default_serialize(serialized, wire, shape, key)
                return
        serialize_map(self, serialized, value, shape, key)

    def plain_first(value: Any) -> Any:
        kind = type(value)
        if kind is str or kind is bool or kind is int or value is None:
            return value
        if kind is dict:
            return {name: plain_first(member) for name, member in value.items()}
        if kind is list:
            return [plain_first(member) for member in value]
        return to_dict(value)  # moto's own: its recursion comes back here

    BaseJSONSerializer._serialize_type_structure = structure
    BaseJSONSerializer._serialize_type_map = attribute_map
    utilities.dynamo_to_dict = responses.dynamo_to_dict = plain_first
