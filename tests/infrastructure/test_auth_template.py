"""Callout authentication in template.yaml: every callout route is authenticated in every `CalloutAuth` mode,
`/outbound-messages` never is, and what Salesforce is granted reaches the callout routes only.

Each mode is checked on the template CloudFormation would deploy (AWS::LanguageExtensions, then samtranslator).
"""

import re
from fnmatch import fnmatchcase
from functools import cache
from typing import Any

import pytest

from sfbridge.auth.policy import CALLOUT_ROUTES
from tests.infrastructure.sam_transform import (
    deployed_template,
    parameter_values,
    resolve_language_extensions,
    source_template,
)

OUTBOUND_ROUTE = ("post", "/outbound-messages")
PRINCIPAL = "arn:aws:iam::123456789012:user/sfbridge-salesforce"
JWT_PARAMETERS = {
    "JwtIssuer": "https://example.my.salesforce.com",
    "JwtAudience": "sfbridge",
    "JwtJwksUrl": "https://k",
}
MODES = {
    "AWS_IAM": ({}, [{"AWS_IAM": []}]),
    "API_KEY": ({}, [{"api_key": []}]),
    "JWT": (JWT_PARAMETERS, [{"JwtAuthorizer": []}]),
}
SOURCE = source_template()
RESOURCES: dict[str, Any] = SOURCE["Resources"]


@cache
def _deployed(mode: str) -> dict[str, Any]:
    overrides, _ = MODES[mode]
    return deployed_template(CalloutAuth=mode, **overrides)


def _methods(mode: str) -> dict[tuple[str, str], dict[str, Any]]:
    paths = _deployed(mode)["Resources"]["Api"]["Properties"]["Body"]["paths"]
    return {(method, path): definition for path, item in paths.items() for method, definition in item.items()}


def _api_events() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (function, name, event["Properties"])
        for function, resource in RESOURCES.items()
        if resource["Type"] == "AWS::Serverless::Function"
        for name, event in resource["Properties"].get("Events", {}).items()
        if event["Type"] == "Api"
    ]


def _callout_events() -> list[tuple[str, str, dict[str, Any]]]:
    return [event for event in _api_events() if (event[2]["Method"], event[2]["Path"]) != OUTBOUND_ROUTE]


def _route_key(method: str, path: str) -> str:
    return f"{method.upper()}{path}"


