"""Payloads of the sample event types, as Apex sends them to `POST /events/{type}`."""

from datetime import date, datetime
from typing import Annotated

from pydantic import Field

from sfbridge.models.fields import (
    AccountId,
    CalloutBody,
    CaseId,
    ContactId,
    CountryCode,
    CurrencyIsoCode,
    Money,
    OrderId,
    OrderItemId,
    UserId,
)

Text = Annotated[str, Field(min_length=1, max_length=255)]


class PostalAddress(CalloutBody):
    street: Text
    city: Text
    postal_code: Annotated[str, Field(max_length=20)] | None = None
    country: CountryCode


class OrderLine(CalloutBody):
    order_item_id: OrderItemId
    product_code: Annotated[str, Field(min_length=1, max_length=255)]
    quantity: Annotated[int, Field(gt=0, le=1_000_000)]
    unit_price: Annotated[Money, Field(ge=0)]


class OrderPlaced(CalloutBody):
    """`order-placed`: an Order was activated (sent by a record-triggered flow or an Order trigger)."""

    order_id: OrderId
    order_number: Annotated[str, Field(min_length=1, max_length=30)]
    account_id: AccountId
    effective_date: date
    currency_iso_code: CurrencyIsoCode
    total_amount: Annotated[Money, Field(ge=0)]
    po_number: Annotated[str, Field(max_length=80)] | None = None
    shipping_address: PostalAddress | None = None
    items: Annotated[list[OrderLine], Field(min_length=1, max_length=500)]


class CaseEscalated(CalloutBody):
    """`case-escalated`: a Case met an escalation rule or was escalated by an agent."""

    case_id: CaseId
    case_number: Annotated[str, Field(min_length=1, max_length=30)]
    account_id: AccountId | None = None
    contact_id: ContactId | None = None
    owner_id: UserId
    priority: Annotated[str, Field(min_length=1, max_length=40)]
    origin: Annotated[str, Field(max_length=40)] | None = None
    subject: Annotated[str, Field(max_length=255)] | None = None
    escalation_level: Annotated[int, Field(ge=1, le=10)] = 1
    escalated_at: datetime


class Ping(CalloutBody):
    """`sfbridge.ping`: the connectivity check of salesforce/scripts/apex/verify-callout.apex."""

    sent_at: datetime
    sent_by: Annotated[str, Field(min_length=1, max_length=80)] | None = None
