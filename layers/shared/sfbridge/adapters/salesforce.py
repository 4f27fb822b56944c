"""Salesforce's REST API as the integration user: publish a Platform Event, upsert, update, composite.

Authentication is the OAuth 2.0 JWT bearer flow: an RS256 assertion (`iss` the connected app's consumer key, `sub`
the integration user, `aud` the login or test URL as `SalesforceSettings.audience` picks it, a short `exp`) signed
with the private key of the certificate uploaded to the app, posted to `https://<login host>/services/oauth2/token`.
Salesforce answers with an access token and the org's instance URL, and no expiry: the token is kept for
`session_seconds`, and a 401 `INVALID_SESSION_ID` fetches a new one once. REST calls go through simple-salesforce on
one `requests.Session`.

Retried, with exponential backoff and full jitter: HTTP 5xx, `REQUEST_LIMIT_EXCEEDED`, `UNABLE_TO_LOCK_ROW` and
broken connections. Anything else Salesforce refuses is `SalesforceRejected`, at once, with its error codes and
fields. Tokens, assertions and keys are never logged, and never part of an exception's text.
"""

import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote

import jwt
import requests
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import SalesforceError as LibraryError
from simple_salesforce.exceptions import SalesforceExpiredSession

from sfbridge.adapters.aws import client
from sfbridge.config import SalesforceSettings
from sfbridge.domain.ids import to_18
from sfbridge.exceptions import (
    ConfigurationError,
    InvalidSalesforceId,
    SalesforceAuthenticationFailed,
    SalesforceRejected,
    SalesforceUnavailable,
)
from sfbridge.observability import logger

JWT_BEARER_GRANT: Final = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_LIFETIME_SECONDS: Final = 180
"""Salesforce accepts an assertion whose `exp` is at most 3 minutes ahead."""
RETRYABLE_ERROR_CODES: Final = frozenset({"REQUEST_LIMIT_EXCEEDED", "UNABLE_TO_LOCK_ROW"})
COMPOSITE_LIMIT: Final = 25
"""Subrequests one composite request may hold."""
_ROLLED_BACK: Final = frozenset({"PROCESSING_HALTED", "ALL_OR_NONE_OPERATION_ROLLED_BACK"})
_API_NAME: Final = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,79}")

ErrorDetail = tuple[str, str, tuple[str, ...]]
"""Salesforce's (errorCode, message, fields) for one error."""


@dataclass(frozen=True, slots=True)
class AccessToken:
    value: str = field(repr=False)
    instance_url: str
    expires_at: float


@dataclass(frozen=True, slots=True)
class RecordWrite:
    """One record for `save_records`: an update by `record_id`, or an upsert by `external_id_field`."""

    sobject: str
    fields: dict[str, Any]
    record_id: str | None = None
    external_id_field: str | None = None
    external_id: str | None = None


