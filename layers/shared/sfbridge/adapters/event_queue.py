"""The callout events queue: an accepted event is durable once SQS has it."""

from botocore.exceptions import BotoCoreError, ClientError

from sfbridge.adapters.aws import client
from sfbridge.exceptions import StoreUnavailable
from sfbridge.models.callouts import QueuedCalloutEvent


class CalloutEventQueue:
    def __init__(self, queue_url: str) -> None:
        self._queue_url = queue_url

    def enqueue(self, body: str, event: QueuedCalloutEvent) -> str:
        """Send the serialised event (`body`); return the SQS message id or raise `StoreUnavailable`."""
        try:
            response = client("sqs").send_message(
                QueueUrl=self._queue_url,
                MessageBody=body,
                MessageAttributes={"type": {"DataType": "String", "StringValue": event.type}},
            )
        except (BotoCoreError, ClientError) as exc:
            raise StoreUnavailable(f"could not enqueue the {event.type} event; it was not accepted") from exc
        return str(response["MessageId"])
