"""What every generated sObject model shares (see `python -m sfbridge.codegen` and `sfbridge.sobjects`).

Outbound Messages carry every value as text. pydantic's lax mode already reads Salesforce's `true`/`false`/`1`/`0`,
`25000.0`, `2.5E7` and `2026-12-15`; the two types below cover what it would get wrong on its own.
"""

import base64
from datetime import UTC, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, PlainSerializer


def _as_utc(value: datetime) -> datetime:
    # Salesforce sends every dateTime in UTC ("...Z"); a value without an offset is UTC too, never local time.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _from_base64(value: object) -> object:
    # Text is the wire form. Bytes are taken as already decoded, so that code can build a record by hand.
    if not isinstance(value, str):
        return value
    # xsd:base64Binary allows whitespace (line breaks); any other stray character is an error, not silently dropped.
    return base64.b64decode("".join(value.split()), validate=True)


def _to_base64(value: bytes) -> str:
    return base64.b64encode(value).decode("ascii")


UtcDateTime = Annotated[datetime, AfterValidator(_as_utc)]
"""xsd:dateTime: always timezone-aware, in UTC."""

Base64Binary = Annotated[bytes, BeforeValidator(_from_base64), PlainSerializer(_to_base64, return_type=str)]
"""xsd:base64Binary: decoded bytes in Python; base64 text again when dumped, as Salesforce sends it."""


class SObject(BaseModel):
    """The base of every sObject model: the `Id` every sObject has, and whatever fields the WSDL did not name."""

    # The WSDL grows when an admin adds a field: keep the fields it does not name (in `model_extra`), never refuse.
    model_config = ConfigDict(extra="allow")

    Id: str | None = None
