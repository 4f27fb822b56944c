"""Assertions on template.yaml itself: what every deployment of sfbridge is guaranteed to have."""

import re
import tomllib
from typing import Any

import pytest
from cfnlint.decode import decode
from packaging.requirements import Requirement

from tests.support import ROOT, TEMPLATE

TEMPLATE_DATA, _ = decode(str(TEMPLATE))
RESOURCES: dict[str, Any] = TEMPLATE_DATA["Resources"]
GLOBALS: dict[str, Any] = TEMPLATE_DATA["Globals"]


def _of_type(kind: str) -> dict[str, Any]:
    return {name: resource for name, resource in RESOURCES.items() if resource["Type"] == kind}


def _dead_letter_queues() -> set[str]:
    return {
        queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        for queue in _of_type("AWS::SQS::Queue").values()
        if "RedrivePolicy" in queue.get("Properties", {})
    }


def _alarmed_queues() -> set[str]:
    alarmed = set()
    for alarm in _of_type("AWS::CloudWatch::Alarm").values():
        for dimension in alarm["Properties"].get("Dimensions", []):
            if dimension["Name"] == "QueueName":
                alarmed.add(dimension["Value"]["Fn::GetAtt"][0])
    return alarmed


def _sqs_consumers() -> list[tuple[str, dict[str, Any], str]]:
    return [
        (name, function, event["Properties"]["Queue"]["Fn::GetAtt"][0])
        for name, function in _of_type("AWS::Serverless::Function").items()
        for event in function["Properties"].get("Events", {}).values()
        if event["Type"] == "SQS"
    ]


@pytest.mark.parametrize("queue", sorted(set(_of_type("AWS::SQS::Queue")) - _dead_letter_queues()))
def test_every_work_queue_redrives_to_a_dead_letter_queue(queue):
    redrive = RESOURCES[queue]["Properties"]["RedrivePolicy"]

    assert redrive["deadLetterTargetArn"]["Fn::GetAtt"][0] in _dead_letter_queues()
    assert redrive["maxReceiveCount"] == {"Ref": "MaxReceiveCount"}


@pytest.mark.parametrize("queue", sorted(_dead_letter_queues()))
def test_every_dead_letter_queue_has_an_alarm(queue):
    assert queue in _alarmed_queues()


@pytest.mark.parametrize(("function", "definition", "queue"), _sqs_consumers(), ids=lambda value: str(value)[:40])
def test_every_consumer_reports_partial_batch_failures_and_outlives_its_visibility_timeout(function, definition, queue):
    event = next(e for e in definition["Properties"]["Events"].values() if e["Type"] == "SQS")
    timeout = definition["Properties"].get("Timeout", GLOBALS["Function"]["Timeout"])

    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert RESOURCES[queue]["Properties"]["VisibilityTimeout"] >= 6 * timeout


def test_functions_run_python313_on_arm64_with_tracing():
    function_globals = GLOBALS["Function"]

    assert function_globals["Runtime"] == "python3.13"
    assert function_globals["Architectures"] == ["arm64"]
    assert function_globals["Tracing"] == "Active"
    assert {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE"} <= set(
        function_globals["Environment"]["Variables"]
    )


def test_outbound_message_route_is_served_by_the_receiver():
    events = RESOURCES["OutboundReceiverFunction"]["Properties"]["Events"]

    assert {"Path": "/outbound-messages", "Method": "post"}.items() <= events["OutboundMessage"]["Properties"].items()


def test_receiver_claim_check_threshold_matches_the_queue_limit():
    env = RESOURCES["OutboundReceiverFunction"]["Properties"]["Environment"]["Variables"]

    assert int(env["MAX_QUEUE_MESSAGE_BYTES"]) == RESOURCES["OutboundQueue"]["Properties"]["MaximumMessageSize"]


def test_allowlist_parameter_accepts_15_and_18_character_ids_and_nothing_else():
    pattern = re.compile(TEMPLATE_DATA["Parameters"]["AllowedOrganizationIds"]["AllowedPattern"])

    assert pattern.fullmatch("00DKb00000AbCdE,00DKb00000AbCdEMAV")
    assert not pattern.fullmatch("00DKb00000AbCd")
    assert not pattern.fullmatch("00DKb00000AbCdE;00DKb00000AbCdEMAV")


LAYER = ROOT / "layers" / "dependencies"


def _requirement_lines(text: str) -> list[str]:
    """Requirement lines of a pip requirements file: comments, hashes and continuations left out."""
    joined = text.replace("\\\n", " ")
    return [
        line.split(" --hash")[0].strip()
        for line in joined.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def test_layer_requirements_match_the_project_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    layer = set(_requirement_lines((LAYER / "requirements.in").read_text()))

    assert layer == {dependency for dependency in project if not dependency.startswith("boto3")}


def _layer_requirements(name: str) -> dict[str, Requirement]:
    requirements = (Requirement(line) for line in _requirement_lines((LAYER / name).read_text()))
    return {requirement.name.lower(): requirement for requirement in requirements}


def test_layer_lock_pins_every_requirement_within_its_floor_with_hashes():
    locked = (LAYER / "requirements.txt").read_text()
    pins = _layer_requirements("requirements.txt")

    assert locked.startswith("# This file was autogenerated by uv"), "regenerate it with make lock"
    for name, wanted in _layer_requirements("requirements.in").items():
        (pinned,) = [spec.version for spec in pins[name].specifier if spec.operator == "=="]
        assert wanted.specifier.contains(pinned), f"{wanted}: locked {pinned}; run make lock"
    for entry in re.split(r"\n(?=[a-z])", locked):
        if not entry.startswith("#"):
            assert "--hash=sha256:" in entry, entry.splitlines()[0]


@pytest.mark.parametrize(
    ("name", "refused", "accepted"),
    [
        ("pyjwt", ["2.10.0", "2.11.0"], "2.12.0"),  # partial iss match (2.10.0); unknown crit headers (< 2.12.0)
        ("lxml", ["5.3.0", "6.0.4"], "6.1.0"),  # XXE in iterparse()/ETCompatXMLParser fixed in 6.1.0
    ],
)
def test_layer_floors_exclude_the_vulnerable_releases(name, refused, accepted):
    specifier = _layer_requirements("requirements.in")[name].specifier

    assert specifier.contains(accepted)
    assert not [version for version in refused if specifier.contains(version)]
