"""template.yaml as CloudFormation deploys it for given parameter values.

CloudFormation runs the template's transforms in order: AWS::LanguageExtensions first, which resolves `Fn::If` from
the parameter values (so `Auth` can differ per `CalloutAuth`), then the SAM transform. The first step is
reproduced here for the condition functions the template uses; the second is samtranslator itself.
"""

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3
from cfnlint.decode import decode
from samtranslator.parser.parser import Parser
from samtranslator.translator.translator import Translator

from tests.support import TEMPLATE

_DROP = object()
REGION = "us-east-1"


def source_template() -> dict[str, Any]:
    """template.yaml as plain dicts and lists (short-form tags expanded)."""
    template, problems = decode(str(TEMPLATE))
    assert template is not None, problems
    return json.loads(json.dumps(template))  # type: ignore[no-any-return]


def parameter_values(template: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, str]:
    defaults = {name: str(spec.get("Default", "")) for name, spec in template["Parameters"].items()}
    unknown = set(overrides) - set(defaults)
    assert not unknown, f"not parameters of the template: {unknown}"
    return {**defaults, **overrides}


def resolve_language_extensions(template: dict[str, Any], parameters: Mapping[str, str]) -> dict[str, Any]:
    """Every `Fn::If` replaced by its chosen branch; `AWS::NoValue` drops the key or list item that holds it."""
    conditions = _Conditions(template.get("Conditions", {}), parameters)
    resolved = {**template}
    for section in ("Resources", "Outputs"):
        resolved[section] = conditions.resolve(template[section])
    return resolved


def rule_failures(**overrides: str) -> list[str]:
    """The `AssertDescription`s of the template's Rules that refuse these parameter values, as CloudFormation would."""
    template = source_template()
    conditions = _Conditions({}, parameter_values(template, overrides))
    failures = []
    for rule in template.get("Rules", {}).values():
        if "RuleCondition" in rule and not conditions.evaluate(rule["RuleCondition"]):
            continue
        failures += [
            item["AssertDescription"] for item in rule["Assertions"] if not conditions.evaluate(item["Assert"])
        ]
    return failures


def conditions_holding(**overrides: str) -> set[str]:
    """The names of the template's Conditions that hold for these parameter values."""
    template = source_template()
    conditions = _Conditions(template.get("Conditions", {}), parameter_values(template, overrides))
    return {name for name in template.get("Conditions", {}) if conditions.holds(name)}


def deployed_template(**overrides: str) -> dict[str, Any]:
    """The CloudFormation template (after both transforms) for these parameter overrides."""
    template = source_template()
    parameters = parameter_values(template, overrides)
    expanded = resolve_language_extensions(_packaged(template), parameters)
    translator = Translator(None, Parser(), boto_session=boto3.Session(region_name=REGION))
    return translator.translate(expanded, parameters, get_managed_policy_map=dict)


def _packaged(template: dict[str, Any]) -> dict[str, Any]:
    """Local code paths replaced by S3 URIs, as `sam package` does before CloudFormation sees the template."""
    for resource in template["Resources"].values():
        properties = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri", "DefinitionUri"):
            if isinstance(properties.get(key), str):
                properties[key] = f"s3://sfbridge-artifacts/{properties[key].strip('/')}.zip"
    return template


class _Conditions:
    def __init__(self, definitions: Mapping[str, Any], parameters: Mapping[str, str]) -> None:
        self._definitions = definitions
        self._parameters = parameters

    def holds(self, name: str) -> bool:
        return bool(self._evaluate(self._definitions[name]))

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            return [item for item in (self.resolve(item) for item in node) if item is not _DROP]
        if not isinstance(node, dict):
            return node
        if node == {"Ref": "AWS::NoValue"}:
            return _DROP
        if set(node) == {"Fn::If"}:
            name, if_true, if_false = node["Fn::If"]
            return self.resolve(if_true if self.holds(name) else if_false)
        resolved = {key: self.resolve(value) for key, value in node.items()}
        return {key: value for key, value in resolved.items() if value is not _DROP}

    def evaluate(self, expression: Any) -> Any:
        return self._evaluate(expression)

    def _evaluate(self, expression: Any) -> Any:
        if not isinstance(expression, dict):
            return expression
        ((function, argument),) = expression.items()
        match function:
            case "Fn::Equals":
                return self._evaluate(argument[0]) == self._evaluate(argument[1])
            case "Fn::Not":
                return not self._evaluate(argument[0])
            case "Fn::And":
                return all(self._evaluate(item) for item in argument)
            case "Fn::Or":
                return any(self._evaluate(item) for item in argument)
            case "Condition":
                return self.holds(argument)
            case "Ref":
                return self._parameters[argument]
        raise AssertionError(f"condition function {function} is not handled here")


