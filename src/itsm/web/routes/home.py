"""The first page after login."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from itsm.web.session import ViewerDep, language
from itsm.web.templating import render

router = APIRouter()


@router.get("/")
def home(request: Request, who: ViewerDep) -> Response:
    return render(request, "home.html", {"who": who}, language=language(request, who))
