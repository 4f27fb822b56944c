"""The fuzz run: post generated bodies to the receiver's real handler, in process on moto, and hold it to its word.

Each case is posted as API Gateway would deliver it; the answer must be a SOAP envelope, never a Server fault, an
Ack for every `VALID` case and a Client fault for every `INVALID` one. Every acked message then goes through the
worker at once (its real handler, fed by the local SQS poller), which must apply it without a failure.
"""

import base64
import json
import os
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from moto import mock_aws

from fuzz.mutations import INVALID, ORGANIZATION_ID, ROOT, VALID, Case, generate
from localrun.moto_fixes import enable_moto_fixes
from localrun.pollers import poll_source
from localrun.stack import LocalStack
from localrun.template import REGION

RECEIVER = "OutboundReceiverFunction"
TEMPLATE = ROOT / "template.yaml"
_EVENT = json.loads((ROOT / "events" / "outbound_receiver" / "account-1.json").read_text(encoding="utf-8"))
_SOAP = "{http://schemas.xmlsoap.org/soap/envelope/}"
_ACK = "{http://soap.sforce.com/2005/09/outbound}notificationsResponse/{http://soap.sforce.com/2005/09/outbound}Ack"


@dataclass
class Report:
    """What a run saw: answers by kind, and every broken promise with the case that broke it."""

    messages: int = 0
    acks: int = 0
    faults: Counter[str] = field(default_factory=Counter)
    mutations: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        faults = ", ".join(f"{kind} {count}" for kind, count in sorted(self.faults.items())) or "none"
        return (
            f"{self.messages} messages in {self.seconds:.1f} s ({self.messages / max(self.seconds, 1e-9):.0f}/s): "
            f"{self.acks} acked, faults {faults}; {len(self.problems)} problems"
        )


def run(messages: int, *, seed: int, max_notifications: int = 10) -> Report:
    """Post `messages` generated cases (replayable by `seed`) and report what broke."""
    rng = random.Random(seed)
    report = Report()
    started = time.monotonic()
    enable_moto_fixes()  # a long run on moto's own shortcuts slows and grows with every message
    # The functions' clients find their region as in Lambda; worker threads build theirs outside an invocation.
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        stack = LocalStack.deploy(
            str(TEMPLATE),
            overrides={"AllowedOrganizationIds": ORGANIZATION_ID, "AllowUnauthenticatedOutboundMessages": "true"},
        )
        for number in range(messages):
            case = generate(rng, max_notifications=max_notifications)
            _check(stack, case, f"#{number} {case.mutation}", report)
    report.seconds = time.monotonic() - started
    return report


def _check(stack: LocalStack, case: Case, label: str, report: Report) -> None:
    report.messages += 1
    report.mutations[case.mutation] += 1
    response = stack.invoke(RECEIVER, {**_EVENT, "body": base64.b64encode(case.body).decode()})
    answer = _answer(response)
    if answer == "Ack":
        report.acks += 1
        if case.expect == INVALID:
            report.problems.append(f"{label}: an invalid body was acked")
        failures = _apply(stack)
        if failures:
            report.problems.append(f"{label}: acked, then the worker refused it: {failures}")
        return
    report.faults[answer] += 1
    if answer != "Client":
        report.problems.append(f"{label}: answered {answer}: {str(response)[:300]}")
    elif case.expect == VALID:
        report.problems.append(f"{label}: a valid body got a Client fault: {_faultstring(response)}")


def _answer(response: Any) -> str:
    """`Ack`, `Client`, `Server`, or `not SOAP` for anything that is no SOAP envelope holding one of those."""
    try:
        root = etree.fromstring(response["body"].encode())
    except (KeyError, TypeError, AttributeError, etree.XMLSyntaxError):
        return "not SOAP"
    if root.tag != f"{_SOAP}Envelope":
        return "not SOAP"
    if response.get("statusCode") == 200 and root.findtext(f"{_SOAP}Body/{_ACK}") == "true":
        return "Ack"
    code = root.findtext(f"{_SOAP}Body/{_SOAP}Fault/faultcode") or ""
    return code.removeprefix("soapenv:") if code in ("soapenv:Client", "soapenv:Server") else "not SOAP"


def _faultstring(response: Any) -> str:
    return str(etree.fromstring(response["body"].encode()).findtext(f"{_SOAP}Body/{_SOAP}Fault/faultstring"))


def _apply(stack: LocalStack) -> list[Any]:
    """Hand what the queues hold to their workers now; return the records they failed."""
    failures: list[Any] = []

    def invoke(logical_id: str, event: Any) -> Any:
        result = stack.invoke(logical_id, event)
        failures.extend((result or {}).get("batchItemFailures") or [])
        return result

    sqs = stack.target.client("sqs")
    while sum(poll_source(sqs, source, invoke, region=stack.region) for source in stack.sqs_sources):
        pass
    return failures
