"""Job results to Salesforce: ended job -> status change event -> rule -> queue -> function -> stand-in Salesforce.

The template's resources run in moto; Salesforce is the stand-in on loopback (HTTPS, JWT bearer flow checked).
moto sends no Step Functions status change events, so each test puts the one AWS would send (built from the
execution by `localrun.execution_events`, or a sample from events/job_results) on the default bus.
"""

import json
import time
from typing import Any

import boto3
import pytest

from localrun.execution_events import status_change_entry
from localrun.salesforce import StandInSalesforce
from localrun.stack import LocalStack
from sfbridge.domain.job_ids import encode_job_id
from tests.support import TEMPLATE, UNAUTHENTICATED, load_event
from tests.support_callouts import START_ONBOARDING, job_status_event
from tests.support_salesforce import CONSUMER_KEY, EVENT, USERNAME, app_keys

API = "CalloutApiFunction"


@pytest.fixture
def salesforce_key_secret(aws: None) -> str:
    secrets = boto3.client("secretsmanager")
    return str(secrets.create_secret(Name="sfbridge/jwt-key", SecretString=app_keys().private_key)["ARN"])


@pytest.fixture
def stack(aws: None, standin: StandInSalesforce, salesforce_key_secret: str) -> LocalStack:
    overrides = {
        **UNAUTHENTICATED,  # this stack exercises job results, not the Outbound Message endpoint token
        "JobResultsToSalesforce": "true",
        "SalesforceLoginHost": standin.login_host,
        "SalesforceConsumerKey": CONSUMER_KEY,
        "SalesforceUsername": USERNAME,
        "SalesforcePrivateKeySecretArn": salesforce_key_secret,
    }
    # Backoff shortened so that an outage runs through its attempts quickly; the policy is the deployed one.
    quick = {"SALESFORCE_BACKOFF_BASE_SECONDS": "0.01", "SALESFORCE_BACKOFF_CAP_SECONDS": "0.02"}
    return LocalStack.deploy(str(TEMPLATE), overrides, extra_environment={"SYNC_EXECUTION_EMULATION": "poll", **quick})


def _finished_job(stack: LocalStack) -> tuple[str, dict[str, Any]]:
    """Start account-onboarding through the callout API; its id and its DescribeExecution once it ended."""
    job_id = json.loads(stack.invoke(API, load_event(START_ONBOARDING))["body"])["id"]
    machine = stack.physical_id("AccountOnboardingStateMachine")
    stepfunctions = boto3.client("stepfunctions")
    deadline = time.monotonic() + 10
    while True:
        (execution,) = stepfunctions.list_executions(stateMachineArn=machine)["executions"]
        if execution["status"] != "RUNNING" or time.monotonic() > deadline:
            return job_id, stepfunctions.describe_execution(executionArn=execution["executionArn"])
        time.sleep(0.05)


def _put(entry: dict[str, Any]) -> None:
    result = boto3.client("events").put_events(Entries=[entry])
    assert result["FailedEntryCount"] == 0


def _sample_entry(stack: LocalStack, name: str) -> dict[str, Any]:
    """A sample status change of events/job_results, for this stack's account-onboarding state machine."""
    sample = load_event(f"job_results/{name}")
    machine = stack.physical_id("AccountOnboardingStateMachine")
    detail = sample["detail"]
    execution_arn = machine.replace(":stateMachine:", ":execution:") + ":" + detail["name"]
    detail.update(stateMachineArn=machine, executionArn=execution_arn)
    return {"Source": sample["source"], "DetailType": sample["detail-type"], "Detail": json.dumps(detail)}


def _queued(stack: LocalStack, logical_id: str) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=stack.physical_id(logical_id), AttributeNames=["ApproximateNumberOfMessages"]
    )
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def test_ended_job_is_published_to_salesforce_with_the_output_get_jobs_gives(stack, standin):
    job_id, execution = _finished_job(stack)
    _put(status_change_entry(execution))

    stack.drain()

    (event,) = standin.events(EVENT)
    polled = json.loads(stack.invoke(API, job_status_event(job_id))["body"])
    assert event["Job_Id__c"] == job_id
    assert event["Job_Name__c"] == "account-onboarding"
    assert event["Status__c"] == "SUCCEEDED"
    assert json.loads(event["Output__c"]) == polled["output"]
    assert event["Output_Truncated__c"] is False
    assert event["Execution_Arn__c"] == execution["executionArn"]
    assert "Error_Code__c" not in event


def test_status_event_delivered_twice_publishes_once(stack, standin):
    _, execution = _finished_job(stack)
    _put(status_change_entry(execution))
    _put(status_change_entry(execution))  # EventBridge delivers at least once

    handled = stack.drain()

    assert handled == 2
    assert len(standin.events(EVENT)) == 1


@pytest.mark.parametrize(
    ("sample", "status", "code", "cause"),
    [
        (
            "status-change-failed",
            "FAILED",
            "ValidationError",
            "billingCountry CH requires a VAT number in the form CHE-123.456.789",
        ),
        ("status-change-timed-out", "TIMED_OUT", "States.Timeout", "the account-onboarding workflow timed out"),
        ("status-change-aborted", "ABORTED", "workflow-failed", "the account-onboarding workflow was stopped"),
    ],
)
def test_failed_job_is_published_with_its_error_code_and_the_cause_get_jobs_gives(
    stack, standin, sample, status, code, cause
):
    entry = _sample_entry(stack, sample)
    _put(entry)

    stack.drain()

    (event,) = standin.events(EVENT)
    detail = json.loads(entry["Detail"])
    assert event["Job_Id__c"] == encode_job_id("account-onboarding", detail["name"])
    assert event["Status__c"] == status
    assert event["Error_Code__c"] == code
    assert event["Error_Cause__c"].startswith(cause)
    assert "stackTrace" not in event["Error_Cause__c"]
    assert "Output__c" not in event
    assert event["Request_Id__c"] == "b7e1c2d4-5f60-4a1b-9c8d-0e1f2a3b4c5d"


