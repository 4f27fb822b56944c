"""Event entries measured as EventBridge measures them, and the overflow shape of those that do not fit."""

import json

import pytest

from sfbridge.adapters.event_bus import (
    ENTRY_QUOTA_BYTES,
    EventTooLarge,
    entry_size,
    overflow_detail,
    serialize_detail,
)

REFERENCE = {"bucket": "claims", "key": "oversized-events/00D/04l.json", "bytes": 1}


def test_detail_is_compact_utf8_not_ascii_escapes():
    assert serialize_detail({"Name": "株式会社", "n": 1}) == '{"Name":"株式会社","n":1}'


def test_entry_size_counts_utf8_bytes_of_source_detail_type_detail_and_resources():
    size = entry_size(source="src", detail_type="Ä", detail='{"a":"顧"}', resources=["arn:x"])

    assert size == 3 + 2 + len('{"a":"顧"}'.encode()) + 5


def test_overflow_keeps_top_level_keys_and_the_fields_that_fit_leaving_out_the_largest():
    detail = {"notificationId": "04l", "fields": {"Id": "001", "Big": "x" * 5000, "Small": "y" * 10}}

    text = overflow_detail(detail, REFERENCE, room=1000)

    slim = json.loads(text)
    assert len(text.encode()) <= 1000
    assert slim["notificationId"] == "04l"
    assert slim["fields"] == {"Id": "001", "Small": "y" * 10}
    assert slim["detailOverflow"] == {**REFERENCE, "omitted": ["fields.Big"]}


def test_overflow_refuses_a_detail_whose_top_level_alone_is_over_the_room():
    with pytest.raises(EventTooLarge):
        overflow_detail({"requestId": "r" * 2000, "fields": {}}, REFERENCE, room=1000)


def test_quota_is_256_kb():
    assert ENTRY_QUOTA_BYTES == 262_144
