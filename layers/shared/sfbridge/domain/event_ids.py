"""Callout event ids and job execution names: a retry with the same Idempotency-Key names the same event or job.

`POST /events/{type}` can enqueue an event and still answer 503 (the idempotency table failed after SQS took the
message, or SQS timed out after it stored it). The caller then retries with the same key. Because the id is derived
from who called, the type and the key (a UUIDv5), the retry enqueues the same id again, and the event worker, whose
dedupe key is the event id, drops the second copy. Without a key there is nothing to derive from: each request is a
new event with a random id.
"""

import json
import uuid
from typing import Final

_EVENTS: Final = uuid.uuid5(uuid.NAMESPACE_URL, "https://sfbridge.dev/callout-events")
_JOBS: Final = uuid.uuid5(uuid.NAMESPACE_URL, "https://sfbridge.dev/jobs")


def callout_event_id(*, caller: str, event_type: str, idempotency_key: str | None) -> str:
    """The same (caller, type, key) always gives the same id; no key gives a random one."""
    return str(_derived(_EVENTS, caller, event_type, idempotency_key))


def job_execution_name(*, caller: str, job_name: str, idempotency_key: str | None) -> str:
    """The same (caller, job, key) always names the same execution (32 hex digits); no key gives a random one.

    Step Functions refuses a second STANDARD execution of that name, so a start retried after any failure (even one
    whose first attempt did start it) cannot run the job twice.
    """
    return _derived(_JOBS, caller, job_name, idempotency_key).hex


def _derived(namespace: uuid.UUID, caller: str, name: str, idempotency_key: str | None) -> uuid.UUID:
    if idempotency_key is None:
        return uuid.uuid4()
    # JSON keeps the three parts apart whatever characters they hold.
    return uuid.uuid5(namespace, json.dumps([caller, name, idempotency_key]))
