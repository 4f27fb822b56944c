"""`python -m sfbridge.codegen`: typed sObject models from Outbound Message WSDLs, refusing anything else."""

import base64
import importlib.util
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType

import pytest
from pydantic import ValidationError

from sfbridge import sobjects
from sfbridge.codegen import generate_module
from sfbridge.codegen.render import GENERATED_BY
from sfbridge.codegen.wsdl import FieldType, merge_sobject_types, read_outbound_wsdl
from sfbridge.exceptions import (
    BodyTooLarge,
    ConflictingSObjectField,
    ForbiddenXmlConstruct,
    InvalidEncoding,
    NotAnOutboundMessageWsdl,
)
from sfbridge.models.sobject import SObject
from tests.support import EVENTS, ROOT, load_body, replace_once

OPPORTUNITY_WSDL = EVENTS / "wsdl" / "outbound-opportunity.wsdl"
INVOICE_WSDL = EVENTS / "wsdl" / "outbound-invoice.wsdl"
OPPORTUNITY = OPPORTUNITY_WSDL.read_bytes()
INVOICE = INVOICE_WSDL.read_bytes()
COMMITTED_MODULE = ROOT / "layers" / "shared" / "sfbridge" / "sobjects.py"
# The regeneration command as `make sobjects` runs it from the repository root: every WSDL in events/wsdl/.
REGENERATE = (*sorted(path.relative_to(ROOT).as_posix() for path in (EVENTS / "wsdl").glob("*.wsdl")), "-o")
RECORD_ID = "0065g0000000000AAA"

XXE = b'<!DOCTYPE definitions [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
BILLION_LAUGHS = (
    b'<!DOCTYPE definitions [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>\n'
)


def after_declaration(wsdl: bytes, insert: bytes) -> bytes:
    return replace_once(wsdl, b"?>\n", b"?>\n" + insert)


def import_module_from(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"generated_{path.stem}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_wsdl(directory: Path, name: str, data: bytes) -> Path:
    path = directory / name
    path.write_bytes(data)
    return path


def run_codegen(*arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT / "layers" / "shared")}
    return subprocess.run(
        [sys.executable, "-m", "sfbridge.codegen", *arguments],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    """A fresh module generated from the sample WSDLs in events/wsdl/, imported."""
    path = tmp_path_factory.mktemp("codegen") / "sample_sobjects.py"
    path.write_text(generate_module([OPPORTUNITY_WSDL, INVOICE_WSDL]), encoding="utf-8")
    return import_module_from(path)


@pytest.mark.parametrize(
    ("sobject", "field", "wire", "expected"),
    [
        ("Opportunity", "AccountId", "0015g0000000040AAA", "0015g0000000040AAA"),
        ("Opportunity", "Name", "Renewal FY27 #0", "Renewal FY27 #0"),
        ("Opportunity", "Amount", "25000.0", 25000.0),
        ("Opportunity", "Amount", "1.25E7", 12_500_000.0),
        ("Opportunity", "CloseDate", "2026-12-15", date(2026, 12, 15)),
        ("Opportunity", "IsWon", "true", True),
        ("Opportunity", "IsWon", "false", False),
        ("Opportunity", "IsWon", "1", True),
        ("Opportunity", "IsWon", "0", False),
        ("Opportunity", "SystemModstamp", "2026-11-22T14:00:02.000Z", datetime(2026, 11, 22, 14, 0, 2, tzinfo=UTC)),
        ("Invoice__c", "acme__Line_Count__c", "3", 3),
        ("Invoice__c", "acme__Signature__c", "iVBORw0KGgo=", b"\x89PNG\r\n\x1a\n"),
    ],
    ids=["id", "string", "double", "double-exponent", "date", "true", "false", "1", "0", "datetime", "int", "base64"],
)
def test_each_xsd_type_becomes_its_python_type(generated, sobject, field, wire, expected):
    record = generated.MODELS[sobject].model_validate({"Id": RECORD_ID, field: wire})

    value = getattr(record, field)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("wire", "expected"),
    [
        ("2026-11-22T14:00:02.000Z", datetime(2026, 11, 22, 14, 0, 2, tzinfo=UTC)),
        ("2026-11-22T14:00:02", datetime(2026, 11, 22, 14, 0, 2, tzinfo=UTC)),
        ("2026-11-22T16:00:02+02:00", datetime(2026, 11, 22, 14, 0, 2, tzinfo=UTC)),
    ],
    ids=["zulu", "naive-is-utc", "offset-converted"],
)
def test_datetime_is_always_aware_and_in_utc(generated, wire, expected):
    record = generated.Opportunity.model_validate({"SystemModstamp": wire})

    assert record.SystemModstamp == expected
    assert record.SystemModstamp.tzinfo is UTC


