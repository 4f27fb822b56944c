"""The outbound receiver's settings, checked without pydantic: the Salesforce-facing function stays quick to start.

pydantic's first model costs 100-150 ms of cold import, more than all of the receiver's own code; the receiver
answers Salesforce on its clock, so it reads its variables by hand, as strictly. Every other function's
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
    endpoint_token_secret: str | None = None
    """ARN of the Secrets Manager secret holding the accepted tokens; None only with `allow_unauthenticated`."""
    endpoint_token_cache_seconds: int = 300
    allow_unauthenticated: bool = False
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
            endpoint_token_secret=reader.environ.get("ENDPOINT_TOKEN_SECRET") or None,
            endpoint_token_cache_seconds=reader.integer("ENDPOINT_TOKEN_CACHE_SECONDS", 300, minimum=0, maximum=3600),
            allow_unauthenticated=reader.boolean("ALLOW_UNAUTHENTICATED"),
            max_body_bytes=reader.integer("MAX_BODY_BYTES", 3 * 1024 * 1024, minimum=1),
            max_queue_message_bytes=reader.integer("MAX_QUEUE_MESSAGE_BYTES", 262_144, minimum=1025),
        )
        # Fail closed: a receiver that lost its secret must not quietly accept unauthenticated messages.
        if settings.endpoint_token_secret is None and not settings.allow_unauthenticated:
            reader.problems.append("ENDPOINT_TOKEN_SECRET is required unless ALLOW_UNAUTHENTICATED is true")
        if reader.problems:
            names = ", ".join(reader.problems)
            raise ConfigurationError(f"{cls.__name__}: invalid or missing environment: {names}")
        return settings


_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


@dataclass(slots=True)
class _Reader:
    environ: Mapping[str, str]
    problems: list[str] = field(default_factory=list)

    def required(self, name: str) -> str:
        value = self.environ.get(name)
        if value is None:
            self.problems.append(name)
        return value or ""

    def boolean(self, name: str) -> bool:
        raw = (self.environ.get(name) or "false").strip().lower()
        if raw not in _BOOLEANS:
            self.problems.append(name)
        return _BOOLEANS.get(raw, False)

    def integer(self, name: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
        raw = self.environ.get(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.problems.append(name)
            return default
        if value < minimum or (maximum is not None and value > maximum):
            self.problems.append(name)
        return value
