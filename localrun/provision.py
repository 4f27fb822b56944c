"""Create a template's resources with boto3, from their resolved Properties, so local resources cannot drift.

The same calls work inside moto's in-process `mock_aws()` and against a moto server (boto3 follows
`AWS_ENDPOINT_URL`). Only what changes local behaviour is applied: names, keys, queue attributes, redrive,
TTL, rules and their targets, state machine definitions. Encryption, lifecycle and similar settings have no
local effect and are left out.
"""

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import boto3
import yaml

from localrun.template import ACCOUNT_ID, TemplateError


@dataclass(frozen=True, slots=True)
class Provisioned:
    """What CloudFormation would report for a created resource: its `Ref` value and its `Fn::GetAtt` values."""

    ref: str
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Target:
    """Where resources are created: the stack's naming and the account they land in."""

    stack_name: str
    region: str
    base_dir: Path
    _clients: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def client(self, service: str) -> Any:
        """One boto3 client per service (creating one costs tens of milliseconds)."""
        if service not in self._clients:
            self._clients[service] = boto3.client(service, region_name=self.region)  # type: ignore[call-overload]
        return self._clients[service]

    def name(self, logical_id: str, *, max_length: int = 80, lowercase: bool = False, suffix: str = "") -> str:
        """A deterministic physical name, `<stack>-<LogicalId>`, within the service's length limit."""
        name = f"{self.stack_name}-{logical_id}"[: max_length - len(suffix)] + suffix
        return name.lower() if lowercase else name

    def arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{ACCOUNT_ID}:{resource}"


Creator = Callable[[Target, str, dict[str, Any]], Provisioned]


def create_queue(target: Target, logical_id: str, properties: dict[str, Any]) -> Provisioned:
    fifo = _flag(properties.get("FifoQueue"))
    name = str(properties.get("QueueName") or target.name(logical_id, suffix=".fifo" if fifo else ""))
    attributes = {key: _attribute_text(value) for key, value in properties.items() if key not in ("QueueName", "Tags")}
    url = target.client("sqs").create_queue(QueueName=name, Attributes=attributes, tags=_tags(properties))["QueueUrl"]
    return Provisioned(str(url), {"Arn": target.arn("sqs", name), "QueueName": name, "QueueUrl": str(url)})


_TABLE_REQUEST_KEYS: Final = (
    "AttributeDefinitions",
    "KeySchema",
    "BillingMode",
    "ProvisionedThroughput",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "TableClass",
)


def create_table(target: Target, logical_id: str, properties: dict[str, Any]) -> Provisioned:
    name = str(properties.get("TableName") or target.name(logical_id, max_length=255))
    request: dict[str, Any] = {key: properties[key] for key in _TABLE_REQUEST_KEYS if key in properties}
    stream = properties.get("StreamSpecification")
    if stream:
        request["StreamSpecification"] = {"StreamEnabled": True, **stream}
    dynamodb = target.client("dynamodb")
    table = dynamodb.create_table(TableName=name, **request)["TableDescription"]
    ttl = properties.get("TimeToLiveSpecification") or {}
    if _flag(ttl.get("Enabled")):
        dynamodb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True}
        )
    return Provisioned(name, {"Arn": str(table["TableArn"]), "StreamArn": str(table.get("LatestStreamArn", ""))})


def create_bucket(target: Target, logical_id: str, properties: dict[str, Any]) -> Provisioned:
    name = str(properties.get("BucketName") or target.name(logical_id, max_length=63, lowercase=True))
    location = (
        {} if target.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": target.region}}
    )
    target.client("s3").create_bucket(Bucket=name, **location)
    domain = f"{name}.s3.amazonaws.com"
    return Provisioned(
        name,
        {
            "Arn": f"arn:aws:s3:::{name}",
            "DomainName": domain,
            "RegionalDomainName": f"{name}.s3.{target.region}.amazonaws.com",
            "DualStackDomainName": f"{name}.s3.dualstack.{target.region}.amazonaws.com",
            "WebsiteURL": f"http://{name}.s3-website-{target.region}.amazonaws.com",
        },
    )


def create_event_bus(target: Target, logical_id: str, properties: dict[str, Any]) -> Provisioned:
    name = str(properties.get("Name") or target.name(logical_id, max_length=256))
    arn = target.client("events").create_event_bus(Name=name)["EventBusArn"]
    return Provisioned(name, {"Arn": str(arn), "Name": name})


def create_rule(target: Target, logical_id: str, properties: dict[str, Any]) -> Provisioned:
    name = str(properties.get("Name") or target.name(logical_id, max_length=64))
    bus = str(properties.get("EventBusName", "default")).rpartition("/")[2]
    rule: dict[str, Any] = {
        key: properties[key] for key in ("ScheduleExpression", "State", "Description") if key in properties
    }
    if "EventPattern" in properties:
        rule["EventPattern"] = json.dumps(properties["EventPattern"])
    events = target.client("events")
    arn = events.put_rule(Name=name, EventBusName=bus, **rule)["RuleArn"]
    if properties.get("Targets"):
        events.put_targets(Rule=name, EventBusName=bus, Targets=properties["Targets"])
    return Provisioned(name, {"Arn": str(arn)})


