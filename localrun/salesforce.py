"""A stand-in Salesforce on loopback: the JWT bearer token endpoint and the REST calls sfbridge makes.

The token endpoint checks the assertion as Salesforce does: RS256 signature against the connected app's
certificate, `iss` (consumer key), `sub` (username), `aud` (the login URL) and `exp` (present, not past, at most a
few minutes ahead). REST calls need a token it issued; each one is recorded (`received`) and answered in
Salesforce's shapes. `fail()` makes the next calls fail as Salesforce can (5xx, `REQUEST_LIMIT_EXCEEDED`,
`UNABLE_TO_LOCK_ROW`, validation errors), and `expire_sessions()` makes issued tokens answer 401.

It serves HTTPS with a self-signed certificate (simple-salesforce only speaks https); `ca_file` is the file to
trust, e.g. as `REQUESTS_CA_BUNDLE`. On the same server, without a token: `GET /_standin/received` lists what it
received, `POST /_standin/failures` queues failures (`{"status": 503, "times": 2}`), for `make run` users.
"""

import datetime
import ipaddress
import itertools
import json
import os
import secrets
import ssl
import tempfile
import threading
import time
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Final

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

JWT_BEARER_GRANT: Final = "urn:ietf:params:oauth:grant-type:jwt-bearer"
MAX_ASSERTION_LIFETIME_SECONDS: Final = 300
ORGANIZATION_ID: Final = "00DKb00000AbCdEMAV"
USER_ID: Final = "005Kb00000IntgUAAQ"


@dataclass(frozen=True, slots=True)
class KeyPair:
    """A private key and its self-signed certificate, both PEM."""

    private_key: str = field(repr=False)
    certificate: str

    @classmethod
    def generate(cls, common_name: str, *, ip: str | None = None) -> "KeyPair":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
        now = datetime.datetime.now(datetime.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=365))
        )
        if ip is not None:
            san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(ip)), x509.DNSName("localhost")])
            builder = builder.add_extension(san, critical=False)
        certificate = builder.sign(key, hashes.SHA256())
        private = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return cls(private.decode(), certificate.public_bytes(serialization.Encoding.PEM).decode())


@dataclass
class _Failure:
    where: str
    status: int
    body: Any
    remaining: int | None


@dataclass(frozen=True, slots=True)
class Received:
    method: str
    path: str
    body: Any


