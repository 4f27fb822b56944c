"""`make run`: the whole application on loopback, without Docker, in seconds.

moto's server (in this process) stands in for SQS, DynamoDB, S3, EventBridge and Step Functions; the template's
resources are created in it; API routes and SQS event sources call the functions' own `lambda_handler`.
"""

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

from localrun.template import decode_in_background

READY = "localrun ready:"
"""Prefix of the last startup line; scripts wait for it."""


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
    # cfn-lint and moto each take a second or more to import: the template is decoded in a second process
    # while this one imports moto (a deferred import, so that the decoding starts first).
    template = decode_in_background(args.template)
    from localrun.run import serve

    return serve(args, template, started)
