"""Business rules for knowledge-base articles."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from itsm.db.fulltext import ranked_matches
from itsm.kb.errors import ArticleNotFound
from itsm.kb.models import Article
from itsm.kb.schemas import ArticleCreate, ArticleUpdate
from itsm.tickets.models import Category
from itsm.users import service as users


def create_article(session: Session, *, data: ArticleCreate) -> Article:
    if data.author_id is not None:
        users.get_user(session, ref=data.author_id)
    article = Article(**data.model_dump())
    session.add(article)
    session.flush()
    return article


def get_article(session: Session, *, ref: int | str, count_view: bool = False) -> Article:
    text = str(ref).strip()
    article = session.get(Article, int(text)) if text.isdigit() else None
    if article is None:
        raise ArticleNotFound(f"knowledge-base article {text!r} does not exist")
    if count_view:
        # An atomic increment: concurrent readers never lose a view.
        session.execute(
            update(Article).where(Article.id == article.id).values(views=Article.views + 1)
        )
        session.refresh(article)
    return article


def list_articles(
    session: Session,
    *,
    category: Category | None = None,
    include_unpublished: bool = True,
    limit: int = 100,
) -> Sequence[Article]:
    stmt = select(Article).order_by(Article.id).limit(max(1, min(limit, 1000)))
    if category is not None:
        stmt = stmt.where(Article.category == category)
    if not include_unpublished:
        stmt = stmt.where(Article.published.is_(True))
    return session.scalars(stmt).all()


def update_article(session: Session, *, ref: int | str, data: ArticleUpdate) -> Article:
    article = get_article(session, ref=ref)
    for field, value in data.model_dump(exclude_unset=True, exclude_none=True).items():
        setattr(article, field, value)
    session.flush()
    return article


def search_articles(
    session: Session, *, query: str, limit: int = 20, include_unpublished: bool = True
) -> list[tuple[Article, float]]:
    """Articles matching ``query`` (accent-insensitive, word prefixes), best first."""
    matches = ranked_matches(session, "knowledge_base", query).subquery("m")
    stmt = (
        select(Article, matches.c.score)
        .join(matches, matches.c.match_id == Article.id)
        .order_by(matches.c.score.desc(), Article.id)
        .limit(max(1, min(limit, 200)))
    )
    if not include_unpublished:
        stmt = stmt.where(Article.published.is_(True))
    return [(a, float(s)) for a, s in session.execute(stmt).all()]


def count_articles(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Article)) or 0
