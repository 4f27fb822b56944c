"""Every failure reaches a person: the alarms each queue, function and state machine needs, and the dashboard.

Checked on the template CloudFormation would deploy, per `CalloutAuth` mode where the resources differ; metric names
in the `Sfbridge` namespace are checked against the names the package emits.
"""

import json
import re
from functools import cache
from typing import Any

import pytest

from sfbridge.exceptions import StoreUnavailable, XmlRejected
from sfbridge.soap import responses
from tests.infrastructure.sam_transform import conditions_holding, deployed_template
from tests.infrastructure.test_job_results_template import CONNECTION
from tests.support import ROOT

BASE = {"EndpointToken": "token-0123456789abcdefghijklmnop"}
JWT = {**BASE, "CalloutAuth": "JWT", "JwtIssuer": "https://example.my.salesforce.com", "JwtAudience": "sfbridge"}
MODES = {
    "AWS_IAM": BASE,
    "API_KEY": {**BASE, "CalloutAuth": "API_KEY"},
    "JWT": {**JWT, "JwtJwksUrl": "https://k"},
    # Not a CalloutAuth mode: the job results path's conditional function, queues and alarms deployed.
    "JOB_RESULTS": {**BASE, **CONNECTION},
}
PACKAGE = ROOT / "layers" / "shared" / "sfbridge"


@cache
def _resources(mode: str) -> dict[str, Any]:
    overrides = MODES[mode]
    holding = conditions_holding(**overrides)
    return {
        name: resource
        for name, resource in deployed_template(**overrides)["Resources"].items()
        if resource.get("Condition") in (None, *holding)
    }


def _of_type(mode: str, kind: str) -> dict[str, Any]:
    return {name: resource for name, resource in _resources(mode).items() if resource["Type"] == kind}


def _alarms(mode: str) -> list[dict[str, Any]]:
    return [alarm["Properties"] for alarm in _of_type(mode, "AWS::CloudWatch::Alarm").values()]


def _alarmed(mode: str, namespace: str, metric: str, dimension: str) -> list[Any]:
    return [
        next(d["Value"] for d in alarm["Dimensions"] if d["Name"] == dimension)
        for alarm in _alarms(mode)
        if alarm.get("Namespace") == namespace and alarm.get("MetricName") == metric
    ]


def _emitted_metric_names() -> set[str]:
    """Metric names the package emits: literal names and named constants, plus those built from a fault code or an
    execution status."""
    source = "\n".join(path.read_text(encoding="utf-8") for path in PACKAGE.rglob("*.py"))
    names = set(re.findall(r'failure_metric="([A-Za-z]+)"', source))
    names |= set(re.findall(r'^[A-Z_]*METRIC: Final = "([A-Za-z]+)"', source, re.MULTILINE))  # add_metric(name=X)
    for table in re.findall(r"^[A-Z_]*METRICS: Final = \{(.*?)\}", source, re.MULTILINE | re.DOTALL):
        names |= set(re.findall(r': "([A-Z][A-Za-z]+)"', table))
    for call in re.findall(r"add_metric\((.*?)unit=", source, re.DOTALL):
        names |= set(re.findall(r'"([A-Z][A-Za-z]+)"', call))
    names |= {responses.fault_code(error) + "Faults" for error in (XmlRejected("x"), StoreUnavailable("x"))}
    if 'name=f"Operations{' in source:
        names |= {"Operations" + status.title().replace("_", "") for status in ("SUCCEEDED", "FAILED", "TIMED_OUT")}
    return names


@pytest.mark.parametrize(
    "queue", ["OutboundQueue", "CalloutEventsQueue", "OutboundDeadLetterQueue", "CalloutEventsDeadLetterQueue"]
)
def test_every_queue_alarms_on_the_age_of_its_oldest_message(queue):
    alarmed = _alarmed("AWS_IAM", "AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName")

    assert {"Fn::GetAtt": [queue, "QueueName"]} in alarmed


def test_every_queue_of_the_template_is_in_the_age_test():
    assert set(_of_type("AWS_IAM", "AWS::SQS::Queue")) == {
        "OutboundQueue",
        "CalloutEventsQueue",
        "OutboundDeadLetterQueue",
        "CalloutEventsDeadLetterQueue",
    }


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
def test_every_function_alarms_on_its_errors_and_throttles(mode, metric):
    functions = {name for name in _of_type(mode, "AWS::Lambda::Function")}
    alarmed = {value["Ref"] for value in _alarmed(mode, "AWS/Lambda", metric, "FunctionName")}

    assert functions == alarmed


@pytest.mark.parametrize("metric", ["ExecutionsFailed", "ExecutionsTimedOut"])
def test_every_state_machine_alarms_on_failed_and_timed_out_executions(metric):
    machines = set(_of_type("AWS_IAM", "AWS::StepFunctions::StateMachine"))
    alarmed = {value["Ref"] for value in _alarmed("AWS_IAM", "AWS/States", metric, "StateMachineArn")}

    assert machines == alarmed


def test_authorizer_errors_alarm_exists_with_the_jwt_authorizer_only():
    assert {"Ref": "JwtAuthorizerFunction"} in _alarmed("JWT", "AWS/Lambda", "Errors", "FunctionName")
    assert "JwtAuthorizerErrorsAlarm" not in _resources("AWS_IAM")


