"""Receive one Outbound Message: check the sender, parse, store durably. The Ack is only earned by `store`."""

from dataclasses import dataclass

from lxml import etree

from sfbridge.adapters.endpoint_tokens import read_endpoint_tokens
from sfbridge.adapters.message_store import ClaimChecks, OutboundMessageStore
from sfbridge.domain.sender import OrganizationAllowlist, check_endpoint_token
from sfbridge.models.envelope import OutboundEnvelope, QueuedMessage
from sfbridge.receiver_config import OutboundReceiverSettings
from sfbridge.receiver_observability import logger
from sfbridge.soap.outbound import read_envelope, redact_session_id
from sfbridge.soap.parser import parse_xml


@dataclass(frozen=True, slots=True)
class Receipt:
    organization_id: str
    notification_count: int
    queue_message_id: str


@dataclass(frozen=True, slots=True)
class AcceptedMessage:
    """A message the receiver accepts: its checked envelope, and the bytes it stores (any SessionId blanked)."""

    organization_id: str
    envelope: OutboundEnvelope
    stored_body: bytes


def accept_outbound_message(body: bytes, *, token: str | None, settings: OutboundReceiverSettings) -> AcceptedMessage:
    """Every check the receiver makes before it stores a message; raises ClientError (or ServerError) otherwise."""
    _authenticate(token, settings)
    root = parse_xml(body, max_bytes=settings.max_body_bytes)
    envelope = read_envelope(root)
    organization_id = OrganizationAllowlist.from_csv(settings.allowed_organization_ids).check(envelope.organization_id)
    if redact_session_id(root):
        body = etree.tostring(root.getroottree(), encoding="UTF-8", xml_declaration=True)
    return AcceptedMessage(organization_id, envelope, body)


def receive_outbound_message(
    body: bytes, *, token: str | None, request_id: str, settings: OutboundReceiverSettings
) -> Receipt:
    """Validate and store one message; raises ClientError for the caller's faults and ServerError for ours."""
    accepted = accept_outbound_message(body, token=token, settings=settings)
    queued = QueuedMessage(
        organization_id=accepted.organization_id,
        action_id=accepted.envelope.action_id,
        notification_ids=tuple(notification.notification_id for notification in accepted.envelope.notifications),
        request_id=request_id,
        envelope=accepted.stored_body.decode(),
    )
    store = OutboundMessageStore(
        queue_url=settings.queue_url,
        claim_checks=ClaimChecks(settings.claim_check_bucket, warn=logger.warning),
        max_message_bytes=settings.max_queue_message_bytes,
    )
    message_id = store.store(queued)
    return Receipt(accepted.organization_id, len(accepted.envelope.notifications), message_id)


def _authenticate(token: str | None, settings: OutboundReceiverSettings) -> None:
    """The endpoint token, checked before the body is parsed: an unauthenticated caller never reaches the parser."""
    if settings.endpoint_token_secret is None:
        return  # the settings allow this only with ALLOW_UNAUTHENTICATED (AllowUnauthenticatedOutboundMessages)
    accepted = read_endpoint_tokens(settings.endpoint_token_secret, max_age=settings.endpoint_token_cache_seconds)
    check_endpoint_token(accepted, token)
