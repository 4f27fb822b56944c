"""Reading a callout request: correlation id, content type, size, JSON, Idempotency-Key. No AWS calls here."""

import base64
import binascii
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any, Final

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

from sfbridge.exceptions import InvalidIdempotencyKey, MalformedJson, PayloadTooLarge, UnsupportedMediaType

LAMBDA_PAYLOAD_LIMIT: Final = 6_291_456
"""AWS Lambda's synchronous invocation payload quota (6 MB), which API Gateway's proxy integration is bound by."""

REQUEST_ID_HEADER: Final = "X-Request-Id"
IDEMPOTENCY_KEY_HEADER: Final = "Idempotency-Key"

_REQUEST_ID: Final = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")
_IDEMPOTENCY_KEY: Final = re.compile(r"[\x21-\x7e]{1,255}")
_JSON_MEDIA_TYPE: Final = re.compile(r"application/(?:[a-z0-9.+-]+\+)?json", re.IGNORECASE)
_UTF8: Final = frozenset({"utf-8", "utf8"})


@dataclass(frozen=True, slots=True)
class JsonRequest:
    body: Any
    idempotency_key: str | None


def request_id_of(event: dict[str, Any]) -> str:
    """The caller's `X-Request-Id` when it is a sane token, else API Gateway's request id, else a new UUID.

    A malformed header is replaced rather than refused: it only labels logs, and must not let a caller forge lines.
    """
    headers = {name.lower(): value for name, value in (event.get("headers") or {}).items()}
    candidate = headers.get(REQUEST_ID_HEADER.lower())
    if isinstance(candidate, str) and _REQUEST_ID.fullmatch(candidate):
        return candidate
    generated = (event.get("requestContext") or {}).get("requestId")
    return str(generated) if generated else str(uuid.uuid4())


def caller_of(event: dict[str, Any]) -> str:
    """Who API Gateway says is calling: the authorizer's principal, the IAM identity, or the API key.

    An assumed role's session name is dropped (Salesforce may name each STS session differently), so retries made
    under new temporary credentials of the same role are the same caller. Without authentication (the local stack),
    every request has the same caller.
    """
    context = event.get("requestContext") or {}
    principal = (context.get("authorizer") or {}).get("principalId")
    identity = context.get("identity") or {}
    if principal:
        return f"principal:{principal}"
    if user_arn := identity.get("userArn"):
        return "iam:" + _without_session_name(str(user_arn))
    if api_key_id := identity.get("apiKeyId"):
        return f"api-key:{api_key_id}"
    return "anonymous"


def _without_session_name(arn: str) -> str:
    # arn:aws:sts::123456789012:assumed-role/<role>/<session> -> arn:aws:sts::123456789012:assumed-role/<role>
    prefix, marker, rest = arn.partition(":assumed-role/")
    return f"{prefix}{marker}{rest.split('/')[0]}" if marker else arn


def read_json_request(event: APIGatewayProxyEvent) -> JsonRequest:
    """The parsed body and Idempotency-Key of a POST; 415, 413 or 400 errors as exceptions, checked in that order."""
    _check_content_type(event.headers.get("content-type"))
    raw = _body_bytes(event)
    if len(raw) > LAMBDA_PAYLOAD_LIMIT:
        raise PayloadTooLarge(
            f"the body is {len(raw)} bytes; AWS Lambda accepts at most {LAMBDA_PAYLOAD_LIMIT} bytes (6 MB)"
        )
    return JsonRequest(body=_parse_json(raw), idempotency_key=_idempotency_key(event))


def _check_content_type(value: str | None) -> None:
    media_type, _, parameters = (value or "").partition(";")
    if not _JSON_MEDIA_TYPE.fullmatch(media_type.strip()):
        shown = media_type.strip()[:80] or "no Content-Type"
        raise UnsupportedMediaType(f"{shown} is not accepted; send Content-Type: application/json")
    for parameter in parameters.split(";"):
        name, _, charset = parameter.partition("=")
        if name.strip().lower() == "charset" and charset.strip().strip('"').lower() not in _UTF8:
            raise UnsupportedMediaType(f"charset {charset.strip()[:40]} is not accepted; JSON must be UTF-8")


def _body_bytes(event: APIGatewayProxyEvent) -> bytes:
    body = event.body or ""
    if not event.is_base64_encoded:
        return body.encode()
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MalformedJson("the body is flagged base64 but does not decode") from exc


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError as exc:
        raise MalformedJson(f"the body is not UTF-8 (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise MalformedJson(f"the body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from exc


def _refuse_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity; JSON (RFC 8259) and Apex do not.
    raise MalformedJson(f"the body is not JSON: {name} is not a JSON value")


def _idempotency_key(event: APIGatewayProxyEvent) -> str | None:
    key = event.headers.get(IDEMPOTENCY_KEY_HEADER.lower())
    if key is None:
        return None
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        raise InvalidIdempotencyKey("Idempotency-Key must be 1 to 255 printable ASCII characters without spaces")
    return key
