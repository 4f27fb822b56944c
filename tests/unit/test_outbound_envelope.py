"""Reading Outbound Message envelopes: typed models, and a clear refusal for everything Salesforce never sends."""

import re

import pytest
from lxml import etree

from sfbridge.exceptions import InvalidEnvelope
from sfbridge.soap.outbound import parse_outbound_message, read_envelope, redact_session_id
from sfbridge.soap.parser import parse_xml
from tests.support import (
    SAMPLE_ORGANIZATION_ID,
    load_body,
    replace_once,
    with_one_notification_too_many,
    without_element,
)

ACCOUNT = load_body("outbound_receiver/account-1")
OPPORTUNITIES = load_body("outbound_receiver/opportunity-3")
BATCH = load_body("outbound_receiver/batch-100")


def test_account_notification_is_read_into_typed_fields():
    message = parse_outbound_message(ACCOUNT)

    assert message.organization_id == SAMPLE_ORGANIZATION_ID
    assert message.action_id == "04k5g0000000001AAA"
    assert message.session_id is None
    [notification] = message.notifications
    assert notification.notification_id == "04l5g0000000500AAA"
    assert notification.sobject_type == "Account"
    assert notification.record_id == "0015g0000000500AAA"
    assert notification.fields["BillingStreet"] == "500 Main St & Co <Suite 500>"
    assert notification.fields["BillingCity"] == "Kraków"
    assert notification.fields["Name"] == 'Acme 500 "Holdings" AG'


def test_nil_field_becomes_none_and_custom_field_is_kept():
    [notification] = parse_outbound_message(ACCOUNT).notifications

    assert "Description" in notification.fields
    assert notification.fields["Description"] is None
    assert notification.fields["Credit_Limit__c"] == "960437.5"


def test_unknown_and_namespaced_fields_are_kept():
    notification = parse_outbound_message(BATCH).notifications[7]

    assert notification.fields["acme__Margin__c"] == "0.07"
    assert notification.fields["Region__c"] == "EMEA"


def test_id_only_notification_carries_only_its_id():
    id_only = parse_outbound_message(OPPORTUNITIES).notifications[2]

    assert id_only.fields == {"Id": "0065g0000000002AAA"}
    assert id_only.is_id_only
    assert id_only.record_version is None


def test_record_version_prefers_system_modstamp_then_last_modified_date():
    first = parse_outbound_message(OPPORTUNITIES).notifications[0]
    without_modstamp = parse_outbound_message(
        replace_once(OPPORTUNITIES, b"<sf:SystemModstamp>2026-11-22T14:00:02.000Z</sf:SystemModstamp>", b"")
    ).notifications[0]

    assert first.record_version == "2026-11-22T14:00:02.000Z"
    assert without_modstamp.record_version == "2026-11-22T14:00:00.000Z"


def test_envelope_check_and_full_read_agree():
    envelope = read_envelope(parse_xml(BATCH))
    message = parse_outbound_message(BATCH)

    assert len(envelope.notifications) == 100
    assert [(n.notification_id, n.sobject_type) for n in envelope.notifications] == [
        (n.notification_id, n.sobject_type) for n in message.notifications
    ]


def test_elements_are_matched_by_namespace_not_by_prefix():
    renamed = (
        ACCOUNT.replace(b"soapenv:", b"S:")
        .replace(b"xmlns:soapenv=", b"xmlns:S=")
        .replace(
            b'xsi:type="sf:Account"',
            b'xsi:type="acct:Account" xmlns:acct="urn:sobject.enterprise.soap.sforce.com"',
        )
        .replace(b"sf:", b"q:")
        .replace(b"xmlns:sf=", b"xmlns:q=")
    )

    [notification] = parse_outbound_message(renamed).notifications

    assert notification.sobject_type == "Account"
    assert notification.fields == parse_outbound_message(ACCOUNT).notifications[0].fields


