"""DynamoDB `TransactWriteItems` for moto, rolled back item by item instead of table by table.

moto deep-copies every table a transaction names, once per item of the transaction, so that it can restore the
tables if the transaction is cancelled. The worker writes each message's notifications in one transaction of up to
100 items, so under a long `make run` every transaction copied the whole ledger a hundred times: the rate fell with
every message stored and the copies, full of reference cycles, piled up faster than the collector freed them
(`make bench`, `localrun_sustained_ratio`).

Here only the items the transaction touches are copied, before each is written, and a cancelled transaction puts
those back. What a client sees is what moto answers (and DynamoDB documents): at most 100 items; one operation per
item; one item per key in a transaction; every condition evaluated against the state before the transaction;
`TransactionCanceledException` with a reason per item (`None` for the items that would have succeeded, and the
old item where `ReturnValuesOnConditionCheckFailure` is `ALL_OLD`), and nothing written unless every item succeeds.
"""

import copy
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

_OPERATIONS = frozenset({"ConditionCheck", "Put", "Delete", "Update"})
_MAX_ITEMS = 100

Reason = tuple[str | None, str | None, dict[str, Any] | None]
Saved = dict[tuple[str, DynamoType, DynamoType | None], Item | None]


MOTO_TRANSACT_WRITE_ITEMS = DynamoDBBackend.transact_write_items
"""moto's own implementation, which the tests hold this one to."""


def enable_item_level_rollback() -> None:
    """Replace moto's `TransactWriteItems` in this process (`mock_aws()` and a `ThreadedMotoServer` alike)."""
    DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def disable_item_level_rollback() -> None:
    DynamoDBBackend.transact_write_items = MOTO_TRANSACT_WRITE_ITEMS  # type: ignore[method-assign]


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > _MAX_ITEMS:
        raise TooManyTransactionsException()
    saved: Saved = {}
    reasons: list[Reason] = []
    try:
        for item in transact_items:
            reasons.append(_write(self, item, saved))
    except MockValidationException:  # the whole request is invalid: no reasons, nothing written
        _restore(self, saved)
        raise
    if any(code is not None for code, _, _ in reasons):
        _restore(self, saved)
        raise TransactionCanceledException(reasons)


def _write(backend: DynamoDBBackend, item: dict[str, Any], saved: Saved) -> Reason:
    """Apply one item of the transaction, after keeping a copy of what it is about to change."""
    if len(item) > 1:
        raise TransactWriteSingleOpException()
    operation, request = next(iter(item.items()))
    old: dict[str, Any] | None = None
    current: Item | None = None
    try:
        if operation not in _OPERATIONS:
            raise ValueError("Unsupported transaction operation")
        table_name = request["TableName"]
        table = backend.get_table(table_name)
        key = _key(table, operation, request)
        hash_value, range_value = backend.get_keys_value(table, key)
        if (table_name, hash_value, range_value) in saved:
            raise MultipleTransactionsException()
        current = table.get_item(hash_value, range_value)
        saved[(table_name, hash_value, range_value)] = copy.deepcopy(current)
        _check_condition(request, current)
        _apply(backend, operation, table_name, key, request)
    except MockValidationException:
        raise
    except ConditionalCheckFailed as failure:
        if request.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current is not None:
            old = current.to_json()["Attributes"]
        return ("ConditionalCheckFailed", str(failure.message), old)
    except Exception as error:  # moto reports any other failure as that item's reason
        return (type(error).__name__, str(error), None)
    return (None, None, None)


def _key(table: Table, operation: str, request: dict[str, Any]) -> dict[str, Any]:
    if operation != "Put":
        return dict(request["Key"])
    attributes = request["Item"]
    names = [table.hash_key_attr] + ([table.range_key_attr] if table.range_key_attr else [])
    missing = [name for name in names if name not in attributes]
    if missing:
        raise MockValidationException(
            f"One or more parameter values were invalid: Missing the key {missing[0]} in the item"
        )
    return {name: attributes[name] for name in names}


def _check_condition(request: dict[str, Any], current: Item | None) -> None:
    expression = request.get("ConditionExpression")
    if expression is None:
        return
    condition = get_filter_expression(
        expression, request.get("ExpressionAttributeNames"), request.get("ExpressionAttributeValues")
    )
    if not condition.expr(current):
        raise ConditionalCheckFailed()


def _apply(
    backend: DynamoDBBackend, operation: str, table_name: str, key: dict[str, Any], request: dict[str, Any]
) -> None:
    """The write itself, through moto's own single-item operations (the condition is already checked)."""
    names, values = request.get("ExpressionAttributeNames"), request.get("ExpressionAttributeValues")
    if operation == "Put":
        backend.put_item(
            table_name, request["Item"], expression_attribute_names=names, expression_attribute_values=values
        )
    elif operation == "Delete":
        backend.delete_item(table_name, key, expression_attribute_names=names, expression_attribute_values=values)
    elif operation == "Update":
        backend.update_item(
            table_name,
            key,
            update_expression=request["UpdateExpression"],
            expression_attribute_names=names or {},
            expression_attribute_values=values or {},
        )


def _restore(backend: DynamoDBBackend, saved: Saved) -> None:
    """Put back every item as it was before the transaction (remove the ones it created)."""
    for (table_name, hash_value, range_value), item in saved.items():
        table = backend.get_table(table_name)
        if item is None:
            table.delete_item(hash_value, range_value)
        elif range_value is not None:
            table.items[hash_value][range_value] = item
        else:
            table.items[hash_value] = item  # type: ignore[assignment]  # moto's own annotation is the ranged one
