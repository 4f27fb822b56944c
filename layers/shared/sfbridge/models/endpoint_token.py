"""The Secrets Manager secret behind `EndpointToken`: `{"current": "...", "previous": "..."}`.

Read on the receiver's path, so it is checked by hand rather than with pydantic (see `sfbridge.receiver_config`).
"""

import re
from collections.abc import Mapping

TOKEN_PATTERN = r"^[A-Za-z0-9_-]{24,128}$"  # noqa: S105 - a pattern, not a password
"""The template parameter's own AllowedPattern: URL-safe, so it travels in `?token=` unescaped."""

_FIELDS = ("current", "previous")


def accepted_tokens(document: object) -> tuple[str, ...]:
    """The tokens a secret document accepts: `current` always, `previous` while a rotation is under way.

    Raises `ValueError` naming the fields at fault, never their values (they are the tokens).
    """
    if not isinstance(document, Mapping):
        raise ValueError("document")
    problems = [name for name in document if name not in _FIELDS]
    tokens = []
    for name in _FIELDS:
        value = document.get(name) or None
        if value is None:
            if name == "current":
                problems.append(name)
            continue
        if not isinstance(value, str) or not re.fullmatch(TOKEN_PATTERN, value):
            problems.append(name)
            continue
        tokens.append(value)
    if problems:
        raise ValueError(", ".join(problems))
    return tuple(tokens)
