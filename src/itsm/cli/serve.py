"""``itsm serve``: run the REST API with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer

from itsm.cli.common import app_context

app = typer.Typer(help="Run the REST API server.")


@app.callback(invoke_without_command=True)
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on (api.host).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="TCP port (api.port).")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, max=64, help="Worker processes (api.workers).")
    ] = None,
) -> None:
    """Serve the API (/api/v1, /healthz, /readyz, /metrics) until interrupted."""
    import os

    from itsm.extras import require

    require("server", needed_by="itsm serve")
    import uvicorn

    from itsm.config import mask_url

    app_ctx = app_context(ctx)
    cfg = app_ctx.settings
    # Workers are separate processes that build their own settings: hand them ours.
    if app_ctx.overrides.get("database_url"):
        os.environ["ITSM_DATABASE_URL"] = str(app_ctx.overrides["database_url"])
    listen_host = host or cfg.api.host
    listen_port = port or cfg.api.port
    count = workers or cfg.api.workers
    app_ctx.err.print(
        f"itsm API on http://{listen_host}:{listen_port}/api/v1 "
        f"({count} worker{'s' if count > 1 else ''}, "
        f"database {mask_url(cfg.effective_database_url)})",
        markup=False,
    )
    uvicorn.run(
        "itsm.api.app:create_app",
        factory=True,
        host=listen_host,
        port=listen_port,
        workers=count,
        log_level=cfg.log_level.lower(),
        proxy_headers=False,  # X-Forwarded-For is honoured only from api.trusted_proxies
        server_header=False,
    )
