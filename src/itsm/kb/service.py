"""Business rules for knowledge-base articles."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import ScalarSelect, Text, cast, delete, func, select, update
from sqlalchemy.orm import Session

from itsm.db.base import utcnow
from itsm.db.fulltext import ranked_matches
from itsm.db.ids import parse_id
from itsm.errors import N_, InvalidInput
from itsm.events import domain as events
from itsm.kb import policy
from itsm.kb.errors import ArticleNotFound
from itsm.kb.models import Article, Vote
from itsm.kb.schemas import MAX_TAGS, ArticleCreate, ArticleInput, ArticleUpdate
from itsm.tickets.models import Category
from itsm.users import service as users

if TYPE_CHECKING:  # the storing agent does not load the accounts domain
    from itsm.accounts.principal import Principal


def create_article(session: Session, *, data: ArticleCreate) -> Article:
    if data.author_id is not None:
        users.get_user(session, ref=data.author_id)
    article = Article(**data.model_dump())
    session.add(article)
    session.flush()
    _told(session, events.ARTICLE_CREATED, article, actor_id=data.author_id)
    return article


def _told(session: Session, kind: str, article: Article, *, actor_id: int | None) -> None:
    events.emit(session, events.DomainEvent(kind=kind, article_id=article.id, actor_id=actor_id))


def add_article(session: Session, *, who: Principal | None, data: ArticleInput) -> Article:
    """Write an article as :mod:`.policy` lets ``who``, who is its author (the system: none)."""
    policy.check_write(who)
    author = who.user.id if who is not None else None
    create = ArticleCreate.model_validate({**data.model_dump(), "author_id": author})
    return create_article(session, data=create)


def get_article(
    session: Session, *, who: Principal | None, ref: int | str, count_view: bool = False
) -> Article:
    """An article by id, as :mod:`.policy` lets ``who`` read it: a draft is "not found",
    like a missing article, for anyone who does not see drafts."""
    policy.check_read(who)
    return _article(
        session, ref=ref, count_view=count_view, published_only=not policy.sees_drafts(who)
    )


def _article(
    session: Session, *, ref: int | str, count_view: bool, published_only: bool
) -> Article:
    text = str(ref).strip()
    key = parse_id(text)
    article = session.get(Article, key) if key is not None else None
    if article is None or (published_only and not article.published):
        raise ArticleNotFound(N_("knowledge-base article %(text)r does not exist"), text=text[:64])
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
    who: Principal | None,
    category: Category | None = None,
    published_only: bool = False,
    drafts_only: bool = False,
    tag: str | None = None,
    query: str | None = None,
    limit: int = 100,
) -> Sequence[Article]:
    """Articles by id; drafts too unless ``published_only`` or ``who`` may not see them.

    ``drafts_only`` keeps the drafts alone, ``tag`` the articles that have it, and
    ``query`` those :func:`search_articles` finds for it."""
    policy.check_read(who)
    stmt = select(Article).order_by(Article.id).limit(max(1, min(limit, 1000)))
    if category is not None:
        stmt = stmt.where(Article.category == category)
    if published_only or not policy.sees_drafts(who):
        stmt = stmt.where(Article.published.is_(True))
    if drafts_only:
        stmt = stmt.where(Article.published.is_(False))
    if tag is not None and tag.strip():
        # Tags are stored as a JSON list of lower-case strings, encoded as json.dumps does.
        wanted = json.dumps(tag.strip().lower())
        stmt = stmt.where(cast(Article.tags, Text).contains(wanted, autoescape=True))
    if query is not None and query.strip():
        matches = ranked_matches(session, "knowledge_base", query).subquery("m")
        stmt = stmt.where(Article.id.in_(select(matches.c.match_id)))
    return session.scalars(stmt).all()


def update_article(
    session: Session, *, who: Principal | None, ref: int | str, data: ArticleUpdate
) -> Article:
    """Change the fields ``data`` gives; tags are replaced, or added to and removed from."""
    policy.check_write(who)
    article = _article(session, ref=ref, count_view=False, published_only=False)
    if data.add_tags or data.remove_tags:
        # Re-read under a row lock: a concurrent tag change must not be lost.
        session.refresh(article, with_for_update=True)
    tags = data.tags_of(article.tags)
    if tags is not None and len(tags) > MAX_TAGS:
        raise InvalidInput(
            N_("an article has at most %(max_tags)s tags; these changes make %(count)s"),
            max_tags=MAX_TAGS,
            count=len(tags),
        )
    fields = data.model_dump(
        exclude_unset=True, exclude_none=True, exclude={"tags", "add_tags", "remove_tags"}
    )
    published = fields.pop("published", None)
    edited = False
    for field, value in fields.items():
        if getattr(article, field) != value:
            setattr(article, field, value)
            edited = True
    if tags is not None and tags != article.tags:
        article.tags = tags
        edited = True
    toggled = published is not None and published != article.published
    if toggled:
        article.published = published
    session.flush()
    by = events.actor_id(who)
    if edited:
        _told(session, events.ARTICLE_UPDATED, article, actor_id=by)
    if toggled:
        kind = events.ARTICLE_PUBLISHED if article.published else events.ARTICLE_UNPUBLISHED
        _told(session, kind, article, actor_id=by)
    return article


def delete_article(session: Session, *, who: Principal | None, ref: int | str) -> None:
    """Remove an article and the votes on it, as :mod:`.policy` lets ``who`` write."""
    policy.check_write(who)
    article = _article(session, ref=ref, count_view=False, published_only=False)
    # Not left to the foreign key's ON DELETE CASCADE: SQLite enforces it per connection.
    session.execute(delete(Vote).where(Vote.article_id == article.id))
    session.delete(article)
    session.flush()
    _told(session, events.ARTICLE_DELETED, article, actor_id=events.actor_id(who))


def vote_article(
    session: Session, *, who: Principal | None, ref: int | str, helpful: bool
) -> Article:
    """Record ``who``'s vote on an article they may read (a later vote replaces theirs)
    and recount the article's helpful / not helpful totals from the votes."""
    user_id = policy.voter(who)
    article = get_article(session, who=who, ref=ref)
    # The row lock orders concurrent votes, so each recount sees the votes before it.
    session.execute(select(Article.id).where(Article.id == article.id).with_for_update())
    vote = session.scalar(
        select(Vote).where(Vote.article_id == article.id, Vote.user_id == user_id)
    )
    if vote is None:
        session.add(Vote(article_id=article.id, user_id=user_id, helpful=helpful))
    elif vote.helpful != helpful:
        vote.helpful, vote.voted_at = helpful, utcnow()
    session.flush()

    def count(helpful: bool) -> ScalarSelect[int]:
        votes = select(func.count()).where(Vote.article_id == article.id)
        return votes.where(Vote.helpful.is_(helpful)).scalar_subquery()

    session.execute(
        update(Article)
        .where(Article.id == article.id)
        .values(helpful_yes=count(True), helpful_no=count(False))
    )
    session.refresh(article)
    told = events.DomainEvent(kind=events.ARTICLE_VOTED, article_id=article.id, user_id=user_id)
    events.emit(session, told)
    return article


