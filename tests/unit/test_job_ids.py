"""Job ids: opaque, one safe URL path segment, and nothing but ids this API issued are accepted."""

import re

import pytest

from sfbridge.domain.job_ids import decode_job_id, encode_job_id
from sfbridge.exceptions import JobNotFound

# The Apex client's check on every name and id it puts in a URL path (SfbridgeClient.PATH_SEGMENT).
APEX_PATH_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


def test_job_id_round_trips_to_the_job_and_execution_names():
    job_id = encode_job_id("account-onboarding", "3f9c2b1e7a4d4c5b8e6f0a1b2c3d4e5f")

    assert decode_job_id(job_id) == ("account-onboarding", "3f9c2b1e7a4d4c5b8e6f0a1b2c3d4e5f")


def test_longest_job_id_is_a_path_segment_the_apex_client_accepts():
    job_id = encode_job_id("j" * 48, "e" * 32)

    assert APEX_PATH_SEGMENT.fullmatch(job_id)
    assert "=" not in job_id


@pytest.mark.parametrize(
    "job_id",
    [
        "not-base64!",
        "YWNjb3VudC1vbmJvYXJkaW5n",  # "account-onboarding": no execution name
        "Li4vLi4vZXRjL3Bhc3N3ZA",  # "../../etc/passwd"
        "QUNDT1VOVC8xMjM",  # "ACCOUNT/123": not a job name
        "",
    ],
)
def test_anything_this_api_did_not_issue_is_not_found(job_id):
    with pytest.raises(JobNotFound):
        decode_job_id(job_id)
