"""``itsm push``: the VAPID keys web push needs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from itsm.cli.common import JsonOption, app_context

app = typer.Typer(help="Web push: the desk's VAPID keys.", no_args_is_help=True)


@app.command("keys")
def keys(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Private key file to create (default: vapid-private.pem in the data dir)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Make a VAPID key pair (P-256): the private key into a new file only you can read,
    the public key and the settings to add printed."""
    from itsm.cli.output import print_json
    from itsm.extras import require

    require("push", needed_by="itsm push keys")
    from itsm.notify import vapid

    app_ctx = app_context(ctx)
    path = out if out is not None else app_ctx.settings.data_dir / "vapid-private.pem"
    path = path.expanduser().absolute()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = vapid.generate()
    vapid.write(key, path)
    public = vapid.public_key(key)
    if as_json:
        print_json(app_ctx.console, {"private_key_file": str(path), "public_key": public})
        return
    app_ctx.console.print(
        f"Private key written to {path} (mode 0600): keep it; a new key makes every "
        "browser subscribe again.\n"
        f"Public key: {public}\n\n"
        "Add to the config file:\n\n"
        "[push]\n"
        f"vapid_private_key_file = {_toml_string(str(path))}\n"
        'vapid_subject = "mailto:admin@example.org"   # how push services reach you',
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@app.command("public-key")
def public_key(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """The public key of the configured private key (push.vapid_private_key_file)."""
    from itsm.cli.output import print_json
    from itsm.errors import ConfigError
    from itsm.extras import require

    require("push", needed_by="itsm push public-key")
    from itsm.notify import vapid

    app_ctx = app_context(ctx)
    path = app_ctx.settings.push.vapid_private_key_file
    if path is None:
        raise ConfigError(
            "web push is not set up: set push.vapid_private_key_file and push.vapid_subject "
            "(itsm push keys makes the key)"
        )
    public = vapid.public_key(vapid.load(path))
    if as_json:
        print_json(app_ctx.console, {"public_key": public})
        return
    app_ctx.console.print(public, markup=False, highlight=False, soft_wrap=True)


def _toml_string(text: str) -> str:
    """``text`` as a TOML basic string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
