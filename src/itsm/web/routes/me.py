"""The viewer's own settings: the language of the pages and which notifications reach
them by which channel, through the same services as the API's ``/me`` routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from itsm.notify import policy, prefs, push_subscriptions
from itsm.notify.models import Channel
from itsm.server.deps import SessionDep, SettingsDep
from itsm.users import service as users
from itsm.web.session import ViewerDep, language
from itsm.web.templating import render

router = APIRouter()
Saved = Annotated[bool, Query()]


@router.get("/me/language")
def language_page(request: Request, who: ViewerDep, saved: Saved = False) -> Response:
    return render(
        request,
        "me/language.html",
        {"chosen": who.user.language, "saved": saved},
        language=language(request, who),
    )


@router.post("/me/language")
def choose_language(
    session: SessionDep,
    who: ViewerDep,
    chosen: Annotated[str, Form(alias="language", max_length=20)] = "",
) -> Response:
    users.set_language(session, who=who, language=chosen)
    return RedirectResponse("/me/language?saved=true", status_code=303)


@router.get("/me/notifications")
def notifications_page(
    request: Request, session: SessionDep, cfg: SettingsDep, who: ViewerDep, saved: Saved = False
) -> Response:
    return render(
        request,
        "me/notifications.html",
        {
            "kinds": policy.kinds_for(staff=who.user.is_staff),
            "channels": list(Channel),
            "chosen": prefs.preferences(session, user=who.user),
            "saved": saved,
            "push_key": push_subscriptions.public_key(cfg),
        },
        language=language(request, who),
    )


@router.post("/me/notifications")
def save_notifications(
    session: SessionDep,
    who: ViewerDep,
    ticked: Annotated[list[str] | None, Form(alias="on")] = None,
) -> Response:
    """Every box shown is a choice: a ticked one is on, any other off."""
    on = set(ticked or ())
    choices = [
        (kind, channel, f"{kind}:{channel}" in on)
        for kind in policy.kinds_for(staff=who.user.is_staff)
        for channel in Channel
    ]
    prefs.set_preferences(session, user=who.user, choices=choices)
    return RedirectResponse("/me/notifications?saved=true", status_code=303)
