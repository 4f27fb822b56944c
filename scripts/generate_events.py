"""Regenerate the derived sample events in events/ from the Salesforce bodies beside them.

The XML bodies in events/outbound_receiver/*.xml are Salesforce's wire format; every JSON event is built from them:
API Gateway REST proxy events for the receiver and SQS events for the worker. Run: python scripts/generate_events.py
"""

import base64
import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "events"
ORGANIZATION_ID = "00DKb00000AbCdEMAV"
ACTION_ID = "04k5g0000000001AAA"
BATCH_SIZE = 100

_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" \
xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">
   <OrganizationId>{org}</OrganizationId>
   <ActionId>{action}</ActionId>
   <SessionId xsi:nil="true"/>
   <EnterpriseUrl>https://acme.my.salesforce.com/services/Soap/c/62.0/00DKb00000AbCdE</EnterpriseUrl>
   <PartnerUrl>https://acme.my.salesforce.com/services/Soap/u/62.0/00DKb00000AbCdE</PartnerUrl>
"""
_NOTIFICATION = """   <Notification>
    <Id>04l5g00000{n:05d}AAA</Id>
    <sObject xsi:type="sf:Opportunity" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
    <sf:Id>0065g00000{n:05d}AAA</sf:Id>
    <sf:AccountId>0015g00000{n:05d}AAA</sf:AccountId>
    <sf:Amount>{amount}.0</sf:Amount>
    <sf:CloseDate>2026-12-15</sf:CloseDate>
    <sf:IsClosed>false</sf:IsClosed>
    <sf:IsWon>false</sf:IsWon>
    <sf:LastModifiedDate>2026-11-22T14:{minute:02d}:00.000Z</sf:LastModifiedDate>
    <sf:Name>Renouvellement FY27 Zürich &amp; Genève #{n}</sf:Name>
    <sf:NextStep xsi:nil="true"/>
    <sf:Probability>60.0</sf:Probability>
    <sf:StageName>Negotiation/Review</sf:StageName>
    <sf:SystemModstamp>2026-11-22T14:{minute:02d}:02.000Z</sf:SystemModstamp>
    <sf:Region__c>EMEA</sf:Region__c>
    <sf:acme__Margin__c>0.{n:02d}</sf:acme__Margin__c>
    </sObject>
   </Notification>
"""
_TAIL = """  </notifications>
 </soapenv:Body>
</soapenv:Envelope>
"""


def batch_envelope(count: int = BATCH_SIZE) -> str:
    notifications = "".join(_NOTIFICATION.format(n=n, amount=10_000 + 250 * n, minute=n % 60) for n in range(count))
    return _HEAD.format(org=ORGANIZATION_ID, action=ACTION_ID) + notifications + _TAIL


def proxy_event(body: bytes, request_id: str) -> dict[str, object]:
    """What API Gateway (REST, Lambda proxy) hands the receiver for a Salesforce POST; text/xml is a binary type."""
    headers = {
        "Content-Type": "text/xml; charset=UTF-8",
        "SOAPAction": '""',
        "Host": "abc123defg.execute-api.us-east-1.amazonaws.com",
        "User-Agent": "Jakarta Commons-HttpClient/3.1",
        "X-Amzn-Trace-Id": "Root=1-6744a1b2-0123456789abcdef01234567",
        "X-Forwarded-For": "13.108.0.10",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
    }
    return {
        "resource": "/outbound-messages",
        "path": "/outbound-messages",
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourceId": "x1y2z3",
            "resourcePath": "/outbound-messages",
            "httpMethod": "POST",
            "extendedRequestId": "BmF0aGVyZXh0",
            "requestTime": "25/Nov/2026:10:15:30 +0000",
            "path": "/v1/outbound-messages",
            "accountId": "123456789012",
            "protocol": "HTTP/1.1",
            "stage": "v1",
            "domainPrefix": "abc123defg",
            "requestTimeEpoch": 1795774530000,
            "requestId": request_id,
            "identity": {"sourceIp": "13.108.0.10", "userAgent": "Jakarta Commons-HttpClient/3.1"},
            "domainName": "abc123defg.execute-api.us-east-1.amazonaws.com",
            "apiId": "abc123defg",
        },
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


def sqs_event(envelope: str, notification_ids: list[str], request_id: str) -> dict[str, object]:
    """What the SQS event source hands the worker: one record holding the receiver's queued message."""
    body = json.dumps(
        {
            "schema_version": 1,
            "organization_id": ORGANIZATION_ID,
            "action_id": ACTION_ID,
            "notification_ids": notification_ids,
            "received_at": "2026-11-25T10:15:30.123000Z",
            "request_id": request_id,
            "envelope": envelope,
        }
    )
    record = {
        "messageId": f"5f1c7a9e-0000-4000-8000-{request_id[-12:]}",
        "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...",
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1795774530123",
            "SenderId": "AROAEXAMPLE:sfbridge-OutboundReceiverFunction",
            "ApproximateFirstReceiveTimestamp": "1795774530200",
        },
        "messageAttributes": {},
        "md5OfBody": hashlib.md5(body.encode(), usedforsecurity=False).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:sfbridge-OutboundQueue",
        "awsRegion": "us-east-1",
    }
    return {"Records": [record]}


def _notification_ids(envelope: str) -> list[str]:
    return [line.strip()[4:-5] for line in envelope.splitlines() if line.strip().startswith("<Id>04l")]


def main() -> None:
    receiver, worker = EVENTS / "outbound_receiver", EVENTS / "outbound_worker"
    (receiver / "batch-100.xml").write_text(batch_envelope(), encoding="utf-8")
    for number, name in enumerate(("account-1", "opportunity-3", "batch-100"), 1):
        envelope = (receiver / f"{name}.xml").read_text(encoding="utf-8")
        request_id = f"c6af9ac6-7b61-11e6-9a41-93e8{number:08d}"
        event = proxy_event(envelope.encode(), request_id)
        (receiver / f"{name}.json").write_text(json.dumps(event, indent=2) + "\n", encoding="utf-8")
        sqs = sqs_event(envelope, _notification_ids(envelope), request_id)
        (worker / f"sqs-{name}.json").write_text(json.dumps(sqs, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
