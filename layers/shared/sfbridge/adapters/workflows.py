"""Step Functions: start executions, describe them, and run EXPRESS ones synchronously within a time budget.

`StartSyncExecution` is the one call moto does not implement. With `emulate_sync` (the local stack and the tests
set `SYNC_EXECUTION_EMULATION=poll`), `run_sync` starts the execution and polls `DescribeExecution` instead, within
the same budget. Nothing else changes between the two modes.
"""

import time
from functools import cache
from typing import Any, Final

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ReadTimeoutError

from sfbridge.adapters.aws import client
from sfbridge.exceptions import WorkflowTimedOut, WorkflowUnavailable
from sfbridge.models.workflows import ExecutionOutcome

_POLL_INTERVAL_SECONDS: Final = 0.05
_POLL_INTERVAL_MAX_SECONDS: Final = 0.5

SYNC_CONNECT_TIMEOUT_SECONDS: Final = 2
"""StartSyncExecution's connect timeout; the read timeout is what is left of the budget after it."""
_SYNC_MIN_READ_TIMEOUT_SECONDS: Final = 1

# StartExecution and DescribeExecution answer within milliseconds. Every attempt's connect and read timeouts, times
# the attempts, stay far below API Gateway's 29 s wall: 3 x (2 + 5) = 21 s at the very worst.
_STEPFUNCTIONS_CONFIG: Final = Config(
    connect_timeout=2, read_timeout=5, retries={"total_max_attempts": 3, "mode": "standard"}
)


class Workflows:
    def __init__(self, *, emulate_sync: bool = False) -> None:
        self._emulate_sync = emulate_sync

    def run_sync(self, state_machine_arn: str, *, name: str, input: str, budget_seconds: float) -> ExecutionOutcome:
        """Run an EXPRESS execution to its end; `WorkflowTimedOut` when the budget runs out first."""
        read_timeout = sync_read_timeout(budget_seconds)
        if read_timeout is None:
            # Starting now could only run past the budget: answer 504 without a workflow nobody waits for.
            raise WorkflowTimedOut(
                f"the time budget was spent before the workflow could start ({budget_seconds:.1f} s left)"
            )
        if self._emulate_sync:
            return self._start_and_poll(state_machine_arn, name=name, input=input, budget_seconds=budget_seconds)
        try:
            response = _sync_client(read_timeout).start_sync_execution(
                stateMachineArn=state_machine_arn, name=name, input=input
            )
        except ReadTimeoutError as exc:
            raise WorkflowTimedOut(f"no answer within the time budget of {budget_seconds:.0f} s") from exc
        except (BotoCoreError, ClientError) as exc:
            raise WorkflowUnavailable(f"Step Functions did not run the execution: {_error_code(exc)}") from exc
        return _outcome(response)

    def start(self, state_machine_arn: str, *, name: str, input: str, already_started_is_success: bool = False) -> str:
        """Start an execution and return its ARN.

        With `already_started_is_success`, an execution of that name that exists already is taken as this one (the
        caller derives names so that only a retry of the same request can reuse one).
        """
        try:
            response = stepfunctions_client().start_execution(stateMachineArn=state_machine_arn, name=name, input=input)
        except ClientError as exc:
            if already_started_is_success and _error_code(exc) == "ExecutionAlreadyExists":
                return execution_arn(state_machine_arn, name)
            raise WorkflowUnavailable(f"Step Functions did not start the execution: {_error_code(exc)}") from exc
        except BotoCoreError as exc:
            raise WorkflowUnavailable(f"Step Functions did not start the execution: {_error_code(exc)}") from exc
        return str(response["executionArn"])

    def describe(self, execution_arn: str) -> ExecutionOutcome | None:
        """The execution's status and result; None when there is no such execution."""
        try:
            response = stepfunctions_client().describe_execution(executionArn=execution_arn)
        except ClientError as exc:
            if _error_code(exc) == "ExecutionDoesNotExist":
                return None
            raise WorkflowUnavailable(f"Step Functions did not describe the execution: {_error_code(exc)}") from exc
        except BotoCoreError as exc:
            raise WorkflowUnavailable("Step Functions could not be reached") from exc
        return _outcome(response)

    def _start_and_poll(
        self, state_machine_arn: str, *, name: str, input: str, budget_seconds: float
    ) -> ExecutionOutcome:
        deadline = time.monotonic() + budget_seconds
        execution_arn = self.start(state_machine_arn, name=name, input=input)
        interval = _POLL_INTERVAL_SECONDS
        while True:
            outcome = self.describe(execution_arn)
            if outcome is not None and outcome.status != "RUNNING":
                return outcome
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise WorkflowTimedOut(f"no answer within the time budget of {budget_seconds:.0f} s")
            time.sleep(min(interval, remaining))
            interval = min(interval * 2, _POLL_INTERVAL_MAX_SECONDS)


def execution_arn(state_machine_arn: str, execution_name: str) -> str:
    """`arn:aws:states:<region>:<account>:stateMachine:<name>` -> `...:execution:<name>:<execution name>`."""
    prefix, marker, machine = state_machine_arn.rpartition(":stateMachine:")
    if not marker:
        raise ValueError(f"{state_machine_arn!r} is not a state machine ARN")
    return f"{prefix}:execution:{machine}:{execution_name}"


def sync_read_timeout(budget_seconds: float) -> int | None:
    """Whole seconds StartSyncExecution may wait for its answer so that connect + read fit in `budget_seconds`.

    None when not even the shortest read fits: the call would outlast the budget.
    """
    seconds = int(budget_seconds - SYNC_CONNECT_TIMEOUT_SECONDS)
    return seconds if seconds >= _SYNC_MIN_READ_TIMEOUT_SECONDS else None


def stepfunctions_client() -> Any:
    """The client for StartExecution and DescribeExecution, with its timeouts set here rather than by default."""
    return client("stepfunctions", _STEPFUNCTIONS_CONFIG)


def _sync_client(read_timeout_seconds: int) -> Any:
    return client("stepfunctions", _sync_config(read_timeout_seconds))


@cache
def _sync_config(read_timeout_seconds: int) -> Config:
    # One attempt only: a retried StartSyncExecution would run the workflow, and its side effects, twice.
    return Config(
        connect_timeout=SYNC_CONNECT_TIMEOUT_SECONDS,
        read_timeout=read_timeout_seconds,
        retries={"total_max_attempts": 1, "mode": "standard"},
    )


def _outcome(response: dict[str, Any]) -> ExecutionOutcome:
    return ExecutionOutcome(
        execution_arn=str(response["executionArn"]),
        status=response["status"],
        output=response.get("output"),
        error=response.get("error"),
        cause=response.get("cause"),
        input=response.get("input"),
    )


def _error_code(error: Exception) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "Unknown"))
    return type(error).__name__
