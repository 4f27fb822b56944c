"""Step Functions locally: moto runs the state machines; their Lambda tasks call the local handlers.

moto's ASL interpreter sends both Lambda task forms (`arn:aws:states:::lambda:invoke` and a function ARN as the
`Resource`) through one function, `lambda_eval_utils._invoke_lambda_function`, which would call moto's Lambda
(and so Docker). That one function is wrapped: calls for the template's functions go to `LocalStack.invoke`,
anything else goes on to moto. moto does not serve `StartSyncExecution`; it is added here as a start followed by a
wait, answered in the shape of the real API. And moto's interpreter names an execution started without a name
"None", so that a second one fails with ExecutionAlreadyExists: such executions get a generated name, as on AWS.
"""

import http.client
import json
import time
import uuid
from collections.abc import Callable
from typing import Any, Final
from urllib.parse import urlsplit

from moto.core.exceptions import AWSError
from moto.core.responses import ActionResult
from moto.stepfunctions.parser.asl.component.state.exec.state_task import lambda_eval_utils
from moto.stepfunctions.parser.models import StepFunctionsParserBackend
from moto.stepfunctions.responses import StepFunctionResponse

from localrun.functions import error_payload

EXECUTE_STATE_MACHINES: Final = {"stepfunctions": {"execute_state_machine": True}}
SYNC_EXECUTION_LIMIT_SECONDS: Final = 300
"""An EXPRESS execution started with StartSyncExecution runs for at most five minutes."""


class StateMachineTypeNotSupported(AWSError):
    """What AWS answers to StartSyncExecution on a STANDARD state machine."""

    TYPE = "StateMachineTypeNotSupported"
    STATUS = 400


TaskInvoke = Callable[[Any], Any]
_tasks: dict[str, TaskInvoke] = {}
_moto_invoke: Callable[..., Any] | None = None


def route_lambda_tasks(tasks: dict[str, TaskInvoke]) -> None:
    """Send Lambda tasks naming these functions (by name or ARN) to the given callables, from now on."""
    global _moto_invoke
    _tasks.update(tasks)
    if _moto_invoke is None:
        _moto_invoke = lambda_eval_utils._invoke_lambda_function
        lambda_eval_utils._invoke_lambda_function = _invoke_lambda_function
        StepFunctionResponse.start_sync_execution = _start_sync_execution  # type: ignore[attr-defined]
        StepFunctionsParserBackend.start_execution = _named(StepFunctionsParserBackend.start_execution)  # type: ignore[method-assign]


def _named(start_execution: Callable[..., Any]) -> Callable[..., Any]:
    def start_named_execution(self: Any, state_machine_arn: str, name: str | None = None, *args: Any) -> Any:
        return start_execution(self, state_machine_arn, name or str(uuid.uuid4()), *args)

    return start_named_execution


def function_name(reference: str) -> str:
    """`name`, `name:qualifier`, or a full or partial function ARN, down to the function's name."""
    return reference.split(":function:", 1)[-1].split(":", 1)[0]


def _invoke_lambda_function(parameters: dict[str, Any], region: str, state_credentials: Any) -> dict[str, Any]:
    task = _tasks.get(function_name(str(parameters.get("FunctionName", ""))))
    if task is None:
        assert _moto_invoke is not None
        return dict(_moto_invoke(parameters=parameters, region=region, state_credentials=state_credentials))
    payload = json.loads(parameters.get("Payload") or b"{}")
    try:
        result = task(payload)
    except Exception as error:
        return {"StatusCode": 200, "FunctionError": "Unhandled", "Payload": error_payload(error)}
    return {"StatusCode": 200, "ExecutedVersion": "$LATEST", "Payload": result}


def _start_sync_execution(self: StepFunctionResponse) -> Any:
    """StartSyncExecution: run the EXPRESS execution to its end and answer with its outcome."""
    backend = self.stepfunction_backend
    state_machine = backend.describe_state_machine(self._get_param("stateMachineArn"))
    if state_machine.type != "EXPRESS":
        raise StateMachineTypeNotSupported(
            f"This operation is not supported by this type of state machine: {state_machine.arn}"
        )
    execution = backend.start_execution(
        state_machine.arn, self._get_param("name"), self._get_param("input", if_none="{}")
    )
    # Only the ASL interpreter (moto's execute_state_machine mode) moves an execution on; the default backend
    # reports a fixed status, so there is nothing to wait for.
    deadline = time.monotonic() + SYNC_EXECUTION_LIMIT_SECONDS
    while hasattr(execution, "exec_worker") and execution.status == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.005)
    return _sync_output(execution, state_machine.arn)


def _sync_output(execution: Any, state_machine_arn: str) -> ActionResult:
    status = "TIMED_OUT" if execution.status in ("RUNNING", "TIMED_OUT") else execution.status
    status = "FAILED" if status == "ABORTED" else status
    response: dict[str, Any] = {
        "executionArn": execution.execution_arn,
        "stateMachineArn": state_machine_arn,
        "name": execution.name,
        "startDate": execution.start_date,
        "stopDate": execution.stop_date or execution.start_date,
        "status": status,
        "input": execution.execution_input,
        "billingDetails": {"billedMemoryUsedInMB": 64, "billedDurationInMilliseconds": 100},
    }
    if status == "SUCCEEDED":
        output = execution.output
        response["output"] = output if isinstance(output, str) else json.dumps(output)
    for key in ("error", "cause"):
        if getattr(execution, key, None) is not None:
            response[key] = getattr(execution, key)
    return ActionResult(response)


def enable_execution(endpoint_url: str) -> None:
    """Ask a moto server to run state machines (its `/moto-api/config` endpoint; the default only records them)."""
    endpoint = urlsplit(endpoint_url)
    connection = http.client.HTTPConnection(endpoint.hostname or "127.0.0.1", endpoint.port, timeout=5)
    try:
        body = json.dumps(EXECUTE_STATE_MACHINES)
        connection.request("POST", "/moto-api/config", body, {"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read()
        if response.status >= 300:
            raise RuntimeError(f"moto refused its configuration: HTTP {response.status}")
    finally:
        connection.close()
