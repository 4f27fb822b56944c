"""The local stack's Outputs as a CloudFormation stack record in moto, so tools that find resources by stack name
(`sfbridge --stack sfbridge-local ...`) work against `make run` as they do against a deployed stack.

Only the record is created (moto accepts a stack without resources, which AWS would not): the resources
themselves were created by `localrun.provision` from the template.
"""

import json
from typing import Any

from localrun.stack import LocalStack


def resolved_outputs(stack: LocalStack) -> dict[str, dict[str, str]]:
    """Every Output whose Condition holds, as CloudFormation would report it: its value and description."""
    outputs: dict[str, Any] = stack.template.get("Outputs") or {}
    resolved = {}
    for name, output in outputs.items():
        try:
            value = str(stack.output(name))
        except KeyError:  # its Condition is false
            continue
        description = str(output.get("Description") or "")
        resolved[name] = {"Value": value, **({"Description": description} if description else {})}
    return resolved


def record_stack(stack: LocalStack) -> None:
    """Create (in moto) a CloudFormation stack named like the local stack, holding its resolved Outputs."""
    body = {"Resources": {}, "Outputs": resolved_outputs(stack)}
    stack.target.client("cloudformation").create_stack(StackName=stack.target.stack_name, TemplateBody=json.dumps(body))
