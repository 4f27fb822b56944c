"""The outbound receiver's settings, checked without pydantic: the Salesforce-facing function stays quick to start.

pydantic's first model costs 100-150 ms of cold import, more than all of the receiver's own code; the receiver
answers Salesforce on its clock, so it reads its six variables by hand, as strictly. Every other function's
settings are pydantic models in `sfbridge.config`, which re-exports this class.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Self

from sfbridge.exceptions import ConfigurationError


@dataclass(frozen=True, slots=True)
class OutboundReceiverSettings:
    queue_url: str
    claim_check_bucket: str
    allowed_organization_ids: str
    endpoint_token: str | None = field(default=None, repr=False)
    max_body_bytes: int = 3 * 1024 * 1024
    max_queue_message_bytes: int = 262_144

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """Read the template's variables; a `ConfigurationError` names what is missing or invalid, never a value."""
        reader = _Reader(os.environ if environ is None else environ)
        settings = cls(
            queue_url=reader.required("OUTBOUND_QUEUE_URL"),
            claim_check_bucket=reader.required("CLAIM_CHECK_BUCKET"),
            allowed_organization_ids=reader.required("ALLOWED_ORGANIZATION_IDS"),
            endpoint_token=reader.environ.get("ENDPOINT_TOKEN") or None,
            max_body_bytes=reader.integer("MAX_BODY_BYTES", 3 * 1024 * 1024, minimum=1),
            max_queue_message_bytes=reader.integer("MAX_QUEUE_MESSAGE_BYTES", 262_144, minimum=1025),
        )
        if reader.problems:
            names = ", ".join(reader.problems)
            raise ConfigurationError(f"{cls.__name__}: invalid or missing environment: {names}")
        return settings


@dataclass(slots=True)
class _Reader:
    environ: Mapping[str, str]
    problems: list[str] = field(default_factory=list)

    def required(self, name: str) -> str:
        value = self.environ.get(name)
        if value is None:
            self.problems.append(name)
        return value or ""

    def integer(self, name: str, default: int, *, minimum: int) -> int:
        raw = self.environ.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.problems.append(name)
            return default
        if value < minimum:
            self.problems.append(name)
        return value