class StandInSalesforce:
    """One org, one connected app and one pre-authorized integration user."""

    def __init__(self, *, consumer_key: str, username: str, app_certificate: str, host: str = "127.0.0.1") -> None:
        self.consumer_key = consumer_key
        self.username = username
        self._public_key = x509.load_pem_x509_certificate(app_certificate.encode()).public_key()
        self._host = host
        self._tls = _tls_pair(host)
        self._dir = tempfile.TemporaryDirectory(prefix="sfbridge-standin-")
        self.ca_file = str(Path(self._dir.name) / "standin-ca.pem")
        Path(self.ca_file).write_text(self._tls.certificate, encoding="utf-8")
        self.received: list[Received] = []
        self.issued_tokens: list[str] = []
        self._tokens: set[str] = set()
        self._failures: list[_Failure] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._upserted: set[str] = set()
        self._server: BaseWSGIServer | None = None

    # ------------------------------------------------------------------ lifecycle

    def start(self, port: int = 0) -> "StandInSalesforce":
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        cert_file, key_file = Path(self._dir.name) / "tls.pem", Path(self._dir.name) / "tls.key"
        cert_file.write_text(self._tls.certificate, encoding="utf-8")
        key_file.write_text(self._tls.private_key, encoding="utf-8")
        context.load_cert_chain(cert_file, key_file)
        self._server = make_server(self._host, port, self._wsgi, threaded=True, ssl_context=context)
        threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="salesforce-standin", daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        # The certificate files stay until the object is collected: a client may still point at them.

    @property
    def login_host(self) -> str:
        assert self._server is not None, "start() it first"
        return f"{self._host}:{self._server.server_port}"

    @property
    def url(self) -> str:
        return f"https://{self.login_host}"

    # ------------------------------------------------------------------ steering it

    def fail(
        self,
        status: int,
        error_code: str = "",
        message: str = "",
        *,
        fields: tuple[str, ...] = (),
        times: int | None = 1,
    ) -> None:
        """The next `times` REST calls (None: every one) answer `status` with Salesforce's error list.

        A composite request answers 200 with the error on its first subrequest (and `PROCESSING_HALTED` on the
        others), as Salesforce does for a failed subrequest of an all-or-none request; a 5xx fails it whole.
        """
        error = {"message": message or error_code, "errorCode": error_code or f"HTTP_{status}", "fields": list(fields)}
        with self._lock:
            self._failures.append(_Failure("rest", status, [error], times))

    def fail_token(self, status: int, error: str, description: str, *, times: int | None = 1) -> None:
        """The next `times` token requests answer `status` with an OAuth error."""
        with self._lock:
            self._failures.append(_Failure("token", status, {"error": error, "error_description": description}, times))

    def expire_sessions(self) -> None:
        """Every token issued so far answers 401 INVALID_SESSION_ID from now on."""
        with self._lock:
            self._tokens.clear()

    def events(self, name: str) -> list[dict[str, Any]]:
        """The bodies of the Platform Events named `name` published so far."""
        return [r.body for r in self.received if r.method == "POST" and r.path.endswith(f"/sobjects/{name}/")]

    # ------------------------------------------------------------------ the server

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self._answer(request)
        return response(environ, start_response)

    def _answer(self, request: Request) -> Response:
        if request.path == "/services/oauth2/token" and request.method == "POST":
            failure = self._failure("token")
            return self._token(request) if failure is None else _json(failure.body, failure.status)
        if request.path == "/_standin/received":
            return _json([{"method": r.method, "path": r.path, "body": r.body} for r in self.received])
        if request.path == "/_standin/failures" and request.method == "POST":
            body = request.get_json(force=True, silent=True) or {}
            self.fail(int(body.get("status", 503)), str(body.get("errorCode", "")), times=body.get("times", 1))
            return _json({"queued": True}, 202)
        if request.path.startswith("/services/data/v"):
            return self._rest(request)
        return _json([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}], 404)

    def _failure(self, where: str) -> _Failure | None:
        with self._lock:
            for failure in self._failures:
                if failure.where == where and (failure.remaining is None or failure.remaining > 0):
                    if failure.remaining is not None:
                        failure.remaining -= 1
                    return failure
        return None

    def _token(self, request: Request) -> Response:
        if request.form.get("grant_type") != JWT_BEARER_GRANT:
            return _json({"error": "unsupported_grant_type", "error_description": "grant type not supported"}, 400)
        refusal = self._refusal(request.form.get("assertion", ""))
        if refusal is not None:
            return _json({"error": refusal[0], "error_description": refusal[1]}, 400)
        token = f"{ORGANIZATION_ID[:15]}!{secrets.token_urlsafe(48)}"
        with self._lock:
            self._tokens.add(token)
            self.issued_tokens.append(token)
        return _json(
            {
                "access_token": token,
                "scope": "api",
                "instance_url": self.url,
                "id": f"{self.url}/id/{ORGANIZATION_ID}/{USER_ID}",
                "token_type": "Bearer",
            }
        )

    def _refusal(self, assertion: str) -> tuple[str, str] | None:
        """Why Salesforce would refuse this assertion, as its token endpoint says it; None to accept it."""
        try:
            claims = jwt.decode(
                assertion,
                self._public_key,  # type: ignore[arg-type]
                algorithms=["RS256"],
                options={"require": ["iss", "sub", "aud", "exp"], "verify_aud": False},
            )
        except jwt.PyJWTError:
            return "invalid_grant", "invalid assertion"
        if claims["iss"] != self.consumer_key:
            return "invalid_client_id", "client identifier invalid"
        if claims["aud"] != self.url:
            return "invalid_grant", "audience is invalid"
        if int(claims["exp"]) > time.time() + MAX_ASSERTION_LIFETIME_SECONDS:
            return "invalid_grant", "invalid assertion"
        if claims["sub"] != self.username:
            return "invalid_grant", "user hasn't approved this consumer"
        return None

    def _rest(self, request: Request) -> Response:
        header = request.headers.get("Authorization", "")
        with self._lock:
            authorized = header.startswith("Bearer ") and header[7:] in self._tokens
        if not authorized:
            return _json([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}], 401)
        body = request.get_json(force=True, silent=True)
        # As sent, percent-encoding kept: an external id may hold a "/".
        path = str(request.environ.get("RAW_URI") or request.path).split("?", 1)[0]
        self.received.append(Received(request.method, path, body))
        resource = path.split("/", 4)[4] if path.count("/") >= 4 else ""
        failure = self._failure("rest")
        if failure is not None and resource.strip("/") == "composite" and failure.status < 500:
            return _json({"compositeResponse": _failed_subrequests(body, failure)})
        if failure is not None:
            return _json(failure.body, failure.status)
        return self._resource(request.method, resource, body)

    def _resource(self, method: str, resource: str, body: Any) -> Response:
        parts = [part for part in resource.split("/") if part]
        if method == "POST" and parts == ["composite"]:
            return _json({"compositeResponse": [self._subresponse(item) for item in body["compositeRequest"]]})
        if method == "POST" and len(parts) == 2 and parts[0] == "sobjects":
            prefix = "e00" if parts[1].endswith("__e") else "a00"
            return _json({"id": self._new_id(prefix), "success": True, "errors": []}, 201)
        if method == "PATCH" and len(parts) == 4 and parts[0] == "sobjects":
            created = resource not in self._upserted
            self._upserted.add(resource)
            return _json(
                {"id": self._new_id("a00"), "success": True, "errors": [], "created": created}, 201 if created else 200
            )
        if method == "PATCH" and len(parts) == 3 and parts[0] == "sobjects":
            return Response(status=204)
        return _json([{"errorCode": "NOT_FOUND", "message": "The requested resource does not exist"}], 404)

    def _subresponse(self, item: dict[str, Any]) -> dict[str, Any]:
        return {
            "body": {"id": self._new_id("a00"), "success": True, "errors": []},
            "httpHeaders": {},
            "httpStatusCode": 200,
            "referenceId": item["referenceId"],
        }

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}Kb{next(self._ids):010d}AAA"


