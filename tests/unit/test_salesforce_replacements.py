"""The deploy-time values (salesforce/scripts/check-replacements.mjs, run by `npm run deploy` before the sf CLI).

The sf CLI fills the placeholders of sfdx-project.json's "replacements" with String.prototype.replace, where `$&`,
`$1`, `$$`, `` $` `` and `$'` in a value are patterns, and the value lands in XML text, where `&` and `<` are
markup. The script runs under node, as it does before a deploy.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

SALESFORCE = Path(__file__).parents[2] / "salesforce"
SCRIPT = SALESFORCE / "scripts" / "check-replacements.mjs"
NODE = shutil.which("node")
VALID = {
    "SFBRIDGE_API_BASE_URL": "https://abc123.execute-api.eu-west-1.amazonaws.com/v1",
    "SFBRIDGE_AWS_REGION": "eu-west-1",
    "SFBRIDGE_OUTBOUND_MESSAGE_URL": "https://abc123.execute-api.eu-west-1.amazonaws.com/v1/outbound-messages?token=9f1c",
    "SFBRIDGE_INTEGRATION_USERNAME": "integration.user@example.com",
    "SFBRIDGE_CONTACT_EMAIL": "integration-admins@example.com",
    "SFBRIDGE_JWT_CERTIFICATE": "\n".join(
        ["-----BEGIN CERTIFICATE-----", "MIIDCTCCAfGgAwIBAgIUQ2Zr+7Xh/0k=", "-----END CERTIFICATE-----"]
    ),
}


def run_check(values: dict[str, str], project: Path = SALESFORCE) -> subprocess.CompletedProcess[str]:
    assert NODE, "node is needed for the Salesforce kit (scripts/check_salesforce.sh uses it too)"
    # Only PATH and the values given: SFBRIDGE_* variables of the shell running the tests must not leak in.
    env = {"PATH": os.environ.get("PATH", ""), **values}
    return subprocess.run(
        [NODE, str(SCRIPT), str(project)], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def failures(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("FAIL ")]


def test_the_projects_variables_are_the_ones_checked():
    # Given the variables sfdx-project.json substitutes
    project = json.loads((SALESFORCE / "sfdx-project.json").read_text(encoding="utf-8"))
    names = {replacement["replaceWithEnv"] for replacement in project["replacements"]}

    # Then the valid set used below is exactly those
    assert names == set(VALID)


def test_valid_values_pass_and_every_variable_is_listed():
    # When every variable holds a value from the stack outputs
    result = run_check(VALID)

    # Then the check passes and names the variables it checked
    assert result.returncode == 0, result.stderr
    assert f"Deploy-time values: {len(VALID)} variable(s) set and safe to substitute" in result.stdout
    assert all(name in result.stdout for name in VALID)


@pytest.mark.parametrize("name", sorted(VALID))
def test_a_missing_variable_is_named_with_the_file_it_goes_into(name):
    # Given every variable but one
    values = {key: value for key, value in VALID.items() if key != name}

    # When checked
    result = run_check(values)

    # Then the check fails naming only that variable, and says nothing was deployed
    assert result.returncode == 1
    (failure,) = failures(result)
    assert failure.startswith(f"FAIL deploy-time value: {name} is not set: sfdx-project.json puts it into force-app/")
    assert "Nothing was deployed." in result.stderr


def test_an_empty_variable_counts_as_missing():
    # Given the region set but empty (the sf CLI treats an empty variable as unset)
    result = run_check({**VALID, "SFBRIDGE_AWS_REGION": ""})

    # Then it is named as not set
    assert result.returncode == 1
    assert failures(result) == [
        "FAIL deploy-time value: SFBRIDGE_AWS_REGION is not set: sfdx-project.json puts it into "
        "force-app/main/default/externalCredentials/SfbridgeAws.externalCredential-meta.xml"
    ]


def test_every_missing_variable_is_named_at_once():
    # When nothing is set, Then all of them are named in one run
    result = run_check({})

    assert result.returncode == 1
    assert [line.split()[3] for line in failures(result)] == list(VALID)


@pytest.mark.parametrize("pattern", ["$&", "$1", "$$", "$`", "$'", "$12"])
def test_a_replace_pattern_in_a_value_is_refused_without_printing_the_value(pattern):
    # Given an endpoint token holding a sequence String.replace would expand
    secret = f"9f1c{pattern}a7"
    url = f"{VALID['SFBRIDGE_OUTBOUND_MESSAGE_URL']}{secret}"

    # When checked
    result = run_check({**VALID, "SFBRIDGE_OUTBOUND_MESSAGE_URL": url})

    # Then it is refused, naming the variable and the sequence but never the value
    assert result.returncode == 1
    assert any(
        f'SFBRIDGE_OUTBOUND_MESSAGE_URL contains "{pattern[:2]}", which String.replace' in line
        for line in failures(result)
    )
    assert secret not in result.stdout + result.stderr


def test_the_patterns_refused_are_the_ones_node_really_expands():
    # Given node's String.replace, as the sf CLI calls it with a regular expression and a string
    script = (
        "const out = {};"
        "for (const p of ['$&', '$1', '$$', '$`', \"$'\", '$x', 'a$']) out[p] = 'xREGIONy'.replace(/(REGION)/g, p);"
        "console.log(JSON.stringify(out));"
    )
    assert NODE
    result = subprocess.run([NODE, "-e", script], capture_output=True, text=True, timeout=60, check=True)

    # Then each refused sequence comes out changed, and a "$" before anything else stays as written
    replaced = json.loads(result.stdout)
    assert replaced == {
        "$&": "xREGIONy",
        "$1": "xREGIONy",
        "$$": "x$y",
        "$`": "xxy",
        "$'": "xyy",
        "$x": "x$xy",
        "a$": "xa$y",
    }
    plain = run_check({**VALID, "SFBRIDGE_INTEGRATION_USERNAME": "price$x@example.com"})
    assert plain.returncode == 0, plain.stderr


@pytest.mark.parametrize("character", ["&", "<"])
def test_xml_markup_in_a_value_is_refused(character):
    # Given a username with a character that is markup in the workflow file
    result = run_check({**VALID, "SFBRIDGE_INTEGRATION_USERNAME": f"a{character}b@example.com"})

    # Then it is refused, naming the variable, the character and the file
    assert result.returncode == 1
    assert failures(result) == [
        f'FAIL deploy-time value: SFBRIDGE_INTEGRATION_USERNAME contains "{character}", which is XML markup in '
        "force-app/main/default/workflows/Opportunity.workflow-meta.xml; it cannot be substituted as text"
    ]


def test_a_replacement_the_cli_skips_for_this_environment_needs_no_variable(tmp_path):
    # Given a project whose one replacement applies only when DEPLOY_TARGET is "prod"
    config = {
        "replacements": [
            {
                "filename": "force-app/main/default/namedCredentials/SfbridgeApi.namedCredential-meta.xml",
                "stringToReplace": "https://API_ID.execute-api.REGION.amazonaws.com/STAGE",
                "replaceWithEnv": "SFBRIDGE_PROD_URL",
                "replaceWhenEnv": [{"env": "DEPLOY_TARGET", "value": "prod"}],
            }
        ]
    }
    (tmp_path / "sfdx-project.json").write_text(json.dumps(config), encoding="utf-8")

    # When checked for another target and for prod
    other = run_check({"DEPLOY_TARGET": "dev"}, project=tmp_path)
    prod = run_check({"DEPLOY_TARGET": "prod"}, project=tmp_path)

    # Then only the prod deploy needs the variable
    assert other.returncode == 0, other.stderr
    assert prod.returncode == 1
    assert "SFBRIDGE_PROD_URL is not set" in prod.stderr
