"""How an ended job becomes its Platform Event: the same result `GET /jobs/{id}` gives, cut to the event's fields.

Salesforce's limits: a Long Text Area field holds at most 131,072 characters, counted in UTF-16 code units (a
character outside the Basic Multilingual Plane counts twice). Output longer than that is cut and flagged; the
whole of it stays readable through `GET /jobs/{id}`.
"""

import json
from typing import Final

from sfbridge.models.callouts import JobView
from sfbridge.models.job_results import ExecutionStatusChange, JobResultEvent

OUTPUT_LIMIT: Final = 131_072
"""`Output__c`: Long Text Area (131072)."""
CAUSE_LIMIT: Final = 32_768
"""`Error_Cause__c`: Long Text Area (32768)."""
TEXT_LIMIT: Final = 255
"""Text fields (`Job_Id__c`, `Error_Code__c`, `Execution_Arn__c`, `Request_Id__c`): Text (255)."""


def job_result_event(change: ExecutionStatusChange, job_name: str, view: JobView) -> JobResultEvent:
    """The event for `change`, whose job answers `view` on `GET /jobs/{id}`."""
    output, truncated = _output(change, view)
    error = view.error
    error_code = None if error is None else (error.workflow_error or error.type.rsplit("/", 1)[-1])
    return JobResultEvent(
        job_id=view.id,
        job_name=job_name,
        status=change.status,
        output=output,
        output_truncated=truncated,
        error_code=cut(error_code, TEXT_LIMIT),
        error_cause=cut(None if error is None else error.detail, CAUSE_LIMIT),
        execution_arn=change.execution_arn,
        request_id=cut(request_id_of(change), TEXT_LIMIT),
    )


def _output(change: ExecutionStatusChange, view: JobView) -> tuple[str | None, bool]:
    if view.status != "SUCCEEDED":
        return None, False
    if change.output_details is not None and not change.output_details.included:
        return None, True  # EventBridge left the output out (over 256 KiB): only GET /jobs/{id} has it
    text = json.dumps(view.output, ensure_ascii=False, separators=(",", ":"))
    kept = cut(text, OUTPUT_LIMIT)
    return kept, kept != text


def cut(text: str | None, limit: int) -> str | None:
    """`text` within `limit` UTF-16 code units, as Salesforce counts a field's length; never splits a character."""
    if text is None or len(text) <= limit // 2:
        return text
    units = 0
    for index, character in enumerate(text):
        units += 2 if ord(character) > 0xFFFF else 1
        if units > limit:
            return text[:index]
    return text


def request_id_of(change: ExecutionStatusChange) -> str | None:
    """The caller's `X-Request-Id`, which every job's input carries as `requestId`."""
    try:
        parsed = json.loads(change.input or "null")
    except json.JSONDecodeError:
        return None
    value = parsed.get("requestId") if isinstance(parsed, dict) else None
    return value if isinstance(value, str) else None
