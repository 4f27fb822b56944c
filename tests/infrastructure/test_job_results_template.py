"""Assertions on the job results path of template.yaml: rule, queue, DLQ, alarm, function, permissions, switch."""

import re
from typing import Any

import pytest

from sfbridge.config import SalesforceSettings
from tests.infrastructure.sam_transform import deployed_template, source_template

SOURCE = source_template()
RESOURCES: dict[str, Any] = SOURCE["Resources"]
PATH = (
    "JobResultsRule",
    "JobResultsQueue",
    "JobResultsQueuePolicy",
    "JobResultsDeadLetterQueue",
    "JobResultsDeadLetterAlarm",
    "JobResultsFunction",
)
CONNECTION = {
    "JobResultsToSalesforce": "true",
    "SalesforceConsumerKey": "3MVG9sfbridgeConsumerKey",
    "SalesforceUsername": "sfbridge.integration@example.com",
    "SalesforcePrivateKeySecretArn": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:sfbridge/jwt-key-AbCdEf",
}


def _deployed(**overrides: str) -> dict[str, Any]:
    return deployed_template(**overrides)["Resources"]  # type: ignore[no-any-return]


def test_job_results_are_off_by_default_and_everything_of_the_path_hangs_on_the_switch():
    assert SOURCE["Parameters"]["JobResultsToSalesforce"]["Default"] == "false"
    deployed = _deployed()
    path = {name: resource for name, resource in deployed.items() if name.startswith("JobResults")}

    # Including what SAM generates (the function's role and its event source mapping).
    assert {"JobResultsFunctionRole", "JobResultsFunctionQueue", *PATH} <= set(path)
    assert {resource.get("Condition") for resource in path.values()} == {"PublishJobResults"}


def test_with_a_connection_the_whole_path_is_deployed():
    deployed = _deployed(**CONNECTION)

    assert set(PATH) <= set(deployed)
    assert "JobResultsFunctionQueue" in deployed  # the event source mapping SAM makes from the SQS event


@pytest.mark.parametrize("name", PATH)
def test_every_part_of_the_path_carries_the_switch(name):
    assert RESOURCES[name]["Condition"] == "PublishJobResults"
    assert SOURCE["Conditions"]["PublishJobResults"] == {"Fn::Equals": [{"Ref": "JobResultsToSalesforce"}, "true"]}


def test_switching_it_on_without_a_connection_is_refused_by_a_rule():
    rule = SOURCE["Rules"]["JobResultsNeedSalesforceConnection"]
    asserted = str(rule["Assertions"])

    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "JobResultsToSalesforce"}, "true"]}
    for parameter in ("SalesforceConsumerKey", "SalesforceUsername", "SalesforcePrivateKeySecretArn"):
        assert parameter in asserted


def test_rule_takes_the_ended_executions_of_the_jobs_state_machines_only():
    rule = RESOURCES["JobResultsRule"]["Properties"]
    pattern = rule["EventPattern"]

    assert "EventBusName" not in rule  # Step Functions reports on the default bus
    assert pattern["source"] == ["aws.states"]
    assert pattern["detail-type"] == ["Step Functions Execution Status Change"]
    assert sorted(pattern["detail"]["status"]) == ["ABORTED", "FAILED", "SUCCEEDED", "TIMED_OUT"]
    assert pattern["detail"]["stateMachineArn"] == [{"Ref": name} for name in _job_state_machines()]
    assert rule["Targets"] == [{"Id": "job-results-queue", "Arn": {"Fn::GetAtt": ["JobResultsQueue", "Arn"]}}]


def _job_state_machines() -> list[str]:
    text = RESOURCES["JobResultsFunction"]["Properties"]["Environment"]["Variables"]["JOBS"]["Fn::Sub"]
    return re.findall(r"\$\{(\w+)\}", text)


