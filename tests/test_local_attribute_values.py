"""DynamoDB attribute values written to the wire directly (infra/local/attribute_values.py): every
answer that carries items is, byte for byte once parsed, the one moto's own serializer gives."""

from __future__ import annotations

import json
import uuid

import boto3
import pytest
from moto.core.serialize import BaseJSONSerializer
from moto.dynamodb import responses
from moto.dynamodb.models import utilities

from infra.local import attribute_values

EVERY_KIND = {
    "pk": {"S": "p"}, "sk": {"S": "s"}, "text": {"S": "長谷川 ﾊｾｶﾞﾜ \"quoted\" \n"}, "empty": {"S": ""},
    "number": {"N": "-12.50"}, "big": {"N": "12345678901234567890"}, "binary": {"B": b"\x00\xffbytes"},
    "texts": {"SS": ["a", "い"]}, "numbers": {"NS": ["1", "2.5"]}, "binaries": {"BS": [b"\x01", b"\x02\x03"]},
    "yes": {"BOOL": True}, "no": {"BOOL": False}, "nothing": {"NULL": True},
    "map": {"M": {"inner": {"M": {"deep": {"L": [{"S": "x"}, {"N": "1"}, {"B": b"\x04"}, {"NULL": True}]}}},
                  "empty_map": {"M": {}}, "empty_list": {"L": []}}},
    "list": {"L": [{"M": {"a": {"SS": ["z"]}}}, {"BOOL": False}]},
}


@pytest.fixture
def table(moto_endpoint):
    client = boto3.client("dynamodb")
    name = f"wire-{uuid.uuid4().hex[:12]}"
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                              {"AttributeName": "sk", "AttributeType": "S"}])
    client.put_item(TableName=name, Item=EVERY_KIND)
    yield name
    client.delete_table(TableName=name)


def raw_answers(name: str) -> list[dict]:
    """Each item-carrying answer as JSON off the wire (botocore's parsing left out)."""
    client = boto3.client("dynamodb")
    bodies: list[dict] = []
    client.meta.events.register("after-call.dynamodb", lambda http_response, **_: bodies.append(
        json.loads(http_response.content)))
    key = {"pk": {"S": "p"}, "sk": {"S": "s"}}
    client.get_item(TableName=name, Key=key)
    client.batch_get_item(RequestItems={name: {"Keys": [key]}})
    client.query(TableName=name, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}},
                 ReturnConsumedCapacity="TOTAL")
    client.scan(TableName=name)
    client.transact_get_items(TransactItems=[{"Get": {"TableName": name, "Key": key}}])
    client.update_item(TableName=name, Key=key, UpdateExpression="SET #t = :t", ExpressionAttributeNames={"#t": "text"},
                       ExpressionAttributeValues={":t": {"S": "changed"}}, ReturnValues="ALL_OLD")
    return bodies


def test_item_answers_are_what_motos_serializer_writes(table, monkeypatch):
    ours = raw_answers(table)
    boto3.client("dynamodb").put_item(TableName=table, Item=EVERY_KIND)  # the update above, undone
    with monkeypatch.context() as patched:
        patched.setattr(attribute_values, "wire_value", lambda value: None)  # every value: moto's own path
        patched.setattr(attribute_values, "wire_items", lambda field, value: None)  # every read's items too
        for module in (responses, utilities):
            patched.setattr(module, "dynamo_to_dict", attribute_values.MOTO_TO_DICT[0])
        motos = raw_answers(table)

    assert ours == motos
    assert ours[0]["Item"]["binary"] == {"B": "AP9ieXRlcw=="} and ours[0]["Item"]["yes"] == {"BOOL": True}


@pytest.mark.parametrize("value", [{"S": "a", "N": "1"}, {"X": "?"}, {"M": {"a": {"Q": 1}}}, {"L": [{}]}, "S"])
def test_what_is_not_one_attribute_value_is_left_to_moto(value):
    assert attribute_values.wire_value(value) is None


def test_the_serializer_is_patched_once():
    attribute_values.install()
    patched = BaseJSONSerializer._serialize_type_structure
    attribute_values.install()
    assert BaseJSONSerializer._serialize_type_structure is patched
