"""`POST /jobs/{name}` starts the job's STANDARD state machine; `GET /jobs/{id}` reports how it is doing."""

from collections.abc import Mapping

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel

from sfbridge.adapters.workflows import Workflows, execution_arn
from sfbridge.callouts.problems import problem_for
from sfbridge.callouts.registry import CalloutCatalog, Workflow
from sfbridge.callouts.workflow_io import checked_output, execution_input
from sfbridge.domain.executions import execution_output
from sfbridge.domain.job_ids import decode_job_id, encode_job_id, started_as_job
from sfbridge.exceptions import JobNotFound, UnknownJob, WorkflowEnded
from sfbridge.models.callouts import CalloutAnswer, JobView
from sfbridge.models.workflows import ExecutionOutcome
from sfbridge.observability import logger, metrics


def start_job(
    workflow: Workflow,
    payload: BaseModel,
    *,
    execution_name: str,
    state_machine_arn: str,
    request_id: str,
    workflows: Workflows,
) -> CalloutAnswer:
    """202 with the job id, and `Location: /jobs/<id>` relative to the API's base URL.

    `execution_name` comes from `sfbridge.domain.event_ids.job_execution_name`: an execution that already has it was
    started by an earlier attempt of this same request (a retry after a timeout or a 503), and is this job.
    """
    job_id = encode_job_id(workflow.name, execution_name)
    workflows.start(
        state_machine_arn,
        name=execution_name,
        input=execution_input(payload, request_id, job_id=job_id),
        already_started_is_success=True,
    )
    metrics.add_metric(name="JobsStarted", unit=MetricUnit.Count, value=1)
    logger.info("job started", job=workflow.name, job_id=job_id)
    view = JobView(id=job_id, status="RUNNING")
    return CalloutAnswer(status=202, body=view.model_dump(by_alias=True, exclude_none=True), location=f"/jobs/{job_id}")


def job_status(
    job_id: str, *, catalog: CalloutCatalog, deployed: Mapping[str, str], request_id: str, workflows: Workflows
) -> JobView:
    """The job's status; its output once it succeeded, or its error as a problem document once it failed."""
    metrics.add_metric(name="JobPolls", unit=MetricUnit.Count, value=1)
    job_name, execution_name = decode_job_id(job_id)
    try:
        workflow = catalog.job_named(job_name)
    except UnknownJob:
        raise JobNotFound(f"no job {job_id[:64]}") from None
    if job_name not in deployed:
        raise JobNotFound(f"no job {job_id[:64]}")
    outcome = workflows.describe(execution_arn(deployed[job_name], execution_name))
    if outcome is None or not started_as_job(outcome.input, job_id):
        # An execution started elsewhere (the console, a schedule, another system) is not this API's to show.
        raise JobNotFound(f"no job {job_id[:64]}")
    return job_view(job_id, workflow, outcome, request_id)


def job_view(job_id: str, workflow: Workflow, outcome: ExecutionOutcome, request_id: str) -> JobView:
    if outcome.status in ("RUNNING", "PENDING_REDRIVE"):
        return JobView(id=job_id, status="RUNNING")
    try:
        output = checked_output(workflow, execution_output(workflow.name, outcome))
    except WorkflowEnded as error:
        return JobView(id=job_id, status="FAILED", error=problem_for(error, request_id=request_id))
    return JobView(id=job_id, status="SUCCEEDED", output=output)
