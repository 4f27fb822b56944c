"""Assertions on the Apex callout part of template.yaml and on its state machine definitions."""

import json
import re
from typing import Any

import pytest
from cfnlint.decode import decode

from sfbridge.callouts.catalog import catalog
from tests.support import ROOT, TEMPLATE

TEMPLATE_DATA, _ = decode(str(TEMPLATE))
RESOURCES: dict[str, Any] = TEMPLATE_DATA["Resources"]
PARAMETERS: dict[str, Any] = TEMPLATE_DATA["Parameters"]
API_FUNCTION = RESOURCES["CalloutApiFunction"]["Properties"]
STATE_MACHINES = {
    name: resource["Properties"]
    for name, resource in RESOURCES.items()
    if resource["Type"] == "AWS::Serverless::StateMachine"
}
CALLOUT_ROUTES = {
    ("post", "/events/{type}"),
    ("post", "/operations/{name}"),
    ("post", "/jobs/{job}"),
    ("get", "/jobs/{job}"),
}


def _definition(machine: str) -> dict[str, Any]:
    return json.loads((ROOT / STATE_MACHINES[machine]["DefinitionUri"]).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _all_states(states: dict[str, Any]) -> dict[str, Any]:
    """States of a definition, including those inside Parallel branches and Map iterators."""
    found = dict(states)
    for state in states.values():
        for branch in [*state.get("Branches", []), state.get("ItemProcessor") or state.get("Iterator") or {}]:
            found.update(_all_states(branch.get("States", {})))
    return found


def _targets(state: dict[str, Any]) -> set[str]:
    targets = {state[key] for key in ("Next", "Default") if key in state}
    targets |= {choice["Next"] for choice in state.get("Choices", [])}
    return targets | {catcher["Next"] for catcher in state.get("Catch", [])}


def _workflow_registry(variable: str) -> dict[str, str]:
    """`OPERATIONS` / `JOBS`: JSON text in a `!Sub`, name -> `${StateMachineLogicalId}`."""
    text = API_FUNCTION["Environment"]["Variables"][variable]["Fn::Sub"]
    return {name: re.fullmatch(r"\$\{(\w+)\}", ref).group(1) for name, ref in json.loads(text).items()}  # type: ignore[union-attr]


@pytest.mark.parametrize("machine", sorted(STATE_MACHINES))
def test_every_transition_and_start_points_at_a_real_state(machine):
    definition = _definition(machine)
    states = _all_states(definition["States"])

    assert definition["StartAt"] in states
    for name, state in states.items():
        assert _targets(state) <= set(states), f"{name} points at a missing state"
        assert state["Type"] in ("Succeed", "Fail", "Choice") or state.get("End") or "Next" in state, name


@pytest.mark.parametrize("machine", sorted(STATE_MACHINES))
def test_every_state_is_reachable_from_the_start(machine):
    states = _definition(machine)["States"]
    reached, frontier = set(), [_definition(machine)["StartAt"]]
    while frontier:
        name = frontier.pop()
        if name not in reached:
            reached.add(name)
            frontier.extend(_targets(states[name]))

    assert reached == set(states)


@pytest.mark.parametrize("machine", sorted(STATE_MACHINES))
def test_definition_placeholders_and_substitutions_match(machine):
    text = (ROOT / STATE_MACHINES[machine]["DefinitionUri"]).read_text(encoding="utf-8")

    assert set(re.findall(r"\$\{(\w+)\}", text)) == set(STATE_MACHINES[machine]["DefinitionSubstitutions"])


@pytest.mark.parametrize("machine", sorted(STATE_MACHINES))
def test_state_machine_may_invoke_every_function_it_calls(machine):
    properties = STATE_MACHINES[machine]
    called = {
        value["Fn::GetAtt"][0]
        for value in properties["DefinitionSubstitutions"].values()
        if isinstance(value, dict) and "Fn::GetAtt" in value
    }
    allowed = {
        policy["LambdaInvokePolicy"]["FunctionName"]["Ref"]
        for policy in properties["Policies"]
        if "LambdaInvokePolicy" in policy
    }

    assert called == allowed


def test_exposure_lookup_retries_throttling_and_catches_everything():
    lookup = _definition("CreditCheckStateMachine")["States"]["LookupExposure"]

    assert "DynamoDB.ProvisionedThroughputExceededException" in lookup["Retry"][0]["ErrorEquals"]
    assert lookup["Catch"][-1]["ErrorEquals"] == ["States.ALL"]


def test_every_callout_route_is_an_api_event_of_the_callout_function():
    routes = {
        (event["Properties"]["Method"], event["Properties"]["Path"])
        for event in API_FUNCTION["Events"].values()
        if event["Type"] == "Api" and event["Properties"]["RestApiId"] == {"Ref": "Api"}
    }

    assert routes == CALLOUT_ROUTES


def test_both_job_routes_share_one_path_variable_name():
    job_paths = {path for _, path in CALLOUT_ROUTES if path.startswith("/jobs/")}

    assert job_paths == {"/jobs/{job}"}


@pytest.mark.parametrize(("variable", "kind"), [("OPERATIONS", "EXPRESS"), ("JOBS", "STANDARD")])
def test_template_and_catalog_declare_the_same_workflows(variable, kind):
    registry = _workflow_registry(variable)
    declared = catalog.operations if variable == "OPERATIONS" else catalog.jobs

    assert set(registry) == {workflow.name for workflow in declared}
    assert {STATE_MACHINES[machine]["Type"] for machine in registry.values()} == {kind}


def test_api_function_may_run_exactly_the_registered_workflows():
    statements = next(policy["Statement"] for policy in API_FUNCTION["Policies"] if "Statement" in policy)
    by_action = {statement["Action"]: statement["Resource"] for statement in statements}

    assert by_action["states:StartSyncExecution"] == [
        {"Ref": machine} for machine in _workflow_registry("OPERATIONS").values()
    ]
    assert by_action["states:StartExecution"] == [{"Ref": machine} for machine in _workflow_registry("JOBS").values()]


def test_operation_budget_stays_under_api_gateways_29_seconds_and_within_the_function_timeout():
    budget = PARAMETERS["OperationTimeBudgetSeconds"]

    assert budget["MaxValue"] < 29
    assert budget["Default"] <= budget["MaxValue"]
    assert budget["MaxValue"] < API_FUNCTION["Timeout"] <= 29
    assert API_FUNCTION["Environment"]["Variables"]["OPERATION_TIME_BUDGET_SECONDS"] == {
        "Ref": "OperationTimeBudgetSeconds"
    }


def test_express_state_machines_log_their_failures():
    for properties in STATE_MACHINES.values():
        if properties["Type"] == "EXPRESS":
            assert properties["Logging"]["Level"] in ("ERROR", "ALL")
            assert properties["Logging"]["Destinations"]


def test_events_queue_redrives_to_an_alarmed_dead_letter_queue_and_outlasts_its_worker():
    queue = RESOURCES["CalloutEventsQueue"]["Properties"]
    worker = RESOURCES["CalloutEventWorkerFunction"]["Properties"]
    alarm = RESOURCES["CalloutEventsDeadLetterAlarm"]["Properties"]

    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["CalloutEventsDeadLetterQueue", "Arn"]},
        "maxReceiveCount": {"Ref": "MaxReceiveCount"},
    }
    assert queue["VisibilityTimeout"] >= 6 * worker["Timeout"]
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["CalloutEventsDeadLetterQueue", "QueueName"]}}
    ]
    # The stack's alarm topic, or the existing one named by AlarmTopicArn (see test_security_template.py).
    assert alarm["AlarmActions"] == [{"Fn::If": ["CreateAlarmTopic", {"Ref": "AlarmTopic"}, {"Ref": "AlarmTopicArn"}]}]
    assert worker["Events"]["Queue"]["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
