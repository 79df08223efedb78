"""The emulator's Queries read their partition (infra/local/index_partitions.py): every answer is
the one moto gives by walking the whole table (items, order, paging, counts, projections, after
every kind of write), and an index Query looks at as many items in a table of thousands as in a
table of a few dozen."""

from __future__ import annotations

import random
import uuid
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
from moto.dynamodb.models.table import SecondaryIndex, Table

from infra.local import index_partitions

KEYS = [{"AttributeName": "owner", "KeyType": "HASH"}, {"AttributeName": "rank", "KeyType": "RANGE"}]
INDEXES = [
    {"IndexName": "ByOwner", "KeySchema": KEYS, "Projection": {"ProjectionType": "ALL"}},
    # the same key attributes, another projection: kept apart by index name
    {"IndexName": "ByOwnerKeys", "KeySchema": KEYS, "Projection": {"ProjectionType": "KEYS_ONLY"}},
    {"IndexName": "ByScore", "KeySchema": [{"AttributeName": "team", "KeyType": "HASH"},
                                           {"AttributeName": "score", "KeyType": "RANGE"}],
     "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["note"]}},
    {"IndexName": "ByTeam", "KeySchema": [{"AttributeName": "team", "KeyType": "HASH"}],
     "Projection": {"ProjectionType": "ALL"}},
]
OWNERS, TEAMS = ["ann", "bob", "cy"], ["red", "blue"]


@pytest.fixture
def client(moto_endpoint):
    return boto3.client("dynamodb")


@pytest.fixture
def table(client):
    name = f"partitions-{uuid.uuid4().hex[:12]}"
    client.create_table(
        TableName=name, BillingMode="PAY_PER_REQUEST", GlobalSecondaryIndexes=INDEXES,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": name, "AttributeType": kind} for name, kind in
                              (("pk", "S"), ("sk", "S"), ("owner", "S"), ("rank", "S"), ("team", "S"), ("score", "N"))])
    yield name
    for restored in client.list_tables()["TableNames"]:
        if restored.startswith(name):
            client.delete_table(TableName=restored)


@pytest.fixture
def moto_alone(monkeypatch):
    """Run a request as moto alone answers it: every Query walks the whole table, sorted, and
    projects each item through moto's own code."""
    def run(request):
        with monkeypatch.context() as patched:
            patched.setattr(index_partitions, "_reached", lambda table, *args: (Table.all_items(table), None))
            patched.setattr(SecondaryIndex, "project", index_partitions.MOTO_PROJECT[0])
            patched.setattr(Item, "project", index_partitions.MOTO_ITEM_PROJECT[0])
            return request()
    return run


def item(number: int, rng: random.Random) -> dict[str, Any]:
    entry = {"pk": {"S": f"p{number % 7}"}, "sk": {"S": f"s{number:03d}"},
             "note": {"S": rng.choice("xyz") * (number % 5 + 1)}}
    if number % 3 == 0:  # for nested ProjectionExpressions
        entry["meta"] = {"M": {"a": {"N": str(number)}, "b": {"L": [{"S": "first"}, {"S": "second"}]}}}
    if rng.random() < 0.8:  # sparse: some items are in no owner index, some lack the sort key
        entry["owner"] = {"S": rng.choice(OWNERS)}
        if rng.random() < 0.85:
            entry["rank"] = {"S": rng.choice(["a", "b", "ba", "bb", "c", "d#1", "d#2"])}  # ties: ordered by table key
    if rng.random() < 0.7:
        entry["team"] = {"S": rng.choice(TEAMS)}
        entry["score"] = {"N": rng.choice(["-3", "0", "0.5", "2", "10", "11", "100"])}
    return entry


def write(client, name: str, items: list[dict[str, Any]]) -> None:
    for start in range(0, len(items), 25):
        client.batch_write_item(RequestItems={name: [{"PutRequest": {"Item": entry}}
                                                     for entry in items[start:start + 25]]})


