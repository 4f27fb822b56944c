"""The receiver's own logs and metrics read as Powertools' do, and its import path stays free of Powertools."""

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.logging import logger as powertools_logger

from sfbridge.receiver_observability import ReceiverLogger, ReceiverMetrics
from tests.support import ROOT

TRACE_HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
EVENT = {"requestContext": {"requestId": "c6af9ac6-7b61-11e6-9a41-93e812345678"}, "body": "<soapenv:Envelope/>"}


@dataclass
class _Context:
    function_name: str = "OutboundReceiverFunction"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:OutboundReceiverFunction"
    aws_request_id: str = "7c9e6679-7425-40de-944b-e07fc1f90ae7"


@pytest.fixture
def lambda_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_X_AMZN_TRACE_ID", TRACE_HEADER)
    monkeypatch.delenv("AWS_LAMBDA_LOG_LEVEL", raising=False)
    monkeypatch.delenv("POWERTOOLS_LOG_LEVEL", raising=False)


@pytest.fixture
def receiver_logger(lambda_environment: None) -> tuple[ReceiverLogger, io.StringIO]:
    logger, buffer = ReceiverLogger(), io.StringIO()
    logger.registered_handler.setStream(buffer)
    return logger, buffer


def _lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _calls(logger: Any) -> None:
    logger.info("outbound message stored", organization_id="00DKb00000AbCdEMAV", notification_count=3)
    logger.warning("claim check left for the lifecycle rule", s3_key="outbound-messages/x.xml", why="enqueue refused")
    try:
        raise ZeroDivisionError("division by zero")
    except ZeroDivisionError:
        logger.exception("unexpected failure while receiving an Outbound Message")


