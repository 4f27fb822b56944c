"""The local stack's Outputs as a CloudFormation stack record, for tools that find resources by stack name."""

import boto3
from moto import mock_aws

from localrun.outputs import record_stack
from localrun.stack import LocalStack
from tests.support import TEMPLATE


def test_describe_stacks_reports_the_resolved_outputs():
    with mock_aws():
        stack = LocalStack.deploy(TEMPLATE)
        stack.api_base_url = "http://127.0.0.1:3000"

        record_stack(stack)

        [described] = boto3.client("cloudformation").describe_stacks(StackName="sfbridge-local")["Stacks"]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in described["Outputs"]}
    assert outputs["OutboundQueueUrl"] == stack.physical_id("OutboundQueue")
    assert outputs["ArchiveBucketName"] == stack.physical_id("ArchiveBucket")
    assert outputs["OutboundMessageUrl"].startswith("http://127.0.0.1:3000/")
    assert "CalloutApiKeyId" not in outputs  # its Condition is false with the default CalloutAuth
