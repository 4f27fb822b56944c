"""Validate the Salesforce DX project's metadata files against Salesforce's own Metadata API schema.

A deploy parses every `*-meta.xml` file with the schema of the project's `sourceApiVersion`, and one element that
version does not know fails the whole deployment. The schema is the XSD inside Salesforce's `metadata.wsdl` for that
version (`metadata-v<version>.wsdl` in the schemas folder, by default `../shared/salesforce/metadata-api/` beside the
repository, or $SFBRIDGE_METADATA_SCHEMAS). A source-format file is an instance of the metadata type its root element
names (`NamedCredential`, `PermissionSet`, `CustomObject`, `CustomField`, `Flow`...), so each root is validated
against the complexType of that name, which must derive from `Metadata`.

Run: python scripts/salesforce_schema.py [--project salesforce] [--schemas DIR] [--api-version 62.0]
"""

import argparse
import copy
import json
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, cast

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "salesforce"
SCHEMAS = Path(os.environ.get("SFBRIDGE_METADATA_SCHEMAS") or ROOT.parent / "shared" / "salesforce" / "metadata-api")
METADATA_NS = "http://soap.sforce.com/2006/04/metadata"
XSD_NS = "http://www.w3.org/2001/XMLSchema"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
_TOP_LEVEL = {f"{{{XSD_NS}}}{kind}" for kind in ("complexType", "simpleType", "element", "group", "attributeGroup")}


class SchemaUnavailable(Exception):
    """The schemas folder has no Metadata API WSDL for the requested version."""


