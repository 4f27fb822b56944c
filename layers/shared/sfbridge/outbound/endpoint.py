"""The HTTP face of `POST /outbound-messages`: API Gateway proxy event in, Ack or SOAP Fault out."""

import base64
import binascii
from typing import Any

from sfbridge.exceptions import InvalidEncoding, SfbridgeError
from sfbridge.outbound.receive import receive_outbound_message
from sfbridge.receiver_config import OutboundReceiverSettings
from sfbridge.receiver_observability import logger, metrics
from sfbridge.soap import responses


def answer_outbound_message(event: dict[str, Any]) -> dict[str, Any]:
    """Turn one API Gateway REST proxy event into the response Salesforce needs."""
    metrics.add_metric(name="MessagesReceived", unit="Count", value=1)
    try:
        receipt = receive_outbound_message(
            _body_bytes(event),
            token=(event.get("queryStringParameters") or {}).get("token"),
            request_id=str((event.get("requestContext") or {}).get("requestId", "")),
            settings=OutboundReceiverSettings.from_env(),
        )
    except SfbridgeError as error:
        return _fault(error)
    except Exception as error:  # a bug must still be answered with a Server fault, never an Ack
        logger.exception("unexpected failure while receiving an Outbound Message")
        return _fault(error)
    metrics.add_metric(name="NotificationsAccepted", unit="Count", value=receipt.notification_count)
    logger.info(
        "outbound message stored",
        organization_id=receipt.organization_id,
        notification_count=receipt.notification_count,
        queue_message_id=receipt.queue_message_id,
    )
    return _response(200, responses.ACK)


def _body_bytes(event: dict[str, Any]) -> bytes:
    body = event.get("body") or ""
    if not event.get("isBase64Encoded"):
        return str(body).encode()
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidEncoding("body is flagged base64 but does not decode") from exc


def _fault(error: BaseException) -> dict[str, Any]:
    code = responses.fault_code(error)
    metrics.add_metric(name=f"{code}Faults", unit="Count", value=1)
    log = logger.warning if code == "Client" else logger.error
    log("outbound message refused", fault_code=code, reason=str(error), error_type=type(error).__name__)
    return _response(responses.FAULT_HTTP_STATUS, responses.fault(error))


def _response(status: int, body: bytes) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": responses.CONTENT_TYPE},
        "body": body.decode(),
        "isBase64Encoded": False,
    }
