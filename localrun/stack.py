"""A SAM template deployed locally: resources in moto, functions as Python callables, event sources as calls.

`LocalStack.deploy` starts no server and no thread, so tests can call it inside `with mock_aws():` and drive
everything deterministically (`invoke`, `poll_once`, `drain`). `python -m localrun` adds the servers.
"""

import hashlib
import logging
import sys
from collections.abc import Mapping
from functools import partial
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any, Final, Self

from localrun.functions import ApiSpec, FunctionHost, FunctionSpec, Route, SqsSource
from localrun.pollers import poll_source
from localrun.provision import CREATORS, Provisioned, Target, create_bus_tap
from localrun.template import (
    ACCOUNT_ID,
    REGION,
    STACK_NAME,
    Resolver,
    TemplateError,
    check_rules,
    load_template,
    merge_globals,
    pseudo_parameters,
    references,
    resolve_parameters,
)

log = logging.getLogger("localrun")

FUNCTION: Final = "AWS::Serverless::Function"
API: Final = "AWS::Serverless::Api"
IMPLICIT_API: Final = "ServerlessRestApi"
LAYERS: Final = ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion")
STATE_MACHINES: Final = ("AWS::Serverless::StateMachine", "AWS::StepFunctions::StateMachine")
TAP_QUEUE: Final = "sfbridge-local-bus-tap"


