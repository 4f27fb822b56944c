"""`sfbridge.ping`: the event the Salesforce kit's verification script publishes to prove a callout works."""

import pytest
from pydantic import ValidationError

from sfbridge.callouts.catalog import catalog
from tests.support import ROOT


def test_verification_script_publishes_the_ping_event_type():
    script = (ROOT / "salesforce" / "scripts" / "apex" / "verify-callout.apex").read_text()

    assert "'sfbridge.ping'" in script
    assert "'sentAt'" in script


def test_ping_body_from_apex_validates():
    model = catalog.event_type("sfbridge.ping").model

    ping = model.model_validate({"sentAt": "2026-11-25T10:15:30.000Z", "sentBy": "integration@acme.example"})

    assert ping.model_dump(by_alias=True)["sentBy"] == "integration@acme.example"


def test_ping_without_its_timestamp_is_refused():
    with pytest.raises(ValidationError, match="sentAt"):
        catalog.event_type("sfbridge.ping").model.model_validate({"sentBy": "someone"})
