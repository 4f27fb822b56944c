"""The hardened parser: one test per guard, each with a hostile payload."""

import codecs
import contextlib
import os
import threading

import pytest
from lxml import etree

from sfbridge.exceptions import BodyTooLarge, EmptyBody, ForbiddenXmlConstruct, InvalidEncoding, MalformedXml
from sfbridge.soap.parser import FORBIDDEN_CONSTRUCT, RefuseExternalResources, hardened_parser, parse_xml
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


# ---- Issue 9, the XML guard: other encodings, external DTDs, and one text for every refusal of that kind.

DECLARED_UTF8 = b'<?xml version="1.0" encoding="UTF-8"?>'


def _in_encoding(codec: str, bom: bool, payload: bytes = b"") -> bytes:
    """The Account sample (plus `payload` before its root) re-encoded, with or without a byte-order mark."""
    body = load_body("outbound_receiver/account-1").replace(DECLARED_UTF8, payload).decode()
    encoded = body.encode(codec)
    marks = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE, "utf-32-le": codecs.BOM_UTF32_LE}
    marks["utf-32-be"] = codecs.BOM_UTF32_BE
    return (marks[codec] if bom else b"") + encoded


@pytest.mark.parametrize("bom", [True, False], ids=["bom", "no-bom"])
@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"])
def test_utf16_and_utf32_bodies_are_refused_before_parsing(codec, bom):
    body = _in_encoding(codec, bom, b'<!DOCTYPE r SYSTEM "/etc/passwd">')

    with pytest.raises(InvalidEncoding, match=r"only UTF-8 is accepted|not valid UTF-8"):
        parse_xml(body)


def test_nul_byte_is_refused_with_its_offset():
    with pytest.raises(InvalidEncoding, match="NUL byte \\(byte offset 3\\)"):
        parse_xml(b"<r>\x00</r>")


def test_declaration_naming_another_encoding_is_refused_even_after_a_utf8_bom():
    # Issue 13, case 4: libxml2 lets the byte-order mark win; the declaration still names ISO-8859-1.
    body = codecs.BOM_UTF8 + load_body("outbound_receiver/account-1").replace(
        DECLARED_UTF8, b'<?xml version="1.0" encoding="ISO-8859-1"?>'
    )

    with pytest.raises(InvalidEncoding, match="'ISO-8859-1'; only UTF-8 is accepted"):
        parse_xml(body)


def test_utf8_bom_with_a_utf8_declaration_is_accepted():
    root = parse_xml(codecs.BOM_UTF8 + load_body("outbound_receiver/account-1"))

    assert etree.QName(root).localname == "Envelope"


@pytest.fixture
def dtd_file(tmp_path):
    path = tmp_path / "secret.dtd"
    path.write_text('<!ENTITY secret "LEAKED">')
    return path


def _doctypes(existing, missing):
    return [
        f'<!DOCTYPE r SYSTEM "{existing}"><r>&secret;</r>',
        f'<!DOCTYPE r SYSTEM "{missing}"><r>&secret;</r>',
        f'<!DOCTYPE r PUBLIC "-//Acme//DTD r//EN" "{existing}"><r>&secret;</r>',
        f'<!DOCTYPE r PUBLIC "-//Acme//DTD r//EN" "{missing}"><r>&secret;</r>',
        f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{existing}"> %p;]><r>&secret;</r>',
        f'<!DOCTYPE r [<!ENTITY % p SYSTEM "{missing}"> %p;]><r>&secret;</r>',
    ]


def test_dtds_to_existing_and_missing_files_get_one_and_the_same_fault_text(dtd_file, tmp_path):
    texts = set()
    for document in _doctypes(dtd_file, tmp_path / "missing.dtd"):
        with pytest.raises(ForbiddenXmlConstruct) as refused:
            parse_xml(document.encode())
        texts.add(str(refused.value))

    assert texts == {FORBIDDEN_CONSTRUCT}


def test_resolver_refuses_existing_and_missing_files_alike_without_reading_them(dtd_file, tmp_path):
    # A parser that would load DTDs, with the project's resolver: what libxml2 asks for is never opened.
    loading = etree.XMLParser(load_dtd=True, resolve_entities=True, no_network=True)
    loading.resolvers.add(RefuseExternalResources())
    texts = set()
    for document in _doctypes(dtd_file, tmp_path / "missing.dtd"):
        with pytest.raises(ForbiddenXmlConstruct) as refused:
            etree.fromstring(document.encode(), parser=loading)
        texts.add(str(refused.value))

    assert texts == {FORBIDDEN_CONSTRUCT}


def _finishes_within(seconds: float, call):
    """Run `call` in a daemon thread; return (finished, outcome)."""
    outcome: list[object] = []

    def run():
        try:
            outcome.append(call())
        except Exception as exc:
            outcome.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    return not worker.is_alive(), outcome


@pytest.fixture
def fifo(tmp_path):
    path = tmp_path / "pipe"
    os.mkfifo(path)
    yield path
    # Release a reader still blocked on the pipe (only if a guard failed), so the test run can end.
    with contextlib.suppress(OSError):
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-32-be"])
def test_dtd_naming_a_fifo_in_another_encoding_is_refused_without_hanging(fifo, codec):
    body = _in_encoding(codec, False, f'<!DOCTYPE r SYSTEM "{fifo}">'.encode())

    finished, outcome = _finishes_within(5, lambda: parse_xml(body))

    assert finished, "the parse blocked on the FIFO"
    assert isinstance(outcome[0], InvalidEncoding)


def test_hardened_parser_never_opens_an_external_dtd_even_past_the_byte_guards(fifo):
    # libxml2 loads the external DTD of a document parsed with collect_ids=False, even with load_dtd=False.
    finished, outcome = _finishes_within(
        5, lambda: etree.fromstring(f'<!DOCTYPE r SYSTEM "{fifo}"><r/>'.encode(), parser=hardened_parser())
    )

    assert finished, "the parse blocked on the FIFO"
    assert not isinstance(outcome[0], Exception) or isinstance(outcome[0], ForbiddenXmlConstruct)
