"""People, tokens, inventory and articles: each committed change logs one JSON line.

The services emit ``user.*``, ``token.*``, ``asset.*`` and ``article.*`` events in the
caller's transaction; the bus logs them once committed (logger ``itsm.events``), so a
change that rolled back logs nothing, and no password or token secret is ever written.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from itsm.accounts import password_change, reactivation
from itsm.accounts import service as accounts
from itsm.accounts.principal import Principal
from itsm.accounts.schemas import TokenCreate
from itsm.db.runtime import Database
from itsm.inventory import service as inventory
from itsm.inventory.models import AssetStatus
from itsm.inventory.schemas import AssetCreate, HostFacts
from itsm.kb import service as kb
from itsm.kb.schemas import ArticleInput, ArticleUpdate
from itsm.notify import prefs
from itsm.notify.models import Channel, NotifyKind
from itsm.users import service as users
from itsm.users.schemas import UserCreate, UserUpdate
from tests.factories import make_user
from tests.log_lines import Lines, captured

PASSWORD = "Corr3ct-horse-battery-staple"


class RolledBack(Exception):
    pass


@pytest.fixture
def logged() -> Iterator[Lines]:
    with captured("itsm.events") as lines:
        yield lines


def _facts(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each line's message and fields (the time and the logger's name left out)."""
    assert all(x["logger"] == "itsm.events" and x["level"] == "INFO" for x in lines)
    return [{k: v for k, v in x.items() if k not in ("time", "level", "logger")} for x in lines]


def test_changes_to_people_log_one_line_each(db: Database, logged: Lines) -> None:
    with db.session() as session:
        admin = make_user(session, role="admin", username="root")
    boss = Principal(user=admin)
    logged.take()
    with db.session() as session:
        ana = users.add_user(
            session, who=boss, data=UserCreate(username="ana", full_name="Ana", role="technician")
        )
    assert _facts(logged.take()) == [
        {"message": "user.created", "user_id": ana.id, "role": "technician", "actor_id": admin.id}
    ]
    with db.session() as session:
        users.update_user(session, who=boss, ref="ana", data=UserUpdate(full_name="Ana Torres"))
    assert _facts(logged.take()) == [
        {"message": "user.updated", "user_id": ana.id, "actor_id": admin.id}
    ]
    with db.session() as session:
        users.set_role(session, who=boss, ref="ana", role="admin")
    assert _facts(logged.take()) == [
        {"message": "user.role_changed", "user_id": ana.id, "role": "admin", "actor_id": admin.id}
    ]
    with db.session() as session:  # nothing changes: nothing is told
        users.set_role(session, who=boss, ref="ana", role="admin")
    assert logged.take() == []
    with db.session() as session:
        prefs.set_preferences(
            session, user=ana, choices=[(NotifyKind.ASSIGNED, Channel.EMAIL, False)]
        )
    assert _facts(logged.take()) == [{"message": "user.notify_prefs_changed", "user_id": ana.id}]
    with db.session() as session:
        users.deactivate_user(session, who=boss, ref="ana")
    assert _facts(logged.take()) == [
        {"message": "user.deactivated", "user_id": ana.id, "actor_id": admin.id}
    ]
    with db.session() as session:
        reactivation.reactivate(session, who=boss, ref="ana")
    assert _facts(logged.take()) == [
        {"message": "user.reactivated", "user_id": ana.id, "actor_id": admin.id}
    ]
    with db.session() as session:
        users.set_language(session, who=Principal(user=ana), language="es")
    with db.session() as session:  # the same again: nothing changes, nothing is told
        users.set_language(session, who=Principal(user=ana), language="es")
    assert _facts(logged.take()) == [
        {"message": "user.language_changed", "user_id": ana.id, "actor_id": ana.id}
    ]


def test_passwords_and_tokens_log_ids_never_secrets(db: Database, logged: Lines) -> None:
    with db.session() as session:
        admin = make_user(session, role="admin", username="root")
        ana = make_user(session, username="ana")
    boss = Principal(user=admin)
    logged.take()
    with db.session() as session:
        token, secret = accounts.issue_token(
            session, who=boss, data=TokenCreate(name="laptop"), owner_ref="ana"
        )
    assert _facts(logged.take()) == [
        {"message": "token.created", "user_id": ana.id, "token_id": token.id, "actor_id": admin.id}
    ]
    new = password_change.new_password(PASSWORD)
    with db.session() as session:
        password_change.reset_password(session, who=boss, ref="ana", password=new)
    assert _facts(logged.take()) == [  # the password change revoked the personal token
        {"message": "user.password_set", "user_id": ana.id, "actor_id": admin.id, "count": 1}
    ]
    with db.session() as session:
        again, _ = accounts.issue_token(
            session, who=Principal(user=ana), data=TokenCreate(name="desk")
        )
        accounts.revoke_token(session, who=Principal(user=ana), token_id=again.id)
    told = _facts(logged.take())
    assert [x["message"] for x in told] == ["token.created", "token.revoked"]
    assert told[1] == {
        "message": "token.revoked",
        "user_id": ana.id,
        "token_id": again.id,
        "actor_id": ana.id,
    }
    with db.session() as session:
        accounts.unlock(session, who=boss, ref="ana")
    assert _facts(logged.take()) == [
        {"message": "user.unlocked", "user_id": ana.id, "actor_id": admin.id, "count": 0}
    ]
    text = logged.text.getvalue()
    assert secret not in text
    assert PASSWORD not in text
    assert new.hash not in text


