"""The operation's deadline counts from API Gateway's arrival time, so cold starts and slow writes shrink it."""

import pytest

from sfbridge.adapters.workflows import SYNC_CONNECT_TIMEOUT_SECONDS, sync_read_timeout
from sfbridge.callouts.time_budget import operation_deadline

NOW = 1_796_000_000.0


def test_deadline_counts_from_when_api_gateway_received_the_request():
    # A cold start took 4 s before the handler ran: the budget has 4 s less.
    deadline = operation_deadline(
        request_time_epoch_ms=int((NOW - 4) * 1000), budget_seconds=25, lambda_remaining_ms=29_000, now=NOW
    )

    assert deadline.remaining(now=NOW) == pytest.approx(21)


def test_deadline_never_passes_the_functions_own_timeout():
    deadline = operation_deadline(
        request_time_epoch_ms=int(NOW * 1000), budget_seconds=25, lambda_remaining_ms=10_000, now=NOW
    )

    assert deadline.remaining(now=NOW) == pytest.approx(9)


@pytest.mark.parametrize(
    "request_time", [int((NOW - 3600) * 1000), int((NOW + 60) * 1000), None, "1796000000000", True]
)
def test_arrival_time_that_cannot_be_api_gateways_counts_from_now(request_time):
    deadline = operation_deadline(
        request_time_epoch_ms=request_time, budget_seconds=25, lambda_remaining_ms=29_000, now=NOW
    )

    assert deadline.remaining(now=NOW) == pytest.approx(25)


def test_time_spent_after_the_deadline_was_set_is_no_longer_the_workflows():
    deadline = operation_deadline(
        request_time_epoch_ms=int(NOW * 1000), budget_seconds=25, lambda_remaining_ms=29_000, now=NOW
    )

    assert deadline.remaining(now=NOW + 7.5) == pytest.approx(17.5)


@pytest.mark.parametrize(("budget", "read_timeout"), [(25, 23), (3.9, 1), (17.5, 15)])
def test_read_timeout_leaves_room_for_the_connect_timeout(budget, read_timeout):
    assert sync_read_timeout(budget) == read_timeout
    assert sync_read_timeout(budget) + SYNC_CONNECT_TIMEOUT_SECONDS <= budget


@pytest.mark.parametrize("budget", [2.9, 0.5, 0, -4])
def test_budget_too_small_for_connect_and_one_second_of_reading_gives_no_read_timeout(budget):
    assert sync_read_timeout(budget) is None