def test_session_id_is_held_as_a_secret_and_redacted_from_the_stored_envelope():
    with_session = replace_once(
        ACCOUNT, b'<SessionId xsi:nil="true"/>', b"<SessionId>00Dxx!AQ0AQSecretToken</SessionId>"
    )
    root = parse_xml(with_session)

    envelope = read_envelope(root)
    message = parse_outbound_message(with_session)
    redacted = redact_session_id(root)

    assert envelope.session_id == "00Dxx!AQ0AQSecretToken"
    assert "SecretToken" not in repr(envelope)
    assert message.session_id is not None
    assert message.session_id.get_secret_value() == "00Dxx!AQ0AQSecretToken"
    assert "SecretToken" not in repr(message)
    assert "SecretToken" not in message.model_dump_json()
    assert redacted
    assert read_envelope(root).session_id is None


def test_every_session_id_is_redacted_with_all_of_its_text():
    split = replace_once(
        ACCOUNT, b'<SessionId xsi:nil="true"/>', b"<SessionId>00Dxx!AQ0<b>inner</b>SecretTail</SessionId>"
    )
    # A second SessionId, in the outbound namespace, among the record's fields.
    body = replace_once(split, b"</sObject>", b"<SessionId>SecondSecret</SessionId></sObject>")
    root = parse_xml(body)

    assert redact_session_id(root)

    stored = etree.tostring(root)
    for secret in (b"00Dxx", b"inner", b"SecretTail", b"SecondSecret"):
        assert secret not in stored
    assert parse_outbound_message(stored).notifications[0].fields["SessionId"] is None


def test_nil_session_id_needs_no_redaction():
    assert not redact_session_id(parse_xml(ACCOUNT))


def _with_second_sobject_moved_into_the_first() -> bytes:
    second = OPPORTUNITIES.index(b"<sObject", OPPORTUNITIES.index(b"<Id>04l5g0000000001AAA</Id>"))
    end = OPPORTUNITIES.index(b"</sObject>", second) + len(b"</sObject>")
    sobject, rest = OPPORTUNITIES[second:end], OPPORTUNITIES[:second] + OPPORTUNITIES[end:]
    first_end = rest.index(b"</sObject>") + len(b"</sObject>")
    return rest[:first_end] + sobject + rest[first_end:]


