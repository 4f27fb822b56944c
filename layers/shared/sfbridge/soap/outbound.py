"""Read a Salesforce Outbound Message envelope, refusing anything Salesforce would not send.

One walk (`_read_structure`) applies every structural rule, and both reads run it: `read_envelope` is the
receiver's (header, each notification's ids and sObject type) and `read_outbound_message` the worker's (the same,
plus every field value). Whatever the receiver acks the worker can therefore read, with the same ids in the same
order. The rules:

- a SOAP 1.1 Envelope whose Body holds `notifications` in the outbound namespace; its header elements
  (`OrganizationId`, `ActionId`, `SessionId`, `EnterpriseUrl`, `PartnerUrl`) at most once each and before the
  first Notification; 1 to 100 `Notification` elements and nothing else;
- each Notification holds exactly one `Id` and one `sObject`, nothing else; the sObject's `xsi:type` names a type
  in the sObject namespace and it holds at most one `Id` field;
- every id (OrganizationId `00D`, ActionId `04k`, notification Id `04l`, the record's `Id` field of any type) is a
  15- or 18-character Salesforce id (checksum verified for 18) given as text alone (not nil, no child element),
  and becomes its 18-character form; no two notifications share an Id.
"""

from typing import TYPE_CHECKING

from lxml import etree

from sfbridge.domain.ids import key_prefix, to_18
from sfbridge.exceptions import InvalidEnvelope, InvalidSalesforceId
from sfbridge.models.envelope import MAX_NOTIFICATIONS, EnvelopeHeader, NotificationRef, OutboundEnvelope
from sfbridge.soap import namespaces as ns
from sfbridge.soap.parser import DEFAULT_MAX_BYTES, parse_xml

if TYPE_CHECKING:
    from sfbridge.models.outbound import OutboundMessage

_Element = etree._Element
_NIL = ("true", "1")
_HEADER_TAGS = frozenset({ns.ORGANIZATION_ID, ns.ACTION_ID, ns.SESSION_ID, ns.ENTERPRISE_URL, ns.PARTNER_URL})
_NOTIFICATION_PARTS = frozenset({ns.NOTIFICATION_ID, ns.SOBJECT_ELEMENT})
_RECORD_IDS = etree.XPath("o:Notification/o:sObject/s:Id", namespaces={"o": ns.OUTBOUND, "s": ns.SOBJECT})
_ORGANIZATION_PREFIX = "00D"
_ACTION_PREFIX = "04k"
_NOTIFICATION_PREFIX = "04l"

_Item = tuple[NotificationRef, _Element]


