"""The key of a record's version record in `RecordVersionTable` (written by `sfbridge.adapters.notification_ledger`).

One version record per (organization, Outbound Message action, record, version field): two actions on the same
object (say, one sending SystemModstamp and one LastModifiedDate, or two actions fired by one save) never make
each other's notifications stale, and stamps of different fields are never compared.
"""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class VersionKey:
    organization_id: str
    action_id: str
    record_id: str
    field: str

    @property
    def pk(self) -> str:
        return f"{self.organization_id}#{self.action_id}#{self.record_id}#{self.field}"
