"""The emulator's DynamoDB behaves as DynamoDB where moto does not (infra/local/dynamodb_realism.py):
global secondary indexes lag the table, and a transaction in flight refuses other writes of its
items. Then the product through the API with transactions conflicting: writes retried, no 5xx."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest
from botocore.exceptions import ClientError

from conftest import TABLE_NAME, create
from infra.local.dynamodb_realism import INDEX_LAG, TRANSACTION_WINDOW


@pytest.fixture
def client(moto_endpoint):
    return boto3.client("dynamodb")


@pytest.fixture
def lag(monkeypatch):
    return lambda seconds: monkeypatch.setattr(INDEX_LAG, "seconds", seconds)


@pytest.fixture
def window(monkeypatch):
    return lambda seconds: monkeypatch.setattr(TRANSACTION_WINDOW, "seconds", seconds)


def item(pk: str, **extra: str) -> dict:
    return {"pk": {"S": pk}, "sk": {"S": "X"}, **{name: {"S": value} for name, value in extra.items()}}


def key(pk: str) -> dict:
    return {"pk": {"S": pk}, "sk": {"S": "X"}}


def in_index(client, partition: str) -> list[str]:
    found = client.query(TableName=TABLE_NAME, IndexName="GSI6", KeyConditionExpression="gsi6pk = :p",
                         ExpressionAttributeValues={":p": {"S": partition}})["Items"]
    return [entry["pk"]["S"] for entry in found]


def test_an_item_just_written_is_not_in_an_index_query_until_the_lag_passed(client, lag):
    partition, pk = f"lag-{uuid.uuid4().hex}", f"realism-{uuid.uuid4().hex}"
    lag(60)
    client.put_item(TableName=TABLE_NAME, Item=item(pk, gsi6pk=partition, gsi6sk="1"))

    assert in_index(client, partition) == []  # moto: at once
    table_read = client.query(TableName=TABLE_NAME, KeyConditionExpression="pk = :p",
                              ExpressionAttributeValues={":p": {"S": pk}}, ConsistentRead=True)["Items"]
    assert [entry["pk"]["S"] for entry in table_read] == [pk]  # the table itself is current

    lag(0)  # the lag passed
    assert in_index(client, partition) == [pk]


def transact_put(client, pk: str) -> None:
    client.transact_write_items(TransactItems=[{"Put": {"TableName": TABLE_NAME, "Item": item(pk)}}])


def test_a_transaction_in_flight_cancels_another_and_refuses_plain_writes_of_its_items(client, window):
    held, free = f"realism-{uuid.uuid4().hex}", f"realism-{uuid.uuid4().hex}"
    window(60)
    transact_put(client, held)

    with pytest.raises(ClientError) as cancelled:
        client.transact_write_items(TransactItems=[
            {"Put": {"TableName": TABLE_NAME, "Item": item(free)}},
            {"ConditionCheck": {"TableName": TABLE_NAME, "Key": key(held),
                                "ConditionExpression": "attribute_exists(pk)"}},
        ])
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert [reason["Code"]
            for reason in cancelled.value.response["CancellationReasons"]] == ["None", "TransactionConflict"]
    for write in (lambda: client.put_item(TableName=TABLE_NAME, Item=item(held, note="x")),
                  lambda: client.update_item(TableName=TABLE_NAME, Key=key(held), UpdateExpression="SET note = :n",
                                             ExpressionAttributeValues={":n": {"S": "x"}}),
                  lambda: client.delete_item(TableName=TABLE_NAME, Key=key(held))):
        with pytest.raises(ClientError) as refused:
            write()
        assert refused.value.response["Error"]["Code"] == "TransactionConflictException"
    assert "Item" not in client.get_item(TableName=TABLE_NAME, Key=key(free), ConsistentRead=True)  # nothing written
    assert "note" not in client.get_item(TableName=TABLE_NAME, Key=key(held), ConsistentRead=True)["Item"]
    client.put_item(TableName=TABLE_NAME, Item=item(free))  # an item no transaction holds

    window(0)  # the transaction finished
    client.put_item(TableName=TABLE_NAME, Item=item(held, note="x"))
    transact_put(client, held)


def test_under_conflicting_transactions_the_api_retries_and_answers_no_5xx(api, window):
    """Contact writes all hold the tenant's CONFIG and USAGE items; settings and tags are plain
    writes of the same partition's items: each meets the others' transactions and is retried."""
    window(0.03)  # DynamoDB holds a transaction's items for milliseconds
    create(api, family_name="最初")

    def contact(index: int) -> int:
        return api.post("/v1/contacts", {"family_name": f"同時{index}", "tags": ["展示会"]}).status

    def settings(index: int) -> int:
        return api.put("/v1/settings", {"name_order": ["given_family", "family_given"][index % 2]}).status

    def tag(index: int) -> int:
        return api.post("/v1/tags", {"name": f"タグ{index}"}).status

    # every other round a settings write: they are read-modify-writes that race each other too
    jobs = [(kind, index) for index in range(6) for kind in (contact, tag, settings)
            if kind is not settings or index % 2]
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(pool.map(lambda job: job[0](job[1]), jobs))

    assert sorted(set(statuses)) == [200, 201], statuses
    assert statuses.count(201) == 12 and statuses.count(200) == 3  # every contact, tag and settings write
    assert api.get("/v1/settings").body["usage"]["contacts"] == 7