def queries() -> list[dict[str, Any]]:
    """Index and table Queries: each key condition, both orders, filters, projections, counts."""
    found = []
    for owner in ("ann", "bob", "nobody"):
        for index in ("ByOwner", "ByOwnerKeys"):
            for condition, values in (("", {}), (" AND #r = :a", {":a": "b"}), (" AND #r < :a", {":a": "c"}),
                                      (" AND #r <= :a", {":a": "b"}), (" AND #r > :a", {":a": "b"}),
                                      (" AND #r >= :a", {":a": "ba"}),
                                      (" AND #r BETWEEN :a AND :b", {":a": "b", ":b": "c"}),
                                      (" AND begins_with(#r, :a)", {":a": "b"}),
                                      (" AND begins_with(#r, :a)", {":a": "d#"})):
                for forward in (True, False) if index == "ByOwner" or not condition else ():
                    found.append({"IndexName": index, "KeyConditionExpression": "#o = :o" + condition,
                                  "ExpressionAttributeNames": {"#o": "owner", **({"#r": "rank"} if condition else {})},
                                  "ExpressionAttributeValues": {":o": {"S": owner},
                                                                **{k: {"S": v} for k, v in values.items()}},
                                  "ScanIndexForward": forward})
        found.append({"IndexName": "ByOwner", "KeyConditionExpression": "#o = :o",
                      "FilterExpression": "begins_with(note, :n)",
                      "ExpressionAttributeNames": {"#o": "owner"},
                      "ExpressionAttributeValues": {":o": {"S": owner}, ":n": {"S": "x"}}})
        found.append({"IndexName": "ByOwnerKeys", "KeyConditionExpression": "#o = :o", "Select": "COUNT",
                      "ExpressionAttributeNames": {"#o": "owner"}, "ExpressionAttributeValues": {":o": {"S": owner}}})
    for team in TEAMS:
        for forward in (True, False):
            found.append({"IndexName": "ByScore", "KeyConditionExpression": "team = :t AND score BETWEEN :a AND :b",
                          "ExpressionAttributeValues": {":t": {"S": team}, ":a": {"N": "0"}, ":b": {"N": "10.5"}},
                          "ScanIndexForward": forward})
            found.append({"IndexName": "ByScore", "KeyConditionExpression": "team = :t AND score > :a",
                          "ExpressionAttributeValues": {":t": {"S": team}, ":a": {"N": "0.5"}},
                          "ScanIndexForward": forward})
            found.append({"IndexName": "ByTeam", "KeyConditionExpression": "team = :t",
                          "ExpressionAttributeValues": {":t": {"S": team}}, "ScanIndexForward": forward,
                          "ProjectionExpression": "pk, sk, score"})
    for partition in ("p0", "p3", "p9"):
        found.append({"KeyConditionExpression": "pk = :p AND sk > :s",
                      "ExpressionAttributeValues": {":p": {"S": partition}, ":s": {"S": "s050"}},
                      "ScanIndexForward": False})
    for projection in PROJECTIONS:  # top-level names (picked directly) and nested paths (moto's own)
        found.append({"IndexName": "ByScore", "KeyConditionExpression": "team = :t", "ProjectionExpression": projection,
                      **names_in(projection), "ExpressionAttributeValues": {":t": {"S": "red"}}})
        found.append({"KeyConditionExpression": "pk = :p", "ProjectionExpression": projection,
                      **names_in(projection), "ExpressionAttributeValues": {":p": {"S": "p3"}}})
    return found


PROJECTIONS = ("pk, note, #r", "sk, absent", "#r", "meta.a, sk", "meta.b[1], note", "meta")


def names_in(projection: str) -> dict[str, Any]:
    """ExpressionAttributeNames for `#r` (`rank` is a reserved word), when the expression uses it."""
    return {"ExpressionAttributeNames": {"#r": "rank"}} if "#r" in projection else {}


def pages(client, name: str, request: dict[str, Any], limit: int | None) -> list[dict[str, Any]]:
    """Every page of a Query with this Limit, each answer as DynamoDB gives it."""
    answers, start = [], None
    while True:
        answer = client.query(TableName=name, **request, **({"Limit": limit} if limit else {}),
                              **({"ExclusiveStartKey": start} if start else {}))
        answer.pop("ResponseMetadata")
        answers.append(answer)
        start = answer.get("LastEvaluatedKey")
        if not start or len(answers) > 200:
            return answers


def assert_same_as_moto(client, name: str, moto_alone) -> int:
    compared = 0
    for request in queries():
        for limit in (None, 3):
            ours = pages(client, name, request, limit)
            assert ours == moto_alone(lambda: pages(client, name, request, limit)), (request, limit)  # noqa: B023 - called before the loop moves on
            compared += sum(len(page.get("Items", [])) for page in ours)
    return compared