BAD_ENVELOPES = {
    "soap12": (
        ACCOUNT.replace(b"http://schemas.xmlsoap.org/soap/envelope/", b"http://www.w3.org/2003/05/soap-envelope"),
        "SOAP 1.2 envelope",
    ),
    "not-an-envelope": (
        b"<notifications xmlns='http://soap.sforce.com/2005/09/outbound'/>",
        "expected a SOAP 1.1 Envelope",
    ),
    "no-body": (b"<e:Envelope xmlns:e='http://schemas.xmlsoap.org/soap/envelope/'/>", "has no Body"),
    "empty-body": (
        b"<e:Envelope xmlns:e='http://schemas.xmlsoap.org/soap/envelope/'><e:Body/></e:Envelope>",
        "Body is empty",
    ),
    "wrong-namespace": (
        ACCOUNT.replace(b"http://soap.sforce.com/2005/09/outbound", b"http://soap.sforce.com/2006/04/metadata"),
        "expected {http://soap.sforce.com/2005/09/outbound}notifications",
    ),
    "no-organization": (
        replace_once(ACCOUNT, b"<OrganizationId>00DKb00000AbCdEMAV</OrganizationId>", b""),
        "no OrganizationId",
    ),
    "blank-organization": (
        replace_once(ACCOUNT, b"00DKb00000AbCdEMAV</Org", b"  </Org"),
        "no OrganizationId",
    ),
    "no-action": (replace_once(ACCOUNT, b"<ActionId>04k5g0000000001AAA</ActionId>", b""), "no ActionId"),
    "no-notifications": (
        without_element(ACCOUNT, b"<Notification>", b"</Notification>"),
        "no Notification element",
    ),
    "notification-without-id": (
        replace_once(ACCOUNT, b"<Id>04l5g0000000500AAA</Id>", b""),
        "Notification 1 has no Id",
    ),
    "notification-without-sobject": (
        without_element(ACCOUNT, b"<sObject", b"</sObject>"),
        "Notification 1 has no sObject",
    ),
    "sobject-without-type": (replace_once(ACCOUNT, b' xsi:type="sf:Account"', b""), "has no xsi:type"),
    "type-in-foreign-namespace": (
        replace_once(ACCOUNT, b'xsi:type="sf:Account"', b'xsi:type="xsd:string"'),
        "is not a type in urn:sobject.enterprise.soap.sforce.com",
    ),
    # Issue 13, case 1: a nil Id is no Id, whatever text it holds.
    "nil-notification-id": (
        replace_once(ACCOUNT, b"<Id>04l5g0000000500AAA</Id>", b'<Id xsi:nil="true">04l5g0000000500AAA</Id>'),
        "Notification 1 has no Id (xsi:nil)",
    ),
    # Issue 13, case 2: counts per Notification, not in total.
    "id-moved-to-another-notification": (
        replace_once(
            replace_once(OPPORTUNITIES, b"<Id>04l5g0000000001AAA</Id>", b""),
            b"<Id>04l5g0000000000AAA</Id>",
            b"<Id>04l5g0000000000AAA</Id><Id>04l5g0000000001AAA</Id>",
        ),
        "Notification 1 holds 2 Id elements; expected one",
    ),
    "sobject-moved-to-another-notification": (
        _with_second_sobject_moved_into_the_first(),
        "Notification 1 holds 2 sObject elements; expected one",
    ),
    "duplicated-id": (
        replace_once(ACCOUNT, b"<Id>04l5g0000000500AAA</Id>", b"<Id>04l5g0000000500AAA</Id>" * 2),
        "Notification 1 holds 2 Id elements; expected one",
    ),
    "id-split-by-an-element": (
        replace_once(ACCOUNT, b"<Id>04l5g0000000500AAA</Id>", b"<Id>04l5g0<b/>000000500AAA</Id>"),
        "Notification 1: Id holds an element; expected a Salesforce ID as text",
    ),
    "repeated-notification-id": (
        replace_once(OPPORTUNITIES, b"<Id>04l5g0000000001AAA</Id>", b"<Id>04l5g0000000000</Id>"),
        "Notification 2 repeats the Id of Notification 1",
    ),
    "unexpected-element-in-notification": (
        replace_once(ACCOUNT, b"<Id>04l5g0000000500AAA</Id>", b"<Id>04l5g0000000500AAA</Id><Note>x</Note>"),
        "Notification 1 holds an unexpected element Note",
    ),
    "header-after-notification": (
        replace_once(ACCOUNT, b"</notifications>", b"<ActionId>04k5g0000000001AAA</ActionId></notifications>"),
        "ActionId follows a Notification",
    ),
    "two-organization-ids": (
        replace_once(ACCOUNT, b"<ActionId>", b"<OrganizationId>00DKb00000AbCdEMAV</OrganizationId><ActionId>"),
        "notifications holds more than one OrganizationId",
    ),
    "two-record-id-fields": (
        replace_once(ACCOUNT, b"<sf:Id>0015g0000000500AAA</sf:Id>", b"<sf:Id>0015g0000000500AAA</sf:Id>" * 2),
        "Notification 1: sObject holds 2 Id fields",
    ),
    # Issue 13, case 3: every id is a Salesforce id of the right kind.
    "notification-id-of-256-kib": (
        replace_once(ACCOUNT, b"<Id>04l5g0000000500AAA</Id>", b"<Id>04l" + b"A" * 262_144 + b"</Id>"),
        "Notification 1: Id is not a Salesforce ID",
    ),
    "action-id-of-256-kib": (
        replace_once(ACCOUNT, b"04k5g0000000001AAA</ActionId>", b"04k" + b"A" * 262_144 + b"</ActionId>"),
        "notifications: ActionId is not a Salesforce ID",
    ),
    "notification-id-with-a-wrong-checksum": (
        replace_once(ACCOUNT, b"<Id>04l5g0000000500AAA</Id>", b"<Id>04l5g0000000500AAB</Id>"),
        "Notification 1: Id is not a Salesforce ID: '04l5g0000000500AAB' has checksum 'AAB'; expected 'AAA'",
    ),
    "record-id-as-notification-id": (
        replace_once(ACCOUNT, b"<Id>04l5g0000000500AAA</Id>", b"<Id>0015g0000000500AAA</Id>"),
        "Notification 1: Id 0015g0000000500AAA does not start with 04l",
    ),
    "action-id-of-another-kind": (
        replace_once(ACCOUNT, b"04k5g0000000001AAA</ActionId>", b"04l5g0000000001AAA</ActionId>"),
        "notifications: ActionId 04l5g0000000001AAA does not start with 04k",
    ),
    "organization-id-of-another-kind": (
        replace_once(ACCOUNT, b"00DKb00000AbCdEMAV</Org", b"0015g0000000500AAA</Org"),
        "notifications: OrganizationId 0015g0000000500AAA does not start with 00D",
    ),
    "record-id-with-a-wrong-checksum": (
        replace_once(ACCOUNT, b"<sf:Id>0015g0000000500AAA</sf:Id>", b"<sf:Id>0015g0000000500AAZ</sf:Id>"),
        "Notification 1: sObject: Id is not a Salesforce ID",
    ),
    "nil-record-id": (
        replace_once(ACCOUNT, b"<sf:Id>0015g0000000500AAA</sf:Id>", b'<sf:Id xsi:nil="true"/>'),
        "Notification 1: sObject has no Id (xsi:nil)",
    ),
}


