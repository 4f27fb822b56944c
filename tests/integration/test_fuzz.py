"""`make fuzz` in small: a fixed-seed run through the receiver's and the worker's real handlers on moto."""

import pytest

from fuzz.run import run


@pytest.mark.fuzz
def test_fixed_seed_fuzz_run_breaks_no_promise():
    report = run(60, seed=2026, max_notifications=3)

    assert report.problems == []
    assert report.acks > 0
    assert report.faults["Client"] > 0
    assert set(report.faults) == {"Client"}
