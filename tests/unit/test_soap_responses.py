"""The Ack Salesforce requires and the SOAP 1.1 faults for everything else."""

import pytest
from lxml import etree

from sfbridge.domain.sender import OrganizationAllowlist
from sfbridge.exceptions import ConfigurationError, EndpointTokensUnavailable, InvalidEnvelope, StoreUnavailable
from sfbridge.soap import responses
from sfbridge.soap.parser import parse_xml
from tests.support import ROOT

FAULT_CODE = (
    "{http://schemas.xmlsoap.org/soap/envelope/}Body/{http://schemas.xmlsoap.org/soap/envelope/}Fault/faultcode"
)
FAULT_STRING = FAULT_CODE.replace("faultcode", "faultstring")


def _canonical(data: bytes) -> bytes:
    return etree.tostring(parse_xml(data), method="c14n2", strip_text=True)


def test_ack_is_exactly_what_salesforce_expects():
    expected = (ROOT.parent / "shared" / "salesforce" / "ack.xml").read_bytes()

    assert _canonical(responses.ACK) == _canonical(expected)


def test_callers_fault_is_a_client_fault_naming_the_problem():
    body = responses.fault(InvalidEnvelope("SOAP Envelope has no Body"))

    root = parse_xml(body)
    assert root.findtext(FAULT_CODE) == "soapenv:Client"
    assert root.findtext(FAULT_STRING) == "SOAP Envelope has no Body"


def test_storage_failure_is_a_server_fault():
    root = parse_xml(responses.fault(StoreUnavailable("could not enqueue the Outbound Message")))

    assert root.findtext(FAULT_CODE) == "soapenv:Server"


def test_unexpected_error_is_a_server_fault_without_internal_details():
    root = parse_xml(responses.fault(KeyError("internal_table_name")))

    assert root.findtext(FAULT_CODE) == "soapenv:Server"
    assert "internal_table_name" not in root.findtext(FAULT_STRING)


def test_fault_reason_is_escaped_and_stays_well_formed():
    root = parse_xml(responses.fault(InvalidEnvelope("root element is <x> & \x00 friends")))

    assert root.findtext(FAULT_STRING) == "root element is <x> &   friends"


def test_configuration_error_fault_does_not_echo_the_configured_id():
    # Given an allowlist entry with a bad checksum: its refusal names the entry, for the log
    with pytest.raises(ConfigurationError) as refused:
        OrganizationAllowlist.from_csv("00DKb00000AbCdEXXX")
    assert "00DKb00000AbCdE" in str(refused.value)

    # When it is answered as a fault, Then Salesforce's delivery status page does not see it
    root = parse_xml(responses.fault(refused.value))
    assert root.findtext(FAULT_CODE) == "soapenv:Server"
    assert "00DKb00000AbCdE" not in root.findtext(FAULT_STRING)
    assert root.findtext(FAULT_STRING) == parse_xml(responses.fault(StoreUnavailable("x"))).findtext(FAULT_STRING)


@pytest.mark.parametrize(
    "error",
    [
        StoreUnavailable("queue https://sqs.us-east-1.amazonaws.com/123456789012/secret-queue refused"),
        EndpointTokensUnavailable("arn:aws:secretsmanager:us-east-1:123456789012:secret:tok"),
    ],
)
def test_server_fault_text_is_fixed_whatever_the_message(error):
    text = parse_xml(responses.fault(error)).findtext(FAULT_STRING)

    assert "123456789012" not in text
    assert "retry later" in text
