"""The project's one XML parser. Every byte of XML sfbridge reads goes through `parse_xml`.

Guards, in the order they run (each has a test with a hostile payload):
1. size cap, checked before any parsing;
2. strict UTF-8 (Salesforce only sends UTF-8; a declaration naming another encoding is refused too);
3. no DOCTYPE and no entity declarations at all: this closes XXE, billion laughs and external DTDs in one rule;
4. lxml with entity resolution, DTD loading and network access off, and libxml2's huge-tree limits on.
"""

import threading

from lxml import etree

from sfbridge.exceptions import BodyTooLarge, EmptyBody, ForbiddenXmlConstruct, InvalidEncoding, MalformedXml

DEFAULT_MAX_BYTES = 3 * 1024 * 1024
_FORBIDDEN_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
_local = threading.local()


def _hardened_parser() -> etree.XMLParser:
    # lxml parsers keep state while parsing, so each thread gets its own.
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            collect_ids=False,
        )
        _local.parser = parser
    return parser


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse untrusted XML bytes into an element tree, or raise an `XmlRejected` subclass."""
    if len(data) > max_bytes:
        raise BodyTooLarge(f"body is {len(data)} bytes; the limit is {max_bytes} bytes")
    if not data.strip():
        raise EmptyBody("body is empty; expected a SOAP 1.1 envelope")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidEncoding(f"body is not valid UTF-8 (byte offset {exc.start})") from exc
    for marker in _FORBIDDEN_MARKERS:
        if marker in data:
            raise ForbiddenXmlConstruct(f"{marker[2:].decode()} declarations are not allowed")
    try:
        root = etree.fromstring(data, parser=_hardened_parser())
    except etree.XMLSyntaxError as exc:
        raise MalformedXml(f"body is not well-formed XML: {exc.msg}") from exc
    encoding = root.getroottree().docinfo.encoding
    if encoding and encoding.upper().replace("_", "-") not in ("UTF-8", "UTF8"):
        raise InvalidEncoding(f"XML declaration names encoding {encoding!r}; only UTF-8 is accepted")
    return root
