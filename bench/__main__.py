"""`make bench`: Outbound Message parse-and-validate cost and the receiver's cold import, each against a baseline.

- om_parse_ratio_N: what the receiver does to N notifications (hardened parse + envelope checks) divided by a bare
  `lxml.etree.fromstring` of the same bytes. Both are timed interleaved, best of several rounds.
- cold_import_ratio: a fresh interpreter importing the receiver's entry point divided by one importing boto3
  (median of alternating runs). The receiver needs botocore itself, so about 1.0 is the floor. Written as
  receiver_cold_import_ratio too, the name the throughput figures use.
- worker_*: the outbound worker on one 100-notification message against moto (bench/worker.py): AWS calls per
  notification (new, then the same message again), and seconds with 10 ms added to every AWS call, against the
  sequential design's 400 calls x 10 ms = 4.0 s.
- layer_bytecode_import_ratio_<function>, layer_bytecode_own_ratio_<function>: the receiver's and the callout API's
  import with the shared layer compiled at build time divided by the same import from source only, on a read-only
  /opt where nothing can be cached (bench/bytecode.py); the whole import, and sfbridge's own modules' share of it.
- localrun_sustained_ratio (`bench/sustained.py`): `make run`'s answer rate over the last 1,000 of N 10-notification
  messages divided by its rate over the first 1,000, every message acked and then applied; with the process's
  memory at every 1,000. `--sustained-messages N` (default 10,000; 0 skips it: the worker applies 100,000
  notifications, which takes a while).
"""

import argparse
import json
import statistics
import subprocess
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "layers" / "shared"))

from lxml import etree  # noqa: E402

from bench.bytecode import bytecode_figures  # noqa: E402
from bench.sustained import measure as measure_sustained  # noqa: E402
from bench.worker import worker_figures  # noqa: E402
from sfbridge.soap.outbound import read_envelope  # noqa: E402
from sfbridge.soap.parser import parse_xml  # noqa: E402

RESULTS = ROOT / "bench" / "results.json"
BATCH = (ROOT / "events" / "outbound_receiver" / "batch-100.xml").read_bytes()
RECEIVER = ROOT / "functions" / "outbound_receiver" / "app.py"
IMPORT_RUNS = 15


def message_with(count: int) -> bytes:
    """The 100-notification sample cut down to its first `count` notifications."""
    start = BATCH.index(b"   <Notification>")
    ends = [i + len(b"</Notification>\n") for i in range(len(BATCH)) if BATCH.startswith(b"</Notification>", i)]
    return BATCH[:start] + BATCH[start : ends[count - 1]] + BATCH[BATCH.index(b"  </notifications>") :]


def parse_figures(count: int, rounds: int = 25) -> dict[str, float]:
    data = message_with(count)
    assert len(read_envelope(parse_xml(data)).notifications) == count
    number = max(20, 2000 // count)
    raw_rounds, our_rounds = [], []
    for _ in range(rounds):  # alternate, so both sides see the same machine load; keep each side's best round
        raw_rounds.append(timeit.timeit(lambda: etree.fromstring(data), number=number) / number)
        our_rounds.append(timeit.timeit(lambda: read_envelope(parse_xml(data)), number=number) / number)
    raw, ours = min(raw_rounds), min(our_rounds)
    return {"bytes": len(data), "raw_us": raw * 1e6, "sfbridge_us": ours * 1e6, "ratio": ours / raw}


def import_seconds(code: str) -> float:
    probe = f"import time; t = time.perf_counter(); {code}; print(time.perf_counter() - t)"
    env = {"PYTHONPATH": str(ROOT / "layers" / "shared"), "POWERTOOLS_SERVICE_NAME": "bench"}
    output = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    return float(output.stdout.strip())


def import_figures() -> dict[str, float]:
    receiver = (
        "import importlib.util as u; s = u.spec_from_file_location('receiver_app', "
        f"{str(RECEIVER)!r}); m = u.module_from_spec(s); s.loader.exec_module(m)"
    )
    boto, ours = [], []
    for _ in range(IMPORT_RUNS):
        boto.append(import_seconds("import boto3"))
        ours.append(import_seconds(receiver))
    base, mine = statistics.median(boto), statistics.median(ours)
    return {"boto3_ms": base * 1e3, "receiver_ms": mine * 1e3, "ratio": mine / base}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--sustained-messages", type=int, default=10_000, metavar="N")
    args = parser.parse_args()
    parse = {count: parse_figures(count) for count in (1, 10, 100)}
    imports = import_figures()
    sustained = measure_sustained(args.sustained_messages) if args.sustained_messages else None
    worker = worker_figures()
    print(f"{'measure':<34}{'baseline':>12}{'sfbridge':>12}{'ratio':>8}")
    for count, row in parse.items():
        label = f"parse+validate {count:>3} notif. ({row['bytes']} B)"
        print(f"{label:<34}{row['raw_us']:>10.0f}us{row['sfbridge_us']:>10.0f}us{row['ratio']:>8.2f}")
    print(
        f"{'cold import receiver vs boto3':<34}{imports['boto3_ms']:>10.0f}ms{imports['receiver_ms']:>10.0f}ms"
        f"{imports['ratio']:>8.2f}"
    )
    for name, value in worker.items():
        print(f"{name:<42}{value:>20.3f}")
    results: dict[str, object] = {f"om_parse_ratio_{count}": round(row["ratio"], 3) for count, row in parse.items()}
    bytecode = bytecode_figures()
    for name, row in bytecode.items():
        label = f"{name} import, layer compiled"
        print(f"{label:<34}{row['source_only_ms']:>10.0f}ms{row['compiled_ms']:>10.0f}ms{row['ratio']:>8.2f}")
        label = "  sfbridge's own modules"
        print(
            f"{label:<34}{row['sfbridge_source_only_ms']:>10.0f}ms{row['sfbridge_compiled_ms']:>10.0f}ms"
            f"{row['sfbridge_ratio']:>8.2f}"
        )
    results |= {
        "cold_import_ratio": round(imports["ratio"], 3),
        "receiver_cold_import_ratio": round(imports["ratio"], 3),
        **{f"layer_bytecode_import_ratio_{name}": round(row["ratio"], 3) for name, row in bytecode.items()},
        **{f"layer_bytecode_own_ratio_{name}": round(row["sfbridge_ratio"], 3) for name, row in bytecode.items()},
        **{name: round(value, 3) for name, value in worker.items() if not name.startswith("worker_wall")},
    }
    details: dict[str, object] = {"parse": parse, "import": imports, "worker": worker, "layer_bytecode": bytecode}
    if sustained is not None:
        print(
            f"{'make run, last vs first 1,000 msgs':<34}{sustained['first_window_per_second']:>10.1f}/s"
            f"{sustained['last_window_per_second']:>10.1f}/s{sustained['ratio']:>8.2f}"
        )
        results["localrun_sustained_ratio"] = sustained["ratio"]
        details["sustained"] = sustained
    results["details"] = details
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