def test_base64_may_wrap_lines_and_dumps_back_to_base64(generated):
    signature = bytes(range(256))
    wrapped = base64.encodebytes(signature).decode()

    record = generated.Invoice__c.model_validate({"acme__Signature__c": wrapped})

    assert "\n" in wrapped.strip()
    assert record.acme__Signature__c == signature
    assert record.model_dump()["acme__Signature__c"] == base64.b64encode(signature).decode()


def test_text_that_is_not_base64_is_refused_not_dropped(generated):
    with pytest.raises(ValidationError, match="acme__Signature__c"):
        generated.Invoice__c.model_validate({"acme__Signature__c": "aGVs*bG8="})


def test_nil_and_omitted_fields_are_none_and_told_apart_by_fields_set(generated):
    record = generated.Opportunity.model_validate({"Id": RECORD_ID, "NextStep": None})

    assert record.NextStep is None
    assert record.Amount is None
    assert record.model_fields_set == {"Id", "NextStep"}


def test_fields_the_wsdl_does_not_name_are_kept(generated):
    fields = {"Id": RECORD_ID, "Region__c": "EMEA", "acme__Margin__c": None}

    record = generated.Opportunity.model_validate(fields)

    assert record.model_extra == {"Region__c": "EMEA", "acme__Margin__c": None}
    assert record.model_dump(by_alias=True, exclude_unset=True) == fields


def test_api_names_are_used_to_validate_and_to_dump(generated):
    fields = {"Id": "a015g0000000042AAA", "Credit_Limit__c": "1", "acme__Amount__c": "99.5", "Is_Paid__c": "true"}

    record = generated.Invoice__c.model_validate(fields)

    assert record.model_dump(by_alias=True, exclude_unset=True) == {
        "Id": "a015g0000000042AAA",
        "Credit_Limit__c": "1",
        "acme__Amount__c": 99.5,
        "Is_Paid__c": True,
    }


def test_custom_object_with_namespaced_fields_is_read_with_every_field_type():
    [invoice] = read_outbound_wsdl(INVOICE, source="outbound-invoice.wsdl")

    assert invoice.name == "Invoice__c"
    assert invoice.sources == ("outbound-invoice.wsdl",)
    assert invoice.fields == {
        "Account__c": FieldType.STRING,
        "acme__Amount__c": FieldType.DOUBLE,
        "acme__External_Key__c": FieldType.STRING,
        "acme__Line_Count__c": FieldType.INT,
        "acme__Signature__c": FieldType.BASE64,
        "CreatedDate": FieldType.DATETIME,
        "Due_Date__c": FieldType.DATE,
        "Is_Paid__c": FieldType.BOOLEAN,
        "LastModifiedDate": FieldType.DATETIME,
        "Name": FieldType.STRING,
        "OwnerId": FieldType.STRING,
        "Paid_At__c": FieldType.DATETIME,
        "Status__c": FieldType.STRING,
        "SystemModstamp": FieldType.DATETIME,
    }


def test_unknown_xsd_type_becomes_str(tmp_path):
    time_field = replace_once(INVOICE, b'type="xsd:int"', b'type="xsd:time"')
    module_path = tmp_path / "time_sobjects.py"

    [invoice] = read_outbound_wsdl(time_field, source="time.wsdl")
    module_path.write_text(generate_module([write_wsdl(tmp_path, "time.wsdl", time_field)]), encoding="utf-8")
    record = import_module_from(module_path).Invoice__c.model_validate({"acme__Line_Count__c": "14:00:00.000Z"})

    assert invoice.fields["acme__Line_Count__c"] is FieldType.STRING
    assert record.acme__Line_Count__c == "14:00:00.000Z"