class _Retryable(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _SessionExpired(Exception):
    pass


def private_key_from_secret(secret_id: str) -> str:
    """The PEM private key stored as the secret's SecretString."""
    try:
        return str(client("secretsmanager").get_secret_value(SecretId=secret_id)["SecretString"])
    except Exception as exc:  # any failure reads the same: the key is not there to sign with
        raise ConfigurationError(f"the Salesforce private key secret could not be read: {type(exc).__name__}") from exc


class TokenSource:
    """Access tokens from the JWT bearer flow, each kept until `session_seconds` pass or `invalidate` is called."""

    def __init__(
        self,
        settings: SalesforceSettings,
        session: requests.Session,
        private_key: Callable[[], str],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._session = session
        self._private_key = private_key if isinstance(private_key, _CachedKey) else _CachedKey(private_key)
        self._clock = clock
        self._token: AccessToken | None = None

    def token(self) -> AccessToken:
        if self._token is None or self._clock() >= self._token.expires_at:
            self._token = self._request_token()
        return self._token

    def invalidate(self) -> None:
        self._token = None

    def _assertion(self) -> str:
        claims = {
            "iss": self._settings.consumer_key,
            "sub": self._settings.username,
            "aud": self._settings.audience,
            "exp": int(time.time()) + ASSERTION_LIFETIME_SECONDS,
        }
        try:
            return jwt.encode(claims, self._private_key(), algorithm="RS256")
        except (ValueError, TypeError, jwt.PyJWTError) as exc:
            raise ConfigurationError("the Salesforce private key is not an RSA private key in PEM form") from exc

    def _request_token(self) -> AccessToken:
        url = f"{self._settings.login_url}/services/oauth2/token"
        data = {"grant_type": JWT_BEARER_GRANT, "assertion": self._assertion()}
        try:
            response = self._session.post(url, data=data, timeout=self._settings.timeout_seconds)
        except requests.RequestException as exc:
            raise _Retryable(f"token endpoint unreachable ({type(exc).__name__})") from None
        if response.status_code >= 500:
            raise _Retryable(f"token endpoint answered HTTP {response.status_code}")
        body = _json_or_none(response)
        if response.status_code != 200 or not isinstance(body, dict) or "access_token" not in body:
            error = body if isinstance(body, dict) else {}
            self._private_key.forget()
            raise SalesforceAuthenticationFailed(
                f"the token endpoint refused the JWT bearer assertion (HTTP {response.status_code}): "
                f"{error.get('error', 'no error code')}: {error.get('error_description', '')}".rstrip(": ")
            )
        logger.info("salesforce token obtained", instance_url=body.get("instance_url"))
        return AccessToken(
            value=str(body["access_token"]),
            instance_url=str(body["instance_url"]),
            expires_at=self._clock() + self._settings.session_seconds,
        )


class SalesforceClient:
    """The operations sfbridge performs in Salesforce, each retried as the module docstring says."""

    def __init__(
        self,
        settings: SalesforceSettings,
        *,
        session: requests.Session | None = None,
        private_key: Callable[[], str] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._session = session or requests.Session()
        key = private_key or (lambda: private_key_from_secret(settings.private_key_secret))
        self._tokens = TokenSource(settings, self._session, key, clock)
        self._sleep = sleep
        self._api: tuple[AccessToken, Salesforce] | None = None

    # ------------------------------------------------------------------ operations

    def publish_event(self, event_name: str, fields: dict[str, Any]) -> str:
        """Publish one Platform Event; returns the publish result's id (Salesforce's event UUID)."""
        result = self._call("POST", f"sobjects/{_api_name(event_name)}/", fields, operation="publish_event")
        _raise_for_save_result(result, event_name)
        return str(result["id"])

    def upsert(self, sobject: str, external_id_field: str, external_id: str, fields: dict[str, Any]) -> str:
        """Create or update the record whose `external_id_field` is `external_id`; returns its id."""
        path = f"sobjects/{_api_name(sobject)}/{_api_name(external_id_field)}/{quote(external_id, safe='')}"
        result = self._call("PATCH", path, fields, operation="upsert")
        _raise_for_save_result(result, sobject)
        return str(result["id"]) if isinstance(result, dict) and "id" in result else ""

    def update(self, sobject: str, record_id: str, fields: dict[str, Any]) -> None:
        """Update the record `record_id` (15 or 18 characters)."""
        self._call("PATCH", f"sobjects/{_api_name(sobject)}/{_record_id(record_id)}", fields, operation="update")

    def save_records(self, writes: Sequence[RecordWrite]) -> list[str]:
        """Several updates and upserts in one composite request, all or none; returns the record ids in order."""
        if not 1 <= len(writes) <= COMPOSITE_LIMIT:
            raise ValueError(f"a composite request holds 1 to {COMPOSITE_LIMIT} records, not {len(writes)}")
        body = {"allOrNone": True, "compositeRequest": [self._subrequest(i, w) for i, w in enumerate(writes)]}
        result = self._call("POST", "composite", body, operation="composite", check=_raise_for_composite)
        return _composite_ids(result)

    def _subrequest(self, index: int, write: RecordWrite) -> dict[str, Any]:
        base = f"/services/data/v{self._settings.api_version}/sobjects/{_api_name(write.sobject)}"
        if write.record_id is not None:
            url = f"{base}/{_record_id(write.record_id)}"
        elif write.external_id_field is not None and write.external_id is not None:
            url = f"{base}/{_api_name(write.external_id_field)}/{quote(write.external_id, safe='')}"
        else:
            raise ValueError("a RecordWrite needs a record_id, or an external_id_field and an external_id")
        return {"method": "PATCH", "url": url, "referenceId": f"record{index}", "body": write.fields}

    # ------------------------------------------------------------------ retries and refresh

    def _call(
        self, method: str, path: str, body: Any, *, operation: str, check: Callable[[Any], None] = lambda _: None
    ) -> Any:
        """The call's answer; `check` reads a successful answer and may find it is a failure worth retrying."""
        attempt, refreshed = 0, False
        while True:
            attempt += 1
            try:
                result = self._send(method, path, body)
                check(result)
            except _SessionExpired:
                if refreshed:
                    raise SalesforceAuthenticationFailed(
                        f"{operation}: Salesforce refused a freshly issued access token (401 INVALID_SESSION_ID)"
                    ) from None
                logger.info("salesforce session expired; fetching a new token", operation=operation)
                self._tokens.invalidate()
                attempt, refreshed = attempt - 1, True
                continue
            except _Retryable as retry:
                if attempt >= self._settings.max_attempts:
                    raise SalesforceUnavailable(f"{operation}: {retry.reason}, {attempt} attempts made") from None
                self._back_off(operation, retry.reason, attempt)
                continue
            logger.info("salesforce call done", operation=operation, attempts=attempt)
            return result

    def _back_off(self, operation: str, reason: str, attempt: int) -> None:
        ceiling = min(self._settings.backoff_cap_seconds, self._settings.backoff_base_seconds * 2 ** (attempt - 1))
        delay = random.uniform(0, ceiling)  # noqa: S311 - jitter spreads retries; it guards nothing
        logger.warning("salesforce call retried", operation=operation, reason=reason, attempt=attempt, delay=delay)
        self._sleep(delay)

    def _send(self, method: str, path: str, body: Any) -> Any:
        api = self._salesforce()
        try:
            result = api.restful(path, method=method, json=body, timeout=self._settings.timeout_seconds)
        except SalesforceExpiredSession:
            raise _SessionExpired from None
        except LibraryError as exc:
            raise _classified(exc.status, exc.content) from None
        except requests.RequestException as exc:
            raise _Retryable(f"no answer from Salesforce ({type(exc).__name__})") from None
        return result

    def _salesforce(self) -> Salesforce:
        token = self._tokens.token()
        if self._api is None or self._api[0] is not token:
            api = Salesforce(
                instance_url=token.instance_url,
                session_id=token.value,
                version=self._settings.api_version,
                session=self._session,
            )
            self._api = (token, api)
        return self._api[1]


# ---------------------------------------------------------------------- reading Salesforce's answers


def _classified(status: int, content: Any) -> Exception:
    """A failed answer as a retry, or as `SalesforceRejected` with Salesforce's own error codes."""
    errors = _errors(content, status)
    if status >= 500:
        return _Retryable(f"HTTP {status} {','.join(code for code, _, _ in errors)}".rstrip())
    retryable = [code for code, _, _ in errors if code in RETRYABLE_ERROR_CODES]
    if retryable:
        return _Retryable(retryable[0])
    return SalesforceRejected(_describe(errors, status), errors)


def _errors(content: Any, status: int) -> list[ErrorDetail]:
    """Salesforce's error list (`errorCode` on REST, `statusCode` in save results), else the status alone."""
    items = content if isinstance(content, list) else [content]
    errors = [
        (
            str(item.get("errorCode") or item.get("statusCode") or f"HTTP_{status}"),
            str(item.get("message", "")),
            tuple(str(name) for name in item.get("fields") or ()),
        )
        for item in items
        if isinstance(item, dict)
    ]
    return errors or [(f"HTTP_{status}", str(content)[:200], ())]


def _describe(errors: list[ErrorDetail], status: int) -> str:
    parts = [
        f"{code}: {message}" + (f" (fields: {', '.join(fields)})" if fields else "") for code, message, fields in errors
    ]
    return f"Salesforce refused the request (HTTP {status}): " + "; ".join(parts)


def _raise_for_save_result(result: Any, sobject: str) -> None:
    if isinstance(result, dict) and result.get("success") is False:
        errors = _errors(result.get("errors") or [], 400)
        raise SalesforceRejected(f"{sobject}: " + _describe(errors, 400), errors)


def _raise_for_composite(result: Any) -> None:
    """A composite answer is HTTP 200 even when its subrequests failed: each one is read."""
    failed = [item for item in result.get("compositeResponse", []) if int(item.get("httpStatusCode", 500)) >= 400]
    if not failed:
        return
    errors = [
        error
        for item in failed
        for error in _errors(item.get("body"), int(item.get("httpStatusCode", 500)))
        if error[0] not in _ROLLED_BACK
    ]
    if any(int(item.get("httpStatusCode", 500)) >= 500 for item in failed):
        raise _Retryable("HTTP 5xx in a composite subrequest")
    retryable = [code for code, _, _ in errors if code in RETRYABLE_ERROR_CODES]
    if retryable or not errors:
        raise _Retryable(retryable[0] if retryable else "composite rolled back")
    raise SalesforceRejected(_describe(errors, 400), errors)


def _composite_ids(result: Any) -> list[str]:
    return [str((item.get("body") or {}).get("id", "")) for item in result.get("compositeResponse", [])]


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _api_name(name: str) -> str:
    if not _API_NAME.fullmatch(name):
        raise ValueError(f"{name[:80]!r} is not a Salesforce API name")
    return name


def _record_id(record_id: str) -> str:
    try:
        return to_18(record_id)
    except InvalidSalesforceId:
        raise ValueError(f"{record_id[:40]!r} is not a Salesforce record id") from None


class _CachedKey:
    """The key, read once per process; read again after a failed read, or once the token endpoint refused it (the
    secret may have been rotated along with the app's certificate)."""

    def __init__(self, load: Callable[[], str]) -> None:
        self._load = load
        self._key: str | None = None

    def __call__(self) -> str:
        if self._key is None:
            self._key = self._load()
        return self._key

    def forget(self) -> None:
        self._key = None
