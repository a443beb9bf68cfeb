"""Every committed domain event as one structured log line (INFO, logger ``itsm.events``).

The services announce each change once (:func:`itsm.events.domain.emit`): tickets
(created, updated, assigned, status, comments, merges, whether a person, a
diagnostics run or an alert made them), stored diagnostics reports, imports, and
changes to people, tokens, the inventory and the knowledge base. This after-commit
subscriber logs them, so a change that rolled back is never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from itsm.events.domain import DomainEvent
from itsm.logs import fields

log = logging.getLogger("itsm.events")


def log_committed(events: Sequence[DomainEvent]) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    for item in events:
        facts = item.as_json()
        facts.pop("kind", None)
        log.info(item.kind, extra=fields(**facts))