def create_topic(target: Target, logical_id: str, properties: dict[str, Any]) -> Provisioned:
    fifo = _flag(properties.get("FifoTopic"))
    name = str(properties.get("TopicName") or target.name(logical_id, max_length=256, suffix=".fifo" if fifo else ""))
    attributes = {"FifoTopic": "true"} if fifo else {}
    arn = str(target.client("sns").create_topic(Name=name, Attributes=attributes)["TopicArn"])
    return Provisioned(arn, {"TopicArn": arn, "TopicName": name})


def create_parameter(target: Target, logical_id: str, properties: dict[str, Any]) -> Provisioned:
    name = str(properties.get("Name") or f"CFN-{target.name(logical_id)}")
    kind = str(properties.get("Type", "String"))
    value = str(properties["Value"])
    target.client("ssm").put_parameter(Name=name, Value=value, Type=kind, Overwrite=True)
    return Provisioned(name, {"Type": kind, "Value": value})


def create_secret(target: Target, logical_id: str, properties: dict[str, Any]) -> Provisioned:
    name = str(properties.get("Name") or target.name(logical_id, max_length=256))
    request = {key: properties[key] for key in ("Description", "SecretString") if key in properties}
    arn = str(target.client("secretsmanager").create_secret(Name=name, **request)["ARN"])
    return Provisioned(arn, {"Id": arn})


def create_state_machine(target: Target, logical_id: str, properties: dict[str, Any]) -> Provisioned:
    """Both `AWS::Serverless::StateMachine` and `AWS::StepFunctions::StateMachine` property spellings."""
    name = str(properties.get("Name") or properties.get("StateMachineName") or target.name(logical_id, max_length=80))
    role = properties.get("Role") or properties.get("RoleArn") or f"arn:aws:iam::{ACCOUNT_ID}:role/{name}-role"
    definition = substitute_definition(state_machine_definition(target, properties), properties)
    created = target.client("stepfunctions").create_state_machine(
        name=name,
        definition=definition,
        roleArn=str(role),
        type=str(properties.get("Type") or properties.get("StateMachineType") or "STANDARD"),
    )
    arn = str(created["stateMachineArn"])
    return Provisioned(arn, {"Arn": arn, "Name": name, "StateMachineRevisionId": "local"})


def state_machine_definition(target: Target, properties: Mapping[str, Any]) -> str:
    """The ASL text from `Definition`, `DefinitionString` or a local `DefinitionUri` file."""
    if "Definition" in properties:
        return json.dumps(properties["Definition"])
    if "DefinitionString" in properties:
        return str(properties["DefinitionString"])
    uri = properties.get("DefinitionUri")
    if not isinstance(uri, str):
        raise TemplateError("a local state machine needs Definition, DefinitionString or a local DefinitionUri")
    path = target.base_dir / uri
    if path.suffix == ".json":
        return path.read_text(encoding="utf-8")
    return json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")))


def substitute_definition(definition: str, properties: Mapping[str, Any]) -> str:
    """Apply `DefinitionSubstitutions` (`${Key}` placeholders) as CloudFormation does before the definition is used."""
    substitutions: Mapping[str, Any] = properties.get("DefinitionSubstitutions") or {}

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in substitutions:
            return match.group(0)
        return json.dumps(str(substitutions[key]))[1:-1]

    return re.sub(r"\$\{([^}]+)\}", replace, definition)


CREATORS: Final[dict[str, Creator]] = {
    "AWS::SQS::Queue": create_queue,
    "AWS::DynamoDB::Table": create_table,
    "AWS::S3::Bucket": create_bucket,
    "AWS::Events::EventBus": create_event_bus,
    "AWS::Events::Rule": create_rule,
    "AWS::SNS::Topic": create_topic,
    "AWS::SSM::Parameter": create_parameter,
    "AWS::SecretsManager::Secret": create_secret,
    "AWS::Serverless::StateMachine": create_state_machine,
    "AWS::StepFunctions::StateMachine": create_state_machine,
}


def create_bus_tap(target: Target, bus_names: list[str], queue_name: str) -> str:
    """A queue that receives a copy of every event put on `bus_names`, so a local user can see what was published."""
    sqs = target.client("sqs")
    url = str(sqs.create_queue(QueueName=queue_name)["QueueUrl"])
    events = target.client("events")
    for bus in bus_names:
        events.put_rule(Name=queue_name, EventBusName=bus, EventPattern=json.dumps({"source": [{"prefix": ""}]}))
        events.put_targets(
            Rule=queue_name, EventBusName=bus, Targets=[{"Id": queue_name, "Arn": target.arn("sqs", queue_name)}]
        )
    return url


def _flag(value: Any) -> bool:
    return str(value).lower() == "true"


def _attribute_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping | list):
        return json.dumps(value)
    return str(value)


def _tags(properties: Mapping[str, Any]) -> dict[str, str]:
    return {str(tag["Key"]): str(tag["Value"]) for tag in properties.get("Tags") or []}
