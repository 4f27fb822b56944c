"""LocalStack.invoke: the real handler, its resolved environment, a Lambda-like context, its errors."""

import logging
import sys
import threading

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


def _held_batch(stack: LocalStack) -> tuple[threading.Thread, threading.Event]:
    """A ConsumerFunction invocation that runs until the returned event is set, on its own thread."""
    stack.warm()
    release = sys.modules["localrun_function_ConsumerFunction"].RELEASE
    release.clear()
    held = threading.Thread(target=stack.invoke, args=("ConsumerFunction", {"Records": [_record("hold")]}))
    held.start()
    return held, release


def _record(body: str) -> dict[str, str]:
    return {"messageId": body, "body": body}


def test_a_busy_function_never_holds_up_another(fixture_stack: LocalStack) -> None:
    held, release = _held_batch(fixture_stack)
    try:
        result = fixture_stack.invoke("DoubleFunction", {"value": 3})

        assert result["value"] == 6
        assert held.is_alive(), "DoubleFunction waited for ConsumerFunction's batch"
    finally:
        release.set()
        held.join(10)


def test_one_function_runs_one_invocation_at_a_time_and_logs_its_own_duration(
    fixture_stack: LocalStack, caplog: pytest.LogCaptureFixture
) -> None:
    held, release = _held_batch(fixture_stack)
    waiting = threading.Thread(target=fixture_stack.invoke, args=("ConsumerFunction", {"Records": [_record("ok")]}))
    with caplog.at_level(logging.INFO, logger="localrun"):
        waiting.start()
        waiting.join(0.5)
        assert waiting.is_alive(), "a second invocation ran while the function's environment was busy"
        release.set()
        held.join(10)
        waiting.join(10)

    durations = [
        float(r.getMessage().split()[2]) for r in caplog.records if "batch item failures" not in r.getMessage()
    ]
    # Two invocations logged; the one that waited half a second reports only its own run.
    assert len(durations) == 2
    assert min(durations) < 500
