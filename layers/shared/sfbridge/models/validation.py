"""Pydantic validation errors as the callout API reports them: a JSON path into the body and a message."""

import re
from collections.abc import Sequence
from typing import Any, Final

from pydantic import BaseModel, ValidationError

from sfbridge.exceptions import RequestInvalid

_IDENTIFIER: Final = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def json_path(location: Sequence[int | str], root: str = "$") -> str:
    """`("items", 0, "unitPrice")` -> `$.items[0].unitPrice`; odd keys are quoted: `$['a b']`."""
    path = root
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif _IDENTIFIER.fullmatch(part):
            path += f".{part}"
        else:
            escaped = part.replace("\\", "\\\\").replace("'", "\\'")
            path += f"['{escaped}']"
    return path


def field_errors(error: ValidationError, root: str = "$") -> list[tuple[str, str]]:
    return [(json_path(item["loc"], root), item["msg"]) for item in error.errors(include_url=False)]


def validate_body[M: BaseModel](model: type[M], body: Any) -> M:
    """`body` as `model`, or `RequestInvalid` listing every failing field by its JSON path."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        errors = field_errors(exc)
        raise RequestInvalid(f"the body does not match {model.__name__}: {len(errors)} error(s)", errors) from exc
