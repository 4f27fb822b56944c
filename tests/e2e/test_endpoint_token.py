"""`make run` and the endpoint token: unauthenticated by default (and saying so), the token path on request."""

from collections.abc import Iterator

import pytest

from sfbridge.soap.responses import ACK
from tests.e2e.conftest import LocalRun, start_local_run, stop_local_run
from tests.support import load_body

pytestmark = pytest.mark.e2e

TOKEN = "local-token-0123456789abcdef"
HEADERS = {"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": '""'}
BODY = load_body("outbound_receiver/account-1")


@pytest.fixture(scope="module")
def local_run_with_token() -> Iterator[LocalRun]:
    run = start_local_run("--parameter-overrides", f"EndpointToken={TOKEN}")
    yield run
    stop_local_run(run)


def test_default_local_run_says_it_is_unauthenticated(local_run: LocalRun) -> None:
    banner = "".join(local_run.output)

    assert "Outbound Messages: UNAUTHENTICATED (AllowUnauthenticatedOutboundMessages=true" in banner
    assert local_run.request("POST", "/outbound-messages", BODY, HEADERS).body == ACK


def test_local_run_with_a_token_requires_it(local_run_with_token: LocalRun) -> None:
    banner = "".join(local_run_with_token.output)
    missing = local_run_with_token.request("POST", "/outbound-messages", BODY, HEADERS)
    wrong = local_run_with_token.request("POST", "/outbound-messages?token=" + "x" * 24, BODY, HEADERS)
    right = local_run_with_token.request("POST", f"/outbound-messages?token={TOKEN}", BODY, HEADERS)

    assert "Outbound Messages: token required" in banner
    assert TOKEN not in banner
    assert (missing.status, wrong.status) == (500, 500)
    assert b"endpoint token is missing or wrong" in missing.body
    assert right.status == 200
    assert right.body == ACK
