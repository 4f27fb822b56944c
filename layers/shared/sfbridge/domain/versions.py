"""Record versions: Salesforce sends only the latest field values, and not always in order.

A version is a modification stamp of one named field. Stamps of different fields (`SystemModstamp` and
`LastModifiedDate`) are different clocks and are never compared with each other.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

VERSION_FIELDS: Final = ("SystemModstamp", "LastModifiedDate")
"""In order of preference: SystemModstamp also changes when the system (not a user) modifies the record."""
MAX_CLOCK_SKEW: Final = timedelta(minutes=5)
"""How far in the future a stamp may be and still count as a version (clocks of two systems never agree)."""


@dataclass(frozen=True, slots=True)
class RecordVersion:
    field: str
    """Which stamp the version comes from; part of the version record's key."""
    value: str
    """The stamp in one fixed-width UTC format, so that versions compare as strings."""


def normalize_version(stamp: str | None) -> str | None:
    """A sortable UTC form of `SystemModstamp`/`LastModifiedDate`, or None when absent or unreadable.

    Stored versions compare as strings, so every stamp is rewritten to one fixed-width format first.
    """
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return _sortable(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _sortable(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record_version(fields: Mapping[str, str | None]) -> RecordVersion | None:
    """The record's version: the first readable stamp of `VERSION_FIELDS`, or None when the message sends neither."""
    for name in VERSION_FIELDS:
        value = normalize_version(fields.get(name))
        if value is not None:
            return RecordVersion(name, value)
    return None


def is_in_the_future(version: RecordVersion, now: datetime) -> bool:
    """True for a stamp beyond the allowed clock skew: a broken or forged clock, never a real save."""
    return version.value > _sortable(now + MAX_CLOCK_SKEW)