def test_every_query_answers_as_moto_does_through_every_kind_of_write(client, table, moto_alone):
    rng = random.Random(18)
    write(client, table, [item(number, rng) for number in range(100)])
    assert assert_same_as_moto(client, table, moto_alone) > 500  # the battery reads items, not empty pages

    def key(number: int) -> dict[str, Any]:
        return {"pk": {"S": f"p{number % 7}"}, "sk": {"S": f"s{number:03d}"}}

    for number in range(0, 100, 9):  # moved to another partition, or to another place in it
        client.update_item(TableName=table, Key=key(number), UpdateExpression="SET #o = :o, #r = :r",
                           ExpressionAttributeNames={"#o": "owner", "#r": "rank"},
                           ExpressionAttributeValues={":o": {"S": OWNERS[number % 3]}, ":r": {"S": "bb"}})
    for number in range(1, 100, 11):  # out of the owner indexes (sparse), out of the score order
        client.update_item(TableName=table, Key=key(number), UpdateExpression="REMOVE #r, score",
                           ExpressionAttributeNames={"#r": "rank"})
    for number in range(2, 100, 13):
        client.delete_item(TableName=table, Key=key(number))
    client.batch_write_item(RequestItems={table: [
        *({"DeleteRequest": {"Key": key(number)}} for number in range(3, 60, 17)),
        *({"PutRequest": {"Item": item(number, rng)}} for number in range(200, 215)),
    ]})
    client.put_item(TableName=table, Item={**key(4), "owner": {"S": "bob"}, "rank": {"S": "a"}})  # replaced whole
    client.transact_write_items(TransactItems=[
        {"Update": {"TableName": table, "Key": key(5), "UpdateExpression": "SET #o = :o",
                    "ExpressionAttributeNames": {"#o": "owner"}, "ExpressionAttributeValues": {":o": {"S": "cy"}}}},
        {"Delete": {"TableName": table, "Key": key(6)}},
        {"Put": {"TableName": table, "Item": {**key(216), "owner": {"S": "ann"}, "rank": {"S": "b"}}}},
    ])
    before = pages(client, table, {"IndexName": "ByOwner", "KeyConditionExpression": "#o = :o",
                                   "ExpressionAttributeNames": {"#o": "owner"},
                                   "ExpressionAttributeValues": {":o": {"S": "ann"}}}, None)
    with pytest.raises(ClientError) as cancelled:  # rolled back: none of the three stays
        client.transact_write_items(TransactItems=[
            {"Update": {"TableName": table, "Key": key(7), "UpdateExpression": "SET #o = :o, #r = :r",
                        "ExpressionAttributeNames": {"#o": "owner", "#r": "rank"},
                        "ExpressionAttributeValues": {":o": {"S": "ann"}, ":r": {"S": "a"}}}},
            {"Put": {"TableName": table, "Item": {**key(217), "owner": {"S": "ann"}, "rank": {"S": "a"}}}},
            {"Delete": {"TableName": table, "Key": key(216)}},
            {"ConditionCheck": {"TableName": table, "Key": key(999), "ConditionExpression": "attribute_exists(pk)"}},
        ])
    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    assert pages(client, table, {"IndexName": "ByOwner", "KeyConditionExpression": "#o = :o",
                                 "ExpressionAttributeNames": {"#o": "owner"},
                                 "ExpressionAttributeValues": {":o": {"S": "ann"}}}, None) == before
    with pytest.raises(ClientError):  # refused after moto changed the item in place: put back as it was
        client.update_item(TableName=table, Key=key(8), UpdateExpression="SET #r = :r",
                           ExpressionAttributeNames={"#r": "rank"},
                           ExpressionAttributeValues={":r": {"S": "z" * 1100}})
    client.execute_statement(Statement=f"UPDATE \"{table}\" SET owner = 'bob' WHERE pk = 'p3' AND sk = 's010'")
    assert_same_as_moto(client, table, moto_alone)

    backup = client.create_backup(TableName=table, BackupName="partitions")["BackupDetails"]["BackupArn"]
    client.restore_table_from_backup(TargetTableName=f"{table}-restored", BackupArn=backup)
    client.delete_item(TableName=table, Key=key(9))  # in the source table only: the copy is mapped apart
    assert_same_as_moto(client, f"{table}-restored", moto_alone)


