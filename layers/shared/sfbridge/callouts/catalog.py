"""Your event types, operations and jobs: the one place to declare them.

    catalog.event("order-placed", OrderPlaced)                       # POST /events/order-placed
    catalog.operation("credit-check", input=CreditCheckRequest,       # POST /operations/credit-check
                      output=CreditDecision)
    catalog.job("account-onboarding", input=AccountOnboardingRequest)  # POST /jobs/account-onboarding

Bodies are validated against the model before anything happens (400 with JSON paths otherwise). An operation or a
job also needs its state machine in `template.yaml`, listed by name in the callout API's `OPERATIONS` or `JOBS`
variable. An accepted event is published to the project's EventBridge bus (source `sfbridge.callout-event`,
detail-type = the event type) unless you handle it yourself:

    @catalog.on_event("case-escalated")
    def page_the_duty_manager(event: CalloutEvent) -> None:
        case = cast(CaseEscalated, event.payload)
        ...  # may run again for the same event if it raised: make its effects idempotent
"""

from sfbridge.callouts.registry import CalloutCatalog
from sfbridge.models.callout_events import CaseEscalated, OrderPlaced, Ping
from sfbridge.models.credit_check import CreditCheckRequest, CreditDecision
from sfbridge.models.onboarding import AccountOnboardingRequest, OnboardingResult

catalog = CalloutCatalog()

catalog.event("order-placed", OrderPlaced)
catalog.event("case-escalated", CaseEscalated)
catalog.event("sfbridge.ping", Ping)  # the Salesforce-side connectivity check; keep it

catalog.operation("credit-check", input=CreditCheckRequest, output=CreditDecision)

catalog.job("account-onboarding", input=AccountOnboardingRequest, output=OnboardingResult)
