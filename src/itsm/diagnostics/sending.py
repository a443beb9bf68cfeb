"""Where a run's reports go, and with which token and spool: options over settings.

``itsm diag run``/``watch`` hand their options here and get back what to use; the
CLI only translates. No httpx here: a run that stores locally never loads it.
"""

from __future__ import annotations

from pathlib import Path

from itsm.diagnostics.config import DiagnosticsSettings, server_base_url
from itsm.errors import ConfigError, InvalidInput


def remote_target(
    settings: DiagnosticsSettings, given: str | None, *, no_store: bool, no_tickets: bool
) -> str | None:
    """The server's base URL when reports go there, ``None`` when they stay local.

    A server given for this run wins; one from the settings takes the reports unless
    the run asks for local work only (``no_store``), so a monitoring check on an
    agent's host keeps working as it did.
    """
    url: str | None
    if given is not None:
        if no_store:
            raise InvalidInput("--server and --no-store contradict each other; give one")
        try:
            url = server_base_url(given)
        except ValueError as exc:
            raise InvalidInput(str(exc)) from None
    else:
        url = settings.server
        if url is None or no_store:
            return None
    if no_tickets:
        raise InvalidInput(
            "--no-tickets does not apply with --server: the server's diagnostics.tickets "
            "settings decide"
        )
    return url


def agent_token(
    settings: DiagnosticsSettings, *, token: str | None, token_file: Path | None
) -> str:
    """The agent token: this run's ``token`` or ``token_file``, else the settings'
    ``token``, else their ``token_file``; :class:`ConfigError` when there is none."""
    if token is not None and token_file is not None:
        raise InvalidInput("give --token or --token-file, not both")
    secret = token.strip() if token is not None else None
    if secret is None and token_file is not None:
        secret = read_token_file(token_file)
    if secret is None and settings.token is not None:
        secret = settings.token.get_secret_value().strip()
    if secret is None and settings.token_file is not None:
        secret = read_token_file(settings.token_file)
    if not secret:
        raise ConfigError(
            "--server needs an agent token: give --token-file (or --token, or set "
            "diagnostics.token_file); 'itsm token create --agent --scope reports NAME' makes one"
        )
    return secret


def spool_directory(settings: DiagnosticsSettings, *, given: Path | None, data_dir: Path) -> Path:
    """This run's spool directory, else the settings', else ``spool`` in ``data_dir``."""
    return given or settings.spool.directory or data_dir / "spool"


def read_token_file(path: Path) -> str:
    """The token in ``path`` (surrounding whitespace ignored); :class:`ConfigError` if unusable."""
    try:
        text = path.expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ConfigError(f"cannot read the token file {path}: {reason}") from None
    token = text.strip()
    if not token:
        raise ConfigError(f"the token file {path} is empty")
    if any(c.isspace() for c in token):
        raise ConfigError(f"the token file {path} holds more than one word; put only the token")
    return token
