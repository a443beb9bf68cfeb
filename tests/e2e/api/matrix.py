"""The role × route matrix: who may call each API route, checked over real HTTP.

Each domain lists its cases in ``tests/e2e/api/roles_<domain>.py`` as ``CASES``;
``test_role_matrix.py`` runs every case for every role and checks that every
route of the app is covered by at least one case.

Roles: ``admin``, ``technician``, ``user`` (an end user who owns the seeded
"own" objects), ``other`` (an end user who owns nothing seeded), ``agent`` (an
agent token) and ``anonymous`` (no token).

Paths may hold ``{placeholders}`` filled from :class:`Seed` (see ``seed_values``),
e.g. ``/tickets/{own_ticket}``.
"""

from __future__ import annotations

from collections.abc import Callable
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
    # The route template this case covers (default: ``path``); for the coverage check.
    template: str | None = None
    # A case that changes state runs on a fresh seed per role (slower); reads share one.
    mutates: bool = False


# Placeholders every case may use; test_role_matrix.py seeds them on each backend:
#   own_ticket           a ticket requested by ``user`` (open, with a public and an internal comment)
#   own_resolved_ticket  a resolved ticket requested by ``user`` (rateable)
#   other_ticket         a ticket requested by ``other``'s neighbour (not ``user``, not ``other``)
#   user_id / user_name          the end user ``user``
#   technician_id / technician_name
#   article              a published knowledge-base article id
#   draft                an unpublished article id
#   asset                an inventory asset id
#   report               a stored diagnostic report id
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
)
