"""Where the JWT authorizer's keys come from: PEM in SSM, or a JWKS URL fetched with a timeout and cached.

The JWKS is served by a server on 127.0.0.1 that each test starts and stops; nothing leaves the machine.
"""

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from moto import mock_aws

from sfbridge.adapters.aws import client
from sfbridge.adapters.signing_keys import fetch_jwks, read_certificates_parameter
from sfbridge.auth.authorizer import authorize_callout, signing_keys
from sfbridge.auth.errors import SigningKeysUnavailable
from sfbridge.auth.keys import CachedSigningKeys, SigningKeys, parse_jwks, parse_pem_keys
from sfbridge.auth.settings import JwtAuthorizerSettings
from sfbridge.exceptions import ConfigurationError
from tests.support_jwt import (
    ENVIRONMENT,
    KID,
    authorizer_event,
    jwks,
    new_rsa_key,
    public_key_pem,
    self_signed_certificate_pem,
    sign,
)

SIGNING_KEY = new_rsa_key()
NEXT_KEY = new_rsa_key()


class _JwksServer:
    """A JWKS endpoint on loopback whose answer each test sets."""

    def __init__(self) -> None:
        self.document: Any = jwks((KID, SIGNING_KEY))
        self.status = 200
        self.headers: dict[str, str] = {}
        self.delay = 0.0
        self.requests = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_port}/.well-known/jwks.json"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                time.sleep(server.delay)
                body = server.document if isinstance(server.document, bytes) else json.dumps(server.document).encode()
                self.send_response(server.status)
                for name, value in {"Content-Type": "application/json", **server.headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                # The client stops reading at its size cap or timeout: a closed connection is expected here.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def __enter__(self) -> "_JwksServer":
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def jwks_server() -> Iterator[_JwksServer]:
    with _JwksServer() as server:
        yield server


@pytest.fixture
def jwks_environment(monkeypatch, jwks_server):
    for name, value in {**ENVIRONMENT, "JWT_JWKS_URL": jwks_server.url}.items():
        monkeypatch.setenv(name, value)
    signing_keys.cache_clear()
    yield
    signing_keys.cache_clear()


def test_token_is_verified_against_keys_fetched_from_the_jwks_url(jwks_environment, jwks_server):
    response = authorize_callout(authorizer_event(sign(SIGNING_KEY)))

    assert response["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert jwks_server.requests == 1


def test_fetched_keys_are_cached_across_invocations(jwks_environment, jwks_server):
    for _ in range(3):
        authorize_callout(authorizer_event(sign(SIGNING_KEY)))

    assert jwks_server.requests == 1


def test_jwks_fetch_gives_up_after_its_timeout(jwks_server):
    jwks_server.delay = 1.0
    started = time.monotonic()

    with pytest.raises(SigningKeysUnavailable, match=r"TimeoutError|URLError"):
        fetch_jwks(jwks_server.url, timeout=0.2)

    assert time.monotonic() - started < 0.9


def test_jwks_redirect_is_not_followed(jwks_server):
    jwks_server.status, jwks_server.headers = 302, {"Location": "http://127.0.0.1:1/elsewhere"}

    with pytest.raises(SigningKeysUnavailable, match="HTTPError"):
        fetch_jwks(jwks_server.url)


def test_oversized_jwks_document_is_refused(jwks_server):
    jwks_server.document = b"{" + b" " * 70_000 + b"}"

    with pytest.raises(SigningKeysUnavailable, match="larger than"):
        fetch_jwks(jwks_server.url)


def test_jwks_that_is_not_json_is_refused(jwks_server):
    jwks_server.document = b"<html>sign in</html>"

    with pytest.raises(SigningKeysUnavailable, match="not JSON"):
        fetch_jwks(jwks_server.url)


def test_jwks_keeps_only_rs256_signing_keys_that_parse():
    document = jwks((KID, SIGNING_KEY), ("encryption", NEXT_KEY))
    document["keys"][1]["use"] = "enc"
    document["keys"].append({"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"})
    document["keys"].append({"kty": "RSA", "kid": "broken", "n": "!!!", "e": "AQAB"})

    keys = parse_jwks(document)

    assert set(keys.by_kid) == {KID}


@pytest.mark.parametrize("document", [{}, {"keys": "none"}, {"keys": []}, [], {"keys": [{"kty": "EC"}]}])
def test_jwks_without_usable_keys_is_refused(document):
    with pytest.raises(SigningKeysUnavailable):
        parse_jwks(document)


def test_pem_certificates_and_public_keys_are_all_pinned():
    text = self_signed_certificate_pem(SIGNING_KEY) + "\n" + public_key_pem(NEXT_KEY)

    keys = parse_pem_keys(text)

    assert [key.public_numbers() for key in keys.pinned] == [
        SIGNING_KEY.public_key().public_numbers(),
        NEXT_KEY.public_key().public_numbers(),
    ]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not a certificate",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
        lambda: public_key_pem(new_rsa_key(1024)),
        lambda: self_signed_certificate_pem(ec.generate_private_key(ec.SECP256R1())),
    ],
    ids=["empty", "text", "corrupt", "rsa-1024", "ec"],
)
def test_pem_that_gives_no_strong_rsa_key_is_refused(text):
    with pytest.raises(SigningKeysUnavailable):
        parse_pem_keys(text() if callable(text) else text)