def _powertools_lines(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    monkeypatch.setattr(powertools_logger, "is_cold_start", True)  # other tests' invocations ran in this process
    logger = Logger(service="sfbridge", logger_handler=None)
    buffer = io.StringIO()
    logger.registered_handler.setStream(buffer)  # type: ignore[attr-defined]

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        _calls(logger)
        return {}

    handler(EVENT, _Context())
    return _lines(buffer.getvalue())


def _without_location_and_time(line: dict[str, Any]) -> dict[str, Any]:
    kept = {key: value for key, value in line.items() if key not in {"location", "timestamp"}}
    if "exception" in kept:  # the tracebacks name different files and lines
        kept["exception"] = kept["exception"].splitlines()[-1]
        kept["stack_trace"] = {**kept["stack_trace"], "frames": len(kept["stack_trace"]["frames"])}
    return kept


def test_log_lines_have_powertools_keys_values_and_order(receiver_logger, monkeypatch):
    logger, buffer = receiver_logger

    @logger.inject_lambda_context
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        _calls(logger)
        return {}

    handler(EVENT, _Context())
    ours, theirs = _lines(buffer.getvalue()), _powertools_lines(monkeypatch)

    assert [list(line) for line in ours] == [list(line) for line in theirs]
    assert [_without_location_and_time(line) for line in ours] == [_without_location_and_time(line) for line in theirs]
    assert ours[0]["correlation_id"] == EVENT["requestContext"]["requestId"]
    assert ours[0]["xray_trace_id"] == "1-5759e988-bd862e3fe1be46a994272793"
    assert ours[2]["exception_name"] == "ZeroDivisionError"
    assert "Traceback (most recent call last)" in ours[2]["exception"]


def test_location_and_timestamp_have_powertools_formats(receiver_logger):
    logger, buffer = receiver_logger
    logger.info("stored")
    (line,) = _lines(buffer.getvalue())
    assert (
        line["location"] == f"test_location_and_timestamp_have_powertools_formats:{_line_of('logger.info("stored")')}"
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\+0000", line["timestamp"])


def _line_of(statement: str) -> int:
    source = open(__file__, encoding="utf-8").read().splitlines()  # noqa: SIM115
    return next(number for number, text in enumerate(source, 1) if text.strip() == statement)


def test_cold_start_is_true_for_the_first_invocation_only_and_context_keys_go_after_it(receiver_logger):
    logger, buffer = receiver_logger
    handler = logger.inject_lambda_context(lambda event, context: logger.info("stored") or {})

    handler(EVENT, _Context())
    handler(EVENT, _Context())
    logger.info("between invocations")

    first, second, outside = _lines(buffer.getvalue())
    assert (first["cold_start"], second["cold_start"]) == (True, False)
    assert "cold_start" not in outside
    assert "function_request_id" not in outside


def test_provisioned_concurrency_never_reports_a_cold_start(receiver_logger, monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "provisioned-concurrency")
    logger, buffer = receiver_logger
    logger.inject_lambda_context(lambda event, context: logger.info("stored") or {})(EVENT, _Context())
    (line,) = _lines(buffer.getvalue())
    assert line["cold_start"] is False


def test_the_event_is_never_logged(receiver_logger):
    logger, buffer = receiver_logger
    secret = "never-logged-token-0123456789"
    handler = logger.inject_lambda_context(lambda event, context: logger.info("stored") or {})
    handler({**EVENT, "queryStringParameters": {"token": secret}}, _Context())
    assert secret not in buffer.getvalue()
    assert EVENT["body"] not in buffer.getvalue()


@pytest.mark.parametrize(
    ("powertools_level", "lambda_level", "written"),
    [
        (None, None, ["INFO", "WARNING"]),
        ("WARNING", None, ["WARNING"]),
        ("warning", None, ["WARNING"]),
        ("DEBUG", "WARN", ["WARNING"]),  # Lambda's advanced logging controls win, as in Powertools
        ("LOUD", None, ["INFO", "WARNING"]),  # not a level: the default
    ],
)
def test_log_level_comes_from_the_environment(monkeypatch, lambda_environment, powertools_level, lambda_level, written):
    for name, value in (("POWERTOOLS_LOG_LEVEL", powertools_level), ("AWS_LAMBDA_LOG_LEVEL", lambda_level)):
        if value is not None:
            monkeypatch.setenv(name, value)
    logger, buffer = ReceiverLogger(), io.StringIO()
    logger.registered_handler.setStream(buffer)
    logger.info("info")
    logger.warning("warning")
    assert [line["level"] for line in _lines(buffer.getvalue())] == written


def _emf(printed: str) -> list[dict[str, Any]]:
    blobs = [line for line in _lines(printed) if "_aws" in line]
    for blob in blobs:
        blob["_aws"]["Timestamp"] = 0
    return blobs


def _record(metrics: Any) -> None:
    metrics.add_metric(name="MessagesReceived", unit="Count", value=1)
    metrics.add_metric(name="NotificationsAccepted", unit="Count", value=100)
    metrics.add_metric(name="NotificationsAccepted", unit="Count", value=3)


def test_metrics_are_the_embedded_metric_format_powertools_writes(capsys):
    ours = ReceiverMetrics()
    ours.log_metrics(lambda event, context: _record(ours) or {})(EVENT, _Context())
    mine = _emf(capsys.readouterr().out)

    theirs = Metrics()
    theirs.clear_metrics()  # Powertools' metrics are shared by every instance, other tests' included
    theirs.log_metrics(lambda event, context: _record(theirs) or {})(EVENT, _Context())

    assert mine == _emf(capsys.readouterr().out)
    assert mine[0]["NotificationsAccepted"] == [100.0, 3.0]


def test_metrics_are_written_when_the_handler_raises(capsys):
    metrics = ReceiverMetrics()

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        metrics.add_metric(name="ServerFaults", unit="Count", value=1)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        metrics.log_metrics(handler)(EVENT, _Context())
    (blob,) = _emf(capsys.readouterr().out)
    assert blob["ServerFaults"] == [1.0]


def test_an_invocation_without_metrics_writes_none(capsys):
    metrics = ReceiverMetrics()
    metrics.log_metrics(lambda event, context: {})(EVENT, _Context())
    assert capsys.readouterr().out == ""


def test_more_than_100_metrics_go_out_in_several_objects(capsys):
    metrics = ReceiverMetrics()
    for number in range(101):
        metrics.add_metric(name=f"Metric{number}", unit="Count", value=number)
    metrics.flush()
    blobs = _emf(capsys.readouterr().out)
    assert [len(blob["_aws"]["CloudWatchMetrics"][0]["Metrics"]) for blob in blobs] == [100, 1]


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (lambda m: m.add_metric(name="MessagesReceived", unit="Counts", value=1), "not a CloudWatch unit"),
        (lambda m: m.add_metric(name="MessagesReceived", unit="", value=1), "not a CloudWatch unit"),
        (
            lambda m: [
                m.add_metric(name="Lag", unit="Count", value=1),
                m.add_metric(name="Lag", unit="Seconds", value=1),
            ],
            "already recorded in Count",
        ),
    ],
)
def test_a_metric_with_a_bad_unit_is_refused_and_nothing_is_recorded(capsys, record: Callable[[Any], Any], message):
    metrics = ReceiverMetrics()
    with pytest.raises(ValueError, match=message):
        record(metrics)
    metrics.flush()
    blobs = _emf(capsys.readouterr().out)
    assert all("MessagesReceived" not in blob for blob in blobs)
    assert all(blob.get("Lag") == [1.0] for blob in blobs)


def test_without_a_namespace_metrics_are_dropped_with_an_error_and_the_answer_stands(monkeypatch, capsys, log_output):
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE")
    metrics = ReceiverMetrics()

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        metrics.add_metric(name="MessagesReceived", unit="Count", value=1)
        return {"statusCode": 200}

    assert metrics.log_metrics(handler)(EVENT, _Context()) == {"statusCode": 200}
    assert _emf(capsys.readouterr().out) == []
    (line,) = _lines(log_output.getvalue())
    assert line["level"] == "ERROR"
    assert "POWERTOOLS_METRICS_NAMESPACE" in line["message"]
    assert line["metrics"] == ["MessagesReceived"]


def test_the_receivers_import_path_leaves_out_powertools_pydantic_and_boto3():
    probe = (
        "import importlib.util as u, sys; "
        f"s = u.spec_from_file_location('app', {str(ROOT / 'functions/outbound_receiver/app.py')!r}); "
        "m = u.module_from_spec(s); s.loader.exec_module(m); "
        "print(sorted({name.split('.')[0] for name in sys.modules} & {'aws_lambda_powertools', 'pydantic', 'boto3'}))"
    )
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "layers" / "shared")}
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=environment, check=True)
    assert result.stdout.strip() == "[]"
