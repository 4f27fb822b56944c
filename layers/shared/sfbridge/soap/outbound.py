"""Read a Salesforce Outbound Message envelope, refusing anything Salesforce would not send.

`read_envelope` is the receiver's check (header, and each notification's id and sObject type); `read_outbound_message`
is the worker's full read, every field included. Both apply the same structural rules.
"""

from typing import Any

from lxml import etree
from pydantic import SecretStr

from sfbridge.exceptions import InvalidEnvelope
from sfbridge.models.outbound import (
    MAX_NOTIFICATIONS,
    Notification,
    OutboundEnvelope,
    OutboundMessage,
)
from sfbridge.soap import namespaces as ns
from sfbridge.soap.parser import DEFAULT_MAX_BYTES, parse_xml

_Element = etree._Element
_NIL = ("true", "1")
_PREFIXES = {"o": ns.OUTBOUND}
# Compiled XPath reads all ids and sObjects in one call each: the receiver's fast path on Salesforce's clock.
_NOTIFICATION_IDS = etree.XPath("o:Notification/o:Id/text()", namespaces=_PREFIXES, smart_strings=False)
_SOBJECTS = etree.XPath("o:Notification/o:sObject", namespaces=_PREFIXES)


def parse_outbound_message(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> OutboundMessage:
    """Parse and fully read raw bytes; raises `XmlRejected` or `InvalidEnvelope` (both ClientError)."""
    return read_outbound_message(parse_xml(data, max_bytes=max_bytes))


def read_envelope(envelope: _Element) -> OutboundEnvelope:
    notifications, items = _notification_elements(envelope)
    return OutboundEnvelope.model_validate({"notifications": _refs(notifications, items), **_header(notifications)})


def read_outbound_message(envelope: _Element) -> OutboundMessage:
    notifications, items = _notification_elements(envelope)
    full = [_notification(item, position) for position, item in enumerate(items, 1)]
    return OutboundMessage.model_construct(notifications=full, **_header(notifications))


def redact_session_id(envelope: _Element) -> bool:
    """Blank a SessionId in place so that it is never stored; True when there was one."""
    element = envelope.find(f"{ns.BODY}/{ns.NOTIFICATIONS}/{ns.SESSION_ID}")
    if element is None or not (element.text or "").strip():
        return False
    element.text = None
    element.set(ns.XSI_NIL, "true")
    return True


def _notification_elements(envelope: _Element) -> tuple[_Element, list[_Element]]:
    notifications = _body_payload(envelope)
    items = list(notifications.iterchildren(ns.NOTIFICATION))
    if not items:
        raise InvalidEnvelope("notifications holds no Notification element")
    if len(items) > MAX_NOTIFICATIONS:
        raise InvalidEnvelope(f"{len(items)} Notification elements; Salesforce sends at most {MAX_NOTIFICATIONS}")
    return notifications, items


def _body_payload(envelope: _Element) -> _Element:
    if envelope.tag != ns.ENVELOPE:
        if envelope.tag == ns.qname(ns.SOAP12_ENVELOPE, "Envelope"):
            raise InvalidEnvelope("SOAP 1.2 envelope; Outbound Messages use SOAP 1.1")
        raise InvalidEnvelope(f"root element is {envelope.tag}; expected a SOAP 1.1 Envelope")
    body = next(envelope.iterchildren(ns.BODY), None)
    if body is None:
        raise InvalidEnvelope("SOAP Envelope has no Body")
    payload = next(body.iterchildren(etree.Element), None)
    if payload is None:
        raise InvalidEnvelope("SOAP Body is empty; expected notifications")
    if payload.tag != ns.NOTIFICATIONS:
        raise InvalidEnvelope(f"SOAP Body holds {payload.tag}; expected {ns.NOTIFICATIONS}")
    return payload


def _header(notifications: _Element) -> dict[str, Any]:
    # One pass over the elements before the first Notification: find() costs a path lookup per call.
    values: dict[str, str | None] = {}
    for child in notifications.iterchildren(etree.Element):
        if child.tag == ns.NOTIFICATION:
            break
        values.setdefault(child.tag, _text(child))
    organization_id, action_id = values.get(ns.ORGANIZATION_ID), values.get(ns.ACTION_ID)
    if not organization_id:
        raise InvalidEnvelope("notifications has no OrganizationId")
    if not action_id:
        raise InvalidEnvelope("notifications has no ActionId")
    session_id = values.get(ns.SESSION_ID)
    return {
        "organization_id": organization_id,
        "action_id": action_id,
        "session_id": None if session_id is None else SecretStr(session_id),
        "enterprise_url": values.get(ns.ENTERPRISE_URL),
        "partner_url": values.get(ns.PARTNER_URL),
    }


def _refs(notifications: _Element, items: list[_Element]) -> list[dict[str, str]]:
    ids: list[str] = _NOTIFICATION_IDS(notifications)  # type: ignore[assignment]
    sobjects: list[_Element] = _SOBJECTS(notifications)  # type: ignore[assignment]
    if len(ids) != len(items) or len(sobjects) != len(items) or not all(value.strip() for value in ids):
        # Something is missing or doubled: read one by one, which names the notification at fault.
        return [_ref(item, position) for position, item in enumerate(items, 1)]
    return [
        {"notification_id": notification_id.strip(), "sobject_type": _sobject_type(sobject, position)}
        for position, (notification_id, sobject) in enumerate(zip(ids, sobjects, strict=True), 1)
    ]


def _ref(item: _Element, position: int) -> dict[str, str]:
    return {
        "notification_id": _required_text(item, ns.NOTIFICATION_ID, where=f"Notification {position}"),
        "sobject_type": _sobject_type(_sobject(item, position), position),
    }


def _notification(item: _Element, position: int) -> Notification:
    fields: dict[str, str | None] = {}
    for field in _sobject(item, position).iterchildren(etree.Element):
        name = field.tag.rpartition("}")[2]
        fields[name] = None if field.get(ns.XSI_NIL) in _NIL else (field.text or "")
    ref = _ref(item, position)
    return Notification.model_construct(
        notification_id=ref["notification_id"], sobject_type=ref["sobject_type"], fields=fields
    )


def _sobject(item: _Element, position: int) -> _Element:
    sobject = item.find(ns.SOBJECT_ELEMENT)
    if sobject is None:
        raise InvalidEnvelope(f"Notification {position} has no sObject")
    return sobject


def _sobject_type(sobject: _Element, position: int) -> str:
    declared = sobject.get(ns.XSI_TYPE)
    if not declared:
        raise InvalidEnvelope(f"Notification {position}: sObject has no xsi:type")
    prefix, _, local = declared.rpartition(":")
    if not local or sobject.nsmap.get(prefix or None) != ns.SOBJECT:
        raise InvalidEnvelope(f"Notification {position}: xsi:type {declared!r} is not a type in {ns.SOBJECT}")
    return local


def _required_text(parent: _Element, tag: str, *, where: str = "notifications") -> str:
    value = _optional_text(parent, tag)
    if not value:
        raise InvalidEnvelope(f"{where} has no {tag.rpartition('}')[2]}")
    return value


def _optional_text(parent: _Element, tag: str) -> str | None:
    element = parent.find(tag)
    return None if element is None else _text(element)


def _text(element: _Element) -> str | None:
    if element.get(ns.XSI_NIL) in _NIL:
        return None
    return (element.text or "").strip() or None
