"""Step Functions' "Execution Status Change" events, which moto does not send.

On AWS, Step Functions puts one event on the account's default bus each time a STANDARD execution changes status.
Locally, `ExecutionStatusEmitter` watches the STANDARD state machines and puts the same event (same source,
detail-type and detail fields) once per execution when it ends, so rules on those events (the job results rule)
work as deployed. `status_change_entry` builds the event from a `DescribeExecution` answer, for tests as well.
"""

import json
import logging
import threading
from collections.abc import Mapping
from typing import Any, Final

log = logging.getLogger("localrun")

SOURCE: Final = "aws.states"
DETAIL_TYPE: Final = "Step Functions Execution Status Change"
ENDED: Final = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"})
DATA_LIMIT: Final = 262_144
"""Input and output above 256 KiB are left out of the event (`inputDetails.included` false)."""


def status_change_entry(execution: Mapping[str, Any]) -> dict[str, Any]:
    """The PutEvents entry Step Functions sends for this execution (a `DescribeExecution` answer)."""
    detail: dict[str, Any] = {
        "executionArn": execution["executionArn"],
        "stateMachineArn": execution["stateMachineArn"],
        "name": execution["name"],
        "status": execution["status"],
        "startDate": _millis(execution.get("startDate")),
        "stopDate": _millis(execution.get("stopDate")),
        "error": execution.get("error"),
        "cause": execution.get("cause"),
    }
    for key in ("input", "output"):
        value = execution.get(key)
        included = value is None or len(str(value).encode()) <= DATA_LIMIT
        detail[key] = value if included else None
        detail[f"{key}Details"] = {"included": included}
    return {
        "Source": SOURCE,
        "DetailType": DETAIL_TYPE,
        "Detail": json.dumps(detail),
        "Resources": [execution["executionArn"]],
        "EventBusName": "default",
    }


def _millis(value: Any) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


class ExecutionStatusEmitter:
    """Puts a status change event on the default bus for every STANDARD execution that ends, once."""

    def __init__(self, stepfunctions: Any, events: Any, interval_seconds: float = 0.25) -> None:
        self._stepfunctions = stepfunctions
        self._events = events
        self._interval = interval_seconds
        self._reported: set[str] = set()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="execution-events", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)

    def emit_ended(self) -> int:
        """One pass: an event for each execution that ended since the last pass; returns how many."""
        emitted = 0
        for machine in self._stepfunctions.list_state_machines()["stateMachines"]:
            if machine.get("type", "STANDARD") != "STANDARD":
                continue
            for execution in self._stepfunctions.list_executions(stateMachineArn=machine["stateMachineArn"])[
                "executions"
            ]:
                if execution["status"] in ENDED and execution["executionArn"] not in self._reported:
                    described = self._stepfunctions.describe_execution(executionArn=execution["executionArn"])
                    self._events.put_events(Entries=[status_change_entry(described)])
                    self._reported.add(execution["executionArn"])
                    emitted += 1
        return emitted

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            try:
                self.emit_ended()
            except Exception:  # the local stack keeps serving; the next pass tries again
                log.exception("execution status events: pass failed")
