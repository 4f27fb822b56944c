"""`sfbridge simulate`: Salesforce's delivery engine against an endpoint on loopback."""

import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from operate import simulate
from operate.cli import app
from sfbridge.exceptions import SenderRejected, StoreUnavailable
from sfbridge.soap import responses
from tests.support import EVENTS

CORPUS = EVENTS / "outbound_receiver"


@dataclass
class Endpoint:
    """An Outbound Message endpoint that refuses the first `refusals` requests (with `fault`), then acks."""

    url: str = ""
    refusals: int = 0
    fault: bytes = b""
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)


@pytest.fixture
def endpoint() -> Iterator[Endpoint]:
    state = Endpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append(({name: self.headers[name] for name in self.headers}, body))
            refused = len(state.requests) <= state.refusals
            answer = state.fault if refused else responses.ACK
            self.send_response(responses.FAULT_HTTP_STATUS if refused else 200)
            self.send_header("Content-Type", responses.CONTENT_TYPE)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/outbound-messages"
    yield state
    server.shutdown()
    server.server_close()


def _simulate(*arguments: str):
    return CliRunner().invoke(app, ["simulate", *arguments], env={"COLUMNS": "250"})


def _one_message_corpus(tmp_path: Path) -> Path:
    shutil.copy(CORPUS / "account-1.xml", tmp_path / "account-1.xml")
    return tmp_path


def test_posts_each_message_with_salesforces_headers(endpoint):
    result = _simulate(endpoint.url, "--corpus", str(CORPUS))

    files = sorted(CORPUS.glob("*.xml"))
    assert result.exit_code == 0, result.output
    assert [body for _, body in endpoint.requests] == [path.read_bytes() for path in files]
    headers = endpoint.requests[0][0]
    assert headers["Content-Type"] == "text/xml; charset=UTF-8"
    assert headers["SOAPAction"] == '""'
    assert headers["User-Agent"] == "Jakarta Commons-HttpClient/3.1"
    assert f"Acks {len(files)}" in result.output


def test_redeliver_sends_every_message_that_many_times(endpoint):
    result = _simulate(endpoint.url, "--corpus", str(CORPUS), "--redeliver", "3", "--shuffle", "--seed", "7")

    files = sorted(CORPUS.glob("*.xml"))
    sent = [body for _, body in endpoint.requests]
    assert result.exit_code == 0, result.output
    assert sorted(sent) == sorted(path.read_bytes() for path in files for _ in range(3))
    assert sent != [path.read_bytes() for path in files for _ in range(3)]  # shuffled
    assert f"messages {3 * len(files)}, requests {3 * len(files)}, Acks {3 * len(files)}" in result.output


def test_a_refused_message_is_retried_until_acked_and_faults_are_reported_by_faultstring(endpoint, tmp_path):
    endpoint.refusals, endpoint.fault = 2, responses.fault(StoreUnavailable("could not enqueue the Outbound Message"))

    result = _simulate(endpoint.url, "--corpus", str(_one_message_corpus(tmp_path)), "--time-factor", "1000")

    assert result.exit_code == 0, result.output
    assert len(endpoint.requests) == 3
    assert "requests 3, Acks 1, retries 2, given up 0" in result.output
    assert "could not enqueue the Outbound Message" in result.output


def test_a_message_refused_for_24_hours_is_given_up(endpoint, tmp_path):
    endpoint.refusals = 1000
    endpoint.fault = responses.fault(SenderRejected("OrganizationId 00D000000000001AAA is not allowed"))

    result = _simulate(endpoint.url, "--corpus", str(_one_message_corpus(tmp_path)), "--time-factor", "864000")

    waits = [simulate.backoff(retry, 1) for retry in range(1, 40)]
    attempts = 1 + next(count for count in range(len(waits)) if sum(waits[: count + 1]) > simulate.GIVE_UP_SECONDS)
    assert result.exit_code == 1
    assert len(endpoint.requests) == attempts
    assert "given up 1" in result.output
    assert "OrganizationId 00D000000000001AAA is not allowed" in result.output


def test_salesforces_backoff_doubles_up_to_two_hours():
    assert [simulate.backoff(retry, 1) for retry in (1, 2, 3)] == [15.0, 30.0, 60.0]
    assert simulate.backoff(20, 1) == 7200.0
    assert simulate.backoff(2, 10) == 3.0


def test_latency_percentiles_are_reported(endpoint):
    result = _simulate(endpoint.url, "--corpus", str(CORPUS))

    assert "latency ms: p50 " in result.output
    assert ", p90 " in result.output
    assert ", p99 " in result.output


@pytest.mark.parametrize(
    ("arguments", "complaint"),
    [
        (["ftp://127.0.0.1/outbound-messages"], "is not an http(s) URL"),
        (["{url}", "--corpus", "{empty}"], "no *.xml Outbound Messages in"),
        (["{url}", "--redeliver", "0"], "Invalid value for '--redeliver'"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_sent(endpoint, tmp_path, arguments, complaint):
    filled = [argument.format(url=endpoint.url, empty=tmp_path) for argument in arguments]

    result = _simulate(*filled)

    assert result.exit_code == 2
    assert complaint in result.output
    assert endpoint.requests == []