def _failed_subrequests(body: Any, error: _Failure) -> list[dict[str, Any]]:
    halted = [
        {
            "errorCode": "PROCESSING_HALTED",
            "message": "The transaction was rolled back since another operation in the same transaction failed.",
        }
    ]
    return [
        {
            "body": error.body if index == 0 else halted,
            "httpHeaders": {},
            "httpStatusCode": error.status if index == 0 else 400,
            "referenceId": item["referenceId"],
        }
        for index, item in enumerate(body["compositeRequest"])
    ]


@cache
def _tls_pair(host: str) -> KeyPair:
    """One TLS certificate per process and host: generating an RSA key takes a while."""
    return KeyPair.generate(host, ip=host)


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json;charset=UTF-8")


# ---------------------------------------------------------------------- `make run`

LOCAL_CONSUMER_KEY: Final = "3MVG9sfbridgeLocalStandInConsumerKey"
LOCAL_USERNAME: Final = "sfbridge.integration@example.com"


def wants_stand_in(template: Mapping[str, Any], overrides: Mapping[str, str]) -> bool:
    """For a template with job results, unless told otherwise (turned off, or a real connection given), the local
    stack publishes them to the stand-in."""
    has_job_results = "JobResultsToSalesforce" in (template.get("Parameters") or {})
    turned_off = overrides.get("JobResultsToSalesforce", "true") != "true"
    return has_job_results and not turned_off and not overrides.get("SalesforceConsumerKey")


def connect_stand_in(overrides: Mapping[str, str], secrets_manager: Any, running: ExitStack) -> dict[str, str]:
    """Start the stand-in, keep the app's key where the function reads it, and return the overrides wiring it in.

    `secrets_manager` is a client of the local (moto) endpoint. The process trusts the stand-in's TLS
    certificate through `REQUESTS_CA_BUNDLE`, which only the Salesforce adapter's `requests` reads.
    """
    keys = KeyPair.generate("sfbridge-local-app")
    stand_in = StandInSalesforce(
        consumer_key=LOCAL_CONSUMER_KEY, username=LOCAL_USERNAME, app_certificate=keys.certificate
    )
    stand_in.start()
    running.callback(stand_in.stop)
    os.environ["REQUESTS_CA_BUNDLE"] = stand_in.ca_file
    secret = secrets_manager.create_secret(Name="sfbridge-local/salesforce-jwt-key", SecretString=keys.private_key)
    print(
        f"stand-in Salesforce: {stand_in.url} (app {LOCAL_CONSUMER_KEY}, user {LOCAL_USERNAME})\n"
        f"  what it received:  curl -sS --cacert {stand_in.ca_file} {stand_in.url}/_standin/received\n"
        f"  make it fail:      curl -sS --cacert {stand_in.ca_file} {stand_in.url}/_standin/failures "
        '-d \'{"status": 503, "times": 4}\'',
        flush=True,
    )
    return {
        **overrides,
        "JobResultsToSalesforce": "true",
        "SalesforceLoginHost": stand_in.login_host,
        "SalesforceConsumerKey": LOCAL_CONSUMER_KEY,
        "SalesforceUsername": LOCAL_USERNAME,
        "SalesforcePrivateKeySecretArn": str(secret["ARN"]),
    }
