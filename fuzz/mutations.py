"""Outbound Message bodies for fuzzing: valid messages with fresh ids, and mutations labelled with what they must get.

Every case starts from a sample in `events/outbound_receiver/`, cut to a random number of notifications and given
fresh, valid ids. A mutation then either keeps it a message Salesforce could send (`VALID`: it must be acked),
breaks a rule (`INVALID`: it must get a Client fault), or changes it blindly (`EITHER`: any answer but a Server
fault, and if it is acked the worker must apply it). Everything is drawn from the `random.Random` passed in, so a
seed replays a run exactly.
"""

import codecs
import copy
import random
import string
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from lxml import etree

from sfbridge.domain.ids import checksum
from sfbridge.soap import namespaces as ns

VALID: Final = "valid"
INVALID: Final = "invalid"
EITHER: Final = "either"

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = tuple(
    (ROOT / "events" / "outbound_receiver" / f"{name}.xml").read_bytes()
    for name in ("account-1", "opportunity-3", "invoice-1", "batch-100")
)
ORGANIZATION_ID: Final = "00DKb00000AbCdEMAV"
"""The organization of every sample: the one fuzz runs allow."""

_Element = etree._Element
_RECORD_ID = ns.qname(ns.SOBJECT, "Id")
_ID_CHARACTERS = string.ascii_letters + string.digits
_PLAIN_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)


@dataclass(frozen=True, slots=True)
class Case:
    """One body to post, the mutation that made it, and what it must get: `VALID`, `INVALID` or `EITHER`."""

    mutation: str
    expect: str
    body: bytes


def salesforce_id(rng: random.Random, prefix: str, *, form: int = 18) -> str:
    """A random, valid Salesforce id with `prefix`, in its 15- or 18-character form."""
    id15 = prefix + "".join(rng.choice(_ID_CHARACTERS) for _ in range(15 - len(prefix)))
    return id15 if form == 15 else id15 + checksum(id15)


def generate(rng: random.Random, *, max_notifications: int = 10) -> Case:
    """One case: a valid message, mutated two times in three."""
    root = _valid_message(rng, max_notifications)
    roll = rng.random()
    if roll < 1 / 3:
        return Case("none", VALID, _serialize(root))
    if roll < 2 / 3:
        tree_name, (tree_expect, tree_mutation) = rng.choice(sorted(TREE_MUTATIONS.items()))
        return Case(tree_name, tree_expect, tree_mutation(root, rng))
    byte_name, (byte_expect, byte_mutation) = rng.choice(sorted(BYTE_MUTATIONS.items()))
    return Case(byte_name, byte_expect, byte_mutation(_serialize(root), rng))


# ---- valid messages


def _valid_message(rng: random.Random, max_notifications: int) -> _Element:
    root = etree.fromstring(rng.choice(SAMPLES), parser=_PLAIN_PARSER)
    notifications = _notifications(root)
    items = _items(root)
    keep = rng.randint(1, min(len(items), max_notifications))
    for item in items[keep:]:
        notifications.remove(item)
    _set_text(_child(notifications, ns.ACTION_ID), salesforce_id(rng, "04k", form=rng.choice((15, 18))))
    if rng.random() < 0.2:
        _set_text(_child(notifications, ns.ORGANIZATION_ID), ORGANIZATION_ID[:15])
    for position, item in enumerate(_items(root)):
        # The position keeps notification ids unique, however the random source runs (Hypothesis shrinks it to zeros).
        notification_id = salesforce_id(rng, f"04l{position:03d}", form=rng.choice((15, 18)))
        _set_text(_child(item, ns.NOTIFICATION_ID), notification_id)
        record = _child(_child(item, ns.SOBJECT_ELEMENT), _RECORD_ID)
        _set_text(record, salesforce_id(rng, (record.text or "001")[:3], form=rng.choice((15, 18))))
    return root


def _serialize(root: _Element) -> bytes:
    return etree.tostring(root.getroottree(), encoding="UTF-8", xml_declaration=True)


def _notifications(root: _Element) -> _Element:
    return root.find(f"{ns.BODY}/{ns.NOTIFICATIONS}")  # type: ignore[return-value]


def _items(root: _Element) -> list[_Element]:
    return list(_notifications(root).iterchildren(ns.NOTIFICATION))


def _child(parent: _Element, tag: str) -> _Element:
    found = parent.find(tag)
    assert found is not None, f"sample lacks {tag}"
    return found


