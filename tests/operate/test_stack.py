"""How `sfbridge` finds its stack and its AWS settings."""

import pytest

from operate.stack import OperateError, region_for, session_for, stack_name_for

SAMCONFIG = """version = 0.1
[default.global.parameters]
stack_name = "sfbridge"
[prod.deploy.parameters]
region = "eu-central-2"
"""


@pytest.fixture
def no_credentials(monkeypatch, tmp_path):
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_PROFILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_an_environment_without_its_own_stack_name_uses_the_default_one(tmp_path):
    samconfig = tmp_path / "samconfig.toml"
    samconfig.write_text(SAMCONFIG)

    assert stack_name_for("prod", samconfig) == "sfbridge"
    assert region_for("prod", samconfig) == "eu-central-2"


def test_a_missing_samconfig_asks_for_stack(tmp_path):
    with pytest.raises(OperateError, match="name the stack with --stack"):
        stack_name_for("dev", tmp_path / "samconfig.toml")


def test_aws_region_wins_over_samconfigs_region(monkeypatch):
    monkeypatch.setenv("AWS_REGION", "eu-west-1")

    assert session_for("eu-central-2").region_name == "eu-west-1"


def test_samconfigs_region_is_used_when_the_environment_names_none(monkeypatch, no_credentials):
    monkeypatch.delenv("AWS_REGION")
    monkeypatch.delenv("AWS_DEFAULT_REGION")

    assert session_for("eu-central-2").region_name == "eu-central-2"


def test_make_run_needs_no_credentials(monkeypatch, no_credentials):
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:5000")

    credentials = session_for(None).get_credentials()

    assert credentials is not None
    assert credentials.access_key == "testing"


def test_a_real_endpoint_never_gets_placeholder_credentials(monkeypatch, no_credentials):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)

    assert session_for(None).get_credentials() is None
