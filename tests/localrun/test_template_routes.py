"""The runner serves exactly the API routes template.yaml declares, read here without the runner's own code."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from moto import mock_aws

from localrun.api import LocalApi
from localrun.stack import LocalStack
from tests.support import TEMPLATE, UNAUTHENTICATED


class _AnyTagLoader(yaml.SafeLoader):
    """Plain YAML: CloudFormation's short-form tags (!Ref, !Sub...) load as None; only the structure matters."""


_AnyTagLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def declared_routes() -> set[tuple[str, str]]:
    """(METHOD, path) of every `Type: Api` event of an unconditional resource in template.yaml."""
    text = TEMPLATE.read_text(encoding="utf-8")
    resources: dict[str, Any] = yaml.load(text, Loader=_AnyTagLoader)["Resources"]  # noqa: S506 (a SafeLoader)
    return {
        (str(event["Properties"]["Method"]).upper(), str(event["Properties"]["Path"]))
        for resource in resources.values()
        if "Condition" not in resource
        for event in ((resource.get("Properties") or {}).get("Events") or {}).values()
        if event.get("Type") == "Api"
    }


@pytest.fixture(scope="module")
def project_stack() -> Iterator[LocalStack]:
    with mock_aws():
        yield LocalStack.deploy(TEMPLATE, overrides=UNAUTHENTICATED)


def test_routes_are_those_of_the_template(project_stack: LocalStack) -> None:
    assert {(route.method, route.path) for route in project_stack.api_routes} == declared_routes()


def test_every_declared_route_is_served_at_the_root_and_under_its_stage(project_stack: LocalStack) -> None:
    api = LocalApi(project_stack.api_routes, project_stack.apis, lambda logical_id, event: None)
    stage = project_stack.apis[project_stack.api_routes[0].api_logical_id].stage_name

    for method, path in declared_routes():
        concrete = re.sub(r"\{[^}]+\}", "x", path)
        verb = "GET" if method == "ANY" else method
        assert api.match(verb, concrete) is not None, f"{method} {path}"
        assert api.match(verb, f"/{stage}{concrete}") is not None, f"{method} /{stage}{path}"
