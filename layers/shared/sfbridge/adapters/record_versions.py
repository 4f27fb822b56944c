"""The last applied version of each record, kept in DynamoDB, guarding against out-of-order deliveries.

One version record per (organization, Outbound Message action, record, version field): two actions on the same
object (say, one sending SystemModstamp and one LastModifiedDate, or two actions fired by one save) never make
each other's notifications stale, and stamps of different fields are never compared.
"""

import time
from dataclasses import dataclass

from botocore.exceptions import ClientError

from sfbridge.adapters.aws import client
from sfbridge.domain.versions import RecordVersion


@dataclass(frozen=True, slots=True)
class VersionKey:
    organization_id: str
    action_id: str
    record_id: str
    field: str

    @property
    def pk(self) -> str:
        return f"{self.organization_id}#{self.action_id}#{self.record_id}#{self.field}"


class RecordVersions:
    def __init__(self, table_name: str, *, ttl_seconds: int) -> None:
        self._table_name = table_name
        self._ttl_seconds = ttl_seconds

    def advance(self, key: VersionKey, version: RecordVersion, *, notification_id: str) -> bool:
        """Record `version` unless a newer one was already applied; False means the notification is stale.

        Equal versions pass, so a notification whose processing failed half-way can be applied on retry.
        """
        try:
            client("dynamodb").update_item(
                TableName=self._table_name,
                Key={"pk": {"S": key.pk}},
                UpdateExpression="SET #v = :v, notification_id = :n, expires_at = :e",
                ConditionExpression="attribute_not_exists(#v) OR #v <= :v",
                ExpressionAttributeNames={"#v": "version"},
                ExpressionAttributeValues={
                    ":v": {"S": version.value},
                    ":n": {"S": notification_id},
                    ":e": {"N": str(int(time.time()) + self._ttl_seconds)},
                },
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True
