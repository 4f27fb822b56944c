"""Template evaluation: parameter overrides, parameters, Globals and each intrinsic function."""

from pathlib import Path
from typing import Any

import pytest

from localrun.template import (
    NO_VALUE,
    Resolver,
    TemplateError,
    check_rules,
    decode_in_background,
    merge_globals,
    parse_parameter_overrides,
    references,
    resolve_parameters,
)

TEMPLATE: dict[str, Any] = {
    "Conditions": {
        "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
        "IsNotProd": {"Fn::Not": [{"Condition": "IsProd"}]},
        "HasEither": {"Fn::Or": [{"Condition": "IsProd"}, {"Fn::Equals": ["a", "a"]}]},
    },
    "Mappings": {"Sizes": {"prod": {"Memory": 1024}}},
}
RESOURCES = {"Queue": "https://queue.example/q"}
ATTRIBUTES = {("Queue", "Arn"): "arn:aws:sqs:us-east-1:123456789012:q"}


def resolver(**parameters: Any) -> Resolver:
    return Resolver(
        TEMPLATE,
        {"Stage": "dev", "Ids": ["a", "b"], **parameters},
        ref=lambda name: RESOURCES[name],
        get_att=lambda name, attribute: ATTRIBUTES[(name, attribute)],
    )


def test_overrides_in_key_value_form() -> None:
    assert parse_parameter_overrides('Stage=v2 LogLevel=DEBUG Empty= Quoted="a b"') == {
        "Stage": "v2",
        "LogLevel": "DEBUG",
        "Empty": "",
        "Quoted": "a b",
    }


def test_overrides_in_parameter_key_form_keep_commas_in_values() -> None:
    text = "ParameterKey=Ids,ParameterValue=00D000000000001,00D000000000002 ParameterKey=Stage,ParameterValue=v1"
    assert parse_parameter_overrides(text) == {"Ids": "00D000000000001,00D000000000002", "Stage": "v1"}


def test_override_without_a_value_is_refused() -> None:
    with pytest.raises(TemplateError, match="Key=Value"):
        parse_parameter_overrides("Stage")


def test_parameters_take_overrides_over_defaults() -> None:
    declared = {"Stage": {"Type": "String", "Default": "v1"}, "Count": {"Type": "Number", "Default": 3}}
    assert resolve_parameters(declared, {"Stage": "v2"}) == {"Stage": "v2", "Count": "3"}


def test_list_parameters_become_lists() -> None:
    declared = {"Ids": {"Type": "CommaDelimitedList", "Default": "a, b"}}
    assert resolve_parameters(declared, {}) == {"Ids": ["a", "b"]}


@pytest.mark.parametrize(
    ("declared", "overrides", "message"),
    [
        ({"Stage": {"Type": "String"}}, {}, "no default"),
        ({"Stage": {"Type": "String", "Default": "v1"}}, {"Other": "x"}, "does not declare"),
        ({"Level": {"Type": "String", "Default": "INFO", "AllowedValues": ["INFO"]}}, {"Level": "X"}, "one of"),
        ({"Name": {"Type": "String", "Default": "a", "AllowedPattern": "^[a-z]+$"}}, {"Name": "A1"}, "must match"),
    ],
)
def test_parameters_cloudformation_would_refuse_are_refused(
    declared: dict[str, Any], overrides: dict[str, str], message: str
) -> None:
    with pytest.raises(TemplateError, match=message):
        resolve_parameters(declared, overrides)


