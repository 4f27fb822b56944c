"""scripts/check_salesforce_connection.py against the stand-in Salesforce."""

import importlib.util
from types import ModuleType

from tests.support import ROOT
from tests.support_salesforce import CONSUMER_KEY, EVENT, USERNAME, app_keys


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "check_connection", ROOT / "scripts" / "check_salesforce_connection.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _args(standin, key_file, username=USERNAME):
    return [
        "--login-host",
        standin.login_host,
        "--consumer-key",
        CONSUMER_KEY,
        "--username",
        username,
        "--private-key-file",
        str(key_file),
    ]


def test_check_publishes_one_test_event_and_says_so(standin, tmp_path, capsys):
    key_file = tmp_path / "sfbridge-jwt.key"
    key_file.write_text(app_keys().private_key)

    code = _script().main(_args(standin, key_file))

    (event,) = standin.events(EVENT)
    assert code == 0
    assert event["Job_Name__c"] == "connection-check"
    assert f"OK: published {EVENT} e00" in capsys.readouterr().out


def test_check_reports_a_user_that_is_not_pre_authorized(standin, tmp_path, capsys):
    key_file = tmp_path / "sfbridge-jwt.key"
    key_file.write_text(app_keys().private_key)

    code = _script().main(_args(standin, key_file, username="someone.else@example.com"))

    assert code == 1
    assert "user hasn't approved this consumer" in capsys.readouterr().err
    assert standin.received == []