def _set_text(element: _Element, text: str | None) -> None:
    element.text = text


def _any_item(root: _Element, rng: random.Random) -> _Element:
    return rng.choice(_items(root))


def _fields(root: _Element, rng: random.Random) -> list[_Element]:
    sobject = _child(_any_item(root, rng), ns.SOBJECT_ELEMENT)
    return [field for field in sobject if field.tag != _RECORD_ID]


# ---- tree mutations: (what it must get, how) by name

TreeMutation = Callable[[_Element, random.Random], bytes]


def _id_element(root: _Element, rng: random.Random) -> _Element:
    """A random id-bearing element: ActionId, a notification Id or a record Id."""
    item = _any_item(root, rng)
    return rng.choice(
        [
            _child(_notifications(root), ns.ACTION_ID),
            _child(item, ns.NOTIFICATION_ID),
            _child(_child(item, ns.SOBJECT_ELEMENT), _RECORD_ID),
        ]
    )


def _fifteen_character_id(root: _Element, rng: random.Random) -> bytes:
    element = _id_element(root, rng)
    _set_text(element, (element.text or "")[:15])
    return _serialize(root)


def _lower_case_checksum(root: _Element, rng: random.Random) -> bytes:
    element = _id_element(root, rng)
    text = element.text or ""
    _set_text(element, text[:15] + text[15:].lower())
    return _serialize(root)


def _whitespace_around_id(root: _Element, rng: random.Random) -> bytes:
    element = _id_element(root, rng)
    _set_text(element, f"\n  {element.text}\t ")
    return _serialize(root)


def _unknown_field(root: _Element, rng: random.Random) -> bytes:
    sobject = _child(_any_item(root, rng), ns.SOBJECT_ELEMENT)
    etree.SubElement(sobject, ns.qname(ns.SOBJECT, "Fuzz_Field__c")).text = "added by an admin"
    return _serialize(root)


def _nil_field(root: _Element, rng: random.Random) -> bytes:
    fields = _fields(root, rng)
    if fields:
        field = rng.choice(fields)
        field.text = None
        field.set(ns.XSI_NIL, "true")
    return _serialize(root)


def _long_field_text(root: _Element, rng: random.Random) -> bytes:
    fields = _fields(root, rng)
    if fields:
        rng.choice(fields).text = "ä" * rng.randint(1_000, 60_000)
    return _serialize(root)


def _drop_optional_header(root: _Element, rng: random.Random) -> bytes:
    tag = rng.choice((ns.SESSION_ID, ns.ENTERPRISE_URL, ns.PARTNER_URL))
    element = _notifications(root).find(tag)
    if element is not None:
        _notifications(root).remove(element)
    return _serialize(root)


def _session_id(root: _Element, rng: random.Random) -> bytes:
    element = _child(_notifications(root), ns.SESSION_ID)
    element.attrib.pop(ns.XSI_NIL, "")
    element.text = "00DKb00000AbCdE!AQ0AQ" + salesforce_id(rng, "Fz", form=15) * 4
    return _serialize(root)


def _nil_notification_id(root: _Element, rng: random.Random) -> bytes:
    _child(_any_item(root, rng), ns.NOTIFICATION_ID).set(ns.XSI_NIL, "true")
    return _serialize(root)


def _split_id(root: _Element, rng: random.Random) -> bytes:
    element = _id_element(root, rng)
    text = element.text or ""
    cut = rng.randint(1, len(text) - 1)
    element.text = text[:cut]
    etree.SubElement(element, "b").tail = text[cut:]
    return _serialize(root)


def _duplicate_part(root: _Element, rng: random.Random) -> bytes:
    item = _any_item(root, rng)
    part = _child(item, rng.choice((ns.NOTIFICATION_ID, ns.SOBJECT_ELEMENT)))
    part.addnext(copy.deepcopy(part))
    return _serialize(root)


def _move_part(root: _Element, rng: random.Random) -> bytes:
    """An Id or sObject moved into another Notification (or, with one Notification, into its own sObject)."""
    items = _items(root)
    source = rng.choice(items)
    part = _child(source, rng.choice((ns.NOTIFICATION_ID, ns.SOBJECT_ELEMENT)))
    others = [item for item in items if item is not source]
    target = rng.choice(others) if others else _child(source, ns.SOBJECT_ELEMENT)
    if target is part:
        target = _notifications(root)
    target.append(part)
    return _serialize(root)


