"""``itsm db``: schema migrations."""

from __future__ import annotations

import typer

from itsm.cli.common import JsonOption, app_context

app = typer.Typer(help="Create and upgrade the database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Apply every pending migration (safe to run any time)."""
    from itsm.config import mask_url
    from itsm.db import migrate
    from itsm.db.runtime import open_database

    app_ctx = app_context(ctx)
    database = open_database(app_ctx.settings, check_schema=False)
    try:
        before = migrate.current_revision(database.engine)
        migrate.upgrade(database.engine)
        after = migrate.current_revision(database.engine)
    finally:
        database.dispose()
    where = mask_url(app_ctx.settings.effective_database_url)
    if before == after:
        app_ctx.console.print(f"{where} is up to date (revision {after}).", markup=False)
    else:
        app_ctx.console.print(
            f"{where} upgraded from {before or 'empty'} to {after}.", markup=False
        )


@app.command("current")
def current(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Show the schema revision of the database and the one this itsm needs."""
    from itsm.config import mask_url
    from itsm.db import migrate
    from itsm.db.runtime import open_database

    app_ctx = app_context(ctx)
    database = open_database(app_ctx.settings, check_schema=False)
    try:
        revision = migrate.current_revision(database.engine)
    finally:
        database.dispose()
    head = migrate.head_revision()
    info = {
        "database": mask_url(app_ctx.settings.effective_database_url),
        "current": revision,
        "head": head,
        "up_to_date": revision == head,
    }
    if as_json:
        from itsm.cli.output import print_json

        print_json(app_ctx.console, info)
        return
    state = "up to date" if revision == head else "needs 'itsm db upgrade'"
    app_ctx.console.print(
        f"{info['database']}: revision {revision or 'none'} (code needs {head}); {state}",
        markup=False,
    )
