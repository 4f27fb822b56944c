"""Function settings: the environment the template gives each function, validated at invocation."""

import os
from collections.abc import Mapping
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, Json, ValidationError

from sfbridge.domain.retention import SQS_MAX_RETENTION_DAYS, Retention
from sfbridge.exceptions import ConfigurationError
from sfbridge.receiver_config import OutboundReceiverSettings

__all__ = [
    "ArchiveSettings",
    "CalloutEventWorkerSettings",
    "CalloutIdempotencySettings",
    "EventRouteSettings",
    "JobResultsSettings",
    "JobRouteSettings",
    "JobStatusSettings",
    "OperationRouteSettings",
    "OutboundReceiverSettings",
    "OutboundWorkerSettings",
    "SalesforceSettings",
    "Settings",
]


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


class SalesforceSettings(Settings):
    """The connection into Salesforce: a connected app with a certificate, used with the OAuth 2.0 JWT bearer flow."""

    consumer_key: str = Field(alias="SALESFORCE_CONSUMER_KEY", min_length=1, max_length=256)
    """The connected app's consumer key: the assertion's `iss`."""
    username: str = Field(alias="SALESFORCE_USERNAME", pattern=r"^[^@\s]+@[^@\s]+$", max_length=80)
    """The integration user the app is pre-authorized for: the assertion's `sub`."""
    login_host: str = Field(
        alias="SALESFORCE_LOGIN_HOST", pattern=r"^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:\d{1,5})?$"
    )
    """`login.salesforce.com`, `test.salesforce.com` or the org's My Domain host: where the token is requested."""
    private_key_secret: str = Field(alias="SALESFORCE_PRIVATE_KEY_SECRET", min_length=1)
    """ARN (or name) of the secret whose SecretString is the PEM private key of the app's certificate."""
    api_version: str = Field(default="62.0", alias="SALESFORCE_API_VERSION", pattern=r"^[1-9][0-9]\.0$")
    session_seconds: int = Field(default=900, alias="SALESFORCE_SESSION_SECONDS", ge=60, le=86_400)
    """How long a token is used before a new one is fetched: the JWT bearer answer carries no expiry, and a
    session lasts at least 15 minutes (Salesforce's shortest session timeout). A 401 refreshes it sooner."""
    max_attempts: int = Field(default=4, alias="SALESFORCE_MAX_ATTEMPTS", ge=1, le=10)
    backoff_base_seconds: float = Field(default=0.5, alias="SALESFORCE_BACKOFF_BASE_SECONDS", ge=0, le=10)
    backoff_cap_seconds: float = Field(default=8.0, alias="SALESFORCE_BACKOFF_CAP_SECONDS", ge=0, le=60)
    timeout_seconds: float = Field(default=10.0, alias="SALESFORCE_TIMEOUT_SECONDS", gt=0, le=60)

    @property
    def login_url(self) -> str:
        return f"https://{self.login_host}"

    @property
    def audience(self) -> str:
        """The assertion's `aud`: Salesforce accepts `https://login.salesforce.com` for production orgs and
        `https://test.salesforce.com` for sandboxes, also when the token is requested from a My Domain host.
        Any other host (an Experience Cloud site's, a stand-in's) is its own audience."""
        host = self.login_host.lower().partition(":")[0]
        if host == "test.salesforce.com" or host.endswith(".sandbox.my.salesforce.com"):
            return "https://test.salesforce.com"
        if host.endswith(".salesforce.com"):
            return "https://login.salesforce.com"
        return self.login_url


class JobResultsSettings(Settings):
    jobs: Json[dict[str, str]] = Field(alias="JOBS")
    """Job name -> STANDARD state machine ARN, as JSON: the same value the callout API is given."""
    idempotency_table: str = Field(alias="IDEMPOTENCY_TABLE")
    idempotency_ttl_seconds: int = Field(default=172_800, alias="IDEMPOTENCY_TTL_SECONDS", ge=3600)
    event_name: str = Field(default="Sfbridge_Job_Result__e", alias="JOB_RESULT_EVENT", pattern=r"^[A-Za-z]\w*__e$")
