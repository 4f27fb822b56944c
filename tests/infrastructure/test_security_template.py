"""Secure by default: the endpoint token, alarms that can notify, least privilege and data hygiene.

Assertions run on the template CloudFormation would deploy (AWS::LanguageExtensions, then the SAM transform) for
the parameter values named in each test; Rules are evaluated as CloudFormation evaluates them before a deploy.
"""

import json
import re
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest

import sfbridge.adapters.message_store as message_store
from sfbridge.adapters.message_store import ClaimChecks
from sfbridge.models.outbound import QueuedOutboundMessage
from sfbridge.observability import logger
from tests.infrastructure.sam_transform import (
    conditions_holding,
    deployed_template,
    rule_failures,
    skip_check_args,
    source_template,
    write_deployed_templates,
)
from tests.infrastructure.test_job_results_template import CONNECTION

TOKEN = "token-0123456789abcdefghijklmnop"
PREVIOUS = "previous-0123456789abcdefghijklm"
WITH_TOKEN = {"EndpointToken": TOKEN}
UNAUTHENTICATED = {"AllowUnauthenticatedOutboundMessages": "true"}
EXISTING_TOPIC = "arn:aws:sns:us-east-1:123456789012:on-call"


@cache
def _deployed(**overrides: str) -> dict[str, Any]:
    return deployed_template(**overrides)


def _resources(**overrides: str) -> dict[str, Any]:
    template = _deployed(**overrides)
    conditions = conditions_holding(**overrides)
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource.get("Condition") is None or resource["Condition"] in conditions
    }


def _of_type(kind: str, **overrides: str) -> dict[str, Any]:
    return {name: r for name, r in _resources(**overrides).items() if r["Type"] == kind}


