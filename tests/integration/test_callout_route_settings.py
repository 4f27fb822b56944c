"""Each callout route reads only the settings it needs: one malformed variable breaks its own routes, no other."""

import json
from typing import Any

import boto3
import pytest

from localrun.stack import LocalStack
from tests.support import TEMPLATE, load_event
from tests.support_callouts import CREDIT_CHECK, ORDER_PLACED, START_ONBOARDING, credit_exposure_items, job_status_event

API = "CalloutApiFunction"
CONFIGURATION_ERROR = "https://sfbridge.dev/problems/configuration-error"


def _deploy(**broken: str) -> LocalStack:
    stack = LocalStack.deploy(str(TEMPLATE), extra_environment={"SYNC_EXECUTION_EMULATION": "poll", **broken})
    dynamodb = boto3.client("dynamodb")
    for item in credit_exposure_items():
        dynamodb.put_item(TableName=stack.physical_id("CreditExposureTable"), Item=item)
    return stack


def _answers(stack: LocalStack) -> dict[str, tuple[int, Any]]:
    """Every route's status and body; the job poll reads the job just started (or an id nobody issued)."""
    answers = {}
    for route, sample in (("events", ORDER_PLACED), ("operations", CREDIT_CHECK), ("jobs", START_ONBOARDING)):
        response = stack.invoke(API, load_event(sample))
        answers[route] = (response["statusCode"], json.loads(response["body"]))
    job_id = answers["jobs"][1].get("id", "YWNjb3VudC1vbmJvYXJkaW5nL2FhYWE")
    polled = stack.invoke(API, job_status_event(job_id))
    answers["job status"] = (polled["statusCode"], json.loads(polled["body"]))
    return answers


def _broken_routes(answers: dict[str, tuple[int, Any]]) -> set[str]:
    return {route for route, (status, body) in answers.items() if status == 500 and body["type"] == CONFIGURATION_ERROR}


@pytest.mark.parametrize(
    ("variable", "value", "broken"),
    [
        ("OPERATIONS", '{"credit-check": ', {"operations"}),
        ("OPERATION_TIME_BUDGET_SECONDS", "45", {"operations"}),
        ("SYNC_EXECUTION_EMULATION", "sometimes", {"operations"}),
        ("JOBS", "[]", {"jobs", "job status"}),
        ("IDEMPOTENCY_TTL_SECONDS", "forever", {"events", "operations", "jobs"}),
    ],
)
def test_malformed_setting_breaks_only_the_routes_that_read_it(aws, variable, value, broken):
    answers = _answers(_deploy(**{variable: value}))

    assert _broken_routes(answers) == broken
    working = {route: status for route, (status, _) in answers.items() if route not in broken}
    # Without a started job, the poll reads an id nobody issued: a 404, still not a configuration problem.
    expected = {"events": 202, "operations": 200, "jobs": 202, "job status": 404 if "jobs" in broken else 200}
    assert working == {route: expected[route] for route in working}


def test_configuration_problem_names_the_variable_never_its_value(aws):
    stack = _deploy(OPERATIONS='{"credit-check": "arn:aws:states:secret')

    response = stack.invoke(API, load_event(CREDIT_CHECK))

    assert response["statusCode"] == 500
    assert "secret" not in response["body"]
