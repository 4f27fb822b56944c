"""The Salesforce side of job results matches what the AWS side publishes, and who may publish it."""

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from sfbridge.domain.job_results import CAUSE_LIMIT, OUTPUT_LIMIT, TEXT_LIMIT
from sfbridge.models.job_results import JobResultEvent

DEFAULT = Path(__file__).parents[2] / "salesforce" / "force-app" / "main" / "default"
EVENT = DEFAULT / "objects" / "Sfbridge_Job_Result__e"
MD = "{http://soap.sforce.com/2006/04/metadata}"


def _root(path: Path) -> ET.Element:
    return ET.parse(path).getroot()  # noqa: S314 - the project's own files


def _text(root: ET.Element, name: str) -> str | None:
    found = root.find(MD + name)
    return None if found is None else (found.text or "").strip()


def _fields() -> dict[str, ET.Element]:
    return {path.name.split(".")[0]: _root(path) for path in (EVENT / "fields").glob("*.field-meta.xml")}


def test_event_fields_are_the_fields_the_function_publishes():
    published = {field.alias for field in JobResultEvent.model_fields.values()}

    assert set(_fields()) == published
    assert _text(_root(EVENT / "Sfbridge_Job_Result__e.object-meta.xml"), "eventType") == "HighVolume"


def test_field_lengths_are_the_limits_the_function_cuts_to():
    fields = _fields()

    assert _text(fields["Output__c"], "type") == "LongTextArea"
    assert int(_text(fields["Output__c"], "length") or 0) == OUTPUT_LIMIT
    assert int(_text(fields["Error_Cause__c"], "length") or 0) == CAUSE_LIMIT
    for name in ("Job_Id__c", "Error_Code__c", "Execution_Arn__c", "Request_Id__c"):
        assert int(_text(fields[name], "length") or 0) == TEXT_LIMIT, name
    assert _text(fields["Output_Truncated__c"], "type") == "Checkbox"


def test_fields_the_function_always_sends_are_required():
    required = {name for name, root in _fields().items() if _text(root, "required") == "true"}
    always = {f.alias for f in JobResultEvent.model_fields.values() if f.is_required()}

    assert required == always


def test_connected_app_pre_authorizes_the_write_back_permission_set_with_a_certificate():
    app = _root(DEFAULT / "connectedApps" / "Sfbridge_Call_In.connectedApp-meta.xml")
    oauth = app.find(MD + "oauthConfig")
    assert oauth is not None

    assert _text(oauth, "isAdminApproved") == "true"
    assert _text(oauth, "certificate") == "CERTIFICATE"  # replaced from SFBRIDGE_JWT_CERTIFICATE at deploy time
    assert [s.text for s in oauth.iter(MD + "scopes")] == ["Api", "RefreshToken"]
    assert _text(app, "permissionSetName") == "Sfbridge_Write_Back"
    project = json.loads((DEFAULT.parents[2] / "sfdx-project.json").read_text(encoding="utf-8"))
    assert "SFBRIDGE_JWT_CERTIFICATE" in {r["replaceWithEnv"] for r in project["replacements"]}


def test_write_back_permission_set_may_use_the_api_publish_results_and_skip_outbound_messages():
    permission_set = _root(DEFAULT / "permissionsets" / "Sfbridge_Write_Back.permissionset-meta.xml")
    objects = {
        _text(p, "object"): (_text(p, "allowCreate"), _text(p, "allowRead"), _text(p, "allowEdit"))
        for p in permission_set.iter(MD + "objectPermissions")
    }
    user_permissions = {_text(p, "name") for p in permission_set.iter(MD + "userPermissions")}
    custom = {_text(p, "name") for p in permission_set.iter(MD + "customPermissions")}

    assert objects == {"Sfbridge_Job_Result__e": ("true", "true", "false")}
    assert user_permissions == {"ApiEnabled"}
    assert custom == {"Sfbridge_Skip_Outbound_Message"}


def test_example_subscriber_is_an_active_trigger_on_the_event_with_a_test():
    trigger = (DEFAULT / "triggers" / "SfbridgeJobResult.trigger").read_text(encoding="utf-8")
    meta = _root(DEFAULT / "triggers" / "SfbridgeJobResult.trigger-meta.xml")

    assert "on Sfbridge_Job_Result__e(after insert)" in trigger
    assert (_text(meta, "apiVersion"), _text(meta, "status")) == ("62.0", "Active")
    assert "EventBus.publish" in (DEFAULT / "classes" / "SfbridgeJobResultTest.cls").read_text(encoding="utf-8")
