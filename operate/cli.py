"""`sfbridge`: operate a deployed (or `make run`) sfbridge stack from one command.

Exit codes: 0 done (or healthy), 1 degraded or refused, 2 the command could not run (bad input, no such stack).
"""

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from operate import dlq, redrive, replay, simulate, status
from operate.stack import OperateError, Stack, open_stack, region_for, stack_name_for

app = typer.Typer(help="Operate an sfbridge stack: health, dead-letter queues, redrive, replay, simulate.")
dlq_app = typer.Typer(help="Dead-letter queues.")
app.add_typer(dlq_app, name="dlq")


class Environment(StrEnum):
    dev = "dev"
    prod = "prod"


class QueueChoice(StrEnum):
    outbound = "outbound"
    events = "events"
    job_results = "job-results"


@dataclass(frozen=True)
class Target:
    stack: str | None
    environment: Environment
    samconfig: Path

    def open(self) -> Stack:
        name = self.stack or stack_name_for(self.environment.value, self.samconfig)
        return open_stack(name, region_for(self.environment.value, self.samconfig))


def _console() -> Console:
    return Console(highlight=False)


def _fail(message: str, code: int = 2) -> typer.Exit:
    Console(stderr=True, highlight=False).print(f"[red]sfbridge:[/red] {message}")
    return typer.Exit(code)


@contextmanager
def _stop_on_ctrl_c() -> Iterator[threading.Event]:
    """Ctrl-C sets the event instead of interrupting: each command stops at a point with nothing half-done."""
    stop = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return
    previous = signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def _aws_errors() -> Iterator[None]:
    try:
        yield
    except OperateError as exc:
        raise _fail(str(exc)) from exc
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise _fail(f"{exc.operation_name}: {error.get('Code')}: {error.get('Message')}") from exc
    except BotoCoreError as exc:
        raise _fail(str(exc)) from exc


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )


@app.callback()
def main_options(
    context: typer.Context,
    stack: Annotated[str | None, typer.Option(help="CloudFormation stack name (default: samconfig.toml's)")] = None,
    env: Annotated[Environment, typer.Option(help="samconfig.toml environment naming the stack")] = Environment.dev,
    samconfig: Annotated[Path, typer.Option(help="samconfig.toml to read the stack name from")] = Path(
        "samconfig.toml"
    ),
) -> None:
    """Resources are found from the stack's Outputs; AWS_PROFILE, AWS_REGION and AWS_ENDPOINT_URL apply."""
    context.obj = Target(stack, env, samconfig)


@app.command("status")
def status_command(
    context: typer.Context,
    max_age: Annotated[float, typer.Option(help="Oldest message age (seconds) still healthy")] = 300.0,
) -> None:
    """Queues, dead-letter queues, alarms and the last hour's counts; exit 0 healthy, 1 degraded."""
    with _aws_errors():
        health = status.gather(context.obj.open(), max_age_seconds=max_age)
    console = _console()
    queues = Table("queue", "depth", "in flight", "oldest (s)", "dead-letter depth", title="Queues")
    for queue in health.queues:
        age = "-" if queue.oldest_age_seconds is None else f"{queue.oldest_age_seconds:.0f}"
        queues.add_row(queue.name, str(queue.depth), str(queue.in_flight), age, str(queue.dead_letter_depth))
    console.print(queues)
    alarms = Table("alarm", "state", title="Alarms")
    for name, state in health.alarms:
        alarms.add_row(name, state)
    console.print(alarms if health.alarms else "Alarms: none reported by the stack")
    counts = Table("last hour", "count", title="Metrics (namespace Sfbridge)")
    for label, value in health.counts.items():
        counts.add_row(label, f"{value:.0f}")
    console.print(counts)
    for problem in health.problems:
        console.print(f"[yellow]degraded:[/yellow] {problem}")
    console.print("[green]healthy[/green]" if health.healthy else "[red]degraded[/red]")
    raise typer.Exit(0 if health.healthy else 1)


