"""The Salesforce REST adapter against the stand-in Salesforce on loopback (HTTPS, JWT bearer flow)."""

import time

import jwt
import pytest
import requests

from localrun.salesforce import KeyPair, StandInSalesforce
from sfbridge.adapters.salesforce import RecordWrite, SalesforceClient, TokenSource
from sfbridge.exceptions import (
    ConfigurationError,
    SalesforceAuthenticationFailed,
    SalesforceRejected,
    SalesforceUnavailable,
)
from tests.support_salesforce import CONSUMER_KEY, EVENT, USERNAME, app_keys, salesforce_settings

FIELDS = {"Job_Id__c": "YWNjb3VudC1vbmJvYXJkaW5nL2FiYw", "Job_Name__c": "account-onboarding", "Status__c": "SUCCEEDED"}
ACCOUNT_ID = "0015g0000000777AAA"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_client(
    server: StandInSalesforce,
    sleeps: list[float] | None = None,
    clock: Clock | None = None,
    key: str | None = None,
    **env: str,
) -> SalesforceClient:
    return SalesforceClient(
        salesforce_settings(server, **env),
        private_key=lambda: key or app_keys().private_key,
        sleep=(sleeps if sleeps is not None else []).append,
        clock=clock or Clock(),
    )


# ---------------------------------------------------------------------- tokens


def test_publishes_a_platform_event_with_a_token_from_the_jwt_bearer_flow(standin):
    event_id = make_client(standin).publish_event(EVENT, FIELDS)

    assert event_id.startswith("e00")
    assert standin.events(EVENT) == [FIELDS]
    assert len(standin.issued_tokens) == 1


def test_token_is_reused_until_its_session_time_passes(standin):
    clock = Clock()
    client = make_client(standin, clock=clock, SALESFORCE_SESSION_SECONDS="900")

    client.publish_event(EVENT, FIELDS)
    clock.now += 899
    client.publish_event(EVENT, FIELDS)
    assert len(standin.issued_tokens) == 1

    clock.now += 1
    client.publish_event(EVENT, FIELDS)
    assert len(standin.issued_tokens) == 2


def test_expired_session_is_refreshed_once_and_the_call_goes_through(standin):
    client = make_client(standin)
    client.publish_event(EVENT, FIELDS)
    standin.expire_sessions()

    client.publish_event(EVENT, FIELDS)

    assert len(standin.issued_tokens) == 2
    assert len(standin.events(EVENT)) == 2


def test_fresh_token_refused_again_is_an_authentication_failure_not_a_loop(standin):
    standin.fail(401, "INVALID_SESSION_ID", "Session expired or invalid", times=None)

    with pytest.raises(SalesforceAuthenticationFailed, match="401 INVALID_SESSION_ID"):
        make_client(standin).publish_event(EVENT, FIELDS)

    assert len(standin.issued_tokens) == 2


@pytest.mark.parametrize(
    ("env", "key", "expected"),
    [
        ({"SALESFORCE_CONSUMER_KEY": "3MVG9someOtherApp"}, None, "invalid_client_id: client identifier invalid"),
        ({"SALESFORCE_USERNAME": "someone.else@example.com"}, None, "user hasn't approved this consumer"),
        ({}, "other-key", "invalid_grant: invalid assertion"),
    ],
    ids=["wrong consumer key", "user not pre-authorized", "key of another certificate"],
)
def test_refused_assertion_is_an_authentication_failure_and_nothing_is_sent(standin, env, key, expected):
    private_key = KeyPair.generate("another-app").private_key if key else None
    client = make_client(standin, key=private_key, **env)

    with pytest.raises(SalesforceAuthenticationFailed, match=expected):
        client.publish_event(EVENT, FIELDS)

    assert standin.received == []