def test_certificates_are_read_from_ssm():
    pem = self_signed_certificate_pem(SIGNING_KEY)
    with mock_aws():
        client("ssm").put_parameter(Name="/sfbridge/jwt-certificates", Value=pem, Type="String")

        assert read_certificates_parameter("/sfbridge/jwt-certificates") == pem


def test_missing_ssm_parameter_means_keys_unavailable():
    with mock_aws(), pytest.raises(SigningKeysUnavailable, match="/sfbridge/absent"):
        read_certificates_parameter("/sfbridge/absent")


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _counting_loader(results: list[Any]) -> tuple[list[int], Any]:
    calls: list[int] = []

    def load() -> SigningKeys:
        calls.append(1)
        result = results[min(len(calls), len(results)) - 1]
        if isinstance(result, Exception):
            raise result
        return result

    return calls, load


def test_keys_are_reloaded_once_they_are_older_than_max_age():
    clock = _Clock()
    first, second = parse_jwks(jwks(("a", SIGNING_KEY))), parse_jwks(jwks(("b", NEXT_KEY)))
    calls, load = _counting_loader([first, second])
    keys = CachedSigningKeys(load, max_age=300, clock=clock)

    assert keys.current() is first
    clock.now += 299
    assert keys.current() is first
    clock.now += 1
    assert keys.current() is second
    assert len(calls) == 2


def test_failed_reload_keeps_the_previous_keys_and_waits_before_trying_again():
    clock = _Clock()
    good = parse_jwks(jwks((KID, SIGNING_KEY)))
    calls, load = _counting_loader([good, SigningKeysUnavailable("JWKS fetch failed: URLError")])
    keys = CachedSigningKeys(load, max_age=300, min_interval=30, clock=clock)
    keys.current()

    clock.now += 300
    assert keys.current() is good
    clock.now += 10
    assert keys.current() is good
    assert len(calls) == 2


def test_first_load_failure_is_raised():
    _, load = _counting_loader([SigningKeysUnavailable("JWKS fetch failed: URLError")])

    with pytest.raises(SigningKeysUnavailable):
        CachedSigningKeys(load, max_age=300).current()


def test_unknown_kid_reload_happens_at_most_once_per_interval():
    clock = _Clock()
    calls, load = _counting_loader([parse_jwks(jwks((KID, SIGNING_KEY)))])
    keys = CachedSigningKeys(load, max_age=300, min_interval=30, clock=clock)
    keys.current()

    clock.now += 31
    for _ in range(5):
        keys.refreshed()

    assert len(calls) == 2


def test_rotated_key_is_found_by_reloading_on_unknown_kid(jwks_environment, jwks_server):
    authorize_callout(authorizer_event(sign(SIGNING_KEY)))
    jwks_server.document = jwks((KID, SIGNING_KEY), ("next", NEXT_KEY))
    signing_keys(JwtAuthorizerSettings.from_env())._attempted_at -= 60  # the last reload was a while ago

    response = authorize_callout(authorizer_event(sign(NEXT_KEY, kid="next")))

    assert response["policyDocument"]["Statement"][0]["Effect"] == "Allow"
    assert jwks_server.requests == 2


@pytest.mark.parametrize("url", ["http://keys.example.com/jwks.json", "ftp://127.0.0.1/jwks", "file:///etc/jwks"])
def test_jwks_url_must_be_https_except_on_loopback(url):
    with pytest.raises(ConfigurationError, match="JWT_JWKS_URL"):
        JwtAuthorizerSettings.from_env({**ENVIRONMENT, "JWT_JWKS_URL": url})


def test_empty_template_parameters_mean_no_key_source():
    settings = JwtAuthorizerSettings.from_env({**ENVIRONMENT, "JWT_JWKS_URL": "", "JWT_CERTIFICATES_PARAMETER": ""})

    assert settings.jwks_url is None
    assert settings.certificates_parameter is None
    with pytest.raises(ConfigurationError, match="JWT_CERTIFICATES_PARAMETER or JWT_JWKS_URL"):
        signing_keys(settings)


def test_keys_kept_after_failed_reloads_expire_after_max_stale():
    clock = _Clock()
    good = parse_jwks(jwks((KID, SIGNING_KEY)))
    calls, load = _counting_loader([good, SigningKeysUnavailable("JWKS fetch failed: URLError")])
    keys = CachedSigningKeys(load, max_age=300, max_stale=600, min_interval=30, clock=clock)
    keys.current()

    clock.now += 300 + 599
    assert keys.current() is good
    clock.now += 31
    with pytest.raises(SigningKeysUnavailable, match="too long"):
        keys.current()
    # Dropped, not kept: the next requests fail too, without a fetch each, until a reload succeeds.
    clock.now += 1
    with pytest.raises(SigningKeysUnavailable, match="not due yet"):
        keys.current()
    assert len(calls) == 3


def test_keys_come_back_once_a_reload_succeeds_after_they_expired():
    clock = _Clock()
    good = parse_jwks(jwks((KID, SIGNING_KEY)))
    outage = SigningKeysUnavailable("JWKS fetch failed: URLError")
    calls, load = _counting_loader([good, outage, good])
    keys = CachedSigningKeys(load, max_age=300, max_stale=0, min_interval=30, clock=clock)
    keys.current()

    clock.now += 300
    with pytest.raises(SigningKeysUnavailable):
        keys.current()
    clock.now += 30
    assert keys.current() is good
    assert len(calls) == 3
