"""Votes on whether a knowledge-base article helped, on both databases.

One vote per person and article, changeable; the article's counts are recounted
from the votes by every vote, also when people vote at the same time.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from itsm.accounts.models import TokenKind
from itsm.accounts.principal import Principal, acting
from itsm.db.runtime import Database
from itsm.errors import Forbidden, InvalidInput
from itsm.kb import service as kb
from itsm.kb.errors import ArticleNotFound
from itsm.kb.models import Article, Vote
from itsm.kb.schemas import ArticleCreate
from itsm.users.models import User
from itsm.validation import validated
from tests.factories import make_user


def _article(session: Session, *, published: bool = True) -> Article:
    data = {"title": "VPN", "body": "Install the client.", "category": "network"}
    return kb.create_article(
        session, data=validated(ArticleCreate, data | {"published": published})
    )


def _counts(article: Article) -> tuple[int, int]:
    return article.helpful_yes, article.helpful_no


def test_one_vote_per_person_which_they_may_change(session: Session) -> None:
    article = _article(session)
    ana, pedro = Principal(make_user(session, username="ana")), Principal(make_user(session))
    assert _counts(kb.vote_article(session, who=ana, ref=article.id, helpful=True)) == (1, 0)
    assert _counts(kb.vote_article(session, who=ana, ref=article.id, helpful=True)) == (1, 0)
    assert _counts(kb.vote_article(session, who=pedro, ref=str(article.id), helpful=True)) == (
        2,
        0,
    )
    assert _counts(kb.vote_article(session, who=ana, ref=article.id, helpful=False)) == (1, 1)
    session.expire_all()
    assert _counts(kb.get_article(session, who=None, ref=article.id)) == (1, 1)
    votes = session.execute(select(Vote.user_id, Vote.helpful).order_by(Vote.user_id)).all()
    assert [tuple(v) for v in votes] == [(ana.user.id, False), (pedro.user.id, True)]


def test_the_database_refuses_a_second_vote_row(session: Session) -> None:
    article = _article(session)
    user = make_user(session)
    session.add(Vote(article_id=article.id, user_id=user.id, helpful=True))
    session.flush()
    session.add(Vote(article_id=article.id, user_id=user.id, helpful=False))
    with pytest.raises(IntegrityError):
        session.flush()


def test_end_users_vote_on_published_articles_only(session: Session) -> None:
    draft = _article(session, published=False)
    user = acting(make_user(session, role="user"))
    tech = Principal(make_user(session, role="technician"))
    with pytest.raises(ArticleNotFound, match="does not exist"):
        kb.vote_article(session, who=user, ref=draft.id, helpful=True)
    with pytest.raises(ArticleNotFound):
        kb.vote_article(session, who=user, ref=987654, helpful=True)
    assert _counts(kb.vote_article(session, who=tech, ref=draft.id, helpful=False)) == (0, 1)
    assert session.scalars(select(Vote.user_id)).all() == [tech.user.id]


def test_agents_and_nobody_cannot_vote(session: Session) -> None:
    article = _article(session)
    agent = Principal(user=make_user(session, role="admin"), token_kind=TokenKind.AGENT)
    with pytest.raises(Forbidden):
        kb.vote_article(session, who=agent, ref=article.id, helpful=True)
    with pytest.raises(InvalidInput, match="a vote is a person's"):
        kb.vote_article(session, who=None, ref=article.id, helpful=True)
    assert session.scalars(select(Vote)).all() == []


def test_votes_go_with_their_article(session: Session) -> None:
    article = _article(session)
    kb.vote_article(session, who=acting(make_user(session)), ref=article.id, helpful=True)
    session.delete(article)
    session.flush()
    assert session.scalars(select(Vote)).all() == []


def test_people_voting_at_once_are_all_counted(db: Database) -> None:
    voters = 6
    with db.session() as session:
        article_id = _article(session).id
        ids = [make_user(session).id for _ in range(voters)]
    start = threading.Barrier(voters, timeout=60)
    failures: list[BaseException] = []

    def vote(user_id: int, helpful: bool) -> None:
        try:
            start.wait()  # every voter ready: the votes race
            with db.session() as session:
                who = acting(session.get_one(User, user_id))
                kb.vote_article(session, who=who, ref=article_id, helpful=helpful)
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)

    threads = [
        threading.Thread(target=vote, args=(user_id, i % 3 != 0)) for i, user_id in enumerate(ids)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with db.session(write=False) as session:
        assert _counts(kb.get_article(session, who=None, ref=article_id)) == (4, 2)
