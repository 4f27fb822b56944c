"""The receiver's entry point never logs the API Gateway event: it holds the endpoint token and the body."""

import importlib.util
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from tests.support import ROOT, load_event

TOKEN = "never-logged-token-0123456789"


@dataclass
class _LambdaContext:
    function_name: str = "OutboundReceiverFunction"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:OutboundReceiverFunction"
    aws_request_id: str = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


def _handler_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("outbound_receiver_app", ROOT / "functions/outbound_receiver/app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_event_is_not_logged_even_when_the_environment_asks_for_it(monkeypatch, log_output):
    # Given an environment that turns Powertools' event logging on for every function
    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")
    handler = _handler_module()
    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(handler, "answer_outbound_message", lambda event: seen.append(event) or {"statusCode": 200})
    event = {**load_event("outbound_receiver/account-1"), "queryStringParameters": {"token": TOKEN}}

    # When the receiver is invoked
    handler.lambda_handler(event, _LambdaContext())

    # Then the event reached the use case, and neither the token nor the body reached the log
    assert seen == [event]
    assert TOKEN not in log_output.getvalue()
    assert event["body"][:40] not in log_output.getvalue()
