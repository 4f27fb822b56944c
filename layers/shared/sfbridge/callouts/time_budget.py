"""How long `POST /operations/{name}` may wait for its workflow: API Gateway's 29 s wall, counted from arrival.

API Gateway REST stops waiting for the function 29 s after it received the request and answers its own 504, with no
problem document and no `X-Request-Id`. Everything before the workflow starts counts against that wall: a cold
start (the function's init), reading the request, and the idempotency write. So the deadline is fixed from when API
Gateway received the request (`requestContext.requestTimeEpoch`), and the workflow gets only what is left of it when
it starts (`Deadline.remaining()`, read after the idempotency write).
"""

import time
from dataclasses import dataclass
from typing import Any, Final

API_GATEWAY_WALL_SECONDS: Final = 29.0
"""API Gateway REST's maximum integration timeout."""

_LAMBDA_MARGIN_SECONDS: Final = 1.0
"""Kept back from the function's own remaining time, so that a spent budget is still answered with a 504."""


@dataclass(frozen=True, slots=True)
class Deadline:
    ends_at: float
    """Epoch seconds by which the answer must be on its way."""

    def remaining(self, now: float | None = None) -> float:
        return self.ends_at - (time.time() if now is None else now)


def operation_deadline(
    *, request_time_epoch_ms: Any, budget_seconds: float, lambda_remaining_ms: int, now: float | None = None
) -> Deadline:
    """`budget_seconds` after API Gateway received the request, and never past the function's own timeout."""
    now = time.time() if now is None else now
    received = _received_at(request_time_epoch_ms, now)
    return Deadline(min(received + budget_seconds, now + lambda_remaining_ms / 1000 - _LAMBDA_MARGIN_SECONDS))


def _received_at(request_time_epoch_ms: Any, now: float) -> float:
    # A time outside the wall cannot be API Gateway's (a sample event replayed by `sam local invoke`, a test):
    # count from now, as the function's own timeout does.
    if isinstance(request_time_epoch_ms, int | float) and not isinstance(request_time_epoch_ms, bool):
        received = request_time_epoch_ms / 1000
        if now - API_GATEWAY_WALL_SECONDS <= received <= now:
            return float(received)
    return now
