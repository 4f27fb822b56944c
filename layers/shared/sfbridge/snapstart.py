"""Lambda SnapStart hooks (template parameter `SnapStart`) for functions whose AWS clients live across invocations.

With SnapStart, Lambda runs the function's init once per published version, snapshots the memory, and resumes every
new execution environment from that snapshot. Two things in the snapshot must not be reused as they are:
- the clients' credentials: the ones resolved at init belong to the snapshotted environment and expire;
- their connections: sockets opened before the snapshot are dead after a restore.
So, before the snapshot, the clients the function needs are created once (botocore's lazily imported modules and the
service models end up in the snapshot); after a restore, every client and the session behind it are dropped, and the
next call creates them anew, with fresh credentials and connections.

`snapshot_restore_py` is part of Lambda's Python managed runtimes, not a dependency: elsewhere (the local stack, the
tests) no snapshot is ever taken, and registering is a no-op.
"""

import importlib
from collections.abc import Callable
from typing import Any

from sfbridge.adapters.aws import client, forget_clients


def register_snapshot_hooks(*service_names: str) -> bool:
    """Create `service_names`' clients before a snapshot and drop all clients after a restore.

    Returns False where the runtime offers no SnapStart hooks (nothing is registered then).
    """
    hooks = _runtime_hooks()
    if hooks is None:
        return False
    register_before_snapshot, register_after_restore = hooks
    register_before_snapshot(prepare_clients, *service_names)
    register_after_restore(forget_clients)
    return True


def prepare_clients(*service_names: str) -> None:
    for service_name in service_names:
        client(service_name)


def _runtime_hooks() -> tuple[Callable[..., Any], Callable[..., Any]] | None:
    try:
        module = importlib.import_module("snapshot_restore_py")
    except ImportError:
        return None
    return module.register_before_snapshot, module.register_after_restore
