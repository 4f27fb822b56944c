"""The shared layer is built with its bytecode (layers/shared/Makefile), because Lambda's /opt is read-only."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from tests.infrastructure.sam_transform import source_template
from tests.support import ROOT

SHARED = ROOT / "layers" / "shared"


@pytest.fixture(scope="module")
def built_layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `sam build` puts in the layer: it runs the Makefile's target with ARTIFACTS_DIR set."""
    artifacts = tmp_path_factory.mktemp("SharedLayer")
    subprocess.run(
        [
            "make",
            "-s",
            "-C",
            str(SHARED),
            "build-SharedLayer",
            f"ARTIFACTS_DIR={artifacts}",
            f"PYTHON={sys.executable}",
        ],
        check=True,
        capture_output=True,
    )
    return artifacts


def test_template_builds_the_shared_layer_with_its_makefile():
    layer = source_template()["Resources"]["SharedLayer"]

    assert layer["Metadata"]["BuildMethod"] == "makefile"
    assert layer["Properties"]["ContentUri"] == "layers/shared/"
    assert "build-SharedLayer:" in (SHARED / "Makefile").read_text(encoding="utf-8")


def test_layer_holds_the_package_under_python_and_nothing_else(built_layer):
    assert sorted(path.name for path in built_layer.iterdir()) == ["python"]
    sources = {p.relative_to(built_layer / "python") for p in built_layer.rglob("*.py")}
    expected = {p.relative_to(SHARED) for p in (SHARED / "sfbridge").rglob("*.py")}
    assert sources == expected


def test_every_module_has_bytecode_that_is_used_without_reading_the_source(built_layer):
    for source in (built_layer / "python").rglob("*.py"):
        pyc = Path(importlib.util.cache_from_source(str(source)))
        header = pyc.read_bytes()[:16]
        assert header[:4] == importlib.util.MAGIC_NUMBER, source
        assert int.from_bytes(header[4:8], "little") == 0b01, source  # hash-based, check_source off


def test_built_layer_imports_on_a_read_only_path(built_layer):
    probe = "import sfbridge.callouts.api, sfbridge.outbound.endpoint, sys; print(sys.modules['sfbridge'].__file__)"
    env = {"PYTHONPATH": str(built_layer / "python"), "PYTHONDONTWRITEBYTECODE": "1", "AWS_DEFAULT_REGION": "us-east-1"}

    output = subprocess.run([sys.executable, "-c", probe], env=env, check=True, capture_output=True, text=True)

    assert output.stdout.strip().startswith(str(built_layer / "python"))
