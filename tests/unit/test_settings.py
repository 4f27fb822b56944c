"""Function settings: the environment is validated at invocation and errors name variables, never values."""

import os
import subprocess
import sys

import pytest
from pydantic import model_validator

from sfbridge.config import OutboundReceiverSettings, Settings
from sfbridge.exceptions import ConfigurationError
from tests.support import ROOT

RECEIVER_ENV = {
    "OUTBOUND_QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/q",
    "CLAIM_CHECK_BUCKET": "claims",
    "ALLOWED_ORGANIZATION_IDS": "00DKb00000AbCdE",
    "ENDPOINT_TOKEN_SECRET": "arn:aws:secretsmanager:us-east-1:123456789012:secret:sfbridge-EndpointTokenSecret-AbCdEf",
}


def test_receiver_settings_read_the_template_variables():
    settings = OutboundReceiverSettings.from_env(RECEIVER_ENV)

    assert settings.claim_check_bucket == "claims"
    assert settings.max_queue_message_bytes == 262_144
    assert settings.endpoint_token_secret == RECEIVER_ENV["ENDPOINT_TOKEN_SECRET"]
    assert settings.endpoint_token_cache_seconds == 300
    assert settings.allow_unauthenticated is False


@pytest.mark.parametrize("secret", [None, ""])
def test_receiver_without_token_secret_is_refused_unless_unauthenticated_is_allowed(secret):
    environment = {key: value for key, value in RECEIVER_ENV.items() if key != "ENDPOINT_TOKEN_SECRET"}
    if secret is not None:
        environment["ENDPOINT_TOKEN_SECRET"] = secret

    with pytest.raises(ConfigurationError, match="ENDPOINT_TOKEN_SECRET is required"):
        OutboundReceiverSettings.from_env(environment)
    with pytest.raises(ConfigurationError):
        OutboundReceiverSettings.from_env({**environment, "ALLOW_UNAUTHENTICATED": "false"})
    assert (
        OutboundReceiverSettings.from_env({**environment, "ALLOW_UNAUTHENTICATED": "true"}).endpoint_token_secret
        is None
    )


def test_missing_variable_is_a_configuration_error_naming_it():
    environment = {name: value for name, value in RECEIVER_ENV.items() if name != "CLAIM_CHECK_BUCKET"}

    with pytest.raises(ConfigurationError, match="CLAIM_CHECK_BUCKET"):
        OutboundReceiverSettings.from_env(environment)


def test_invalid_value_is_named_but_not_echoed():
    with pytest.raises(ConfigurationError, match="MAX_BODY_BYTES") as refused:
        OutboundReceiverSettings.from_env({**RECEIVER_ENV, "MAX_BODY_BYTES": "-5"})

    assert "-5" not in str(refused.value)


def test_model_level_rule_failure_is_a_configuration_error_too():
    class Paired(Settings):
        first: str | None = None
        second: str | None = None

        @model_validator(mode="after")
        def both_or_neither(self) -> "Paired":
            if (self.first is None) != (self.second is None):
                raise ValueError("first and second go together")
            return self

    with pytest.raises(ConfigurationError, match="first and second go together"):
        Paired.from_env({"first": "x"})


def test_receiver_settings_load_without_pydantic():
    probe = (
        "import sys; from sfbridge.receiver_config import OutboundReceiverSettings; "
        "import sfbridge.outbound.endpoint; print('pydantic' in sys.modules)"
    )
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "layers" / "shared"), "POWERTOOLS_SERVICE_NAME": "test"}

    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=environment, check=True)

    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("name", "value"),
    [("MAX_BODY_BYTES", "0"), ("MAX_BODY_BYTES", "ten"), ("MAX_QUEUE_MESSAGE_BYTES", "1024")],
)
def test_receiver_limits_below_their_floor_or_not_numbers_are_refused(name, value):
    with pytest.raises(ConfigurationError, match=name):
        OutboundReceiverSettings.from_env({**RECEIVER_ENV, name: value})


def test_receiver_settings_hold_the_token_secrets_arn_never_a_token():
    settings = OutboundReceiverSettings.from_env({**RECEIVER_ENV, "ENDPOINT_TOKEN": "super-secret-token-value-0123"})

    assert settings.endpoint_token_secret == RECEIVER_ENV["ENDPOINT_TOKEN_SECRET"]
    assert "super-secret" not in repr(settings)
