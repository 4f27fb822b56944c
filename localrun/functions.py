"""The template's functions as Python callables: the same `lambda_handler` Lambda calls, with its environment.

Each function has its own execution environment, as on Lambda: one lock per function, so a function runs one
invocation at a time while different functions never wait for each other (an Outbound Message is answered while the
worker runs a batch). Each invocation sees its own function's environment through `localrun.environ`.
"""

import importlib.util
import json
import logging
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from localrun.environ import function_environment, install
from localrun.template import ACCOUNT_ID

log = logging.getLogger("localrun")

Handler = Callable[[Any, Any], Any]


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """A function of the template, with Globals merged and every intrinsic resolved."""

    logical_id: str
    code_uri: Path
    handler: str
    environment: dict[str, str]
    timeout: int
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    function_name: str = ""
    memory_size: int = 128
    region: str = "us-east-1"

    @property
    def name(self) -> str:
        return self.function_name or self.logical_id

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{self.name}"


@dataclass(frozen=True, slots=True)
class Route:
    """One `Type: Api` event: API Gateway REST sends `method path` to the function."""

    method: str
    path: str
    function_logical_id: str
    api_logical_id: str = "ServerlessRestApi"


@dataclass(frozen=True, slots=True)
class ApiSpec:
    """An `AWS::Serverless::Api` (or SAM's implicit one): the stage in its URLs and its binary media types."""

    logical_id: str
    api_id: str
    stage_name: str
    binary_media_types: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SqsSource:
    """One `Type: SQS` event: Lambda's poller hands batches of `queue_url` to the function."""

    function_logical_id: str
    queue_url: str
    batch_size: int
    report_batch_item_failures: bool
    queue_arn: str = ""


@dataclass(slots=True)
class LocalContext:
    """The attributes and method of Lambda's context object that handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    timeout_seconds: int
    function_version: str = "$LATEST"
    identity: Any = None
    client_context: Any = None
    started: float = field(default_factory=time.monotonic)

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return f"local/[$LATEST]{self.aws_request_id.replace('-', '')}"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self.started
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


class InvocationError(Exception):
    """The function ran but Lambda would not return its result (it is not JSON)."""


class FunctionHost:
    """Loads handlers from their files and invokes them, one invocation at a time per function."""

    def __init__(self, functions: Mapping[str, FunctionSpec], extra_environment: Mapping[str, str]) -> None:
        install()
        self.functions = dict(functions)
        self._extra_environment = dict(extra_environment)
        self._handlers: dict[str, Handler] = {}
        self._loading = threading.Lock()
        # One execution environment per function. Re-entrant: a state machine task may call back into the function
        # whose invocation is waiting for it, on the same thread.
        self._environments = {logical_id: threading.RLock() for logical_id in self.functions}

    def environment(self, spec: FunctionSpec) -> dict[str, str]:
        """The function's variables, then what the Lambda runtime sets (it wins, as reserved names do)."""
        return {
            "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon locally
            "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",  # moto serves StartSyncExecution without the sync- host
            **spec.environment,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_REGION": spec.region,
            "AWS_DEFAULT_REGION": spec.region,
            "LAMBDA_TASK_ROOT": str(spec.code_uri),
            "SFBRIDGE_LOCAL": "1",
            **self._extra_environment,
        }

    def warm(self) -> None:
        """Import every handler now, under its function's environment, as Lambda's init phase would."""
        for spec in self.functions.values():
            with self._turn(spec.logical_id, wait=True), function_environment(self.environment(spec)):
                self._handler(spec)

    def invoke(self, logical_id: str, event: Any, *, wait: bool = True) -> Any:
        """Call the handler with a JSON copy of `event`; return its JSON-round-tripped result, or raise its error.

        `wait=False` is for invocations another invocation may be waiting for (a state machine's Lambda task):
        they run even when their function's environment is busy, instead of waiting for a holder that is waiting
        for them. The logged duration is the invocation's own, from after its environment was free.
        """
        spec = self.functions[logical_id]
        payload = json.loads(json.dumps(event))
        with self._turn(logical_id, wait=wait), function_environment(self.environment(spec)):
            context = LocalContext(spec.name, spec.arn, spec.memory_size, str(uuid.uuid4()), spec.timeout)
            try:
                result = self._handler(spec)(payload, context)
            except Exception as error:
                _log_invocation(spec, context, f"raised {type(error).__name__}: {error}")
                raise
            _log_invocation(spec, context, describe_result(result))
        return _json_result(result)

    @contextmanager
    def _turn(self, logical_id: str, *, wait: bool) -> Iterator[None]:
        environment = self._environments[logical_id]
        acquired = environment.acquire(blocking=wait)
        try:
            yield
        finally:
            if acquired:
                environment.release()

    def _handler(self, spec: FunctionSpec) -> Handler:
        # Its own lock: a state machine's task may need a handler while the warm-up holds the invocation lock.
        with self._loading:
            if spec.logical_id not in self._handlers:
                self._handlers[spec.logical_id] = load_handler(spec)
        return self._handlers[spec.logical_id]


def load_handler(spec: FunctionSpec) -> Handler:
    """Import `Handler: module.function` from the function's CodeUri under a module name unique to the function.

    Every function's entry point is `app.py`, so importing them by their own name would return the first one.
    """
    module_path, _, attribute = spec.handler.rpartition(".")
    path = spec.code_uri / (module_path.replace(".", "/") + ".py")
    module_name = f"localrun_function_{spec.logical_id}"
    module_spec = importlib.util.spec_from_file_location(module_name, path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"{spec.logical_id}: cannot load {path}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    with _importable(spec.code_uri):
        module_spec.loader.exec_module(module)
    return _attribute(module, attribute, spec)


def _attribute(module: ModuleType, attribute: str, spec: FunctionSpec) -> Handler:
    handler = getattr(module, attribute, None)
    if not callable(handler):
        raise ImportError(f"{spec.logical_id}: {spec.handler} is not a function in {spec.code_uri}")
    return handler  # type: ignore[no-any-return]


@contextmanager
def _importable(directory: Path) -> Iterator[None]:
    """Let a handler import the modules next to it while it loads, as Lambda's task root allows."""
    sys.path.insert(0, str(directory))
    try:
        yield
    finally:
        sys.path.remove(str(directory))


def describe_result(result: Any) -> str:
    """The outcome in one word or two: an HTTP status, the batch failures, or ok."""
    if isinstance(result, Mapping) and "statusCode" in result:
        return f"status {result['statusCode']}"
    if isinstance(result, Mapping) and result.get("batchItemFailures"):
        return f"{len(result['batchItemFailures'])} batch item failures"
    return "ok"


def error_payload(error: BaseException, request_id: str = "") -> dict[str, Any]:
    """What Lambda returns for an unhandled error (the `Payload` of a failed Invoke)."""
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "requestId": request_id,
        "stackTrace": traceback.format_tb(error.__traceback__),
    }


def _json_result(result: Any) -> Any:
    try:
        return json.loads(json.dumps(result))
    except (TypeError, ValueError) as exc:
        raise InvocationError(f"Unable to marshal response: {exc}") from exc


def _log_invocation(spec: FunctionSpec, context: LocalContext, outcome: str) -> None:
    duration_ms = (time.monotonic() - context.started) * 1000
    late = f" (over its {spec.timeout} s Timeout, not enforced locally)" if duration_ms > spec.timeout * 1000 else ""
    log.info("%s %s %.1f ms %s%s", spec.logical_id, context.aws_request_id, duration_ms, outcome, late)
