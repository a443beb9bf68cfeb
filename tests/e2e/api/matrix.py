"""The role × route matrix: who may call each API route, checked over real HTTP.

Each domain lists its cases in ``tests/e2e/api/roles_<domain>.py`` as ``CASES``;
``test_role_matrix.py`` runs every case for every role and checks that every
route of the app is covered by at least one case.

Roles: ``admin``, ``technician``, ``user`` (an end user who owns the seeded
"own" objects), ``other`` (an end user who owns nothing seeded), ``agent`` (an
agent token, owned by an admin) and ``anonymous`` (no token).

Paths, string ``params`` values and string ``body`` values may hold
``{placeholders}`` filled from the seed (see ``SEED_KEYS``), e.g.
``/tickets/{own_ticket}``; a callable ``body`` gets the seed values instead.

What a role that is not ``allowed`` must get: ``denied_as[role]`` if given; else
401 for ``anonymous`` and 403 for ``agent`` (refused before anything is looked
up); else ``denied_status``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

ROLES = ("admin", "technician", "user", "other", "agent", "anonymous")
STAFF = frozenset({"admin", "technician"})
PEOPLE = frozenset({"admin", "technician", "user", "other"})
EVERYONE = frozenset(ROLES) - {"anonymous"}


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # with placeholders, relative to /api/v1
    allowed: frozenset[str]  # roles that must get a 2xx
    body: dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    # Status a refused role gets: 401 for anonymous always; 404 where existence must not leak.
    denied_status: int = 403
    # Refused roles whose status differs from ``denied_status`` (e.g. {"technician": 403}).
    denied_as: Mapping[str, int] = field(default_factory=dict)
    # The route template this case covers (default: ``path``); for the coverage check.
    template: str | None = None
    # A case that changes state runs on a fresh seed per role (slower); reads share one.
    mutates: bool = False
    # A stream that stays open (server-sent events): a 2xx is judged by its headers alone.
    stream: bool = False
    # Files of a multipart body (``body`` then holds its other form fields).
    files: Mapping[str, tuple[str, bytes, str]] | None = None


# Placeholders every case may use; test_role_matrix.py seeds them on each backend:
#   own_ticket           a ticket requested by ``user`` (open, a public and an internal comment)
#   own_resolved_ticket  a resolved ticket requested by ``user`` (rateable)
#   other_ticket         a ticket requested by ``other``'s neighbour (not ``user``, not ``other``)
#   user_id / user_name          the end user ``user``
#   technician_id / technician_name
#   article              a published knowledge-base article id
#   draft                an unpublished article id
#   asset                an inventory asset id
#   report               a stored diagnostic report id
#   password             the password of ``user`` (set on the shared seed only, for logins)
#   user_token           the id of a spare personal token of ``user`` (to revoke)
#   own_attachment       a public file on ``own_ticket``
#   internal_attachment  an internal file on ``own_ticket`` (staff only)
#   watched_ticket       a ticket requested by the neighbour, with ``other`` copied on it
#   other_name           the username of ``other`` (the watcher)
#   webhook              a webhook's id (its host does not resolve: a test delivery fails fast)
SEED_KEYS = (
    "own_ticket",
    "own_resolved_ticket",
    "other_ticket",
    "user_id",
    "user_name",
    "technician_id",
    "technician_name",
    "article",
    "draft",
    "asset",
    "report",
    "password",
    "user_token",
    "own_attachment",
    "internal_attachment",
    "watched_ticket",
    "other_name",
    "webhook",
)


def expected_status(case: Case, role: str) -> int | None:
    """The status ``role`` must get for ``case``; ``None``: any 2xx."""
    if role in case.allowed:
        return None
    if role in case.denied_as:
        return case.denied_as[role]
    if role == "anonymous":
        return 401
    if role == "agent":
        return 403
    return case.denied_status
