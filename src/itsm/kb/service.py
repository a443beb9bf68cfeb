"""Business rules for knowledge-base articles."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from itsm.db.fulltext import ranked_matches
from itsm.db.ids import parse_id
from itsm.kb.errors import ArticleNotFound
from itsm.kb.models import Article
from itsm.kb.schemas import ArticleCreate, ArticleUpdate
from itsm.tickets.models import Category
from itsm.users import service as users
from itsm.users.models import User


def create_article(session: Session, *, data: ArticleCreate) -> Article:
    if data.author_id is not None:
        users.get_user(session, ref=data.author_id)
    article = Article(**data.model_dump())
    session.add(article)
    session.flush()
    return article


def sees_drafts(user: User) -> bool:
    """Technicians and admins see unpublished articles; everyone else only published ones."""
    return user.is_staff


def get_article(
    session: Session, *, ref: int | str, count_view: bool = False, published_only: bool = False
) -> Article:
    """An article by id; with ``published_only``, a draft is "not found" like a missing one."""
    text = str(ref).strip()
    key = parse_id(text)
    article = session.get(Article, key) if key is not None else None
    if article is None or (published_only and not article.published):
        raise ArticleNotFound(f"knowledge-base article {text[:64]!r} does not exist")
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


def count_matches(session: Session, *, query: str, include_unpublished: bool = True) -> int:
    """How many articles match ``query`` in all (what :func:`search_articles` pages through)."""
    matches = ranked_matches(session, "knowledge_base", query).subquery("m")
    stmt = select(func.count()).select_from(Article).join(matches, matches.c.match_id == Article.id)
    if not include_unpublished:
        stmt = stmt.where(Article.published.is_(True))
    return session.scalar(stmt) or 0


def count_articles(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Article)) or 0
