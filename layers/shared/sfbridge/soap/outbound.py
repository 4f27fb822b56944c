"""Read a Salesforce Outbound Message envelope into `OutboundMessage`, refusing anything Salesforce would not send."""

from lxml import etree
from pydantic import SecretStr

from sfbridge.exceptions import InvalidEnvelope
from sfbridge.models.outbound import MAX_NOTIFICATIONS, Notification, OutboundMessage
from sfbridge.soap import namespaces as ns
from sfbridge.soap.parser import DEFAULT_MAX_BYTES, parse_xml

_Element = etree._Element


def parse_outbound_message(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> OutboundMessage:
    """Parse and validate raw request bytes; raises `XmlRejected` or `InvalidEnvelope` subclasses of ClientError."""
    return read_outbound_message(parse_xml(data, max_bytes=max_bytes))


def read_outbound_message(envelope: _Element) -> OutboundMessage:
    notifications = _notifications_element(envelope)
    items = notifications.findall(ns.NOTIFICATION)
    if not items:
        raise InvalidEnvelope("notifications holds no Notification element")
    if len(items) > MAX_NOTIFICATIONS:
        raise InvalidEnvelope(f"{len(items)} Notification elements; Salesforce sends at most {MAX_NOTIFICATIONS}")
    session_id = _optional_text(notifications, ns.SESSION_ID)
    return OutboundMessage.model_construct(
        organization_id=_required_text(notifications, ns.ORGANIZATION_ID),
        action_id=_required_text(notifications, ns.ACTION_ID),
        session_id=None if session_id is None else SecretStr(session_id),
        enterprise_url=_optional_text(notifications, ns.ENTERPRISE_URL),
        partner_url=_optional_text(notifications, ns.PARTNER_URL),
        notifications=[_read_notification(item, position) for position, item in enumerate(items, 1)],
    )


def redact_session_id(envelope: _Element) -> bool:
    """Blank a SessionId in place so that it is never stored; True when there was one."""
    element = envelope.find(f"{ns.BODY}/{ns.NOTIFICATIONS}/{ns.SESSION_ID}")
    if element is None or not (element.text or "").strip():
        return False
    element.text = None
    element.set(ns.XSI_NIL, "true")
    return True


def _notifications_element(envelope: _Element) -> _Element:
    if envelope.tag != ns.ENVELOPE:
        if envelope.tag == ns.qname(ns.SOAP12_ENVELOPE, "Envelope"):
            raise InvalidEnvelope("SOAP 1.2 envelope; Outbound Messages use SOAP 1.1")
        raise InvalidEnvelope(f"root element is {envelope.tag}; expected a SOAP 1.1 Envelope")
    body = envelope.find(ns.BODY)
    if body is None:
        raise InvalidEnvelope("SOAP Envelope has no Body")
    payload = next(iter(body), None)
    while payload is not None and not isinstance(payload.tag, str):
        payload = payload.getnext()
    if payload is None:
        raise InvalidEnvelope("SOAP Body is empty; expected notifications")
    if payload.tag != ns.NOTIFICATIONS:
        raise InvalidEnvelope(f"SOAP Body holds {payload.tag}; expected {ns.NOTIFICATIONS}")
    return payload


def _read_notification(item: _Element, position: int) -> Notification:
    notification_id = _required_text(item, ns.NOTIFICATION_ID, where=f"Notification {position}")
    sobject = item.find(ns.SOBJECT_ELEMENT)
    if sobject is None:
        raise InvalidEnvelope(f"Notification {position} has no sObject")
    fields: dict[str, str | None] = {}
    for field in sobject:
        tag = field.tag
        if not isinstance(tag, str):
            continue
        name = tag.rpartition("}")[2]
        fields[name] = None if field.get(ns.XSI_NIL) in ("true", "1") else (field.text or "")
    return Notification.model_construct(
        notification_id=notification_id, sobject_type=_sobject_type(sobject, position), fields=fields
    )


def _sobject_type(sobject: _Element, position: int) -> str:
    declared = sobject.get(ns.XSI_TYPE)
    if not declared:
        raise InvalidEnvelope(f"Notification {position}: sObject has no xsi:type")
    prefix, _, local = declared.rpartition(":")
    namespace = sobject.nsmap.get(prefix or None)
    if namespace != ns.SOBJECT or not local:
        raise InvalidEnvelope(f"Notification {position}: xsi:type {declared!r} is not a type in {ns.SOBJECT}")
    return local


def _required_text(parent: _Element, tag: str, *, where: str = "notifications") -> str:
    value = _optional_text(parent, tag)
    if not value:
        raise InvalidEnvelope(f"{where} has no {tag.rpartition('}')[2]}")
    return value


def _optional_text(parent: _Element, tag: str) -> str | None:
    element = parent.find(tag)
    if element is None or element.get(ns.XSI_NIL) in ("true", "1"):
        return None
    return (element.text or "").strip() or None

