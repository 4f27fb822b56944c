"""API Gateway REST in front of the local functions: HTTP request in, Lambda proxy event, proxy response out.

Routing is werkzeug's; what is kept here is what API Gateway adds: the proxy event's shape, binary media types,
the stage in the URL, and its answers for unknown routes (403) and failing functions (502).
"""

import base64
import fnmatch
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from localrun.functions import ApiSpec, Route
from localrun.template import ACCOUNT_ID

log = logging.getLogger("localrun")

MISSING_AUTHENTICATION_TOKEN: Final = {"message": "Missing Authentication Token"}
INTERNAL_SERVER_ERROR: Final = {"message": "Internal server error"}
_PATH_PARAMETER = re.compile(r"\{([^}+]+)(\+?)\}")
_RAW_HEADERS: Final = "localrun.raw_headers"

Invoke = Callable[[str, Any], Any]


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """What API Gateway reads from a request: repeated headers and query parameters stay separate."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"


def proxy_event(request: HttpRequest, route: Route, path_parameters: Mapping[str, str], api: ApiSpec) -> dict[str, Any]:
    """The event API Gateway REST sends to a Lambda proxy integration."""
    body, is_base64 = _event_body(request, api)
    headers = _multi(request.headers)
    query = _multi(request.query)
    return {
        "resource": route.path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": _single(headers),
        "multiValueHeaders": headers or None,
        "queryStringParameters": _single(query),
        "multiValueQueryStringParameters": query or None,
        "pathParameters": dict(path_parameters) or None,
        "stageVariables": None,
        "requestContext": _request_context(request, route, api, _single(headers) or {}),
        "body": body,
        "isBase64Encoded": is_base64,
    }


def _request_context(request: HttpRequest, route: Route, api: ApiSpec, headers: Mapping[str, str]) -> dict[str, Any]:
    now = time.time()
    host = next((value for name, value in headers.items() if name.lower() == "host"), "127.0.0.1")
    user_agent = next((value for name, value in headers.items() if name.lower() == "user-agent"), None)
    return {
        "resourceId": route.path,
        "resourcePath": route.path,
        "httpMethod": request.method,
        "extendedRequestId": uuid.uuid4().hex[:16],
        "requestTime": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
        "requestTimeEpoch": int(now * 1000),
        "path": f"/{api.stage_name}{request.path}",
        "accountId": ACCOUNT_ID,
        "protocol": request.protocol,
        "stage": api.stage_name,
        "domainPrefix": host.split(".", 1)[0],
        "domainName": host,
        "requestId": str(uuid.uuid4()),
        "apiId": api.api_id,
        "identity": _identity(request.source_ip, user_agent),
    }


def _identity(source_ip: str, user_agent: str | None) -> dict[str, Any]:
    """Who called: only the address and agent locally (no IAM, Cognito, API keys or client certificates)."""
    unknown = ("accessKey", "accountId", "apiKey", "apiKeyId", "caller", "clientCert", "user", "userArn")
    return {"sourceIp": source_ip, "userAgent": user_agent, **dict.fromkeys(unknown)}


def _event_body(request: HttpRequest, api: ApiSpec) -> tuple[str | None, bool]:
    """Binary media types (and bodies that are not UTF-8) travel base64-encoded, as API Gateway sends them."""
    if not request.body:
        return None, False
    content_type = next((value for name, value in request.headers if name.lower() == "content-type"), "")
    mime = content_type.split(";", 1)[0].strip().lower()
    if not any(fnmatch.fnmatchcase(mime, pattern.lower()) for pattern in api.binary_media_types):
        try:
            return request.body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    return base64.b64encode(request.body).decode("ascii"), True


def _multi(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name, value in pairs:
        values.setdefault(name, []).append(value)
    return values


def _single(values: Mapping[str, list[str]]) -> dict[str, str] | None:
    """API Gateway's single-value maps keep the last value of a repeated name."""
    return {name: items[-1] for name, items in values.items()} or None


def http_response(result: Any, request_id: str) -> Response:
    """The HTTP response API Gateway makes from a Lambda proxy response; a malformed one raises ValueError."""
    if not isinstance(result, Mapping) or "statusCode" not in result:
        raise ValueError("Malformed Lambda proxy response: no statusCode")
    body = result.get("body")
    if body is not None and not isinstance(body, str):
        raise ValueError("Malformed Lambda proxy response: body is not a string")
    headers = Headers({"Content-Type": "application/json"})
    multi = result.get("multiValueHeaders") or {}
    for name, value in (result.get("headers") or {}).items():
        if name not in multi:
            headers.set(name, str(value))
    for name, values in multi.items():
        headers.remove(name)
        for value in values:
            headers.add(name, str(value))
    headers.set("x-amzn-RequestId", request_id)
    payload = base64.b64decode(body or "") if result.get("isBase64Encoded") else (body or "").encode()
    return Response(payload, status=int(result["statusCode"]), headers=headers)


