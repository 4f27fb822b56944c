"""Function settings: the environment the template gives each function, validated at invocation."""

import os
from collections.abc import Mapping
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, Json, SecretStr, ValidationError

from sfbridge.domain.retention import SQS_MAX_RETENTION_DAYS, Retention
from sfbridge.exceptions import ConfigurationError


class Settings(BaseModel):
    """Base for per-function settings; field aliases are the environment variable names."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        try:
            return cls.model_validate(dict(os.environ if environ is None else environ))
        except ValidationError as exc:
            # Name the variables, never their values: some of them are secrets.
            names = ", ".join(".".join(map(str, error["loc"])) or error["msg"] for error in exc.errors())
            raise ConfigurationError(f"{cls.__name__}: invalid or missing environment: {names}") from exc


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
    delivery_failure_table: str = Field(alias="DELIVERY_FAILURE_TABLE")
    event_bus_name: str = Field(alias="EVENT_BUS_NAME")
    retention_horizon_days: int = Field(
        default=SQS_MAX_RETENTION_DAYS, alias="RETENTION_HORIZON_DAYS", ge=1, le=SQS_MAX_RETENTION_DAYS
    )
    """Every retention of the worker's records derives from it (`sfbridge.domain.retention`)."""

    @property
    def retention(self) -> Retention:
        return Retention(self.retention_horizon_days)


class CalloutIdempotencySettings(Settings):
    """What every POST route of the callout API needs: where answers to an `Idempotency-Key` are kept.

    Each route reads only its own settings class, so a malformed variable of one route (say `OPERATIONS`) fails that
    route alone and never `POST /events`.
    """

    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE")
    idempotency_ttl_seconds: int = Field(default=172_800, alias="IDEMPOTENCY_TTL_SECONDS", ge=3600)


class EventRouteSettings(CalloutIdempotencySettings):
    """`POST /events/{type}`."""

    events_queue_url: str = Field(alias="EVENTS_QUEUE_URL")


class OperationRouteSettings(CalloutIdempotencySettings):
    """`POST /operations/{name}`."""

    operations: Json[dict[str, str]] = Field(alias="OPERATIONS")
    """Operation name -> EXPRESS state machine ARN, as JSON; the catalog declares the same names."""
    operation_time_budget_seconds: int = Field(default=25, alias="OPERATION_TIME_BUDGET_SECONDS", ge=1, le=28)
    sync_execution_emulation: Literal["off", "poll"] = Field(default="off", alias="SYNC_EXECUTION_EMULATION")
    """`poll` where `StartSyncExecution` does not exist (moto): StartExecution, then DescribeExecution."""


class JobStatusSettings(Settings):
    """`GET /jobs/{id}`: only where the jobs run; it remembers nothing."""

    jobs: Json[dict[str, str]] = Field(alias="JOBS")
    """Job name -> STANDARD state machine ARN, as JSON; the catalog declares the same names."""


class JobRouteSettings(CalloutIdempotencySettings, JobStatusSettings):
    """`POST /jobs/{name}`."""


class CalloutEventWorkerSettings(Settings):
    event_bus_name: str = Field(alias="EVENT_BUS_NAME")
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE")
    idempotency_ttl_seconds: int = Field(default=172_800, alias="IDEMPOTENCY_TTL_SECONDS", ge=3600)
    delivery_failure_table: str | None = Field(default=None, alias="DELIVERY_FAILURE_TABLE")
    """Where failed events are recorded for the operator; None records nothing (the failure is still logged)."""


class ArchiveSettings(Settings):
    """The workers' archive of accepted messages; archiving is off where no bucket is configured."""

    archive_bucket: str | None = Field(default=None, alias="ARCHIVE_BUCKET")
