"""moto's record of every model object it creates, kept with weak references so that it stops keeping them alive.

Every moto model (a DynamoDB item, an SQS message, an S3 object, an event rule...) is appended, when created, to a
list on its class, for the server's dashboard (`/moto-api/data.json`). Nothing is ever taken out until moto resets,
so the list also keeps alive every copy moto makes in passing: the deep copy of each message a `ReceiveMessage`
returns, of each item an `UpdateItem` changes, of each item a `PutItem` replaces. Under a long `make run` that was
most of the process's growth (`make bench`, `localrun_sustained_ratio`).

Here each class records its instances with weak references: the dashboard still lists every object that is alive, and an
object nothing else refers to is freed.
"""

import contextlib
import weakref
from collections.abc import Iterable, Iterator
from typing import Any

from moto.core.common_models import BaseModel

MOTO_NEW = BaseModel.__new__
"""moto's own `__new__`, which `disable_weak_instance_tracking` puts back."""


class WeakInstances:
    """A class's live instances, weakly referenced; `append` is what moto calls to record one.

    Keyed by `id`, since many models (DynamoDB items among them) define `__eq__` and so are not hashable.
    """

    def __init__(self, instances: Iterable[Any] = ()) -> None:
        self._refs: dict[int, weakref.ref[Any]] = {}
        for instance in instances:
            self.append(instance)

    def append(self, instance: Any) -> None:
        key = id(instance)

        def forget(dead: weakref.ref[Any]) -> None:
            if self._refs.get(key) is dead:  # not a newer object that was given the same id
                del self._refs[key]

        with contextlib.suppress(TypeError):  # no weak reference support: not recorded, rather than kept forever
            self._refs[key] = weakref.ref(instance, forget)

    def __iter__(self) -> Iterator[Any]:
        return (instance for ref in list(self._refs.values()) if (instance := ref()) is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def enable_weak_instance_tracking() -> None:
    """Record moto's model objects weakly in this process (`mock_aws()` and a `ThreadedMotoServer` alike)."""
    BaseModel.__new__ = _new_weakly_recorded  # type: ignore[method-assign]


def disable_weak_instance_tracking() -> None:
    BaseModel.__new__ = MOTO_NEW  # type: ignore[method-assign]


def _new_weakly_recorded(cls: type[BaseModel], *args: Any, **kwargs: Any) -> BaseModel:
    instance = super(BaseModel, cls).__new__(cls)
    recorded = cls.instances_tracked  # type: ignore[attr-defined]
    if not isinstance(recorded, WeakInstances):  # moto's reset puts plain lists back
        recorded = WeakInstances(recorded)
        cls.instances_tracked = recorded  # type: ignore[attr-defined]
    recorded.append(instance)
    return instance
