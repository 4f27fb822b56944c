"""Namespace URIs and qualified names. Elements are always matched by namespace, never by prefix."""

from typing import Final

SOAP11_ENVELOPE: Final = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENVELOPE: Final = "http://www.w3.org/2003/05/soap-envelope"
OUTBOUND: Final = "http://soap.sforce.com/2005/09/outbound"
SOBJECT: Final = "urn:sobject.enterprise.soap.sforce.com"
XSI: Final = "http://www.w3.org/2001/XMLSchema-instance"
XSD: Final = "http://www.w3.org/2001/XMLSchema"
WSDL: Final = "http://schemas.xmlsoap.org/wsdl/"


def qname(namespace: str, local: str) -> str:
    """Clark notation, as lxml spells qualified names: `{namespace}local`."""
    return f"{{{namespace}}}{local}"


ENVELOPE: Final = qname(SOAP11_ENVELOPE, "Envelope")
BODY: Final = qname(SOAP11_ENVELOPE, "Body")
HEADER: Final = qname(SOAP11_ENVELOPE, "Header")
NOTIFICATIONS: Final = qname(OUTBOUND, "notifications")
ORGANIZATION_ID: Final = qname(OUTBOUND, "OrganizationId")
ACTION_ID: Final = qname(OUTBOUND, "ActionId")
SESSION_ID: Final = qname(OUTBOUND, "SessionId")
ENTERPRISE_URL: Final = qname(OUTBOUND, "EnterpriseUrl")
PARTNER_URL: Final = qname(OUTBOUND, "PartnerUrl")
NOTIFICATION: Final = qname(OUTBOUND, "Notification")
NOTIFICATION_ID: Final = qname(OUTBOUND, "Id")
SOBJECT_ELEMENT: Final = qname(OUTBOUND, "sObject")
XSI_TYPE: Final = qname(XSI, "type")
XSI_NIL: Final = qname(XSI, "nil")
