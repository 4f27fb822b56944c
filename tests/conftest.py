"""Settings every suite shares: no real AWS account is ever reachable from the tests."""

import io
import os
from collections.abc import Iterator

import pytest

from tests.support_salesforce import standin  # noqa: F401  (the stand-in Salesforce, for every suite)

os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SECURITY_TOKEN": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "sfbridge",
        "POWERTOOLS_METRICS_NAMESPACE": "Sfbridge",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
)
os.environ.pop("AWS_PROFILE", None)


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """What the functions log, as Lambda would ship it to CloudWatch (one JSON object a line)."""
    # after the environment above is in place
    from sfbridge.observability import logger
    from sfbridge.receiver_observability import logger as receiver_logger

    buffer = io.StringIO()
    handlers = [logger.registered_handler, receiver_logger.registered_handler]
    previous = [handler.setStream(buffer) for handler in handlers]  # type: ignore[attr-defined]
    yield buffer
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)  # type: ignore[attr-defined]
