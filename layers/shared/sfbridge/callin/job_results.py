"""Job results back to Salesforce: each ended job execution becomes one `Sfbridge_Job_Result__e` Platform Event.

EventBridge delivers Step Functions' "Execution Status Change" events at least once, so the execution ARN is the
idempotency key: a second delivery of the same ending publishes nothing. Between Salesforce accepting the event
and the idempotency record being completed, a crash can still publish it twice; subscribers correlate by
`Job_Id__c` (or `Execution_Arn__c`), and writing the same result twice is harmless.
"""

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from sfbridge.adapters.idempotency import run_once
from sfbridge.adapters.salesforce import SalesforceClient
from sfbridge.callouts.catalog import catalog as default_catalog
from sfbridge.callouts.jobs import job_view
from sfbridge.callouts.registry import CalloutCatalog
from sfbridge.config import JobResultsSettings, SalesforceSettings
from sfbridge.domain.job_ids import encode_job_id
from sfbridge.domain.job_results import job_result_event, request_id_of
from sfbridge.models.callouts import JobView
from sfbridge.models.job_results import ExecutionStatusChange, ExecutionStatusEvent
from sfbridge.models.workflows import ExecutionOutcome
from sfbridge.observability import logger, metrics
from sfbridge.workers import process_sqs_batch


@cache
def salesforce_client(settings: SalesforceSettings) -> SalesforceClient:
    """One client per process, so its access token is reused across invocations."""
    return SalesforceClient(settings)


class JobResultPublisher:
    def __init__(
        self,
        settings: JobResultsSettings,
        salesforce: SalesforceClient,
        context: LambdaContext,
        catalog: CalloutCatalog,
    ) -> None:
        self._settings = settings
        self._salesforce = salesforce
        self._catalog = catalog
        self._job_names = {arn: name for name, arn in settings.jobs.items()}
        self._publish_once = run_once(
            self._publish,
            table_name=settings.idempotency_table,
            ttl_seconds=settings.idempotency_ttl_seconds,
            context=context,
            key_prefix="job-results",
            data_keyword_argument="key",
            on_repeat=_skipped,
            event_key_jmespath="executionArn",
        )

    def process_record(self, record: SQSRecord) -> None:
        change = ExecutionStatusEvent.model_validate_json(record.body).detail
        job_name = self._job_names.get(change.state_machine_arn)
        if job_name is None:
            # The rule only matches the jobs' state machines; anything else is not ours to report.
            logger.warning("status change of a state machine that runs no job", state_machine=change.state_machine_arn)
            return
        try:
            job_id = encode_job_id(job_name, change.name)
        except ValueError:
            # Started outside the callout API under a name no job id can carry: GET /jobs cannot read it either.
            logger.warning("execution has no job id; its result is not published", execution=change.execution_arn)
            return
        logger.set_correlation_id(request_id_of(change))
        self._publish_once(key={"executionArn": change.execution_arn}, change=change, job_name=job_name, job_id=job_id)

    def _publish(
        self, key: dict[str, str], change: ExecutionStatusChange, job_name: str, job_id: str
    ) -> dict[str, str]:
        view = self._job_view(change, job_name, job_id)
        event = job_result_event(change, job_name, view)
        fields = event.model_dump(by_alias=True, exclude_none=True)
        event_id = self._salesforce.publish_event(self._settings.event_name, fields)
        metrics.add_metric(name="JobResultsPublished", unit=MetricUnit.Count, value=1)
        if event.output_truncated:
            metrics.add_metric(name="JobResultsTruncated", unit=MetricUnit.Count, value=1)
        logger.info(
            "job result published",
            job=job_name,
            job_id=event.job_id,
            status=change.status,
            output_truncated=event.output_truncated,
            salesforce_event_id=event_id,
        )
        return {"salesforceEventId": event_id}

    def _job_view(self, change: ExecutionStatusChange, job_name: str, job_id: str) -> JobView:
        """What `GET /jobs/{id}` answers for this execution, from the event alone."""
        if change.status == "SUCCEEDED" and change.output_details is not None and not change.output_details.included:
            return JobView(id=job_id, status="SUCCEEDED")
        outcome = ExecutionOutcome(
            execution_arn=change.execution_arn,
            status=change.status,
            output=change.output,
            error=change.error,
            cause=change.cause,
        )
        return job_view(job_id, self._catalog.job_named(job_name), outcome, request_id_of(change) or "")


def _skipped(response: Any, idempotent_data: DataRecord) -> Any:
    metrics.add_metric(name="DuplicateJobResultsSkipped", unit=MetricUnit.Count, value=1)
    logger.info("job result already published; duplicate status event skipped")
    return response


def publish_job_results(
    event: dict[str, Any], context: LambdaContext, catalog: CalloutCatalog = default_catalog
) -> dict[str, Any]:
    """Process an SQS batch of status change events, reporting only the failed records."""
    salesforce = salesforce_client(SalesforceSettings.from_env())
    publisher = JobResultPublisher(JobResultsSettings.from_env(), salesforce, context, catalog)
    return process_sqs_batch(event, context, publisher.process_record, failure_metric="JobResultFailures")
