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

The items of a read (Query, Scan, GetItem, BatchGetItem) skip both steps: each of moto's
`DynamoType` values is written as DynamoDB sends it, and only the rest of the answer (counts,
LastEvaluatedKey, UnprocessedKeys, ConsumedCapacity) goes through moto's serializer. A Query
answering 2,500 index entries spent 40 µs an entry in those two steps.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

_TEXT, _TEXTS = ("S", "N"), ("SS", "NS")
_VERBATIM = ("BOOL", "NULL")
MOTO_TO_DICT: list[Any] = []  # moto's own `dynamo_to_dict`, for the test that compares answers with moto's


def wire_value(value: Any) -> Any:
    """The JSON of one AttributeValue; None when it is not a well-formed one (moto's path then)."""
    if not isinstance(value, dict) or len(value) != 1:
        return None
    (kind, inner), = value.items()
    return _wire(kind, inner, _base64, wire_value)


def dynamo_wire(value: Any) -> Any:
    """The JSON of one of moto's `DynamoType` values, as DynamoDB sends it; None for anything else.
    moto keeps a binary as sent (base64 text) or, after a projection, as bytes."""
    return _wire(getattr(value, "type", None), getattr(value, "value", None), _binary_as_sent, dynamo_wire)


def _wire(kind: Any, inner: Any, binary: Callable[[Any], str], member: Callable[[Any], Any]) -> Any:
    """The JSON of a value of type `kind`: `binary` writes a binary, `member` a map's or list's member."""
    if kind in _TEXT:
        return {kind: str(inner)}
    if kind in _VERBATIM and isinstance(inner, bool):
        return {kind: inner}
    if kind == "B":
        return {kind: binary(inner)}
    if kind in _TEXTS and isinstance(inner, list):
        return {kind: [str(element) for element in inner]}
    if kind == "BS" and isinstance(inner, list):
        return {kind: [binary(element) for element in inner]}
    if kind == "M" and isinstance(inner, dict):
        members = {name: member(element) for name, element in inner.items()}
        return None if None in members.values() else {kind: members}
    if kind == "L" and isinstance(inner, list):
        elements = [member(element) for element in inner]
        return None if None in elements else {kind: elements}
    return None


def _binary_as_sent(data: str | bytes) -> str:
    return data if isinstance(data, str) else _base64(data)


def wire_item(attributes: Any) -> dict[str, Any] | None:
    """An item (moto's map of `DynamoType`) as DynamoDB sends it; None when it is not one."""
    if not isinstance(attributes, dict):
        return None
    wire = {name: dynamo_wire(value) for name, value in attributes.items()}
    return None if None in wire.values() else wire


def wire_items(field: str, value: Any) -> Any:
    """A read's items (`Items`: a list; `Item`: one; `Responses`: lists by table) as sent; None
    when they are not that."""
    if field == "Item":
        return wire_item(value)
    if field == "Items" and isinstance(value, list):
        items = [wire_item(item) for item in value]
        return None if None in items else items
    if field == "Responses" and isinstance(value, dict):
        tables = {table: wire_items("Items", items) for table, items in value.items()}
        return None if None in tables.values() else tables
    return None


# The field holding the items of each read whose items are written directly.
READ_ITEMS = {"Query": "Items", "Scan": "Items", "GetItem": "Item", "BatchGetItem": "Responses"}
MOTO_DYNAMO_RESULT: list[Any] = []  # moto's own DynamoResult.__init__, for the test that compares answers


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
    serialize_structure, serialize_map = \
        BaseJSONSerializer._serialize_type_structure, BaseJSONSerializer._serialize_type_map
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
    _write_read_items_directly(responses.DynamoResult)


def _write_read_items_directly(result_class: Any) -> None:
    """DynamoResult keeps a read's items aside as moto's values; they are written as sent when
    the operation is a read, otherwise put back where moto's serializer finds them."""
    import json

    from moto.core.responses import ActionResult

    moto_init = result_class.__init__
    MOTO_DYNAMO_RESULT.append(moto_init)

    def init(self: Any, result: Any) -> None:
        self.items_aside = {}
        if isinstance(result, dict):
            self.items_aside = {field: result.pop(field) for field in ("Items", "Item", "Responses") if field in result}
        moto_init(self, result)

    def execute_result(self: Any, context: Any) -> Any:
        aside, self.items_aside = self.items_aside, {}
        field = READ_ITEMS.get(context.operation_model.name)
        wire = wire_items(field, aside[field]) if field in aside and len(aside) == 1 else None
        if wire is None:
            if aside:
                self._result.update(responses_to_dict(aside))
            return ActionResult.execute_result(self, context)
        status, headers, body = ActionResult.execute_result(self, context)
        answer = json.loads(body) if body else {}
        answer[field] = wire
        return status, headers, json.dumps(answer)

    def responses_to_dict(aside: dict[str, Any]) -> dict[str, Any]:
        from moto.dynamodb.models import utilities

        return {field: utilities.dynamo_to_dict(value) for field, value in aside.items()}

    result_class.__init__ = init
    result_class.execute_result = execute_result
