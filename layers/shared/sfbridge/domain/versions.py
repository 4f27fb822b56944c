"""Record versions: Salesforce sends only the latest field values, and not always in order."""

from datetime import UTC, datetime


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
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
