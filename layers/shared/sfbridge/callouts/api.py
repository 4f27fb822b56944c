"""The callout API's HTTP face: routes, the X-Request-Id echo, and problem+json for every failure.

Route variables: API Gateway REST allows one variable name per path level, so the template declares
`/jobs/{job}` for both `POST /jobs/<name>` and `GET /jobs/<id>`.
"""

import json
from collections.abc import Callable
from typing import Any, Final

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from sfbridge.adapters.event_queue import CalloutEventQueue
from sfbridge.adapters.workflows import Workflows
from sfbridge.callouts import problems
from sfbridge.callouts.catalog import catalog
from sfbridge.callouts.events import accept_event
from sfbridge.callouts.idempotency import IdempotentCalls
from sfbridge.callouts.jobs import job_status, start_job
from sfbridge.callouts.operations import run_operation
from sfbridge.callouts.requests import (
    REQUEST_ID_HEADER,
    JsonRequest,
    caller_of,
    read_json_request,
    request_id_of,
)
from sfbridge.callouts.time_budget import operation_deadline
from sfbridge.callouts.workflow_io import state_machine_arn
from sfbridge.config import (
    CalloutIdempotencySettings,
    EventRouteSettings,
    JobRouteSettings,
    JobStatusSettings,
    OperationRouteSettings,
)
from sfbridge.domain.event_ids import callout_event_id, job_execution_name
from sfbridge.exceptions import SfbridgeError
from sfbridge.models.callouts import CalloutAnswer
from sfbridge.models.validation import validate_body
from sfbridge.observability import logger, metrics

JSON: Final = "application/json"

app = APIGatewayRestResolver()


def handle_callout(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Answer one API Gateway REST proxy event; every answer echoes the request id."""
    request_id = request_id_of(event)
    logger.set_correlation_id(request_id)
    app.context.update(request_id=request_id)
    response = app.resolve(event, context)
    response.setdefault("multiValueHeaders", {})[REQUEST_ID_HEADER] = [request_id]
    logger.info(
        "callout answered", method=event.get("httpMethod"), path=event.get("path"), status=response["statusCode"]
    )
    return response


@app.post("/events/<type>")
def publish_event(type: str) -> Response[str]:
    event_type = catalog.event_type(type)
    request, settings = _json_request(), EventRouteSettings.from_env()
    payload = validate_body(event_type.model, request.body)
    queue = CalloutEventQueue(settings.events_queue_url)
    event_id = callout_event_id(caller=_caller(), event_type=event_type.name, idempotency_key=request.idempotency_key)
    return _idempotent(
        f"POST /events/{type}",
        request,
        settings,
        lambda: accept_event(event_type, payload, event_id=event_id, request_id=_request_id(), queue=queue),
    )


@app.post("/operations/<name>")
def call_operation(name: str) -> Response[str]:
    workflow = catalog.operation_named(name)
    request, settings = _json_request(), OperationRouteSettings.from_env()
    payload = validate_body(workflow.input_model, request.body)
    arn = state_machine_arn(workflow, settings.operations, "OPERATIONS")
    workflows = Workflows(emulate_sync=settings.sync_execution_emulation == "poll")
    deadline = operation_deadline(
        request_time_epoch_ms=app.current_event.request_context.request_time_epoch,
        budget_seconds=settings.operation_time_budget_seconds,
        lambda_remaining_ms=app.lambda_context.get_remaining_time_in_millis(),
    )

    def run() -> CalloutAnswer:
        # Read the budget only now, after the idempotency write: whatever that took is no longer the workflow's.
        return run_operation(
            workflow,
            payload,
            state_machine_arn=arn,
            request_id=_request_id(),
            workflows=workflows,
            budget_seconds=deadline.remaining(),
        )

    return _idempotent(f"POST /operations/{name}", request, settings, run)


@app.post("/jobs/<job>")
def submit_job(job: str) -> Response[str]:
    workflow = catalog.job_named(job)
    request, settings = _json_request(), JobRouteSettings.from_env()
    payload = validate_body(workflow.input_model, request.body)
    arn = state_machine_arn(workflow, settings.jobs, "JOBS")
    name = job_execution_name(caller=_caller(), job_name=workflow.name, idempotency_key=request.idempotency_key)

    def run() -> CalloutAnswer:
        return start_job(
            workflow,
            payload,
            execution_name=name,
            state_machine_arn=arn,
            request_id=_request_id(),
            workflows=Workflows(),
        )

    return _idempotent(f"POST /jobs/{job}", request, settings, run)


@app.get("/jobs/<job>")
def get_job(job: str) -> Response[str]:
    settings = JobStatusSettings.from_env()
    view = job_status(job, catalog=catalog, deployed=settings.jobs, request_id=_request_id(), workflows=Workflows())
    return Response(status_code=200, content_type=JSON, body=view.model_dump_json(by_alias=True, exclude_none=True))


@app.exception_handler(Exception)  # type: ignore[untyped-decorator]
def answer_problem(error: Exception) -> Response[str]:
    problem = problems.problem_for(error, request_id=_request_id(), instance=app.current_event.path)
    _log_problem(error, problem.status)
    metrics.add_metric(
        name="ClientProblems" if problem.status < 500 else "ServerProblems", unit=MetricUnit.Count, value=1
    )
    return Response(status_code=problem.status, content_type=problems.CONTENT_TYPE, body=problems.render(problem))


def _log_problem(error: Exception, status: int) -> None:
    if not isinstance(error, SfbridgeError):
        logger.exception("callout failed unexpectedly", status=status)
    elif status >= 500:
        logger.error("callout failed", status=status, error_type=type(error).__name__, reason=str(error))
    else:
        logger.warning("callout refused", status=status, error_type=type(error).__name__, reason=str(error))


@app.not_found
def no_such_route(error: Exception) -> Response[str]:
    body = {
        "type": problems.TYPE_BASE + "no-such-route",
        "title": "Not found",
        "status": 404,
        "detail": f"no route {app.current_event.http_method} {app.current_event.path}",
        "requestId": _request_id(),
    }
    return Response(status_code=404, content_type=problems.CONTENT_TYPE, body=json.dumps(body))


def _json_request() -> JsonRequest:
    return read_json_request(app.current_event)


def _request_id() -> str:
    return str(app.context.get("request_id", ""))


def _caller() -> str:
    return caller_of(app.current_event.raw_event)


def _idempotent(
    route: str, request: JsonRequest, settings: CalloutIdempotencySettings, call: Callable[[], CalloutAnswer]
) -> Response[str]:
    """`call()`'s answer, remembered per caller and route under the request's Idempotency-Key."""
    calls = IdempotentCalls(
        table_name=settings.idempotency_table, ttl_seconds=settings.idempotency_ttl_seconds, context=app.lambda_context
    )
    scope = f"{_caller()} {route}"
    return _response(calls.answer(scope=scope, key=request.idempotency_key, body=request.body, call=call))


def _response(answer: CalloutAnswer) -> Response[str]:
    headers = {"Location": answer.location} if answer.location else {}
    if answer.replayed:
        headers["Idempotent-Replayed"] = "true"
    return Response(status_code=answer.status, content_type=JSON, body=json.dumps(answer.body), headers=headers)
