"""Delivery failure records and the worker's claim-check permissions, as template.yaml declares them."""

from typing import Any

import pytest
from cfnlint.decode import decode

from tests.support import TEMPLATE

TEMPLATE_DATA, _ = decode(str(TEMPLATE))
RESOURCES: dict[str, Any] = TEMPLATE_DATA["Resources"]
WORKERS = ["OutboundWorkerFunction", "CalloutEventWorkerFunction"]


def _statements(function: str) -> list[dict[str, Any]]:
    policies = RESOURCES[function]["Properties"]["Policies"]
    return [statement for policy in policies if "Statement" in policy for statement in policy["Statement"]]


def test_failure_table_is_keyed_by_queue_and_message_id_and_expires_records():
    table = RESOURCES["DeliveryFailureTable"]["Properties"]

    assert table["KeySchema"] == [{"AttributeName": "pk", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "pk", "AttributeType": "S"}]
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


@pytest.mark.parametrize("function", WORKERS)
def test_each_worker_knows_the_failure_table_and_may_write_to_it(function):
    properties = RESOURCES[function]["Properties"]

    assert properties["Environment"]["Variables"]["DELIVERY_FAILURE_TABLE"] == {"Ref": "DeliveryFailureTable"}
    assert {"DynamoDBWritePolicy": {"TableName": {"Ref": "DeliveryFailureTable"}}} in properties["Policies"]


def test_the_stack_names_the_failure_table_for_the_operator_command():
    assert TEMPLATE_DATA["Outputs"]["DeliveryFailureTableName"]["Value"] == {"Ref": "DeliveryFailureTable"}


def test_worker_may_delete_claim_checks_and_nothing_else_in_the_bucket():
    [delete] = [s for s in _statements("OutboundWorkerFunction") if s["Action"] == "s3:DeleteObject"]

    assert delete["Resource"] == {"Fn::Sub": "${ClaimCheckBucket.Arn}/outbound-messages/*"}


def test_worker_may_write_oversized_event_details_under_their_own_prefix_only():
    [put] = [s for s in _statements("OutboundWorkerFunction") if s["Action"] == "s3:PutObject"]

    assert put["Resource"] == {"Fn::Sub": "${ClaimCheckBucket.Arn}/oversized-events/*"}
