"""The Salesforce kit against Salesforce's own Metadata API schema (scripts/salesforce_schema.py).

A deploy parses every metadata file with the XSD of the project's sourceApiVersion and rolls everything back on the
first element that version does not know. These tests prove the committed files pass that schema, and that the
check catches what a deploy would refuse, for the types the kit ships and the ones it is expected to grow.
"""

import shutil
from pathlib import Path

import pytest

from scripts import salesforce_schema
from scripts.salesforce_schema import MetadataSchema, SchemaUnavailable

PROJECT = salesforce_schema.PROJECT
SCHEMAS = salesforce_schema.SCHEMAS
NAMED_CREDENTIAL = PROJECT / "force-app/main/default/namedCredentials/SfbridgeApi.namedCredential-meta.xml"
FILES = salesforce_schema.metadata_files(PROJECT)
MD_XMLNS = 'xmlns="http://soap.sforce.com/2006/04/metadata"'

# Metadata later issues add, in the shapes the Metadata API reference gives for each type.
PLATFORM_EVENT = f"""<?xml version="1.0" encoding="UTF-8"?>
<CustomObject {MD_XMLNS}>
    <deploymentStatus>Deployed</deploymentStatus>
    <eventType>HighVolume</eventType>
    <label>sfbridge Event</label>
    <pluralLabel>sfbridge Events</pluralLabel>
    <publishBehavior>PublishAfterCommit</publishBehavior>
</CustomObject>
"""
PLATFORM_EVENT_FIELD = f"""<?xml version="1.0" encoding="UTF-8"?>
<CustomField {MD_XMLNS}>
    <fullName>Payload__c</fullName>
    <externalId>false</externalId>
    <isFilteringDisabled>false</isFilteringDisabled>
    <isNameField>false</isNameField>
    <isSortingDisabled>false</isSortingDisabled>
    <label>Payload</label>
    <length>131072</length>
    <type>LongTextArea</type>
    <visibleLines>3</visibleLines>
</CustomField>
"""
EXTERNAL_CLIENT_APP = f"""<?xml version="1.0" encoding="UTF-8"?>
<ExternalClientApplication {MD_XMLNS}>
    <contactEmail>integration@example.com</contactEmail>
    <description>sfbridge write-back</description>
    <distributionState>Local</distributionState>
    <isProtected>false</isProtected>
    <label>sfbridge</label>
</ExternalClientApplication>
"""
CONNECTED_APP = f"""<?xml version="1.0" encoding="UTF-8"?>
<ConnectedApp {MD_XMLNS}>
    <contactEmail>integration@example.com</contactEmail>
    <label>sfbridge</label>
    <oauthConfig>
        <callbackUrl>https://login.salesforce.com/services/oauth2/success</callbackUrl>
        <isAdminApproved>true</isAdminApproved>
        <scopes>Api</scopes>
        <scopes>RefreshToken</scopes>
    </oauthConfig>
</ConnectedApp>
"""
PERMISSION_SET = f"""<?xml version="1.0" encoding="UTF-8"?>
<PermissionSet {MD_XMLNS}>
    <hasActivationRequired>false</hasActivationRequired>
    <label>sfbridge Events</label>
    <objectPermissions>
        <allowCreate>true</allowCreate>
        <allowDelete>false</allowDelete>
        <allowEdit>false</allowEdit>
        <allowRead>true</allowRead>
        <modifyAllRecords>false</modifyAllRecords>
        <object>Sfbridge_Event__e</object>
        <viewAllRecords>false</viewAllRecords>
    </objectPermissions>
</PermissionSet>
"""
LATER_METADATA = {
    "objects/Sfbridge_Event__e/Sfbridge_Event__e.object-meta.xml": PLATFORM_EVENT,
    "objects/Sfbridge_Event__e/fields/Payload__c.field-meta.xml": PLATFORM_EVENT_FIELD,
    "externalClientApps/Sfbridge.eca-meta.xml": EXTERNAL_CLIENT_APP,
    "connectedApps/Sfbridge.connectedApp-meta.xml": CONNECTED_APP,
    "permissionsets/Sfbridge_Events.permissionset-meta.xml": PERMISSION_SET,
}


@pytest.fixture(scope="module")
def schema_62() -> MetadataSchema:
    return MetadataSchema(salesforce_schema.wsdl_path(SCHEMAS, "62.0"), "62.0")


