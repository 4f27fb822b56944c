"""One envelope contract: whatever the receiver accepts, the worker reads, with the same ids in the same order.

Hypothesis drives the generator of `fuzz.mutations` (valid messages with fresh ids, and mutations labelled with
what they must get) through the receiver's checks and the worker's full read.
"""

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz.mutations import INVALID, ORGANIZATION_ID, VALID, generate
from sfbridge.exceptions import ClientError
from sfbridge.outbound.receive import AcceptedMessage, accept_outbound_message
from sfbridge.receiver_config import OutboundReceiverSettings
from sfbridge.soap.outbound import parse_outbound_message

RECEIVER_SETTINGS = OutboundReceiverSettings.from_env(
    {
        "OUTBOUND_QUEUE_URL": "unused",
        "CLAIM_CHECK_BUCKET": "unused",
        "ALLOWED_ORGANIZATION_IDS": ORGANIZATION_ID,
        "ALLOW_UNAUTHENTICATED": "true",
    }
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(st.randoms(use_true_random=False))
def test_receiver_accepts_only_what_the_worker_reads_with_the_same_ids_in_the_same_order(rng: random.Random):
    case = generate(rng)

    accepted = _accepted_or_reason(case.body)

    if isinstance(accepted, str):
        assert case.expect != VALID, f"{case.mutation}: a valid message was refused: {accepted}"
        return
    message = parse_outbound_message(accepted.stored_body)

    assert case.expect != INVALID, f"{case.mutation}: an invalid message was accepted"
    assert [n.notification_id for n in message.notifications] == [
        n.notification_id for n in accepted.envelope.notifications
    ]
    assert [n.record_id for n in message.notifications] == [n.record_id for n in accepted.envelope.notifications]
    assert message.organization_id == accepted.organization_id
    assert message.action_id == accepted.envelope.action_id
    assert all(len(n.notification_id) == 18 for n in message.notifications)


def _accepted_or_reason(body: bytes) -> AcceptedMessage | str:
    try:
        return accept_outbound_message(body, token=None, settings=RECEIVER_SETTINGS)
    except ClientError as refused:
        return str(refused)
