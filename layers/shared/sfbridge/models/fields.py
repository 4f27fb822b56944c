"""Field types the callout models share: Salesforce IDs, money, ISO codes."""

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer
from pydantic.alias_generators import to_camel

from sfbridge.domain.ids import key_prefix, to_18
from sfbridge.exceptions import InvalidSalesforceId


class CalloutBody(BaseModel):
    """Base of every model a callout body is validated against: camelCase names, unknown fields refused.

    Refusing unknown fields turns a typo in Apex (`acountId`) into a 400 naming the field, instead of a silent null.
    """

    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True, extra="forbid")


def _salesforce_id(prefix: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        try:
            canonical = to_18(value)
        except InvalidSalesforceId as exc:
            raise ValueError(str(exc)) from exc
        if key_prefix(canonical) != prefix:
            raise ValueError(f"expected a record ID starting with {prefix}, got {key_prefix(canonical)}")
        return canonical

    return check


# 15- or 18-character record IDs, normalised to 18 characters, of one object (by key prefix).
AccountId = Annotated[str, AfterValidator(_salesforce_id("001"))]
ContactId = Annotated[str, AfterValidator(_salesforce_id("003"))]
UserId = Annotated[str, AfterValidator(_salesforce_id("005"))]
OpportunityId = Annotated[str, AfterValidator(_salesforce_id("006"))]
CaseId = Annotated[str, AfterValidator(_salesforce_id("500"))]
OrderId = Annotated[str, AfterValidator(_salesforce_id("801"))]
OrderItemId = Annotated[str, AfterValidator(_salesforce_id("802"))]


Money = Annotated[
    Decimal,
    Field(max_digits=15, decimal_places=2),
    PlainSerializer(float, return_type=float, when_used="json"),
]
"""An amount in a currency's major unit, as Salesforce's Currency fields hold it (at most 2 decimals)."""

CurrencyIsoCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
"""ISO 4217, as in Salesforce's `CurrencyIsoCode`."""

CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
"""ISO 3166-1 alpha-2, as Salesforce's State and Country/Territory Picklists store it."""
