"""LocalStack.deploy of template.yaml: resources created from their Properties, Ref/GetAtt/Outputs resolved."""

import json
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from localrun.stack import LocalStack
from tests.support import TEMPLATE, UNAUTHENTICATED


@pytest.fixture(scope="module")
def project_stack() -> Iterator[LocalStack]:
    with mock_aws():
        yield LocalStack.deploy(
            TEMPLATE, overrides={**UNAUTHENTICATED, "AllowedOrganizationIds": "00D000000000001", "MaxReceiveCount": "5"}
        )


def test_queue_ref_is_its_url_and_getatt_its_arn(project_stack: LocalStack) -> None:
    url = project_stack.physical_id("OutboundQueue")

    attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]

    assert attributes["QueueArn"] == project_stack.attribute("OutboundQueue", "Arn")
    assert attributes["VisibilityTimeout"] == "360"


def test_dead_letter_queue_is_created_first_and_wired_with_the_override(project_stack: LocalStack) -> None:
    url = project_stack.physical_id("OutboundQueue")

    attributes = boto3.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]

    assert json.loads(attributes["RedrivePolicy"]) == {
        "deadLetterTargetArn": project_stack.attribute("OutboundDeadLetterQueue", "Arn"),
        "maxReceiveCount": 5,
    }


def test_tables_have_their_keys_and_ttl(project_stack: LocalStack) -> None:
    table = project_stack.physical_id("IdempotencyTable")
    dynamodb = boto3.client("dynamodb")

    key_schema = dynamodb.describe_table(TableName=table)["Table"]["KeySchema"]
    ttl = dynamodb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]

    assert key_schema == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expiration"}


def test_bucket_bus_and_outputs_resolve_to_the_created_resources(project_stack: LocalStack) -> None:
    buses = {bus["Name"] for bus in boto3.client("events").list_event_buses()["EventBuses"]}
    buckets = {bucket["Name"] for bucket in boto3.client("s3").list_buckets()["Buckets"]}

    assert project_stack.output("EventBusName") in buses
    assert project_stack.physical_id("ClaimCheckBucket") in buckets
    assert project_stack.output("OutboundQueueUrl") == project_stack.physical_id("OutboundQueue")


def test_api_urls_in_outputs_point_at_the_local_api_once_served(project_stack: LocalStack) -> None:
    project_stack.api_base_url = "http://127.0.0.1:3000"
    try:
        assert project_stack.output("OutboundMessageUrl") == "http://127.0.0.1:3000/v1/outbound-messages"
    finally:
        project_stack.api_base_url = None


def test_function_environment_merges_globals_and_resolves_references(project_stack: LocalStack) -> None:
    environment = project_stack.functions["OutboundReceiverFunction"].environment

    assert environment["OUTBOUND_QUEUE_URL"] == project_stack.physical_id("OutboundQueue")
    assert environment["ALLOWED_ORGANIZATION_IDS"] == "00D000000000001"
    assert environment["POWERTOOLS_SERVICE_NAME"] == "sfbridge"


def test_sqs_event_source_names_the_queue_url_and_batch_settings(project_stack: LocalStack) -> None:
    (source,) = [
        source for source in project_stack.sqs_sources if source.function_logical_id == "OutboundWorkerFunction"
    ]

    assert source.queue_url == project_stack.physical_id("OutboundQueue")
    assert (source.batch_size, source.report_batch_item_failures) == (10, True)