def error_response(status: int, message: Mapping[str, str], error_type: str) -> Response:
    headers = {"x-amzn-ErrorType": error_type, "x-amzn-RequestId": str(uuid.uuid4())}
    return Response(json.dumps(message), status=status, headers=headers, content_type="application/json")


class LocalApi:
    """A WSGI application serving `routes` at the root and under each API's `/<StageName>/`."""

    def __init__(self, routes: list[Route], apis: Mapping[str, ApiSpec], invoke: Invoke) -> None:
        self._apis = dict(apis)
        self._invoke = invoke
        rules = [_rule(route, index) for index, route in enumerate(routes)]
        self._routes = [(route, names) for route, (_, names) in zip(routes, rules, strict=True)]
        self._map = Map([rule for rule, _ in rules], strict_slashes=False, merge_slashes=False)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.respond(Request(environ))(environ, start_response)

    def respond(self, request: Request) -> Response:
        match = self.match(request.method, request.path)
        if match is None:
            log.info("%s %s -> 403 (no such route)", request.method, request.path)
            return error_response(403, MISSING_AUTHENTICATION_TOKEN, "MissingAuthenticationTokenException")
        route, path, path_parameters = match
        event = proxy_event(_http_request(request, path), route, path_parameters, self._apis[route.api_logical_id])
        request_id = event["requestContext"]["requestId"]
        try:
            return http_response(self._invoke(route.function_logical_id, event), request_id)
        except Exception:
            log.exception("%s %s -> 502 (%s failed)", request.method, request.path, route.function_logical_id)
            return error_response(502, INTERNAL_SERVER_ERROR, "InternalServerErrorException")

    def match(self, method: str, path: str) -> tuple[Route, str, dict[str, str]] | None:
        """The route for `method path` (the stage prefix removed), the path without it, and the path parameters."""
        stage, _, rest = path.lstrip("/").partition("/")
        candidates: list[tuple[str, str | None]] = [(path, None)]
        candidates += [(f"/{rest}", api.logical_id) for api in self._apis.values() if api.stage_name == stage]
        adapter = self._map.bind("localhost")
        for candidate, api in candidates:
            try:
                index, arguments = adapter.match(candidate, method=method)
            except HTTPException:
                continue
            route, names = self._routes[index]
            if api is None or route.api_logical_id == api:
                return route, candidate, {names[key]: value for key, value in arguments.items()}
        return None


def _rule(route: Route, index: int) -> tuple[Rule, dict[str, str]]:
    """`/jobs/{id}` and `/files/{proxy+}` in werkzeug's syntax, and the API's parameter names by werkzeug's.

    werkzeug needs identifiers for names, API Gateway allows more (`{order-id}`), so they are renamed p0, p1...
    """
    names: dict[str, str] = {}

    def convert(match: re.Match[str]) -> str:
        key = f"p{len(names)}"
        names[key] = match.group(1)
        return f"<path:{key}>" if match.group(2) else f"<{key}>"

    methods = None if route.method == "ANY" else [route.method]
    return Rule(_PATH_PARAMETER.sub(convert, route.path), endpoint=index, methods=methods), names


def _http_request(request: Request, path: str) -> HttpRequest:
    raw_headers = request.environ.get(_RAW_HEADERS)
    return HttpRequest(
        method=request.method,
        path=path,
        query=list(request.args.items(multi=True)),
        headers=list(raw_headers) if raw_headers is not None else list(request.headers.items()),
        body=request.get_data(),
        source_ip=request.remote_addr or "127.0.0.1",
        protocol=str(request.environ.get("SERVER_PROTOCOL", "HTTP/1.1")),
    )


class _RawHeadersHandler(WSGIRequestHandler):
    """Keeps each header line as sent: WSGI joins repeated headers, API Gateway's multiValueHeaders does not."""

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        environ[_RAW_HEADERS] = list(self.headers.items())
        return environ


class ApiServer:
    """`LocalApi` on a threaded werkzeug server, in a background thread, on loopback."""

    def __init__(self, app: LocalApi, host: str = "127.0.0.1", port: int = 3000) -> None:
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True, request_handler=_RawHeadersHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-api")

    @property
    def url(self) -> str:
        return f"http://{self._server.host}:{self._server.port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop accepting requests and close the socket (serve_forever closes it on its way out)."""
        self._server.shutdown()
        self._thread.join()