@pytest.fixture(scope="module")
def committed_report(schema_62):
    return schema_62.check(FILES)


def write(folder: Path, relative: str, content: str) -> Path:
    path = folder / "force-app/main/default" / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def project_copy(tmp_path: Path) -> Path:
    """A copy of the kit's project, to change without touching the repository."""
    project = tmp_path / "salesforce"
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns("node_modules"))
    return project


def test_the_project_deploys_at_api_62_and_that_schema_is_there():
    # Given the project, Then its sourceApiVersion is the one the check reads, and that WSDL exists
    assert salesforce_schema.source_api_version(PROJECT) == "62.0"
    assert salesforce_schema.wsdl_path(SCHEMAS, "62.0").name == "metadata-v62.0.wsdl"


def test_the_check_reads_every_metadata_file_of_the_kit():
    # Given the kit, Then every metadata folder it ships is among the files checked
    assert {path.parent.name for path in FILES} >= {
        "classes",
        "customPermissions",
        "externalCredentials",
        "flows",
        "namedCredentials",
        "permissionsets",
        "workflows",
    }


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PROJECT)))
def test_every_committed_metadata_file_validates_at_the_source_api_version(path, committed_report):
    # Given a committed metadata file, When validated with the API 62.0 schema, Then it has no problem
    assert committed_report[path] == []


def test_the_whole_kit_passes_from_the_command_line(capsys):
    # When the check runs as CI runs it
    code = salesforce_schema.main([])

    # Then it passes and says how many files it checked at which version
    assert code == 0
    assert f"{len(FILES)} file(s) checked at API 62.0, 0 problem(s)" in capsys.readouterr().out


def test_an_element_unknown_at_the_version_fails_naming_the_file_and_the_element(tmp_path, schema_62):
    # Given the named credential with the <description> that API 62.0 does not have
    content = NAMED_CREDENTIAL.read_text(encoding="utf-8").replace(
        "    <generateAuthorizationHeader>",
        "    <description>sfbridge API</description>\n    <generateAuthorizationHeader>",
    )
    path = write(tmp_path, "namedCredentials/SfbridgeApi.namedCredential-meta.xml", content)

    # When it is validated at 62.0
    (problem,) = schema_62.check([path])[path]

    # Then the problem names the file, the line, the element, the type and the version
    assert problem.path == path
    assert problem.line == content.splitlines().index("    <description>sfbridge API</description>") + 1
    assert "Element 'description': This element is not expected" in problem.message
    assert "(NamedCredential at API 62.0)" in problem.message
    assert str(problem).startswith(f"{path}:{problem.line}: ")


def test_the_same_element_passes_at_a_version_that_has_it(tmp_path):
    # Given the same named credential with <description>
    content = NAMED_CREDENTIAL.read_text(encoding="utf-8").replace(
        "    <generateAuthorizationHeader>",
        "    <description>sfbridge API</description>\n    <generateAuthorizationHeader>",
    )
    path = write(tmp_path, "namedCredentials/SfbridgeApi.namedCredential-meta.xml", content)
    schema_66 = MetadataSchema(salesforce_schema.wsdl_path(SCHEMAS, "66.0"), "66.0")

    # When it is validated at 66.0, Then it passes: the check follows the version, not a fixed list
    assert schema_66.check([path])[path] == []


def test_the_command_line_fails_on_an_unknown_element_and_names_the_file(tmp_path, capsys):
    # Given a copy of the project whose named credential carries <description>
    project = project_copy(tmp_path)
    named = project / NAMED_CREDENTIAL.relative_to(PROJECT)
    named.write_text(
        named.read_text(encoding="utf-8").replace("    <label>", "    <description>x</description>\n    <label>"),
        encoding="utf-8",
    )

    # When the check runs on it
    code = salesforce_schema.main(["--project", str(project)])

    # Then it fails and prints the file and the element
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL metadata schema: salesforce/force-app/main/default/namedCredentials/SfbridgeApi" in out
    assert "Element 'description'" in out


