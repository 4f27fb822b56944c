"""`sfbridge simulate`: Salesforce's Outbound Message delivery engine, pointed at any endpoint.

Each message of the corpus is delivered `redeliver` times (Salesforce delivers at least once: the same message can
arrive again even after an Ack), optionally in shuffled order, at most `rate` requests per second, with Salesforce's
request headers. Anything but an HTTP 200 `notificationsResponse` holding `<Ack>true</Ack>` is refused, and
Salesforce tries again with exponential backoff, the wait doubling up to 2 hours, for 24 hours; here that schedule
is divided by `time_factor` so that a day of retries takes seconds.
"""

import heapq
import http.client
import random
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from lxml import etree

from sfbridge.exceptions import SfbridgeError
from sfbridge.soap.namespaces import OUTBOUND
from sfbridge.soap.parser import parse_xml

HEADERS: Final = {
    "Content-Type": "text/xml; charset=UTF-8",
    "SOAPAction": '""',
    "User-Agent": "Jakarta Commons-HttpClient/3.1",
}
"""What Salesforce's delivery engine sends with an Outbound Message."""

FIRST_RETRY_SECONDS: Final = 15.0
"""The first wait before a retry; Salesforce documents the doubling and its 2-hour cap, not the first interval."""
MAX_RETRY_SECONDS: Final = 2 * 3600.0
GIVE_UP_SECONDS: Final = 24 * 3600.0
TIMEOUT_SECONDS: Final = 60.0
"""Salesforce waits 60 s for an answer."""
SOAP_ENV: Final = "http://schemas.xmlsoap.org/soap/envelope/"


@dataclass(frozen=True)
class Answer:
    acked: bool
    fault: str | None
    latency_seconds: float


@dataclass
class Report:
    messages: int = 0
    attempts: int = 0
    acks: int = 0
    retries: int = 0
    given_up: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    interrupted: bool = False

    def record(self, answer: Answer) -> None:
        self.attempts += 1
        self.latencies.append(answer.latency_seconds)
        if answer.acked:
            self.acks += 1
        else:
            self.faults[answer.fault or "(no fault)"] += 1

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return 0.0
        if len(self.latencies) == 1:
            return self.latencies[0]
        return float(statistics.quantiles(self.latencies, n=100, method="inclusive")[round(fraction * 100) - 1])


def load_corpus(folder: Path) -> list[tuple[str, bytes]]:
    files = sorted(path for path in folder.glob("*.xml") if path.is_file())
    if not files:
        raise FileNotFoundError(f"no *.xml Outbound Messages in {folder}")
    return [(path.name, path.read_bytes()) for path in files]


def deliveries(
    corpus: list[tuple[str, bytes]], *, redeliver: int, shuffle: bool, seed: int | None
) -> list[tuple[str, bytes]]:
    planned = [message for message in corpus for _ in range(redeliver)]
    if shuffle:
        random.Random(seed).shuffle(planned)  # noqa: S311 - an order, not a secret
    return planned


def backoff(retry: int, time_factor: float) -> float:
    """The wait before retry number `retry` (1, 2, ...), compressed by `time_factor`."""
    return min(FIRST_RETRY_SECONDS * 2.0 ** (retry - 1), MAX_RETRY_SECONDS) / time_factor


def post(url: str, body: bytes) -> Answer:
    """One HTTP POST with Salesforce's headers, spelled as Salesforce spells them (urllib would recase them)."""
    parts = urlsplit(url)
    connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_class(parts.netloc, timeout=TIMEOUT_SECONDS)
    path = parts.path or "/"
    started = time.perf_counter()
    try:
        connection.request("POST", f"{path}?{parts.query}" if parts.query else path, body, HEADERS)
        response = connection.getresponse()
        status, payload = response.status, response.read()
    except (OSError, http.client.HTTPException) as error:
        return Answer(False, f"(no answer: {error})", time.perf_counter() - started)
    finally:
        connection.close()
    return _read_answer(status, payload, time.perf_counter() - started)


def _read_answer(status: int, payload: bytes, latency: float) -> Answer:
    try:
        document = parse_xml(payload)
    except (SfbridgeError, etree.XMLSyntaxError):  # any unreadable answer is a refusal, as Salesforce sees it
        return Answer(False, f"(HTTP {status}, not SOAP)", latency)
    ack = document.find(f".//{{{OUTBOUND}}}Ack")
    if status == 200 and ack is not None and (ack.text or "").strip() == "true":
        return Answer(True, None, latency)
    fault = document.find(f".//{{{SOAP_ENV}}}Fault/faultstring")
    return Answer(False, fault.text if fault is not None and fault.text else f"(HTTP {status}, no Ack)", latency)


Post = Callable[[str, bytes], Answer]


@dataclass(order=True)
class _Due:
    at: float
    order: int
    body: bytes = field(compare=False)
    retry: int = field(default=0, compare=False)
    waited: float = field(default=0.0, compare=False)


def run(
    url: str,
    planned: list[tuple[str, bytes]],
    *,
    rate: float | None,
    time_factor: float,
    advance: Callable[[], None],
    stop: threading.Event,
    send: Post = post,
) -> Report:
    """Deliver every planned message until acknowledged or given up; refused ones wait their backoff meanwhile."""
    report = Report(messages=len(planned))
    interval = 1.0 / rate if rate else 0.0
    start = time.monotonic()
    due = [_Due(start + index * interval, index, body) for index, (_, body) in enumerate(planned)]
    heapq.heapify(due)
    while due and not stop.wait(max(0.0, due[0].at - time.monotonic())):
        item = heapq.heappop(due)
        answer = send(url, item.body)
        report.record(answer)
        retry = _next_attempt(item, answer, time_factor)
        if retry is None:
            report.given_up += 0 if answer.acked else 1
            advance()
            continue
        report.retries += 1
        heapq.heappush(due, retry)
    report.interrupted = bool(due)
    return report


def _next_attempt(item: _Due, answer: Answer, time_factor: float) -> _Due | None:
    """The retry of a refused delivery, or None when acknowledged or when Salesforce would give up (24 h)."""
    if answer.acked:
        return None
    pause = backoff(item.retry + 1, time_factor)
    if item.waited + pause > GIVE_UP_SECONDS / time_factor:
        return None
    return _Due(time.monotonic() + pause, item.order, item.body, item.retry + 1, item.waited + pause)
