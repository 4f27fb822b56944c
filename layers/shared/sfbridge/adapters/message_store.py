"""Durable storage for accepted Outbound Messages: SQS, with an S3 claim check when a message is too big.

Claim checks live under `CLAIM_CHECK_PREFIX`. The worker deletes one once every notification of its message is
applied; the bucket's lifecycle rule (horizon + 1 day) removes the rest, such as the claim check of an enqueue
whose outcome was unknown.
"""

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from sfbridge.adapters.aws import client
from sfbridge.exceptions import ServerError, StoreUnavailable
from sfbridge.models.envelope import QueuedMessage

if TYPE_CHECKING:  # the receiver writes `QueuedMessage` and never imports pydantic; the worker reads the model
    from sfbridge.models.outbound import QueuedOutboundMessage

CLAIM_CHECK_PREFIX = "outbound-messages/"


class ClaimCheckMissing(ServerError):
    """The queued message's claim check is gone: it was deleted after its message was applied, or expired."""


class ClaimChecks:
    """Envelopes too big for the queue, kept in S3 under a key the queue message carries."""

    def __init__(self, bucket: str, *, warn: Callable[..., None]) -> None:
        """`warn` is the caller's structured logger's `warning`: Powertools' in the worker, the receiver's own there."""
        self._bucket = bucket
        self._warn = warn

    def put(self, message: QueuedMessage) -> str:
        day = message.received_at.strftime("%Y/%m/%d")
        key = f"{CLAIM_CHECK_PREFIX}{message.organization_id}/{day}/{message.request_id or uuid.uuid4()}.xml"
        try:
            client("s3").put_object(
                Bucket=self._bucket,
                Key=key,
                Body=(message.envelope or "").encode(),
                ContentType="text/xml; charset=utf-8",
            )
        except (BotoCoreError, ClientError) as exc:
            raise StoreUnavailable("could not write the claim check for a large Outbound Message") from exc
        return key

    def delete(self, key: str, *, why: str) -> None:
        """Best effort: a claim check left behind is removed by the bucket's lifecycle rule."""
        try:
            client("s3").delete_object(Bucket=self._bucket, Key=key)
        except (BotoCoreError, ClientError) as exc:
            self._warn("claim check left for the lifecycle rule", s3_key=key, why=why, error_type=type(exc).__name__)

    def envelope(self, message: "QueuedOutboundMessage") -> bytes:
        """The envelope bytes of a queued message, inline or fetched from its claim check."""
        if message.envelope is not None:
            return message.envelope.encode()
        if message.envelope_s3_key is None:
            raise ValueError("queued message carries neither an envelope nor a claim check")
        try:
            response = client("s3").get_object(Bucket=self._bucket, Key=message.envelope_s3_key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") == "NoSuchKey":
                raise ClaimCheckMissing(f"claim check {message.envelope_s3_key} is gone") from exc
            raise
        return bytes(response["Body"].read())


class OutboundMessageStore:
    def __init__(self, *, queue_url: str, claim_checks: ClaimChecks, max_message_bytes: int) -> None:
        self._queue_url = queue_url
        self._claim_checks = claim_checks
        self._max_message_bytes = max_message_bytes

    def store(self, message: QueuedMessage) -> str:
        """Write the message durably and return the SQS message id; raise `StoreUnavailable` on any failure."""
        body = message.to_json()
        claim_key = None
        if len(body.encode()) > self._max_message_bytes:
            claim_key = self._claim_checks.put(message)
            body = message.as_claim_check(claim_key).to_json()
        try:
            response = client("sqs").send_message(QueueUrl=self._queue_url, MessageBody=body)
        except (BotoCoreError, ClientError) as exc:
            if claim_key and _certainly_refused(exc):
                # Not acknowledged and certainly not queued: Salesforce sends it again, so drop the orphan now.
                self._claim_checks.delete(claim_key, why="enqueue refused")
            raise StoreUnavailable("could not enqueue the Outbound Message") from exc
        return str(response["MessageId"])


def _certainly_refused(error: BotoCoreError | ClientError) -> bool:
    """True only when SQS answered every attempt and refused the message (an HTTP 4xx on a single attempt).

    A timeout or a dropped connection may come after SQS stored the message, and so may an earlier attempt that
    the SDK retried, or a 5xx: the queued message may then exist and need its claim check.
    """
    if not isinstance(error, ClientError):
        return False
    metadata = error.response.get("ResponseMetadata", {})
    status = int(metadata.get("HTTPStatusCode", 500))
    return 400 <= status < 500 and int(metadata.get("RetryAttempts", 0)) == 0