def _remove_required(root: _Element, rng: random.Random) -> bytes:
    item = _any_item(root, rng)
    choices = [
        (_notifications(root), _child(_notifications(root), ns.ORGANIZATION_ID)),
        (_notifications(root), _child(_notifications(root), ns.ACTION_ID)),
        (item, _child(item, ns.NOTIFICATION_ID)),
        (item, _child(item, ns.SOBJECT_ELEMENT)),
    ]
    parent, element = rng.choice(choices)
    parent.remove(element)
    return _serialize(root)


def _nil_header_id(root: _Element, rng: random.Random) -> bytes:
    _child(_notifications(root), rng.choice((ns.ORGANIZATION_ID, ns.ACTION_ID))).set(ns.XSI_NIL, "true")
    return _serialize(root)


def _long_id(root: _Element, rng: random.Random) -> bytes:
    element = _id_element(root, rng)
    _set_text(element, (element.text or "")[:3] + "A" * rng.choice((16, 19, 1_000, 262_144)))
    return _serialize(root)


def _wrong_checksum(root: _Element, rng: random.Random) -> bytes:
    element = _id_element(root, rng)
    text = (element.text or "")[:15]
    wrong = rng.choice([suffix for suffix in ("AAA", "ZZZ", "QQ5", "EAE") if suffix != checksum(text)])
    _set_text(element, text + wrong)
    return _serialize(root)


def _wrong_prefix(root: _Element, rng: random.Random) -> bytes:
    item = _any_item(root, rng)
    element, prefix = rng.choice(
        [
            (_child(_notifications(root), ns.ACTION_ID), "04l"),
            (_child(_notifications(root), ns.ORGANIZATION_ID), "001"),
            (_child(item, ns.NOTIFICATION_ID), "001"),
        ]
    )
    _set_text(element, salesforce_id(rng, prefix))
    return _serialize(root)


def _unknown_organization(root: _Element, rng: random.Random) -> bytes:
    _set_text(_child(_notifications(root), ns.ORGANIZATION_ID), salesforce_id(rng, "00D"))
    return _serialize(root)


def _repeated_notification_id(root: _Element, rng: random.Random) -> bytes:
    items = _items(root)
    if len(items) == 1:
        items[0].addnext(copy.deepcopy(items[0]))
    else:
        first, second = rng.sample(items, 2)
        _set_text(_child(second, ns.NOTIFICATION_ID), (_child(first, ns.NOTIFICATION_ID).text or "")[:15])
    return _serialize(root)


def _no_xsi_type(root: _Element, rng: random.Random) -> bytes:
    _child(_any_item(root, rng), ns.SOBJECT_ELEMENT).attrib.pop(ns.XSI_TYPE)
    return _serialize(root)


def _too_many_notifications(root: _Element, rng: random.Random) -> bytes:
    notifications, template = _notifications(root), _items(root)[0]
    for _ in range(101 - len(_items(root))):
        extra = copy.deepcopy(template)
        _set_text(_child(extra, ns.NOTIFICATION_ID), salesforce_id(rng, "04l"))
        notifications.append(extra)
    return _serialize(root)


def _random_element(root: _Element, rng: random.Random) -> _Element:
    return rng.choice([element for element in root.iter(etree.Element) if element is not root])


def _blind_remove(root: _Element, rng: random.Random) -> bytes:
    element = _random_element(root, rng)
    parent = element.getparent()
    assert parent is not None
    parent.remove(element)
    return _serialize(root)


def _blind_duplicate(root: _Element, rng: random.Random) -> bytes:
    element = _random_element(root, rng)
    element.addnext(copy.deepcopy(element))
    return _serialize(root)


def _blind_move(root: _Element, rng: random.Random) -> bytes:
    element, target = _random_element(root, rng), _random_element(root, rng)
    if element is not target and element not in target.iterancestors():
        target.append(element)
    return _serialize(root)


def _blind_nil(root: _Element, rng: random.Random) -> bytes:
    _random_element(root, rng).set(ns.XSI_NIL, rng.choice(("true", "1", "false")))
    return _serialize(root)


def _blind_text(root: _Element, rng: random.Random) -> bytes:
    element = _random_element(root, rng)
    element.text = rng.choice(("", " ", "x" * rng.randint(1, 300), "<&>", "04l" + "0" * 15, "\u00e9\u4e2d"))
    return _serialize(root)


