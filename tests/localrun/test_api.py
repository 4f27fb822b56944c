"""API Gateway REST emulation: the proxy event, the proxy response, and API Gateway's own answers."""

import base64
import json
from typing import Any

import pytest
from werkzeug.test import Client

from localrun.api import HttpRequest, LocalApi, proxy_event
from localrun.functions import ApiSpec, Route

API = ApiSpec("Api", "abc123defg", "v1", ("text/xml", "image/*"))
JOB = Route("GET", "/jobs/{id}", "JobFunction", "Api")
MESSAGES = Route("POST", "/outbound-messages", "ReceiverFunction", "Api")
FILES = Route("ANY", "/files/{proxy+}", "FilesFunction", "Api")


class RecordingInvoke:
    """Stands in for `LocalStack.invoke`: records events and answers what the test set."""

    def __init__(self, answer: Any = None, error: Exception | None = None) -> None:
        self.answer = answer if answer is not None else {"statusCode": 200, "body": "ok"}
        self.error = error
        self.events: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, logical_id: str, event: dict[str, Any]) -> Any:
        self.events.append((logical_id, event))
        if self.error is not None:
            raise self.error
        return self.answer


def client(invoke: RecordingInvoke) -> Client:
    return Client(LocalApi([JOB, MESSAGES, FILES], {"Api": API}, invoke))


def request(body: bytes = b"", content_type: str = "", **overrides: Any) -> HttpRequest:
    headers = [("Content-Type", content_type)] if content_type else []
    fields: dict[str, Any] = {"method": "GET", "path": "/jobs/42", "query": [], "headers": headers, "body": body}
    return HttpRequest(**{**fields, **overrides})


def test_event_carries_path_parameters_resource_and_method() -> None:
    event = proxy_event(request(), JOB, {"id": "42"}, API)

    assert event["pathParameters"] == {"id": "42"}
    assert event["resource"] == "/jobs/{id}"
    assert event["path"] == "/jobs/42"
    assert event["httpMethod"] == "GET"


def test_event_keeps_repeated_query_parameters_and_headers() -> None:
    given = request(query=[("a", "1"), ("a", "2"), ("b", "3")], headers=[("X-Tag", "x"), ("X-Tag", "y")])

    event = proxy_event(given, JOB, {}, API)

    assert event["queryStringParameters"] == {"a": "2", "b": "3"}
    assert event["multiValueQueryStringParameters"] == {"a": ["1", "2"], "b": ["3"]}
    assert event["headers"] == {"X-Tag": "y"}
    assert event["multiValueHeaders"] == {"X-Tag": ["x", "y"]}


def test_event_without_query_headers_body_or_parameters_has_nulls() -> None:
    event = proxy_event(request(), JOB, {}, API)

    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None
    assert event["body"] is None
    assert event["isBase64Encoded"] is False


@pytest.mark.parametrize("content_type", ["text/xml; charset=UTF-8", "TEXT/XML", "image/png"])
def test_body_of_a_binary_media_type_is_base64(content_type: str) -> None:
    event = proxy_event(request(b"<a/>", content_type, method="POST"), MESSAGES, {}, API)

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"<a/>"


def test_body_that_is_not_utf8_is_base64_whatever_its_type() -> None:
    event = proxy_event(request(b"\xff\xfe", "application/json", method="POST"), MESSAGES, {}, API)

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\xfe"


def test_text_body_is_passed_as_text() -> None:
    event = proxy_event(request('{"a": "é"}'.encode(), "application/json", method="POST"), MESSAGES, {}, API)

    assert event == event | {"body": '{"a": "é"}', "isBase64Encoded": False}


def test_request_context_describes_the_stage_and_the_caller() -> None:
    given = request(headers=[("Host", "127.0.0.1:3000"), ("User-Agent", "curl/8")], source_ip="127.0.0.9")

    context = proxy_event(given, JOB, {"id": "42"}, API)["requestContext"]

    assert context["stage"] == "v1"
    assert context["path"] == "/v1/jobs/42"
    assert context["resourcePath"] == "/jobs/{id}"
    assert context["httpMethod"] == "GET"
    assert context["identity"]["sourceIp"] == "127.0.0.9"
    assert context["identity"]["userAgent"] == "curl/8"
    assert context["accountId"] == "123456789012"
    assert context["apiId"] == "abc123defg"
    assert context["protocol"] == "HTTP/1.1"
    assert len(context["requestId"]) == 36
    assert isinstance(context["requestTimeEpoch"], int)


def test_route_is_served_at_the_root_and_under_the_stage() -> None:
    invoke = RecordingInvoke()

    root = client(invoke).get("/jobs/7")
    staged = client(invoke).get("/v1/jobs/8")

    assert (root.status_code, staged.status_code) == (200, 200)
    assert [event["path"] for _, event in invoke.events] == ["/jobs/7", "/jobs/8"]
    assert invoke.events[1][1]["requestContext"]["path"] == "/v1/jobs/8"


def test_greedy_path_parameter_and_any_method() -> None:
    invoke = RecordingInvoke()

    response = client(invoke).delete("/files/a/b.txt")

    assert response.status_code == 200
    assert invoke.events[0][1]["pathParameters"] == {"proxy": "a/b.txt"}
    assert invoke.events[0][1]["httpMethod"] == "DELETE"


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/nowhere"), ("GET", "/outbound-messages"), ("GET", "/v2/jobs/1")]
)
def test_unknown_route_or_method_gets_missing_authentication_token(method: str, path: str) -> None:
    invoke = RecordingInvoke()

    response = client(invoke).open(path, method=method)

    assert response.status_code == 403
    assert response.json == {"message": "Missing Authentication Token"}
    assert invoke.events == []


def test_function_that_raises_gets_502_internal_server_error() -> None:
    response = client(RecordingInvoke(error=RuntimeError("boom"))).get("/jobs/1")

    assert response.status_code == 502
    assert response.json == {"message": "Internal server error"}


@pytest.mark.parametrize("answer", [{"body": "no status"}, {"statusCode": 200, "body": {"not": "a string"}}, ["x"]])
def test_malformed_proxy_response_gets_502(answer: Any) -> None:
    response = client(RecordingInvoke(answer=answer)).get("/jobs/1")

    assert response.status_code == 502


def test_proxy_response_becomes_the_http_response() -> None:
    answer = {
        "statusCode": 201,
        "headers": {"Location": "/jobs/1", "X-One": "single"},
        "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "X-One": ["multi"]},
        "body": base64.b64encode(b"\x00\x01").decode(),
        "isBase64Encoded": True,
    }

    response = client(RecordingInvoke(answer=answer)).get("/jobs/1")

    assert response.status_code == 201
    assert response.headers["Location"] == "/jobs/1"
    assert response.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert response.headers.getlist("X-One") == ["multi"]
    assert response.data == b"\x00\x01"


def test_response_without_content_type_is_json_like_api_gateway() -> None:
    response = client(RecordingInvoke(answer={"statusCode": 200, "body": json.dumps({"a": 1})})).get("/jobs/1")

    assert response.headers["Content-Type"] == "application/json"
