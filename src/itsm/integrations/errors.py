"""Errors of the monitoring integrations, each with a one-line ``message``."""

from __future__ import annotations

from itsm.errors import Forbidden


class HostBoundToken(Forbidden):
    """A host-bound agent token sent alerts: Alertmanager speaks for every machine it
    watches, so it needs an agent token bound to no host."""
