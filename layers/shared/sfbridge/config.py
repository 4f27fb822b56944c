"""Function settings: the environment the template gives each function, validated at invocation."""

import os
from collections.abc import Mapping
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from sfbridge.exceptions import ConfigurationError


class Settings(BaseModel):
    """Base for per-function settings; field aliases are the environment variable names."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        try:
            return cls.model_validate(dict(os.environ if environ is None else environ))
        except ValidationError as exc:
            missing = ", ".join(str(error["loc"][0]) for error in exc.errors())
            raise ConfigurationError(f"{cls.__name__}: invalid or missing environment: {missing}") from exc


class OutboundReceiverSettings(Settings):
    queue_url: str = Field(alias="OUTBOUND_QUEUE_URL")
    claim_check_bucket: str = Field(alias="CLAIM_CHECK_BUCKET")
    allowed_organization_ids: str = Field(alias="ALLOWED_ORGANIZATION_IDS")
    endpoint_token: SecretStr | None = Field(default=None, alias="ENDPOINT_TOKEN")
    max_body_bytes: int = Field(default=3 * 1024 * 1024, alias="MAX_BODY_BYTES", gt=0)
    max_queue_message_bytes: int = Field(default=262_144, alias="MAX_QUEUE_MESSAGE_BYTES", gt=1024)


class OutboundWorkerSettings(Settings):
    claim_check_bucket: str = Field(alias="CLAIM_CHECK_BUCKET")
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE")
    record_version_table: str = Field(alias="RECORD_VERSION_TABLE")
    event_bus_name: str = Field(alias="EVENT_BUS_NAME")
    idempotency_ttl_seconds: int = Field(default=172_800, alias="IDEMPOTENCY_TTL_SECONDS", ge=172_800)
