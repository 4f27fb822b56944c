"""The running local stack: moto's server, the deployed template, the SQS pollers and the API server.

Started by `python -m localrun` (see `localrun.cli`); stopped by Ctrl-C or SIGTERM, which stop all of it.
"""

import argparse
import gc
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from localrun import salesforce
from localrun.api import ApiServer, LocalApi
from localrun.cli import READY
from localrun.execution_events import ExecutionStatusEmitter
from localrun.moto_fixes import enable_moto_fixes
from localrun.outputs import record_stack
from localrun.pollers import SqsPollers
from localrun.sqs_moves import enable_message_move_tasks
from localrun.stack import LocalStack
from localrun.stepfunctions import enable_execution
from localrun.tap import TapTrimmer
from localrun.template import REGION, TemplateError, parse_parameter_overrides

log = logging.getLogger("localrun")
OPT_OUT = "AllowUnauthenticatedOutboundMessages"


def serve(args: argparse.Namespace, template: Callable[[], dict[str, Any]], started: float) -> int:
    """Run until Ctrl-C or SIGTERM; `template` returns the decoded template (decoding may still be under way)."""
    _configure_logging()
    stopping = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stopping.set())
    with ExitStack() as running:
        try:
            api_url, tap_url, stack, endpoint = _start(args, template(), running)
        except (TemplateError, OSError) as error:  # OSError: a port in use, a file missing
            print(f"localrun: {error}", file=sys.stderr)
            return 1
        _print_ready(stack, api_url, endpoint, tap_url, time.monotonic() - started)
        while not stopping.wait(0.2):
            pass
        log.info("stopping")
    # Everything is stopped; skip collecting millions of module objects at exit (seconds, for nothing).
    gc.freeze()
    return 0


def _start(args: argparse.Namespace, template: dict[str, Any], running: ExitStack) -> tuple[str, str, LocalStack, str]:
    """Start moto, deploy, then the pollers and the API; `running` stops them in reverse order."""
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=args.moto_port, verbose=False)
    moto.start()
    running.callback(moto.stop)
    endpoint = "http://{}:{}".format(*moto.get_host_and_port())
    _use_local_endpoint(endpoint)
    enable_execution(endpoint)
    enable_message_move_tasks()
    enable_moto_fixes()
    overrides = with_local_opt_out(template, parse_parameter_overrides(args.parameter_overrides))
    if salesforce.wants_stand_in(template, overrides):
        overrides = salesforce.connect_stand_in(overrides, boto3.client("secretsmanager"), running)
    stack = LocalStack.deploy(args.template, overrides, template_body=template)
    # Step Functions' status change events, which moto does not send (the job results rule listens for them).
    emitter = ExecutionStatusEmitter(stack.target.client("stepfunctions"), stack.target.client("events"))
    emitter.start()
    running.callback(emitter.stop)
    tap_url = stack.add_bus_tap()
    trimmer = TapTrimmer(stack.target.client("sqs"), tap_url)
    trimmer.start()
    running.callback(trimmer.stop)
    # Lambda's init phase, for every function, while the first requests wait for it (as on a cold start).
    threading.Thread(target=_warm_then_freeze, args=(stack,), name="warm", daemon=True).start()
    pollers = SqsPollers(stack.target.client("sqs"), stack.sqs_sources, stack.invoke, region=stack.region)
    pollers.start()
    running.callback(pollers.stop)
    api = ApiServer(LocalApi(stack.api_routes, stack.apis, stack.invoke), args.host, args.port)
    api.start()
    running.callback(api.stop)
    stack.api_base_url = api.url
    record_stack(stack)
    return api.url, tap_url, stack, endpoint


def _warm_then_freeze(stack: LocalStack) -> None:
    """Import every handler, then move what start-up allocated (modules, the template, moto's models) out of the
    garbage collector's reach: a long run's collections then scan only what the run itself keeps alive."""
    stack.warm()
    gc.freeze()


