"""``itsm mail``: read the desk's mailbox into tickets and comments."""

from __future__ import annotations

from typing import Annotated

import typer

from itsm.cli.common import JsonOption, app_context

app = typer.Typer(help="Read the desk's mailbox (IMAP) into tickets and comments.")


@app.callback()
def mail() -> None:
    """Email in: see docs/notifications.md#email-in."""


@app.command("fetch")
def fetch(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Read what is waiting now, then exit (for cron).")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Turn the mails waiting in mail.folder into tickets and comments, then move them
    to mail.processed_folder (unreadable ones to mail.quarantine_folder).

    Without --once, reads again every mail.poll_seconds until SIGTERM/Ctrl+C; a mail
    server away is said once per try and tried again.
    """
    import signal
    import threading

    from itsm.cli.output import print_json
    from itsm.errors import ConfigError
    from itsm.mail.errors import MailServerUnavailable
    from itsm.mail.fetch import Tally, fetch_once, summary
    from itsm.mail.models import Outcome

    app_ctx = app_context(ctx)
    cfg = app_ctx.settings.mail
    if not cfg.enabled:
        raise ConfigError("no mailbox to read: set mail.host (and mail.username, mail.password)")
    if once:
        tally = fetch_once(app_ctx.db, drain=True)
    else:
        stop = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
        app_ctx.err.print("itsm mail fetch: reading the mailbox (Ctrl+C stops)", markup=False)
        tally = Tally()
        while not stop.is_set():
            try:
                for outcome, n in fetch_once(app_ctx.db, drain=True).counts.items():
                    tally.counts[outcome] += n
            except MailServerUnavailable as exc:
                app_ctx.err.print(f"warning: {exc}; trying again", markup=False)
            stop.wait(cfg.poll_seconds)
    if as_json:
        print_json(app_ctx.console, {str(o): tally[o] for o in Outcome})
        return
    app_ctx.console.print(summary(tally), markup=False)
