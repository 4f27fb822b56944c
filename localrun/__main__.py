"""`make run`: the whole application on loopback, without Docker, in seconds.

moto's server (in this process) stands in for SQS, DynamoDB, S3, EventBridge and Step Functions; the template's
resources are created in it; API routes and SQS event sources call the functions' own `lambda_handler`.
"""

import argparse
import gc
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from moto.server import ThreadedMotoServer

from localrun.api import ApiServer, LocalApi
from localrun.pollers import SqsPollers
from localrun.stack import LocalStack
from localrun.stepfunctions import enable_execution
from localrun.template import REGION, TemplateError, parse_parameter_overrides

READY = "localrun ready:"
"""Prefix of the last startup line; scripts wait for it."""

log = logging.getLogger("localrun")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m localrun", description=__doc__)
    parser.add_argument("--template", type=Path, default=Path("template.yaml"))
    parser.add_argument("--host", default="127.0.0.1", help="address of the API (default: loopback only)")
    parser.add_argument("--port", type=int, default=3000, help="API port (0 = any free port)")
    parser.add_argument("--moto-port", type=int, default=0, help="moto server port (default 0 = any free port)")
    parser.add_argument("--parameter-overrides", default="", help='SAM CLI syntax: "Key=Value Key2=Value2"')
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    started = time.monotonic()
    args = parse_args(argv)
    _configure_logging()
    stopping = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stopping.set())
    with ExitStack() as running:
        try:
            api_url, tap_url, stack, endpoint = _start(args, running)
        except TemplateError as error:
            print(f"localrun: {error}", file=sys.stderr)
            return 1
        _print_ready(stack, api_url, endpoint, tap_url, time.monotonic() - started)
        while not stopping.wait(0.2):
            pass
        log.info("stopping")
    # Everything is stopped; skip collecting millions of module objects at exit (seconds, for nothing).
    gc.freeze()
    return 0


def _start(args: argparse.Namespace, running: ExitStack) -> tuple[str, str, LocalStack, str]:
    """Start moto, deploy, then the pollers and the API; `running` stops them in reverse order."""
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=args.moto_port, verbose=False)
    moto.start()
    running.callback(moto.stop)
    endpoint = "http://{}:{}".format(*moto.get_host_and_port())
    _use_local_endpoint(endpoint)
    enable_execution(endpoint)
    stack = LocalStack.deploy(args.template, parse_parameter_overrides(args.parameter_overrides))
    tap_url = stack.add_bus_tap()
    # Lambda's init phase, for every function, while the first requests wait for it (as on a cold start).
    threading.Thread(target=stack.warm, name="warm", daemon=True).start()
    pollers = SqsPollers(stack.target.client("sqs"), stack.sqs_sources, stack.invoke, region=stack.region)
    pollers.start()
    running.callback(pollers.stop)
    api = ApiServer(LocalApi(stack.api_routes, stack.apis, stack.invoke), args.host, args.port)
    api.start()
    running.callback(api.stop)
    stack.api_base_url = api.url
    return api.url, tap_url, stack, endpoint


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
    lines.append(f"bus tap queue: {tap_url}  (a copy of every event put on {', '.join(stack.event_bus_names())})")
    lines.extend(_curl_examples(stack, api_url))
    lines.append(f"{READY} {api_url} (started in {seconds:.2f} s; Ctrl-C stops)")
    print("\n".join(lines), flush=True)


def _curl_examples(stack: LocalStack, api_url: str) -> list[str]:
    """A curl line per POST route whose function has raw XML samples in events/<function folder>/."""
    examples = []
    for route in stack.api_routes:
        samples = sorted((Path("events") / stack.functions[route.function_logical_id].code_uri.name).glob("*.xml"))
        if route.method == "POST" and samples:
            examples.append(
                f"try: curl -sS -X POST {api_url}{route.path} -H 'Content-Type: text/xml; charset=UTF-8' "
                f"-H 'SOAPAction: \"\"' --data-binary @{samples[0].as_posix()}"
            )
    return examples


if __name__ == "__main__":
    sys.exit(main())