def parse_outbound_message(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> "OutboundMessage":
    """Parse and fully read raw bytes; raises `XmlRejected` or `InvalidEnvelope` (both ClientError)."""
    return read_outbound_message(parse_xml(data, max_bytes=max_bytes))


def read_envelope(envelope: _Element) -> OutboundEnvelope:
    """The receiver's read: every structural rule and id check; field values are left to the worker."""
    header, items = _read_structure(envelope)
    return OutboundEnvelope(header=header, notifications=tuple(ref for ref, _ in items))


def read_outbound_message(envelope: _Element) -> "OutboundMessage":
    """The worker's read: the receiver's, plus every field of every record."""
    # Imported here so that the receiver, which never reads fields, never imports pydantic.
    from pydantic import SecretStr

    from sfbridge.models.outbound import Notification, OutboundMessage

    header, items = _read_structure(envelope)
    notifications = [
        Notification.model_construct(
            notification_id=ref.notification_id,
            sobject_type=ref.sobject_type,
            record_id=ref.record_id,
            fields=_fields(sobject),
        )
        for ref, sobject in items
    ]
    return OutboundMessage.model_construct(
        organization_id=header.organization_id,
        action_id=header.action_id,
        session_id=None if header.session_id is None else SecretStr(header.session_id),
        enterprise_url=header.enterprise_url,
        partner_url=header.partner_url,
        notifications=notifications,
    )


def redact_session_id(envelope: _Element) -> bool:
    """Blank every SessionId of the message in place, all of its text, so that none is ever stored.

    True when one held anything. Any element named SessionId in the outbound namespace counts, wherever it is.
    """
    redacted = False
    for element in envelope.iter(ns.SESSION_ID):
        if (element.text or "").strip() or len(element):
            redacted = True
        for child in list(element):
            element.remove(child)
        element.text = None
        element.set(ns.XSI_NIL, "true")
    return redacted


def _read_structure(envelope: _Element) -> tuple[EnvelopeHeader, list[_Item]]:
    notifications = _body_payload(envelope)
    count = sum(1 for _ in notifications.iterchildren(ns.NOTIFICATION))
    if not count:
        raise InvalidEnvelope("notifications holds no Notification element")
    if count > MAX_NOTIFICATIONS:
        raise InvalidEnvelope(f"{count} Notification elements; Salesforce sends at most {MAX_NOTIFICATIONS}")
    header: dict[str, _Element] = {}
    items: list[_Item] = []
    positions: dict[str, int] = {}
    record_ids = _record_ids_by_sobject(notifications)
    for child in notifications.iterchildren(etree.Element):
        if child.tag == ns.NOTIFICATION:
            items.append(_notification(child, len(items) + 1, positions, record_ids))
        elif child.tag in _HEADER_TAGS:
            _header_element(header, child, after_notification=bool(items))
        else:
            raise InvalidEnvelope(f"notifications holds an unexpected element {_name(child)}")
    return _checked_header(header), items


def _body_payload(envelope: _Element) -> _Element:
    if envelope.tag != ns.ENVELOPE:
        if envelope.tag == ns.qname(ns.SOAP12_ENVELOPE, "Envelope"):
            raise InvalidEnvelope("SOAP 1.2 envelope; Outbound Messages use SOAP 1.1")
        raise InvalidEnvelope(f"root element is {_name(envelope)}; expected a SOAP 1.1 Envelope")
    body = next(envelope.iterchildren(ns.BODY), None)
    if body is None:
        raise InvalidEnvelope("SOAP Envelope has no Body")
    payload = next(body.iterchildren(etree.Element), None)
    if payload is None:
        raise InvalidEnvelope("SOAP Body is empty; expected notifications")
    if payload.tag != ns.NOTIFICATIONS:
        raise InvalidEnvelope(f"SOAP Body holds {_name(payload)}; expected {ns.NOTIFICATIONS}")
    return payload


def _header_element(header: dict[str, _Element], element: _Element, *, after_notification: bool) -> None:
    if after_notification:
        raise InvalidEnvelope(f"{_name(element)} follows a Notification; it belongs before the first one")
    if element.tag in header:
        raise InvalidEnvelope(f"notifications holds more than one {_name(element)}")
    header[element.tag] = element


def _checked_header(header: dict[str, _Element]) -> EnvelopeHeader:
    return EnvelopeHeader(
        organization_id=_salesforce_id(
            header.get(ns.ORGANIZATION_ID), "notifications", "OrganizationId", _ORGANIZATION_PREFIX
        ),
        action_id=_salesforce_id(header.get(ns.ACTION_ID), "notifications", "ActionId", _ACTION_PREFIX),
        session_id=_text(header.get(ns.SESSION_ID)),
        enterprise_url=_text(header.get(ns.ENTERPRISE_URL)),
        partner_url=_text(header.get(ns.PARTNER_URL)),
    )


def _record_ids_by_sobject(notifications: _Element) -> dict[_Element, list[_Element]]:
    """Every sObject's `Id` fields, found in one XPath pass (scanning each sObject's fields costs far more)."""
    found: dict[_Element, list[_Element]] = {}
    elements: list[_Element] = _RECORD_IDS(notifications)  # type: ignore[assignment]  # a node-set, always
    for record_id in elements:
        sobject = record_id.getparent()
        if sobject is not None:
            found.setdefault(sobject, []).append(record_id)
    return found


def _notification(
    item: _Element, position: int, positions: dict[str, int], record_ids: dict[_Element, list[_Element]]
) -> _Item:
    where = f"Notification {position}"
    notification_id_element, sobject = _parts(item, where)
    notification_id = _salesforce_id(notification_id_element, where, "Id", _NOTIFICATION_PREFIX)
    if notification_id in positions:
        raise InvalidEnvelope(f"{where} repeats the Id of Notification {positions[notification_id]}")
    positions[notification_id] = position
    if sobject is None:
        raise InvalidEnvelope(f"{where} has no sObject")
    fields = record_ids.get(sobject, [])
    if len(fields) > 1:
        raise InvalidEnvelope(f"{where}: sObject holds {len(fields)} Id fields")
    record_id = _salesforce_id(fields[0], f"{where}: sObject", "Id") if fields else None
    return NotificationRef(notification_id, _sobject_type(sobject, where), record_id), sobject


def _parts(item: _Element, where: str) -> tuple[_Element | None, _Element | None]:
    """A Notification's one Id and one sObject; anything else in it is refused."""
    if len(item) == 2 and item[0].tag == ns.NOTIFICATION_ID and item[1].tag == ns.SOBJECT_ELEMENT:
        return item[0], item[1]  # as Salesforce sends it; the loop below reaches the same answer, slower
    parts: dict[str, list[_Element]] = {tag: [] for tag in _NOTIFICATION_PARTS}
    for child in item.iterchildren(etree.Element):
        if child.tag not in parts:
            raise InvalidEnvelope(f"{where} holds an unexpected element {_name(child)}")
        parts[child.tag].append(child)
    return _single(parts[ns.NOTIFICATION_ID], where), _single(parts[ns.SOBJECT_ELEMENT], where)


def _single(elements: list[_Element], where: str) -> _Element | None:
    if len(elements) > 1:
        raise InvalidEnvelope(f"{where} holds {len(elements)} {_name(elements[0])} elements; expected one")
    return elements[0] if elements else None


def _salesforce_id(element: _Element | None, where: str, name: str, prefix: str | None = None) -> str:
    """The 18-character form of the id an element holds, or an `InvalidEnvelope` naming the element."""
    if element is not None and len(element):
        raise InvalidEnvelope(f"{where}: {name} holds an element; expected a Salesforce ID as text")
    text = _text(element)
    if text is None:
        nil = element is not None and element.get(ns.XSI_NIL) in _NIL
        raise InvalidEnvelope(f"{where} has no {name}" + (" (xsi:nil)" if nil else ""))
    try:
        value = to_18(text)
    except InvalidSalesforceId as exc:
        raise InvalidEnvelope(f"{where}: {name} is not a Salesforce ID: {exc}") from exc
    if prefix and key_prefix(value) != prefix:
        raise InvalidEnvelope(f"{where}: {name} {value} does not start with {prefix}")
    return value


def _sobject_type(sobject: _Element, where: str) -> str:
    declared = sobject.get(ns.XSI_TYPE)
    if not declared:
        raise InvalidEnvelope(f"{where}: sObject has no xsi:type")
    prefix, _, local = declared.rpartition(":")
    if not local or sobject.nsmap.get(prefix or None) != ns.SOBJECT:
        raise InvalidEnvelope(f"{where}: xsi:type {declared[:80]!r} is not a type in {ns.SOBJECT}")
    return local


def _fields(sobject: _Element) -> dict[str, str | None]:
    fields: dict[str, str | None] = {}
    for field in sobject.iterchildren(etree.Element):
        name = field.tag.rpartition("}")[2]
        fields[name] = None if field.get(ns.XSI_NIL) in _NIL else (field.text or "")
    return fields


def _text(element: _Element | None) -> str | None:
    if element is None or element.get(ns.XSI_NIL) in _NIL:
        return None
    return (element.text or "").strip() or None


def _name(element: _Element) -> str:
    """An element's local name, with its namespace when that is not the outbound one."""
    qname = etree.QName(element)
    return qname.localname if qname.namespace == ns.OUTBOUND else qname.text[:120]