def test_key_refused_by_the_token_endpoint_is_read_again_so_a_rotated_key_takes_effect(standin):
    stale, current = KeyPair.generate("previous-certificate").private_key, app_keys().private_key
    reads: list[str] = []
    secret = [stale]
    client = SalesforceClient(
        salesforce_settings(standin), private_key=lambda: reads.append("read") or secret[0], sleep=lambda _: None
    )
    with pytest.raises(SalesforceAuthenticationFailed, match="invalid assertion"):
        client.publish_event(EVENT, FIELDS)

    secret[0] = current  # the secret was rotated along with the connected app's certificate
    client.publish_event(EVENT, FIELDS)
    client.publish_event(EVENT, FIELDS)

    assert reads == ["read", "read"]
    assert len(standin.events(EVENT)) == 2


def test_assertion_claims_are_consumer_key_username_audience_and_a_short_expiry(standin):
    settings = salesforce_settings(standin, SALESFORCE_LOGIN_HOST="test.salesforce.com")
    tokens = TokenSource(settings, requests.Session(), lambda: app_keys().private_key)

    claims = jwt.decode(tokens._assertion(), options={"verify_signature": False})

    assert claims["iss"] == CONSUMER_KEY
    assert claims["sub"] == USERNAME
    assert claims["aud"] == "https://test.salesforce.com"
    assert time.time() < claims["exp"] <= time.time() + 180


@pytest.mark.parametrize(
    ("login_host", "audience"),
    [
        ("login.salesforce.com", "https://login.salesforce.com"),
        ("test.salesforce.com", "https://test.salesforce.com"),
        ("alpenglow.my.salesforce.com", "https://login.salesforce.com"),
        ("alpenglow--uat.sandbox.my.salesforce.com", "https://test.salesforce.com"),
        ("127.0.0.1:8443", "https://127.0.0.1:8443"),
    ],
)
def test_audience_is_the_login_or_test_url_even_for_a_my_domain_host(standin, login_host, audience):
    settings = salesforce_settings(standin, SALESFORCE_LOGIN_HOST=login_host)

    assert settings.audience == audience
    assert settings.login_url == f"https://{login_host}"


def test_token_endpoint_outage_is_retried(standin):
    sleeps: list[float] = []
    standin.fail_token(503, "server_error", "unavailable", times=1)

    make_client(standin, sleeps).publish_event(EVENT, FIELDS)

    assert len(sleeps) == 1
    assert len(standin.issued_tokens) == 1


def test_private_key_that_is_not_a_key_is_a_configuration_error(standin):
    with pytest.raises(ConfigurationError, match="not an RSA private key"):
        make_client(
            standin, key="-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"
        ).publish_event(EVENT, FIELDS)
    assert standin.received == []


# ---------------------------------------------------------------------- retries

RETRIED = [
    (503, "SERVER_UNAVAILABLE"),
    (500, "UNKNOWN_EXCEPTION"),
    (403, "REQUEST_LIMIT_EXCEEDED"),
    (400, "UNABLE_TO_LOCK_ROW"),
]


@pytest.mark.parametrize(("status", "code"), RETRIED)
def test_transient_failures_are_retried_with_jittered_backoff(standin, status, code):
    sleeps: list[float] = []
    standin.fail(status, code, times=2)

    make_client(standin, sleeps).publish_event(EVENT, FIELDS)

    assert len(standin.events(EVENT)) == 3
    # Full jitter under a doubling ceiling: base 0.2 s, then 0.4 s.
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= 0.2
    assert 0 <= sleeps[1] <= 0.4


@pytest.mark.parametrize(("status", "code"), RETRIED)
def test_transient_failures_end_as_unavailable_when_attempts_run_out(standin, status, code):
    sleeps: list[float] = []
    standin.fail(status, code, times=None)

    with pytest.raises(SalesforceUnavailable, match="4 attempts"):
        make_client(standin, sleeps, SALESFORCE_MAX_ATTEMPTS="4").publish_event(EVENT, FIELDS)

    assert len(standin.events(EVENT)) == 4
    assert len(sleeps) == 3


