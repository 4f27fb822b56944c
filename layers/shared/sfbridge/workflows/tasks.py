"""What every task does first: read the execution input into its model, or refuse it in a way the ASL can catch."""

from typing import Any

from pydantic import BaseModel, ValidationError

from sfbridge.exceptions import WorkflowInputInvalid
from sfbridge.models.validation import field_errors
from sfbridge.models.workflows import WorkflowInput


def read_input[M: BaseModel](model: type[M], state: Any) -> M:
    """The `input` of the execution as `model`. Raises `WorkflowInputInvalid` (the Lambda `errorType` the ASL
    catches) with one `$.input.<path>: <message>` line per problem, which becomes the caller's 422 detail."""
    try:
        return model.model_validate(WorkflowInput.model_validate(state).input)
    except ValidationError as exc:
        raise WorkflowInputInvalid(
            "; ".join(f"{path}: {message}" for path, message in field_errors(exc, "$.input"))
        ) from exc


def refuse_if(problems: list[str]) -> None:
    if problems:
        raise WorkflowInputInvalid("; ".join(problems))
