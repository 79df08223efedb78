"""Items read as DynamoDB sends them (shared/db/wire.py): every read answers exactly what
botocore's own parse gives, for every kind of attribute value, binary values included (those
answers are parsed by botocore), and errors are untouched."""

from __future__ import annotations

import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import TABLE_NAME

EVERY_KIND = {
    "s": {"S": "長谷川 \"quoted\" \\ B"}, "n": {"N": "-12.50"}, "ss": {"SS": ["a", "い"]}, "ns": {"NS": ["1", "2.5"]},
    "bool": {"BOOL": False}, "null": {"NULL": True}, "empty_list": {"L": []}, "empty_map": {"M": {}},
    "nested": {"M": {"list": {"L": [{"S": "x"}, {"N": "1"}, {"M": {"deep": {"BOOL": True}}}]}, "text": {"S": ""}}},
}
BINARY = {"b": {"B": b"\x00\xffbytes"}, "bs": {"BS": [b"one", b"two"]}, "nested": {"M": {"blob": {"B": b"\x01"}}}}


@pytest.fixture
def partition(moto_endpoint) -> str:
    pk = f"WIRE#{uuid.uuid4().hex}"
    client = boto3.client("dynamodb")
    for number, extra in enumerate((EVERY_KIND, EVERY_KIND, BINARY)):
        client.put_item(TableName=TABLE_NAME, Item={"pk": {"S": pk}, "sk": {"S": f"item#{number}"}, **extra})
    return pk


def _connection():
    from shared.db.models import table_connection

    return table_connection().connection


def _both(operation: str, request: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The answer through the application's connection, and botocore's own parse of it."""
    ours = _connection()._make_api_call(operation, request)
    plain = getattr(boto3.client("dynamodb"), {"Query": "query", "Scan": "scan", "GetItem": "get_item",
                                               "BatchGetItem": "batch_get_item"}[operation])(**request)
    for answer in (ours, plain):
        answer.pop("ResponseMetadata", None)
    return ours, plain


def test_every_kind_of_value_reads_as_botocore_parses_it(partition):
    keys = [{"pk": {"S": partition}, "sk": {"S": f"item#{number}"}} for number in range(3)]
    requests = [
        ("Query", {"TableName": TABLE_NAME, "KeyConditionExpression": "pk = :p",
                   "ExpressionAttributeValues": {":p": {"S": partition}}}),
        ("Query", {"TableName": TABLE_NAME, "KeyConditionExpression": "pk = :p AND sk < :s", "Limit": 1,
                   "ExpressionAttributeValues": {":p": {"S": partition}, ":s": {"S": "item#2"}}}),
        ("Scan", {"TableName": TABLE_NAME, "FilterExpression": "pk = :p",
                  "ExpressionAttributeValues": {":p": {"S": partition}}}),
        ("GetItem", {"TableName": TABLE_NAME, "Key": keys[0]}),
        ("GetItem", {"TableName": TABLE_NAME, "Key": keys[2]}),
        ("GetItem", {"TableName": TABLE_NAME, "Key": {"pk": {"S": partition}, "sk": {"S": "absent"}}}),
        ("BatchGetItem", {"RequestItems": {TABLE_NAME: {"Keys": keys[:2]}}}),
        ("BatchGetItem", {"RequestItems": {TABLE_NAME: {"Keys": keys}}}),
    ]
    for operation, request in requests:
        ours, plain = _both(operation, request)
        assert ours == plain, (operation, request)
    query, _ = _both(*requests[1])
    assert query["Items"][0]["nested"] == EVERY_KIND["nested"] and "LastEvaluatedKey" in query
    binary, _ = _both(*requests[4])
    assert binary["Item"]["b"] == {"B": b"\x00\xffbytes"}  # decoded from base64, as botocore does


def test_items_as_sent_leaves_botocore_the_rest_and_the_errors():
    from shared.db.wire import items_as_sent

    class Operation:
        name = "Query"

    response = {"status_code": 200,
                "body": b'{"Count": 1, "Items": [{"pk": {"S": "a"}}], "LastEvaluatedKey": {"pk": {"S": "a"}}}'}
    customized: dict[str, Any] = {}
    items_as_sent(Operation(), response, customized)
    assert customized == {"Items": [{"pk": {"S": "a"}}]}
    assert response["body"] == b'{"Count": 1, "LastEvaluatedKey": {"pk": {"S": "a"}}}'
    for untouched in ({"status_code": 400, "body": b'{"__type": "ValidationException", "Items": []}'},
                      {"status_code": 200, "body": b'{"Items": [{"blob": {"B": "AA=="}}]}'}):
        before, customized = dict(untouched), {}
        items_as_sent(Operation(), untouched, customized)
        assert (untouched, customized) == (before, {})


def test_an_error_answer_is_the_same_error(moto_endpoint):
    request = {"TableName": TABLE_NAME, "IndexName": "NoSuchIndex", "KeyConditionExpression": "pk = :p",
               "ExpressionAttributeValues": {":p": {"S": "x"}}}
    with pytest.raises(ClientError) as ours:
        _connection()._make_api_call("Query", request)
    with pytest.raises(ClientError) as plain:
        boto3.client("dynamodb").query(**request)
    assert ours.value.response["Error"] == plain.value.response["Error"]
    assert ours.value.response["Error"]["Code"]
