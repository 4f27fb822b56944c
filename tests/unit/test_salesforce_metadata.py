"""The Salesforce DX project under salesforce/: its metadata files fit together.

A Salesforce org is the only thing that can deploy these files, so these tests check, offline, the links
a deploy would reject or, worse, accept and then fail at run time: names that refer to one another,
the fields sfbridge relies on, and the placeholders that the sf CLI fills at deploy time.
"""

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

SALESFORCE = Path(__file__).parents[2] / "salesforce"
DEFAULT = SALESFORCE / "force-app" / "main" / "default"
MD = "{http://soap.sforce.com/2006/04/metadata}"

METADATA_FILES = sorted(p for p in SALESFORCE.rglob("*.xml") if "node_modules" not in p.parts)


def parse(path: Path) -> ET.Element:
    # The standard library parser is fine: these are the project's own files, not untrusted input.
    return ET.parse(path).getroot()  # noqa: S314


def texts(element: ET.Element, path: str) -> list[str]:
    """Text of every element matching `path`, written without the metadata namespace."""
    return [(found.text or "").strip() for found in element.iterfind(MD + path.replace("/", f"/{MD}"))]


def text(element: ET.Element, path: str) -> str:
    (value,) = texts(element, path)
    return value


def parameters(root: ET.Element, element_name: str) -> list[dict[str, str]]:
    """Credential parameters as dictionaries of their child elements."""
    return [
        {child.tag.removeprefix(MD): (child.text or "").strip() for child in parameter}
        for parameter in root.iterfind(f"{MD}{element_name}")
    ]


def of_type(found: list[dict[str, str]], parameter_type: str) -> list[dict[str, str]]:
    return [parameter for parameter in found if parameter["parameterType"] == parameter_type]


def apex_classes() -> list[str]:
    """Names of the Apex classes that are not tests (test classes get no class access)."""
    return sorted(
        path.stem
        for path in (DEFAULT / "classes").glob("*.cls")
        if "@istest" not in path.read_text(encoding="utf-8").lower()
    )


def outbound_message() -> ET.Element:
    workflow = parse(DEFAULT / "workflows" / "Opportunity.workflow-meta.xml")
    (message,) = workflow.iterfind(f"{MD}outboundMessages")
    return message


def test_the_project_holds_metadata_files():
    # Given the Salesforce project, Then it has metadata for every part sfbridge ships
    folders = {path.parent.name for path in METADATA_FILES}

    assert {
        "classes",
        "externalCredentials",
        "namedCredentials",
        "permissionsets",
        "workflows",
        "flows",
        "customPermissions",
    } <= folders


@pytest.mark.parametrize("path", METADATA_FILES, ids=lambda p: str(p.relative_to(SALESFORCE)))
def test_every_metadata_file_is_well_formed_xml_in_the_metadata_namespace(path):
    # Given a metadata file, When it is parsed
    root = parse(path)

    # Then its root element is in the Metadata API namespace
    assert root.tag.startswith(MD), root.tag


def test_the_project_deploys_force_app_at_api_62():
    # Given the project file
    project = json.loads((SALESFORCE / "sfdx-project.json").read_text(encoding="utf-8"))

    # Then force-app is the default package directory and the source API version is 62.0
    assert project["sourceApiVersion"] == "62.0"
    assert {"path": "force-app", "default": True} in project["packageDirectories"]


@pytest.mark.parametrize("meta", sorted((DEFAULT / "classes").glob("*.cls-meta.xml")), ids=lambda p: p.name)
def test_every_apex_class_is_active_at_api_62(meta):
    # Given a class's metadata file, When it is read
    root = parse(meta)

    # Then it pins API 62.0 and is active
    assert text(root, "apiVersion") == "62.0"
    assert text(root, "status") == "Active"
    assert meta.with_name(meta.name.removesuffix("-meta.xml")).is_file()


def test_the_named_credential_references_the_external_credential_that_exists():
    # Given the named credential
    named = parse(DEFAULT / "namedCredentials" / "SfbridgeApi.namedCredential-meta.xml")

    # When its authentication parameter is read
    (auth,) = of_type(parameters(named, "namedCredentialParameters"), "Authentication")

    # Then it names an external credential file of the project
    name = auth["externalCredential"]
    assert (DEFAULT / "externalCredentials" / f"{name}.externalCredential-meta.xml").is_file()


def test_the_named_credential_is_a_secured_endpoint_that_signs_every_callout():
    # Given the named credential
    named = parse(DEFAULT / "namedCredentials" / "SfbridgeApi.namedCredential-meta.xml")

    # When its type, header setting and URL are read
    (url,) = of_type(parameters(named, "namedCredentialParameters"), "Url")

    # Then Salesforce generates the Authorization header for the API Gateway stage URL
    assert text(named, "namedCredentialType") == "SecuredEndpoint"
    assert text(named, "generateAuthorizationHeader") == "true"
    assert url["parameterValue"] == "https://API_ID.execute-api.REGION.amazonaws.com/STAGE"