def test_get_batch_get_and_scan_project_as_moto_does(client, table, moto_alone):
    rng = random.Random(19)
    write(client, table, [item(number, rng) for number in range(30)])
    keys = [{"pk": {"S": f"p{number % 7}"}, "sk": {"S": f"s{number:03d}"}} for number in (0, 3, 4, 29, 99)]

    def answers(projection: str) -> list[Any]:
        names = names_in(projection)
        gets = [client.get_item(TableName=table, Key=key, ProjectionExpression=projection, **names).get("Item")
                for key in keys]
        batch = client.batch_get_item(RequestItems={table: {"Keys": keys, "ProjectionExpression": projection,
                                                            **names}})["Responses"][table]
        scanned = client.scan(TableName=table, ProjectionExpression=projection, **names)["Items"]
        return [gets, sorted(batch, key=repr), sorted(scanned, key=repr)]

    for projection in PROJECTIONS:
        ours = answers(projection)
        assert ours == moto_alone(lambda: answers(projection)), projection  # noqa: B023 - called before the loop moves on
        assert any(ours[0]), projection  # the items were found


def touched_by_query(client, name: str, request: dict[str, Any], monkeypatch) -> int:
    """How many distinct items and key values moto's code reads an attribute of or compares
    while answering the Query (a walk of the table compares every item's key)."""
    seen: set[int] = set()

    def counting(method):
        def counted(self, *args):
            seen.add(id(self))
            return method(self, *args)
        return counted

    client.query(TableName=name, **request)  # the index map is built on its first Query: not counted
    with monkeypatch.context() as patched:
        for kind, method in ((LimitedSizeDict, "get"), (LimitedSizeDict, "__getitem__"),
                             (DynamoType, "__eq__"), (DynamoType, "__lt__")):
            patched.setattr(kind, method, counting(getattr(kind, method)))
        client.query(TableName=name, **request)
    return len(seen)


@pytest.mark.parametrize("request_", [
    {"IndexName": "ByOwner", "KeyConditionExpression": "#o = :o", "Limit": 10,
     "ExpressionAttributeNames": {"#o": "owner"},
     "ExpressionAttributeValues": {":o": {"S": "ann"}}},
    {"IndexName": "ByOwnerKeys", "KeyConditionExpression": "#o = :o AND begins_with(#r, :r)", "ScanIndexForward": False,
     "Limit": 10, "ExpressionAttributeNames": {"#o": "owner", "#r": "rank"},
     "ExpressionAttributeValues": {":o": {"S": "ann"}, ":r": {"S": "b"}}},
    {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "mine"}}},
], ids=["index", "index-range-backwards", "table"])
def test_a_query_looks_at_its_partition_whatever_the_size_of_the_table(client, table, monkeypatch, request_):
    mine = [{"pk": {"S": "mine"}, "sk": {"S": f"s{number:03d}"}, "owner": {"S": "ann"}, "rank": {"S": f"b{number:03d}"}}
            for number in range(30)]
    write(client, table, mine)

    def others(count: int, offset: int) -> list[dict]:
        return [{"pk": {"S": f"other{number}"}, "sk": {"S": "x"}, "owner": {"S": f"o{number % 50}"}, "rank": {"S": "b"}}
                for number in range(offset, offset + count)]

    write(client, table, others(30, 0))
    small = touched_by_query(client, table, request_, monkeypatch)
    write(client, table, others(3000, 30))
    large = touched_by_query(client, table, request_, monkeypatch)

    assert large == small  # moto alone: every item of the table, 60 then 3,030
    assert small <= 2 * len(mine)  # the partition's items and their keys, at most


def test_an_index_page_of_1_mb_is_measured_on_the_index_entries(client, table):
    """DynamoDB sizes an index Query by its entries, not the table's items
    (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Reads):
    twelve items of 200 KB take three pages of the ALL index (four to a megabyte), and one page of
    the KEYS_ONLY index (moto sized both by the whole items)."""
    write(client, table, [{"pk": {"S": "big"}, "sk": {"S": f"s{number:02d}"}, "owner": {"S": "dan"},
                           "rank": {"S": f"r{number:02d}"}, "note": {"S": "x" * 200_000}} for number in range(12)])
    request = {"KeyConditionExpression": "#o = :o", "ExpressionAttributeNames": {"#o": "owner"},
               "ExpressionAttributeValues": {":o": {"S": "dan"}}}

    everything = pages(client, table, {**request, "IndexName": "ByOwner"}, None)
    keys_only = pages(client, table, {**request, "IndexName": "ByOwnerKeys"}, None)

    assert [page["Count"] for page in everything] == [4, 4, 4]
    assert [page["Count"] for page in keys_only] == [12]
    assert {name for item in keys_only[0]["Items"] for name in item} == {"pk", "sk", "owner", "rank"}
