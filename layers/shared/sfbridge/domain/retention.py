"""One retention horizon, and every retention derived from it, so that a redrive can never outrun dedupe records.

Why the derivation holds (the proof the infrastructure tests check against template.yaml):

- The worker applies a queued message only while it is younger than the horizon `H`, measured from when the
  receiver accepted it (`received_at` in the message body). SQS's own clocks cannot give that bound: a dead-letter
  redrive (StartMessageMoveTask) enqueues each message as a new one, with a new id and a fresh retention period,
  so an operator could keep a message alive forever by redriving it.
- Salesforce delivers every copy of one notification within 24 hours of its first attempt, and sends a newer
  version of a record only after the older one was saved. So every copy of a notification (or of an older
  version) that the worker may still apply was received at most 24 hours after the first application of that
  notification (or of the newer version), and is applied at most `H` later.
- Dedupe records and version records are therefore kept `H` + 24 h + a day's margin after they are written.
- Claim checks must exist for as long as their message may be applied: `H` + 1 day (S3 expires objects at the
  first midnight UTC after their age is reached, never before).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

DAY_SECONDS: Final = 86_400
SALESFORCE_RETRY_WINDOW_SECONDS: Final = DAY_SECONDS
"""Salesforce retries an unacknowledged Outbound Message for 24 hours, then drops it."""
MARGIN_SECONDS: Final = DAY_SECONDS
SQS_MAX_RETENTION_DAYS: Final = 14
"""The longest retention an SQS queue allows (1,209,600 s); the horizon cannot exceed what a queue can keep."""


@dataclass(frozen=True, slots=True)
class Retention:
    """The retentions that follow from a horizon of `horizon_days` days."""

    horizon_days: int

    def __post_init__(self) -> None:
        if not 1 <= self.horizon_days <= SQS_MAX_RETENTION_DAYS:
            raise ValueError(f"the retention horizon must be 1 to {SQS_MAX_RETENTION_DAYS} days")

    @property
    def message_age_limit_seconds(self) -> int:
        """The oldest accepted message the worker still applies; also the queues' and DLQs' retention."""
        return self.horizon_days * DAY_SECONDS

    @property
    def dedupe_ttl_seconds(self) -> int:
        """How long idempotency and record-version records are kept after they are written."""
        return self.message_age_limit_seconds + SALESFORCE_RETRY_WINDOW_SECONDS + MARGIN_SECONDS

    @property
    def claim_check_days(self) -> int:
        return self.horizon_days + 1

    def is_too_old(self, received_at: datetime, now: datetime) -> bool:
        return now - received_at > timedelta(seconds=self.message_age_limit_seconds)
