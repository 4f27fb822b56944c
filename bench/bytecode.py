"""Does compiling the shared layer's bytecode at build time shorten cold starts?

Lambda mounts layers read-only under /opt, so Python can never cache the `.pyc` it compiles: without bytecode in
the layer, every cold start compiles every sfbridge module it imports. This measures that in the same run, on copies
of the package: fresh interpreters with `PYTHONDONTWRITEBYTECODE=1` (nothing is cached, as on /opt) import the
receiver's and the callout API's modules from a source-only copy (the baseline) and from a copy compiled by
`compileall --invalidation-mode unchecked-hash` (what the layer's build does; a hash-checked or timestamp pyc would
make Python read and compare the source first). Third-party packages come from the environment, compiled as pip
installs them (as in the dependencies layer). Median of alternating runs.
"""

import compileall
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from py_compile import PycInvalidationMode

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "layers" / "shared" / "sfbridge"
RUNS = 11
ENTRY_MODULES = {
    "receiver": "sfbridge.outbound.endpoint",
    "callout_api": "sfbridge.callouts.api",
}


def _copy(target: Path, *, compiled: bool) -> Path:
    shutil.copytree(PACKAGE, target / "sfbridge", ignore=shutil.ignore_patterns("__pycache__"))
    if compiled:
        assert compileall.compile_dir(
            target / "sfbridge", quiet=1, invalidation_mode=PycInvalidationMode.UNCHECKED_HASH
        )
    return target


def _import_seconds(path: Path, module: str) -> tuple[float, float]:
    """(the whole import, sfbridge's own modules' share of it), from `-X importtime` (self times, microseconds)."""
    env = {
        "PYTHONPATH": str(path),
        "PYTHONDONTWRITEBYTECODE": "1",
        "POWERTOOLS_SERVICE_NAME": "bench",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    command = [sys.executable, "-X", "importtime", "-c", f"import {module}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stderr
    total = own = 0
    for line in output.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
        total += int(self_us)
        own += int(self_us) if name.startswith("sfbridge") else 0
    return total / 1e6, own / 1e6


def bytecode_figures() -> dict[str, dict[str, float]]:
    """Per entry module: import time from source only and from the compiled copy (ms), and their ratio."""
    with tempfile.TemporaryDirectory() as source_dir, tempfile.TemporaryDirectory() as compiled_dir:
        source, compiled = _copy(Path(source_dir), compiled=False), _copy(Path(compiled_dir), compiled=True)
        figures = {}
        for name, module in ENTRY_MODULES.items():
            plain, with_pyc = [], []
            for _ in range(RUNS):  # alternate, so both see the same machine load
                plain.append(_import_seconds(source, module))
                with_pyc.append(_import_seconds(compiled, module))
            figures[name] = _summary(plain, with_pyc)
        return figures


def _summary(plain: list[tuple[float, float]], with_pyc: list[tuple[float, float]]) -> dict[str, float]:
    total_base, total_ours = (statistics.median(run[0] for run in runs) for runs in (plain, with_pyc))
    own_base, own_ours = (statistics.median(run[1] for run in runs) for runs in (plain, with_pyc))
    return {
        "source_only_ms": total_base * 1e3,
        "compiled_ms": total_ours * 1e3,
        "ratio": total_ours / total_base,
        "sfbridge_source_only_ms": own_base * 1e3,
        "sfbridge_compiled_ms": own_ours * 1e3,
        "sfbridge_ratio": own_ours / own_base,
    }


if __name__ == "__main__":
    for name, row in bytecode_figures().items():
        print(
            f"{name}: {row['source_only_ms']:.0f} ms -> {row['compiled_ms']:.0f} ms ({row['ratio']:.2f}); sfbridge's "
            f"own modules {row['sfbridge_source_only_ms']:.0f} ms -> {row['sfbridge_compiled_ms']:.0f} ms "
            f"({row['sfbridge_ratio']:.2f})"
        )
