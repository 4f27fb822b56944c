"""Outbound Messages through the local stack, as Salesforce would send them: HTTP in, SOAP out, events downstream."""

from typing import Any

import pytest

from sfbridge.soap.outbound import parse_outbound_message
from sfbridge.soap.responses import ACK
from tests.e2e.conftest import BusTap, HttpAnswer, LocalRun
from tests.support import SAMPLE_ORGANIZATION_ID, load_body, replace_once

pytestmark = pytest.mark.e2e

SALESFORCE_HEADERS = {"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'}


def post_outbound_message(local_run: LocalRun, body: bytes, path: str = "/outbound-messages") -> HttpAnswer:
    return local_run.request("POST", path, body, SALESFORCE_HEADERS)


def notification_ids(body: bytes) -> set[str]:
    return {notification.notification_id for notification in parse_outbound_message(body).notifications}


def events_for(events: list[dict[str, Any]], ids: set[str]) -> list[dict[str, Any]]:
    return [event for event in events if event["detail"].get("notificationId") in ids]


def assert_soap_client_fault(answer: HttpAnswer) -> None:
    assert answer.status == 500
    assert answer.headers["Content-Type"].startswith("text/xml")
    assert b"<faultcode>soapenv:Client</faultcode>" in answer.body
    assert b"<Ack>" not in answer.body


def test_outbound_message_is_acked_and_published_by_sobject_type(local_run: LocalRun, tap: BusTap) -> None:
    body = load_body("outbound_receiver/account-1")
    ids = notification_ids(body)

    answer = post_outbound_message(local_run, body)

    assert (answer.status, answer.body) == (200, ACK)
    assert answer.headers["Content-Type"].startswith("text/xml")
    (event,) = events_for(tap.wait_for(lambda events: bool(events_for(events, ids))), ids)
    assert event["detail-type"] == "Account"
    assert event["detail"]["organizationId"] == SAMPLE_ORGANIZATION_ID


def test_redelivered_message_is_acked_and_not_processed_twice(local_run: LocalRun, tap: BusTap) -> None:
    body = load_body("outbound_receiver/opportunity-3")
    ids = notification_ids(body)
    assert post_outbound_message(local_run, body).body == ACK
    tap.wait_for(lambda events: len(events_for(events, ids)) == len(ids))

    again = post_outbound_message(local_run, body)
    local_run.wait_until_idle()

    assert (again.status, again.body) == (200, ACK)
    published = events_for(tap.collect(), ids)
    assert sorted(event["detail"]["notificationId"] for event in published) == sorted(ids)
    assert {event["detail-type"] for event in published} == {"Opportunity"}


@pytest.mark.parametrize(
    "hostile_edit",
    [
        pytest.param((b"<soapenv:Envelope", b'<!DOCTYPE x [<!ENTITY e "e">]>\n<soapenv:Envelope'), id="doctype"),
        pytest.param((SAMPLE_ORGANIZATION_ID.encode(), b"00D000000000001AAA"), id="unknown-organization"),
    ],
)
def test_bad_input_gets_a_client_fault_and_nothing_downstream(
    local_run: LocalRun, tap: BusTap, hostile_edit: tuple[bytes, bytes]
) -> None:
    local_run.wait_until_idle()
    seen = len(tap.collect())

    answer = post_outbound_message(local_run, replace_once(load_body("outbound_receiver/account-1"), *hostile_edit))

    assert_soap_client_fault(answer)
    assert local_run.messages_in_sources(local_run.sqs()) == 0
    local_run.wait_until_idle()
    assert len(tap.collect()) == seen


def test_the_stage_prefix_of_deployed_urls_is_served(local_run: LocalRun) -> None:
    answer = post_outbound_message(
        local_run, load_body("outbound_receiver/account-1"), f"/{local_run.stage}/outbound-messages"
    )

    assert (answer.status, answer.body) == (200, ACK)


@pytest.mark.parametrize(("method", "path"), [("GET", "/outbound-messages"), ("POST", "/no-such-route")])
def test_unknown_routes_answer_like_api_gateway(local_run: LocalRun, method: str, path: str) -> None:
    answer = local_run.request(method, path, b"{}" if method == "POST" else b"")

    assert answer.status == 403
    assert answer.body == b'{"message": "Missing Authentication Token"}'
