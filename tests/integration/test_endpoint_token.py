"""The Outbound Message endpoint token: required by the template, kept in Secrets Manager, rotated with two valid
tokens, read once and cached. Resources come from template.yaml through the local provisioner (moto)."""

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from lxml import etree

from localrun.stack import LocalStack
from localrun.template import TemplateError
from sfbridge.adapters.aws import client
from tests.support import TEMPLATE, load_event

RECEIVER = "OutboundReceiverFunction"
TOKEN = "current-token-0123456789abcdef"
PREVIOUS = "previous-token-0123456789abcdef"
FAULT = "{http://schemas.xmlsoap.org/soap/envelope/}Body/{http://schemas.xmlsoap.org/soap/envelope/}Fault"
ACCOUNT_EVENT = load_event("outbound_receiver/account-1")


def _post(stack: LocalStack, token: str | None, body: dict[str, Any] | None = None) -> dict[str, Any]:
    query = None if token is None else {"token": token}
    return stack.invoke(RECEIVER, {**(body or ACCOUNT_EVENT), "queryStringParameters": query})  # type: ignore[no-any-return]


def _fault(response: dict[str, Any]) -> tuple[str | None, str | None]:
    fault = etree.fromstring(response["body"].encode()).find(FAULT)
    return (None, None) if fault is None else (fault.findtext("faultcode"), fault.findtext("faultstring"))


def _queued(stack: LocalStack) -> int:
    attributes = boto3.client("sqs").get_queue_attributes(
        QueueUrl=stack.physical_id("OutboundQueue"), AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"])


@pytest.fixture
def calls() -> Iterator[list[str]]:
    """The Secrets Manager operations the functions call, seen at the botocore layer."""
    seen: list[str] = []

    def record(model: Any, **_: Any) -> None:
        seen.append(model.name)

    events = client("secretsmanager").meta.events
    events.register("before-call.secrets-manager", record)
    yield seen
    events.unregister("before-call.secrets-manager", record)


def test_deployment_without_token_is_refused(aws):
    with pytest.raises(TemplateError, match="EndpointToken is required"):
        LocalStack.deploy(str(TEMPLATE))


def test_previous_token_without_a_current_one_is_refused(aws):
    with pytest.raises(TemplateError, match="EndpointTokenPrevious"):
        LocalStack.deploy(
            str(TEMPLATE), overrides={"EndpointTokenPrevious": PREVIOUS, "AllowUnauthenticatedOutboundMessages": "true"}
        )


def test_explicit_opt_out_deploys_without_a_secret_and_accepts_without_token(aws):
    stack = LocalStack.deploy(str(TEMPLATE), overrides={"AllowUnauthenticatedOutboundMessages": "true"})

    assert "EndpointTokenSecret" not in stack.resources
    assert stack.functions[RECEIVER].environment["ENDPOINT_TOKEN_SECRET"] == ""
    assert _post(stack, None)["statusCode"] == 200


class TestTokenInSecretsManager:
    @pytest.fixture
    def stack(self, aws: None) -> LocalStack:
        return LocalStack.deploy(str(TEMPLATE), overrides={"EndpointToken": TOKEN})

    def test_token_lives_in_the_secret_not_in_the_function_environment(self, stack):
        environment = stack.functions[RECEIVER].environment
        secret = boto3.client("secretsmanager").get_secret_value(SecretId=environment["ENDPOINT_TOKEN_SECRET"])

        assert json.loads(secret["SecretString"]) == {"current": TOKEN, "previous": ""}
        assert all(TOKEN not in value for value in environment.values())

    @pytest.mark.parametrize("presented", [None, "", PREVIOUS, TOKEN.upper()])
    def test_missing_or_wrong_token_is_a_client_fault_and_stores_nothing(self, stack, presented):
        response = _post(stack, presented)

        assert _fault(response) == ("soapenv:Client", "endpoint token is missing or wrong")
        assert _queued(stack) == 0

    def test_wrong_token_is_refused_before_the_body_is_parsed(self, stack):
        hostile = {**ACCOUNT_EVENT, "body": "<!DOCTYPE x SYSTEM 'file:///etc/passwd'><x/>", "isBase64Encoded": False}

        assert _fault(_post(stack, "wrong-token-0123456789abcdef", hostile))[1] == "endpoint token is missing or wrong"

    def test_matching_token_is_acked(self, stack):
        assert _post(stack, TOKEN)["statusCode"] == 200
        assert _queued(stack) == 1

    def test_secret_is_read_once_then_served_from_the_cache(self, stack, calls):
        for _ in range(3):
            assert _post(stack, TOKEN)["statusCode"] == 200

        assert calls.count("GetSecretValue") == 1

    def test_unreadable_secret_is_a_server_fault_that_names_nothing(self, aws, calls):
        stack = LocalStack.deploy(
            str(TEMPLATE), overrides={"EndpointToken": TOKEN}, extra_environment={"ENDPOINT_TOKEN_CACHE_SECONDS": "0"}
        )

        def deny(**_: Any) -> None:
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "denied"}}, "GetSecretValue")

        client("secretsmanager").meta.events.register_first("before-call.secrets-manager.GetSecretValue", deny)
        try:
            response = _post(stack, TOKEN)
        finally:
            client("secretsmanager").meta.events.unregister("before-call.secrets-manager.GetSecretValue", deny)

        code, text = _fault(response)
        assert code == "soapenv:Server"
        assert "secret" not in (text or "")
        assert "arn:" not in (text or "")
        assert _queued(stack) == 0


class TestRotation:
    @pytest.fixture
    def stack(self, aws: None) -> LocalStack:
        return LocalStack.deploy(str(TEMPLATE), overrides={"EndpointToken": TOKEN, "EndpointTokenPrevious": PREVIOUS})

    @pytest.mark.parametrize("presented", [TOKEN, PREVIOUS])
    def test_current_and_previous_tokens_are_both_accepted(self, stack, presented):
        assert _post(stack, presented)["statusCode"] == 200

    def test_a_third_token_is_refused(self, stack):
        assert _fault(_post(stack, "third-token-0123456789abcdef"))[0] == "soapenv:Client"


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        ("not json", "not a JSON object"),
        (json.dumps({"previous": PREVIOUS}), "current"),
        (json.dumps({"current": "short"}), "current"),
        (json.dumps({"current": TOKEN, "extra": "x"}), "extra"),
        (json.dumps({"current": "has spaces in it, not url safe"}), "current"),
    ],
)
def test_malformed_secret_is_a_server_fault_and_never_echoes_it(aws, log_output, secret, reason):
    stack = LocalStack.deploy(
        str(TEMPLATE), overrides={"EndpointToken": TOKEN}, extra_environment={"ENDPOINT_TOKEN_CACHE_SECONDS": "0"}
    )
    secret_id = stack.functions[RECEIVER].environment["ENDPOINT_TOKEN_SECRET"]
    boto3.client("secretsmanager").put_secret_value(SecretId=secret_id, SecretString=secret)

    response = _post(stack, TOKEN)

    assert _fault(response)[0] == "soapenv:Server"
    assert reason in log_output.getvalue()
    assert PREVIOUS not in log_output.getvalue()
    assert "short" not in response["body"]
    assert _queued(stack) == 0
