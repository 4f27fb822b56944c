"""How an execution's end becomes an HTTP answer: by its status, then by the workflow's error name.

`StartSyncExecution` answers HTTP 200 even when the execution failed, so nothing here trusts the call's success.
Workflows report errors their callers can act on with a Fail state named in `CLIENT_ERRORS`; every other error
is the workflow's own failure (502), and a timeout is 504.
"""

import json
from typing import Any, Final

from sfbridge.exceptions import WorkflowConflict, WorkflowEnded, WorkflowFailed, WorkflowRejectedInput, WorkflowTimedOut
from sfbridge.models.workflows import ExecutionOutcome

CLIENT_ERRORS: Final[dict[str, type[WorkflowEnded]]] = {
    "ValidationError": WorkflowRejectedInput,
    "Conflict": WorkflowConflict,
}
"""Fail-state error names whose `Cause` is written for the caller and shown to it."""

TIMEOUT_ERROR: Final = "States.Timeout"
_CAUSE_LIMIT: Final = 1000


def ending_error(workflow: str, outcome: ExecutionOutcome) -> WorkflowEnded | None:
    """The error an ended execution stands for; None when it succeeded or is still running."""
    if outcome.status in ("SUCCEEDED", "RUNNING", "PENDING_REDRIVE"):
        return None
    if outcome.status == "TIMED_OUT" or outcome.error == TIMEOUT_ERROR:
        return WorkflowTimedOut(f"the {workflow} workflow timed out", workflow_error=outcome.error)
    if outcome.status == "ABORTED":
        return WorkflowFailed(f"the {workflow} workflow was stopped before it finished", workflow_error=None)
    error_name = outcome.error or "States.Runtime"
    client_error = CLIENT_ERRORS.get(error_name)
    if client_error is not None:
        detail = caller_cause(outcome.cause) or f"the {workflow} workflow refused the request"
        return client_error(detail, workflow_error=error_name)
    return WorkflowFailed(f"the {workflow} workflow failed with {error_name}", workflow_error=error_name)


def execution_output(workflow: str, outcome: ExecutionOutcome) -> Any:
    """The parsed output of a successful execution, or the error it ended with, raised."""
    error = ending_error(workflow, outcome)
    if error is not None:
        raise error
    try:
        return json.loads(outcome.output or "null")
    except json.JSONDecodeError as exc:
        raise WorkflowFailed(f"the {workflow} workflow returned output that is not JSON") from exc


def caller_cause(cause: str | None) -> str | None:
    """A Fail state's cause as the caller may read it: a Lambda error's `errorMessage`, never its stack trace."""
    if not cause:
        return None
    try:
        parsed = json.loads(cause)
    except json.JSONDecodeError:
        return cause[:_CAUSE_LIMIT]
    if isinstance(parsed, dict) and isinstance(parsed.get("errorMessage"), str):
        return str(parsed["errorMessage"])[:_CAUSE_LIMIT]
    return cause[:_CAUSE_LIMIT]