def test_status_changes_of_other_state_machines_never_reach_the_function(stack, standin):
    entry = _sample_entry(stack, "status-change-failed")
    credit_check = stack.physical_id("CreditCheckStateMachine")
    detail = {**json.loads(entry["Detail"]), "stateMachineArn": credit_check}
    _put({**entry, "Detail": json.dumps(detail)})

    assert stack.drain() == 0
    assert standin.received == []


def test_running_status_is_not_a_result(stack, standin):
    entry = _sample_entry(stack, "status-change-failed")
    _put({**entry, "Detail": json.dumps({**json.loads(entry["Detail"]), "status": "RUNNING"})})

    assert stack.drain() == 0


def test_salesforce_outage_ends_in_the_dead_letter_queue_that_the_alarm_watches(stack, standin):
    standin.fail(503, "SERVER_UNAVAILABLE", "Salesforce is down for maintenance", times=None)
    queue_url = stack.physical_id("JobResultsQueue")
    boto3.client("sqs").set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": "0"})
    _put(_sample_entry(stack, "status-change-failed"))

    stack.drain()

    # MaxReceiveCount (3) receives of 4 attempts each, then SQS moves the message to the dead-letter queue.
    assert len(standin.events(EVENT)) == 3 * 4
    assert _queued(stack, "JobResultsQueue") == 0
    assert _queued(stack, "JobResultsDeadLetterQueue") == 1
    alarm = stack.template["Resources"]["JobResultsDeadLetterAlarm"]["Properties"]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["JobResultsDeadLetterQueue", "QueueName"]}


def test_result_published_after_the_outage_ends(stack, standin):
    standin.fail(503, "SERVER_UNAVAILABLE", times=5)  # more than one receive's four attempts
    queue_url = stack.physical_id("JobResultsQueue")
    boto3.client("sqs").set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": "0"})
    _put(_sample_entry(stack, "status-change-timed-out"))

    stack.drain()

    assert len(standin.events(EVENT)) == 6
    assert _queued(stack, "JobResultsDeadLetterQueue") == 0


def test_refused_result_is_not_retried_by_the_adapter_and_ends_in_the_dead_letter_queue(stack, standin):
    standin.fail(
        400, "INVALID_FIELD", "No such column 'Output__c' on sobject of type Sfbridge_Job_Result__e", times=None
    )
    queue_url = stack.physical_id("JobResultsQueue")
    boto3.client("sqs").set_queue_attributes(QueueUrl=queue_url, Attributes={"VisibilityTimeout": "0"})
    _put(_sample_entry(stack, "status-change-failed"))

    stack.drain()

    # One call per receive: a refusal is final for the adapter; SQS's receives bring it to the dead-letter queue.
    assert len(standin.events(EVENT)) == 3
    assert _queued(stack, "JobResultsDeadLetterQueue") == 1


def test_sample_sqs_batch_publishes_its_result(stack, standin):
    result = stack.invoke("JobResultsFunction", load_event("job_results/sqs-job-failed"))

    (event,) = standin.events(EVENT)
    assert result == {"batchItemFailures": []}
    assert (event["Status__c"], event["Error_Code__c"]) == ("FAILED", "ValidationError")


@pytest.mark.parametrize(
    "body",
    ["{not json", json.dumps({"source": "aws.states", "detail-type": "Step Functions State Machine Status Change"})],
    ids=["not JSON", "another detail-type"],
)
def test_record_that_is_not_a_status_change_fails_alone_and_publishes_nothing(stack, standin, body):
    (good,) = load_event("job_results/sqs-job-failed")["Records"]
    bad = {**good, "messageId": "not-a-status-change", "body": body}

    result = stack.invoke("JobResultsFunction", {"Records": [bad, good]})

    # Only the bad record comes back to the queue (and, received again and again, reaches the DLQ).
    assert result == {"batchItemFailures": [{"itemIdentifier": "not-a-status-change"}]}
    assert [event["Job_Id__c"] for event in standin.events(EVENT)] == [
        encode_job_id("account-onboarding", json.loads(good["body"])["detail"]["name"])
    ]


def test_results_of_several_jobs_share_one_access_token(stack, standin):
    for sample in ("status-change-failed", "status-change-timed-out", "status-change-aborted"):
        _put(_sample_entry(stack, sample))
        stack.drain()

    assert len(standin.events(EVENT)) == 3
    assert len(standin.issued_tokens) == 1


def test_execution_started_outside_the_callout_api_without_a_job_id_is_skipped(stack, standin):
    entry = _sample_entry(stack, "status-change-failed")
    detail = json.loads(entry["Detail"])
    detail["name"] = "nightly.2026-11-30"  # a name Step Functions allows, but no job id carries
    detail["executionArn"] = detail["executionArn"].rsplit(":", 1)[0] + ":nightly.2026-11-30"
    _put({**entry, "Detail": json.dumps(detail)})

    assert stack.drain() == 1
    assert standin.received == []
    assert _queued(stack, "JobResultsQueue") == 0
