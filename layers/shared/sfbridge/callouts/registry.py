"""The catalog's machinery: named event types, operations and jobs with their models. Declare yours in `catalog.py`."""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from pydantic import BaseModel

from sfbridge.exceptions import UnknownEventType, UnknownJob, UnknownOperation

NAME_PATTERN: Final = re.compile(r"[a-z0-9][a-z0-9.-]{0,47}")
"""Names become one URL path segment (and part of a job id, which Apex caps at 128 characters)."""


@dataclass(frozen=True, slots=True)
class CalloutEvent:
    """What an event handler receives: the accepted event, its payload as the registered model."""

    id: str
    type: str
    payload: BaseModel
    request_id: str


EventHandler = Callable[[CalloutEvent], None]


@dataclass(frozen=True, slots=True)
class EventType:
    name: str
    model: type[BaseModel]
    handler: EventHandler | None = None


@dataclass(frozen=True, slots=True)
class Workflow:
    """An operation (EXPRESS state machine, run synchronously) or a job (STANDARD state machine)."""

    name: str
    input_model: type[BaseModel]
    output_model: type[BaseModel] | None = None


class CalloutCatalog:
    def __init__(self) -> None:
        self._events: dict[str, EventType] = {}
        self._operations: dict[str, Workflow] = {}
        self._jobs: dict[str, Workflow] = {}

    def event(self, name: str, model: type[BaseModel]) -> None:
        """Accept `POST /events/<name>` with bodies that validate against `model`."""
        self._events[_new_name(name, self._events)] = EventType(name, model)

    def on_event(self, name: str) -> Callable[[EventHandler], EventHandler]:
        """Decorator: send events of type `name` to the function instead of publishing them to EventBridge."""

        def register(handler: EventHandler) -> EventHandler:
            event_type = self.event_type(name)
            if event_type.handler is not None:
                raise ValueError(f"a handler for {name} is already registered")
            self._events[name] = EventType(name, event_type.model, handler)
            return handler

        return register

    def operation(self, name: str, *, input: type[BaseModel], output: type[BaseModel] | None = None) -> None:
        """Accept `POST /operations/<name>`; the template maps `name` to an EXPRESS state machine (`OPERATIONS`)."""
        self._operations[_new_name(name, self._operations)] = Workflow(name, input, output)

    def job(self, name: str, *, input: type[BaseModel], output: type[BaseModel] | None = None) -> None:
        """Accept `POST /jobs/<name>`; the template maps `name` to a STANDARD state machine (`JOBS`)."""
        self._jobs[_new_name(name, self._jobs)] = Workflow(name, input, output)

    def event_type(self, name: str) -> EventType:
        try:
            return self._events[name]
        except KeyError:
            raise UnknownEventType(f"no event type named {name[:64]!r}; known: {', '.join(self._events)}") from None

    def operation_named(self, name: str) -> Workflow:
        try:
            return self._operations[name]
        except KeyError:
            raise UnknownOperation(f"no operation named {name[:64]!r}; known: {', '.join(self._operations)}") from None

    def job_named(self, name: str) -> Workflow:
        try:
            return self._jobs[name]
        except KeyError:
            raise UnknownJob(f"no job named {name[:64]!r}; known: {', '.join(self._jobs)}") from None

    @property
    def event_types(self) -> tuple[EventType, ...]:
        return tuple(self._events.values())

    @property
    def operations(self) -> tuple[Workflow, ...]:
        return tuple(self._operations.values())

    @property
    def jobs(self) -> tuple[Workflow, ...]:
        return tuple(self._jobs.values())


def _new_name(name: str, taken: Mapping[str, object]) -> str:
    if not NAME_PATTERN.fullmatch(name):
        raise ValueError(f"{name!r} is not a callout name: 1-48 of a-z 0-9 . -, starting with a letter or digit")
    if name in taken:
        raise ValueError(f"{name!r} is already declared")
    return name
