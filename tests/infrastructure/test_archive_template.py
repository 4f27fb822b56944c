"""The archive bucket in template.yaml: kept ArchiveRetentionDays, encrypted, TLS-only, never public, written only
by the two workers, and named by the stack Output the `sfbridge` command reads."""

from typing import Any

from tests.infrastructure.sam_transform import deployed_template, source_template

TEMPLATE = source_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
BUCKET = RESOURCES["ArchiveBucket"]["Properties"]
WORKERS = ("OutboundWorkerFunction", "CalloutEventWorkerFunction")


def _statements(function: str) -> list[dict[str, Any]]:
    deployed = deployed_template()["Resources"]
    role = deployed[f"{function}Role"]["Properties"]
    return [statement for policy in role.get("Policies", []) for statement in policy["PolicyDocument"]["Statement"]]


def _grants_bucket(statement: dict[str, Any]) -> bool:
    return "ArchiveBucket" in str(statement.get("Resource"))


def test_archive_expires_after_the_retention_parameter():
    parameter = TEMPLATE["Parameters"]["ArchiveRetentionDays"]
    [rule] = [rule for rule in BUCKET["LifecycleConfiguration"]["Rules"] if "ExpirationInDays" in rule]

    assert parameter["Default"] == 30
    assert parameter["MinValue"] >= 1
    assert rule == {"Id": "expire-archive", "Status": "Enabled", "ExpirationInDays": {"Ref": "ArchiveRetentionDays"}}


def test_archive_is_encrypted_and_never_public():
    [encryption] = BUCKET["BucketEncryption"]["ServerSideEncryptionConfiguration"]

    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert BUCKET["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert BUCKET["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_archive_refuses_requests_without_tls():
    policy = RESOURCES["ArchiveBucketPolicy"]["Properties"]

    [statement] = policy["PolicyDocument"]["Statement"]
    assert policy["Bucket"] == {"Ref": "ArchiveBucket"}
    assert statement["Effect"] == "Deny"
    assert statement["Principal"] == "*"
    assert statement["Action"] == "s3:*"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert {"Fn::GetAtt": ["ArchiveBucket", "Arn"]} in statement["Resource"]
    assert {"Fn::Sub": "${ArchiveBucket.Arn}/*"} in statement["Resource"]


def test_both_workers_know_the_bucket_and_may_only_write_to_it():
    for worker in WORKERS:
        environment = RESOURCES[worker]["Properties"]["Environment"]["Variables"]
        granted = [statement for statement in _statements(worker) if _grants_bucket(statement)]

        assert environment["ARCHIVE_BUCKET"] == {"Ref": "ArchiveBucket"}
        actions = {action for statement in granted for action in statement["Action"]}
        assert "s3:PutObject" in actions
        assert not {"s3:GetObject", "s3:DeleteObject"} & actions


def test_no_other_function_is_granted_the_archive():
    functions = [name for name, resource in RESOURCES.items() if resource["Type"] == "AWS::Serverless::Function"]

    for function in set(functions) - set(WORKERS):
        assert not any(_grants_bucket(statement) for statement in _statements(function)), function


def test_stack_outputs_name_the_archive_and_the_claim_check_bucket():
    outputs = TEMPLATE["Outputs"]

    assert outputs["ArchiveBucketName"]["Value"] == {"Ref": "ArchiveBucket"}
    assert outputs["ClaimCheckBucketName"]["Value"] == {"Ref": "ClaimCheckBucket"}


def test_eventbridge_archive_is_off_by_default_and_archives_the_project_bus_when_enabled():
    archive = RESOURCES["EventBusArchive"]

    assert TEMPLATE["Parameters"]["EnableEventBusArchive"]["Default"] == "false"
    assert archive["Condition"] == "HasEventBusArchive"
    assert TEMPLATE["Conditions"]["HasEventBusArchive"] == {"Fn::Equals": [{"Ref": "EnableEventBusArchive"}, "true"]}
    assert archive["Properties"]["SourceArn"] == {"Fn::GetAtt": ["EventBus", "Arn"]}
    assert archive["Properties"]["RetentionDays"] == {"Ref": "ArchiveRetentionDays"}