@dataclass(frozen=True)
class Problem:
    """One reason a metadata file would not deploy."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def source_api_version(project: Path) -> str:
    """The `sourceApiVersion` of sfdx-project.json: the schema a deploy of this project is parsed with."""
    config = json.loads((project / "sfdx-project.json").read_text(encoding="utf-8"))
    return str(config["sourceApiVersion"])


def wsdl_path(schemas: Path, api_version: str) -> Path:
    path = schemas / f"metadata-v{api_version}.wsdl"
    if not path.is_file():
        available = sorted(p.name for p in schemas.glob("metadata-v*.wsdl")) if schemas.is_dir() else []
        raise SchemaUnavailable(
            f"no Metadata API schema for API version {api_version}: {path} does not exist "
            f"(available: {', '.join(available) or 'none'}). Add Salesforce's metadata.wsdl of that version there "
            f"(see SOURCES.md in that folder) or set sourceApiVersion to a version that has one."
        )
    return path


def metadata_files(project: Path) -> list[Path]:
    """Every source-format metadata file of the project (the npm tools' folder is not part of it)."""
    return sorted(p for p in project.rglob("*-meta.xml") if "node_modules" not in p.parts)


def _parse(path: Path) -> etree._ElementTree:
    # The project's own files: still no entities, DTDs or network, as for any XML this repository reads.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.parse(str(path), parser)


class MetadataSchema:
    """The XSD of one `metadata.wsdl`, compiled on demand for the metadata types asked for."""

    def __init__(self, wsdl: Path, api_version: str) -> None:
        self.api_version = api_version
        found = _parse(wsdl).getroot().find(f"{{{WSDL_NS}}}types/{{{XSD_NS}}}schema[@targetNamespace='{METADATA_NS}']")
        if found is None:
            raise SchemaUnavailable(f"{wsdl} holds no XSD for {METADATA_NS} in its <types>")
        self._source = found
        # Prefixes in the WSDL that name the metadata namespace (QNames in attribute values use them).
        self._prefixes = {prefix for prefix, uri in found.nsmap.items() if prefix and uri == METADATA_NS}
        self._definitions: dict[str, list[etree._Element]] = {}
        for child in found:
            if child.tag in _TOP_LEVEL:
                self._definitions.setdefault(child.get("name", ""), []).append(child)
        self._compiled: dict[frozenset[str], etree.XMLSchema] = {}

    @cached_property
    def metadata_types(self) -> frozenset[str]:
        """Names of the complexTypes that derive from `Metadata`: the types a file can deploy as."""
        bases: dict[str, str | None] = {}
        for child in self._source.iterchildren(f"{{{XSD_NS}}}complexType"):
            extension = child.find(f"{{{XSD_NS}}}complexContent/{{{XSD_NS}}}extension")
            bases[child.get("name", "")] = None if extension is None else extension.get("base", "").rpartition(":")[2]

        def derives_from_metadata(name: str | None) -> bool:
            seen: set[str] = set()
            while name and name not in seen:
                seen.add(name)
                if bases.get(name) == "Metadata":
                    return True
                name = bases.get(name)
            return False

        return frozenset(name for name in bases if derives_from_metadata(name))

    def _references(self, definition: etree._Element) -> Iterator[str]:
        """Names of the schema's own definitions that `definition` refers to (type=, base=, ref=, itemType=...)."""
        for element in definition.iter():
            for value in element.attrib.values():
                for token in str(value).split():
                    prefix, _, name = token.rpartition(":")
                    if prefix in self._prefixes:
                        yield name

    def _closure(self, roots: Iterable[str]) -> set[str]:
        needed: set[str] = set()
        pending = list(roots)
        while pending:
            name = pending.pop()
            if name in needed:
                continue
            needed.add(name)
            for definition in self._definitions.get(name, []):
                pending.extend(self._references(definition))
        return needed

    def validator(self, root_types: frozenset[str]) -> etree.XMLSchema:
        """A schema with one global element per root type, holding only the definitions those types need."""
        if root_types not in self._compiled:
            needed = self._closure(root_types)
            nsmap = {str(prefix): str(uri) for prefix, uri in self._source.nsmap.items() if prefix}
            attributes = {str(key): str(value) for key, value in self._source.attrib.items()}
            schema = etree.Element(f"{{{XSD_NS}}}schema", attributes, nsmap=nsmap)
            # The new root declares the WSDL's prefixes, so the copies' QName attribute values keep their meaning.
            schema.extend(copy.deepcopy(c) for c in self._source if c.get("name") in needed)
            tns = sorted(self._prefixes)[0]
            for name in sorted(root_types):
                etree.SubElement(schema, f"{{{XSD_NS}}}element", name=name, type=f"{tns}:{name}")
            self._compiled[root_types] = etree.XMLSchema(etree.ElementTree(schema))
        return self._compiled[root_types]

    def check(self, paths: Iterable[Path], relative_to: Path | None = None) -> dict[Path, list[Problem]]:
        """Problems per file (an empty list when the file validates)."""
        documents: dict[Path, etree._ElementTree] = {}
        report: dict[Path, list[Problem]] = {}
        for path in paths:
            shown = path.relative_to(relative_to) if relative_to else path
            try:
                document = _parse(path)
            except etree.XMLSyntaxError as exc:
                report[path] = [Problem(shown, exc.lineno or 0, f"not well-formed XML: {exc.msg}")]
                continue
            report[path] = self._root_problems(document.getroot(), shown)
            if not report[path]:
                documents[path] = document
        roots = frozenset(etree.QName(d.getroot()).localname for d in documents.values())
        if documents:
            validator = self.validator(roots)
            for path, document in documents.items():
                shown = path.relative_to(relative_to) if relative_to else path
                report[path] = self._validation_problems(validator, document, shown)
        return report

    def _root_problems(self, root: etree._Element, shown: Path) -> list[Problem]:
        name = etree.QName(root)
        line: int = getattr(root, "sourceline", None) or 0  # lxml's stubs leave sourceline untyped
        if name.namespace != METADATA_NS:
            return [Problem(shown, line, f"root element {name.text} is not in the Metadata API namespace")]
        if name.localname not in self.metadata_types:
            return [
                Problem(shown, line, f"root element {name.localname} is no metadata type at API {self.api_version}")
            ]
        return []

    def _validation_problems(
        self, validator: etree.XMLSchema, document: etree._ElementTree, shown: Path
    ) -> list[Problem]:
        if validator.validate(document):
            return []
        root_type = etree.QName(document.getroot()).localname
        return [
            Problem(
                shown,
                error.line,
                f"{error.message.replace('{' + METADATA_NS + '}', '')} ({root_type} at API {self.api_version})",
            )
            for error in cast(Iterable[Any], validator.error_log)  # lxml's stubs do not type the log's entries
        ]


def check_project(project: Path, schemas: Path, api_version: str | None = None) -> list[Problem]:
    """Every problem of every metadata file of the project, at its sourceApiVersion unless told another."""
    version = api_version or source_api_version(project)
    schema = MetadataSchema(wsdl_path(schemas, version), version)
    report = schema.check(metadata_files(project), relative_to=project.parent)
    return [problem for problems in report.values() for problem in problems]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--project", type=Path, default=PROJECT, help="the Salesforce DX project folder")
    parser.add_argument("--schemas", type=Path, default=SCHEMAS, help="folder of metadata-v<version>.wsdl files")
    parser.add_argument("--api-version", help="validate at this version instead of sourceApiVersion")
    args = parser.parse_args(argv)
    version = args.api_version or source_api_version(args.project)
    try:
        problems = check_project(args.project, args.schemas, version)
    except SchemaUnavailable as exc:
        print(f"FAIL metadata schema: {exc}")
        return 2
    for problem in problems:
        print(f"FAIL metadata schema: {problem}")
    count = len(metadata_files(args.project))
    print(f"Metadata schema: {count} file(s) checked at API {version}, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
