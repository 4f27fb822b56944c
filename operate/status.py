"""`sfbridge status`: is the bridge healthy? Queues, dead-letter queues, alarms and the last hour's counts."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from operate.stack import Stack, queue_name

METRICS_NAMESPACE: Final = "Sfbridge"
SERVICE_DIMENSION: Final = {"Name": "service", "Value": "sfbridge"}
"""Powertools adds `service` (POWERTOOLS_SERVICE_NAME, `sfbridge` in the template) to every metric."""

COUNTED: Final = {
    "received": "MessagesReceived",
    "accepted": "NotificationsAccepted",
    "applied": "NotificationsProcessed",
    "duplicates": "DuplicatesSkipped",
    "stale": "StaleSkipped",
    "client faults": "ClientFaults",
    "server faults": "ServerFaults",
    "worker failures": "Failures",
    "events delivered": "EventsDelivered",
    "event failures": "EventFailures",
    "archive failures": "ArchiveFailures",
}
"""Label -> metric (namespace Sfbridge) counted over the last hour."""

_QUEUE_ATTRIBUTES: Final = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]


@dataclass(frozen=True)
class QueueHealth:
    name: str
    depth: int
    in_flight: int
    oldest_age_seconds: float | None
    """From CloudWatch (`ApproximateAgeOfOldestMessage`, the last 5 minutes); None where there is no datapoint."""
    dead_letter_depth: int


@dataclass
class Health:
    queues: list[QueueHealth]
    alarms: list[tuple[str, str]]
    counts: dict[str, float]
    max_age_seconds: float
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for queue in self.queues:
            if queue.dead_letter_depth:
                self.problems.append(f"{queue.name}: {queue.dead_letter_depth} message(s) in the dead-letter queue")
            if queue.oldest_age_seconds is not None and queue.oldest_age_seconds > self.max_age_seconds:
                self.problems.append(f"{queue.name}: oldest message is {queue.oldest_age_seconds:.0f} s old")
        self.problems.extend(f"alarm {name} is in ALARM" for name, state in self.alarms if state == "ALARM")

    @property
    def healthy(self) -> bool:
        return not self.problems


def gather(stack: Stack, *, max_age_seconds: float, now: datetime | None = None) -> Health:
    end = now or datetime.now(UTC)
    queues = [_queue_health(stack, queue, end) for queue in stack.queues()]
    return Health(queues, _alarm_states(stack), _last_hour_counts(stack, end), max_age_seconds)


def _queue_health(stack: Stack, queue: str, end: datetime) -> QueueHealth:
    url, dead_letter_url = stack.queue_urls(queue)
    sqs = stack.client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=_QUEUE_ATTRIBUTES)["Attributes"]
    dead = sqs.get_queue_attributes(QueueUrl=dead_letter_url, AttributeNames=_QUEUE_ATTRIBUTES)["Attributes"]
    return QueueHealth(
        name=queue,
        depth=int(attributes["ApproximateNumberOfMessages"]),
        in_flight=int(attributes["ApproximateNumberOfMessagesNotVisible"]),
        oldest_age_seconds=_oldest_age(stack, queue_name(url), end),
        dead_letter_depth=int(dead["ApproximateNumberOfMessages"]) + int(dead["ApproximateNumberOfMessagesNotVisible"]),
    )


def _oldest_age(stack: Stack, name: str, end: datetime) -> float | None:
    response = stack.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/SQS",
        MetricName="ApproximateAgeOfOldestMessage",
        Dimensions=[{"Name": "QueueName", "Value": name}],
        StartTime=end - timedelta(minutes=5),
        EndTime=end,
        Period=60,
        Statistics=["Maximum"],
    )
    points = sorted(response.get("Datapoints", []), key=lambda point: point["Timestamp"])
    return float(points[-1]["Maximum"]) if points else None


def stack_alarm_names(stack: Stack) -> list[str]:
    """The physical names of the stack's `AWS::CloudWatch::Alarm` resources."""
    return [
        summary["PhysicalResourceId"]
        for page in stack.client("cloudformation").get_paginator("list_stack_resources").paginate(StackName=stack.name)
        for summary in page["StackResourceSummaries"]
        if summary.get("ResourceType") == "AWS::CloudWatch::Alarm" and summary.get("PhysicalResourceId")
    ]


def _alarm_states(stack: Stack) -> list[tuple[str, str]]:
    """The stack's own alarms and their states."""
    names = stack_alarm_names(stack)
    states: list[tuple[str, str]] = []
    for start in range(0, len(names), 100):
        described = stack.client("cloudwatch").describe_alarms(AlarmNames=names[start : start + 100])
        states.extend((alarm["AlarmName"], alarm["StateValue"]) for alarm in described["MetricAlarms"])
    return sorted(states)


def _last_hour_counts(stack: Stack, end: datetime) -> dict[str, float]:
    queries: list[dict[str, Any]] = [
        {
            "Id": f"m{index}",
            "MetricStat": {
                "Metric": {"Namespace": METRICS_NAMESPACE, "MetricName": metric, "Dimensions": [SERVICE_DIMENSION]},
                "Period": 3600,
                "Stat": "Sum",
            },
        }
        for index, metric in enumerate(COUNTED.values())
    ]
    # Aligned to the minute (as CloudWatch stores them), including the minute under way.
    until = end.replace(second=0, microsecond=0) + timedelta(minutes=1)
    response = stack.client("cloudwatch").get_metric_data(
        MetricDataQueries=queries, StartTime=until - timedelta(hours=1), EndTime=until
    )
    sums = {result["Id"]: sum(result.get("Values", [])) for result in response["MetricDataResults"]}
    return {label: sums.get(f"m{index}", 0.0) for index, label in enumerate(COUNTED)}
