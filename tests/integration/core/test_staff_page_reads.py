"""What the staff pages read, on SQLite and PostgreSQL (``session``): articles by tag,
state and words, deleted with their votes; tickets by inventory item; a host's report
history a page at a time."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from itsm.db.base import utcnow
from itsm.diagnostics import service as diagnostics
from itsm.inventory import service as inventory
from itsm.inventory.models import AssetType
from itsm.inventory.schemas import AssetCreate
from itsm.kb import service as kb
from itsm.kb.errors import ArticleNotFound
from itsm.kb.models import Vote
from itsm.kb.schemas import ArticleCreate
from itsm.tickets import queries
from itsm.tickets.models import Category
from itsm.tickets.schemas import TicketFilters
from tests.e2e.web.staff_support import report
from tests.factories import make_ticket, make_user


def _article(session: Session, title: str, tags: list[str], *, published: bool) -> int:
    data = ArticleCreate(
        title=title, body="Body", category=Category.NETWORK, tags=tags, published=published
    )
    return kb.create_article(session, data=data).id


def test_articles_are_listed_by_tag_state_and_words(session: Session) -> None:
    vpn = _article(session, "VPN at home", ["vpn", "50%_off", "año"], published=True)
    draft = _article(session, "VPN draft", ["vpn"], published=False)
    other = _article(session, "Printer", ["vpnx"], published=True)

    def ids(**filters: object) -> list[int]:
        return [a.id for a in kb.list_articles(session, who=None, **filters)]  # type: ignore[arg-type]

    assert ids(tag="VPN") == [vpn, draft]
    assert ids(tag="vp") == []
    assert ids(tag="50%_off") == [vpn]
    assert ids(tag="50%") == []
    assert ids(tag="año") == [vpn]
    assert ids(drafts_only=True) == [draft]
    assert ids(published_only=True) == [vpn, other]
    assert ids(query="vpn") == [vpn, draft]
    assert ids(query="vpn", published_only=True, tag="vpn") == [vpn]


def test_deleting_an_article_takes_its_votes(session: Session) -> None:
    article = _article(session, "Gone", [], published=True)
    voter = make_user(session)
    session.add(Vote(article_id=article, user_id=voter.id, helpful=True))
    session.flush()
    kb.delete_article(session, who=None, ref=article)
    with pytest.raises(ArticleNotFound):
        kb.get_article(session, who=None, ref=article)
    votes = select(func.count()).select_from(Vote).where(Vote.article_id == article)
    assert session.scalar(votes) == 0
    with pytest.raises(ArticleNotFound):
        kb.delete_article(session, who=None, ref=article)


def test_tickets_are_filtered_by_inventory_item(session: Session) -> None:
    data = AssetCreate(asset_tag=f"LAP-{uuid.uuid4().hex[:8]}", asset_type=AssetType.LAPTOP)
    asset = inventory.create_asset(session, data=data)
    about = make_ticket(session, asset_id=asset.id)
    make_ticket(session)
    found = session.scalars(queries.filtered(session, TicketFilters(asset_id=asset.id))).all()
    assert [t.id for t in found] == [about.id]


def test_a_hosts_history_comes_a_page_at_a_time(session: Session) -> None:
    machine, now = uuid.uuid4().hex, utcnow()
    reports = [
        report("pager-01", machine, at=now - timedelta(minutes=n), critical=False) for n in range(5)
    ]
    for r in reports:
        diagnostics.store_report(session, report=r, asset_id=None)
    pages = [
        [
            row.report_id
            for row in diagnostics.history(session, who=None, host="pager-01", limit=2, offset=o)
        ]
        for o in (0, 2, 4, 6)
    ]
    assert pages == [
        [str(reports[0].report_id), str(reports[1].report_id)],
        [str(reports[2].report_id), str(reports[3].report_id)],
        [str(reports[4].report_id)],
        [],
    ]
