"""Outbound Messages from public repositories (events/real-om, SOURCES.md says where each comes from).

The seven genuine Salesforce messages are acked and applied end to end (receiver, queue, worker, bus). Every other
file is edited, redacted, truncated or made up: it gets a `soapenv:Client` fault, or an Ack where only an id's form
was edited, and then it is applied like any acked message. None is answered with a Server fault (our failure).
"""

import pytest

from localrun.stack import LocalStack
from sfbridge.soap.outbound import parse_outbound_message
from sfbridge.soap.responses import ACK
from tests.integration.conftest import BusTap
from tests.support import EVENTS, load_event, with_body

CORPUS = EVENTS / "real-om"
GENUINE = {
    "comsave-1": "00DD0000000muCUMAY",
    "ejangi-1": "00D7F00000107XsUAI",
    "fr8core-1": "00D610000007nIoEAI",
    "kvansaders-1": "00Dn00000008y2tEAA",
    "mulesoft-sfdc2db-account-1": "00Dd0000000dtDqEAI",
    "mulesoft-sfdc2sfdc-contact-1": "00D20000000nW7aEAE",
    "redhotpenguin-2": "00De0000000pmu1EAA",
}
OTHERS = sorted(path.stem for path in CORPUS.glob("*.xml") if path.stem not in GENUINE)
REQUEST = load_event("outbound_receiver/account-1")


@pytest.fixture
def stack_overrides() -> dict[str, str]:
    return {"AllowedOrganizationIds": ",".join(GENUINE.values())}


def _deliver(stack: LocalStack, name: str) -> tuple[dict, bytes]:
    body = (CORPUS / f"{name}.xml").read_bytes()
    response = stack.invoke("OutboundReceiverFunction", with_body(REQUEST, body))
    stack.drain()
    return response, body


def _applied(bus_tap: BusTap) -> list[str]:
    return sorted(event["detail"]["notificationId"] for event in bus_tap.events())


def _notification_ids(body: bytes) -> list[str]:
    return sorted(notification.notification_id for notification in parse_outbound_message(body).notifications)


def test_the_corpus_is_complete():
    assert len(list(CORPUS.glob("*.xml"))) == 21
    assert set(GENUINE) <= {path.stem for path in CORPUS.glob("*.xml")}


@pytest.mark.parametrize("name", sorted(GENUINE))
def test_genuine_message_is_acked_and_every_notification_applied(stack, bus_tap, name):
    response, body = _deliver(stack, name)
    events = bus_tap.events()

    assert response["statusCode"] == 200
    assert response["body"].encode() == ACK
    assert sorted(event["detail"]["notificationId"] for event in events) == _notification_ids(body)
    assert {event["detail"]["organizationId"] for event in events} == {GENUINE[name]}


@pytest.mark.parametrize("name", OTHERS)
def test_edited_message_gets_a_client_fault_or_an_ack_that_is_then_applied(stack, bus_tap, name):
    response, body = _deliver(stack, name)

    if response["statusCode"] == 200:
        assert response["body"].encode() == ACK
        assert _applied(bus_tap) == _notification_ids(body)
    else:
        assert response["statusCode"] == 500
        assert "<faultcode>soapenv:Client</faultcode>" in response["body"]
        assert bus_tap.events() == []
