"""Which stamp is a record's version, and when a stamp is too far in the future to be one."""

from datetime import UTC, datetime, timedelta

import pytest

from sfbridge.domain.retention import Retention
from sfbridge.domain.versions import RecordVersion, is_in_the_future, record_version

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def test_version_names_its_field_and_prefers_system_modstamp():
    fields = {"SystemModstamp": "2026-11-23T10:00:00.000Z", "LastModifiedDate": "2026-11-23T11:00:00.000Z"}

    assert record_version(fields) == RecordVersion("SystemModstamp", "2026-11-23T10:00:00.000000Z")


def test_last_modified_date_is_the_version_when_system_modstamp_is_absent_or_unreadable():
    fields = {"SystemModstamp": "yesterday", "LastModifiedDate": "2026-11-23T11:00:00+01:00"}

    assert record_version(fields) == RecordVersion("LastModifiedDate", "2026-11-23T10:00:00.000000Z")


def test_no_stamp_means_no_version():
    assert record_version({"Id": "0015g0000000500AAA"}) is None


@pytest.mark.parametrize(("ahead", "future"), [(timedelta(minutes=4), False), (timedelta(minutes=6), True)])
def test_stamps_beyond_five_minutes_of_clock_skew_are_in_the_future(ahead, future):
    version = record_version({"SystemModstamp": (NOW + ahead).isoformat()})

    assert version is not None
    assert is_in_the_future(version, NOW) is future


def test_a_message_older_than_the_horizon_is_too_old():
    retention = Retention(7)

    assert not retention.is_too_old(NOW - timedelta(days=7), NOW)
    assert retention.is_too_old(NOW - timedelta(days=7, seconds=1), NOW)


@pytest.mark.parametrize("days", [0, 15])
def test_horizon_outside_what_sqs_can_keep_is_refused(days):
    with pytest.raises(ValueError, match="1 to 14 days"):
        Retention(days)