SCAN_MODES: dict[str, dict[str, str]] = {
    "AWS_IAM": {},
    "API_KEY": {"CalloutAuth": "API_KEY"},
    "JWT": {
        "CalloutAuth": "JWT",
        "JwtIssuer": "https://example.my.salesforce.com",
        "JwtAudience": "sfbridge",
        "JwtCertificatesParameter": "/sfbridge/jwt-certificates",
    },
    "JOB_RESULTS": {
        "JobResultsToSalesforce": "true",
        "SalesforceConsumerKey": "3MVG9sfbridgeConsumerKey",
        "SalesforceUsername": "sfbridge.integration@example.com",
        "SalesforcePrivateKeySecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:sfbridge/jwt-key-AbCdEf",
    },
}
"""The deployments `make scan` checks: one per CalloutAuth mode, with the token the template requires, and one with
the conditional job results path (its queues, function, log group and alarms)."""


def only_what_deploys(deployed: dict[str, Any], parameters: Mapping[str, str]) -> dict[str, Any]:
    """`deployed` as CloudFormation creates it for `parameters`: resources whose Condition is false left out, the
    others without their Condition, and the parameters' defaults set to these values (checkov reads defaults)."""
    holding = conditions_holding(**parameters)
    deployed["Resources"] = {
        name: {key: value for key, value in resource.items() if key != "Condition"}
        for name, resource in deployed["Resources"].items()
        if resource.get("Condition") in (None, *holding)
    }
    for name, value in parameters.items():
        deployed["Parameters"][name]["Default"] = value
    return deployed


def with_checkov_skips(deployed: dict[str, Any]) -> dict[str, Any]:
    """`deployed` with each source resource's `Metadata.checkov.skip` also on the resources SAM generates from it.

    SAM drops a serverless resource's Metadata; its generated resources keep its logical id as a prefix
    (`<Function>Role`, `<Api>Stage`, `<Function><Event>Permission...`), which is how they are found here.
    """
    source = source_template()["Resources"]
    serverless = {
        name: resource["Metadata"]["checkov"]["skip"]
        for name, resource in source.items()
        if resource["Type"].startswith("AWS::Serverless::") and "checkov" in resource.get("Metadata", {})
    }
    for name, resource in deployed["Resources"].items():
        generated = name not in source or source[name]["Type"].startswith("AWS::Serverless::")
        owners = [owner for owner in serverless if generated and name.startswith(owner)]
        for skip in (skip for owner in owners for skip in serverless[owner]):
            listed = resource.setdefault("Metadata", {}).setdefault("checkov", {}).setdefault("skip", [])
            if skip not in listed:
                listed.append(skip)
    return deployed


def write_deployed_templates(directory: Path) -> list[Path]:
    """One CloudFormation template per `SCAN_MODES` entry, as JSON files in `directory` (for checkov)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for mode, overrides in SCAN_MODES.items():
        path = directory / f"template-{mode.lower().replace('_', '-')}.json"
        parameters = {"EndpointToken": "scan-token-0123456789abcdef", **overrides}
        template = with_checkov_skips(only_what_deploys(deployed_template(**parameters), parameters))
        path.write_text(json.dumps(template, indent=1), encoding="utf-8")
        written.append(path)
    return written


def skip_check_args() -> list[str]:
    """checkov's `--skip-check` for the checks template.yaml's own Metadata skips stack-wide, with their reasons."""
    skips = source_template().get("Metadata", {}).get("checkov", {}).get("skip", [])
    assert all(skip.get("comment") for skip in skips), "every skipped check needs its reason (comment)"
    return ["--skip-check", ",".join(skip["id"] for skip in skips)] if skips else []


if __name__ == "__main__":
    if sys.argv[1:] == ["--skip-check-args"]:
        print(" ".join(skip_check_args()))
    else:
        for written_path in write_deployed_templates(Path(sys.argv[1] if len(sys.argv) > 1 else ".aws-sam/scan")):
            print(written_path)
