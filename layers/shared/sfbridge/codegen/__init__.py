"""Typed sObject models generated from the WSDL Salesforce gives for an Outbound Message.

    python -m sfbridge.codegen events/wsdl/outbound-opportunity.wsdl events/wsdl/outbound-invoice.wsdl \\
        -o layers/shared/sfbridge/sobjects.py

`wsdl` reads each WSDL into sObject types (API names and XSD types), `render` writes one pydantic model per type and
`MODELS`, keyed by API name, for `ObjectRouter.use_model` (see `sfbridge.outbound.handlers`).
"""

from collections.abc import Sequence
from pathlib import Path

from sfbridge.codegen.render import render_module
from sfbridge.codegen.wsdl import SObjectType, merge_sobject_types, read_outbound_wsdl
from sfbridge.exceptions import WsdlRejected, XmlRejected

__all__ = ["generate_module"]


def generate_module(wsdl_files: Sequence[Path]) -> str:
    """The module source for every sObject type in `wsdl_files`, the same type in several WSDLs merged.

    Raises `XmlRejected` or `WsdlRejected` (both ClientError) naming the file at fault, and OSError when one cannot
    be read.
    """
    types: list[SObjectType] = []
    for path in wsdl_files:
        try:
            types += read_outbound_wsdl(path.read_bytes(), source=path.name)
        except (XmlRejected, WsdlRejected) as exc:
            # Same class, so callers still tell a hostile file from a wrong one; the message gains the file.
            raise type(exc)(f"{path}: {exc}") from exc
    return render_module(merge_sobject_types(types))
