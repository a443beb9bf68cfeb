"""``itsm report``: service metrics over a period (definitions in :mod:`itsm.reports`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from itsm.cli.common import JsonOption, app_context, dump

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from itsm.reports.schemas import Breakdown, ServiceReport

app = typer.Typer(help="Service metrics over a period.", no_args_is_help=True)


@app.callback()
def report() -> None:
    """Service metrics over a period."""  # a group, so that more reports can join ``service``


CsvOption = Annotated[
    bool, typer.Option("--csv", help="Print CSV rows (section,key,metric,value) instead.")
]


@app.command("service")
def service(
    ctx: typer.Context,
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="DATE",
            help="Start, included: ISO date (midnight UTC) or date-time. Default: --to - 30 days.",
        ),
    ] = None,
    end: Annotated[
        str | None,
        typer.Option(
            "--to", metavar="DATE", help="End, excluded: ISO date or date-time. Default: now."
        ),
    ] = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """Tickets opened and closed, backlog, response and resolution times, SLA, satisfaction."""
    from datetime import UTC, datetime

    from itsm.errors import InvalidInput
    from itsm.reports.period import resolve_period
    from itsm.reports.service import service_report

    if as_json and as_csv:
        raise InvalidInput("choose one output: --json or --csv, not both")
    period = resolve_period(start, end, now=datetime.now(UTC))
    app_ctx = app_context(ctx)
    with app_ctx.session(write=False) as session:
        report = service_report(session, start=period.start, end=period.end)
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, dump(report))
    elif as_csv:
        _print_csv(app_ctx.console, report)
    else:
        _print_tables(app_ctx.console, report)


def _print_csv(console: Console, report: ServiceReport) -> None:
    import csv

    from itsm.reports.flat import HEADER, rows

    writer = csv.writer(console.file, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(
        (section, key, metric, "" if value is None else value)
        for section, key, metric, value in rows(report)
    )
    console.file.flush()


def _hours(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}%"


def _minutes(value: int) -> str:
    return f"{value // 60}:{value % 60:02d}"


def _print_tables(console: Console, report: ServiceReport) -> None:
    from itsm.cli.output import PRIORITY_STYLE, STATUS_STYLE, counts_table, key_values, table
    from itsm.reports.flat import UNASSIGNED

    sat, backlog = report.satisfaction, report.backlog
    span = f"{report.start:%Y-%m-%d %H:%M} to {report.end:%Y-%m-%d %H:%M} UTC"
    console.print(
        key_values(
            f"Service report, {span}",
            [
                ("Opened", str(report.opened)),
                ("Closed", str(report.closed)),
                ("Resolved", str(report.resolved)),
                (
                    "Backlog at end",
                    f"{backlog.count} (age h: mean {_hours(backlog.mean_age_hours)}, "
                    f"median {_hours(backlog.median_age_hours)}, "
                    f"max {_hours(backlog.max_age_hours)})",
                ),
                (
                    "Satisfaction",
                    "-"
                    if sat.average_rating is None
                    else f"{sat.average_rating:.2f} / 5 from {sat.rated} of {sat.resolved} "
                    f"resolved ({_pct(sat.response_rate_percent)} answered)",
                ),
            ],
        )
    )
    opened = {k: n for k, n in report.opened_by_status.items() if n}
    if opened:
        console.print(counts_table("Opened in period, by status", opened, STATUS_STYLE))
    times = report.time_to_acknowledge, report.time_to_resolve
    console.print(
        table(
            "Times (hours)",
            ["Measure", "Tickets", "Mean", "Median", "P90"],
            [
                [
                    name,
                    str(d.count),
                    _hours(d.mean_hours),
                    _hours(d.median_hours),
                    _hours(d.p90_hours),
                ]
                for name, d in zip(("Time to acknowledge", "Time to resolve"), times, strict=True)
            ],
        )
    )
    slas = (("First response", report.first_response_sla), ("Resolution", report.resolution_sla))
    console.print(
        table(
            "SLA compliance (tickets opened in period)",
            ["Target", "Met", "Breached", "Pending", "Met %"],
            [
                [name, str(s.met), str(s.breached), str(s.pending), _pct(s.percent_met)]
                for name, s in slas
            ],
        )
    )
    if report.technicians:
        console.print(
            table(
                "Technicians",
                [
                    "Technician",
                    "Active now",
                    "Resolved",
                    "Time spent",
                    "SLA met",
                    "Breached",
                    "Met %",
                ],
                [
                    [
                        t.username or UNASSIGNED,
                        str(t.active_load),
                        str(t.resolved),
                        _minutes(t.time_spent_minutes),
                        str(t.sla_met),
                        str(t.sla_breached),
                        _pct(t.sla_percent_met),
                    ]
                    for t in report.technicians
                ],
            )
        )
    console.print(_breakdown_table("By category", report.categories, {}))
    console.print(_breakdown_table("By priority", report.priorities, PRIORITY_STYLE))


def _breakdown_table(title: str, rows: list[Breakdown], styles: dict[str, str]) -> Table:
    from itsm.cli.output import styled, table

    return table(
        title,
        [title.split()[-1].capitalize(), "Opened", "Resolved", "Mean time to resolve (h)"],
        [
            [
                styled(r.key, styles),
                str(r.opened),
                str(r.resolved),
                _hours(r.mean_time_to_resolve_hours),
            ]
            for r in rows
        ],
    )
