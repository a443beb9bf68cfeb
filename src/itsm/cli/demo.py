"""``itsm demo`` and ``itsm overview``: a first look at itsm."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from itsm.cli.common import JsonOption, app_context, dump


def demo(
    ctx: typer.Context,
    force: Annotated[
        bool, typer.Option("--force", help="Add the demo data even if the database has data.")
    ] = False,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing (and succeed) if the database has data.")
    ] = False,
) -> None:
    """Fill an empty database with the design note's example help desk."""
    from itsm.demo import service

    app_ctx = app_context(ctx)
    cfg = app_ctx.settings
    # The embedded database's demo logins are kept beside it (readable by its owner
    # only), so that `make run` can show them again on later runs.
    saved = cfg.data_dir / "demo-logins.txt" if cfg.is_default_database else None
    with app_ctx.session() as session:
        if if_empty and service.has_data(session):
            app_ctx.console.print(
                "The database already has data; demo data not loaded.", markup=False
            )
            if saved is not None and saved.is_file():
                app_ctx.console.print(saved.read_text(encoding="utf-8").rstrip(), markup=False)
            return
        result = service.load_demo(session, zone=app_ctx.settings.zone, force=force)
    from itsm.wording import count

    app_ctx.console.print(
        f"Demo data loaded: {count(result.users, 'user')}, {count(result.tickets, 'ticket')}, "
        f"{count(result.articles, 'knowledge-base article')}, "
        f"{count(result.assets, 'inventory item')}.",
        markup=False,
    )
    if not result.logins:
        return
    lines = [
        "Demo logins for the web app and the API (change them with `itsm user passwd USER`):",
        *(f"  {x.username:<8} {x.password}  ({x.role})" for x in result.logins),
    ]
    app_ctx.console.print("\n".join(lines), markup=False)
    if saved is not None:
        saved.parent.mkdir(parents=True, exist_ok=True)
        saved.touch(mode=0o600)
        saved.write_text("\n".join(lines) + "\n", encoding="utf-8")


def overview(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, max=100, help="Queue rows to show.")] = 10,
    as_json: JsonOption = False,
) -> None:
    """The active ticket queue by priority, and the statistics."""
    from itsm.tickets import queries
    from itsm.tickets.models import ACTIVE_STATUSES
    from itsm.tickets.schemas import TicketFilters, ticket_read

    app_ctx = app_context(ctx)
    with app_ctx.session(write=False) as session:
        rows, _ = queries.list_page(
            session,
            filters=TicketFilters(status=list(ACTIVE_STATUSES)),
            sort=queries.Sort.PRIORITY,
            limit=limit,
        )
        queue = [ticket_read(t) for t in rows]
        stats = queries.stats(session)
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, {"queue": [dump(t) for t in queue], "stats": dump(stats)})
        return
    from datetime import timedelta

    from itsm.cli.tickets_view import queue_table, stats_view

    due_soon = timedelta(minutes=app_ctx.settings.sla.due_soon_minutes)
    app_ctx.console.print(queue_table(queue, title="Active queue (by priority)", due_soon=due_soon))
    stats_view(app_ctx.console, stats)


def _single(command: Any, help_text: str) -> typer.Typer:
    single = typer.Typer(add_completion=False, rich_markup_mode=None, help=help_text)
    single.command()(command)
    return single


demo_app = _single(demo, "Fill an empty database with the design note's example help desk.")
overview_app = _single(overview, "The active ticket queue by priority, and the statistics.")