def test_backoff_never_waits_longer_than_its_cap(standin):
    sleeps: list[float] = []
    standin.fail(503, "SERVER_UNAVAILABLE", times=None)

    with pytest.raises(SalesforceUnavailable):
        make_client(standin, sleeps, SALESFORCE_MAX_ATTEMPTS="8", SALESFORCE_BACKOFF_CAP_SECONDS="0.5").publish_event(
            EVENT, FIELDS
        )

    assert len(sleeps) == 7
    assert max(sleeps) <= 0.5


def test_salesforce_unreachable_is_retried_then_unavailable(standin):
    sleeps: list[float] = []
    client = make_client(standin, sleeps)
    standin.stop()

    with pytest.raises(SalesforceUnavailable, match="token endpoint unreachable"):
        client.publish_event(EVENT, FIELDS)

    assert len(sleeps) == 3


# ---------------------------------------------------------------------- refused, never retried

REFUSED = [
    (400, "REQUIRED_FIELD_MISSING", ("Job_Id__c",)),
    (400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", ()),
    (400, "STRING_TOO_LONG", ("Error_Code__c",)),
    (400, "INVALID_FIELD", ()),
    (403, "INSUFFICIENT_ACCESS_OR_READONLY", ()),
    (404, "NOT_FOUND", ()),
]


@pytest.mark.parametrize(("status", "code", "fields"), REFUSED)
def test_refused_requests_are_reported_with_salesforce_codes_and_fields_without_retry(standin, status, code, fields):
    sleeps: list[float] = []
    standin.fail(status, code, f"refused: {code}", fields=fields, times=None)

    with pytest.raises(SalesforceRejected) as raised:
        make_client(standin, sleeps).publish_event(EVENT, FIELDS)

    assert raised.value.errors == [(code, f"refused: {code}", fields)]
    assert code in str(raised.value)
    assert all(name in str(raised.value) for name in fields)
    assert sleeps == []
    assert len(standin.received) == 1


# ---------------------------------------------------------------------- upsert, update, composite


def test_upsert_creates_then_updates_by_external_id(standin):
    client = make_client(standin)

    first = client.upsert("Account", "Customer_Number__c", "CH/000777", {"Name": "Alpenglühen Maschinenbau AG"})
    second = client.upsert("Account", "Customer_Number__c", "CH/000777", {"Name": "Alpenglühen Maschinenbau AG"})

    assert first.startswith("a00")
    assert second.startswith("a00")
    assert [r.path for r in standin.received] == [
        "/services/data/v62.0/sobjects/Account/Customer_Number__c/CH%2F000777",
        "/services/data/v62.0/sobjects/Account/Customer_Number__c/CH%2F000777",
    ]


def test_update_by_id_sends_the_18_character_id(standin):
    make_client(standin).update("Account", ACCOUNT_ID[:15], {"Sfbridge_Job_Status__c": "SUCCEEDED"})

    assert standin.received[0].method == "PATCH"
    assert standin.received[0].path == f"/services/data/v62.0/sobjects/Account/{ACCOUNT_ID}"
    assert standin.received[0].body == {"Sfbridge_Job_Status__c": "SUCCEEDED"}


@pytest.mark.parametrize(
    ("sobject", "record_id"),
    [("Account/../User", ACCOUNT_ID), ("Account", "0015g0000000777"[:14]), ("Account", "0015g0000000777AAB")],
    ids=["path in the object name", "short id", "wrong checksum"],
)
def test_update_with_a_bad_name_or_id_sends_nothing(standin, sobject, record_id):
    with pytest.raises(ValueError, match="not a Salesforce"):
        make_client(standin).update(sobject, record_id, {"Name": "x"})

    assert standin.received == []


def test_composite_saves_several_records_all_or_none(standin):
    writes = [
        RecordWrite("Account", {"Sfbridge_Job_Status__c": "SUCCEEDED"}, record_id=ACCOUNT_ID),
        RecordWrite(
            "Contact", {"Email": "anna.keller@alpengluehen.example"}, external_id_field="Ext_Id__c", external_id="c-1"
        ),
    ]

    ids = make_client(standin).save_records(writes)

    assert len(ids) == 2
    body = standin.received[0].body
    assert body["allOrNone"] is True
    assert [item["url"] for item in body["compositeRequest"]] == [
        f"/services/data/v62.0/sobjects/Account/{ACCOUNT_ID}",
        "/services/data/v62.0/sobjects/Contact/Ext_Id__c/c-1",
    ]


def test_composite_with_a_locked_row_is_retried_whole(standin):
    sleeps: list[float] = []
    standin.fail(400, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record", times=1)
    writes = [RecordWrite("Account", {"Name": "A"}, record_id=ACCOUNT_ID)] * 2

    ids = make_client(standin, sleeps).save_records(writes)

    assert len(ids) == 2
    assert len(sleeps) == 1
    assert len(standin.received) == 2


def test_composite_validation_error_names_the_failing_record_fields_not_the_rolled_back_ones(standin):
    standin.fail(400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Billing country is required", fields=("BillingCountry",))
    writes = [RecordWrite("Account", {"Name": "A"}, record_id=ACCOUNT_ID)] * 3

    with pytest.raises(SalesforceRejected) as raised:
        make_client(standin).save_records(writes)

    assert raised.value.errors == [
        ("FIELD_CUSTOM_VALIDATION_EXCEPTION", "Billing country is required", ("BillingCountry",))
    ]
    assert len(standin.received) == 1


@pytest.mark.parametrize("count", [0, 26])
def test_composite_outside_1_to_25_records_sends_nothing(standin, count):
    with pytest.raises(ValueError, match="1 to 25"):
        make_client(standin).save_records([RecordWrite("Account", {}, record_id=ACCOUNT_ID)] * count)

    assert standin.received == []


# ---------------------------------------------------------------------- secrets stay out of logs


def test_tokens_assertions_and_keys_are_never_logged(standin, log_output):
    client = make_client(standin)
    client.publish_event(EVENT, FIELDS)
    standin.expire_sessions()
    standin.fail(503, "SERVER_UNAVAILABLE", times=1)
    client.publish_event(EVENT, FIELDS)
    standin.fail(400, "INVALID_FIELD", times=1)
    with pytest.raises(SalesforceRejected) as raised:
        client.publish_event(EVENT, FIELDS)

    logged = log_output.getvalue() + str(raised.value)
    assert "salesforce call retried" in logged
    assert len(standin.issued_tokens) == 2
    for token in standin.issued_tokens:
        assert token not in logged
        assert token.split("!")[1] not in logged
    assert "PRIVATE KEY" not in logged
    assert "eyJ" not in logged  # no JWT (assertion) of any kind


# ---------------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SALESFORCE_LOGIN_HOST", "https://login.salesforce.com"),
        ("SALESFORCE_LOGIN_HOST", "login.salesforce.com/services/oauth2/token"),
        ("SALESFORCE_USERNAME", "not-a-username"),
        ("SALESFORCE_CONSUMER_KEY", ""),
        ("SALESFORCE_PRIVATE_KEY_SECRET", ""),
        ("SALESFORCE_API_VERSION", "v62.0"),
        ("SALESFORCE_MAX_ATTEMPTS", "0"),
        ("SALESFORCE_SESSION_SECONDS", "10"),
    ],
)
def test_bad_connection_settings_name_the_variable_and_nothing_is_sent(standin, variable, value):
    with pytest.raises(ConfigurationError, match=variable) as raised:
        salesforce_settings(standin, **{variable: value})

    assert standin.received == []
    assert standin.issued_tokens == []
    if value:
        assert value not in str(raised.value)