def _policy_patterns() -> list[str]:
    """The managed policy's resources, as `METHOD/path` patterns below the API stage."""
    statement = RESOURCES["SalesforceIntegrationPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    return [resource["Fn::Sub"].split("${Api}/${StageName}/", 1)[1] for resource in statement[0]["Resource"]]


def test_transforms_run_language_extensions_before_sam():
    assert SOURCE["Transform"] == ["AWS::LanguageExtensions", "AWS::Serverless-2016-10-31"]


def test_default_mode_is_aws_iam():
    assert SOURCE["Parameters"]["CalloutAuth"]["Default"] == "AWS_IAM"
    assert set(SOURCE["Parameters"]["CalloutAuth"]["AllowedValues"]) == set(MODES)


@pytest.mark.parametrize(
    ("function", "event", "properties"), _callout_events(), ids=[f"{f}.{e}" for f, e, _ in _callout_events()]
)
def test_callout_routes_inherit_the_api_default_auth(function, event, properties):
    assert properties["RestApiId"] == {"Ref": "Api"}
    assert "Auth" not in properties, f"{function}.{event} overrides the API's callout authentication"


def test_the_callout_routes_are_the_ones_the_authorizer_and_policy_cover():
    routes = {_route_key(p["Method"], p["Path"]) for _, _, p in _callout_events()}
    patterns = [f"{method}{path}" for method, path in CALLOUT_ROUTES]

    assert routes, "template.yaml declares no callout route"
    for route in routes:
        assert any(fnmatchcase(route, pattern) for pattern in patterns), f"{route} is not covered"
    assert all(any(fnmatchcase(route, pattern) for route in routes) for pattern in patterns)


@pytest.mark.parametrize("mode", MODES)
def test_every_callout_method_requires_the_modes_authorization(mode):
    _, expected = MODES[mode]
    callouts = {key: value for key, value in _methods(mode).items() if key != OUTBOUND_ROUTE}

    assert callouts
    for (method, path), definition in callouts.items():
        assert definition.get("security") == expected, f"{method} {path} in {mode} mode"


@pytest.mark.parametrize("mode", MODES)
def test_outbound_message_route_is_never_authenticated_by_api_gateway(mode):
    security = _methods(mode)[OUTBOUND_ROUTE]["security"]

    assert security in ([{"NONE": []}], [])


@pytest.mark.parametrize("mode", MODES)
def test_api_gateway_invokes_functions_with_their_resource_policy_not_the_callers_credentials(mode):
    for (method, path), definition in _methods(mode).items():
        assert "credentials" not in definition["x-amazon-apigateway-integration"], f"{method} {path}"


def test_integration_policy_allows_invoke_on_the_callout_routes_only():
    statement = RESOURCES["SalesforceIntegrationPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    patterns = _policy_patterns()

    assert [(s["Effect"], s["Action"]) for s in statement] == [("Allow", "execute-api:Invoke")]
    assert sorted(patterns) == sorted(f"{method}{path}" for method, path in CALLOUT_ROUTES)
    assert not any(fnmatchcase(_route_key(*OUTBOUND_ROUTE), pattern) for pattern in patterns)


def test_integration_policy_and_role_exist_only_for_aws_iam():
    assert RESOURCES["SalesforceIntegrationPolicy"]["Condition"] == "IsIamAuth"
    assert RESOURCES["SalesforceIntegrationRole"]["Condition"] == "CreateIntegrationRole"
    assert SOURCE["Conditions"]["CreateIntegrationRole"]["Fn::And"][0] == {"Condition": "IsIamAuth"}
    assert SOURCE["Outputs"]["SalesforceIntegrationPolicyArn"]["Condition"] == "IsIamAuth"
    assert SOURCE["Outputs"]["SalesforceIntegrationRoleArn"]["Condition"] == "CreateIntegrationRole"


def _trust_statement(**overrides: str) -> dict[str, Any]:
    parameters = parameter_values(SOURCE, {"SalesforceIntegrationPrincipalArn": PRINCIPAL, **overrides})
    resolved = resolve_language_extensions(source_template(), parameters)
    role = resolved["Resources"]["SalesforceIntegrationRole"]["Properties"]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    return statement  # type: ignore[no-any-return]


def test_integration_role_trusts_the_configured_principal_with_its_external_id():
    statement = _trust_statement(SalesforceIntegrationExternalId="sf-org-00DKb00000AbCdE")

    assert statement["Principal"] == {"AWS": {"Ref": "SalesforceIntegrationPrincipalArn"}}
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {"StringEquals": {"sts:ExternalId": {"Ref": "SalesforceIntegrationExternalId"}}}


def test_integration_role_without_external_id_has_no_condition():
    assert "Condition" not in _trust_statement()


def test_integration_role_grants_only_the_integration_policy():
    role = RESOURCES["SalesforceIntegrationRole"]["Properties"]

    assert role["ManagedPolicyArns"] == [{"Ref": "SalesforceIntegrationPolicy"}]
    assert "Policies" not in role


def test_api_key_mode_meters_the_key_with_a_usage_plan_on_this_stage():
    resources = _deployed("API_KEY")["Resources"]
    plan = resources["CalloutUsagePlan"]["Properties"]
    link = resources["CalloutUsagePlanKey"]["Properties"]

    assert plan["ApiStages"] == [{"ApiId": {"Ref": "Api"}, "Stage": {"Ref": "ApiStage"}}]
    assert set(plan["Throttle"]) == {"RateLimit", "BurstLimit"}
    assert set(plan["Quota"]) == {"Limit", "Period"}
    assert link == {"KeyId": {"Ref": "CalloutApiKey"}, "KeyType": "API_KEY", "UsagePlanId": {"Ref": "CalloutUsagePlan"}}
    assert all(resources[name]["Condition"] == "IsApiKeyAuth" for name in ("CalloutApiKey", "CalloutUsagePlan"))


def test_api_key_output_is_the_key_id_never_its_value():
    output = SOURCE["Outputs"]["CalloutApiKeyId"]

    assert output["Value"] == {"Ref": "CalloutApiKey"}
    assert output["Condition"] == "IsApiKeyAuth"
    assert "Value" not in RESOURCES["CalloutApiKey"]["Properties"]


def test_api_key_is_read_from_the_x_api_key_header():
    security_schemes = _deployed("API_KEY")["Resources"]["Api"]["Properties"]["Body"]["components"]["securitySchemes"]

    assert security_schemes["api_key"] == {"type": "apiKey", "name": "x-api-key", "in": "header"}


def _jwt_scheme() -> dict[str, Any]:
    body = _deployed("JWT")["Resources"]["Api"]["Properties"]["Body"]
    return body["components"]["securitySchemes"]["JwtAuthorizer"]  # type: ignore[no-any-return]


def test_jwt_mode_uses_the_token_authorizer_function_without_caching():
    scheme = _jwt_scheme()
    authorizer = scheme["x-amazon-apigateway-authorizer"]

    assert scheme["name"] == "Authorization"
    assert authorizer["type"] == "token"
    assert authorizer["authorizerResultTtlInSeconds"] == 0
    assert authorizer["authorizerUri"]["Fn::Sub"][1]["__FunctionArn__"] == {
        "Fn::GetAtt": ["JwtAuthorizerFunction", "Arn"]
    }


@pytest.mark.parametrize(
    ("header", "passes"),
    [("Bearer aaa.bbb.ccc", True), ("bearer a-b.c_d.e", True), ("Basic dXNlcg==", False), ("Bearer aaa.bbb.", False)],
)
def test_jwt_header_is_prefiltered_by_api_gateway(header, passes):
    expression = _jwt_scheme()["x-amazon-apigateway-authorizer"]["identityValidationExpression"]

    assert bool(re.fullmatch(expression, header)) is passes


def test_jwt_authorizer_function_exists_only_in_jwt_mode_and_may_read_only_its_certificate_parameter():
    function = RESOURCES["JwtAuthorizerFunction"]
    (policy,) = function["Properties"]["Policies"]
    statement = policy["Fn::If"][1]["Statement"]

    assert function["Condition"] == "IsJwtAuth"
    assert policy["Fn::If"][0] == "HasJwtCertificatesParameter"
    assert [s["Action"] for s in statement] == ["ssm:GetParameter"]
    assert statement[0]["Resource"]["Fn::Sub"].endswith(":parameter${JwtCertificatesParameter}")


def test_jwt_authorizer_gets_every_jwt_parameter():
    variables = RESOURCES["JwtAuthorizerFunction"]["Properties"]["Environment"]["Variables"]

    assert variables == {
        "JWT_ISSUER": {"Ref": "JwtIssuer"},
        "JWT_AUDIENCE": {"Ref": "JwtAudience"},
        "JWT_CLOCK_SKEW_SECONDS": {"Ref": "JwtClockSkewSeconds"},
        "JWT_CERTIFICATES_PARAMETER": {"Ref": "JwtCertificatesParameter"},
        "JWT_JWKS_URL": {"Ref": "JwtJwksUrl"},
        "JWT_MAX_LIFETIME_SECONDS": {"Ref": "JwtMaxTokenLifetimeSeconds"},
        "JWT_KEYS_MAX_STALE_SECONDS": {"Ref": "JwtKeysMaxStaleSeconds"},
    }


def test_jwt_deployment_without_issuer_audience_or_keys_is_refused_by_a_rule():
    rule = SOURCE["Rules"]["JwtAuthIsConfigured"]
    asserted = str(rule["Assertions"])

    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "CalloutAuth"}, "JWT"]}
    for parameter in ("JwtIssuer", "JwtAudience", "JwtCertificatesParameter", "JwtJwksUrl"):
        assert parameter in asserted