def _use_local_endpoint(endpoint: str) -> None:
    """Point every boto3 client of this process (the handlers' too) at moto, with credentials that go nowhere."""
    os.environ.pop("AWS_PROFILE", None)
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            # moto's state machine tasks other than Lambda call back into the server on this port.
            "MOTO_PORT": endpoint.rpartition(":")[2],
            "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
        }
    )


def _configure_logging() -> None:
    """One line per invocation from `localrun`; the handlers' own logs go to stdout through Powertools."""
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(logging.Formatter("%(asctime)s localrun %(message)s", "%H:%M:%S"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def _print_ready(stack: LocalStack, api_url: str, endpoint: str, tap_url: str, seconds: float) -> None:
    lines = [f"Serving {stack.template_path.name} as stack {stack.target.stack_name} ({stack.region}):"]
    for route in stack.api_routes:
        stage = stack.apis[route.api_logical_id].stage_name
        lines.append(
            f"  {route.method:6} {api_url}{route.path} -> {route.function_logical_id}  (also /{stage}{route.path})"
        )
    for source in stack.sqs_sources:
        lines.append(f"  SQS    {source.queue_url} -> {source.function_logical_id} (BatchSize {source.batch_size})")
    lines.append(f"moto endpoint: {endpoint}  (AWS_ENDPOINT_URL for boto3 or the aws CLI)")
    lines.append(
        f"operate it: AWS_ENDPOINT_URL={endpoint} AWS_REGION={stack.region} "
        f".venv/bin/sfbridge --stack {stack.target.stack_name} status"
    )
    lines.append(f"bus tap queue: {tap_url}  (a copy of every event put on {', '.join(stack.event_bus_names())})")
    lines.extend(_endpoint_authentication(stack))
    lines.extend(_curl_examples(stack, api_url))
    lines.append(f"{READY} {api_url} (started in {seconds:.2f} s; Ctrl-C stops)")
    print("\n".join(lines), flush=True)


def _curl_examples(stack: LocalStack, api_url: str) -> list[str]:
    """A curl line per POST route whose function has raw XML samples in events/<function folder>/."""
    examples = []
    for route in stack.api_routes:
        samples = sorted((Path("events") / stack.functions[route.function_logical_id].code_uri.name).glob("*.xml"))
        if route.method == "POST" and samples:
            url = f"'{api_url}{route.path}?token=<EndpointToken>'" if _has_token(stack) else api_url + route.path
            examples.append(
                f"try: curl -sS -X POST {url} -H 'Content-Type: text/xml; charset=UTF-8' "
                f"-H 'SOAPAction: \"\"' --data-binary @{samples[0].as_posix()}"
            )
    return examples


def with_local_opt_out(template: dict[str, Any], overrides: dict[str, str]) -> dict[str, str]:
    """Without `EndpointToken` the template refuses to deploy unless unauthenticated Outbound Messages are asked
    for by name; `make run` asks, and its banner says so. `PARAMS="EndpointToken=..."` runs the token path."""
    declared = template.get("Parameters") or {}
    if OPT_OUT in declared and OPT_OUT not in overrides and not overrides.get("EndpointToken"):
        return {**overrides, OPT_OUT: "true"}
    return overrides


def _has_token(stack: LocalStack) -> bool:
    return "EndpointToken" in (stack.template.get("Parameters") or {}) and bool(stack.resolver.ref("EndpointToken"))


def _endpoint_authentication(stack: LocalStack) -> list[str]:
    if OPT_OUT not in (stack.template.get("Parameters") or {}):
        return []
    if _has_token(stack):
        return ["Outbound Messages: token required, ?token=<EndpointToken> (kept in the local Secrets Manager)"]
    return [
        f"Outbound Messages: UNAUTHENTICATED ({OPT_OUT}=true, the local default); "
        'make run PARAMS="EndpointToken=<24+ URL-safe characters>" requires the token'
    ]
