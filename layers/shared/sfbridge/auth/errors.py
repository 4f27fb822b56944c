"""Why a callout is refused before it reaches sfbridge: API Gateway answers 401 for a rejected token and 500 when
the authorizer cannot decide (`sfbridge.auth.authorizer` maps both)."""

from sfbridge.exceptions import ClientError, ServerError


class TokenRejected(ClientError):
    """The bearer token is missing, malformed, untrusted or out of its validity window.

    `reason` is one of `sfbridge.auth.tokens.RejectReason`: a fixed text that never quotes the token.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SigningKeysUnavailable(ServerError):
    """The trusted signing keys could not be loaded (SSM parameter, JWKS URL, or their content)."""
