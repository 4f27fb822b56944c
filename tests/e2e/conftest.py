"""The local stack as a user runs it: `python -m localrun` on free loopback ports, reached over HTTP only.

What a user could also do locally is allowed besides: reading queues through the printed moto endpoint.
"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest

from localrun.cli import READY
from tests.support import ROOT

STARTUP_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 20


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class BusTap:
    """Every event seen so far on the tap queue (a copy of everything put on the project's buses)."""

    sqs: Any
    url: str
    events: list[dict[str, Any]] = field(default_factory=list)

    def collect(self) -> list[dict[str, Any]]:
        while messages := self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get("Messages"):
            self.events.extend(json.loads(message["Body"]) for message in messages)
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]
            self.sqs.delete_message_batch(QueueUrl=self.url, Entries=entries)
        return self.events

    def wait_for(self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 15) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while not predicate(self.collect()):
            assert time.monotonic() < deadline, f"no such events on the bus tap; seen: {self.events}"
            time.sleep(0.05)
        return self.events


@dataclass
class LocalRun:
    """The running `python -m localrun` and what its startup output told."""

    process: subprocess.Popen[str]
    output: list[str]
    api_url: str = ""
    moto_endpoint: str = ""
    stage: str = ""
    source_queue_urls: list[str] = field(default_factory=list)
    tap: BusTap | None = None

    def request(self, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> HttpAnswer:
        request = urllib.request.Request(
            f"{self.api_url}{path}", data=body or None, method=method, headers=headers or {}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return HttpAnswer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as error:
            return HttpAnswer(error.code, dict(error.headers), error.read())

    def sqs(self) -> Any:
        return boto3.client("sqs", endpoint_url=self.moto_endpoint, region_name="us-east-1")

    def wait_until_idle(self, timeout: float = 60) -> None:
        """Until no event source queue holds a message, visible or being processed."""
        sqs = self.sqs()
        deadline = time.monotonic() + timeout
        while self.messages_in_sources(sqs):
            assert time.monotonic() < deadline, "the event source queues did not drain"
            time.sleep(0.05)

    def messages_in_sources(self, sqs: Any) -> int:
        names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        return sum(
            int(value)
            for url in self.source_queue_urls
            for value in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"].values()
        )


def start_local_run(*extra_args: str) -> LocalRun:
    process = subprocess.Popen(
        [sys.executable, "-m", "localrun", "--template", "template.yaml", "--port", "0", *extra_args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    run = LocalRun(process, [])
    ready = threading.Event()
    threading.Thread(target=_read_output, args=(run, ready), daemon=True).start()
    if not ready.wait(STARTUP_TIMEOUT_SECONDS):
        process.kill()
        pytest.fail("python -m localrun did not get ready:\n" + "".join(run.output[-40:]))
    _read_startup_lines(run)
    return run


def _read_output(run: LocalRun, ready: threading.Event) -> None:
    assert run.process.stdout is not None
    for line in run.process.stdout:
        run.output.append(line)
        if line.startswith(READY):
            ready.set()
    ready.set()  # the process ended: let the fixture report its output


def _read_startup_lines(run: LocalRun) -> None:
    text = "".join(run.output)
    ready = re.search(rf"^{READY} (\S+)", text, re.MULTILINE)
    assert ready, "python -m localrun exited before it was ready:\n" + text
    run.api_url = ready.group(1)
    run.moto_endpoint = _found(r"^moto endpoint: (\S+)", text)
    run.stage = _found(r"\(also /([^/]+)/", text)
    run.source_queue_urls = re.findall(r"^\s+SQS\s+(\S+) ->", text, re.MULTILINE)
    run.tap = BusTap(run.sqs(), _found(r"^bus tap queue: (\S+)", text))


def _found(pattern: str, text: str) -> str:
    match = re.search(pattern, text, re.MULTILINE)
    assert match, f"{pattern!r} not in the startup output:\n{text}"
    return match.group(1)


def _port_is_free(url: str) -> bool:
    port = int(url.rsplit(":", 1)[1])
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def stop_local_run(run: LocalRun) -> None:
    run.process.send_signal(signal.SIGINT)
    exit_code = run.process.wait(STOP_TIMEOUT_SECONDS)
    assert exit_code == 0, "".join(run.output[-40:])
    assert _port_is_free(run.api_url), "the API port is still taken after Ctrl-C"
    assert _port_is_free(run.moto_endpoint), "the moto port is still taken after Ctrl-C"


@pytest.fixture(scope="session")
def local_run() -> Iterator[LocalRun]:
    run = start_local_run()
    yield run
    stop_local_run(run)


@pytest.fixture
def tap(local_run: LocalRun) -> BusTap:
    assert local_run.tap is not None
    return local_run.tap
