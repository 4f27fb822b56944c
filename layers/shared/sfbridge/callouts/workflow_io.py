"""What operations and jobs share: the execution input, its size limit, the state machine lookup, the output check."""

from collections.abc import Mapping
from typing import Any, Final

from pydantic import BaseModel, ValidationError

from sfbridge.callouts.registry import Workflow
from sfbridge.exceptions import ConfigurationError, PayloadTooLarge, WorkflowFailed
from sfbridge.models.workflows import WorkflowInput

EXECUTION_INPUT_LIMIT: Final = 262_144
"""AWS Step Functions' quota for an execution's input (256 KiB of UTF-8)."""


def state_machine_arn(workflow: Workflow, deployed: Mapping[str, str], variable: str) -> str:
    """The ARN the template gives `workflow` in `variable` (`OPERATIONS` or `JOBS`)."""
    try:
        return deployed[workflow.name]
    except KeyError:
        raise ConfigurationError(f"{workflow.name} is in the catalog but not in {variable}") from None


def execution_input(payload: BaseModel, request_id: str, *, job_id: str | None = None) -> str:
    """The JSON the execution starts with; `PayloadTooLarge` above Step Functions' input quota."""
    text = WorkflowInput(
        request_id=request_id, input=payload.model_dump(mode="json", by_alias=True), job_id=job_id
    ).model_dump_json(by_alias=True, exclude_none=True)
    size = len(text.encode())
    if size > EXECUTION_INPUT_LIMIT:
        raise PayloadTooLarge(
            f"the execution input would be {size} bytes; "
            f"AWS Step Functions accepts at most {EXECUTION_INPUT_LIMIT} bytes (256 KiB)"
        )
    return text


def checked_output(workflow: Workflow, output: Any) -> Any:
    """The output as its registered model dumps it, so callers only ever see the declared shape."""
    if workflow.output_model is None:
        return output
    try:
        return workflow.output_model.model_validate(output).model_dump(mode="json", by_alias=True)
    except ValidationError as exc:
        raise WorkflowFailed(
            f"the {workflow.name} workflow returned output that is not a {workflow.output_model.__name__}"
        ) from exc
