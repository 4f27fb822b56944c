"""`TransactWriteItems` with item-level rollback answers exactly as moto's own, without copying whole tables."""

import copy
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models.table import Table

from localrun import dynamodb_transactions
from localrun.dynamodb_transactions import disable_item_level_rollback, enable_item_level_rollback

TABLE = "ledger"
RANGED = "events"


@contextmanager
def item_level_rollback() -> Iterator[None]:
    enable_item_level_rollback()
    try:
        yield
    finally:
        disable_item_level_rollback()


def _put(key: str, **attributes: Any) -> dict[str, Any]:
    item = {"pk": {"S": key}} | {name: {"N": str(value)} for name, value in attributes.items()}
    return {"Put": {"TableName": TABLE, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}


def _update(key: str, version: int) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": TABLE,
            "Key": {"pk": {"S": key}},
            "UpdateExpression": "SET version = :v",
            "ConditionExpression": "version < :v",
            "ExpressionAttributeValues": {":v": {"N": str(version)}},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def _delete(key: str) -> dict[str, Any]:
    return {"Delete": {"TableName": TABLE, "Key": {"pk": {"S": key}}}}


def _check(key: str) -> dict[str, Any]:
    return {
        "ConditionCheck": {
            "TableName": TABLE,
            "Key": {"pk": {"S": key}},
            "ConditionExpression": "attribute_exists(pk)",
        }
    }


def _ranged_put(key: str, sort: str) -> dict[str, Any]:
    return {"Put": {"TableName": RANGED, "Item": {"pk": {"S": key}, "sk": {"S": sort}}}}


SCENARIOS: dict[str, list[dict[str, Any]]] = {
    "every kind of item succeeds": [_put("new-1", version=1), _update("old-1", 5), _delete("old-2"), _check("old-3")],
    "one stale update cancels the puts before and after it": [
        _put("new-1", version=1),
        _update("old-1", 1),
        _put("new-2"),
    ],
    "a duplicate put cancels the update and the delete": [_update("old-1", 9), _put("old-2"), _delete("old-3")],
    "a failed condition check cancels the rest": [_put("new-1"), _check("missing"), _update("old-1", 9)],
    "two operations on one item are refused": [_put("new-1"), _update("old-1", 9), _delete("old-1")],
    "an unknown table cancels the transaction": [
        _put("new-1"),
        {"Delete": {"TableName": "nope", "Key": {"pk": {"S": "a"}}}},
    ],
    "101 items are refused": [_put(f"new-{number}") for number in range(101)],
    "100 items are taken": [_put(f"new-{number}") for number in range(100)],
    "ranged keys roll back too": [_ranged_put("a", "1"), _ranged_put("a", "2"), _update("old-1", 1)],
}


def _run(transact_items: list[dict[str, Any]]) -> tuple[Any, dict[str, list[dict[str, Any]]]]:
    """The transaction's answer (None or the error) and every table's items afterwards."""
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        dynamodb.create_table(
            TableName=TABLE,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        dynamodb.create_table(
            TableName=RANGED,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for key in ("old-1", "old-2", "old-3"):
            dynamodb.put_item(TableName=TABLE, Item={"pk": {"S": key}, "version": {"N": "3"}, "tags": {"SS": ["a"]}})
        dynamodb.put_item(TableName=RANGED, Item={"pk": {"S": "a"}, "sk": {"S": "2"}, "seen": {"BOOL": True}})
        try:
            dynamodb.transact_write_items(TransactItems=transact_items)
            answer: Any = None
        except ClientError as error:
            answer = {
                "code": error.response["Error"]["Code"],
                "message": error.response["Error"]["Message"],
                "reasons": error.response.get("CancellationReasons"),
            }
        tables = {name: sorted(dynamodb.scan(TableName=name)["Items"], key=repr) for name in (TABLE, RANGED)}
    return answer, tables


REFUSED_WHOLE: dict[str, list[dict[str, Any]]] = {
    # moto cancels this one with a KeyError reason for the item
    "a put without its key": [_update("old-1", 9), {"Put": {"TableName": TABLE, "Item": {"x": {"S": "1"}}}}],
    # moto keeps the put of new-1, written before it met the second item
    "two operations in one item": [_put("new-1"), _update("old-1", 9) | _delete("old-2")],
}
"""Requests DynamoDB refuses whole, with a ValidationException and nothing written, where moto does otherwise."""


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_answers_and_leaves_the_tables_as_moto_does(scenario: str) -> None:
    with item_level_rollback():
        ours = _run(SCENARIOS[scenario])
    assert ours == _run(SCENARIOS[scenario])


@pytest.mark.parametrize("scenario", REFUSED_WHOLE)
def test_an_invalid_request_is_refused_whole(scenario: str) -> None:
    _, untouched = _run([_check("old-1")])
    with item_level_rollback():
        answer, tables = _run(REFUSED_WHOLE[scenario])
    assert answer["code"] == "ValidationException"
    assert answer["reasons"] is None
    assert tables == untouched


def test_a_cancelled_transaction_writes_nothing_and_names_each_items_reason() -> None:
    with item_level_rollback():
        answer, tables = _run(SCENARIOS["one stale update cancels the puts before and after it"])
    assert answer["code"] == "TransactionCanceledException"
    assert [reason["Code"] for reason in answer["reasons"]] == ["None", "ConditionalCheckFailed", "None"]
    assert answer["reasons"][1]["Item"]["version"] == {"N": "3"}  # ALL_OLD: the item as it stood
    assert [item["pk"]["S"] for item in tables[TABLE]] == ["old-1", "old-2", "old-3"]
    assert all(item["version"] == {"N": "3"} for item in tables[TABLE])


def test_an_update_cancelled_after_it_ran_leaves_its_item_as_it_was() -> None:
    """The update of old-1 is applied before the put of old-2 fails: the copy taken before it is what stays."""
    with item_level_rollback():
        _, tables = _run(SCENARIOS["a duplicate put cancels the update and the delete"])
    old_1 = next(item for item in tables[TABLE] if item["pk"]["S"] == "old-1")
    assert old_1 == {"pk": {"S": "old-1"}, "version": {"N": "3"}, "tags": {"SS": ["a"]}}


def test_no_table_is_copied(monkeypatch: pytest.MonkeyPatch) -> None:
    copied: list[type] = []
    real_deepcopy: Callable[..., Any] = copy.deepcopy

    def spy(value: Any, *args: Any) -> Any:
        copied.append(type(value))
        return real_deepcopy(value, *args)

    monkeypatch.setattr(dynamodb_transactions.copy, "deepcopy", spy)
    with item_level_rollback():
        answer, _ = _run(SCENARIOS["one stale update cancels the puts before and after it"])
    assert answer["code"] == "TransactionCanceledException"
    assert copied  # the touched items were copied ...
    assert Table not in copied  # ... and no table
    _run(SCENARIOS["one stale update cancels the puts before and after it"])
    assert Table in copied  # where moto's own copies every table the transaction names
