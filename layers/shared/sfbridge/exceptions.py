"""One exception root for the project.

Every subclass belongs to exactly one family: `ClientError` (the caller sent something we refuse) or `ServerError`
(we could not do our part). How each family is answered lives in one place per protocol:
`sfbridge.soap.responses` for Outbound Messages and `sfbridge.callouts.problems` for the callout API.
"""


class SfbridgeError(Exception):
    """Root of every error sfbridge raises on purpose."""


class ClientError(SfbridgeError):
    """The request is at fault; retrying it unchanged will fail again."""


class ServerError(SfbridgeError):
    """sfbridge could not complete its part; the caller should retry."""


class XmlRejected(ClientError):
    """The body is not XML that sfbridge is willing to parse."""


class EmptyBody(XmlRejected):
    """The request has no body."""


class BodyTooLarge(XmlRejected):
    """The body exceeds the configured cap; it was not parsed."""


class InvalidEncoding(XmlRejected):
    """The body is not valid UTF-8."""


class ForbiddenXmlConstruct(XmlRejected):
    """The body carries a DOCTYPE, entity declaration or other construct that is never accepted."""


class MalformedXml(XmlRejected):
    """The body is not well-formed XML."""


class InvalidEnvelope(ClientError):
    """Well-formed XML, but not a SOAP 1.1 Outbound Message envelope."""


class InvalidSalesforceId(ClientError):
    """A value that should be a 15- or 18-character Salesforce ID is not one."""


class SenderRejected(ClientError):
    """The message does not come from an allowed organization, or lacks the endpoint token."""


class StoreUnavailable(ServerError):
    """The message could not be stored durably; nothing was acknowledged."""


class ConfigurationError(ServerError):
    """The function's environment does not match what the template should have given it."""


class WsdlRejected(ClientError):
    """A WSDL given to `python -m sfbridge.codegen` cannot become sObject models."""


class NotAnOutboundMessageWsdl(WsdlRejected):
    """The WSDL is not one Salesforce generates for an Outbound Message, or it declares no sObject type."""


class ConflictingSObjectField(WsdlRejected):
    """Two WSDLs give the same field of the same sObject type different XSD types."""


# ---- Apex callouts: each class is answered with one status by `sfbridge.callouts.problems`.


class UnsupportedMediaType(ClientError):
    """A callout body that is not declared as UTF-8 JSON."""


class PayloadTooLarge(ClientError):
    """A callout body, or what it becomes, exceeds an AWS size limit; the message names the limit."""


class MalformedJson(ClientError):
    """A callout body that does not parse as JSON."""


class RequestInvalid(ClientError):
    """A callout body that parses but does not match its model; `errors` says where, as JSON paths."""

    def __init__(self, detail: str, errors: list[tuple[str, str]]) -> None:
        super().__init__(detail)
        self.errors = errors


class InvalidIdempotencyKey(ClientError):
    """An `Idempotency-Key` header that is empty, too long or not printable ASCII."""


class UnknownEventType(ClientError):
    """`POST /events/{type}` names a type the catalog does not declare."""


class UnknownOperation(ClientError):
    """`POST /operations/{name}` names an operation the catalog does not declare."""


class UnknownJob(ClientError):
    """`POST /jobs/{name}` names a job the catalog does not declare."""


class JobNotFound(ClientError):
    """`GET /jobs/{id}` names no job this API started."""


class IdempotencyKeyReused(ClientError):
    """The `Idempotency-Key` was already used with a different body."""


class IdempotencyKeyInUse(ClientError):
    """A request with the same `Idempotency-Key` is still being answered."""


class WorkflowInputInvalid(ClientError):
    """A state machine task refused its input. State machines catch it by this name (the Lambda `errorType`)."""


class WorkflowEnded(SfbridgeError):
    """Mixin of the errors that report how an execution ended; `workflow_error` is its Step Functions error name."""

    def __init__(self, detail: str, *, workflow_error: str | None = None) -> None:
        super().__init__(detail)
        self.workflow_error = workflow_error


class WorkflowRejectedInput(WorkflowEnded, ClientError):
    """The workflow ended with the `ValidationError` error: the input is well-formed but breaks a business rule."""


class WorkflowConflict(WorkflowEnded, ClientError):
    """The workflow ended with the `Conflict` error: the request clashes with what already exists."""


class WorkflowFailed(WorkflowEnded, ServerError):
    """The workflow ended with any other error, or returned output that does not match its model."""


class WorkflowTimedOut(WorkflowEnded, ServerError):
    """The workflow timed out, or the operation's time budget ran out before it finished."""


class WorkflowUnavailable(ServerError):
    """Step Functions did not accept the execution (throttled, unreachable, or refused it)."""


class IdempotencyStoreUnavailable(ServerError):
    """The idempotency table could not be read or written, so the request could not be made safe to retry."""


# ---- Calls into Salesforce (remote call-in): `sfbridge.adapters.salesforce` raises these.


class SalesforceError(ServerError):
    """A call into Salesforce did not take effect; sfbridge could not complete its part."""


class SalesforceUnavailable(SalesforceError):
    """Salesforce kept failing in a way worth retrying (5xx, `REQUEST_LIMIT_EXCEEDED`, `UNABLE_TO_LOCK_ROW`,
    no connection) until the attempts ran out. The work can be retried later as it is."""


class SalesforceAuthenticationFailed(SalesforceError):
    """The token endpoint refused the JWT bearer assertion, or a fresh token was refused again: the connected app,
    its certificate, the integration user's pre-authorization or the login host needs fixing, not a retry."""


class SalesforceRejected(SalesforceError):
    """Salesforce refused the request itself (a validation rule, a missing field, no access): never retried.

    `errors` holds Salesforce's own error codes, messages and fields, as it reported them.
    """

    def __init__(self, detail: str, errors: list[tuple[str, str, tuple[str, ...]]]) -> None:
        super().__init__(detail)
        self.errors = errors

    @property
    def error_codes(self) -> list[str]:
        return [code for code, _, _ in self.errors]
