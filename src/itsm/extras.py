"""Optional parts of itsm, installed as pip extras: one clear error when one is missing.

``pip install itsm`` gives the CLI, the agent and SQLite; the API server and the
PostgreSQL driver come with ``itsm[server]`` and ``itsm[postgresql]``, web push with
``itsm[push]``.
"""

from __future__ import annotations

import importlib.util

from itsm.errors import ErrorKind, ItsmError

#: The modules each extra brings, checked before the code that imports them runs.
MODULES: dict[str, tuple[str, ...]] = {
    "server": ("fastapi", "uvicorn", "prometheus_client", "httpx"),
    "postgresql": ("psycopg",),
    "push": ("pywebpush", "py_vapid", "cryptography"),
}


class MissingExtra(ItsmError):
    kind = ErrorKind.MISSING_EXTRA


def installed(extra: str) -> bool:
    return all(importlib.util.find_spec(module) is not None for module in MODULES[extra])


def require(extra: str, *, needed_by: str) -> None:
    """Raise :class:`MissingExtra` naming the pip command when ``extra`` is not installed."""
    if installed(extra):
        return
    raise MissingExtra(f"{needed_by} needs the {extra} extra: pip install 'itsm[{extra}]'")
