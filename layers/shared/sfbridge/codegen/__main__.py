"""`python -m sfbridge.codegen WSDL [WSDL ...] [-o MODULE]`: write typed sObject models for Outbound Message WSDLs.

Exits 2 with a one-line message (no traceback) when a WSDL is refused or cannot be read; nothing is written then.
"""

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from sfbridge.codegen import generate_module
from sfbridge.exceptions import ClientError


def _argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m sfbridge.codegen",
        description="Write a module of pydantic models, one per sObject type in the Outbound Message WSDLs.",
    )
    parser.add_argument("wsdl", nargs="+", type=Path, help="WSDL Salesforce generated for an Outbound Message")
    parser.add_argument("-o", "--output", type=Path, help="module to write (default: standard output)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _argument_parser()
    arguments = parser.parse_args(argv)
    wsdl_files: list[Path] = arguments.wsdl
    output: Path | None = arguments.output
    try:
        module = generate_module(wsdl_files)
        if output is None:
            sys.stdout.write(module)
        else:
            output.write_text(module, encoding="utf-8", newline="\n")
    except (ClientError, OSError) as exc:
        # One line, whatever the error text holds (lxml messages can span lines).
        parser.exit(2, f"{parser.prog}: error: {' '.join(str(exc).split())}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
