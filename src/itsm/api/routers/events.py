"""Live updates over HTTP: a server-sent event stream of the domain events the caller may hear."""

from __future__ import annotations

from functools import partial

from fastapi import APIRouter, Request
from sse_starlette import EventSourceResponse

from itsm.accounts import service as accounts
from itsm.api.deps import PersonDep, bearer
from itsm.server.live import event_stream

router = APIRouter(tags=["events"])


@router.get(
    "/events",
    summary="Server-sent events: what changed, as it is committed",
    description=(
        "A `text/event-stream` that stays open. First an event `ready` (from then on no"
        " change is missed), then one event per change, named by its kind"
        " (`ticket.created`, `ticket.status_changed`, `host.reported` ...) with a small JSON"
        " object of ids; read the ticket or host again for the rest. `resync`: changes"
        " may have been missed, read everything again. A comment line every"
        " `api.event_heartbeat_seconds` keeps proxies from closing it; at each, the token is"
        " checked again, and the stream ends once it was revoked or expired or its person"
        " deactivated, or after `api.event_stream_max_seconds` (reconnect). Admins hear"
        " every change (`user.*`, `token.*`, `asset.*`, `article.*` too), technicians all"
        " but other people's tokens; an end user only changes to the tickets they see (their"
        " own and those they are copied on), and no internal notes."
    ),
    response_class=EventSourceResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "The event stream."}},
)
async def events(request: Request, who: PersonDep) -> EventSourceResponse:
    return event_stream(request, who, login=partial(accounts.principal_for, secret=bearer(request)))
