"""What the Outbound Message endpoint answers: the Ack, or a SOAP 1.1 Fault. The only place errors become faults."""

from typing import Final

from sfbridge.exceptions import ClientError

CONTENT_TYPE: Final = "text/xml; charset=utf-8"
FAULT_HTTP_STATUS: Final = 500
"""SOAP 1.1 (section 6.2) sends every fault with HTTP 500; Salesforce retries anything but an Ack."""

ACK: Final = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">\n'
    b" <soapenv:Body>\n"
    b'  <notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">\n'
    b"   <Ack>true</Ack>\n"
    b"  </notificationsResponse>\n"
    b" </soapenv:Body>\n"
    b"</soapenv:Envelope>\n"
)

_FAULT: Final = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">\n'
    " <soapenv:Body>\n"
    "  <soapenv:Fault>\n"
    "   <faultcode>soapenv:{code}</faultcode>\n"
    "   <faultstring>{reason}</faultstring>\n"
    "  </soapenv:Fault>\n"
    " </soapenv:Body>\n"
    "</soapenv:Envelope>\n"
)
_SERVER_REASON: Final = "sfbridge could not store the message; it was not acknowledged, retry later"


def fault_code(error: BaseException) -> str:
    """`Client` when the caller is at fault, `Server` for everything else (including bugs)."""
    return "Client" if isinstance(error, ClientError) else "Server"


def fault(error: BaseException) -> bytes:
    """A SOAP 1.1 Fault for `error`. Server faults never echo internal details.

    A Server fault's own message may name configuration (an allowlist entry, a secret, a queue): it is logged,
    and Salesforce's delivery status page, which every admin of the org can read, gets one fixed text.
    """
    code = fault_code(error)
    reason = str(error) if code == "Client" else _SERVER_REASON
    printable = "".join(char if char.isprintable() else " " for char in reason)[:500]
    return _FAULT.format(code=code, reason=_escape(printable)).encode()


def _escape(text: str) -> str:
    """Character data for the faultstring (what `xml.sax.saxutils.escape` does, without importing `xml.sax`)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
