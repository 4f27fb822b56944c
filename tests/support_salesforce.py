"""The stand-in Salesforce for tests: one connected app key pair per session, one server per test."""

from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest

from localrun.salesforce import KeyPair, StandInSalesforce
from sfbridge.config import SalesforceSettings

CONSUMER_KEY = "3MVG9sfbridgeTestConsumerKey.Example"
USERNAME = "sfbridge.integration@example.com"
EVENT = "Sfbridge_Job_Result__e"


@cache
def app_keys() -> KeyPair:
    """The connected app's certificate and its private key (generating RSA keys takes a moment: once)."""
    return KeyPair.generate("sfbridge-test-app")


def salesforce_environment(standin: StandInSalesforce, **overrides: str) -> dict[str, str]:
    return {
        "SALESFORCE_CONSUMER_KEY": CONSUMER_KEY,
        "SALESFORCE_USERNAME": USERNAME,
        "SALESFORCE_LOGIN_HOST": standin.login_host,
        "SALESFORCE_PRIVATE_KEY_SECRET": "arn:aws:secretsmanager:us-east-1:123456789012:secret:sfbridge-key-AbCdEf",
        "SALESFORCE_BACKOFF_BASE_SECONDS": "0.2",
        "SALESFORCE_BACKOFF_CAP_SECONDS": "1",
        "SALESFORCE_TIMEOUT_SECONDS": "5",
        **overrides,
    }


def salesforce_settings(standin: StandInSalesforce, **overrides: str) -> SalesforceSettings:
    return SalesforceSettings.from_env(salesforce_environment(standin, **overrides))


@pytest.fixture
def standin(monkeypatch: pytest.MonkeyPatch) -> Iterator[StandInSalesforce]:
    server = StandInSalesforce(
        consumer_key=CONSUMER_KEY, username=USERNAME, app_certificate=app_keys().certificate
    ).start()
    # The stand-in's TLS certificate is self-signed; requests trusts it through its own setting.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", server.ca_file)
    yield server
    server.stop()


def failure_codes(error: Any) -> list[str]:
    return list(error.error_codes)