@app.command("redrive")
def redrive_command(
    context: typer.Context,
    queue: Annotated[QueueChoice, typer.Argument(help="outbound, events or job-results")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Say what would move; move nothing")] = False,
    max_per_second: Annotated[
        int | None, typer.Option(min=1, max=500, help="Messages moved per second (SQS allows 1-500)")
    ] = None,
) -> None:
    """Move the dead-letter queue's messages back with SQS's StartMessageMoveTask, following it to its end."""
    console = _console()
    with _aws_errors():
        stack = context.obj.open()
        try:
            plan = redrive.plan(stack, queue.value)
        except OperateError as exc:
            raise _fail(str(exc), code=1) from exc
        console.print(f"{plan.depth} message(s) in the {queue.value} dead-letter queue -> {plan.destination_url}")
        if dry_run or not plan.depth:
            console.print("dry run: nothing moved" if dry_run else "nothing to move")
            raise typer.Exit(0)
        with _stop_on_ctrl_c() as stop, _progress(console) as progress:
            bar = progress.add_task(f"redrive {queue.value}", total=plan.depth)
            outcome = redrive.move(
                stack,
                plan,
                max_per_second=max_per_second,
                stop=stop,
                progress=lambda moved, total: progress.update(bar, completed=moved, total=total or plan.depth),
            )
    console.print(f"{outcome.status}: moved {outcome.moved} of {outcome.to_move}")
    if outcome.failure_reason:
        console.print(f"failure reason: {outcome.failure_reason}")
    raise typer.Exit(0 if outcome.status == "COMPLETED" else 1)


@dlq_app.command("show")
def dlq_show_command(
    context: typer.Context,
    queue: Annotated[QueueChoice, typer.Argument(help="outbound, events or job-results")],
    limit: Annotated[int, typer.Option(min=1, max=1000, help="At most this many messages")] = 20,
) -> None:
    """What is in the dead-letter queue and why (the worker's failure record), without consuming it."""
    with _aws_errors():
        listing = dlq.show(context.obj.open(), queue.value, limit=limit)
    console = _console()
    table = Table("message id", "sent", "receives", "what", "why", title=f"{queue.value} dead-letter queue")
    for letter in listing.letters:
        why = letter.reason or "(no failure record)"
        for failure in letter.failures:
            why += f"\n{failure.item_id}: {failure.error_type}: {failure.reason}"
        sent = f"{letter.sent_at:%Y-%m-%d %H:%M:%S}Z"
        table.add_row(letter.message_id, sent, str(letter.receive_count or "-"), letter.summary, why)
    console.print(table)
    console.print(f"{listing.depth} message(s) in the queue; {len(listing.letters)} shown, none consumed")
    if not listing.has_failure_records:
        console.print("this stack has no DeliveryFailureTableName Output: failure reasons are not recorded")


@app.command("replay")
def replay_command(
    context: typer.Context,
    since: Annotated[str, typer.Option(help="From (ISO 8601 date or time, UTC by default, or an age: 90m, 6h, 2d)")],
    until: Annotated[str | None, typer.Option(help="Until (exclusive; default now)")] = None,
    org: Annotated[str | None, typer.Option(help="Organization ID (15 or 18 characters)")] = None,
    sobject: Annotated[str | None, typer.Option("--object", help="sObject type, e.g. Account")] = None,
    notification_id: Annotated[str | None, typer.Option(help="Only messages holding this notification")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show the plan; enqueue nothing")] = False,
    force: Annotated[bool, typer.Option("--force", help="Apply again even if applied; events get replay=true")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask before enqueueing")] = False,
) -> None:
    """Re-enqueue archived Outbound Messages (through idempotency, unless --force)."""
    now = datetime.now(UTC)
    with _aws_errors():
        selection = replay.Selection(
            since=replay.parse_moment(since, now=now),
            until=replay.parse_moment(until, now=now) if until else now,
            organization_id=replay.organization(org) if org else None,
            sobject_type=sobject,
            notification_id=notification_id,
        )
        stack = context.obj.open()
        messages, redeliveries = replay.select(stack, selection)
    console = _console()
    _print_plan(console, messages, selection, force=force)
    if redeliveries:
        console.print(f"{redeliveries} redelivery(ies) of the same envelope left out: each message is replayed once")
    if dry_run or not messages:
        console.print("dry run: nothing enqueued" if dry_run else "nothing to replay")
        raise typer.Exit(0)
    if not yes and not typer.confirm(f"Enqueue {len(messages)} message(s)?"):
        raise typer.Exit(1)
    with _aws_errors(), _stop_on_ctrl_c() as stop, _progress(console) as progress:
        bar = progress.add_task("replay", total=len(messages))
        sent = replay.enqueue(stack, messages, force=force, advance=lambda _: progress.advance(bar), stop=stop)
    console.print(f"enqueued {sent} of {len(messages)} message(s)" + (" (stopped)" if sent < len(messages) else ""))
    raise typer.Exit(0 if sent == len(messages) else 1)


def _print_plan(console: Console, messages: list[replay.ArchivedMessage], selection: Any, *, force: bool) -> None:
    table = Table("organization", "type", "date", "messages", "notifications", title="Replay plan")
    for row in replay.summarize(messages):
        table.add_row(*(str(cell) for cell in row))
    console.print(table)
    mode = (
        "--force: applied again, events marked replay=true"
        if force
        else "through idempotency: only what never took effect"
    )
    notifications = sum(len(message.notification_ids) for message in messages)
    console.print(
        f"{len(messages)} message(s), {notifications} notification(s) received "
        f"{selection.since:%Y-%m-%dT%H:%M:%SZ} to {selection.until:%Y-%m-%dT%H:%M:%SZ}; {mode}"
    )


@app.command("simulate")
def simulate_command(
    url: Annotated[str, typer.Argument(help="Outbound Message endpoint URL (with ?token=... if the stack wants one)")],
    corpus: Annotated[Path, typer.Option(help="Folder of Outbound Message envelopes (*.xml)")] = Path(
        "events/outbound_receiver"
    ),
    redeliver: Annotated[int, typer.Option(min=1, max=100, help="Deliveries of each message")] = 1,
    shuffle: Annotated[bool, typer.Option("--shuffle", help="Deliver in random order")] = False,
    rate: Annotated[float | None, typer.Option(min=0.01, help="At most N requests per second")] = None,
    time_factor: Annotated[
        float, typer.Option(min=1.0, help="Divide Salesforce's retry schedule (15 s doubling to 2 h, for 24 h) by this")
    ] = 3600.0,
    seed: Annotated[int | None, typer.Option(help="Seed for --shuffle")] = None,
) -> None:
    """Deliver Outbound Messages as Salesforce does: its headers, redeliveries, retries with backoff."""
    if not url.startswith(("http://", "https://")):
        raise _fail(f"{url!r} is not an http(s) URL")
    try:
        planned = simulate.deliveries(simulate.load_corpus(corpus), redeliver=redeliver, shuffle=shuffle, seed=seed)
    except OSError as exc:
        raise _fail(str(exc)) from exc
    console = _console()
    with _stop_on_ctrl_c() as stop, _progress(console) as progress:
        bar = progress.add_task("deliver", total=len(planned))
        report = simulate.run(
            url, planned, rate=rate, time_factor=time_factor, advance=lambda: progress.advance(bar), stop=stop
        )
    _print_report(console, report)
    raise typer.Exit(0 if not report.interrupted and not report.given_up else 1)


def _print_report(console: Console, report: simulate.Report) -> None:
    console.print(
        f"messages {report.messages}, requests {report.attempts}, Acks {report.acks}, "
        f"retries {report.retries}, given up {report.given_up}" + (" (stopped)" if report.interrupted else "")
    )
    if report.faults:
        faults = Table("faultstring", "count", title="Refused")
        for fault, count in report.faults.most_common():
            faults.add_row(fault, str(count))
        console.print(faults)
    console.print(
        "latency ms: "
        + ", ".join(f"p{int(q * 100)} {report.percentile(q) * 1000:.1f}" for q in (0.5, 0.9, 0.99))
        + f", max {max(report.latencies, default=0.0) * 1000:.1f}"
    )


def main() -> None:
    app()
