"""How fast the local stack starts and how many Outbound Messages per second it acknowledges, on loopback.

    python -m localrun.loadtest [--requests 300] [--concurrency 4]

Starts `python -m localrun` on free ports, times it until its ready line, posts one sample Outbound Message
(`events/outbound_receiver/account-1.xml`, one notification) `--requests` times from `--concurrency` threads,
checks that every answer is the Ack, stops the stack with Ctrl-C, and prints the numbers as JSON.
"""

import argparse
import http.client
import json
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from localrun.cli import READY

MAX_REQUESTS = 5000
MAX_CONCURRENCY = 32
SALESFORCE_HEADERS = {"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m localrun.loadtest", description=__doc__)
    parser.add_argument("--template", default="template.yaml")
    parser.add_argument("--sample", type=Path, default=Path("events/outbound_receiver/account-1.xml"))
    parser.add_argument("--path", default="/outbound-messages")
    parser.add_argument("--requests", type=int, default=300, choices=range(1, MAX_REQUESTS + 1), metavar="N")
    parser.add_argument("--concurrency", type=int, default=4, choices=range(1, MAX_CONCURRENCY + 1), metavar="C")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "localrun", "--template", args.template, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        api_url = _wait_until_ready(process.stdout)
        startup_seconds = time.monotonic() - started
        threading.Thread(target=_drain, args=(process.stdout,), daemon=True).start()
        result = measure(api_url + args.path, args.sample.read_bytes(), args.requests, args.concurrency)
    finally:
        process.send_signal(signal.SIGINT)
        exit_code = process.wait(30)
    print(json.dumps({"startup_seconds": round(startup_seconds, 2), **result, "exit_code": exit_code}, indent=2))
    return 0 if result["failures"] == 0 and exit_code == 0 else 1


def measure(url: str, body: bytes, requests: int, concurrency: int) -> dict[str, Any]:
    """One cold request first (Lambda's init phase), then `requests` timed ones."""
    cold_ms = post(url, body)[1]
    began = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        answers = list(pool.map(lambda _: post(url, body), range(requests)))
    elapsed = time.monotonic() - began
    latencies = sorted(milliseconds for _, milliseconds in answers)
    return {
        "requests": requests,
        "concurrency": concurrency,
        "failures": sum(1 for acked, _ in answers if not acked),
        "requests_per_second": round(requests / elapsed, 1),
        "first_request_ms": round(cold_ms, 1),
        "latency_ms_p50": round(statistics.median(latencies), 1),
        "latency_ms_p95": round(latencies[int(len(latencies) * 0.95) - 1], 1),
    }


def post(url: str, body: bytes) -> tuple[bool, float]:
    """POST on a fresh loopback connection, as Salesforce does; (answered with the Ack, milliseconds)."""
    target = urlsplit(url)
    if target.hostname != "127.0.0.1":
        raise ValueError(f"the load test only talks to loopback, not {target.hostname}")
    began = time.monotonic()
    connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
    try:
        connection.request("POST", target.path, body, SALESFORCE_HEADERS)
        response = connection.getresponse()
        acked = response.status == 200 and b"<Ack>true</Ack>" in response.read()
    finally:
        connection.close()
    return acked, (time.monotonic() - began) * 1000


def _wait_until_ready(output: IO[str]) -> str:
    seen = []
    for line in output:
        seen.append(line)
        if line.startswith(READY):
            return line.split()[2]
    raise RuntimeError("python -m localrun stopped before it was ready:\n" + "".join(seen[-30:]))


def _drain(output: IO[str]) -> None:
    """Keep reading the stack's log so that it never blocks on a full pipe."""
    for _ in output:
        pass


if __name__ == "__main__":
    sys.exit(main())
