"""The local stack's stand-in Salesforce wiring and its Step Functions status change events."""

import json
import time

import boto3
import pytest
from moto import mock_aws

from localrun.execution_events import DETAIL_TYPE, ExecutionStatusEmitter, status_change_entry
from localrun.salesforce import wants_stand_in
from localrun.stepfunctions import EXECUTE_STATE_MACHINES

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
