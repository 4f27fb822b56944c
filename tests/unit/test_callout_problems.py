"""Every failure of the callout API is one RFC 9457 problem, with one status per exception class."""

import json

import pytest

from sfbridge.callouts import problems
from sfbridge.exceptions import (
    ClientError,
    ConfigurationError,
    IdempotencyKeyInUse,
    IdempotencyKeyReused,
    IdempotencyStoreUnavailable,
    InvalidIdempotencyKey,
    JobNotFound,
    MalformedJson,
    PayloadTooLarge,
    RequestInvalid,
    StoreUnavailable,
    UnknownEventType,
    UnknownJob,
    UnknownOperation,
    UnsupportedMediaType,
    WorkflowConflict,
    WorkflowFailed,
    WorkflowRejectedInput,
    WorkflowTimedOut,
    WorkflowUnavailable,
)

EXPECTED_STATUS = {
    MalformedJson: 400,
    RequestInvalid: 400,
    InvalidIdempotencyKey: 400,
    ClientError: 400,
    UnknownEventType: 404,
    UnknownOperation: 404,
    UnknownJob: 404,
    JobNotFound: 404,
    IdempotencyKeyReused: 409,
    IdempotencyKeyInUse: 409,
    WorkflowConflict: 409,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    WorkflowRejectedInput: 422,
    ConfigurationError: 500,
    WorkflowFailed: 502,
    StoreUnavailable: 503,
    WorkflowUnavailable: 503,
    IdempotencyStoreUnavailable: 503,
    WorkflowTimedOut: 504,
}


def _instance(cls: type[Exception]) -> Exception:
    return cls("detail", []) if cls is RequestInvalid else cls("detail")


@pytest.mark.parametrize(("cls", "status"), EXPECTED_STATUS.items(), ids=lambda value: getattr(value, "__name__", ""))
def test_each_exception_class_is_answered_with_its_status(cls, status):
    assert problems.problem_for(_instance(cls)).status == status


def test_the_mapping_lists_every_exception_exactly_once_with_a_stable_type_uri():
    assert set(problems.STATUS_BY_EXCEPTION) == set(EXPECTED_STATUS)
    slugs = [kind.slug for kind in problems.STATUS_BY_EXCEPTION.values()]
    assert len(slugs) == len(set(slugs))
    assert all(
        kind.type_uri.startswith("https://sfbridge.dev/problems/") for kind in problems.STATUS_BY_EXCEPTION.values()
    )


def test_validation_problem_lists_failing_fields_by_json_path():
    error = RequestInvalid(
        "the body does not match CreditCheckRequest: 1 error(s)", [("$.amount", "Input should be greater than 0")]
    )

    document = json.loads(
        problems.render(problems.problem_for(error, request_id="r-1", instance="/operations/credit-check"))
    )

    assert document == {
        "type": "https://sfbridge.dev/problems/validation-error",
        "title": "Invalid request",
        "status": 400,
        "detail": "the body does not match CreditCheckRequest: 1 error(s)",
        "instance": "/operations/credit-check",
        "errors": [{"path": "$.amount", "message": "Input should be greater than 0"}],
        "requestId": "r-1",
    }


def test_workflow_problem_names_the_workflow_error():
    error = WorkflowFailed(
        "the credit-check workflow failed with ExposureUnavailable", workflow_error="ExposureUnavailable"
    )

    problem = problems.problem_for(error)

    assert (problem.status, problem.workflow_error) == (502, "ExposureUnavailable")


def test_subclass_without_an_entry_is_answered_like_its_parent():
    class EventTypeRetired(UnknownEventType):
        pass

    assert problems.problem_for(EventTypeRetired("retired")).type == "https://sfbridge.dev/problems/unknown-event-type"


def test_unexpected_error_is_a_500_that_reveals_nothing():
    problem = problems.problem_for(KeyError("arn:aws:dynamodb:us-east-1:123456789012:table/internal"))

    assert problem.status == 500
    assert problem.type == "https://sfbridge.dev/problems/internal-error"
    assert "dynamodb" not in problem.detail


def test_configuration_error_detail_stays_in_the_logs():
    problem = problems.problem_for(ConfigurationError("CalloutApiSettings: invalid or missing environment: OPERATIONS"))

    assert "OPERATIONS" not in problem.detail
