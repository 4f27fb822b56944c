"""Who may send Outbound Messages: the organization allowlist and the endpoint token."""

import hmac
from collections.abc import Iterable, Sequence

from sfbridge.domain.ids import key_prefix, to_18
from sfbridge.exceptions import ConfigurationError, InvalidSalesforceId, SenderRejected

ORGANIZATION_PREFIX = "00D"


class OrganizationAllowlist:
    """Organizations allowed to send; IDs are compared in their 18-character form, in constant time."""

    def __init__(self, organization_ids: Iterable[str]) -> None:
        allowed = []
        for raw in organization_ids:
            try:
                allowed.append(to_18(raw).encode())
            except InvalidSalesforceId as exc:
                raise ConfigurationError(f"AllowedOrganizationIds holds an invalid ID: {exc}") from exc
        self._allowed = tuple(allowed)

    @classmethod
    def from_csv(cls, value: str) -> "OrganizationAllowlist":
        return cls(part for part in value.split(",") if part.strip())

    def __len__(self) -> int:
        return len(self._allowed)

    def check(self, organization_id: str) -> str:
        """Return the 18-character form of an allowed organization ID, or raise `SenderRejected`."""
        try:
            candidate = to_18(organization_id)
        except InvalidSalesforceId as exc:
            raise SenderRejected(f"OrganizationId is not a valid Salesforce ID: {exc}") from exc
        if key_prefix(candidate) != ORGANIZATION_PREFIX:
            raise SenderRejected(f"OrganizationId {candidate} is not an organization ID (prefix 00D)")
        # Compare against every entry, without stopping early, so timing says nothing about the list.
        matched = False
        for allowed in self._allowed:
            matched |= hmac.compare_digest(allowed, candidate.encode())
        if not matched:
            raise SenderRejected(f"organization {candidate} is not in AllowedOrganizationIds")
        return candidate


def check_endpoint_token(accepted: Sequence[str], presented: str | None) -> None:
    """The request URL must carry (`?token=`) one of the accepted tokens; none accepted refuses everyone.

    Every accepted token is compared, in constant time and without stopping early, so timing tells neither the
    token nor which of the two (current or previous, during a rotation) matched.
    """
    candidate = (presented or "").encode()
    matched = False
    for token in accepted:
        matched |= bool(token) and hmac.compare_digest(token.encode(), candidate)
    if not matched:
        raise SenderRejected("endpoint token is missing or wrong")
