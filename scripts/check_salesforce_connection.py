"""Check the connection into Salesforce the job results function uses: log in with the JWT bearer flow and publish
one test `Sfbridge_Job_Result__e`.

    .venv/bin/python scripts/check_salesforce_connection.py --login-host test.salesforce.com \\
        --consumer-key 3MVG9... --username sfbridge.integration@example.com \\
        --private-key-secret arn:aws:secretsmanager:eu-west-1:123456789012:secret:sfbridge/jwt-key-AbCdEf

(`--private-key-file sfbridge-jwt.key` instead reads the key from a file.) It uses the same adapter, with the same
retries, as the deployed function, and prints the published event's id, or Salesforce's refusal. The test event
names the job `connection-check`, which no record holds, so the example subscriber changes nothing.
"""

import argparse
import sys
import uuid
from pathlib import Path

from sfbridge.adapters.salesforce import SalesforceClient
from sfbridge.config import SalesforceSettings
from sfbridge.exceptions import SfbridgeError

EVENT = "Sfbridge_Job_Result__e"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = SalesforceSettings(
        consumer_key=args.consumer_key,
        username=args.username,
        login_host=args.login_host,
        private_key_secret=args.private_key_secret or "(read from --private-key-file)",
    )
    key_file: Path | None = args.private_key_file
    client = SalesforceClient(settings, private_key=(lambda: key_file.read_text()) if key_file else None)
    check_id = f"connection-check-{uuid.uuid4().hex[:12]}"
    fields = {
        "Job_Id__c": check_id,
        "Job_Name__c": "connection-check",
        "Status__c": "SUCCEEDED",
        "Output__c": '{"check": "sfbridge connection"}',
        "Execution_Arn__c": check_id,
    }
    try:
        event_id = client.publish_event(EVENT, fields)
    except SfbridgeError as error:
        print(f"FAILED: {type(error).__name__}: {error}", file=sys.stderr)
        return 1
    print(f"OK: published {EVENT} {event_id} as {args.username} (Job_Id__c {check_id})")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--login-host", default="login.salesforce.com", help="stack parameter SalesforceLoginHost")
    parser.add_argument("--consumer-key", required=True, help="stack parameter SalesforceConsumerKey")
    parser.add_argument("--username", required=True, help="stack parameter SalesforceUsername")
    key = parser.add_mutually_exclusive_group(required=True)
    key.add_argument("--private-key-secret", help="stack parameter SalesforcePrivateKeySecretArn")
    key.add_argument("--private-key-file", type=Path, help="the PEM private key, from a file instead")
    return parser


if __name__ == "__main__":
    sys.exit(main())
