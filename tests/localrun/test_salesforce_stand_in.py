"""The local stack's stand-in Salesforce wiring and its Step Functions status change events."""

import json
import time

import boto3
import jwt
import pytest
import requests
from moto import mock_aws

from localrun.execution_events import DETAIL_TYPE, ExecutionStatusEmitter, status_change_entry
from localrun.salesforce import wants_stand_in
from localrun.stepfunctions import EXECUTE_STATE_MACHINES
from tests.support_salesforce import CONSUMER_KEY, USERNAME, app_keys

WITH_JOB_RESULTS = {"Parameters": {"JobResultsToSalesforce": {"Type": "String"}}}


@pytest.mark.parametrize(
    ("template", "overrides", "expected"),
    [
        (WITH_JOB_RESULTS, {}, True),
        (WITH_JOB_RESULTS, {"JobResultsToSalesforce": "false"}, False),
        (WITH_JOB_RESULTS, {"SalesforceConsumerKey": "3MVG9realApp"}, False),
        ({"Parameters": {}}, {}, False),
    ],
    ids=["by default", "turned off", "a real connection given", "a template without job results"],
)
def test_stand_in_is_started_only_where_it_is_wanted(template, overrides, expected):
    assert wants_stand_in(template, overrides) is expected


DEFINITION = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})


def test_emitter_reports_each_ended_standard_execution_once():
    with mock_aws(config=EXECUTE_STATE_MACHINES):
        stepfunctions, events, sqs = (
            boto3.client(s, region_name="us-east-1") for s in ("stepfunctions", "events", "sqs")
        )
        machine = stepfunctions.create_state_machine(
            name="job", definition=DEFINITION, roleArn="arn:aws:iam::123456789012:role/r"
        )["stateMachineArn"]
        queue = sqs.create_queue(QueueName="tap")["QueueUrl"]
        events.put_rule(Name="tap", EventPattern=json.dumps({"detail-type": [DETAIL_TYPE]}))
        events.put_targets(Rule="tap", Targets=[{"Id": "tap", "Arn": "arn:aws:sqs:us-east-1:123456789012:tap"}])
        execution = stepfunctions.start_execution(stateMachineArn=machine, name="run-1", input='{"a": 1}')
        while stepfunctions.describe_execution(executionArn=execution["executionArn"])["status"] == "RUNNING":
            time.sleep(0.01)
        emitter = ExecutionStatusEmitter(stepfunctions, events)

        emitted = emitter.emit_ended() + emitter.emit_ended()

        (message,) = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
        event = json.loads(message["Body"])
        assert emitted == 1
        assert event["source"] == "aws.states"
        assert event["detail"]["name"] == "run-1"
        assert event["detail"]["stateMachineArn"] == machine
        assert event["detail"]["status"] == "SUCCEEDED"


def test_output_above_256_kib_is_left_out_of_the_event_as_step_functions_does():
    execution = {
        "executionArn": "arn:aws:states:us-east-1:123456789012:execution:job:run-1",
        "stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:job",
        "name": "run-1",
        "status": "SUCCEEDED",
        "input": "{}",
        "output": json.dumps("x" * 262_145),
    }

    detail = json.loads(status_change_entry(execution)["Detail"])

    assert detail["output"] is None
    assert detail["outputDetails"] == {"included": False}
    assert detail["inputDetails"] == {"included": True}


def _token_answer(standin, **claims):
    base = {"iss": CONSUMER_KEY, "sub": USERNAME, "aud": standin.url, "exp": int(time.time()) + 60}
    assertion = jwt.encode({**base, **claims}, app_keys().private_key, algorithm="RS256")
    response = requests.post(
        f"{standin.url}/services/oauth2/token",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion},
        verify=standin.ca_file,
        timeout=10,
    )
    return response.status_code, response.json()


def test_stand_in_issues_a_token_for_a_good_assertion(standin):
    status, body = _token_answer(standin)

    assert status == 200
    assert body["instance_url"] == standin.url
    assert body["token_type"] == "Bearer"
    assert "expires_in" not in body  # Salesforce's JWT bearer answer carries no expiry either


@pytest.mark.parametrize(
    ("claims", "error"),
    [
        ({"aud": "https://login.salesforce.com"}, ("invalid_grant", "audience is invalid")),
        ({"exp": int(time.time()) - 10}, ("invalid_grant", "invalid assertion")),
        ({"exp": int(time.time()) + 3600}, ("invalid_grant", "invalid assertion")),
        ({"iss": "3MVG9other"}, ("invalid_client_id", "client identifier invalid")),
        ({"sub": "other@example.com"}, ("invalid_grant", "user hasn't approved this consumer")),
    ],
    ids=["another audience", "expired", "expiring too far ahead", "another app", "another user"],
)
def test_stand_in_refuses_assertions_as_salesforce_does(standin, claims, error):
    status, body = _token_answer(standin, **claims)

    assert status == 400
    assert (body["error"], body["error_description"]) == error
    assert standin.issued_tokens == []


def test_stand_in_refuses_rest_calls_without_a_token_it_issued(standin):
    response = requests.post(
        f"{standin.url}/services/data/v62.0/sobjects/Sfbridge_Job_Result__e/",
        json={"Job_Id__c": "x"},
        headers={"Authorization": "Bearer 00D000000000000!forged"},
        verify=standin.ca_file,
        timeout=10,
    )

    assert response.status_code == 401
    assert response.json() == [{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}]
    assert standin.received == []
