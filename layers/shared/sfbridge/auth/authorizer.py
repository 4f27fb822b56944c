"""The JWT authorizer's use case: TOKEN event in; an Allow policy over the callout routes, or 401, out."""

from functools import cache, partial
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import ValidationError

from sfbridge.adapters.signing_keys import fetch_jwks, read_certificates_parameter
from sfbridge.auth.errors import TokenRejected
from sfbridge.auth.keys import CachedSigningKeys, SigningKeys, parse_jwks, parse_pem_keys
from sfbridge.auth.policy import allow_callout_routes
from sfbridge.auth.settings import JwtAuthorizerSettings
from sfbridge.auth.tokens import KeyProvider, TokenRules, bearer_token, verify_token
from sfbridge.exceptions import ConfigurationError
from sfbridge.models.authorizer import TokenAuthorizerEvent
from sfbridge.observability import logger, metrics


class Unauthorized(Exception):
    """API Gateway answers 401 when a Lambda authorizer fails with exactly the message "Unauthorized".

    Any other failure (`SigningKeysUnavailable`, `ConfigurationError`) is answered 500, so the caller retries.
    """

    def __init__(self) -> None:
        super().__init__("Unauthorized")


def authorize_callout(event: dict[str, Any], keys: KeyProvider | None = None) -> dict[str, Any]:
    """The Allow policy for a valid token; `Unauthorized` for a rejected one. Neither logs the token."""
    request = _read_event(event)
    settings = JwtAuthorizerSettings.from_env()
    header = request.authorization_token.get_secret_value() if request.authorization_token else None
    try:
        token = verify_token(bearer_token(header), keys or signing_keys(settings), token_rules(settings))
    except TokenRejected as rejection:
        metrics.add_metric(name="CalloutTokensRejected", unit=MetricUnit.Count, value=1)
        logger.warning("callout token rejected", reason=rejection.reason)
        raise Unauthorized from None
    metrics.add_metric(name="CalloutTokensAccepted", unit=MetricUnit.Count, value=1)
    logger.info("callout token accepted", subject=token.subject, issuer=token.issuer)
    return allow_callout_routes(request.method_arn, token)


def token_rules(settings: JwtAuthorizerSettings) -> TokenRules:
    return TokenRules(
        issuer=settings.issuer,
        audience=settings.audience,
        clock_skew_seconds=settings.clock_skew_seconds,
        max_lifetime_seconds=settings.max_lifetime_seconds,
    )


@cache
def signing_keys(settings: JwtAuthorizerSettings) -> CachedSigningKeys:
    """One key cache per configuration, kept for the life of a warm function."""
    if not settings.certificates_parameter and not settings.jwks_url:
        raise ConfigurationError("JwtAuthorizerSettings: set JWT_CERTIFICATES_PARAMETER or JWT_JWKS_URL")
    return CachedSigningKeys(
        partial(load_signing_keys, settings),
        max_age=settings.keys_max_age_seconds,
        max_stale=settings.keys_max_stale_seconds,
    )


def load_signing_keys(settings: JwtAuthorizerSettings) -> SigningKeys:
    """The keys of every configured source; both may be set while moving from one to the other."""
    sources = []
    if settings.certificates_parameter:
        sources.append(parse_pem_keys(read_certificates_parameter(settings.certificates_parameter)))
    if settings.jwks_url:
        sources.append(parse_jwks(fetch_jwks(settings.jwks_url)))
    return SigningKeys.merge(sources)


def _read_event(event: dict[str, Any]) -> TokenAuthorizerEvent:
    try:
        return TokenAuthorizerEvent.model_validate(event)
    except ValidationError:
        # The validation message would quote the event, token included: report the mismatch only.
        raise ConfigurationError("the authorizer was not given a REST API TOKEN authorizer event") from None
