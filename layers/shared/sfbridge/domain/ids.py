"""Salesforce record IDs: 15-character (case-sensitive) and 18-character (case-safe) forms."""

import re

from sfbridge.exceptions import InvalidSalesforceId

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_ID_PATTERN = re.compile(r"[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?")


_UPPER_AS_ONE = bytes(ord("1") if ord("A") <= code <= ord("Z") else ord("0") for code in range(256))


def checksum(id15: str) -> str:
    """The three characters Salesforce appends: each block of five gives a bitmask of its upper-case letters."""
    bits = id15.encode().translate(_UPPER_AS_ONE)  # b"1" where a character is A-Z; the first is the lowest bit
    return _ALPHABET[int(bits[4::-1], 2)] + _ALPHABET[int(bits[9:4:-1], 2)] + _ALPHABET[int(bits[14:9:-1], 2)]


def to_18(salesforce_id: str) -> str:
    """Return the canonical 18-character form of a 15- or 18-character ID, or raise `InvalidSalesforceId`."""
    value = salesforce_id.strip()
    if not _ID_PATTERN.fullmatch(value):
        raise InvalidSalesforceId(f"{value[:40]!r} is not a 15- or 18-character Salesforce ID")
    id15 = value[:15]
    expected = checksum(id15)
    if len(value) == 18 and value[15:].upper() != expected:
        raise InvalidSalesforceId(f"{value!r} has checksum {value[15:]!r}; expected {expected!r}")
    return id15 + expected


def key_prefix(salesforce_id: str) -> str:
    """The first three characters, which name the object type (`00D` organization, `001` Account ...)."""
    return salesforce_id[:3]
