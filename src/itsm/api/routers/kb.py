"""The knowledge base over HTTP: everyone reads published answers, staff write them.

Every person may list, search and read published articles and vote on whether one
helped (one vote each, changeable); technicians and admins also see drafts (a draft
is "not found" for anyone else) and create, edit and delete articles. Reading one article
counts a view, as ``itsm kb show`` does.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from itsm.accounts.principal import Principal
from itsm.api.deps import allowed
from itsm.kb import policy
from itsm.kb import service as kb
from itsm.kb.schemas import (
    ArticleHit,
    ArticleInput,
    ArticleRead,
    ArticleSearch,
    ArticleUpdate,
    VoteInput,
)
from itsm.server.deps import SessionDep, writes
from itsm.tickets.models import Category

router = APIRouter(prefix="/kb", tags=["knowledge base"])

# The services decide (:mod:`itsm.kb.policy`); the gates refuse by role first.
Reader = Annotated[Principal, allowed(policy.check_read)]
Writer = Annotated[Principal, allowed(policy.check_write)]

ArticleId = Annotated[int, Path(description="Article id.")]


@router.get("/articles", summary="List articles (drafts only for technicians and admins)")
def list_articles(
    session: SessionDep,
    who: Reader,
    category: Annotated[Category | None, Query(description="Only this category.")] = None,
    published_only: Annotated[
        bool, Query(description="Hide drafts (always so for end users).")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ArticleRead]:
    rows = kb.list_articles(
        session, who=who, category=category, published_only=published_only, limit=limit
    )
    return [ArticleRead.model_validate(a) for a in rows]


@router.get(
    "/articles/search",
    summary="Full-text search over titles and bodies, best first, with the total",
    description=(
        "Accents and case do not matter; every word must match, as a word prefix."
        " `total` counts every matching article, `items` holds the best `limit`."
    ),
)
def search_articles(
    session: SessionDep,
    who: Reader,
    q: Annotated[str, Query(min_length=1, max_length=500, description="Words to find.")],
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> ArticleSearch:
    found = kb.search_articles(session, who=who, query=q, limit=limit)
    total = kb.count_matches(session, who=who, query=q)
    items = [
        ArticleHit.model_validate({**ArticleRead.model_validate(a).model_dump(), "score": s})
        for a, s in found
    ]
    return ArticleSearch(query=q, total=total, items=items)


@router.get("/articles/{article_id}", summary="Read an article (counts a view)")
@writes
def get_article(article_id: ArticleId, session: SessionDep, who: Reader) -> ArticleRead:
    article = kb.get_article(session, who=who, ref=article_id, count_view=True)
    return ArticleRead.model_validate(article)


@router.post(
    "/articles",
    status_code=status.HTTP_201_CREATED,
    summary="Write an article (technicians and admins); the caller is its author",
)
def create_article(
    body: ArticleInput, response: Response, session: SessionDep, who: Writer
) -> ArticleRead:
    read = ArticleRead.model_validate(kb.add_article(session, who=who, data=body))
    response.headers["Location"] = f"{router.prefix}/articles/{read.id}"
    return read


@router.patch(
    "/articles/{article_id}",
    summary="Change an article's title, body, category, tags or publication (staff)",
)
def update_article(
    article_id: ArticleId, body: ArticleUpdate, session: SessionDep, who: Writer
) -> ArticleRead:
    return ArticleRead.model_validate(
        kb.update_article(session, who=who, ref=article_id, data=body)
    )


@router.delete(
    "/articles/{article_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an article and the votes on it (technicians and admins)",
)
def delete_article(article_id: ArticleId, session: SessionDep, who: Writer) -> Response:
    kb.delete_article(session, who=who, ref=article_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/articles/{article_id}/vote",
    summary="Say whether an article helped (one vote per person; a new vote replaces it)",
    description=(
        "Returns the article with its `helpful_yes` / `helpful_no` counts of every"
        " person's current vote. End users vote on published articles only."
    ),
)
def vote_article(
    article_id: ArticleId, body: VoteInput, session: SessionDep, who: Reader
) -> ArticleRead:
    return ArticleRead.model_validate(
        kb.vote_article(session, who=who, ref=article_id, helpful=body.helpful)
    )
