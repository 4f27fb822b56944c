"""`POST /operations/{name}`: run the operation's EXPRESS state machine synchronously and answer its output."""

import re
import uuid

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel

from sfbridge.adapters.workflows import Workflows
from sfbridge.callouts.registry import Workflow
from sfbridge.callouts.workflow_io import checked_output, execution_input
from sfbridge.domain.executions import execution_output
from sfbridge.models.callouts import CalloutAnswer
from sfbridge.observability import logger, metrics


def run_operation(
    workflow: Workflow,
    payload: BaseModel,
    *,
    state_machine_arn: str,
    request_id: str,
    workflows: Workflows,
    budget_seconds: float,
) -> CalloutAnswer:
    """200 with the output; a failed, timed-out or too-slow execution is raised as the error it stands for."""
    outcome = workflows.run_sync(
        state_machine_arn,
        name=execution_name(request_id),
        input=execution_input(payload, request_id),
        budget_seconds=budget_seconds,
    )
    logger.info("operation ended", operation=workflow.name, status=outcome.status, workflow_error=outcome.error)
    metrics.add_metric(name=f"Operations{outcome.status.title().replace('_', '')}", unit=MetricUnit.Count, value=1)
    return CalloutAnswer(status=200, body=checked_output(workflow, execution_output(workflow.name, outcome)))


def execution_name(request_id: str) -> str:
    """The request id, made a valid execution name (letters, digits, - and _), made unique by a suffix."""
    readable = re.sub(r"[^A-Za-z0-9_-]", "-", request_id)[:64]
    return f"{readable}-{uuid.uuid4().hex[:12]}"
