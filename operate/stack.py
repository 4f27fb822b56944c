"""The stack an operator works on: its name (from `--stack` or samconfig.toml), its Outputs, and AWS clients.

Clients come from one boto3 session, so `AWS_PROFILE`, `AWS_REGION` (or `AWS_DEFAULT_REGION`) and
`AWS_ENDPOINT_URL` (botocore's own setting: point it at `make run`'s moto endpoint) apply as for the aws CLI.
"""

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import urlsplit

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

QueueName = Literal["outbound", "events", "job-results"]

QUEUE_OUTPUTS: Final[Mapping[str, tuple[str, str]]] = {
    "outbound": ("OutboundQueueUrl", "OutboundDeadLetterQueueUrl"),
    "events": ("EventsQueueUrl", "EventsDeadLetterQueueUrl"),
    "job-results": ("JobResultsQueueUrl", "JobResultsDeadLetterQueueUrl"),
}
"""Per queue: the Output naming it, and the Output naming its dead-letter queue."""

LOOPBACK: Final = ("127.0.0.1", "localhost", "::1")
_CONFIG: Final = Config(retries={"max_attempts": 5, "mode": "standard"})


class OperateError(Exception):
    """What the command cannot do, said in one line for the operator (exit code 2)."""


def stack_name_for(environment: str, samconfig: Path) -> str:
    """The stack name `sam deploy --config-env <environment>` uses, from samconfig.toml."""
    try:
        config = tomllib.loads(samconfig.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise OperateError(f"cannot read {samconfig}: {exc}; name the stack with --stack") from exc
    for section in (environment, "default"):
        name = config.get(section, {}).get("global", {}).get("parameters", {}).get("stack_name")
        if name:
            return str(name)
    raise OperateError(f"{samconfig} names no stack_name for {environment!r}; name the stack with --stack")


def region_for(environment: str, samconfig: Path) -> str | None:
    """The deploy region of the environment in samconfig.toml, used when the environment names no region."""
    try:
        config = tomllib.loads(samconfig.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    region = config.get(environment, {}).get("deploy", {}).get("parameters", {}).get("region")
    return str(region) if region else None


@dataclass
class Stack:
    name: str
    outputs: dict[str, str]
    session: boto3.Session
    _clients: dict[str, Any] = field(default_factory=dict, repr=False)

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = self.session.client(service, config=_CONFIG)  # type: ignore[call-overload]
        return self._clients[service]

    def output(self, name: str) -> str:
        if name not in self.outputs:
            raise OperateError(f"stack {self.name} has no Output {name}: deploy a version of sfbridge that has it")
        return self.outputs[name]

    def queues(self) -> list[str]:
        """The queues this stack has: the job results queue only where job results are published."""
        return [name for name, (main, _) in QUEUE_OUTPUTS.items() if name != "job-results" or main in self.outputs]

    def queue_urls(self, queue: str) -> tuple[str, str]:
        """The queue's URL and its dead-letter queue's URL."""
        main, dead_letter = QUEUE_OUTPUTS[queue]
        if queue == "job-results" and main not in self.outputs:
            raise OperateError(f"stack {self.name} does not publish job results (JobResultsToSalesforce=false)")
        return self.output(main), self.output(dead_letter)


def session_for(region: str | None) -> boto3.Session:
    """AWS_REGION first (as the AWS SDKs read it), then AWS_DEFAULT_REGION or the profile's, then `region`.

    Against `make run` (AWS_ENDPOINT_URL on loopback) moto accepts any credentials: where none are configured,
    placeholder ones are used rather than failing.
    """
    session = boto3.Session(region_name=os.environ.get("AWS_REGION") or None)
    if session.region_name is None and region:
        session = boto3.Session(region_name=region)
    if session.region_name is None:
        raise OperateError("no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION, or a region in your profile)")
    endpoint = urlsplit(os.environ.get("AWS_ENDPOINT_URL", "")).hostname
    if endpoint in LOOPBACK and session.get_credentials() is None:
        session = boto3.Session(
            region_name=session.region_name,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # noqa: S106 - moto's, never a real secret
        )
    return session


def open_stack(name: str, region: str | None = None) -> Stack:
    """Read the stack's Outputs with CloudFormation's DescribeStacks."""
    stack = Stack(name, {}, session_for(region))
    try:
        described = stack.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    except ClientError as exc:
        raise OperateError(f"stack {name}: {exc.response['Error'].get('Message', exc)}") from exc
    except BotoCoreError as exc:
        raise OperateError(f"cannot reach CloudFormation: {exc}") from exc
    stack.outputs = {output["OutputKey"]: output["OutputValue"] for output in described.get("Outputs", [])}
    return stack


def queue_name(url: str) -> str:
    return url.rstrip("/").rpartition("/")[2]
