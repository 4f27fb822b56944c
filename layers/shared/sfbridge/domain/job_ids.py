"""Job ids: opaque to callers, but enough to find the execution again without a table.

Only executions this API started are jobs: `POST /jobs/{name}` writes the job id into the execution's input
(`jobId`, beside `requestId` and `input`), and `GET /jobs/{id}` shows an execution only when its input carries that
same id. An execution started any other way (the console, a schedule, another system with `states:StartExecution`)
has no such marker and is a 404, even though its name would fit into a job id. The marker costs no table and no
extra call: DescribeExecution returns the input with the status.

A job id is the unpadded base64url form of `<job name>/<execution name>`. Its alphabet (A-Z a-z 0-9 - _) needs no
percent-encoding, and it starts with a letter or digit because job names do, so it is one safe URL path segment.
"""

import base64
import binascii
import json
import re
from typing import Final, NamedTuple

from sfbridge.exceptions import JobNotFound

_JOB_NAME: Final = re.compile(r"[a-z0-9][a-z0-9.-]{0,47}")
_EXECUTION_NAME: Final = re.compile(r"[A-Za-z0-9_-]{1,80}")
_JOB_ID: Final = re.compile(r"[A-Za-z0-9_-]{4,172}")


class JobRef(NamedTuple):
    job_name: str
    execution_name: str


def encode_job_id(job_name: str, execution_name: str) -> str:
    if not _JOB_NAME.fullmatch(job_name) or not _EXECUTION_NAME.fullmatch(execution_name):
        raise ValueError(f"cannot make a job id from {job_name!r} and {execution_name!r}")
    return base64.urlsafe_b64encode(f"{job_name}/{execution_name}".encode()).decode().rstrip("=")


def decode_job_id(job_id: str) -> JobRef:
    """The job name and execution name inside `job_id`; `JobNotFound` for anything this API did not issue."""
    if not _JOB_ID.fullmatch(job_id):
        raise JobNotFound(f"{job_id[:64]!r} is not a job id")
    try:
        text = base64.urlsafe_b64decode(job_id + "=" * (-len(job_id) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise JobNotFound(f"{job_id[:64]!r} is not a job id") from None
    job_name, _, execution_name = text.partition("/")
    if not _JOB_NAME.fullmatch(job_name) or not _EXECUTION_NAME.fullmatch(execution_name):
        raise JobNotFound(f"{job_id[:64]!r} is not a job id")
    return JobRef(job_name, execution_name)


def started_as_job(execution_input: str | None, job_id: str) -> bool:
    """Whether an execution's input is the one `POST /jobs/{name}` wrote for `job_id`."""
    try:
        document = json.loads(execution_input or "")
    except ValueError:
        return False
    return isinstance(document, dict) and document.get("jobId") == job_id
