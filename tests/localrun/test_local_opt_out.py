"""`make run`'s explicit opt-out: added only when no token is given, and never over what the user passed."""

from localrun.run import OPT_OUT, with_local_opt_out

TEMPLATE = {"Parameters": {"EndpointToken": {"Type": "String"}, OPT_OUT: {"Type": "String", "Default": "false"}}}


def test_without_a_token_the_local_run_opts_out_explicitly():
    assert with_local_opt_out(TEMPLATE, {"LogLevel": "DEBUG"}) == {"LogLevel": "DEBUG", OPT_OUT: "true"}


def test_with_a_token_the_template_rule_is_left_to_require_it():
    overrides = {"EndpointToken": "local-token-0123456789abcdef"}

    assert with_local_opt_out(TEMPLATE, overrides) == overrides


def test_an_explicit_choice_is_kept():
    assert with_local_opt_out(TEMPLATE, {OPT_OUT: "false"}) == {OPT_OUT: "false"}


def test_a_template_without_the_parameter_is_left_alone():
    assert with_local_opt_out({"Parameters": {}}, {}) == {}
