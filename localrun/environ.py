"""Per-thread function environments on top of the process environment.

Lambda gives every invocation the environment of its function. Locally, one process hosts every function, and a
function may be running on one thread while another waits for it (an API function waiting on a state machine whose
Lambda task is another local function). Swapping the process-wide `os.environ` would then hand one function the
other's variables, so `os.environ` becomes (once, by changing its class) a mapping that reads a per-thread overlay
first. Changing the class of the existing object, rather than replacing it, also covers the libraries that kept a
reference to it (botocore sessions do). Threads without an overlay (moto's server, the pollers, the tests) see the
process environment unchanged.
"""

import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import cast

_REMOVED = None
_local = threading.local()


def _overlay() -> dict[str, str | None] | None:
    return cast(dict[str, str | None] | None, getattr(_local, "overlay", None))


class InvocationEnviron(os._Environ[str]):
    """`os.environ` as seen by the current thread: its function's variables over the process environment.

    Writes made during an invocation stay in that invocation, as they would in a Lambda execution environment
    that is thrown away; writes outside an invocation reach the process environment as usual.
    """

    def __getitem__(self, key: str) -> str:
        overlay = _overlay()
        if overlay is None or key not in overlay:
            return super().__getitem__(key)
        value = overlay[key]
        if value is _REMOVED:
            raise KeyError(key)
        return value

    def __iter__(self) -> Iterator[str]:
        overlay = _overlay()
        if overlay is None:
            yield from super().__iter__()
            return
        yield from (key for key in super().__iter__() if key not in overlay)
        yield from (key for key, value in overlay.items() if value is not _REMOVED)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __setitem__(self, key: str, value: str) -> None:
        overlay = _overlay()
        if overlay is None:
            super().__setitem__(key, value)
        else:
            overlay[key] = str(value)

    def __delitem__(self, key: str) -> None:
        overlay = _overlay()
        if overlay is None:
            super().__delitem__(key)
            return
        self[key]  # raises KeyError like os.environ does for an unknown name
        overlay[key] = _REMOVED

    def __repr__(self) -> str:
        return f"environ({dict(self)!r})"


def install() -> None:
    """Make `os.environ` an `InvocationEnviron` (once per process); its contents and identity do not change."""
    if type(os.environ) is os._Environ:
        os.environ.__class__ = InvocationEnviron


@contextmanager
def function_environment(variables: Mapping[str, str]) -> Iterator[None]:
    """Let the current thread see `variables` over the process environment until the block ends."""
    install()
    previous = _overlay()
    _local.overlay = dict(variables)
    try:
        yield
    finally:
        _local.overlay = previous
