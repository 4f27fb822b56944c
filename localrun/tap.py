"""Keep the bus tap queue bounded: it holds the newest events, not every event of a long run.

The tap receives a copy of every event the workers publish and nobody has to read it, so over a long run (ten
thousand 10-notification messages put 100,000 events there) moto's server would keep every copy in memory, and the
process would grow, and slow down, with it. A background thread drops the oldest copies beyond `limit`.
"""

import logging
import threading
from typing import Any

log = logging.getLogger("localrun")
DEFAULT_LIMIT = 1_000
_BATCH = 10


def trim_queue(sqs: Any, queue_url: str, limit: int) -> int:
    """Delete the oldest messages beyond `limit` (moto hands out the oldest first); returns how many went."""
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])
    excess = int(attributes["Attributes"]["ApproximateNumberOfMessages"]) - limit
    dropped = 0
    while dropped < excess:
        wanted = min(_BATCH, excess - dropped)
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=wanted).get("Messages") or []
        if not messages:
            break
        entries = [{"Id": str(i), "ReceiptHandle": message["ReceiptHandle"]} for i, message in enumerate(messages)]
        sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)
        dropped += len(messages)
    return dropped


class TapTrimmer:
    """Trims the tap queue every `interval` seconds until `stop()`."""

    def __init__(self, sqs: Any, queue_url: str, *, limit: int = DEFAULT_LIMIT, interval: float = 2.0) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._limit = limit
        self._interval = interval
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tap-trimmer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stopping.wait(self._interval):
            try:
                trim_queue(self._sqs, self._queue_url, self._limit)
            except Exception:
                log.exception("trimming the bus tap queue failed; retrying")
