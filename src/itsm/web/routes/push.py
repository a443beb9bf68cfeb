"""Web push in the web app: the service worker at ``/sw.js`` and this browser's
subscription, switched on and off from the notification preferences page (through the
same service as the API's ``/me/push-subscriptions``)."""

from __future__ import annotations

from importlib.resources import files
from typing import Annotated

from fastapi import APIRouter, Header, Response
from pydantic import BaseModel, ConfigDict, Field

from itsm.notify import push_subscriptions as subscriptions
from itsm.notify.push_subscriptions import MAX_ENDPOINT
from itsm.notify.schemas import SubscriptionCreate
from itsm.server.deps import SessionDep, SettingsDep
from itsm.web.session import ViewerDep, VisitDep

router = APIRouter()


class Endpoint(BaseModel):
    model_config = ConfigDict(extra="forbid")

    endpoint: str = Field(max_length=MAX_ENDPOINT)


@router.get("/sw.js")
def service_worker() -> Response:
    """At the site's root, so that the worker's scope is every page."""
    script = (files("itsm.web") / "static" / "sw.js").read_bytes()
    return Response(
        script,
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"},
    )


@router.post("/me/push-subscriptions", status_code=204)
def subscribe(
    session: SessionDep,
    cfg: SettingsDep,
    who: ViewerDep,
    found: VisitDep,
    data: SubscriptionCreate,
    user_agent: Annotated[str | None, Header()] = None,
) -> Response:
    # Tied to this login: logging out forgets the browser (a shared computer).
    subscriptions.subscribe(
        session,
        settings=cfg,
        user=who.user,
        endpoint=data.endpoint,
        p256dh=data.keys.p256dh,
        auth=data.keys.auth,
        user_agent=user_agent,
        web_session_id=found.session_id if found is not None else None,
    )
    return Response(status_code=204)


@router.post("/me/push-subscriptions/delete", status_code=204)
def unsubscribe(session: SessionDep, who: ViewerDep, data: Endpoint) -> Response:
    subscriptions.unsubscribe(session, user=who.user, endpoint=data.endpoint)
    return Response(status_code=204)
