"""Where the JWT authorizer's trusted keys come from: an SSM parameter holding PEM, or a JWKS URL."""

import json
from typing import Any
from urllib.request import HTTPRedirectHandler, Request, build_opener

from botocore.exceptions import BotoCoreError, ClientError

from sfbridge.adapters.aws import client
from sfbridge.auth.errors import SigningKeysUnavailable

TIMEOUT_SECONDS = 3.0
MAX_BYTES = 64 * 1024


class _RefuseRedirects(HTTPRedirectHandler):
    # A redirect could move the fetch to plain HTTP or to another host; the configured URL must answer itself.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = build_opener(_RefuseRedirects)


def read_certificates_parameter(name: str) -> str:
    """The PEM text stored in SSM parameter `name` (String, or SecureString decrypted)."""
    try:
        response = client("ssm").get_parameter(Name=name, WithDecryption=True)
    except (BotoCoreError, ClientError) as exc:
        raise SigningKeysUnavailable(f"SSM parameter {name} could not be read") from exc
    return str(response["Parameter"]["Value"])


def fetch_jwks(url: str, *, timeout: float = TIMEOUT_SECONDS, max_bytes: int = MAX_BYTES) -> Any:
    """The JSON document at `url`, fetched within `timeout` and `max_bytes` (the settings allow https only)."""
    request = Request(url, headers={"Accept": "application/json"})  # noqa: S310 - https or loopback only
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            body: bytes = response.read(max_bytes + 1)
    except (OSError, ValueError) as exc:  # URLError, HTTPError and timeouts are OSErrors
        raise SigningKeysUnavailable(f"JWKS fetch failed: {type(exc).__name__}") from exc
    if len(body) > max_bytes:
        raise SigningKeysUnavailable(f"JWKS document is larger than {max_bytes} bytes")
    try:
        return json.loads(body)
    except ValueError as exc:
        raise SigningKeysUnavailable("JWKS document is not JSON") from exc
