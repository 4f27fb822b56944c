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
