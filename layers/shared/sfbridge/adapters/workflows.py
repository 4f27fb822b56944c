"""Step Functions: start executions, describe them, and run EXPRESS ones synchronously within a time budget.

`StartSyncExecution` is the one call moto does not implement. With `emulate_sync` (the local stack and the tests
set `SYNC_EXECUTION_EMULATION=poll`), `run_sync` starts the execution and polls `DescribeExecution` instead, within
the same budget. Nothing else changes between the two modes.
"""

import time
from functools import cache
from typing import Any, Final

import botocore.session
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, ReadTimeoutError

from sfbridge.adapters.aws import client
from sfbridge.exceptions import WorkflowTimedOut, WorkflowUnavailable
from sfbridge.models.workflows import ExecutionOutcome

_POLL_INTERVAL_SECONDS: Final = 0.05
_POLL_INTERVAL_MAX_SECONDS: Final = 0.5


class Workflows:
    def __init__(self, *, emulate_sync: bool = False) -> None:
        self._emulate_sync = emulate_sync

    def run_sync(self, state_machine_arn: str, *, name: str, input: str, budget_seconds: float) -> ExecutionOutcome:
        """Run an EXPRESS execution to its end; `WorkflowTimedOut` when the budget runs out first."""
        if self._emulate_sync:
            return self._start_and_poll(state_machine_arn, name=name, input=input, budget_seconds=budget_seconds)
        try:
            response = _sync_client(max(1, int(budget_seconds))).start_sync_execution(
                stateMachineArn=state_machine_arn, name=name, input=input
            )
        except ReadTimeoutError as exc:
            raise WorkflowTimedOut(f"no answer within the time budget of {budget_seconds:.0f} s") from exc
        except (BotoCoreError, ClientError) as exc:
            raise WorkflowUnavailable(f"Step Functions did not run the execution: {_error_code(exc)}") from exc
        return _outcome(response)

    def start(self, state_machine_arn: str, *, name: str, input: str) -> str:
        """Start an execution and return its ARN."""
        try:
            response = client("stepfunctions").start_execution(
                stateMachineArn=state_machine_arn, name=name, input=input
            )
        except (BotoCoreError, ClientError) as exc:
            raise WorkflowUnavailable(f"Step Functions did not start the execution: {_error_code(exc)}") from exc
        return str(response["executionArn"])

    def describe(self, execution_arn: str) -> ExecutionOutcome | None:
        """The execution's status and result; None when there is no such execution."""
        try:
            response = client("stepfunctions").describe_execution(executionArn=execution_arn)
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


@cache
def _sync_client(read_timeout_seconds: int) -> Any:
    # One attempt only: a retried StartSyncExecution would run the workflow, and its side effects, twice.
    config = Config(
        connect_timeout=2, read_timeout=read_timeout_seconds, retries={"total_max_attempts": 1, "mode": "standard"}
    )
    return botocore.session.get_session().create_client("stepfunctions", config=config)


def _outcome(response: dict[str, Any]) -> ExecutionOutcome:
    return ExecutionOutcome(
        execution_arn=str(response["executionArn"]),
        status=response["status"],
        output=response.get("output"),
        error=response.get("error"),
        cause=response.get("cause"),
    )


def _error_code(error: Exception) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code", "Unknown"))
    return type(error).__name__