def test_function_knows_the_same_jobs_as_the_callout_api():
    jobs = RESOURCES["JobResultsFunction"]["Properties"]["Environment"]["Variables"]["JOBS"]

    assert jobs == RESOURCES["CalloutApiFunction"]["Properties"]["Environment"]["Variables"]["JOBS"]
    assert _job_state_machines() == ["AccountOnboardingStateMachine"]


def test_only_the_rule_may_send_to_the_queue():
    policy = RESOURCES["JobResultsQueuePolicy"]["Properties"]
    (statement,) = policy["PolicyDocument"]["Statement"]

    assert policy["Queues"] == [{"Ref": "JobResultsQueue"}]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": {"Fn::GetAtt": ["JobResultsRule", "Arn"]}}}


def test_queue_redrives_to_its_dead_letter_queue_whose_alarm_notifies_the_alarm_topic():
    queue = RESOURCES["JobResultsQueue"]["Properties"]
    alarm = RESOURCES["JobResultsDeadLetterAlarm"]["Properties"]

    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["JobResultsDeadLetterQueue", "Arn"]}
    assert alarm["Namespace"] == "AWS/SQS"
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"] == [
        {"Name": "QueueName", "Value": {"Fn::GetAtt": ["JobResultsDeadLetterQueue", "QueueName"]}}
    ]
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert alarm["AlarmActions"] == [{"Ref": "AlarmTopic"}]


def test_function_may_read_only_its_key_secret_and_the_idempotency_table():
    deployed = _deployed(**CONNECTION)
    role = deployed["JobResultsFunctionRole"]["Properties"]
    statements = [s for policy in role["Policies"] for s in policy["PolicyDocument"]["Statement"]]
    secret_statements = [s for s in statements if "secretsmanager:GetSecretValue" in str(s["Action"])]
    actions = {a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])}

    assert [s["Resource"] for s in secret_statements] == [
        {"Fn::Sub": ["${secretArn}", {"secretArn": {"Ref": "SalesforcePrivateKeySecretArn"}}]}
    ]
    assert {a.split(":")[0] for a in actions} <= {"dynamodb", "secretsmanager", "sqs"}
    assert not any(a.endswith("*") and a.split(":")[1] == "*" for a in actions)


def test_function_gets_every_connection_parameter():
    variables = RESOURCES["JobResultsFunction"]["Properties"]["Environment"]["Variables"]

    assert variables["SALESFORCE_LOGIN_HOST"] == {"Ref": "SalesforceLoginHost"}
    assert variables["SALESFORCE_CONSUMER_KEY"] == {"Ref": "SalesforceConsumerKey"}
    assert variables["SALESFORCE_USERNAME"] == {"Ref": "SalesforceUsername"}
    assert variables["SALESFORCE_PRIVATE_KEY_SECRET"] == {"Ref": "SalesforcePrivateKeySecretArn"}


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("login.salesforce.com", True),
        ("test.salesforce.com", True),
        ("acme--uat.sandbox.my.salesforce.com", True),
        ("https://login.salesforce.com", False),
        ("login.salesforce.com/services", False),
        ("", False),
    ],
)
def test_login_host_parameter_takes_a_host_not_a_url(value, accepted):
    pattern = SOURCE["Parameters"]["SalesforceLoginHost"]["AllowedPattern"]

    assert bool(re.fullmatch(pattern, value)) is accepted


def test_one_result_per_invocation_fits_every_salesforce_attempt_in_the_function_timeout():
    function = RESOURCES["JobResultsFunction"]["Properties"]
    event = function["Events"]["Queue"]["Properties"]
    defaults = SalesforceSettings.model_fields
    attempts = defaults["max_attempts"].default
    per_attempt = 2 * defaults["timeout_seconds"].default  # a token request, then the call
    backoff = sum(
        min(defaults["backoff_cap_seconds"].default, defaults["backoff_base_seconds"].default * 2**n)
        for n in range(attempts - 1)
    )

    assert event["BatchSize"] == 1
    assert function["Timeout"] >= attempts * per_attempt + backoff
