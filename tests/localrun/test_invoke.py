"""LocalStack.invoke: the real handler, its resolved environment, a Lambda-like context, its errors."""

import pytest
from moto import mock_aws

from localrun.stack import LocalStack
from tests.localrun.conftest import FIXTURE_TEMPLATE


def test_invoke_runs_the_handler_with_its_environment_and_a_context(fixture_stack: LocalStack) -> None:
    result = fixture_stack.invoke("DoubleFunction", {"value": 2})

    assert result == {"value": 4, "greeting": "hello", "function": "DoubleFunction"}


def test_parameter_overrides_reach_the_functions() -> None:
    with mock_aws():
        stack = LocalStack.deploy(FIXTURE_TEMPLATE, overrides={"Greeting": "bonjour"})

        assert stack.invoke("DoubleFunction", {"value": 1})["greeting"] == "bonjour"


def test_extra_environment_is_set_during_the_call_only() -> None:
    with mock_aws():
        stack = LocalStack.deploy(FIXTURE_TEMPLATE, extra_environment={"GREETING": "from the test"})

        assert stack.invoke("DoubleFunction", {"value": 1})["greeting"] == "from the test"


def test_handler_errors_reach_the_caller(fixture_stack: LocalStack) -> None:
    with pytest.raises(Exception, match="asked to fail") as raised:
        fixture_stack.invoke("DoubleFunction", {"value": 1, "fail": True})

    assert type(raised.value).__name__ == "DoublingRefused"


def test_functions_have_their_code_handler_and_timeout(fixture_stack: LocalStack) -> None:
    spec = fixture_stack.functions["DoubleFunction"]

    assert (spec.code_uri.name, spec.handler, spec.timeout) == ("double", "app.lambda_handler", 5)
    assert spec.arn == "arn:aws:lambda:us-east-1:123456789012:function:DoubleFunction"
