"""The last applied version of each record, kept in DynamoDB, guarding against out-of-order deliveries."""

import time

from botocore.exceptions import ClientError

from sfbridge.adapters.aws import client

VERSION_RETENTION_SECONDS = 7 * 24 * 3600
"""Salesforce gives up on a message after 24 h, so an older version cannot arrive a week later."""


class RecordVersions:
    def __init__(self, table_name: str) -> None:
        self._table_name = table_name

    def advance(self, *, organization_id: str, record_id: str, version: str, notification_id: str) -> bool:
        """Record `version` unless a newer one was already applied; False means the notification is stale.

        Equal versions pass, so a notification whose processing failed half-way can be applied on retry.
        """
        try:
            client("dynamodb").update_item(
                TableName=self._table_name,
                Key={"pk": {"S": f"{organization_id}#{record_id}"}},
                UpdateExpression="SET #v = :v, notification_id = :n, expires_at = :e",
                ConditionExpression="attribute_not_exists(#v) OR #v <= :v",
                ExpressionAttributeNames={"#v": "version"},
                ExpressionAttributeValues={
                    ":v": {"S": version},
                    ":n": {"S": notification_id},
                    ":e": {"N": str(int(time.time()) + VERSION_RETENTION_SECONDS)},
                },
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                return False
            raise
        return True
