"""The Outbound Message receiver's structured logs and metrics, written without Powertools on its cold start.

Salesforce waits on the receiver, and importing Powertools' Logger and Metrics costs the receiver about as much as
all its own code (`make bench`, `receiver_cold_import_ratio`). Everything else in sfbridge logs through
`sfbridge.observability` (Powertools). What is written here reads the same: the JSON keys of a Powertools log line
(`level`, `location`, `message`, `timestamp`, `service`, `cold_start`, `function_*`, `correlation_id`,
`xray_trace_id`, `exception`, `exception_name`, `stack_trace`) and the same CloudWatch embedded metric format
(namespace `POWERTOOLS_METRICS_NAMESPACE`, dimension `service`), so log queries, metric filters, alarms and the
dashboard see one service. `tests/unit/test_receiver_observability.py` holds both to Powertools' own output.

Settings, as Powertools reads them: `POWERTOOLS_SERVICE_NAME`, `POWERTOOLS_METRICS_NAMESPACE`, and the level from
`AWS_LAMBDA_LOG_LEVEL` (Lambda's advanced logging controls) or else `POWERTOOLS_LOG_LEVEL` (default INFO).
The event itself is never logged: it carries the endpoint token and the body. What Powertools offers beyond that and
the template does not use (debug sampling, log buffering, `POWERTOOLS_DEV`, `POWERTOOLS_METRICS_DISABLED`, the
cold-start metric) is not offered here.
"""

import functools
import json
import logging
import os
import sys
import time
import traceback
from collections.abc import Callable
from types import TracebackType
from typing import Any, Final, Protocol

_LOGGER_NAME: Final = "sfbridge.receiver"
_MAX_METRICS_PER_BLOB: Final = 100
"""CloudWatch takes at most 100 metrics in one embedded metric format object."""
_UNITS: Final = frozenset(
    [
        "Seconds",
        "Microseconds",
        "Milliseconds",
        "Bytes",
        "Kilobytes",
        "Megabytes",
        "Gigabytes",
        "Terabytes",
        "Bits",
        "Kilobits",
        "Megabits",
        "Gigabits",
        "Terabits",
        "Percent",
        "Count",
        "Bytes/Second",
        "Kilobytes/Second",
        "Megabytes/Second",
        "Gigabytes/Second",
        "Terabytes/Second",
        "Bits/Second",
        "Kilobits/Second",
        "Megabits/Second",
        "Gigabits/Second",
        "Terabits/Second",
        "Count/Second",
        "None",
    ]
)


class LambdaContext(Protocol):
    """What the receiver reads of Lambda's context object (Powertools' `LambdaContext` would import Powertools)."""

    @property
    def function_name(self) -> str: ...
    @property
    def memory_limit_in_mb(self) -> int | str: ...
    @property
    def invoked_function_arn(self) -> str: ...
    @property
    def aws_request_id(self) -> str: ...


Handler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def _service() -> str:
    return os.environ.get("POWERTOOLS_SERVICE_NAME") or "service_undefined"


class _JsonFormatter(logging.Formatter):
    """One JSON object per record, keys in Powertools' order; `context` holds the invocation's keys."""

    def __init__(self) -> None:
        super().__init__()
        self.context: dict[str, Any] = {}

    def format(self, record: logging.LogRecord) -> str:
        created = time.gmtime(record.created)
        entry: dict[str, Any] = {
            "level": record.levelname,
            "location": f"{record.funcName}:{record.lineno}",
            "message": record.getMessage(),
            "timestamp": f"{time.strftime('%Y-%m-%d %H:%M:%S', created)},{int(record.msecs):03d}+0000",
            "service": _service(),
            **self.context,
            **getattr(record, "fields", {}),
        }
        if record.exc_info and record.exc_info[0] is not None:
            entry |= _exception_keys(record.exc_info[0], record.exc_info[1], record.exc_info[2])
        if trace_id := _xray_trace_id():
            entry["xray_trace_id"] = trace_id
        return json.dumps(entry, default=str, separators=(",", ":"))


def _exception_keys(kind: type[BaseException], error: BaseException | None, tb: TracebackType | None) -> dict[str, Any]:
    frames = traceback.extract_tb(tb)
    return {
        "exception": "".join(traceback.format_exception(kind, error, tb)).rstrip("\n"),
        "exception_name": kind.__name__,
        "stack_trace": {
            "type": kind.__name__,
            "value": str(error),
            "module": kind.__module__,
            "frames": [
                {"file": frame.filename, "line": frame.lineno, "function": frame.name, "statement": frame.line}
                for frame in frames
            ],
        },
    }


