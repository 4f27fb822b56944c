"""SnapStart hooks: clients are made before the snapshot and forgotten after a restore; elsewhere nothing is hooked."""

import sys
import types

import pytest

from sfbridge.adapters import aws
from sfbridge.snapstart import register_snapshot_hooks


@pytest.fixture
def runtime(monkeypatch):
    """`snapshot_restore_py` as Lambda's Python runtime provides it: it records the hooks it is given."""
    registered: dict[str, list] = {"before": [], "after": []}
    module = types.ModuleType("snapshot_restore_py")
    module.register_before_snapshot = lambda func, *args: registered["before"].append((func, args))  # type: ignore[attr-defined]
    module.register_after_restore = lambda func, *args: registered["after"].append((func, args))  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", module)
    return registered


def test_without_the_runtime_library_nothing_is_registered(monkeypatch):
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)

    assert register_snapshot_hooks("sqs") is False


def test_clients_made_before_the_snapshot_are_replaced_after_a_restore(runtime):
    assert register_snapshot_hooks("sqs", "dynamodb") is True
    [(before, names)] = runtime["before"]
    [(after, _)] = runtime["after"]

    before(*names)
    snapshotted = aws.client("sqs")
    after()

    assert names == ("sqs", "dynamodb")
    assert aws.client("sqs") is not snapshotted
    assert aws.client("sqs") is aws.client("sqs")


def test_restore_drops_the_session_and_its_credentials(runtime):
    register_snapshot_hooks("sqs")
    [(after, _)] = runtime["after"]
    session = aws._session()

    after()

    assert aws._session() is not session


@pytest.mark.parametrize("function", ["callout_api", "outbound_receiver"])
def test_snapstart_functions_register_their_hooks_at_init(runtime, function):
    from tests.support_callouts import load_function

    load_function(function)

    assert len(runtime["before"]) == 1
    assert len(runtime["after"]) == 1
