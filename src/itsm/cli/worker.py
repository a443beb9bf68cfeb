"""``itsm worker``: deliver notifications until stopped."""

from __future__ import annotations

from typing import Annotated

import typer

from itsm.cli.common import JsonOption, app_context

app = typer.Typer(help="Deliver notifications (email, in-app, push) from the outbox.")


@app.callback(invoke_without_command=True)
def worker(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Deliver what is due now, then exit (for cron).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Deliver the outbox's messages, retrying failures with backoff, until SIGTERM/Ctrl+C.

    Several workers may run against PostgreSQL; run one against SQLite.
    """
    import signal

    from itsm.cli.output import print_json
    from itsm.notify.worker import Worker

    app_ctx = app_context(ctx)
    runner = Worker(app_ctx.db)
    if not once:
        # Finish the message in hand, give the rest of the batch back, then exit.
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: runner.stop())
        app_ctx.err.print("itsm worker: delivering notifications (Ctrl+C stops)", markup=False)
    tally = runner.run(once=once)
    data = {"sent": tally.sent, "retried": tally.retried, "dead": tally.dead}
    if as_json:
        print_json(app_ctx.console, data)
        return
    app_ctx.console.print(
        f"sent {tally.sent}, to retry {tally.retried}, failed {tally.dead}", markup=False
    )