@pytest.mark.parametrize(("body", "reason"), BAD_ENVELOPES.values(), ids=BAD_ENVELOPES.keys())
def test_invalid_envelope_is_refused_with_its_reason(body, reason):
    with pytest.raises(InvalidEnvelope, match=re.escape(reason)):
        read_envelope(parse_xml(body))
    with pytest.raises(InvalidEnvelope):
        parse_outbound_message(body)


def test_more_notifications_than_salesforce_sends_are_refused():
    with pytest.raises(InvalidEnvelope, match="101 Notification elements; Salesforce sends at most 100"):
        read_envelope(parse_xml(with_one_notification_too_many()))


def test_ids_are_normalized_to_18_characters_in_both_reads_alike():
    short = (
        replace_once(OPPORTUNITIES, b"<Id>04l5g0000000001AAA</Id>", b"<Id>04l5g0000000001</Id>")
        .replace(b"00DKb00000AbCdEMAV</Org", b"00DKb00000AbCdE</Org")
        .replace(b"04k5g0000000001AAA</Act", b"04k5g0000000001</Act")
        .replace(b"<sf:Id>0065g0000000001AAA</sf:Id>", b"<sf:Id>0065g0000000001</sf:Id>")
    )

    envelope = read_envelope(parse_xml(short))
    message = parse_outbound_message(short)

    assert envelope.organization_id == message.organization_id == SAMPLE_ORGANIZATION_ID
    assert envelope.action_id == message.action_id == "04k5g0000000001AAA"
    assert [n.notification_id for n in envelope.notifications] == [n.notification_id for n in message.notifications]
    assert message.notifications[1].notification_id == "04l5g0000000001AAA"
    assert envelope.notifications[1].record_id == message.notifications[1].record_id == "0065g0000000001AAA"
    assert message.notifications[1].fields["Id"] == "0065g0000000001"


def test_lower_case_checksum_is_accepted_and_normalized():
    body = replace_once(ACCOUNT, b"<Id>04l5g0000000500AAA</Id>", b"<Id>04l5g0000000500aaa</Id>")

    [notification] = parse_outbound_message(body).notifications

    assert notification.notification_id == "04l5g0000000500AAA"


def test_sobject_before_id_is_read_like_salesforce_order():
    start = ACCOUNT.index(b"<sObject")
    end = ACCOUNT.index(b"</sObject>") + len(b"</sObject>")
    swapped = replace_once(
        ACCOUNT[:start] + ACCOUNT[end:],
        b"<Id>04l5g0000000500AAA</Id>",
        ACCOUNT[start:end] + b"<Id>04l5g0000000500AAA</Id>",
    )

    [notification] = parse_outbound_message(swapped).notifications

    assert notification.notification_id == "04l5g0000000500AAA"
    assert notification.record_id == "0015g0000000500AAA"
    assert notification.fields == parse_outbound_message(ACCOUNT).notifications[0].fields