def _statements(role: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        statement
        for policy in role["Properties"].get("Policies", [])
        for statement in policy["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


# ---------------------------------------------------------------- item 1: the endpoint is authenticated by default


def test_default_parameters_are_refused_without_a_token():
    failures = rule_failures()

    assert any("EndpointToken is required" in failure for failure in failures)


@pytest.mark.parametrize("overrides", [WITH_TOKEN, UNAUTHENTICATED, {**WITH_TOKEN, "EndpointTokenPrevious": PREVIOUS}])
def test_a_token_or_the_explicit_opt_out_deploys(overrides):
    assert rule_failures(**overrides) == []


def test_a_previous_token_alone_is_refused():
    assert rule_failures(**UNAUTHENTICATED, EndpointTokenPrevious=PREVIOUS) == [
        "EndpointTokenPrevious is only accepted beside a new EndpointToken"
    ]


def test_the_token_is_kept_in_secrets_manager_with_its_rotation_slot():
    secret = _of_type("AWS::SecretsManager::Secret", **WITH_TOKEN)["EndpointTokenSecret"]

    template = secret["Properties"]["SecretString"]["Fn::Sub"]
    assert json.loads(template.replace("${EndpointToken}", "a").replace("${EndpointTokenPrevious}", "b")) == {
        "current": "a",
        "previous": "b",
    }


def test_no_function_environment_holds_a_token_parameter():
    for name, function in _of_type("AWS::Lambda::Function", **WITH_TOKEN).items():
        variables = json.dumps(function["Properties"].get("Environment", {}))
        assert '"Ref": "EndpointToken"' not in variables, name
        assert '"Ref": "EndpointTokenPrevious"' not in variables, name
        assert "${EndpointToken" not in variables, name


def test_the_receiver_reads_the_secret_and_only_that_secret():
    resources = _resources(**WITH_TOKEN)
    environment = resources["OutboundReceiverFunction"]["Properties"]["Environment"]["Variables"]
    reads = [
        statement
        for statement in _statements(resources["OutboundReceiverFunctionRole"])
        if any(action.startswith("secretsmanager:") for action in _actions(statement))
    ]

    assert environment["ENDPOINT_TOKEN_SECRET"] == {"Ref": "EndpointTokenSecret"}
    assert environment["ALLOW_UNAUTHENTICATED"] == {"Ref": "AllowUnauthenticatedOutboundMessages"}
    assert reads == [
        {
            "Sid": "ReadEndpointTokens",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": {"Ref": "EndpointTokenSecret"},
        }
    ]
    readers = [
        name for name, role in _of_type("AWS::IAM::Role", **WITH_TOKEN).items() if "secretsmanager" in json.dumps(role)
    ]
    assert readers == ["OutboundReceiverFunctionRole"]


def test_opting_out_creates_no_secret_and_no_permission():
    resources = _resources(**UNAUTHENTICATED)
    environment = resources["OutboundReceiverFunction"]["Properties"]["Environment"]["Variables"]

    assert "EndpointTokenSecret" not in resources
    assert environment["ENDPOINT_TOKEN_SECRET"] == ""
    assert "secretsmanager" not in json.dumps(resources["OutboundReceiverFunctionRole"])


# ---------------------------------------------------------------- item 8: alarms that can notify


def _alarm_actions(**overrides: str) -> dict[str, list[Any]]:
    return {
        name: alarm["Properties"]["AlarmActions"]
        for name, alarm in _of_type("AWS::CloudWatch::Alarm", **overrides).items()
    }


def test_alarm_topic_is_encrypted_with_a_key_cloudwatch_may_use():
    resources = _resources(**WITH_TOKEN)
    statements = resources["AlarmTopicKey"]["Properties"]["KeyPolicy"]["Statement"]
    cloudwatch = [s for s in statements if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]

    assert resources["AlarmTopic"]["Properties"]["KmsMasterKeyId"] == {"Ref": "AlarmTopicKey"}
    assert resources["AlarmTopicKey"]["Properties"]["EnableKeyRotation"] is True
    assert len(cloudwatch) == 1
    assert cloudwatch[0]["Effect"] == "Allow"
    assert set(cloudwatch[0]["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert cloudwatch[0]["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert ":alarm:*" in cloudwatch[0]["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Sub"]


def test_alarm_topic_is_never_the_aws_managed_sns_key():
    assert "alias/aws/sns" not in json.dumps(_deployed(**WITH_TOKEN))


def test_alarm_topic_accepts_cloudwatch_publishes_over_tls_only():
    statements = _resources(**WITH_TOKEN)["AlarmTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    by_sid = {statement["Sid"]: statement for statement in statements}

    assert by_sid["CloudWatchAlarmsOfThisAccountPublish"]["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert by_sid["TlsOnly"]["Effect"] == "Deny"
    assert by_sid["TlsOnly"]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_every_alarm_notifies_the_stack_topic_by_default():
    actions = _alarm_actions(**WITH_TOKEN)

    assert actions
    assert all(value == [{"Ref": "AlarmTopic"}] for value in actions.values()), actions


def test_an_existing_topic_replaces_the_stack_topic():
    overrides = {**WITH_TOKEN, "AlarmTopicArn": EXISTING_TOPIC, "AlarmEmail": "ops@example.com"}
    resources = _resources(**overrides)

    assert not {"AlarmTopic", "AlarmTopicKey", "AlarmTopicPolicy"} & set(resources)
    assert all(value == [{"Ref": "AlarmTopicArn"}] for value in _alarm_actions(**overrides).values())
    assert resources["AlarmEmailSubscription"]["Properties"]["TopicArn"] == {"Ref": "AlarmTopicArn"}
    assert _deployed(**overrides)["Outputs"]["AlarmTopicArn"]["Value"] == {"Ref": "AlarmTopicArn"}


@pytest.mark.parametrize("value", ["not-an-arn", "arn:aws:sqs:us-east-1:123456789012:queue"])
def test_alarm_topic_arn_must_be_an_sns_topic(value):
    assert not re.fullmatch(source_template()["Parameters"]["AlarmTopicArn"]["AllowedPattern"], value)


# ---------------------------------------------------------------- item 5: least privilege and data hygiene


def test_receiver_writes_claim_checks_under_its_prefix_only():
    statements = _statements(_resources(**WITH_TOKEN)["OutboundReceiverFunctionRole"])
    s3 = [statement for statement in statements if any(action.startswith("s3:") for action in _actions(statement))]

    assert len(s3) == 1
    assert sorted(_actions(s3[0])) == ["s3:DeleteObject", "s3:PutObject"]
    assert s3[0]["Resource"] == {"Fn::Sub": "${ClaimCheckBucket.Arn}/outbound-messages/*"}


def test_claim_checks_are_written_under_the_prefix_the_policy_allows(monkeypatch):
    written: dict[str, Any] = {}

    class RecordingS3:
        def put_object(self, **request: Any) -> None:
            written.update(request)

    monkeypatch.setattr(message_store, "client", lambda service: RecordingS3())
    message = QueuedOutboundMessage(
        organization_id="00DKb00000AbCdEMAV",
        action_id="04k5g0000000500AAA",
        notification_ids=["04l5g0000000500AAA"],
        request_id="r",
        envelope="<x/>",
        received_at=datetime(2026, 1, 2, tzinfo=UTC),
    )

    ClaimChecks("bucket", warn=logger.warning).put(message)

    assert written["Key"].startswith("outbound-messages/")


def _buckets() -> list[str]:
    return sorted(_of_type("AWS::S3::Bucket", **WITH_TOKEN))


def _refers_to(value: Any, bucket: str) -> bool:
    return bucket in json.dumps(value)


@pytest.mark.parametrize("bucket", _buckets())
def test_every_bucket_refuses_plain_http(bucket):
    policies = [
        policy["Properties"]["PolicyDocument"]
        for policy in _of_type("AWS::S3::BucketPolicy", **WITH_TOKEN).values()
        if policy["Properties"]["Bucket"] == {"Ref": bucket}
    ]
    denials = [
        statement
        for policy in policies
        for statement in policy["Statement"]
        if statement["Effect"] == "Deny" and statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
    ]

    assert len(denials) == 1, f"{bucket} needs one TLS-only bucket policy statement"
    assert denials[0]["Principal"] == "*"
    assert denials[0]["Action"] in ("s3:*", ["s3:*"])
    resources = denials[0]["Resource"] if isinstance(denials[0]["Resource"], list) else [denials[0]["Resource"]]
    assert len(resources) == 2  # the bucket and every object in it
    assert all(_refers_to(resource, bucket) for resource in resources)


def test_the_claim_check_bucket_is_among_the_buckets_checked():
    assert "ClaimCheckBucket" in _buckets()


@pytest.mark.parametrize("mode", ["AWS_IAM", "JWT", "JOB_RESULTS"])
def test_every_function_logs_to_a_group_with_the_retention_parameter(mode):
    overrides = {**WITH_TOKEN, "CalloutAuth": mode}
    if mode == "JWT":
        overrides.update(JwtIssuer="https://example.my.salesforce.com", JwtAudience="sfbridge", JwtJwksUrl="https://k")
    if mode == "JOB_RESULTS":  # the conditional job results function
        overrides.update(CalloutAuth="AWS_IAM", **CONNECTION)
    resources = _resources(**overrides)

    for name, function in _of_type("AWS::Lambda::Function", **overrides).items():
        group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        assert resources[group]["Type"] == "AWS::Logs::LogGroup", name
        assert resources[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name


def test_every_state_machine_logs_to_a_group_with_the_retention_parameter():
    resources = _resources(**WITH_TOKEN)

    for name, machine in _of_type("AWS::StepFunctions::StateMachine", **WITH_TOKEN).items():
        destinations = machine["Properties"]["LoggingConfiguration"]["Destinations"]
        group = destinations[0]["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
        assert resources[group]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}, name


def test_api_access_log_is_json_and_never_carries_the_query_string():
    stage = _resources(**WITH_TOKEN)["ApiStage"]["Properties"]["AccessLogSetting"]
    fields = json.loads(stage["Format"])

    assert stage["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert {"requestId", "sourceIp", "resourcePath", "status"} <= set(fields)
    # The token is a query string parameter: only variables that cannot hold it are logged.
    for value in fields.values():
        for forbidden in ("requestoverride", "querystring", "$input", "$method.request"):
            assert forbidden not in value.lower()


def test_api_gateway_account_logging_role_is_optional():
    managed = _resources(**WITH_TOKEN)
    unmanaged = _resources(**WITH_TOKEN, ManageApiGatewayAccountLogging="false")

    assert managed["ApiGatewayAccount"]["Properties"]["CloudWatchRoleArn"] == {
        "Fn::GetAtt": ["ApiGatewayCloudWatchRole", "Arn"]
    }
    assert not {"ApiGatewayAccount", "ApiGatewayCloudWatchRole"} & set(unmanaged)


@pytest.mark.parametrize("mapping", ["OutboundWorkerFunctionQueue", "CalloutEventWorkerFunctionQueue"])
def test_sqs_event_sources_cap_their_concurrency(mapping):
    properties = _resources(**WITH_TOKEN)[mapping]["Properties"]

    assert properties["ScalingConfig"] == {"MaximumConcurrency": {"Ref": "WorkerMaximumConcurrency"}}


@pytest.mark.parametrize("table", ["IdempotencyTable", "RecordVersionTable", "CreditExposureTable"])
def test_business_tables_are_retained_and_protected_from_deletion(table):
    resource = _resources(**WITH_TOKEN)[table]

    assert resource["DeletionPolicy"] == "Retain"
    assert resource["UpdateReplacePolicy"] == "Retain"
    assert resource["Properties"]["DeletionProtectionEnabled"] is True


# ---------------------------------------------------------------- item 7: the IaC scan


def test_every_check_the_scan_skips_has_its_reason():
    skips = source_template()["Metadata"]["checkov"]["skip"]

    assert skips
    for skip in skips:
        assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"])
        assert len(skip["comment"].split()) >= 8, skip["id"]
    assert skip_check_args() == ["--skip-check", ",".join(skip["id"] for skip in skips)]


@pytest.mark.parametrize(
    ("mode", "present", "absent"),
    [
        ("AWS_IAM", "SalesforceIntegrationPolicy", "JwtAuthorizerFunction"),
        ("JWT", "JwtAuthorizerFunction", "SalesforceIntegrationPolicy"),
        ("API_KEY", "CalloutApiKey", "JwtAuthorizerFunction"),
    ],
)
def test_scanned_templates_hold_what_each_mode_deploys(tmp_path, mode, present, absent):
    written = {path.stem: json.loads(path.read_text()) for path in write_deployed_templates(tmp_path)}
    template = written[f"template-{mode.lower().replace('_', '-')}"]

    assert present in template["Resources"]
    assert absent not in template["Resources"]
    assert not [name for name, resource in template["Resources"].items() if "Condition" in resource]
    assert template["Parameters"]["CalloutAuth"]["Default"] == mode
