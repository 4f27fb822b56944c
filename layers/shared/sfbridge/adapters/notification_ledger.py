"""Which notifications were applied, and which record versions: batched DynamoDB reads and writes for the worker.

Dedupe records live in `IdempotencyTable` (key `id` = `outbound#<organization>#<notification id>`, TTL attribute
`expiration`): `INPROGRESS` while a worker applies the notification (a lock that lapses at `in_progress_expiry`,
epoch milliseconds, so a crashed worker never blocks a retry for long), then `COMPLETED`. Version records live in
`RecordVersionTable` (`sfbridge.adapters.record_versions`). One message of 100 notifications costs a handful of
calls: BatchGetItem (100 keys a call), TransactWriteItems (100 conditional writes a call), BatchWriteItem (25 a call).
"""

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from botocore.exceptions import ClientError

from sfbridge.adapters.aws import client

READ_BATCH: Final = 100
TRANSACTION_ITEMS: Final = 100
WRITE_BATCH: Final = 25
IN_PROGRESS: Final = "INPROGRESS"
COMPLETED: Final = "COMPLETED"
_CLAIMABLE: Final = "attribute_not_exists(id) OR (#s = :in_progress AND in_progress_expiry < :now_ms)"
_NEWER_OR_EQUAL: Final = "attribute_not_exists(#v) OR #v <= :v"


def dedupe_key(organization_id: str, notification_id: str) -> str:
    return f"outbound#{organization_id}#{notification_id}"


@dataclass(frozen=True, slots=True)
class DedupeState:
    status: str
    lock_expires_ms: int

    def is_locked(self, now_ms: int) -> bool:
        return self.status == IN_PROGRESS and self.lock_expires_ms >= now_ms


class NotificationLedger:
    def __init__(self, *, idempotency_table: str, version_table: str, ttl_seconds: int) -> None:
        self._idempotency_table = idempotency_table
        self._version_table = version_table
        self._ttl_seconds = ttl_seconds

    # ---------------------------------------------------------------- reads

    def dedupe_states(self, keys: Sequence[str]) -> dict[str, DedupeState]:
        items = self._batch_get(self._idempotency_table, "id", keys, ["id", "#s", "in_progress_expiry"])
        return {
            item["id"]["S"]: DedupeState(item["status"]["S"], int(item.get("in_progress_expiry", {}).get("N", "0")))
            for item in items
        }

    def versions(self, keys: Sequence[str]) -> dict[str, str]:
        items = self._batch_get(self._version_table, "pk", keys, ["pk", "#v"])
        return {item["pk"]["S"]: item["version"]["S"] for item in items if "version" in item}

    def _batch_get(self, table: str, key: str, keys: Sequence[str], projection: list[str]) -> list[dict[str, Any]]:
        names = {"#s": "status", "#v": "version"}
        wanted = {name: value for name, value in names.items() if name in projection}
        found: list[dict[str, Any]] = []
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), READ_BATCH):
            request: dict[str, Any] = {
                table: {
                    "Keys": [{key: {"S": value}} for value in unique[start : start + READ_BATCH]],
                    "ProjectionExpression": ", ".join(projection),
                    "ExpressionAttributeNames": wanted,
                }
            }
            while request:  # DynamoDB may leave keys unprocessed under load: ask again for those
                response = client("dynamodb").batch_get_item(RequestItems=request)
                found.extend(response.get("Responses", {}).get(table, []))
                request = response.get("UnprocessedKeys") or {}
        return found

    # ---------------------------------------------------------------- claims

    def claim_all(self, keys: Sequence[str], *, lock_ms: int) -> list[str]:
        """Lock the keys, 100 to a transaction; returns those of transactions cancelled because one was taken."""
        return self._transact({key: {"Put": self._claim_put(key, lock_ms)} for key in keys})

    def claim(self, key: str, *, lock_ms: int) -> bool:
        try:
            client("dynamodb").put_item(**self._claim_put(key, lock_ms))
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _claim_put(self, key: str, lock_ms: int) -> dict[str, Any]:
        now_ms = int(time.time() * 1000)
        return {
            "TableName": self._idempotency_table,
            "Item": {
                "id": {"S": key},
                "status": {"S": IN_PROGRESS},
                "expiration": {"N": str(int(time.time()) + self._ttl_seconds)},
                "in_progress_expiry": {"N": str(now_ms + lock_ms)},
            },
            "ConditionExpression": _CLAIMABLE,
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {":in_progress": {"S": IN_PROGRESS}, ":now_ms": {"N": str(now_ms)}},
        }

    # ---------------------------------------------------------------- versions

    def advance_all(self, versions: Mapping[str, tuple[str, str]]) -> list[str]:
        """Record each key's version (key -> (version, notification id)), 100 to a transaction; returns the keys
        of transactions cancelled because a newer version was there."""
        return self._transact({key: {"Update": self._advance(key, *value)} for key, value in versions.items()})

    def advance(self, key: str, version: str, notification_id: str) -> bool:
        try:
            client("dynamodb").update_item(**self._advance(key, version, notification_id))
        except ClientError as exc:
            if _code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def _advance(self, key: str, version: str, notification_id: str) -> dict[str, Any]:
        return {
            "TableName": self._version_table,
            "Key": {"pk": {"S": key}},
            "UpdateExpression": "SET #v = :v, notification_id = :n, expires_at = :e",
            "ConditionExpression": _NEWER_OR_EQUAL,
            "ExpressionAttributeNames": {"#v": "version"},
            "ExpressionAttributeValues": {
                ":v": {"S": version},
                ":n": {"S": notification_id},
                ":e": {"N": str(int(time.time()) + self._ttl_seconds)},
            },
        }

    # ---------------------------------------------------------------- completion

    def settle(self, *, completed: Mapping[str, str], released: Iterable[str]) -> None:
        """Mark `completed` keys (key -> outcome) done and drop the locks of `released` ones, so they can be retried."""
        expiration = str(int(time.time()) + self._ttl_seconds)
        requests: list[dict[str, Any]] = [
            {
                "PutRequest": {
                    "Item": {
                        "id": {"S": key},
                        "status": {"S": COMPLETED},
                        "outcome": {"S": outcome},
                        "expiration": {"N": expiration},
                    }
                }
            }
            for key, outcome in completed.items()
        ]
        requests += [{"DeleteRequest": {"Key": {"id": {"S": key}}}} for key in released]
        for start in range(0, len(requests), WRITE_BATCH):
            pending: dict[str, Any] = {self._idempotency_table: requests[start : start + WRITE_BATCH]}
            while pending:
                response = client("dynamodb").batch_write_item(RequestItems=pending)
                pending = response.get("UnprocessedItems") or {}

    def _transact(self, items: Mapping[str, dict[str, Any]]) -> list[str]:
        keys, cancelled = list(items), []
        for start in range(0, len(keys), TRANSACTION_ITEMS):
            chunk = keys[start : start + TRANSACTION_ITEMS]
            try:
                client("dynamodb").transact_write_items(TransactItems=[items[key] for key in chunk])
            except ClientError as exc:
                # Cancelled: a condition did not hold, or a concurrent transaction touched an item. The caller
                # handles those items one by one, which settles both cases; anything else is raised and retried.
                if _code(exc) != "TransactionCanceledException":
                    raise
                cancelled += chunk
        return cancelled


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
