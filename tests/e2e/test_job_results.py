"""A job started over HTTP ends with its result event at the stand-in Salesforce that `make run` starts."""

import json
import re
import ssl
import time
import urllib.request
from typing import Any

import pytest

from tests.e2e.conftest import LocalRun
from tests.support_callouts import START_ONBOARDING, body_of

pytestmark = pytest.mark.e2e


def _stand_in(local_run: LocalRun) -> tuple[str, ssl.SSLContext]:
    text = "".join(local_run.output)
    match = re.search(r"what it received:\s+curl -sS --cacert (\S+) (\S+)/_standin/received", text)
    assert match, "the stand-in Salesforce is not in the startup output:\n" + text
    return match.group(2), ssl.create_default_context(cafile=match.group(1))


def _received(url: str, context: ssl.SSLContext) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{url}/_standin/received", timeout=10, context=context) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def test_started_job_ends_with_its_result_event_at_the_stand_in_salesforce(local_run: LocalRun) -> None:
    url, context = _stand_in(local_run)
    started = local_run.request(
        "POST",
        "/jobs/account-onboarding",
        json.dumps(body_of(START_ONBOARDING)).encode(),
        {"Content-Type": "application/json"},
    )
    job_id = json.loads(started.body)["id"]

    deadline = time.monotonic() + 20
    while not (events := [r["body"] for r in _received(url, context) if r["body"].get("Job_Id__c") == job_id]):
        assert time.monotonic() < deadline, "no result event for the job"
        time.sleep(0.1)

    polled = json.loads(local_run.request("GET", f"/jobs/{job_id}").body)
    assert started.status == 202
    assert [e["Status__c"] for e in events] == ["SUCCEEDED"]
    assert json.loads(events[0]["Output__c"]) == polled["output"]
