"""The project's one XML parser. Every byte of XML sfbridge reads goes through `parse_xml`.

Guards, in the order they run (each has a test with a hostile payload):
1. size cap, checked before any parsing;
2. UTF-8 and nothing else: no NUL byte (UTF-16 and UTF-32 without a byte-order mark are valid UTF-8 byte for byte,
   NULs included, and would hide a `<!DOCTYPE` from guard 3), strict decoding, and an XML declaration, read from
   the bytes themselves, that names no other encoding (a byte-order mark must not decide it);
3. no DOCTYPE and no entity declarations at all: this closes XXE, billion laughs and external DTDs in one rule;
4. lxml with entity resolution, DTD loading and network access off, huge-tree limits on, and a resolver that
   resolves nothing: should libxml2 still ask for an external resource, the parse is refused without opening it.

Every refusal of guards 3 and 4 has one text, so a fault never tells whether a file exists.
"""

import re
import threading
from typing import Any

from lxml import etree

from sfbridge.exceptions import BodyTooLarge, EmptyBody, ForbiddenXmlConstruct, InvalidEncoding, MalformedXml

DEFAULT_MAX_BYTES = 3 * 1024 * 1024
FORBIDDEN_CONSTRUCT = "body may carry no DOCTYPE, ENTITY declaration or external reference"
_FORBIDDEN_MARKERS = (b"<!DOCTYPE", b"<!ENTITY")
# The declaration is ASCII by definition; read its encoding pseudo-attribute before any decoder sees the body.
_DECLARED_ENCODING = re.compile(rb"\A(?:\xef\xbb\xbf)?<\?xml\s[^>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']")
_local = threading.local()


class RefuseExternalResources(etree.Resolver):
    """Answers every request for an external resource (DTD, entity, XInclude) with a refusal, never a file."""

    # lxml calls resolve(url, public_id, context); lxml-stubs leave out the context.
    def resolve(self, system_url: str | None, public_id: str | None, context: Any) -> Any:  # type: ignore[override]
        raise ForbiddenXmlConstruct(FORBIDDEN_CONSTRUCT)


def hardened_parser() -> etree.XMLParser:
    """This thread's parser: lxml parsers keep state while parsing, so each thread gets its own."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            attribute_defaults=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
            # collect_ids=False makes libxml2 load an external DTD even with load_dtd=False; keep the default.
            collect_ids=True,
        )
        parser.resolvers.add(RefuseExternalResources())
        _local.parser = parser
    return parser


def parse_xml(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """Parse untrusted XML bytes into an element tree, or raise an `XmlRejected` subclass."""
    if len(data) > max_bytes:
        raise BodyTooLarge(f"body is {len(data)} bytes; the limit is {max_bytes} bytes")
    if not data.strip():
        raise EmptyBody("body is empty; expected a SOAP 1.1 envelope")
    _check_utf8(data)
    if any(marker in data for marker in _FORBIDDEN_MARKERS):
        raise ForbiddenXmlConstruct(FORBIDDEN_CONSTRUCT)
    try:
        return etree.fromstring(data, parser=hardened_parser())
    except ForbiddenXmlConstruct:
        raise
    except etree.XMLSyntaxError as exc:
        raise MalformedXml(f"body is not well-formed XML: {exc.msg}") from exc


def _check_utf8(data: bytes) -> None:
    nul = data.find(b"\x00")
    if nul >= 0:
        raise InvalidEncoding(f"body holds a NUL byte (byte offset {nul}); only UTF-8 is accepted")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidEncoding(f"body is not valid UTF-8 (byte offset {exc.start})") from exc
    declared = _DECLARED_ENCODING.match(data)
    if declared:
        encoding = declared.group(1).decode("ascii", "replace")
        if encoding.upper().replace("_", "-") not in ("UTF-8", "UTF8"):
            raise InvalidEncoding(f"XML declaration names encoding {encoding[:40]!r}; only UTF-8 is accepted")
