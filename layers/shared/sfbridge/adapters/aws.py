"""AWS clients, created once per process. `AWS_ENDPOINT_URL` (botocore's own setting) points them at the local stack.

Clients come from botocore directly: boto3 adds resources and s3transfer, which sfbridge never uses, to every
cold start. A botocore client is exactly what `boto3.client()` returns.
"""

from functools import cache
from typing import Any

import botocore.session
from botocore.config import Config

# Salesforce gives up after 60 s and API Gateway after 29 s: fail fast and let the caller retry.
_CONFIG = Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 3, "mode": "standard"})


@cache
def _session() -> botocore.session.Session:
    return botocore.session.get_session()


@cache
def client(service_name: str, config: Config = _CONFIG) -> Any:
    """The process's client for `service_name`; pass `config` (a module constant) for other timeouts or retries."""
    return _session().create_client(service_name, config=config)


def forget_clients() -> None:
    """Drop every client and the session behind them, so the next `client()` resolves credentials and connects anew.

    Lambda SnapStart calls this after a restore (`sfbridge.snapstart`): a snapshot's clients hold the credentials
    and the connections of the environment that was snapshotted.
    """
    client.cache_clear()
    _session.cache_clear()
