"""Route notifications to handlers by sObject type. Register yours in `sfbridge.outbound.handlers`."""

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from sfbridge.models.outbound import Notification


@dataclass(frozen=True, slots=True)
class Delivery:
    """What a handler receives: one notification and where it came from.

    `record` is the typed model when one is registered for the sObject type, else the raw field dict.
    """

    organization_id: str
    action_id: str
    request_id: str | None
    notification: Notification
    record: BaseModel | dict[str, str | None]
    replay: bool = False
    """Applied again on purpose by an operator (`sfbridge replay --force`), not a delivery from Salesforce."""


Handler = Callable[[Delivery], None]


class ObjectRouter:
    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self._models: dict[str, type[BaseModel]] = {}

    def on(self, sobject_type: str, *, model: type[BaseModel] | None = None) -> Callable[[Handler], Handler]:
        """Decorator: `@router.on("Opportunity")` sends every Opportunity notification to the function."""

        def register(handler: Handler) -> Handler:
            if sobject_type in self._handlers:
                raise ValueError(f"a handler for {sobject_type} is already registered")
            self._handlers[sobject_type] = handler
            if model is not None:
                self.use_model(sobject_type, model)
            return handler

        return register

    def use_model(self, sobject_type: str, model: type[BaseModel]) -> None:
        """Hand `sobject_type` records to handlers as `model` instances instead of field dicts."""
        self._models[sobject_type] = model

    def handler_for(self, sobject_type: str, default: Handler) -> Handler:
        return self._handlers.get(sobject_type, default)

    def registered(self, sobject_type: str) -> Handler | None:
        """The handler registered for `sobject_type`, or None when the default destination applies."""
        return self._handlers.get(sobject_type)

    def typed_record(self, notification: Notification) -> BaseModel | dict[str, str | None]:
        model = self._models.get(notification.sobject_type)
        return notification.fields if model is None else model.model_validate(notification.fields)
