"""``itsm diag``: check this host, keep the history, let findings open tickets."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from itsm import wording
from itsm.cli.common import JsonOption, app_context, choice_or_none

if TYPE_CHECKING:
    from itsm.cli.context import AppContext
    from itsm.diagnostics.agent import Cycle
    from itsm.diagnostics.findings import Finding
    from itsm.diagnostics.remote import ReportSender
    from itsm.diagnostics.report import Report

app = typer.Typer(help="Diagnose this host; findings open and close tickets.", no_args_is_help=True)

ReportsDir = Annotated[
    Path | None, typer.Option("--reports-dir", help="Write JSON reports here (default: setting).")
]
NoStore = Annotated[
    bool, typer.Option("--no-store", help="Do not record anything in the database.")
]
NoTickets = Annotated[bool, typer.Option("--no-tickets", help="Store, but open/close no tickets.")]

#: The storing agent's SQLite page cache per connection (SQLite's default: 2 MiB).
AGENT_SQLITE_CACHE_KIB = 512


Server = Annotated[
    str | None,
    typer.Option(
        "--server",
        help="Send reports to this itsm server instead of storing them (diagnostics.server).",
    ),
]
Token = Annotated[
    str | None,
    typer.Option(
        "--token", help="Agent token for --server (diagnostics.token); --token-file is safer."
    ),
]
TokenFile = Annotated[
    Path | None,
    typer.Option("--token-file", help="File holding the agent token (diagnostics.token_file)."),
]
SpoolDir = Annotated[
    Path | None,
    typer.Option(
        "--spool-dir",
        help="Keep reports the server cannot take yet here (diagnostics.spool.directory).",
    ),
]


@app.command("run")
def run(
    ctx: typer.Context,
    reports_dir: ReportsDir = None,
    no_store: NoStore = False,
    no_tickets: NoTickets = False,
    server: Server = None,
    token: Token = None,
    token_file: TokenFile = None,
    spool_dir: SpoolDir = None,
    as_json: JsonOption = False,
) -> None:
    """Check the host once; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (Nagios).

    With --server the report goes to the itsm server (kept in the on-disk spool
    while the server is away, sent first by the next run) instead of being stored here.
    """
    from itsm.diagnostics.collect import collect_snapshot
    from itsm.diagnostics.oneoff import decisions
    from itsm.diagnostics.report import build_report, write_report
    from itsm.diagnostics.rules import evaluate
    from itsm.diagnostics.severity import exit_code_for

    app_ctx = app_context(ctx)
    diag = app_ctx.settings.diagnostics
    target_dir = _reports_dir(app_ctx, reports_dir)
    remote = None
    if server is not None or not no_tickets:
        # A server from the settings takes the report unless this run asks for local
        # work only (--no-store, --no-tickets): a monitoring check on an agent's host
        # (`itsm diag run --no-tickets`) keeps working as it did.
        remote = _remote_target(app_ctx, server, no_store=no_store, no_tickets=no_tickets)
    sender = _sender(app_ctx, remote, token, token_file, spool_dir) if remote else None
    # A longer window than watch's, CPU in slices debounced as watch would (oneoff.py).
    snapshot = collect_snapshot(
        diag, window_seconds=diag.run_window_seconds, cpu_slices=diag.persist_samples
    )
    findings = evaluate(snapshot, diag)
    report = build_report(snapshot, findings)
    problems, recoveries = decisions(report, diag)
    path = write_report(report, target_dir) if target_dir is not None else None
    outcome: dict[str, list[str]] = {}
    if sender is not None:
        from itsm.diagnostics.remote import envelope

        with sender:
            report_id = str(report.report_id)
            delivery = sender.submit(report_id, envelope(report, problems, recoveries))
        # A report the server could not take is kept in the spool (remote.py logs a
        # warning saying so); the next run or watch sends it first.
        outcome = delivery.outcomes.get(report_id, {})
    elif not no_store:
        outcome = _process(app_ctx, report, problems, recoveries, tickets=not no_tickets)
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, report.model_dump(mode="json"))
    else:
        from itsm.cli.diag_view import report_view

        app_ctx.console.print(report_view(report, outcome, path))
    raise typer.Exit(exit_code_for(report.severity))


@app.command("watch")
def watch(
    ctx: typer.Context,
    interval: Annotated[
        float, typer.Option(min=1.0, max=86_400, help="Seconds between samples.")
    ] = 60.0,
    count: Annotated[int | None, typer.Option(min=1, help="Stop after this many samples.")] = None,
    reports_dir: ReportsDir = None,
    no_store: NoStore = False,
    no_tickets: NoTickets = False,
    server: Server = None,
    token: Token = None,
    token_file: TokenFile = None,
    spool_dir: SpoolDir = None,
) -> None:
    """Run as an agent: sample every INTERVAL seconds until SIGTERM or Ctrl-C.

    With --server, each report is sent to the itsm server (through an on-disk
    spool that keeps it while the server is away) instead of being stored here.
    """
    from itsm.diagnostics.agent import StopSignal
    from itsm.diagnostics.agent import watch as watch_loop

    app_ctx = app_context(ctx)
    target_dir = _reports_dir(app_ctx, reports_dir)
    remote = _remote_target(app_ctx, server, no_store=no_store, no_tickets=no_tickets)
    stop = StopSignal()
    sender = None
    if remote is not None:
        sender = _sender(app_ctx, remote, token, token_file, spool_dir)
    elif not no_store:
        # Fail fast, before the first sample, if the database is not usable.
        app_ctx.db.cap_sqlite_page_cache(AGENT_SQLITE_CACHE_KIB)
    pending: list[int] = []

    def process(
        report: Report, problems: list[Finding], recoveries: list[Finding]
    ) -> dict[str, list[str]]:
        if sender is not None:
            from itsm.diagnostics.remote import envelope

            report_id = str(report.report_id)
            delivery = sender.submit(
                report_id, envelope(report, problems, recoveries), should_stop=stop.event.is_set
            )
            pending[:] = [delivery.pending]
            return delivery.outcomes.get(report_id, {})
        if no_store:
            return {}
        return _process(app_ctx, report, problems, recoveries, tickets=not no_tickets)

    def show(cycle: Cycle) -> None:
        changes = {k: v for k, v in cycle.outcome.items() if v}
        summary = (
            "; ".join(f"{k} {', '.join(v)}" for k, v in changes.items()) or "no ticket changes"
        )
        if sender is not None:
            waiting = pending[0] if pending else 0
            summary += f"; {wording.count(waiting, 'report')} in the spool" if waiting else "; sent"
        _say(
            f"{cycle.report.collected_at:%Y-%m-%d %H:%M:%S} {cycle.report.severity.upper():8} "
            f"{wording.count(len(cycle.problems), 'active problem')}; {summary}"
        )

    try:
        cycles = watch_loop(
            app_ctx.settings,
            process=process,
            interval=interval,
            count=count,
            reports_dir=target_dir,
            on_cycle=show,
            stop=stop,
        )
    finally:
        if sender is not None:
            sender.close()
    if sender is not None and pending and pending[0]:
        _say(
            f"{wording.count(pending[0], 'report')} "
            f"{'waits' if pending[0] == 1 else 'wait'} in the spool {sender.spool.directory} "
            "and will be sent when the agent runs again."
        )
    _say(f"Stopped after {wording.count(cycles, 'sample')}.")


def _say(line: str) -> None:
    """One plain line on stdout, flushed so that it reaches a pipe or a log as it happens.

    Not through Rich: the agent prints plain lines only (no markup, colour or
    tables), and Rich's console and rendering cost the long-running process
    about 2.4 MB of its 60 MB memory budget (see docs/performance.md, agent_watch).
    """
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def _remote_target(
    app_ctx: AppContext, given: str | None, *, no_store: bool, no_tickets: bool
) -> str | None:
    from itsm.diagnostics.sending import remote_target

    diag = app_ctx.settings.diagnostics
    return remote_target(diag, given, no_store=no_store, no_tickets=no_tickets)


def _sender(
    app_ctx: AppContext,
    server: str,
    token: str | None,
    token_file: Path | None,
    spool_dir: Path | None,
) -> ReportSender:
    from itsm.diagnostics.remote import ReportSender
    from itsm.diagnostics.sending import agent_token, spool_directory
    from itsm.diagnostics.spool import Spool

    diag = app_ctx.settings.diagnostics
    secret = agent_token(diag, token=token, token_file=token_file)
    directory = spool_directory(diag, given=spool_dir, data_dir=app_ctx.settings.data_dir)
    spool = Spool(
        directory, max_reports=diag.spool.max_reports, max_bytes=diag.spool.max_bytes
    ).open()
    return ReportSender(
        server=server,
        token=secret,
        spool=spool,
        timeout=diag.send_timeout_seconds,
        batch_reports=diag.send_batch_reports,
    )


@app.command("history")
def history(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Only this host name.")] = None,
    severity: Annotated[
        str | None, typer.Option(help="Only reports of this overall severity.")
    ] = None,
    check: Annotated[
        str | None, typer.Option(help="Show this check's trend (e.g. disk.usage).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    as_json: JsonOption = False,
) -> None:
    """Stored reports, newest first; with --check, that check's values over time."""
    from itsm.accounts.principal import acting
    from itsm.diagnostics import service
    from itsm.diagnostics.findings import Check
    from itsm.diagnostics.severity import Severity

    app_ctx = app_context(ctx)
    wanted = choice_or_none(Severity, severity, name="severity")
    wanted_check = choice_or_none(Check, check, name="check")
    with app_ctx.session(write=False) as session:
        who = acting(app_ctx.actor(session))
        rows = service.history(session, who=who, host=host, severity=wanted, limit=limit)
        data = [service.summary(r, check=wanted_check) for r in rows]
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, data)
        return
    from itsm.cli.diag_view import history_table

    app_ctx.console.print(history_table(data, wanted_check))


