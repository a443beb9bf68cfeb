"""Who may open the event stream (see :mod:`tests.e2e.api.matrix`): every person, no agent."""

from __future__ import annotations

from tests.e2e.api.matrix import PEOPLE, Case

CASES: list[Case] = [Case("GET", "/events", PEOPLE, stream=True)]