def test_globals_merge_maps_add_lists_and_let_the_function_win() -> None:
    globals_ = {"Timeout": 10, "Layers": ["shared"], "Environment": {"Variables": {"A": "1", "B": "1"}}}
    function = {"Timeout": 20, "Layers": ["own"], "Environment": {"Variables": {"B": "2"}}}
    assert merge_globals(globals_, function) == {
        "Timeout": 20,
        "Layers": ["shared", "own"],
        "Environment": {"Variables": {"A": "1", "B": "2"}},
    }


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ({"Ref": "Stage"}, "dev"),
        ({"Ref": "AWS::Region"}, "us-east-1"),
        ({"Ref": "AWS::AccountId"}, "123456789012"),
        ({"Ref": "AWS::StackName"}, "sfbridge-local"),
        ({"Ref": "AWS::Partition"}, "aws"),
        ({"Ref": "AWS::URLSuffix"}, "amazonaws.com"),
        ({"Ref": "Queue"}, "https://queue.example/q"),
        ({"Fn::GetAtt": ["Queue", "Arn"]}, "arn:aws:sqs:us-east-1:123456789012:q"),
        ({"Fn::GetAtt": "Queue.Arn"}, "arn:aws:sqs:us-east-1:123456789012:q"),
        (
            {"Fn::Sub": "${AWS::StackName}-${Stage}-${Queue.Arn}-${!Literal}"},
            "sfbridge-local-dev-arn:aws:sqs:us-east-1:123456789012:q-${Literal}",
        ),
        ({"Fn::Sub": ["${Name}/${Stage}", {"Name": {"Ref": "AWS::Region"}}]}, "us-east-1/dev"),
        ({"Fn::Join": [",", ["a", {"Ref": "Stage"}]]}, "a,dev"),
        ({"Fn::Select": [1, {"Ref": "Ids"}]}, "b"),
        ({"Fn::Split": ["/", "a/b/c"]}, ["a", "b", "c"]),
        ({"Fn::Select": ["2", {"Fn::Split": ["/", "a/b/c"]}]}, "c"),
        ({"Fn::If": ["IsProd", "big", "small"]}, "small"),
        ({"Fn::If": ["IsNotProd", "big", "small"]}, "big"),
        ({"Fn::Equals": [{"Ref": "Stage"}, "dev"]}, True),
        ({"Fn::Not": [{"Fn::Equals": [{"Ref": "Stage"}, "dev"]}]}, False),
        ({"Fn::If": ["HasEither", "yes", "no"]}, "yes"),
        ({"Fn::FindInMap": ["Sizes", "prod", "Memory"]}, 1024),
        ({"Fn::Base64": "hi"}, "aGk="),
        ({"Fn::Contains": [["a", "dev"], {"Ref": "Stage"}]}, True),
        ({"Fn::Length": [1, 2, 3]}, 3),
        ({"Fn::ToJsonString": {"a": {"Ref": "Stage"}}}, '{"a":"dev"}'),
    ],
)
def test_intrinsic_functions_evaluate_like_cloudformation(expression: Any, expected: Any) -> None:
    assert resolver().resolve(expression) == expected


def test_no_value_drops_the_key_and_the_list_item() -> None:
    value = {
        "Keep": 1,
        "Drop": {"Fn::If": ["IsProd", 1, {"Ref": "AWS::NoValue"}]},
        "List": [{"Ref": "AWS::NoValue"}, 2],
    }
    assert resolver().resolve(value) == {"Keep": 1, "List": [2]}


def test_condition_follows_the_parameters() -> None:
    assert resolver(Stage="prod").condition("IsProd") is True
    assert resolver().condition("IsProd") is False


def test_no_value_is_a_sentinel_not_a_string() -> None:
    assert resolver().ref("AWS::NoValue") is NO_VALUE


def test_references_name_every_resource_a_value_depends_on() -> None:
    value = {
        "A": {"Ref": "Dlq"},
        "B": {"Fn::GetAtt": "Table.Arn"},
        "C": {"Fn::Sub": "${Bucket}/${Topic.TopicName}/${!NotThis}"},
        "D": [{"Fn::GetAtt": ["Bus", "Arn"]}],
    }
    assert references(value) == {"Dlq", "Table", "Bucket", "Topic", "Bus"}


def test_a_failing_rule_assertion_refuses_the_deployment() -> None:
    rules = {
        "Rules": {
            "ProdNeedsBig": {
                "RuleCondition": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
                "Assertions": [
                    {"Assert": {"Fn::Equals": [{"Ref": "Size"}, "big"]}, "AssertDescription": "prod is big"}
                ],
            }
        }
    }

    check_rules(rules, resolver(Size="small"))  # the rule applies to prod only
    with pytest.raises(TemplateError, match="prod is big"):
        check_rules(rules, resolver(Stage="prod", Size="small"))


def test_template_decoded_in_a_second_process_is_the_same_data(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      Name: !Ref AWS::StackName\n"
    )

    decoded = decode_in_background(template)()

    assert decoded == {
        "Resources": {"Queue": {"Type": "AWS::SQS::Queue", "Properties": {"Name": {"Ref": "AWS::StackName"}}}}
    }


def test_template_that_does_not_parse_is_refused(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text("Resources: [unclosed\n")

    with pytest.raises(TemplateError, match="template"):
        decode_in_background(template)()