def test_the_external_credential_signs_for_api_gateway_with_sigv4():
    # Given the external credential
    external = parse(DEFAULT / "externalCredentials" / "SfbridgeAws.externalCredential-meta.xml")

    # When its parameters are read by name
    by_name = {p["parameterName"]: p for p in parameters(external, "externalCredentialParameters")}

    # Then it signs AWS Signature V4 for execute-api in one region, through one named principal
    assert text(external, "authenticationProtocol") == "AwsSv4"
    assert by_name["AwsService"] == {
        "parameterGroup": "DefaultGroup",
        "parameterName": "AwsService",
        "parameterType": "AuthParameter",
        "parameterValue": "execute-api",
    }
    assert by_name["AwsRegion"]["parameterType"] == "AuthParameter"
    principals = of_type(list(by_name.values()), "NamedPrincipal")
    assert [p["parameterName"] for p in principals] == ["SfbridgeCaller"]
    assert principals[0]["sequenceNumber"] == "1"


def test_the_integration_permission_set_grants_the_principal_that_exists():
    # Given the external credential's principals and the integration permission set
    external = parse(DEFAULT / "externalCredentials" / "SfbridgeAws.externalCredential-meta.xml")
    principals = {
        f"SfbridgeAws-{p['parameterName']}"
        for p in of_type(parameters(external, "externalCredentialParameters"), "NamedPrincipal")
    }
    permission_set = parse(DEFAULT / "permissionsets" / "Sfbridge_Integration.permissionset-meta.xml")

    # When its principal accesses are read
    granted = {
        access["externalCredentialPrincipal"]
        for access in parameters(permission_set, "externalCredentialPrincipalAccesses")
        if access["enabled"] == "true"
    }

    # Then it grants exactly the principals the external credential defines
    assert granted == principals


def test_the_integration_permission_set_grants_every_apex_class():
    # Given the integration permission set
    permission_set = parse(DEFAULT / "permissionsets" / "Sfbridge_Integration.permissionset-meta.xml")

    # When its class accesses are read
    granted = sorted(
        access["apexClass"] for access in parameters(permission_set, "classAccesses") if access["enabled"] == "true"
    )

    # Then every non-test Apex class of the project is granted, and nothing else
    assert granted == apex_classes()
    assert granted == ["SfbridgeClient", "SfbridgeRetryQueueable"]


def test_the_outbound_message_sends_id_and_system_modstamp():
    # Given the Opportunity Outbound Message, When its fields are read
    fields = texts(outbound_message(), "fields")

    # Then it sends the record id and the version stamp sfbridge orders deliveries by
    assert {"Id", "SystemModstamp"} <= set(fields)
    assert len(fields) == len(set(fields))


def test_the_outbound_message_never_sends_a_session_id():
    # Given the Opportunity Outbound Message
    message = outbound_message()

    # Then it carries no session, goes to the outbound-messages route and is named as the flow expects
    assert text(message, "includeSessionId") == "false"
    assert text(message, "fullName") == "Sfbridge_Opportunity"
    assert text(message, "endpointUrl").endswith("/outbound-messages")


def test_the_flow_action_sends_the_workflows_outbound_message():
    # Given the record-triggered flow and the workflow's Outbound Message
    flow = parse(DEFAULT / "flows" / "Sfbridge_Opportunity_Changed.flow-meta.xml")
    message_name = f"Opportunity.{text(outbound_message(), 'fullName')}"

    # When its action calls are read
    (action,) = flow.iterfind(f"{MD}actionCalls")

    # Then the one action sends that Outbound Message after an Opportunity is saved
    assert text(action, "actionType") == "outboundMessage"
    assert text(action, "actionName") == message_name
    assert text(flow, "start/object") == "Opportunity"
    assert text(flow, "start/triggerType") == "RecordAfterSave"
    assert text(flow, "start/recordTriggerType") == "CreateAndUpdate"
    assert text(flow, "start/connector/targetReference") == text(action, "name")


def test_the_flow_skips_changes_made_by_the_write_back_user():
    # Given the flow's entry condition
    flow = parse(DEFAULT / "flows" / "Sfbridge_Opportunity_Changed.flow-meta.xml")
    (permission,) = re.findall(r"NOT\(\{!\$Permission\.(\w+)\}\)", text(flow, "start/filterFormula"))

    # When the permission sets are searched for that custom permission
    holders = [
        path.name
        for path in (DEFAULT / "permissionsets").glob("*.permissionset-meta.xml")
        if permission in texts(parse(path), "customPermissions/name")
    ]

    # Then the custom permission exists and only the write-back permission set grants it
    assert (DEFAULT / "customPermissions" / f"{permission}.customPermission-meta.xml").is_file()
    assert holders == ["Sfbridge_Write_Back.permissionset-meta.xml"]


def test_every_deploy_time_placeholder_is_present_in_its_file():
    # Given the string replacements the sf CLI applies at deploy time
    project = json.loads((SALESFORCE / "sfdx-project.json").read_text(encoding="utf-8"))

    for replacement in project["replacements"]:
        # When the file each one targets is read
        content = (SALESFORCE / replacement["filename"]).read_text(encoding="utf-8")
        pattern = replacement.get("regexToReplace") or re.escape(replacement["stringToReplace"])

        # Then the placeholder is there to replace, from an SFBRIDGE_ environment variable
        assert re.search(pattern, content), replacement
        assert replacement["replaceWithEnv"].startswith("SFBRIDGE_")
