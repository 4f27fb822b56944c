"""`sfbridge status`: queues, dead-letter queues, alarms and the last hour's counts; exit 0 healthy, 1 degraded."""

from datetime import UTC, datetime

import boto3

from tests.operate.conftest import dead_letter, queued_account_message, queued_job_result, record_stack, run_sfbridge


def _row(output: str, first: str) -> list[str]:
    """The cells of the table row whose first cell is `first`."""
    rows = [[cell.strip() for cell in line.split("│")[1:-1]] for line in output.splitlines() if "│" in line]
    [row] = [cells for cells in rows if cells and cells[0] == first]
    return row


def test_an_idle_stack_is_healthy(sfbridge):
    result = sfbridge("status")

    assert result.exit_code == 0, result.output
    assert "outbound" in result.output
    assert "events" in result.output
    assert result.output.rstrip().endswith("healthy")


def test_a_message_in_a_dead_letter_queue_makes_it_degraded(stack, sfbridge):
    dead_letter(stack, "OutboundDeadLetterQueue", queued_account_message())

    result = sfbridge("status")

    assert result.exit_code == 1
    assert "degraded: outbound: 1 message(s) in the dead-letter queue" in result.output
    assert result.output.rstrip().endswith("degraded")


def test_job_results_queues_are_watched_where_job_results_are_published(job_results_stack):
    dead_letter(job_results_stack, "JobResultsDeadLetterQueue", queued_job_result())

    result = run_sfbridge("status")

    assert result.exit_code == 1
    assert "degraded: job-results: 1 message(s) in the dead-letter queue" in result.output


def test_an_idle_stack_without_job_results_lists_no_job_results_queue(sfbridge):
    result = sfbridge("status")

    assert "job-results" not in result.output


def test_queue_depth_and_in_flight_are_reported(stack, sfbridge):
    sqs = boto3.client("sqs")
    for _ in range(3):
        sqs.send_message(QueueUrl=stack.physical_id("CalloutEventsQueue"), MessageBody="{}")
    sqs.receive_message(QueueUrl=stack.physical_id("CalloutEventsQueue"), MaxNumberOfMessages=1)

    result = sfbridge("status")

    assert _row(result.output, "events")[:4] == ["events", "2", "1", "-"]


def test_an_alarm_of_the_stack_in_alarm_makes_it_degraded(sfbridge, monkeypatch):
    name = "sfbridge-local-OutboundDeadLetterAlarm-1A2B3C4D5E6F"
    cloudwatch = boto3.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/SQS",
        MetricName="ApproximateNumberOfMessagesVisible",
        Statistic="Maximum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
    )
    cloudwatch.set_alarm_state(AlarmName=name, StateValue="ALARM", StateReason="Threshold Crossed")
    # moto's CloudFormation does not create alarms, so ListStackResources cannot report this one: the lookup of
    # the stack's alarm resources answers with it, as a deployed stack's would.
    monkeypatch.setattr("operate.status.stack_alarm_names", lambda stack: [name])

    result = sfbridge("status")

    assert result.exit_code == 1
    assert f"alarm {name} is in ALARM" in result.output


def test_last_hour_counts_come_from_the_projects_metrics(sfbridge):
    boto3.client("cloudwatch").put_metric_data(
        Namespace="Sfbridge",
        MetricData=[
            {
                "MetricName": "NotificationsProcessed",
                "Dimensions": [{"Name": "service", "Value": "sfbridge"}],
                "Timestamp": datetime.now(UTC),
                "Value": 7,
                "Unit": "Count",
            }
        ],
    )

    result = sfbridge("status")

    assert _row(result.output, "applied") == ["applied", "7"]


def test_an_unknown_stack_is_an_error_naming_it(sfbridge):
    result = sfbridge("status", stack_name="no-such-stack")

    assert result.exit_code == 2
    assert "no-such-stack" in result.output


def test_the_stack_name_comes_from_samconfig_when_not_given(stack, tmp_path):
    from typer.testing import CliRunner

    from operate.cli import app

    samconfig = tmp_path / "samconfig.toml"
    samconfig.write_text('version = 0.1\n[prod.global.parameters]\nstack_name = "sfbridge-prod"\n')
    record_stack(stack, name="sfbridge-prod")

    result = CliRunner().invoke(app, ["--env", "prod", "--samconfig", str(samconfig), "status"])

    assert result.exit_code == 0, result.output
