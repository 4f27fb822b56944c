"""One retention horizon: every retention in template.yaml derives from `RetentionHorizonDays`, for every value."""

from typing import Any

import pytest
from cfnlint.decode import decode

from sfbridge.domain.retention import DAY_SECONDS, SALESFORCE_RETRY_WINDOW_SECONDS, SQS_MAX_RETENTION_DAYS, Retention
from tests.support import TEMPLATE

TEMPLATE_DATA, _ = decode(str(TEMPLATE))
RESOURCES: dict[str, Any] = TEMPLATE_DATA["Resources"]
PARAMETER = TEMPLATE_DATA["Parameters"]["RetentionHorizonDays"]
ROWS: dict[str, dict[str, int]] = TEMPLATE_DATA["Mappings"]["RetentionHorizon"]
HORIZONS = range(int(PARAMETER["MinValue"]), int(PARAMETER["MaxValue"]) + 1)
LOOKUP = {"Fn::FindInMap": ["RetentionHorizon", {"Ref": "RetentionHorizonDays"}]}


def _derived(value: Any) -> str:
    """The mapping column a property takes, failing when the property is a literal instead of derived."""
    assert isinstance(value, dict), f"{value!r} is a literal, not derived from RetentionHorizonDays"
    assert value["Fn::FindInMap"][:2] == LOOKUP["Fn::FindInMap"]
    return str(value["Fn::FindInMap"][2])


def _variables(function: str) -> dict[str, Any]:
    return RESOURCES[function]["Properties"]["Environment"]["Variables"]  # type: ignore[no-any-return]


def test_every_horizon_the_parameter_allows_has_a_row_and_fits_in_sqs():
    assert sorted(ROWS, key=int) == [str(days) for days in HORIZONS]
    assert PARAMETER["MaxValue"] <= SQS_MAX_RETENTION_DAYS


@pytest.mark.parametrize("days", HORIZONS)
def test_each_row_is_the_retention_the_worker_derives_from_the_horizon(days):
    row, retention = ROWS[str(days)], Retention(days)

    assert row["QueueSeconds"] == retention.message_age_limit_seconds
    assert row["DedupeSeconds"] == retention.dedupe_ttl_seconds
    assert row["ClaimCheckDays"] == retention.claim_check_days


@pytest.mark.parametrize("days", HORIZONS)
def test_no_redrive_can_outrun_dedupe_or_version_records(days):
    """The worker applies nothing accepted more than the horizon ago; every copy of a notification (or an older
    version) arrives within Salesforce's retry window of the first: records must outlive both."""
    row = ROWS[str(days)]

    assert row["DedupeSeconds"] > row["QueueSeconds"] + SALESFORCE_RETRY_WINDOW_SECONDS
    assert row["ClaimCheckDays"] * DAY_SECONDS > row["QueueSeconds"]
    assert row["QueueSeconds"] <= SQS_MAX_RETENTION_DAYS * DAY_SECONDS


@pytest.mark.parametrize(
    "queue", ["OutboundQueue", "OutboundDeadLetterQueue", "CalloutEventsQueue", "CalloutEventsDeadLetterQueue"]
)
def test_queues_and_dead_letter_queues_keep_messages_for_the_horizon(queue):
    assert _derived(RESOURCES[queue]["Properties"]["MessageRetentionPeriod"]) == "QueueSeconds"


def test_claim_checks_and_oversized_event_details_expire_a_day_after_the_horizon():
    rules = RESOURCES["ClaimCheckBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]

    assert {rule["Prefix"]: _derived(rule["ExpirationInDays"]) for rule in rules} == {
        "outbound-messages/": "ClaimCheckDays",
        "oversized-events/": "ClaimCheckDays",
    }


@pytest.mark.parametrize("function", ["CalloutApiFunction", "CalloutEventWorkerFunction"])
def test_callout_dedupe_records_derive_from_the_horizon(function):
    assert _derived(_variables(function)["IDEMPOTENCY_TTL_SECONDS"]) == "DedupeSeconds"


def test_outbound_worker_takes_the_horizon_itself():
    assert _variables("OutboundWorkerFunction")["RETENTION_HORIZON_DAYS"] == {"Ref": "RetentionHorizonDays"}


@pytest.mark.parametrize(
    ("table", "attribute"), [("IdempotencyTable", "expiration"), ("RecordVersionTable", "expires_at")]
)
def test_dedupe_and_version_tables_expire_records_by_ttl(table, attribute):
    ttl = RESOURCES[table]["Properties"]["TimeToLiveSpecification"]

    assert ttl == {"AttributeName": attribute, "Enabled": True}
