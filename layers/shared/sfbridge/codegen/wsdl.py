"""Read the WSDL Salesforce generates for an Outbound Message into sObject types and the types of their fields.

The WSDL is parsed by the project's hardened parser, so the receiver's guards apply: no DOCTYPE or entities, a size
cap, UTF-8 only. Type names are QNames resolved through the namespaces in scope, never by their prefix.
"""

import keyword
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from lxml import etree

from sfbridge.exceptions import ConflictingSObjectField, NotAnOutboundMessageWsdl
from sfbridge.soap import namespaces as ns
from sfbridge.soap.parser import parse_xml

ENTERPRISE: Final = "urn:enterprise.soap.sforce.com"
"""Where Salesforce's WSDL declares the `ID` simple type."""

_Element = etree._Element
_DEFINITIONS: Final = ns.qname(ns.WSDL, "definitions")
_SCHEMAS: Final = f"{ns.qname(ns.WSDL, 'types')}/{ns.qname(ns.XSD, 'schema')}"
_ELEMENT: Final = ns.qname(ns.XSD, "element")
_COMPLEX_TYPE: Final = ns.qname(ns.XSD, "complexType")
_EXTENSION: Final = f"{ns.qname(ns.XSD, 'complexContent')}/{ns.qname(ns.XSD, 'extension')}"
_SEQUENCE_ELEMENTS: Final = f"{ns.qname(ns.XSD, 'sequence')}/{_ELEMENT}"
_SOBJECT_BASE: Final = ns.qname(ns.SOBJECT, "sObject")
# Salesforce API names: a letter, then letters, digits and underscores (`Credit_Limit__c`, `acme__Amount__c`).
# They become Python names in generated code, so nothing else may pass.
_API_NAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


class FieldType(StrEnum):
    """The XSD types that become something other than `str`, plus `STRING` for all the rest."""

    STRING = "string"
    BOOLEAN = "boolean"
    INT = "int"
    DOUBLE = "double"
    DATE = "date"
    DATETIME = "dateTime"
    BASE64 = "base64Binary"


_FIELD_TYPES: Final[Mapping[str, FieldType]] = {
    **{ns.qname(ns.XSD, field_type.value): field_type for field_type in FieldType},
    ns.qname(ENTERPRISE, "ID"): FieldType.STRING,
    ns.qname(ns.SOBJECT, "ID"): FieldType.STRING,
}


@dataclass(frozen=True, slots=True)
class SObjectType:
    """One sObject type: its API name, its fields (API name to type) and the WSDL files that declare it."""

    name: str
    fields: Mapping[str, FieldType]
    sources: tuple[str, ...]


def read_outbound_wsdl(data: bytes, *, source: str) -> list[SObjectType]:
    """The sObject types of one Outbound Message WSDL.

    Raises `XmlRejected` for XML the parser refuses, `NotAnOutboundMessageWsdl` for anything else Salesforce would
    not have generated. `source` names the file in the models' provenance and in conflict errors.
    """
    definitions = parse_xml(data)
    if definitions.tag != _DEFINITIONS:
        raise NotAnOutboundMessageWsdl(f"root element is {definitions.tag}; expected WSDL 1.1 {_DEFINITIONS}")
    schemas = definitions.findall(_SCHEMAS)
    if not any(_named(schema, _ELEMENT, "notifications") for schema in _schemas(schemas, ns.OUTBOUND)):
        raise NotAnOutboundMessageWsdl(f"no notifications element in {ns.OUTBOUND}: not an Outbound Message WSDL")
    types = [_sobject_type(*found, source=source) for found in _sobject_extensions(_schemas(schemas, ns.SOBJECT))]
    if not types:
        raise NotAnOutboundMessageWsdl(f"no sObject types: no complexType in {ns.SOBJECT} extends sObject")
    return types


def merge_sobject_types(types: Iterable[SObjectType]) -> list[SObjectType]:
    """One type per API name, sorted by name; a type declared more than once gets the union of its fields."""
    merged: dict[str, SObjectType] = {}
    for sobject in types:
        known = merged.get(sobject.name)
        merged[sobject.name] = sobject if known is None else _union(known, sobject)
    return [merged[name] for name in sorted(merged)]


def _union(known: SObjectType, other: SObjectType) -> SObjectType:
    for field, field_type in other.fields.items():
        if known.fields.get(field, field_type) != field_type:
            raise ConflictingSObjectField(
                f"{known.name}.{field} is xsd:{known.fields[field]} in {', '.join(known.sources)}"
                f" but xsd:{field_type} in {', '.join(other.sources)}"
            )
    return SObjectType(known.name, {**known.fields, **other.fields}, (*known.sources, *other.sources))


def _schemas(schemas: list[_Element], target_namespace: str) -> list[_Element]:
    return [schema for schema in schemas if schema.get("targetNamespace") == target_namespace]


def _named(parent: _Element, tag: str, name: str) -> bool:
    return any(child.get("name") == name for child in parent.iterchildren(tag))


def _sobject_extensions(schemas: list[_Element]) -> Iterator[tuple[_Element, _Element]]:
    """Each complexType that extends `sObject`, with its `extension` element (where its fields are)."""
    for schema in schemas:
        for complex_type in schema.iterchildren(_COMPLEX_TYPE):
            extension = complex_type.find(_EXTENSION)
            if extension is not None and _resolve(extension, extension.get("base")) == _SOBJECT_BASE:
                yield complex_type, extension


def _sobject_type(complex_type: _Element, extension: _Element, *, source: str) -> SObjectType:
    name = _api_name(complex_type.get("name"), what="sObject type")
    fields: dict[str, FieldType] = {}
    for element in extension.iterfind(_SEQUENCE_ELEMENTS):
        field = _api_name(element.get("name"), what=f"field of {name}")
        if field in fields:
            raise NotAnOutboundMessageWsdl(f"{name} declares field {field} twice")
        fields[field] = _FIELD_TYPES.get(_resolve(element, element.get("type")) or "", FieldType.STRING)
    return SObjectType(name, fields, (source,))


def _api_name(value: str | None, *, what: str) -> str:
    if value is None or not _API_NAME.fullmatch(value) or keyword.iskeyword(value):
        raise NotAnOutboundMessageWsdl(f"{what} {value!r} is not a Salesforce API name")
    return value


def _resolve(element: _Element, value: str | None) -> str | None:
    """A QName attribute (`xsd:double`) in Clark notation, through the namespace its prefix is bound to there."""
    if not value:
        return None
    prefix, _, local = value.rpartition(":")
    namespace = element.nsmap.get(prefix or None)
    if namespace is None and prefix:
        raise NotAnOutboundMessageWsdl(f"type {value!r} uses prefix {prefix!r}, which is not declared")
    return ns.qname(namespace, local) if namespace else local