def test_inventory_changes_log_one_line_each(db: Database, logged: Lines) -> None:
    with db.session() as session:
        tech = make_user(session, role="technician")
        owner = make_user(session)
    who = Principal(user=tech)
    logged.take()
    with db.session() as session:
        asset = inventory.add_asset(
            session, who=who, data=AssetCreate(asset_tag="LAP-1", asset_type="laptop")
        )
        inventory.assign_owner(session, who=who, ref=asset.id, owner_ref=owner.id)
        inventory.set_status(session, who=who, ref=asset.id, status=AssetStatus.IN_REPAIR)
    assert _facts(logged.take()) == [
        {"message": "asset.created", "asset_id": asset.id, "actor_id": tech.id},
        {
            "message": "asset.assigned",
            "asset_id": asset.id,
            "user_id": owner.id,
            "actor_id": tech.id,
        },
        {
            "message": "asset.status_changed",
            "asset_id": asset.id,
            "status": "in_repair",
            "actor_id": tech.id,
        },
    ]
    facts = HostFacts(identity="machine-7", hostname="pc-7")
    with db.session() as session:
        host = inventory.upsert_host(session, who=None, facts=facts)
    with db.session() as session:  # the same machine again: its facts, no new asset
        inventory.upsert_host(session, who=None, facts=facts)
    assert _facts(logged.take()) == [{"message": "asset.created", "asset_id": host.id}]


def test_articles_log_one_line_each(db: Database, logged: Lines) -> None:
    with db.session() as session:
        tech = make_user(session, role="technician")
        reader = make_user(session)
    who = Principal(user=tech)
    logged.take()
    with db.session() as session:
        article = kb.add_article(
            session,
            who=who,
            data=ArticleInput(title="VPN", body="Reconnect.", category="network", published=False),
        )
    with db.session() as session:
        kb.update_article(session, who=who, ref=article.id, data=ArticleUpdate(title="VPN drops"))
    with db.session() as session:
        kb.update_article(session, who=who, ref=article.id, data=ArticleUpdate(published=True))
    with db.session() as session:
        kb.vote_article(session, who=Principal(user=reader), ref=article.id, helpful=True)
    with db.session() as session:
        kb.update_article(session, who=who, ref=article.id, data=ArticleUpdate(published=False))
    with db.session() as session:
        kb.delete_article(session, who=who, ref=article.id)
    ids = {"article_id": article.id, "actor_id": tech.id}
    assert _facts(logged.take()) == [
        {"message": "article.created", **ids},
        {"message": "article.updated", **ids},
        {"message": "article.published", **ids},
        {"message": "article.voted", "article_id": article.id, "user_id": reader.id},
        {"message": "article.unpublished", **ids},
        {"message": "article.deleted", **ids},
    ]


def _change_all_then_fail(db: Database, boss: Principal) -> None:
    with db.session() as session:
        users.add_user(session, who=boss, data=UserCreate(username="ana", full_name="Ana"))
        accounts.issue_token(session, who=boss, data=TokenCreate(name="laptop"))
        inventory.add_asset(
            session, who=boss, data=AssetCreate(asset_tag="LAP-9", asset_type="laptop")
        )
        kb.add_article(session, who=boss, data=ArticleInput(title="T", body="B", category="other"))
        raise RolledBack


def test_a_rolled_back_change_logs_nothing(db: Database, logged: Lines) -> None:
    with db.session() as session:
        admin = make_user(session, role="admin", username="root")
    boss = Principal(user=admin)
    logged.take()
    with pytest.raises(RolledBack):
        _change_all_then_fail(db, boss)
    assert logged.take() == []
    with db.session() as session:  # a later change is logged alone, without the lost ones
        ana = users.add_user(session, who=boss, data=UserCreate(username="ana", full_name="Ana"))
    assert [(x["message"], x["user_id"]) for x in logged.take()] == [("user.created", ana.id)]
