"""boto3 clients, created once per process. `AWS_ENDPOINT_URL` (boto3's own setting) points them at the local stack."""

from functools import cache
from typing import Any

import boto3
from botocore.config import Config

# Salesforce gives up after 60 s and API Gateway after 29 s: fail fast and let the caller retry.
_CONFIG = Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 3, "mode": "standard"})


@cache
def client(service_name: str) -> Any:
    return boto3.session.Session().client(service_name, config=_CONFIG)  # type: ignore[call-overload]
