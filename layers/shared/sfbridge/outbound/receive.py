"""Receive one Outbound Message: check the sender, parse, store durably. The Ack is only earned by `store`."""

from dataclasses import dataclass

from lxml import etree

from sfbridge.adapters.endpoint_tokens import read_endpoint_tokens
from sfbridge.adapters.message_store import ClaimChecks, OutboundMessageStore
from sfbridge.config import OutboundReceiverSettings
from sfbridge.domain.sender import OrganizationAllowlist, check_endpoint_token
from sfbridge.models.outbound import QueuedOutboundMessage
from sfbridge.soap.outbound import read_envelope, redact_session_id
from sfbridge.soap.parser import parse_xml


@dataclass(frozen=True, slots=True)
class Receipt:
    organization_id: str
    notification_count: int
    queue_message_id: str


def receive_outbound_message(
    body: bytes, *, token: str | None, request_id: str, settings: OutboundReceiverSettings
) -> Receipt:
    """Validate and store one message; raises ClientError for the caller's faults and ServerError for ours."""
    _authenticate(token, settings)
    envelope = parse_xml(body, max_bytes=settings.max_body_bytes)
    message = read_envelope(envelope)
    organization_id = OrganizationAllowlist.from_csv(settings.allowed_organization_ids).check(message.organization_id)
    if redact_session_id(envelope):
        body = etree.tostring(envelope.getroottree(), encoding="UTF-8", xml_declaration=True)
    queued = QueuedOutboundMessage(
        organization_id=organization_id,
        action_id=message.action_id,
        notification_ids=[notification.notification_id for notification in message.notifications],
        request_id=request_id,
        envelope=body.decode(),
    )
    store = OutboundMessageStore(
        queue_url=settings.queue_url,
        claim_checks=ClaimChecks(settings.claim_check_bucket),
        max_message_bytes=settings.max_queue_message_bytes,
    )
    message_id = store.store(queued)
    return Receipt(organization_id, len(message.notifications), message_id)


def _authenticate(token: str | None, settings: OutboundReceiverSettings) -> None:
    """The endpoint token, checked before the body is parsed: an unauthenticated caller never reaches the parser."""
    if settings.endpoint_token_secret is None:
        return  # the settings allow this only with ALLOW_UNAUTHENTICATED (AllowUnauthenticatedOutboundMessages)
    accepted = read_endpoint_tokens(settings.endpoint_token_secret, max_age=settings.endpoint_token_cache_seconds)
    check_endpoint_token(accepted, token)
