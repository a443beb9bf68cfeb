"""Run the benchmarks: ``python -m benchmarks [--smoke] [--only NAME ...] [--json PATH]``.

Prints one table per benchmark (each figure with its baseline and ratio) and a
PASS/MISS line per target, then writes every figure to a JSON file
(``benchmarks/results/latest.json`` by default). Exit status: 0 when every
benchmark ran, whether or not its targets were met; 1 when one crashed.

To add a benchmark, write a module here with ``NAME``, ``TITLE`` and
``run(cfg: RunConfig) -> Result`` and list it in :data:`BENCHMARKS`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from rich import box
from rich.console import Console
from rich.table import Table

from benchmarks._core import Result, RunConfig

# name -> module; imported only when selected, so ``--only`` pays for one.
BENCHMARKS: dict[str, str] = {
    "cli_startup": "benchmarks.cli_startup",
    "ticket_create": "benchmarks.ticket_create",
    "bulk_import": "benchmarks.bulk_import",
    "service_report": "benchmarks.service_report",
    "ticket_queries": "benchmarks.ticket_queries",  # builds the shared ticket data set
    "cli_cold": "benchmarks.cli_cold",  # reuses it
    "agent_watch": "benchmarks.agent_watch",
    "report_ingest": "benchmarks.report_ingest",
    "alert_storm": "benchmarks.alert_storm",
    "api_requests": "benchmarks.api_requests",
    "mail_fetch": "benchmarks.mail_fetch",  # needs Dovecot (tests/imap_server.py)
    "web_pages": "benchmarks.web_pages",  # reuses the shared data set too
    "notify_delivery": "benchmarks.notify_delivery",
}
SMOKE_BUDGET_S = 120.0
DEFAULT_JSON = Path(__file__).resolve().parent / "results" / "latest.json"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="itsm benchmarks: figures, baselines of the same run, PASS/MISS per target.",
    )
    parser.add_argument(
        "--smoke", action="store_true", help=f"small sizes (under {SMOKE_BUDGET_S:.0f} s; CI)"
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        type=lambda name: name.replace("-", "_"),
        choices=sorted(BENCHMARKS),
        help="run only this benchmark (repeatable): " + ", ".join(BENCHMARKS),
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=DEFAULT_JSON,
        metavar="PATH",
        help="where to write the results (default: benchmarks/results/latest.json)",
    )
    parser.add_argument(
        "--tickets",
        type=int,
        metavar="N",
        help="tickets in the data sets of bulk_import, ticket_queries and cli_cold "
        "(default: 1,000,000; --smoke: small)",
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    return parser.parse_args(argv)


def _load(name: str) -> Callable[[RunConfig], Result]:
    module = importlib.import_module(BENCHMARKS[name])
    return cast(Callable[[RunConfig], Result], module.run)


def _machine_line(machine: dict[str, Any]) -> str:
    pg = machine.get("postgresql") or "unreachable"
    return (
        f"{machine['cpu']}, {machine['cpus']} CPUs, {machine['memory_gib']} GiB RAM; "
        f"Python {machine['python']}, SQLite {machine['sqlite']}, PostgreSQL {pg}"
    )


def _warn_if_busy(console: Console, machine: dict[str, Any]) -> None:
    load = machine.get("load_average_at_start")
    cpus = machine.get("cpus") or 1
    if load and load[0] > 0.5 * cpus:
        console.print(
            f"[yellow]warning:[/yellow] load average {load[0]:.2f} on {cpus} CPUs: "
            "other work is running, figures will be noisy"
        )


def render(console: Console, result: Result) -> None:
    table = Table(
        title=f"{result.title}  [{result.name}, {result.seconds:.1f} s]",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
    )
    table.add_column("Measure")
    table.add_column("Value", justify="right")
    table.add_column("Baseline")
    table.add_column("Ratio", justify="right")
    table.add_column("Detail", overflow="fold")
    for fig in result.figures:
        table.add_row(
            fig.label, fig.format_value(), fig.baseline or "", fig.format_ratio(), fig.detail
        )
    console.print(table)
    for target in result.targets:
        style = "green" if target.passed else "bold red"
        console.print(
            f"  [{style}]{target.verdict}[/{style}]  {target.label}  (measured {target.measured})"
        )
    for reason in result.skipped:
        console.print(f"  [yellow]SKIP[/yellow]  {reason}")
    for note in result.notes:
        console.print(f"  [dim]note:[/dim] {note}", soft_wrap=True, highlight=False)
    console.print()


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    # Logs and pipes get wide lines instead of Rich's 80-column default.
    width = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 150
    console = Console(highlight=False, width=width)
    err = Console(stderr=True, highlight=False)
    if args.list:
        for name, module in BENCHMARKS.items():
            title = getattr(importlib.import_module(module), "TITLE", "")
            console.print(f"{name:<16} {title}")
        return 0

    from benchmarks import _machine
    from benchmarks._env import postgres_server_version

    machine = _machine.describe(postgres_version=postgres_server_version())
    mode = "smoke" if args.smoke else "full"
    if args.tickets:
        mode += f", {args.tickets:,} tickets"
    console.print(f"[bold]itsm benchmarks[/bold] ({mode}) on {_machine_line(machine)}")
    _warn_if_busy(console, machine)
    console.print()

    def log(message: str) -> None:
        err.print(f"[dim]… {message}[/dim]", highlight=False)

    cfg = RunConfig(smoke=args.smoke, log=log, tickets=args.tickets)
    selected = args.only or list(BENCHMARKS)
    results: list[Result] = []
    errors: dict[str, str] = {}
    started = time.perf_counter()
    with cfg.cleanup:  # drops the data sets the benchmarks shared
        for name in selected:
            t0 = time.perf_counter()
            try:
                result = _load(name)(cfg)
            except Exception as exc:
                errors[name] = f"{type(exc).__name__}: {exc}"
                err.print(f"[bold red]ERROR[/bold red] {name}: {errors[name]}", highlight=False)
                err.print(traceback.format_exc(), markup=False, highlight=False)
                continue
            result.seconds = time.perf_counter() - t0
            results.append(result)
            render(console, result)
    total = time.perf_counter() - started

    targets = [t for r in results for t in r.targets]
    missed = [t for t in targets if not t.passed]
    summary = (
        f"{len(targets) - len(missed)} PASS, {len(missed)} MISS"
        f"{f', {len(errors)} ERROR' if errors else ''} in {total:.1f} s"
    )
    console.print(f"[bold]targets:[/bold] {summary}")
    for target in missed:
        console.print(f"  [bold red]MISS[/bold red]  {target.label} (measured {target.measured})")
    if args.smoke:
        ok = total < SMOKE_BUDGET_S
        verdict = "[green]PASS[/green]" if ok else "[bold red]MISS[/bold red]"
        console.print(f"{verdict}  smoke run under {SMOKE_BUDGET_S:.0f} s (took {total:.1f} s)")

    report = {
        "schema": 1,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": mode,
        "argv": sys.argv[1:] if argv is None else argv,
        "seconds": round(total, 3),
        "machine": machine,
        "load_average_at_end": _machine.load_average(),
        "benchmarks": {r.name: r.as_json() for r in results},
        "errors": errors,
    }
    path: Path = args.json
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    console.print(f"results written to {path}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