def test_type_prefixes_are_resolved_by_namespace_not_by_name():
    renamed = OPPORTUNITY.replace(b"xmlns:xsd=", b"xmlns:xs=").replace(b'"xsd:', b'"xs:')
    rebound = replace_once(OPPORTUNITY, b'xmlns:xsd="http://www.w3.org/2001/XMLSchema"', b'xmlns:xsd="urn:other"')

    [original] = read_outbound_wsdl(OPPORTUNITY, source="a.wsdl")
    [with_other_prefix] = read_outbound_wsdl(renamed, source="a.wsdl")
    [with_other_namespace] = read_outbound_wsdl(rebound, source="a.wsdl")

    assert original.fields["Amount"] is FieldType.DOUBLE
    assert with_other_prefix == original
    assert set(with_other_namespace.fields.values()) == {FieldType.STRING}


def test_type_with_an_undeclared_prefix_is_refused():
    broken = replace_once(OPPORTUNITY, b'type="xsd:double"', b'type="money:double"')

    with pytest.raises(NotAnOutboundMessageWsdl, match="prefix 'money'"):
        read_outbound_wsdl(broken, source="a.wsdl")


@pytest.mark.parametrize(
    ("old", "new", "missing"),
    [
        (b'<element name="notifications">', b'<element name="messages">', "no notifications element in http"),
        (
            b'targetNamespace="http://soap.sforce.com/2005/09/outbound">',
            b'targetNamespace="urn:example">',
            "no notifications element in http://soap.sforce.com/2005/09/outbound",
        ),
        (b'base="ens:sObject"', b'base="ens:Thing"', "no sObject types"),
    ],
    ids=["no-notifications", "notifications-in-another-namespace", "no-sobject-types"],
)
def test_wsdl_that_is_not_an_outbound_message_wsdl_is_refused_naming_what_is_missing(old, new, missing):
    with pytest.raises(NotAnOutboundMessageWsdl, match=missing):
        read_outbound_wsdl(replace_once(OPPORTUNITY, old, new), source="a.wsdl")


def test_xml_that_is_not_a_wsdl_is_refused():
    with pytest.raises(NotAnOutboundMessageWsdl, match=r"expected WSDL 1.1 \{http://schemas.xmlsoap.org/wsdl/\}"):
        read_outbound_wsdl(load_body("outbound_receiver/opportunity-3"), source="opportunity-3.xml")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b'<element name="Amount"', b'<element name="Amount = 1; import os"'),
        (b'<element name="Amount"', b'<element name="class"'),
        (b'<complexType name="Opportunity">', b'<complexType name="Opportunity()">'),
    ],
    ids=["code", "keyword", "type-name"],
)
def test_names_that_are_not_api_names_never_reach_the_generated_code(old, new):
    with pytest.raises(NotAnOutboundMessageWsdl, match="is not a Salesforce API name"):
        read_outbound_wsdl(replace_once(OPPORTUNITY, old, new), source="a.wsdl")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b'<complexType name="Opportunity">', b'<complexType name="SObject">'),
        (b'<element name="Amount"', b'<element name="date"'),
        (b'<element name="Amount"', b'<element name="model_config"'),
    ],
    ids=["base-class", "annotation", "pydantic-attribute"],
)
def test_names_that_would_shadow_the_generated_module_names_are_refused(tmp_path, old, new):
    wsdl = write_wsdl(tmp_path, "a.wsdl", replace_once(OPPORTUNITY, old, new))

    with pytest.raises(NotAnOutboundMessageWsdl, match="would shadow"):
        generate_module([wsdl])


@pytest.mark.parametrize(
    ("hostile", "refusal"),
    [
        (after_declaration(OPPORTUNITY, XXE), ForbiddenXmlConstruct),
        (after_declaration(OPPORTUNITY, BILLION_LAUGHS), ForbiddenXmlConstruct),
        (OPPORTUNITY + b"<!--" + b"x" * (3 * 1024 * 1024) + b"-->", BodyTooLarge),
        (replace_once(OPPORTUNITY, b'encoding="UTF-8"', b'encoding="ISO-8859-1"'), InvalidEncoding),
    ],
    ids=["xxe", "billion-laughs", "oversized", "not-utf8"],
)
def test_hostile_wsdl_is_refused_by_the_hardened_parser(tmp_path, hostile, refusal):
    wsdl = write_wsdl(tmp_path, "hostile.wsdl", hostile)

    with pytest.raises(refusal, match=re.escape(str(wsdl))):
        generate_module([wsdl])