def _xray_trace_id() -> str | None:
    """The X-Ray root trace id Lambda puts in `_X_AMZN_TRACE_ID` for each invocation."""
    header = os.environ.get("_X_AMZN_TRACE_ID", "")
    root = next((part for part in header.split(";") if part.startswith("Root=")), "")
    return root.removeprefix("Root=") or None


def _level() -> str:
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL") or os.environ.get("POWERTOOLS_LOG_LEVEL") or "INFO"
    return level.upper() if level.upper() in logging.getLevelNamesMapping() else "INFO"


class ReceiverLogger:
    """`info`, `warning`, `error` and `exception` take the message and the record's own keys, as Powertools'
    Logger does: `logger.info("stored", queue_message_id=...)`."""

    def __init__(self) -> None:
        self._formatter = _JsonFormatter()
        self.registered_handler = logging.StreamHandler(sys.stdout)
        self.registered_handler.setFormatter(self._formatter)
        # Not registered with `logging`: no other configuration reaches it, and it reaches no other handler.
        self._logger = logging.Logger(_LOGGER_NAME, _level())
        self._logger.addHandler(self.registered_handler)
        self._logger.propagate = False
        self._cold_start = True

    def info(self, message: str, **fields: Any) -> None:
        self._logger.info(message, extra={"fields": fields}, stacklevel=2)

    def warning(self, message: str, **fields: Any) -> None:
        self._logger.warning(message, extra={"fields": fields}, stacklevel=2)

    def error(self, message: str, **fields: Any) -> None:
        self._logger.error(message, extra={"fields": fields}, stacklevel=2)

    def exception(self, message: str, **fields: Any) -> None:
        """An ERROR record with the exception being handled."""
        self._logger.error(message, exc_info=True, extra={"fields": fields}, stacklevel=2)

    def inject_lambda_context(self, handler: Handler) -> Handler:
        """Add the invocation's keys to every record it writes; the correlation id is API Gateway's request id."""

        @functools.wraps(handler)
        def invoke(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
            # As Powertools: an environment that provisioned concurrency initialized never reports a cold start.
            provisioned = os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == "provisioned-concurrency"
            self._formatter.context = {
                "cold_start": self._cold_start and not provisioned,
                "function_name": context.function_name,
                "function_memory_size": int(context.memory_limit_in_mb),
                "function_arn": context.invoked_function_arn,
                "function_request_id": context.aws_request_id,
                "correlation_id": ((event or {}).get("requestContext") or {}).get("requestId"),
            }
            self._cold_start = False
            try:
                return handler(event, context)
            finally:
                self._formatter.context = {}

        return invoke


class ReceiverMetrics:
    """Metrics gathered during an invocation and written as one embedded metric format object at its end."""

    def __init__(self) -> None:
        self._values: dict[str, list[float]] = {}
        self._units: dict[str, str] = {}

    def add_metric(self, *, name: str, unit: str, value: float) -> None:
        if unit not in _UNITS:
            raise ValueError(f"{unit!r} is not a CloudWatch unit; use one of {sorted(_UNITS)}")
        if self._units.get(name, unit) != unit:
            raise ValueError(f"metric {name!r} is already recorded in {self._units[name]}, not {unit}")
        if name not in self._units and len(self._units) == _MAX_METRICS_PER_BLOB:
            self.flush()
        self._units[name] = unit
        self._values.setdefault(name, []).append(float(value))

    def flush(self) -> None:
        """Write what was gathered to stdout (CloudWatch Logs turns it into metrics) and start again."""
        if not self._values:
            return
        namespace = os.environ.get("POWERTOOLS_METRICS_NAMESPACE")
        if not namespace:
            # A metrics setting must never cost Salesforce its Ack: the message is stored by now.
            logger.error("metrics dropped: POWERTOOLS_METRICS_NAMESPACE is not set", metrics=sorted(self._values))
            self._values, self._units = {}, {}
            return
        service = _service()
        blob = {
            "_aws": {
                "Timestamp": int(time.time() * 1000),
                "CloudWatchMetrics": [
                    {
                        "Namespace": namespace,
                        "Dimensions": [["service"]],
                        "Metrics": [{"Name": name, "Unit": unit} for name, unit in self._units.items()],
                    }
                ],
            },
            "service": service,
            **self._values,
        }
        self._values, self._units = {}, {}
        print(json.dumps(blob, separators=(",", ":")), flush=True)

    def log_metrics(self, handler: Handler) -> Handler:
        """Flush at the end of every invocation, whether the handler returned or raised."""

        @functools.wraps(handler)
        def invoke(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
            try:
                return handler(event, context)
            finally:
                self.flush()

        return invoke


logger = ReceiverLogger()
metrics = ReceiverMetrics()
