"""The queue message the receiver writes (a dataclass, no pydantic) is what the worker's model reads."""

from datetime import UTC, datetime

from sfbridge.models.envelope import QueuedMessage
from sfbridge.models.outbound import QueuedOutboundMessage

RECEIVED_AT = datetime(2026, 11, 25, 9, 42, 10, 123456, tzinfo=UTC)


def _queued(**changes: object) -> QueuedMessage:
    fields: dict[str, object] = {
        "organization_id": "00DKb00000AbCdEMAV",
        "action_id": "04k5g0000000001AAA",
        "notification_ids": ("04l5g0000000500AAA", "04l5g0000000501AAA"),
        "request_id": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "envelope": "<Envelope>Kraków</Envelope>",
        "received_at": RECEIVED_AT,
    }
    return QueuedMessage(**{**fields, **changes})  # type: ignore[arg-type]


def test_worker_model_reads_every_field_the_receiver_writes():
    read = QueuedOutboundMessage.model_validate_json(_queued().to_json())

    assert read.organization_id == "00DKb00000AbCdEMAV"
    assert read.action_id == "04k5g0000000001AAA"
    assert read.notification_ids == ["04l5g0000000500AAA", "04l5g0000000501AAA"]
    assert read.request_id == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    assert read.envelope == "<Envelope>Kraków</Envelope>"
    assert read.envelope_s3_key is None
    assert read.received_at == RECEIVED_AT


def test_receiver_json_is_as_long_as_what_the_worker_model_writes():
    written = _queued().to_json()

    assert len(written.encode()) == len(
        QueuedOutboundMessage.model_validate_json(written).model_dump_json(exclude_none=True).encode()
    )


def test_claim_check_reference_carries_the_key_instead_of_the_envelope():
    read = QueuedOutboundMessage.model_validate_json(_queued().as_claim_check("outbound-messages/k.xml").to_json())

    assert read.envelope is None
    assert read.envelope_s3_key == "outbound-messages/k.xml"
