"""DynamoDB's size limits in the embedded moto, where moto's differ from AWS's.

- Key sizes after an update: moto checks the table's and the indexes' key attributes only when
  PutItem writes a whole item; an UpdateItem (alone or in TransactWriteItems) that sets an index
  key over DynamoDB's limit (2,048 bytes for a partition key, 1,024 for a sort key,
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-partition-sort-keys)
  is accepted. Here it is refused with the ValidationException DynamoDB answers, and the item is
  left as it was.
- Item size: moto counts an item without the 3 bytes of each list and map and the 1 byte of each
  of their elements, and refuses it over 405,000 bytes; DynamoDB counts both and refuses an item
  over 400 KB (409,600 bytes,
  https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html).
  `attribute_size` measures an attribute as DynamoDB does (shared.domain.sizes), for
  moto_stack's running item-size check.
- Transaction size: moto refuses a TransactWriteItems of more than 100 actions but takes any
  number of bytes; DynamoDB refuses one whose items exceed 4 MB
  (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html).
  Here it is refused, before anything is written, with a ValidationException.
"""

from __future__ import annotations

import base64
import copy
from typing import Any

from infra.local import index_partitions
from shared.domain import sizes


def wire(value: Any) -> dict[str, Any]:
    """A moto DynamoType as the attribute value on the wire ({"S": ...}), without copying it."""
    if value.is_list():
        return {"L": [wire(element) for element in value.value]}
    if value.is_map():
        return {"M": {name: wire(element) for name, element in value.value.items()}}
    if value.is_binary() and isinstance(value.value, str):
        return {"B": base64.b64decode(value.value)}
    return {value.type: value.value}


def attribute_size(name: str, value: Any) -> int:
    """An attribute's size as DynamoDB counts it toward the item limit."""
    return sizes.utf8_size(name) + sizes.value_size(wire(value))


def enforce_key_sizes_on_update() -> None:
    """Refuse an UpdateItem whose result has a table or index key over DynamoDB's limit."""
    from moto.dynamodb.exceptions import HashKeyTooLong, RangeKeyTooLong
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.dynamo_type import DynamoType

    if getattr(DynamoDBBackend.update_item, "checks_key_sizes", False):
        return
    update = DynamoDBBackend.update_item

    def update_item(self: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        table = self.get_table(table_name)
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        before = copy.deepcopy(table.get_item(hash_value, range_value))
        item = update(self, table_name, key, *args, **kwargs)
        attributes = {name: wire(value) for name, value in item.attrs.items()}
        partitions = [name for name in table.hash_key_names if name in attributes]
        over = sizes.key_errors(attributes, partitions, table.range_key_names)
        if over:
            put_back(table, hash_value, range_value, before)
            raise HashKeyTooLong if over[0] in partitions else RangeKeyTooLong
        return item

    update_item.checks_key_sizes = True
    DynamoDBBackend.update_item = update_item


def enforce_transaction_size() -> None:
    """Refuse a TransactWriteItems whose actions add up to more than 4 MB (shared.domain.sizes)."""
    from moto.dynamodb.exceptions import MockValidationException
    from moto.dynamodb.models import DynamoDBBackend

    if getattr(DynamoDBBackend.transact_write_items, "checks_size", False):
        return
    transact = DynamoDBBackend.transact_write_items

    def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
        size = sum(sizes.action_size(action) for entry in transact_items for action in entry.values())
        if size > sizes.MAX_TRANSACTION_BYTES:
            raise MockValidationException(
                f"Transaction request size of {size} bytes exceeds the limit of {sizes.MAX_TRANSACTION_BYTES} bytes")
        transact(self, transact_items)

    transact_write_items.checks_size = True
    DynamoDBBackend.transact_write_items = transact_write_items


def put_back(table: Any, hash_value: Any, range_value: Any, item: Any) -> None:
    """Put a moto table's item back as it was before a refused write (None: it did not exist)."""
    if item is None:
        table.delete_item(hash_value, range_value)
    elif range_value is not None:
        table.items[hash_value][range_value] = item
    else:
        table.items[hash_value] = item
    index_partitions.refresh(table, hash_value, range_value)