def test_same_type_in_two_wsdls_gets_the_union_of_their_fields():
    region = b'<element name="Region__c" nillable="true" minOccurs="0" type="xsd:string"/>'
    other = replace_once(
        OPPORTUNITY, b'<element name="NextStep" nillable="true" minOccurs="0" type="xsd:string"/>', region
    )

    [merged] = merge_sobject_types(
        [*read_outbound_wsdl(OPPORTUNITY, source="a.wsdl"), *read_outbound_wsdl(other, source="b.wsdl")]
    )

    assert {"NextStep", "Region__c", "Amount"} <= set(merged.fields)
    assert merged.sources == ("a.wsdl", "b.wsdl")


def test_same_field_with_two_types_is_refused_naming_both_wsdls():
    other = replace_once(
        OPPORTUNITY,
        b'<element name="Amount" nillable="true" minOccurs="0" type="xsd:double"/>',
        b'<element name="Amount" nillable="true" minOccurs="0" type="xsd:string"/>',
    )
    types = [*read_outbound_wsdl(OPPORTUNITY, source="a.wsdl"), *read_outbound_wsdl(other, source="b.wsdl")]

    with pytest.raises(
        ConflictingSObjectField, match=re.escape("Opportunity.Amount is xsd:double in a.wsdl but xsd:string in b.wsdl")
    ):
        merge_sobject_types(types)


def test_output_is_the_same_for_the_same_wsdls_in_any_order():
    first = generate_module([OPPORTUNITY_WSDL, INVOICE_WSDL])

    again = generate_module([OPPORTUNITY_WSDL, INVOICE_WSDL])
    reversed_order = generate_module([INVOICE_WSDL, OPPORTUNITY_WSDL])

    assert again == first
    assert reversed_order == first


def test_header_says_generated_and_names_the_source_wsdls():
    module = generate_module([OPPORTUNITY_WSDL, INVOICE_WSDL])

    assert module.splitlines()[:3] == [
        f"# {GENERATED_BY}; sources:",
        "#   outbound-invoice.wsdl",
        "#   outbound-opportunity.wsdl",
    ]
    assert GENERATED_BY == "generated by python -m sfbridge.codegen — do not edit"


def test_generated_module_imports_with_one_model_per_sobject_type(generated):
    assert list(generated.MODELS) == ["Invoice__c", "Opportunity"]
    assert all(model.__name__ == name and issubclass(model, SObject) for name, model in generated.MODELS.items())
    assert list(sobjects.MODELS) == ["Invoice__c", "Opportunity"]


@pytest.mark.parametrize(
    ("wsdl", "message"),
    [
        (after_declaration(OPPORTUNITY, XXE), "body may carry no DOCTYPE"),
        (replace_once(OPPORTUNITY, b'name="notifications"', b'name="other"'), "no notifications element"),
        (b"not xml at all", "not well-formed XML"),
    ],
    ids=["hostile", "not-outbound", "not-xml"],
)
def test_cli_exits_2_with_a_one_line_message_and_writes_nothing(tmp_path, wsdl, message):
    path = write_wsdl(tmp_path, "refused.wsdl", wsdl)
    output = tmp_path / "models.py"

    result = run_codegen(str(path), "-o", str(output))

    assert result.returncode == 2
    assert result.stderr.startswith(f"python -m sfbridge.codegen: error: {path}: ")
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert not output.exists()


def test_committed_sobjects_module_matches_a_fresh_run(tmp_path):
    fresh = tmp_path / "sobjects.py"

    result = run_codegen(*REGENERATE, str(fresh))

    assert result.returncode == 0, result.stderr
    assert fresh.read_bytes() == COMMITTED_MODULE.read_bytes(), "sfbridge/sobjects.py is stale: run `make sobjects`"