@app.command("show")
def show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Report id or report UUID.")],
    as_json: JsonOption = False,
) -> None:
    """One stored report."""
    from itsm.accounts.principal import acting
    from itsm.diagnostics import service
    from itsm.diagnostics.report import Report

    app_ctx = app_context(ctx)
    with app_ctx.session(write=False) as session:
        who = acting(app_ctx.actor(session))
        report = Report.model_validate(service.get_report(session, who=who, ref=ref).report)
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, report.model_dump(mode="json"))
        return
    from itsm.cli.diag_view import report_view

    app_ctx.console.print(report_view(report, {}, None))


@app.command("prune")
def prune(
    ctx: typer.Context,
    days: Annotated[
        int | None, typer.Option(min=1, help="Keep this many days (default: setting).")
    ] = None,
) -> None:
    """Delete stored reports and report files older than the retention."""
    from datetime import timedelta

    from itsm.db.base import utcnow
    from itsm.diagnostics import service
    from itsm.diagnostics.report import prune_reports
    from itsm.wording import count

    app_ctx = app_context(ctx)
    keep = days or app_ctx.settings.diagnostics.retention_days
    with app_ctx.session() as session:
        deleted = service.prune(session, older_than=utcnow() - timedelta(days=keep))
    files = 0
    target_dir = _reports_dir(app_ctx, None)
    if target_dir is not None and target_dir.is_dir():
        files = len(prune_reports(target_dir, keep))
    app_ctx.console.print(
        f"Pruned {count(deleted, 'stored report')} and {count(files, 'file')} "
        f"older than {count(keep, 'day')}.",
        markup=False,
    )


def _reports_dir(app_ctx: AppContext, given: Path | None) -> Path | None:
    return given or app_ctx.settings.diagnostics.reports_dir


def _process(
    app_ctx: AppContext,
    report: Report,
    problems: list[Finding] | None,
    recoveries: list[Finding] | None,
    *,
    tickets: bool,
) -> dict[str, list[str]]:
    from itsm.diagnostics import service
    from itsm.diagnostics.autoticket import policy_from

    settings = app_ctx.settings
    with app_ctx.session() as session:
        processed = service.process_report(
            session,
            report=report,
            zone=settings.zone,
            policy=policy_from(settings.diagnostics, settings.sla),
            tickets_enabled=tickets and settings.diagnostics.tickets.enabled,
            problems=problems,
            recoveries=recoveries,
        )
        return processed.tickets.as_dict()
