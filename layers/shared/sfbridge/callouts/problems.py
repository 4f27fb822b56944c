"""What the callout API answers on failure: the one place where an exception becomes an HTTP status.

Each exception class has exactly one entry; a subclass without its own entry is answered like its nearest listed
ancestor. Bodies are RFC 9457 problem documents whose `type` URI is stable, so that Apex can branch on it.
"""

from dataclasses import dataclass
from typing import Final

from sfbridge.exceptions import (
    ClientError,
    ConfigurationError,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    IdempotencyStoreUnavailable,
    InvalidIdempotencyKey,
    JobNotFound,
    MalformedJson,
    PayloadTooLarge,
    RequestInvalid,
    SfbridgeError,
    StoreUnavailable,
    UnknownEventType,
    UnknownJob,
    UnknownOperation,
    UnsupportedMediaType,
    WorkflowConflict,
    WorkflowEnded,
    WorkflowFailed,
    WorkflowRejectedInput,
    WorkflowTimedOut,
    WorkflowUnavailable,
)
from sfbridge.models.callouts import FieldError, Problem

CONTENT_TYPE: Final = "application/problem+json"
TYPE_BASE: Final = "https://sfbridge.dev/problems/"


@dataclass(frozen=True, slots=True)
class ProblemKind:
    status: int
    slug: str
    title: str

    @property
    def type_uri(self) -> str:
        return TYPE_BASE + self.slug


STATUS_BY_EXCEPTION: Final[dict[type[BaseException], ProblemKind]] = {
    MalformedJson: ProblemKind(400, "malformed-json", "Malformed JSON"),
    RequestInvalid: ProblemKind(400, "validation-error", "Invalid request"),
    InvalidIdempotencyKey: ProblemKind(400, "invalid-idempotency-key", "Invalid Idempotency-Key"),
    ClientError: ProblemKind(400, "bad-request", "Bad request"),
    UnknownEventType: ProblemKind(404, "unknown-event-type", "Unknown event type"),
    UnknownOperation: ProblemKind(404, "unknown-operation", "Unknown operation"),
    UnknownJob: ProblemKind(404, "unknown-job", "Unknown job"),
    JobNotFound: ProblemKind(404, "job-not-found", "Job not found"),
    IdempotencyKeyReused: ProblemKind(409, "idempotency-key-reused", "Idempotency-Key reused with another body"),
    IdempotencyKeyInUse: ProblemKind(409, "idempotency-key-in-use", "Idempotency-Key in use"),
    WorkflowConflict: ProblemKind(409, "workflow-conflict", "Conflict"),
    PayloadTooLarge: ProblemKind(413, "payload-too-large", "Payload too large"),
    UnsupportedMediaType: ProblemKind(415, "unsupported-media-type", "Unsupported media type"),
    WorkflowRejectedInput: ProblemKind(422, "workflow-rejected-input", "Request refused by the workflow"),
    ConfigurationError: ProblemKind(500, "configuration-error", "Service misconfigured"),
    WorkflowFailed: ProblemKind(502, "workflow-failed", "Workflow failed"),
    StoreUnavailable: ProblemKind(503, "service-unavailable", "Service unavailable"),
    WorkflowUnavailable: ProblemKind(503, "workflow-unavailable", "Workflow unavailable"),
    IdempotencyStoreUnavailable: ProblemKind(503, "idempotency-unavailable", "Idempotency store unavailable"),
    WorkflowTimedOut: ProblemKind(504, "workflow-timed-out", "Workflow timed out"),
}
INTERNAL_ERROR: Final = ProblemKind(500, "internal-error", "Internal error")

_SERVER_DETAIL: Final = "sfbridge could not complete the request; retry it later with the same Idempotency-Key"


def kind_of(error: BaseException) -> ProblemKind:
    """The entry for the error's class, or its nearest listed ancestor; anything else is an internal error."""
    for cls in type(error).__mro__:
        if cls in STATUS_BY_EXCEPTION:
            return STATUS_BY_EXCEPTION[cls]
    return INTERNAL_ERROR


def problem_for(error: BaseException, *, request_id: str | None = None, instance: str | None = None) -> Problem:
    """The problem document for `error`. Errors that are not sfbridge's own never reveal their text."""
    kind = kind_of(error)
    return Problem(
        type=kind.type_uri,
        title=kind.title,
        status=kind.status,
        detail=_detail(error, kind),
        instance=instance,
        errors=[FieldError(path=p, message=m) for p, m in error.errors] if isinstance(error, RequestInvalid) else None,
        workflow_error=error.workflow_error if isinstance(error, WorkflowEnded) else None,
        request_id=request_id,
    )


def _detail(error: BaseException, kind: ProblemKind) -> str:
    if not isinstance(error, SfbridgeError) or kind.status == 500:
        return _SERVER_DETAIL
    return str(error) or kind.title


def render(problem: Problem) -> str:
    return problem.model_dump_json(by_alias=True, exclude_none=True)
