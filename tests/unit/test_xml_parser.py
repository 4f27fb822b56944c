"""The hardened parser: one test per guard, each with a hostile payload."""

import pytest
from lxml import etree

from sfbridge.exceptions import BodyTooLarge, EmptyBody, ForbiddenXmlConstruct, InvalidEncoding, MalformedXml
from sfbridge.soap.parser import parse_xml
from tests.support import load_body

XXE_FILE = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<r>&x;</r>"""
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<lolz>&lol3;</lolz>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE r SYSTEM "http://127.0.0.1:9/evil.dtd"><r/>"""
PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:9/p.dtd"> %p;]><r/>"""


def test_sample_outbound_message_parses():
    root = parse_xml(load_body("outbound_receiver/account-1"))

    assert etree.QName(root).localname == "Envelope"


@pytest.mark.parametrize(
    "payload",
    [XXE_FILE, BILLION_LAUGHS, EXTERNAL_DTD, PARAMETER_ENTITY],
    ids=["xxe", "laughs", "dtd", "param"],
)
def test_doctype_and_entities_are_refused_before_parsing(payload):
    with pytest.raises(ForbiddenXmlConstruct, match="DOCTYPE"):
        parse_xml(payload)


def test_entity_declaration_without_doctype_keyword_is_refused():
    with pytest.raises(ForbiddenXmlConstruct, match="ENTITY"):
        parse_xml(b"<r><!ENTITY x 'y'></r>")


def test_body_over_the_cap_is_refused_without_parsing():
    body = load_body("outbound_receiver/account-1")

    with pytest.raises(BodyTooLarge, match=f"body is {len(body)} bytes; the limit is 1000 bytes"):
        parse_xml(body, max_bytes=1000)


@pytest.mark.parametrize("payload", [b"", b"   \n\t "])
def test_empty_body_is_refused(payload):
    with pytest.raises(EmptyBody):
        parse_xml(payload)


def test_invalid_utf8_is_refused_with_its_offset():
    with pytest.raises(InvalidEncoding, match="byte offset 3"):
        parse_xml(b"<r>\xff\xfe</r>")


def test_declared_non_utf8_encoding_is_refused():
    with pytest.raises(InvalidEncoding, match="ISO-8859-1"):
        parse_xml(b'<?xml version="1.0" encoding="ISO-8859-1"?><r>caf</r>')


@pytest.mark.parametrize(
    "payload",
    [b"<a><b></a>", b"not xml at all", b'{"json": true}', load_body("outbound_receiver/account-1")[:-40]],
    ids=["mismatched", "text", "json", "truncated"],
)
def test_malformed_xml_is_refused(payload):
    with pytest.raises(MalformedXml, match="not well-formed"):
        parse_xml(payload)


def test_excessive_depth_is_refused():
    payload = b"<a>" * 5000 + b"</a>" * 5000

    with pytest.raises(MalformedXml):
        parse_xml(payload)


def test_xinclude_is_never_processed():
    payload = b'<r xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd"/></r>'

    root = parse_xml(payload)

    assert root[0].tag == "{http://www.w3.org/2001/XInclude}include"
    assert b"root:" not in etree.tostring(root)