class LocalStack:
    """One deployment of a template: what `Ref`/`Fn::GetAtt`/Outputs give, and how to call its functions."""

    def __init__(
        self,
        template_path: Path,
        template: Mapping[str, Any],
        overrides: Mapping[str, str],
        extra_environment: Mapping[str, str],
        *,
        region: str,
        stack_name: str,
    ) -> None:
        self.template_path = template_path.resolve()
        self.template = dict(template)
        self.region = region
        self.target = Target(stack_name, region, self.template_path.parent)
        parameters = resolve_parameters(self.template.get("Parameters") or {}, overrides)
        self.resolver = Resolver(
            self.template,
            parameters,
            ref=self.physical_id,
            get_att=self.attribute,
            pseudo=pseudo_parameters(region, stack_name),
        )
        check_rules(self.template, self.resolver)
        self.resources = self._resources_whose_condition_holds()
        self.api_base_url: str | None = None
        self.apis: dict[str, ApiSpec] = {}
        self.functions: dict[str, FunctionSpec] = {}
        self.api_routes: list[Route] = []
        self.sqs_sources: list[SqsSource] = []
        self._deployed: dict[str, Provisioned] = {}
        self._extra_environment = dict(extra_environment)
        self._host = FunctionHost({}, self._extra_environment)

    @classmethod
    def deploy(
        cls,
        template: str | Path,
        overrides: Mapping[str, str] | None = None,
        extra_environment: Mapping[str, str] | None = None,
        *,
        region: str = REGION,
        stack_name: str = STACK_NAME,
        template_body: Mapping[str, Any] | None = None,
    ) -> Self:
        """Create the template's resources with boto3 (in moto) and prepare its functions to be invoked.

        `template_body` is the template already decoded (by `load_template`), when the caller has it.
        """
        path = Path(template)
        body = load_template(path) if template_body is None else template_body
        stack = cls(path, body, overrides or {}, extra_environment or {}, region=region, stack_name=stack_name)
        stack._create_resources()
        stack._prepare_functions()
        return stack

    # ------------------------------------------------------------------ what CloudFormation would report

    def physical_id(self, logical_id: str) -> str:
        """What `Ref` returns: queue URL, table, bucket or bus name, topic or state machine ARN, function name."""
        return self._resource(logical_id).ref

    def attribute(self, logical_id: str, name: str) -> str:
        """What `Fn::GetAtt` returns."""
        deployed = self._resource(logical_id)
        if name not in deployed.attributes:
            raise TemplateError(f"{logical_id} has no attribute {name} locally")
        return deployed.attributes[name]

    def output(self, name: str) -> Any:
        """A resolved Output; API URLs point at `api_base_url` once the local API is served."""
        outputs = self.template.get("Outputs") or {}
        if name not in outputs or not self.resolver.condition_holds(outputs[name].get("Condition")):
            raise KeyError(name)
        value = self.resolver.resolve(outputs[name]["Value"])
        return self._localize(value) if isinstance(value, str) else value

    def event_bus_names(self) -> list[str]:
        return [self.physical_id(logical_id) for logical_id in self._of_type("AWS::Events::EventBus")]

    # ------------------------------------------------------------------ calling the functions

    def invoke(self, logical_id: str, event: Any, *, wait: bool = True) -> Any:
        """Call the function's `lambda_handler` with its resolved environment; raises what the handler raises."""
        return self._host.invoke(logical_id, event, wait=wait)

    def warm(self) -> None:
        """Import every handler now (Lambda's init phase), so that import errors show at startup."""
        self._host.warm()

    def poll_once(self) -> int:
        """One round over every SQS event source; returns how many messages the functions received."""
        sqs = self.target.client("sqs")
        return sum(poll_source(sqs, source, self.invoke, region=self.region) for source in self.sqs_sources)

    def drain(self, max_rounds: int = 50) -> int:
        """Poll until no event source queue has a visible message; returns how many messages were handled."""
        handled = 0
        for _ in range(max_rounds):
            count = self.poll_once()
            if not count:
                break
            handled += count
        return handled

    def add_bus_tap(self, queue_name: str = TAP_QUEUE) -> str:
        """A local-only queue receiving a copy of every event on the stack's buses; returns its URL."""
        return create_bus_tap(self.target, self.event_bus_names(), queue_name)

    # ------------------------------------------------------------------ deployment

    def _create_resources(self) -> None:
        for logical_id in self._creation_order():
            resource = self.resources[logical_id]
            properties = self.resolver.resolve(resource.get("Properties") or {})
            self._deployed[logical_id] = CREATORS[resource["Type"]](self.target, logical_id, properties)
            log.debug("created %s (%s): %s", logical_id, resource["Type"], self._deployed[logical_id].ref)
        for logical_id, resource in self.resources.items():
            if resource["Type"] not in CREATORS and resource["Type"] not in (FUNCTION, API, *LAYERS):
                log.debug("skipped %s (%s): no local counterpart", logical_id, resource["Type"])

    def _resources_whose_condition_holds(self) -> dict[str, Mapping[str, Any]]:
        resources: Mapping[str, Mapping[str, Any]] = self.template.get("Resources") or {}
        return {
            logical_id: resource
            for logical_id, resource in resources.items()
            if self.resolver.condition_holds(resource.get("Condition"))
        }

    def _creation_order(self) -> list[str]:
        """Dependencies first (a queue's dead-letter queue before the queue), as CloudFormation orders them."""
        created = {logical_id for logical_id, resource in self.resources.items() if resource["Type"] in CREATORS}
        graph = {
            logical_id: (
                references(self.resources[logical_id].get("Properties")) | _depends_on(self.resources[logical_id])
            )
            & created
            for logical_id in created
        }
        try:
            return list(TopologicalSorter(graph).static_order())
        except CycleError as exc:
            raise TemplateError(f"circular dependency between resources: {exc.args[1]}") from exc

    def _prepare_functions(self) -> None:
        globals_ = self.template.get("Globals") or {}
        self.apis = {
            logical_id: self._api_spec(
                logical_id, merge_globals(globals_.get("Api") or {}, resource.get("Properties") or {})
            )
            for logical_id, resource in self.resources.items()
            if resource["Type"] == API
        }
        for logical_id in self._of_type(FUNCTION):
            properties = merge_globals(
                globals_.get("Function") or {}, self.resources[logical_id].get("Properties") or {}
            )
            properties.pop("Policies", None)  # IAM is not enforced locally; its references need not resolve
            self.functions[logical_id] = self._function_spec(logical_id, self.resolver.resolve(properties))
        for spec in self.functions.values():
            self._add_event_sources(spec, globals_.get("Api") or {})
        self._host = FunctionHost(self.functions, self._extra_environment)
        self._add_layers_to_path()
        if self._of_type(*STATE_MACHINES):
            self._route_state_machine_tasks()

    def _function_spec(self, logical_id: str, properties: Mapping[str, Any]) -> FunctionSpec:
        code_uri = properties.get("CodeUri")
        if not isinstance(code_uri, str):
            raise TemplateError(f"{logical_id}: a local run needs CodeUri to be a local folder")
        variables = (properties.get("Environment") or {}).get("Variables") or {}
        return FunctionSpec(
            logical_id=logical_id,
            code_uri=(self.target.base_dir / code_uri).resolve(),
            handler=str(properties["Handler"]),
            environment={str(name): _env_text(value) for name, value in variables.items()},
            timeout=int(properties.get("Timeout", 3)),
            events=dict(properties.get("Events") or {}),
            function_name=self.physical_id(logical_id),
            memory_size=int(properties.get("MemorySize", 128)),
            region=self.region,
        )

    def _add_event_sources(self, spec: FunctionSpec, api_globals: Mapping[str, Any]) -> None:
        for name, event in spec.events.items():
            kind, properties = event.get("Type"), event.get("Properties") or {}
            if kind == "Api":
                self.api_routes.append(self._route(spec, properties, api_globals))
            elif kind == "SQS" and properties.get("Enabled", True) not in (False, "false"):
                self.sqs_sources.append(self._sqs_source(spec, properties))
            else:
                log.info("%s: event %s (%s) is not emulated locally", spec.logical_id, name, kind)

    def _route(self, spec: FunctionSpec, properties: Mapping[str, Any], api_globals: Mapping[str, Any]) -> Route:
        api_ids = {self.physical_id(logical_id): logical_id for logical_id in self.apis}
        api = api_ids.get(str(properties.get("RestApiId")), IMPLICIT_API)
        if api == IMPLICIT_API and api not in self.apis:
            self.apis[api] = self._api_spec(api, {"StageName": "Prod", **api_globals})
        return Route(str(properties["Method"]).upper(), str(properties["Path"]), spec.logical_id, api)

    def _sqs_source(self, spec: FunctionSpec, properties: Mapping[str, Any]) -> SqsSource:
        queue_arn = str(properties["Queue"])
        return SqsSource(
            function_logical_id=spec.logical_id,
            queue_url=self._queue_url(queue_arn),
            batch_size=int(properties.get("BatchSize", 10)),
            report_batch_item_failures="ReportBatchItemFailures" in (properties.get("FunctionResponseTypes") or []),
            queue_arn=queue_arn,
        )

    def _queue_url(self, queue_arn: str) -> str:
        for deployed in self._deployed.values():
            if deployed.attributes.get("Arn") == queue_arn and "QueueUrl" in deployed.attributes:
                return deployed.attributes["QueueUrl"]
        name, account = queue_arn.split(":")[5], queue_arn.split(":")[4]
        return str(self.target.client("sqs").get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"])

    def _api_spec(self, logical_id: str, properties: Mapping[str, Any]) -> ApiSpec:
        resolved = self.resolver.resolve(
            {key: properties[key] for key in ("StageName", "BinaryMediaTypes") if key in properties}
        )
        return ApiSpec(
            logical_id=logical_id,
            api_id=self.physical_id(logical_id) if logical_id in self.resources else _api_id(logical_id),
            stage_name=str(resolved.get("StageName", "Prod")),
            binary_media_types=tuple(str(kind).replace("~1", "/") for kind in resolved.get("BinaryMediaTypes") or []),
        )

    def _add_layers_to_path(self) -> None:
        """Layer code is importable in Lambda (under /opt/python); here each layer's folder goes on sys.path."""
        for logical_id in self._of_type(*LAYERS):
            properties = self.resolver.resolve(self.resources[logical_id].get("Properties") or {})
            content = properties.get("ContentUri") or properties.get("Content")
            if not isinstance(content, str):
                continue
            folder = (self.target.base_dir / content).resolve()
            folder = folder / "python" if (folder / "python").is_dir() else folder
            if str(folder) not in sys.path:
                sys.path.insert(0, str(folder))

    def _route_state_machine_tasks(self) -> None:
        from localrun.stepfunctions import route_lambda_tasks

        route_lambda_tasks(
            {spec.name: partial(self.invoke, logical_id, wait=False) for logical_id, spec in self.functions.items()}
        )

    # ------------------------------------------------------------------ lookups

    def _resource(self, logical_id: str) -> Provisioned:
        if logical_id not in self._deployed:
            if logical_id not in self.resources:
                raise TemplateError(f"unknown resource {logical_id} (or its Condition is false)")
            kind = self.resources[logical_id]["Type"]
            if kind in CREATORS:
                raise TemplateError(f"{logical_id} is referenced before it is created")
            self._deployed[logical_id] = self._not_created(logical_id, kind)
        return self._deployed[logical_id]

    def _not_created(self, logical_id: str, kind: str) -> Provisioned:
        """Ref/GetAtt values for resources with no local counterpart (functions, layers, APIs, IAM, alarms...)."""
        properties = self.resources[logical_id].get("Properties") or {}
        if kind == FUNCTION:
            name = str(self.resolver.resolve(properties.get("FunctionName") or logical_id))
            return Provisioned(name, {"Arn": f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:function:{name}"})
        if kind in LAYERS:
            arn = f"arn:aws:lambda:{self.region}:{ACCOUNT_ID}:layer:{logical_id}:1"
            return Provisioned(arn, {"Arn": arn})
        if kind in (API, "AWS::ApiGateway::RestApi"):
            return Provisioned(_api_id(logical_id), {"RootResourceId": "root"})
        service = kind.split("::")[1].lower()
        name = self.target.name(logical_id)
        return Provisioned(name, {"Arn": f"arn:aws:{service}:{self.region}:{ACCOUNT_ID}:{name}"})

    def _of_type(self, *kinds: str) -> list[str]:
        return [logical_id for logical_id, resource in self.resources.items() if resource["Type"] in kinds]

    def _localize(self, value: str) -> str:
        if self.api_base_url is None:
            return value
        for api in self.apis.values():
            value = value.replace(f"https://{api.api_id}.execute-api.{self.region}.amazonaws.com", self.api_base_url)
        return value


def _api_id(logical_id: str) -> str:
    """A stable 10-character id, the shape of an API Gateway REST API id."""
    return hashlib.sha256(logical_id.encode()).hexdigest()[:10]


def _depends_on(resource: Mapping[str, Any]) -> set[str]:
    depends_on = resource.get("DependsOn") or []
    return {depends_on} if isinstance(depends_on, str) else set(depends_on)


def _env_text(value: Any) -> str:
    """Lambda environment values are strings; CloudFormation renders numbers and booleans as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
