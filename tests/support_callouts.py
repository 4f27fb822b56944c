"""Helpers for the callout suites: the sample events of events/callouts, varied, and a Lambda context."""

import copy
import importlib.util
import json
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from tests.support import EVENTS, ROOT, load_event

CREDIT_CHECK = "callouts/run-credit-check"
ORDER_PLACED = "callouts/publish-order-placed"
CASE_ESCALATED = "callouts/publish-case-escalated"
START_ONBOARDING = "callouts/start-onboarding"
GET_JOB = "callouts/get-job"


@dataclass
class FakeContext:
    """The parts of Lambda's context object that Powertools and the callout API read."""

    function_name: str = "sfbridge-CalloutApiFunction"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:sfbridge-CalloutApiFunction"
    aws_request_id: str = "5b2c7e0a-1d3f-4a5b-8c6d-7e8f9a0b1c2d"
    remaining_millis: int = 29_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis


def body_of(name: str) -> dict[str, Any]:
    """The JSON body of a sample API event."""
    return json.loads(load_event(name)["body"])  # type: ignore[no-any-return]


def with_json_body(event: dict[str, Any], body: Any) -> dict[str, Any]:
    """The same API event carrying another JSON body."""
    return {**copy.deepcopy(event), "body": json.dumps(body)}


def with_headers(event: dict[str, Any], **headers: str | None) -> dict[str, Any]:
    """The same API event with headers set (`Name_With_Underscores` -> `Name-With-Underscores`), or removed by None."""
    changed = copy.deepcopy(event)
    for name, value in headers.items():
        header = name.replace("_", "-")
        for table in ("headers", "multiValueHeaders"):
            changed[table].pop(header, None)
            if value is not None:
                changed[table][header] = value if table == "headers" else [value]
    return changed


def at_path(event: dict[str, Any], path: str, **parameters: str) -> dict[str, Any]:
    """The same API event sent to another concrete path of the same resource."""
    changed = copy.deepcopy(event)
    changed["path"] = path
    changed["requestContext"]["path"] = "/v1" + path
    changed["pathParameters"] = parameters
    return changed


def job_status_event(job_id: str) -> dict[str, Any]:
    return at_path(load_event(GET_JOB), f"/jobs/{job_id}", job=job_id)


def credit_exposure_items() -> list[dict[str, Any]]:
    """DynamoDB items (attribute-value form) of the sample credit exposure table."""
    return json.loads((EVENTS / "seed" / "credit-exposure.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def load_function(name: str) -> ModuleType:
    """`functions/<name>/app.py`, imported as Lambda imports it."""
    spec = importlib.util.spec_from_file_location(f"function_{name}", ROOT / "functions" / name / "app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
