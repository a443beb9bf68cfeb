"""``itsm serve``: run the web app and the REST API with uvicorn."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from itsm.cli.common import app_context

app = typer.Typer(help="Run the web app and the REST API server.")


@app.callback(invoke_without_command=True)
def serve(
    ctx: typer.Context,
    host: Annotated[str | None, typer.Option(help="Address to listen on (api.host).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="TCP port (api.port).")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, max=64, help="Worker processes (api.workers).")
    ] = None,
    with_worker: Annotated[
        bool,
        typer.Option(
            "--with-worker",
            help="Also deliver notifications from inside the server (small sites; "
            "notify.worker_in_server).",
        ),
    ] = False,
) -> None:
    """Serve the web app (/) and the API (/api/v1, /healthz, /readyz, /metrics) until stopped."""
    import os
    import sys

    from itsm.extras import require

    require("server", needed_by="itsm serve")
    import uvicorn

    from itsm.config import mask_url

    app_ctx = app_context(ctx)
    cfg = app_ctx.settings
    if with_worker:
        cfg = cfg.model_copy(
            update={"notify": cfg.notify.model_copy(update={"worker_in_server": True})}
        )
    listen_host = host or cfg.api.host
    listen_port = port or cfg.api.port
    count = workers or cfg.api.workers
    app_ctx.err.print(
        f"itsm on http://{listen_host}:{listen_port}/ (web app; API at /api/v1) "
        f"({count} worker{'s' if count > 1 else ''}, "
        f"database {mask_url(cfg.effective_database_url)})",
        markup=False,
    )
    if count == 1:
        from itsm.server.app import create_app

        uvicorn.run(
            create_app(cfg),
            host=listen_host,
            port=listen_port,
            log_level=cfg.log_level.lower(),
            proxy_headers=False,  # X-Forwarded-For is honoured only from api.trusted_proxies
            server_header=False,
        )
        return
    # uvicorn's workers are new interpreters that import the app factory, which builds
    # the settings from the environment: this process becomes uvicorn's with an
    # environment that carries the flags the settings were built from.
    args = ["--host", listen_host, "--port", str(listen_port), "--workers", str(count)]
    args += ["--log-level", cfg.log_level.lower(), "--no-proxy-headers", "--no-server-header"]
    sys.stderr.flush()
    os.execve(  # noqa: S606 - our own interpreter, argv without a shell
        sys.executable,
        [sys.executable, "-m", "uvicorn", "--factory", "itsm.server.app:create_app", *args],
        worker_environment(dict(os.environ), app_ctx.overrides, with_worker=with_worker),
    )


#: The flags the settings come from -> the variable a worker reads each from.
_FLAG_VARIABLES = {
    "config_file": "ITSM_CONFIG",
    "profile": "ITSM_PROFILE",
    "database_url": "ITSM_DATABASE_URL",
}


def worker_environment(
    base: dict[str, str], flags: dict[str, Any], *, with_worker: bool = False
) -> dict[str, str]:
    """``base`` with the settings flags given to this command set as their ``ITSM_*`` variables."""
    env = dict(base)
    if with_worker:
        env["ITSM_NOTIFY__WORKER_IN_SERVER"] = "true"
    for name, variable in _FLAG_VARIABLES.items():
        if flags.get(name) is not None:
            env[variable] = str(flags[name])
    return env
