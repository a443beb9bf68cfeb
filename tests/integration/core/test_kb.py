"""Knowledge base on both databases: articles, views, publishing and search."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from itsm.accounts.principal import Principal, acting
from itsm.errors import InvalidInput
from itsm.kb import service as kb
from itsm.kb.errors import ArticleNotFound
from itsm.kb.models import Article
from itsm.kb.schemas import ArticleCreate, ArticleUpdate
from itsm.tickets.models import Category
from itsm.users.errors import UserNotFound
from itsm.validation import validated
from tests.factories import make_user


def _article(session: Session, **fields: Any) -> Article:
    data = {"title": "Cómo liberar espacio en disco", "body": "Vacía la papelera.", **fields}
    data.setdefault("category", "hardware")
    return kb.create_article(session, data=validated(ArticleCreate, data))


def test_create_and_read_back(session: Session) -> None:
    author = make_user(session, role="technician")
    article = _article(session, tags=[" Disco", "disco", "WINDOWS"], author_id=author.id)
    session.expire_all()
    stored = kb.get_article(session, who=None, ref=str(article.id))
    assert stored.title == "Cómo liberar espacio en disco"
    assert stored.tags == ["disco", "windows"]
    assert stored.author_id == author.id
    assert stored.published is True
    assert (stored.views, stored.helpful_yes, stored.helpful_no) == (0, 0, 0)
    assert stored.created_at.tzinfo is not None


def test_unknown_author_is_refused(session: Session) -> None:
    with pytest.raises(UserNotFound):
        _article(session, author_id=987654)
    assert kb.count_articles(session) == 0


@pytest.mark.parametrize("ref", [987654, "987654", "abc", ""])
def test_unknown_article_is_not_found(session: Session, ref: int | str) -> None:
    _article(session)
    with pytest.raises(ArticleNotFound, match="does not exist"):
        kb.get_article(session, who=None, ref=ref)


def test_list_by_category_and_published(session: Session) -> None:
    disk = _article(session)
    wifi = _article(session, title="Wi-Fi", body="Red CORP", category="network")
    draft = _article(session, title="Draft", body="WIP", category="network", published=False)
    assert [a.id for a in kb.list_articles(session, who=None)] == [disk.id, wifi.id, draft.id]
    network = kb.list_articles(session, who=None, category=Category.NETWORK)
    assert [a.id for a in network] == [wifi.id, draft.id]
    published = kb.list_articles(session, who=None, published_only=True)
    assert [a.id for a in published] == [disk.id, wifi.id]
    assert [a.id for a in kb.list_articles(session, who=None, limit=1)] == [disk.id]


def test_count_view_increments_views(session: Session) -> None:
    article = _article(session)
    assert (
        kb.get_article(session, who=None, ref=article.id).views == 0
    )  # a plain read does not count
    assert kb.get_article(session, who=None, ref=article.id, count_view=True).views == 1
    assert kb.get_article(session, who=None, ref=article.id, count_view=True).views == 2
    stored = session.scalar(select(Article.views).where(Article.id == article.id))
    assert stored == 2


def test_count_view_increments_in_the_database_not_in_memory(session: Session) -> None:
    article = _article(session)
    assert article.views == 0
    # Another writer counted 41 views meanwhile; this session's copy still says 0.
    session.execute(text("UPDATE knowledge_base SET views = 41 WHERE id = :id"), {"id": article.id})
    assert kb.get_article(session, who=None, ref=article.id, count_view=True).views == 42


def test_update_changes_only_given_fields(session: Session) -> None:
    article = _article(session, tags=["disco"])
    data = validated(ArticleUpdate, {"title": "  Liberar disco  ", "published": False})
    kb.update_article(session, who=None, ref=article.id, data=data)
    session.expire_all()
    stored = kb.get_article(session, who=None, ref=article.id)
    assert stored.title == "Liberar disco"
    assert stored.published is False
    assert stored.body == "Vacía la papelera."
    assert stored.tags == ["disco"]


def test_update_of_unknown_article_is_refused(session: Session) -> None:
    with pytest.raises(ArticleNotFound):
        kb.update_article(session, who=None, ref=5555, data=ArticleUpdate(title="x"))


def _search(session: Session, query: str, who: Principal | None = None) -> list[int]:
    return [a.id for a, _ in kb.search_articles(session, who=who, query=query)]


def test_search_is_accent_and_case_insensitive(session: Session) -> None:
    disk = _article(session)
    password = _article(
        session, title="Restablecer tu contraseña", body="Usa el portal", category="account"
    )
    assert _search(session, "contrasena") == [password.id]
    assert _search(session, "CONTRASEÑA") == [password.id]
    assert _search(session, "como") == [disk.id]
    assert _search(session, "papel") == [disk.id]  # prefix of "papelera"
    assert _search(session, "liberar disco") == [disk.id]
    assert _search(session, "portal papelera") == []


def test_search_leaves_drafts_out_for_end_users(session: Session) -> None:
    public = _article(session, title="VPN guide", body="Install the VPN client")
    draft = _article(session, title="VPN draft", body="VPN notes", published=False)
    assert set(_search(session, "vpn")) == {public.id, draft.id}
    tech, user = make_user(session, role="technician"), make_user(session, role="user")
    assert set(_search(session, "vpn", acting(tech))) == {public.id, draft.id}
    assert _search(session, "vpn", acting(user)) == [public.id]
    assert kb.count_matches(session, who=acting(user), query="vpn") == 1


def test_search_sees_updated_text(session: Session) -> None:
    article = _article(session)
    kb.update_article(
        session,
        who=None,
        ref=article.id,
        data=ArticleUpdate(body="Ejecuta el liberador de espacio"),
    )
    assert _search(session, "ejecuta") == [article.id]
    assert _search(session, "papelera") == []


def test_search_without_words_is_refused(session: Session) -> None:
    with pytest.raises(InvalidInput, match="no words"):
        kb.search_articles(session, who=None, query="?!")


def test_oversize_body_is_refused(session: Session) -> None:
    with pytest.raises(InvalidInput) as info:
        _article(session, body="€" * 90_000)  # 270,000 bytes in UTF-8
    assert info.value.message == "invalid body: article body is over 256 KiB (270000 bytes)"
    assert kb.count_articles(session) == 0


def test_bad_category_is_refused(session: Session) -> None:
    with pytest.raises(InvalidInput) as info:
        _article(session, category="printers")
    assert info.value.message == (
        "invalid category 'printers'; allowed: hardware, software, network, account, other"
    )
    assert kb.count_articles(session) == 0


def _tags(session: Session, article: Article, **change: Any) -> list[str]:
    data = validated(ArticleUpdate, change)
    return kb.update_article(session, who=None, ref=article.id, data=data).tags


def test_tags_are_added_and_removed_or_replaced(session: Session) -> None:
    article = _article(session, tags=["disco", "windows"])
    assert _tags(session, article, add_tags=[" SSD", "disco"]) == ["disco", "windows", "ssd"]
    assert _tags(session, article, remove_tags=["windows", "linux"]) == ["disco", "ssd"]
    assert _tags(session, article, add_tags=["hp"], remove_tags=["disco"]) == ["ssd", "hp"]
    assert _tags(session, article, tags=["solo"]) == ["solo"]
    assert _tags(session, article, remove_tags=["solo"]) == []
    session.expire_all()
    assert kb.get_article(session, who=None, ref=article.id).tags == []


def test_tag_changes_that_contradict_are_refused(session: Session) -> None:
    article = _article(session, tags=["disco"])
    with pytest.raises(
        InvalidInput, match=r"either tags \(to replace them\) or add_tags / remove_tags"
    ):
        _tags(session, article, tags=["a"], add_tags=["b"])
    with pytest.raises(InvalidInput, match="tag 'ssd' is both added and removed"):
        _tags(session, article, add_tags=["SSD"], remove_tags=["ssd"])
    full = [f"t{i}" for i in range(30)]
    assert _tags(session, article, tags=full) == full
    with pytest.raises(InvalidInput) as info:
        _tags(session, article, add_tags=["one-more"])
    assert info.value.message == "an article has at most 30 tags; these changes make 31"
    session.expire_all()
    assert kb.get_article(session, who=None, ref=article.id).tags == full
