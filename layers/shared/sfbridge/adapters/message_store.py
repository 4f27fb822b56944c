"""Durable storage for accepted Outbound Messages: SQS, with an S3 claim check when a message is too big."""

import uuid
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from sfbridge.adapters.aws import client
from sfbridge.exceptions import StoreUnavailable
from sfbridge.models.envelope import QueuedMessage
from sfbridge.observability import logger

if TYPE_CHECKING:  # the receiver writes `QueuedMessage` and never imports pydantic; the worker reads the model
    from sfbridge.models.outbound import QueuedOutboundMessage


class ClaimChecks:
    """Envelopes too big for the queue, kept in S3 under a key the queue message carries."""

    def __init__(self, bucket: str) -> None:
        self._bucket = bucket

    def put(self, message: QueuedMessage) -> str:
        day = message.received_at.strftime("%Y/%m/%d")
        key = f"outbound-messages/{message.organization_id}/{day}/{message.request_id or uuid.uuid4()}.xml"
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

    def discard(self, key: str) -> None:
        # Not acknowledged, so Salesforce will send it again: drop the orphan rather than leave it half-written.
        try:
            client("s3").delete_object(Bucket=self._bucket, Key=key)
        except (BotoCoreError, ClientError):
            logger.warning("claim check left behind after enqueue failure", s3_key=key)

    def envelope(self, message: "QueuedOutboundMessage") -> bytes:
        """The envelope bytes of a queued message, inline or fetched from its claim check."""
        if message.envelope is not None:
            return message.envelope.encode()
        if message.envelope_s3_key is None:
            raise ValueError("queued message carries neither an envelope nor a claim check")
        response = client("s3").get_object(Bucket=self._bucket, Key=message.envelope_s3_key)
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
            if claim_key:
                self._claim_checks.discard(claim_key)
            raise StoreUnavailable("could not enqueue the Outbound Message") from exc
        return str(response["MessageId"])