def search_articles(
    session: Session, *, who: Principal | None, query: str, limit: int = 20
) -> list[tuple[Article, float | None]]:
    """Articles matching ``query`` (accent-insensitive, word prefixes), best first; drafts
    only for those who see them. Those who do not see drafts get no scores (``None``),
    only the order: a score weighs a word by every row's use of it, drafts included."""
    policy.check_read(who)
    matches = ranked_matches(session, "knowledge_base", query).subquery("m")
    stmt = (
        select(Article, matches.c.score)
        .join(matches, matches.c.match_id == Article.id)
        .order_by(matches.c.score.desc(), Article.id)
        .limit(max(1, min(limit, 200)))
    )
    if not policy.sees_drafts(who):
        stmt = stmt.where(Article.published.is_(True))
    scored = policy.sees_drafts(who)
    return [(a, float(s) if scored else None) for a, s in session.execute(stmt).all()]


def count_matches(session: Session, *, who: Principal | None, query: str) -> int:
    """How many articles match ``query`` in all (what :func:`search_articles` pages through)."""
    policy.check_read(who)
    matches = ranked_matches(session, "knowledge_base", query).subquery("m")
    stmt = select(func.count()).select_from(Article).join(matches, matches.c.match_id == Article.id)
    if not policy.sees_drafts(who):
        stmt = stmt.where(Article.published.is_(True))
    return session.scalar(stmt) or 0


def count_articles(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Article)) or 0
