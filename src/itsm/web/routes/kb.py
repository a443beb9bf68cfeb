"""The knowledge base as end users read it: search, suggestions while typing, articles."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from itsm.kb import service as kb
from itsm.kb.render import to_html
from itsm.server.deps import SessionDep, writes
from itsm.web.session import ViewerDep, language
from itsm.web.templating import render

router = APIRouter()
SUGGESTIONS = 5


@router.get("/kb")
def search(
    request: Request,
    session: SessionDep,
    who: ViewerDep,
    q: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    found = kb.search_articles(session, who=who, query=q, limit=20) if q.strip() else []
    return render(
        request,
        "portal/kb.html",
        {"q": q, "articles": [a for a, _ in found], "searched": bool(q.strip())},
        language=language(request, who),
    )


@router.get("/kb/suggest")
def suggest(
    request: Request,
    session: SessionDep,
    who: ViewerDep,
    title: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    """Up to five published articles matching a ticket title being typed (htmx)."""
    found = (
        kb.search_articles(session, who=who, query=title, limit=SUGGESTIONS)
        if title.strip()
        else []
    )
    return render(
        request,
        "portal/kb_suggest.html",
        {"articles": [a for a, _ in found][:SUGGESTIONS]},
        language=language(request, who),
    )


@router.get("/kb/{article_id}")
@writes
def article(
    article_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    request: Request,
    session: SessionDep,
    who: ViewerDep,
) -> Response:
    found = kb.get_article(session, who=who, ref=article_id, count_view=True)
    return render(
        request,
        "portal/article.html",
        {"article": found, "body": to_html(found.body)},
        language=language(request, who),
    )
