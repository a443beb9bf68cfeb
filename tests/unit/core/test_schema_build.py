"""Pydantic models are built on first use in commands, up front in the API server."""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json
from itsm.tickets.schemas import TicketCreate, TicketRead
before = [TicketCreate.__pydantic_complete__, TicketRead.__pydantic_complete__]
TicketCreate.model_validate({"title": "x", "category": "hardware", "requester_id": 1})
used = [TicketCreate.__pydantic_complete__, TicketRead.__pydantic_complete__]
import itsm.config  # the settings (with the API's section): still deferred
still = TicketRead.__pydantic_complete__
import itsm.api.routers
from itsm.kb.schemas import ArticleInput  # defined after the API: built when defined
after = [TicketRead.__pydantic_complete__, ArticleInput.__pydantic_complete__]
print(json.dumps({"before": before, "used": used, "still": still, "after": after}))
"""


def test_models_are_built_on_first_use_until_the_api_routes_are_imported() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert json.loads(out) == {
        "before": [False, False],  # a command pays only for the models it uses
        "used": [True, False],
        "still": False,  # the settings, the server's section included, are not the routes
        "after": [True, True],  # the server builds them all before any request
    }
