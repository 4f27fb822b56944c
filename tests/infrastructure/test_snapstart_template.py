"""SnapStart (parameter `SnapStart`): the receiver and the callout API, on published versions API Gateway invokes."""

from typing import Any

import pytest

from tests.infrastructure.sam_transform import deployed_template

SNAPSTART_FUNCTIONS = ("OutboundReceiverFunction", "CalloutApiFunction")


@pytest.fixture(scope="module", params=["Disabled", "Enabled"])
def setting(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    return request.param, deployed_template(SnapStart=request.param)["Resources"]


def _functions(resources: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: r["Properties"] for name, r in resources.items() if r["Type"] == "AWS::Lambda::Function"}


def test_snapstart_applies_to_published_versions_only_when_enabled(setting):
    value, resources = setting

    applied = {name: props.get("SnapStart", {}).get("ApplyOn") for name, props in _functions(resources).items()}

    expected = "PublishedVersions" if value == "Enabled" else "None"
    assert {name: applied[name] for name in SNAPSTART_FUNCTIONS} == dict.fromkeys(SNAPSTART_FUNCTIONS, expected)
    assert {name for name, on in applied.items() if on == "PublishedVersions"} <= set(SNAPSTART_FUNCTIONS)


@pytest.mark.parametrize("function", SNAPSTART_FUNCTIONS)
def test_function_has_a_live_alias_on_a_published_version_in_either_setting(setting, function):
    _, resources = setting

    alias = resources[f"{function}Aliaslive"]

    assert alias["Type"] == "AWS::Lambda::Alias"
    assert alias["Properties"]["FunctionName"] == {"Ref": function}
    version = resources[alias["Properties"]["FunctionVersion"]["Fn::GetAtt"][0]]
    assert version["Type"] == "AWS::Lambda::Version"


def test_api_invokes_the_aliases_never_the_unpublished_function(setting):
    _, resources = setting
    api = resources["Api"]["Properties"]["Body"]

    uris = {
        f"{method.upper()} {path}": operation["x-amazon-apigateway-integration"]["uri"]["Fn::Sub"]
        for path, methods in api["paths"].items()
        for method, operation in methods.items()
    }

    assert uris["POST /outbound-messages"].endswith("/functions/${OutboundReceiverFunctionAliaslive}/invocations")
    callout_routes = {route: uri for route, uri in uris.items() if route != "POST /outbound-messages"}
    assert callout_routes
    assert all(uri.endswith("/functions/${CalloutApiFunctionAliaslive}/invocations") for uri in callout_routes.values())


def test_api_gateway_may_invoke_only_the_aliases(setting):
    _, resources = setting

    targets = [
        r["Properties"]["FunctionName"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::Permission" and r["Properties"]["Principal"] == "apigateway.amazonaws.com"
    ]

    assert targets
    assert {target["Ref"] for target in targets} == {f"{name}Aliaslive" for name in SNAPSTART_FUNCTIONS}
