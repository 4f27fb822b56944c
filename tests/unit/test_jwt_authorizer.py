"""The JWT authorizer: which tokens open the callout routes, which are refused, and what it never logs."""

import importlib.util
import time
from dataclasses import dataclass
from types import ModuleType

import pytest

from sfbridge.auth.authorizer import Unauthorized, authorize_callout
from sfbridge.auth.errors import TokenRejected
from sfbridge.auth.keys import CachedSigningKeys, SigningKeys, parse_jwks, parse_pem_keys
from sfbridge.auth.tokens import RejectReason, TokenRules, bearer_token, verify_token
from sfbridge.exceptions import ConfigurationError
from tests.support import ROOT
from tests.support_jwt import (
    AUDIENCE,
    ENVIRONMENT,
    ISSUER,
    KID,
    SUBJECT,
    authorizer_event,
    forge_hs256_with_public_key,
    jwks,
    new_rsa_key,
    public_key_pem,
    sign,
    unsigned_token,
)

RULES = TokenRules(issuer=ISSUER, audience=AUDIENCE, clock_skew_seconds=60)
STAGE_ARN = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/v1"
SIGNING_KEY = new_rsa_key()
OTHER_KEY = new_rsa_key()


def _keys(document: SigningKeys) -> CachedSigningKeys:
    return CachedSigningKeys(lambda: document, max_age=300)


JWKS_KEYS = _keys(parse_jwks(jwks((KID, SIGNING_KEY))))


def _rejection(token: str, keys: CachedSigningKeys = JWKS_KEYS) -> str:
    with pytest.raises(TokenRejected) as rejected:
        verify_token(token, keys, RULES)
    return rejected.value.reason


@pytest.fixture(autouse=True)
def _environment(monkeypatch):
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)