TREE_MUTATIONS: dict[str, tuple[str, TreeMutation]] = {
    "fifteen-character-id": (VALID, _fifteen_character_id),
    "lower-case-checksum": (VALID, _lower_case_checksum),
    "whitespace-around-id": (VALID, _whitespace_around_id),
    "unknown-field": (VALID, _unknown_field),
    "nil-field": (VALID, _nil_field),
    "long-field-text": (VALID, _long_field_text),
    "drop-optional-header": (VALID, _drop_optional_header),
    "session-id": (VALID, _session_id),
    "nil-notification-id": (INVALID, _nil_notification_id),
    "split-id": (INVALID, _split_id),
    "duplicate-id-or-sobject": (INVALID, _duplicate_part),
    "move-id-or-sobject": (INVALID, _move_part),
    "remove-required": (INVALID, _remove_required),
    "nil-header-id": (INVALID, _nil_header_id),
    "long-id": (INVALID, _long_id),
    "wrong-checksum": (INVALID, _wrong_checksum),
    "wrong-prefix": (INVALID, _wrong_prefix),
    "unknown-organization": (INVALID, _unknown_organization),
    "repeated-notification-id": (INVALID, _repeated_notification_id),
    "no-xsi-type": (INVALID, _no_xsi_type),
    "too-many-notifications": (INVALID, _too_many_notifications),
    "blind-remove": (EITHER, _blind_remove),
    "blind-duplicate": (EITHER, _blind_duplicate),
    "blind-move": (EITHER, _blind_move),
    "blind-nil": (EITHER, _blind_nil),
    "blind-text": (EITHER, _blind_text),
}

# ---- byte mutations: the serialized body changed as bytes

ByteMutation = Callable[[bytes, random.Random], bytes]
_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>'


def _without_declaration(body: bytes) -> bytes:
    return body.removeprefix(_DECLARATION).lstrip(b"\n")


def _bom_then_latin1(body: bytes, rng: random.Random) -> bytes:
    return codecs.BOM_UTF8 + b'<?xml version="1.0" encoding="ISO-8859-1"?>' + _without_declaration(body)


def _utf16_or_32(body: bytes, rng: random.Random) -> bytes:
    codec, bom = rng.choice(
        [
            ("utf-16-le", codecs.BOM_UTF16_LE),
            ("utf-16-be", codecs.BOM_UTF16_BE),
            ("utf-32-le", codecs.BOM_UTF32_LE),
            ("utf-32-be", codecs.BOM_UTF32_BE),
        ]
    )
    return (bom if rng.random() < 0.5 else b"") + _without_declaration(body).decode().encode(codec)


def _doctype(body: bytes, rng: random.Random) -> bytes:
    doctype = rng.choice(
        (
            b'<!DOCTYPE r SYSTEM "/etc/passwd">',
            b'<!DOCTYPE r PUBLIC "-//A//B//EN" "/no/such.dtd">',
            b'<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/hostname"> %p;]>',
            b'<!DOCTYPE r [<!ENTITY x "y">]>',
        )
    )
    return _DECLARATION + b"\n" + doctype + _without_declaration(body)


def _nul_byte(body: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(body))
    return body[:at] + b"\x00" + body[at:]


def _truncated(body: bytes, rng: random.Random) -> bytes:
    return body[: rng.randrange(len(body) - 20)]


def _soap12(body: bytes, rng: random.Random) -> bytes:
    return body.replace(ns.SOAP11_ENVELOPE.encode(), ns.SOAP12_ENVELOPE.encode())


def _flip_byte(body: bytes, rng: random.Random) -> bytes:
    at = rng.randrange(len(body))
    return body[:at] + bytes([rng.randrange(1, 256)]) + body[at + 1 :]


def _xinclude(body: bytes, rng: random.Random) -> bytes:
    include = b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>'
    return body.replace(b"</sf:Id>", b"</sf:Id>" + include, 1)


BYTE_MUTATIONS: dict[str, tuple[str, ByteMutation]] = {
    "bom-then-latin1-declaration": (INVALID, _bom_then_latin1),
    "utf16-or-utf32": (INVALID, _utf16_or_32),
    "doctype": (INVALID, _doctype),
    "nul-byte": (INVALID, _nul_byte),
    "truncated": (INVALID, _truncated),
    "soap12": (INVALID, _soap12),
    "flip-byte": (EITHER, _flip_byte),
    "xinclude-among-fields": (EITHER, _xinclude),
}
