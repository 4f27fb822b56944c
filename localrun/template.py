"""Read a SAM template the way CloudFormation would for one local deployment: parameters, conditions, intrinsics.

The YAML (with its short-form tags) is read by cfn-lint's decoder; what is left here is the evaluation that
CloudFormation does at deploy time, for the intrinsic functions SAM templates use.
"""

import base64
import json
import re
import shlex
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Final

REGION: Final = "us-east-1"
ACCOUNT_ID: Final = "123456789012"
STACK_NAME: Final = "sfbridge-local"
NO_VALUE: Final = object()
"""What `Ref: AWS::NoValue` evaluates to: the enclosing key or list item is dropped."""

_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_LIST_PARAMETER = re.compile(r"^(CommaDelimitedList|List<.+>)$")


class TemplateError(Exception):
    """The template or the parameter overrides cannot be deployed; CloudFormation would refuse them too."""


def load_template(path: Path) -> dict[str, Any]:
    """The template as data, short-form tags (`!Ref`, `!Sub`...) read by cfn-lint's decoder."""
    from cfnlint.decode import decode  # a second to import: `decode_in_background` keeps it off the critical path

    template, problems = decode(str(path))
    if template is None:
        details = "; ".join(str(problem) for problem in problems)
        raise TemplateError(f"{path}: cannot read the template: {details}")
    return dict(template)


