"""`localrun_sustained_ratio`: does `make run` keep its pace over a long run, with its memory bounded?

Starts `python -m localrun` on free ports and posts `messages` Outbound Messages of 10 notifications each (fresh
notification ids every time, so each one is applied, not skipped as a duplicate), one per request, from a few
threads. The figure is the rate of answers over the last 1,000 messages divided by the rate over the first 1,000
(10,000 messages: the 9,000th to the 10,000th). Every answer must be the Ack; afterwards the outbound queue must
empty (every message applied by the worker) and its dead-letter queue stay empty. The process's resident memory
is sampled at every window.
"""

import json
import random
import re
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

import boto3

from fuzz.mutations import salesforce_id
from localrun.cli import READY
from localrun.loadtest import post

ROOT = Path(__file__).resolve().parents[1]
BATCH = (ROOT / "events" / "outbound_receiver" / "batch-100.xml").read_bytes()
WINDOW = 1_000
_NOTIFICATION_ID = re.compile(rb"<Id>04l[0-9A-Za-z]{15}</Id>")


def ten_notification_template() -> bytes:
    """The 100-notification sample cut to its first 10 notifications."""
    start = BATCH.index(b"   <Notification>")
    tenth = start
    for _ in range(10):
        tenth = BATCH.index(b"</Notification>\n", tenth) + len(b"</Notification>\n")
    return BATCH[:start] + BATCH[start:tenth] + BATCH[BATCH.index(b"  </notifications>") :]


def with_fresh_ids(template: bytes, rng: random.Random) -> bytes:
    return _NOTIFICATION_ID.sub(lambda _: b"<Id>" + salesforce_id(rng, "04l").encode() + b"</Id>", template)


def measure(messages: int = 10_000, concurrency: int = 4, drain_timeout: float = 1800.0) -> dict[str, Any]:
    process = subprocess.Popen(
        [sys.executable, "-m", "localrun", "--template", "template.yaml", "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        api_url, endpoint = _wait_until_ready(process.stdout)
        threading.Thread(target=_discard, args=(process.stdout,), daemon=True).start()
        figures = _post_all(api_url + "/outbound-messages", process.pid, messages, concurrency)
        figures |= _wait_until_applied(endpoint, drain_timeout)
        figures["rss_mb_end"] = _rss_mb(process.pid)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(60)
    return figures


def _post_all(url: str, pid: int, messages: int, concurrency: int) -> dict[str, Any]:
    template, rng, lock = ten_notification_template(), random.Random(10), threading.Lock()
    bodies = [with_fresh_ids(template, rng) for _ in range(messages)]
    finished: list[float] = []
    rss: list[float] = []

    def send(body: bytes) -> bool:
        acked = post(url, body)[0]
        with lock:
            finished.append(time.monotonic())
            if len(finished) % WINDOW == 0:
                rss.append(_rss_mb(pid))
        return acked

    began = time.monotonic()
    with ThreadPoolExecutor(concurrency) as pool:
        acks = sum(pool.map(send, bodies))
    window = min(WINDOW, messages // 2)
    first = window / (finished[window - 1] - began)
    last = window / (finished[-1] - finished[-window - 1])
    return {
        "messages": messages,
        "notifications_per_message": 10,
        "acked": acks,
        "first_window_per_second": round(first, 1),
        "last_window_per_second": round(last, 1),
        "ratio": round(last / first, 3),
        "rss_mb_per_window": rss,
    }


def _wait_until_applied(endpoint: str, timeout: float) -> dict[str, Any]:
    """Wait for the worker to empty the outbound queue; report what is left there and in its dead-letter queue."""
    # moto's server takes any credentials.
    sqs = boto3.client(
        "sqs",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106
    )
    urls = {name: sqs.get_queue_url(QueueName=f"sfbridge-local-{name}")["QueueUrl"] for name in _QUEUES}
    began = time.monotonic()
    while True:
        left = {name: _depth(sqs, url) for name, url in urls.items()}
        if left["OutboundQueue"] == 0 or time.monotonic() - began > timeout:
            return {"drain_seconds": round(time.monotonic() - began, 1), "left_in_queues": left}
        time.sleep(2)


_QUEUES = ("OutboundQueue", "OutboundDeadLetterQueue")


def _depth(sqs: Any, url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attributes[name]) for name in names)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _wait_until_ready(output: IO[str]) -> tuple[str, str]:
    seen, endpoint = [], ""
    for line in output:
        seen.append(line)
        if line.startswith("moto endpoint:"):
            endpoint = line.split()[2]
        if line.startswith(READY):
            return line.split()[2], endpoint
    raise RuntimeError("python -m localrun stopped before it was ready:\n" + "".join(seen[-30:]))


def _discard(output: IO[str]) -> None:
    for _ in output:
        pass


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000), indent=2))