def test_valid_token_allows_every_callout_route_of_the_stage_and_nothing_else():
    event = authorizer_event(sign(SIGNING_KEY))

    response = authorize_callout(event, keys=JWKS_KEYS)

    (statement,) = response["policyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "execute-api:Invoke"
    assert statement["Resource"] == [
        f"{STAGE_ARN}/POST/events/*",
        f"{STAGE_ARN}/POST/operations/*",
        f"{STAGE_ARN}/POST/jobs/*",
        f"{STAGE_ARN}/GET/jobs/*",
    ]
    assert not any("outbound-messages" in resource for resource in statement["Resource"])


def test_valid_token_context_carries_subject_and_issuer_but_not_the_token():
    token = sign(SIGNING_KEY)

    response = authorize_callout(authorizer_event(token), keys=JWKS_KEYS)

    assert response["principalId"] == SUBJECT
    assert response["context"] == {"sub": SUBJECT, "iss": ISSUER}
    assert token not in str(response)


def test_policy_is_the_same_whichever_callout_route_is_called():
    token = sign(SIGNING_KEY)

    on_event = authorize_callout(authorizer_event(token, "jwt_authorizer/post-event"), keys=JWKS_KEYS)
    on_job = authorize_callout(authorizer_event(token, "jwt_authorizer/get-job"), keys=JWKS_KEYS)

    assert on_event["policyDocument"] == on_job["policyDocument"]


def test_pinned_certificate_key_verifies_whatever_kid_salesforce_sets():
    pinned = _keys(parse_pem_keys(public_key_pem(SIGNING_KEY)))

    token = verify_token(sign(SIGNING_KEY, kid="any-kid-salesforce-chose"), pinned, RULES)

    assert token.subject == SUBJECT


def test_expired_token_is_rejected():
    assert _rejection(sign(SIGNING_KEY, exp=int(time.time()) - 600)) == RejectReason.EXPIRED


def test_token_not_yet_valid_is_rejected():
    assert _rejection(sign(SIGNING_KEY, nbf=int(time.time()) + 600)) == RejectReason.NOT_YET_VALID


def test_wrong_audience_is_rejected():
    assert _rejection(sign(SIGNING_KEY, aud="another-api")) == RejectReason.WRONG_AUDIENCE


def test_wrong_issuer_is_rejected():
    assert _rejection(sign(SIGNING_KEY, iss="https://evil.example.com")) == RejectReason.WRONG_ISSUER


@pytest.mark.parametrize("claim", ["exp", "iss", "aud"])
def test_token_without_a_required_claim_is_rejected(claim):
    assert _rejection(sign(SIGNING_KEY, **{claim: None})) == RejectReason.MISSING_CLAIM


def test_token_without_subject_is_accepted_and_identified_by_its_issuer():
    response = authorize_callout(authorizer_event(sign(SIGNING_KEY, sub=None)), keys=JWKS_KEYS)

    assert response["principalId"] == ISSUER
    assert response["context"] == {"sub": "", "iss": ISSUER}


def test_signature_by_another_key_is_rejected():
    assert _rejection(sign(OTHER_KEY)) == RejectReason.BAD_SIGNATURE


def test_unsigned_alg_none_token_is_rejected():
    assert _rejection(unsigned_token()) == RejectReason.ALGORITHM


def test_hs256_token_keyed_with_the_public_key_is_rejected():
    pinned = _keys(parse_pem_keys(public_key_pem(SIGNING_KEY)))

    assert _rejection(forge_hs256_with_public_key(SIGNING_KEY), pinned) == RejectReason.ALGORITHM
    assert _rejection(forge_hs256_with_public_key(SIGNING_KEY)) == RejectReason.ALGORITHM


def test_unknown_kid_is_rejected_after_one_reload():
    loads = []
    keys = CachedSigningKeys(lambda: loads.append(1) or parse_jwks(jwks((KID, SIGNING_KEY))), max_age=300)

    assert _rejection(sign(SIGNING_KEY, kid="rotated-away"), keys) == RejectReason.UNKNOWN_KEY
    assert len(loads) == 1


def test_missing_authorization_header_is_rejected():
    event = {key: value for key, value in authorizer_event("x").items() if key != "authorizationToken"}

    with pytest.raises(Unauthorized, match=r"^Unauthorized$"):
        authorize_callout(event, keys=JWKS_KEYS)


@pytest.mark.parametrize("header", ["", "   ", None])
def test_empty_header_has_no_bearer_token(header):
    with pytest.raises(TokenRejected) as rejected:
        bearer_token(header)

    assert rejected.value.reason == RejectReason.MISSING


@pytest.mark.parametrize(
    "header",
    ["Basic dXNlcjpwYXNz", "Bearer", "Bearer not-a-jwt", "Token a.b.c", "Bearer a.b.c extra", "Bearer " + "a" * 9000],
)
def test_header_that_is_not_a_bearer_jwt_is_rejected(header):
    with pytest.raises(TokenRejected) as rejected:
        bearer_token(header)

    assert rejected.value.reason == RejectReason.MALFORMED


def test_bearer_scheme_is_case_insensitive():
    assert bearer_token("bearer a.b.c") == "a.b.c"


def test_garbage_in_jwt_shape_is_rejected_as_malformed():
    assert _rejection("e30.e30.c2ln") == RejectReason.ALGORITHM
    assert _rejection("bm90LWpzb24.e30.c2ln") == RejectReason.MALFORMED


@pytest.mark.parametrize(("offset", "accepted"), [(-55, True), (-65, False)])
def test_clock_skew_is_honoured_at_the_expiry_edge(offset, accepted):
    token = sign(SIGNING_KEY, exp=int(time.time()) + offset)

    if accepted:
        assert verify_token(token, JWKS_KEYS, RULES).subject == SUBJECT
    else:
        assert _rejection(token) == RejectReason.EXPIRED


@pytest.mark.parametrize(("offset", "accepted"), [(55, True), (65, False)])
def test_clock_skew_is_honoured_at_the_not_before_edge(offset, accepted):
    token = sign(SIGNING_KEY, nbf=int(time.time()) + offset)

    if accepted:
        assert verify_token(token, JWKS_KEYS, RULES).subject == SUBJECT
    else:
        assert _rejection(token) == RejectReason.NOT_YET_VALID


def test_event_that_is_not_a_token_event_is_a_configuration_error():
    request_event = {**authorizer_event(sign(SIGNING_KEY)), "type": "REQUEST"}

    with pytest.raises(ConfigurationError) as failed:
        authorize_callout(request_event, keys=JWKS_KEYS)

    assert request_event["authorizationToken"] not in str(failed.value)


@dataclass
class _LambdaContext:
    function_name: str = "JwtAuthorizerFunction"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:JwtAuthorizerFunction"
    aws_request_id: str = "5f0e8d2a-8a3c-4c55-9d1e-2b7f9c0a1e44"


def _handler_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("jwt_authorizer_app", ROOT / "functions/jwt_authorizer/app.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_log_output_for_a_rejected_token_holds_neither_the_token_nor_its_signature(monkeypatch, capsys, log_output):
    handler = _handler_module()
    monkeypatch.setattr(handler, "authorize_callout", lambda event: authorize_callout(event, keys=JWKS_KEYS))
    token = sign(OTHER_KEY)
    signature = token.rsplit(".", 1)[1]

    with pytest.raises(Unauthorized) as refused:
        handler.lambda_handler(authorizer_event(token), _LambdaContext())

    printed = capsys.readouterr()
    logged = log_output.getvalue() + printed.out + printed.err
    assert RejectReason.BAD_SIGNATURE in logged
    for secret in (token, signature, token.split(".")[1]):
        assert secret not in logged
        assert secret not in str(refused.value)


@pytest.mark.parametrize(
    ("lifetime", "accepted"), [(120, True), (3600, True), (3600 + 60, True), (3600 + 61, False), (86_400 * 365, False)]
)
def test_token_lifetime_beyond_the_limit_is_rejected(lifetime, accepted):
    now = int(time.time())
    token = sign(SIGNING_KEY, iat=now, nbf=now, exp=now + lifetime)

    if accepted:
        assert verify_token(token, JWKS_KEYS, RULES).expires_at == now + lifetime
    else:
        assert _rejection(token) == RejectReason.LIFETIME


def test_long_lived_token_without_iat_is_rejected():
    now = int(time.time())

    # iat is optional: without it, the remaining validity alone is too long. (An iat in the future, which could
    # hide a far-off exp, is refused by PyJWT as not yet valid.)
    assert _rejection(sign(SIGNING_KEY, iat=None, exp=now + 7200)) == RejectReason.LIFETIME
    assert _rejection(sign(SIGNING_KEY, iat=now + 6000, nbf=None, exp=now + 7200)) == RejectReason.NOT_YET_VALID


def test_token_issued_long_ago_for_a_long_life_is_rejected_though_it_expires_soon():
    now = int(time.time())

    assert _rejection(sign(SIGNING_KEY, iat=now - 86_400, nbf=None, exp=now + 60)) == RejectReason.LIFETIME


def test_lifetime_limit_comes_from_the_settings(monkeypatch):
    monkeypatch.setenv("JWT_MAX_LIFETIME_SECONDS", "600")
    now = int(time.time())
    token = sign(SIGNING_KEY, iat=now, exp=now + 1200)

    with pytest.raises(Unauthorized):
        authorize_callout(authorizer_event(token), keys=JWKS_KEYS)
