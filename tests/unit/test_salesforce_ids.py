"""Salesforce IDs, the organization allowlist and the endpoint token."""

import pytest

from sfbridge.domain.ids import to_18
from sfbridge.domain.sender import OrganizationAllowlist, check_endpoint_token
from sfbridge.exceptions import ConfigurationError, InvalidSalesforceId, SenderRejected
from tests.support import SAMPLE_ORGANIZATION_ID, SAMPLE_ORGANIZATION_ID_15


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("00DKb00000AbCdE", "00DKb00000AbCdEMAV"),
        ("0015g0000000500", "0015g0000000500AAA"),
        ("001A0000006Vm9r", "001A0000006Vm9rIAC"),
        ("00DKb00000AbCdEMAV", "00DKb00000AbCdEMAV"),
        ("00DKb00000AbCdEmav", "00DKb00000AbCdEMAV"),
    ],
)
def test_ids_are_normalized_to_18_characters(given, expected):
    assert to_18(given) == expected


@pytest.mark.parametrize("bad", ["", "00D", "00DKb00000AbCdEMA", "00DKb00000AbCd-", "00DKb00000AbCdEMAV0"])
def test_wrong_length_or_characters_are_not_ids(bad):
    with pytest.raises(InvalidSalesforceId):
        to_18(bad)


def test_18_character_id_with_wrong_checksum_is_refused():
    with pytest.raises(InvalidSalesforceId, match="expected 'MAV'"):
        to_18("00DKb00000AbCdEAAA")


@pytest.mark.parametrize("configured", [SAMPLE_ORGANIZATION_ID_15, SAMPLE_ORGANIZATION_ID])
@pytest.mark.parametrize("presented", [SAMPLE_ORGANIZATION_ID_15, SAMPLE_ORGANIZATION_ID])
def test_allowlist_accepts_either_form_on_either_side(configured, presented):
    allowlist = OrganizationAllowlist.from_csv(f"00D000000000001, {configured}")

    assert allowlist.check(presented) == SAMPLE_ORGANIZATION_ID


def test_allowlist_is_case_sensitive_in_the_15_character_part():
    allowlist = OrganizationAllowlist.from_csv(SAMPLE_ORGANIZATION_ID_15)

    with pytest.raises(SenderRejected, match="not in AllowedOrganizationIds"):
        allowlist.check("00DKB00000ABCDE")


def test_unknown_organization_is_rejected():
    allowlist = OrganizationAllowlist.from_csv(SAMPLE_ORGANIZATION_ID_15)

    with pytest.raises(SenderRejected, match="00D5g0000000001EAA is not in AllowedOrganizationIds"):
        allowlist.check("00D5g0000000001")


def test_id_of_another_object_is_not_an_organization():
    allowlist = OrganizationAllowlist.from_csv(SAMPLE_ORGANIZATION_ID_15)

    with pytest.raises(SenderRejected, match="prefix 00D"):
        allowlist.check("0015g0000000500AAA")


def test_empty_allowlist_rejects_everyone():
    with pytest.raises(SenderRejected):
        OrganizationAllowlist.from_csv("").check(SAMPLE_ORGANIZATION_ID)


def test_invalid_configured_id_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="AllowedOrganizationIds"):
        OrganizationAllowlist.from_csv("00DKb00000AbCdE,not-an-id")


TOKEN = "s3cret-s3cret-s3cret-s3cret"
PREVIOUS = "old-s3cret-old-s3cret-old-s3cret"


def test_no_accepted_token_refuses_everyone():
    # Fail closed: an empty or missing secret never turns the check off (only the settings' opt-out skips it).
    for presented in (None, "", "anything"):
        with pytest.raises(SenderRejected, match="endpoint token"):
            check_endpoint_token((), presented)


def test_empty_accepted_token_matches_nothing():
    with pytest.raises(SenderRejected):
        check_endpoint_token(("",), "")


@pytest.mark.parametrize("presented", [None, "", "wrong-token-wrong-token-wrong", TOKEN[:-1], TOKEN + "x"])
def test_missing_or_wrong_token_is_rejected(presented):
    with pytest.raises(SenderRejected, match="endpoint token"):
        check_endpoint_token((TOKEN, PREVIOUS), presented)


def test_matching_token_passes():
    check_endpoint_token((TOKEN,), TOKEN)


def test_both_tokens_pass_during_a_rotation():
    check_endpoint_token((TOKEN, PREVIOUS), TOKEN)
    check_endpoint_token((TOKEN, PREVIOUS), PREVIOUS)