@pytest.mark.parametrize(
    ("metric", "threshold"),
    [
        ("ServerFaults", "ServerFaultsAlarmThreshold"),
        ("Failures", "WorkerFailuresAlarmThreshold"),
        ("EventFailures", "WorkerFailuresAlarmThreshold"),
        ("ArchiveFailures", "ArchiveFailuresAlarmThreshold"),
    ],
)
def test_application_failures_alarm_on_the_metrics_the_code_emits(metric, threshold):
    (alarm,) = [a for a in _alarms("AWS_IAM") if a.get("MetricName") == metric]

    assert metric in _emitted_metric_names()
    assert alarm["Namespace"] == "Sfbridge"
    # Powertools adds the service dimension to every metric; an alarm without it would watch nothing.
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "sfbridge"}]
    assert alarm["Threshold"] == {"Ref": threshold}


def test_sfbridge_metrics_carry_the_service_name_the_functions_use():
    globals_ = deployed_template(**BASE)["Resources"]["OutboundReceiverFunction"]["Properties"]["Environment"]

    assert globals_["Variables"]["POWERTOOLS_SERVICE_NAME"] == "sfbridge"
    assert globals_["Variables"]["POWERTOOLS_METRICS_NAMESPACE"] == "Sfbridge"


def test_callout_5xx_alarm_sums_the_callout_routes_and_leaves_out_outbound_messages():
    (alarm,) = [a for a in _alarms("AWS_IAM") if "Metrics" in a and "5XX" in json.dumps(a)]
    paths = _resources("AWS_IAM")["Api"]["Properties"]["Body"]["paths"]
    watched = {
        (dims["Resource"], dims["Method"].lower())
        for query in alarm["Metrics"]
        if "MetricStat" in query
        for dims in [{d["Name"]: d["Value"] for d in query["MetricStat"]["Metric"]["Dimensions"]}]
    }
    callout_routes = {(path, method) for path, item in paths.items() for method in item if path != "/outbound-messages"}

    assert watched == callout_routes
    assert alarm["Threshold"] == {"Ref": "Callout5xxAlarmThreshold"}


def test_api_metrics_are_found_by_the_name_the_alarm_uses():
    (alarm,) = [a for a in _alarms("AWS_IAM") if "Metrics" in a]
    api_names = {
        d["Value"]["Ref"]
        for query in alarm["Metrics"]
        if "MetricStat" in query
        for d in query["MetricStat"]["Metric"]["Dimensions"]
        if d["Name"] == "ApiName"
    }

    assert api_names == {"AWS::StackName"}
    assert _resources("AWS_IAM")["Api"]["Properties"]["Body"]["info"]["title"] == {"Ref": "AWS::StackName"}
    assert alarm["Metrics"][0]["Expression"] == "SUM([events, operations, startjob, getjob])"


@pytest.mark.parametrize("mode", sorted(MODES))
def test_every_threshold_is_a_parameter_or_a_fixed_first_occurrence(mode):
    for alarm in _alarms(mode):
        threshold = alarm["Threshold"]
        assert isinstance(threshold, dict) or threshold in (0, 1, "1"), alarm["AlarmDescription"]


# ---------------------------------------------------------------- the dashboard


def _dashboard_metrics() -> list[list[Any]]:
    body = _resources("AWS_IAM")["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    widgets = json.loads(body)["widgets"]
    return [metric for widget in widgets if widget["type"] == "metric" for metric in widget["properties"]["metrics"]]


def _dashboard_sfbridge_names() -> set[str]:
    """Names in the Sfbridge namespace, following CloudWatch's "." (same as the row above) shorthand."""
    names, namespace = set(), None
    for metric in _dashboard_metrics():
        if not isinstance(metric[0], str) or metric[0] == "...":
            continue
        namespace = namespace if metric[0] == "." else metric[0]
        if namespace == "Sfbridge":
            names.add(metric[1])
    return names


def test_dashboard_shows_what_the_issue_lists():
    names = {metric[1] for metric in _dashboard_metrics() if isinstance(metric[0], str) and metric[0] != "..."}

    assert {"MessagesReceived", "ClientFaults", "ServerFaults", "NotificationsProcessed", "DuplicatesSkipped"} <= names
    assert {"StaleSkipped", "DeliveryLagMilliseconds", "ApproximateNumberOfMessagesVisible"} <= names
    assert {"ApproximateAgeOfOldestMessage", "OperationsSucceeded", "ExecutionTime", "ExecutionsSucceeded"} <= names


@pytest.mark.parametrize("name", sorted(_dashboard_sfbridge_names()))
def test_dashboard_sfbridge_metrics_are_emitted_by_the_package(name):
    assert name in _emitted_metric_names()


def test_dashboard_body_resolves_to_json_for_any_names():
    body = _resources("AWS_IAM")["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    substituted = re.sub(r"\$\{[^}]+\}", "x", body)

    assert json.loads(substituted)["widgets"]


@pytest.mark.parametrize("mode", sorted(MODES))
def test_every_alarm_has_a_runbook_entry(mode):
    runbook = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")

    missing = [name for name in _of_type(mode, "AWS::CloudWatch::Alarm") if name not in runbook]

    assert missing == [], "document these alarms in docs/operations.md"