def test_elements_out_of_the_schemas_order_fail(tmp_path, schema_62):
    # Given a permission set whose <label> comes before <hasActivationRequired> (a deploy refuses the order too)
    content = PERMISSION_SET.replace(
        "    <hasActivationRequired>false</hasActivationRequired>\n    <label>sfbridge Events</label>",
        "    <label>sfbridge Events</label>\n    <hasActivationRequired>false</hasActivationRequired>",
    )
    path = write(tmp_path, "permissionsets/Out_Of_Order.permissionset-meta.xml", content)

    # When it is validated, Then the misplaced element is named
    (problem,) = schema_62.check([path])[path]
    assert "Element 'hasActivationRequired': This element is not expected" in problem.message


def test_a_value_outside_the_types_enumeration_fails(tmp_path, schema_62):
    # Given a Platform Event with an event type Salesforce does not have
    path = write(tmp_path, "objects/E__e/E__e.object-meta.xml", PLATFORM_EVENT.replace("HighVolume", "Sometimes"))

    # When it is validated, Then the value and the element are named
    (problem,) = schema_62.check([path])[path]
    assert "Element 'eventType'" in problem.message
    assert "'Sometimes'" in problem.message


@pytest.mark.parametrize("relative", sorted(LATER_METADATA))
def test_metadata_later_issues_add_is_checked_by_its_own_type(relative, tmp_path, schema_62):
    # Given a Platform Event, its field, an External Client App, a connected app or a permission set
    path = write(tmp_path, relative, LATER_METADATA[relative])

    # When it is validated as it is, and with an element its type does not have
    valid = schema_62.check([path])[path]
    path.write_text(path.read_text(encoding="utf-8").replace("<label>", "<notAnElement/>\n    <label>", 1), "utf-8")
    broken = schema_62.check([path])[path]

    # Then it passes, and the unknown element fails, named
    assert valid == []
    assert len(broken) == 1
    assert "Element 'notAnElement': This element is not expected" in broken[0].message


def test_a_project_at_a_version_without_a_schema_fails_clearly(tmp_path, capsys):
    # Given a copy of the project that deploys at API 61.0, for which there is no WSDL
    project = project_copy(tmp_path)
    config = project / "sfdx-project.json"
    config.write_text(config.read_text(encoding="utf-8").replace('"62.0"', '"61.0"'), encoding="utf-8")

    # When the check runs on it
    code = salesforce_schema.main(["--project", str(project)])

    # Then it fails, naming the version, the file it looked for and the versions there are
    out = capsys.readouterr().out
    assert code == 2
    assert "no Metadata API schema for API version 61.0" in out
    assert "metadata-v61.0.wsdl does not exist" in out
    assert "metadata-v62.0.wsdl" in out


def test_an_unknown_version_is_refused_before_any_file_is_read(tmp_path):
    # Given an empty schemas folder, When the 62.0 schema is asked for, Then the error says so
    with pytest.raises(SchemaUnavailable, match=r"API version 62\.0: .* \(available: none\)"):
        salesforce_schema.check_project(PROJECT, tmp_path)


def test_a_root_element_that_is_no_metadata_type_fails(tmp_path, schema_62):
    # Given a file whose root is a Metadata API result type, not a deployable metadata type
    path = write(tmp_path, "classes/Odd.cls-meta.xml", f"<DeployResult {MD_XMLNS}><done>true</done></DeployResult>")

    # When it is validated, Then the root is named as no metadata type
    (problem,) = schema_62.check([path])[path]
    assert problem.message == "root element DeployResult is no metadata type at API 62.0"


def test_a_root_element_outside_the_metadata_namespace_fails(tmp_path, schema_62):
    # Given a permission set without the metadata namespace
    path = write(
        tmp_path, "permissionsets/Bare.permissionset-meta.xml", "<PermissionSet><label>x</label></PermissionSet>"
    )

    # When it is validated, Then the namespace is the problem
    (problem,) = schema_62.check([path])[path]
    assert problem.message == "root element PermissionSet is not in the Metadata API namespace"


def test_a_file_that_is_not_well_formed_fails_with_its_line(tmp_path, schema_62):
    # Given a truncated permission set
    path = write(tmp_path, "permissionsets/Cut.permissionset-meta.xml", f"<PermissionSet {MD_XMLNS}>\n<label>x")

    # When it is validated, Then the file is reported as not well-formed, and the others still validate
    report = schema_62.check([path, NAMED_CREDENTIAL])
    (problem,) = report[path]
    assert problem.message.startswith("not well-formed XML: ")
    assert problem.line == 2
    assert report[NAMED_CREDENTIAL] == []
