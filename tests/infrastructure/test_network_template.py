"""Network layers by parameter: the source-IP allowlist of /outbound-messages, the WAF web ACL, mutual TLS.

Each setting is checked on the template CloudFormation would deploy (AWS::LanguageExtensions, then the SAM
transform), off by default and on when its parameters say so.
"""

from functools import cache
from typing import Any

import pytest

from tests.infrastructure.sam_transform import conditions_holding, deployed_template, rule_failures

BASE = {"EndpointToken": "token-0123456789abcdefghijklmnop"}
JWT = {
    "CalloutAuth": "JWT",
    "JwtIssuer": "https://example.my.salesforce.com",
    "JwtAudience": "a",
    "JwtJwksUrl": "https://k",
}
MODES = {"AWS_IAM": {}, "API_KEY": {"CalloutAuth": "API_KEY"}, "JWT": JWT}
SALESFORCE_RANGES = "13.108.0.0/14,96.43.144.0/20"
OUTBOUND = "execute-api:/*/POST/outbound-messages"
MTLS = {
    "CustomDomainName": "sfbridge.example.com",
    "CustomDomainCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0a1b2c3d",
    "MutualTlsTruststoreUri": "s3://example-truststores/salesforce-client-ca.pem",
}


@cache
def _template(**overrides: str) -> dict[str, Any]:
    return deployed_template(**BASE, **overrides)


def _resources(**overrides: str) -> dict[str, Any]:
    holding = conditions_holding(**BASE, **overrides)
    return {
        name: resource
        for name, resource in _template(**overrides)["Resources"].items()
        if resource.get("Condition") in (None, *holding)
    }


def _body(**overrides: str) -> dict[str, Any]:
    return _resources(**overrides)["Api"]["Properties"]["Body"]  # type: ignore[no-any-return]


# ---------------------------------------------------------------- source-IP allowlist


@pytest.mark.parametrize("mode", sorted(MODES))
def test_no_resource_policy_without_an_allowlist(mode):
    assert "x-amazon-apigateway-policy" not in _body(**MODES[mode])


@pytest.mark.parametrize("mode", sorted(MODES))
def test_allowlist_denies_other_addresses_on_the_outbound_route_only(mode):
    statements = _body(**MODES[mode], OutboundAllowedSourceIps=SALESFORCE_RANGES)["x-amazon-apigateway-policy"][
        "Statement"
    ]
    (deny,) = [statement for statement in statements if statement["Effect"] == "Deny"]

    assert deny["Resource"] == OUTBOUND
    assert deny["Principal"] == "*"
    assert deny["Condition"] == {"NotIpAddress": {"aws:SourceIp": {"Fn::Split": [",", SALESFORCE_RANGES]}}}


def test_with_iam_auth_the_policy_allows_the_outbound_route_and_nothing_else():
    # An Allow for "*" on the callout routes would let any IAM principal that grants itself execute-api:Invoke in.
    statements = _body(OutboundAllowedSourceIps=SALESFORCE_RANGES)["x-amazon-apigateway-policy"]["Statement"]

    assert [s["Resource"] for s in statements if s["Effect"] == "Allow"] == [OUTBOUND]


@pytest.mark.parametrize("mode", ["API_KEY", "JWT"])
def test_with_key_or_jwt_auth_the_policy_keeps_the_callout_routes_reachable(mode):
    # With a resource policy, API Gateway denies what it does not allow for API key and Lambda authorizer routes.
    statements = _body(**MODES[mode], OutboundAllowedSourceIps=SALESFORCE_RANGES)["x-amazon-apigateway-policy"]

    assert [s["Resource"] for s in statements["Statement"] if s["Effect"] == "Allow"] == ["execute-api:/*"]


# ---------------------------------------------------------------- WAF


def test_no_web_acl_by_default():
    assert not {"WebAcl", "WebAclAssociation", "WebAclLogging"} & set(_resources())


def test_web_acl_rate_limits_each_source_address():
    acl = _resources(EnableWaf="true")["WebAcl"]["Properties"]
    rules = {rule["Name"]: rule for rule in acl["Rules"]}

    assert acl["Scope"] == "REGIONAL"
    assert acl["DefaultAction"] == {"Allow": {}}
    rate = rules["rate-limit-per-source-address"]
    assert rate["Action"] == {"Block": {}}
    assert rate["Statement"]["RateBasedStatement"] == {
        "Limit": {"Ref": "WafRateLimit"},
        "EvaluationWindowSec": 300,
        "AggregateKeyType": "IP",
    }


def test_web_acl_is_attached_to_the_api_stage():
    association = _resources(EnableWaf="true")["WebAclAssociation"]["Properties"]

    assert association["WebACLArn"] == {"Fn::GetAtt": ["WebAcl", "Arn"]}
    assert association["ResourceArn"]["Fn::Sub"].endswith("/restapis/${Api}/stages/${ApiStage}")


def test_web_acl_logs_redact_the_query_string_that_carries_the_token():
    resources = _resources(EnableWaf="true")
    logging = resources["WebAclLogging"]["Properties"]

    assert logging["RedactedFields"] == [{"QueryString": {}}]
    assert logging["LogDestinationConfigs"] == [{"Fn::GetAtt": ["WebAclLogGroup", "Arn"]}]
    assert resources["WebAclLogGroup"]["Properties"]["LogGroupName"]["Fn::Sub"].startswith("aws-waf-logs-")
    assert resources["WebAclLogGroup"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


# ---------------------------------------------------------------- mutual TLS


def test_no_custom_domain_by_default_and_the_execute_api_endpoint_stays_on():
    resources = _resources()

    assert not [kind for kind in (r["Type"] for r in resources.values()) if kind == "AWS::ApiGateway::DomainName"]
    assert _template()["Outputs"]["OutboundMessageUrl"]["Value"]["Fn::Sub"].startswith("https://${Api}.execute-api")


def test_custom_domain_requires_mutual_tls_with_a_truststore_in_s3():
    resources = _resources(**MTLS)
    (domain,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::ApiGateway::DomainName"]

    assert domain["DomainName"] == MTLS["CustomDomainName"]
    assert domain["MutualTlsAuthentication"] == {"TruststoreUri": MTLS["MutualTlsTruststoreUri"]}
    assert domain["SecurityPolicy"] == "TLS_1_2"
    assert domain["EndpointConfiguration"] == {"Types": ["REGIONAL"]}


def test_truststore_version_is_passed_when_given():
    resources = _resources(**MTLS, MutualTlsTruststoreVersion="3HL4kqtJlcpXroDTDmJ")
    (domain,) = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::ApiGateway::DomainName"]

    assert domain["MutualTlsAuthentication"]["TruststoreVersion"] == "3HL4kqtJlcpXroDTDmJ"


def test_custom_domain_disables_the_default_endpoint_and_moves_the_urls():
    servers = _body(**MTLS)["servers"]
    outputs = _template(**MTLS)["Outputs"]

    assert servers[0]["x-amazon-apigateway-endpoint-configuration"] == {"disableExecuteApiEndpoint": True}
    assert outputs["OutboundMessageUrl"]["Value"] == {"Fn::Sub": "https://${CustomDomainName}/outbound-messages"}
    assert outputs["ApiBaseUrl"]["Value"] == {"Fn::Sub": "https://${CustomDomainName}"}


@pytest.mark.parametrize("missing", ["CustomDomainCertificateArn", "MutualTlsTruststoreUri"])
def test_custom_domain_without_certificate_or_truststore_is_refused(missing):
    overrides = {key: value for key, value in MTLS.items() if key != missing}

    assert any(missing in failure for failure in rule_failures(**BASE, **overrides))