def decode_in_background(path: Path) -> Callable[[], dict[str, Any]]:
    """Start `load_template(path)` in a second Python process; the returned function waits for its result."""
    process = subprocess.Popen(
        [sys.executable, "-m", "localrun.template", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def result() -> dict[str, Any]:
        output, errors = process.communicate()
        if process.returncode != 0:
            raise TemplateError(errors.strip().splitlines()[-1] if errors.strip() else f"cannot read {path}")
        return dict(json.loads(output))

    return result


def pseudo_parameters(region: str = REGION, stack_name: str = STACK_NAME) -> dict[str, Any]:
    return {
        "AWS::Region": region,
        "AWS::AccountId": ACCOUNT_ID,
        "AWS::StackName": stack_name,
        "AWS::StackId": f"arn:aws:cloudformation:{region}:{ACCOUNT_ID}:stack/{stack_name}/local",
        "AWS::URLSuffix": "amazonaws.com",
        "AWS::Partition": "aws",
        "AWS::NotificationARNs": [],
        "AWS::NoValue": NO_VALUE,
    }


def parse_parameter_overrides(text: str | None) -> dict[str, str]:
    """`Key=Value Key2="a b"` or `ParameterKey=K,ParameterValue=V ...`, as `sam deploy --parameter-overrides`."""
    overrides: dict[str, str] = {}
    for token in shlex.split(text or ""):
        if token.startswith("ParameterKey="):
            key, separator, value = token.removeprefix("ParameterKey=").partition(",ParameterValue=")
        else:
            key, separator, value = token.partition("=")
        if not separator or not key:
            raise TemplateError(f"parameter override {token!r} is not Key=Value")
        overrides[key] = value
    return overrides


def resolve_parameters(declared: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    """Each parameter's value (override, else default), checked against its AllowedValues and AllowedPattern."""
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise TemplateError(f"parameter overrides name parameters the template does not declare: {unknown}")
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        if name not in overrides and "Default" not in spec:
            raise TemplateError(f"parameter {name} has no default and no override")
        value = str(overrides.get(name, spec.get("Default")))
        _check_parameter(name, spec, value)
        is_list = bool(_LIST_PARAMETER.match(str(spec.get("Type", ""))))
        values[name] = [item.strip() for item in value.split(",")] if is_list else value
    return values


def _check_parameter(name: str, spec: Mapping[str, Any], value: str) -> None:
    allowed = spec.get("AllowedValues")
    if allowed is not None and value not in [str(item) for item in allowed]:
        raise TemplateError(f"parameter {name}={value!r} is not one of {list(allowed)}")
    pattern = spec.get("AllowedPattern")
    if pattern is not None and not re.fullmatch(str(pattern), value):
        reason = spec.get("ConstraintDescription", f"must match {pattern}")
        raise TemplateError(f"parameter {name}={value!r}: {reason}")


def check_rules(template: Mapping[str, Any], resolver: "Resolver") -> None:
    """The template's `Rules`: an assertion that fails refuses the deployment, as CloudFormation does."""
    for name, rule in (template.get("Rules") or {}).items():
        if "RuleCondition" in rule and not resolver.resolve(rule["RuleCondition"]):
            continue
        for assertion in rule.get("Assertions") or []:
            if not resolver.resolve(assertion["Assert"]):
                raise TemplateError(f"rule {name}: {assertion.get('AssertDescription', 'assertion failed')}")


def merge_globals(global_value: Any, local_value: Any) -> Any:
    """SAM's Globals rule: maps merge (the resource wins), lists add up (globals first), other values override."""
    if isinstance(global_value, Mapping) and isinstance(local_value, Mapping):
        merged = dict(global_value)
        for key, value in local_value.items():
            merged[key] = merge_globals(global_value[key], value) if key in global_value else value
        return merged
    if isinstance(global_value, list) and isinstance(local_value, list):
        return [*global_value, *local_value]
    return local_value


class Resolver:
    """Evaluates intrinsic functions against parameters and the resources deployed so far."""

    def __init__(
        self,
        template: Mapping[str, Any],
        parameters: Mapping[str, Any],
        *,
        ref: Callable[[str], Any],
        get_att: Callable[[str, str], Any],
        pseudo: Mapping[str, Any] | None = None,
    ) -> None:
        self._conditions: Mapping[str, Any] = template.get("Conditions") or {}
        self._mappings: Mapping[str, Any] = template.get("Mappings") or {}
        self._names: dict[str, Any] = {**(pseudo or pseudo_parameters()), **parameters}
        self._ref = ref
        self._get_att = get_att
        self._evaluated: dict[str, bool] = {}

    def resolve(self, value: Any) -> Any:
        """`value` with every intrinsic function evaluated and every `AWS::NoValue` dropped."""
        if isinstance(value, Mapping):
            if len(value) == 1:
                key, argument = next(iter(value.items()))
                intrinsic = _INTRINSICS.get(key)
                if intrinsic is not None:
                    return intrinsic(self, argument)
            resolved = {key: self.resolve(item) for key, item in value.items()}
            return {key: item for key, item in resolved.items() if item is not NO_VALUE}
        if isinstance(value, list):
            return [item for item in (self.resolve(item) for item in value) if item is not NO_VALUE]
        return value

    def condition(self, name: str) -> bool:
        if name not in self._evaluated:
            if name not in self._conditions:
                raise TemplateError(f"unknown condition {name}")
            self._evaluated[name] = bool(self.resolve(self._conditions[name]))
        return self._evaluated[name]

    def condition_holds(self, name: str | None) -> bool:
        """True for a resource or output without `Condition`, else that condition's value."""
        return name is None or self.condition(name)

    def ref(self, name: str) -> Any:
        return self._names[name] if name in self._names else self._ref(name)

    def get_att(self, argument: Any) -> Any:
        target = argument.split(".", 1) if isinstance(argument, str) else self.resolve(argument)
        if len(target) != 2:
            raise TemplateError(f"Fn::GetAtt needs a resource and an attribute, got {argument!r}")
        return self._get_att(str(target[0]), str(target[1]))

    def sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])
        values = {name: self.resolve(value) for name, value in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in values:
                return _text(values[name])
            if "." in name and name not in self._names:
                return _text(self.get_att(name))
            return _text(self.ref(name))

        return _SUB_VARIABLE.sub(replace, str(text))

    def find_in_map(self, argument: Any) -> Any:
        map_name, first, second = self.resolve(argument)
        try:
            return self._mappings[map_name][first][second]
        except KeyError as exc:
            raise TemplateError(f"Fn::FindInMap: no {map_name}/{first}/{second}") from exc


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_text(item) for item in value)
    return str(value)


def _equals(resolver: Resolver, argument: Any) -> bool:
    left, right = resolver.resolve(argument)
    return _text(left) == _text(right)


def _if(resolver: Resolver, argument: Any) -> Any:
    name, when_true, when_false = argument
    return resolver.resolve(when_true if resolver.condition(name) else when_false)


def _select(resolver: Resolver, argument: Any) -> Any:
    index, items = resolver.resolve(argument)
    return items[int(index)]


def _split(resolver: Resolver, argument: Any) -> list[str]:
    delimiter, text = resolver.resolve(argument)
    return str(text).split(str(delimiter))


def _contains(resolver: Resolver, argument: Any) -> bool:
    items, value = resolver.resolve(argument)
    return _text(value) in [_text(item) for item in items]


def _join(resolver: Resolver, argument: Any) -> str:
    delimiter, items = resolver.resolve(argument)
    return str(delimiter).join(_text(item) for item in items)


_INTRINSICS: Final[dict[str, Callable[[Resolver, Any], Any]]] = {
    "Ref": lambda resolver, name: resolver.ref(str(name)),
    "Fn::GetAtt": Resolver.get_att,
    "Fn::Sub": Resolver.sub,
    "Fn::Join": _join,
    "Fn::If": _if,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::Equals": _equals,
    "Fn::Not": lambda resolver, argument: not resolver.resolve(argument)[0],
    "Fn::And": lambda resolver, argument: all(resolver.resolve(argument)),
    "Fn::Or": lambda resolver, argument: any(resolver.resolve(argument)),
    "Condition": Resolver.condition,
    "Fn::FindInMap": Resolver.find_in_map,
    "Fn::Base64": lambda resolver, argument: base64.b64encode(_text(resolver.resolve(argument)).encode()).decode(),
    "Fn::Contains": _contains,
    "Fn::Length": lambda resolver, argument: len(resolver.resolve(argument)),
    "Fn::ToJsonString": lambda resolver, argument: json.dumps(resolver.resolve(argument), separators=(",", ":")),
    "Fn::GetAZs": lambda resolver, _: [f"{resolver.ref('AWS::Region')}{zone}" for zone in "abcdef"],
}


def references(value: Any) -> set[str]:
    """Every name `value` refers to through Ref, Fn::GetAtt or Fn::Sub: the edges of the dependency graph."""
    if isinstance(value, list):
        return set().union(*(references(item) for item in value))
    if not isinstance(value, Mapping):
        return set()
    found: set[str] = set()
    for key, argument in value.items():
        if key == "Ref" and isinstance(argument, str):
            found.add(argument)
        elif key == "Fn::GetAtt":
            found.add(str(argument.split(".", 1)[0] if isinstance(argument, str) else argument[0]))
        elif key == "Fn::Sub":
            text = argument if isinstance(argument, str) else argument[0]
            found |= {name.split(".", 1)[0] for name in _SUB_VARIABLE.findall(str(text)) if not name.startswith("!")}
        found |= references(argument)
    return found


if __name__ == "__main__":
    try:
        print(json.dumps(load_template(Path(sys.argv[1]))))
    except TemplateError as error:
        sys.exit(str(error))
