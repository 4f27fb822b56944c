"""State machine boundaries: the input every workflow receives, and an execution's outcome as Step Functions says."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

ExecutionStatus = Literal["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"]


class WorkflowInput(BaseModel):
    """The execution input: the validated request body under `input`, and the caller's request id beside it.

    State machines read `$.input.<field>` and pass `$.requestId` on, so every log line and event can be correlated.
    """

    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)

    request_id: str
    input: dict[str, Any]
    job_id: str | None = None
    """Set by `POST /jobs/{name}` only: `GET /jobs/{id}` reads an execution only when its input names that id."""


class ExecutionOutcome(BaseModel):
    """What `StartSyncExecution` or `DescribeExecution` says about one execution."""

    model_config = ConfigDict(frozen=True)

    execution_arn: str
    status: ExecutionStatus
    output: str | None = None
    error: str | None = None
    cause: str | None = None
    input: str | None = None
    """The execution's input (DescribeExecution only; StartSyncExecution does not return it)."""
