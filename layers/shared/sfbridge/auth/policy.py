"""The answer the JWT authorizer gives API Gateway: an IAM policy over the callout routes of the called stage."""

from typing import Any, Final

from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerResponse,
    parse_api_gateway_arn,
)

from sfbridge.models.authorizer import VerifiedToken

CALLOUT_ROUTES: Final = (
    ("POST", "/events/*"),
    ("POST", "/operations/*"),
    ("POST", "/jobs/*"),
    ("GET", "/jobs/*"),
)
"""Every callout route of template.yaml as a policy resource pattern; `/outbound-messages` is deliberately absent."""


def allow_callout_routes(method_arn: str, token: VerifiedToken) -> dict[str, Any]:
    """Allow every callout route of the stage being called, not just this method.

    With authorizer caching on, API Gateway reuses one answer for all of a token's requests: a policy naming only
    the first method would refuse the caller's next route.
    """
    arn = parse_api_gateway_arn(method_arn)
    response = APIGatewayAuthorizerResponse(
        principal_id=token.subject or token.issuer,
        region=arn.region,
        aws_account_id=arn.aws_account_id,
        api_id=arn.api_id,
        stage=arn.stage,
        partition=arn.partition,
        context={"sub": token.subject or "", "iss": token.issuer},
    )
    for method, path in CALLOUT_ROUTES:
        response.allow_route(http_method=method, resource=path)
    return response.asdict()
