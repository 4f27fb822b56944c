"""Your handlers for Outbound Message notifications, one per sObject type. This is the place to register them.

Without a handler, a notification is published to the project's EventBridge bus (see `sfbridge.outbound.process`).
A registered handler replaces that default for its type; call `publish_notification` inside it to keep both.

    from sfbridge.outbound.routing import Delivery

    @router.on("Opportunity")
    def sync_opportunity(delivery: Delivery) -> None:
        ...  # delivery.notification.fields["StageName"], delivery.organization_id, ...

A handler must be safe to call again for the same notification if it raised before: sfbridge retries it.
"""

from sfbridge.outbound.routing import ObjectRouter
from sfbridge.sobjects import MODELS

router = ObjectRouter()

# Handlers get `delivery.record` as the sObject's model from sfbridge/sobjects.py (regenerate it with `make sobjects`
# after adding a WSDL to events/wsdl/); types without a model still get the raw field dict.
for name, model in MODELS.items():
    router.use_model(name, model)
