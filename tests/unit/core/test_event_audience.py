"""Who hears which domain event, and which events move the live dashboard."""

from __future__ import annotations

import asyncio

import pytest

from itsm.accounts.principal import Principal
from itsm.events.domain import DomainEvent
from itsm.events.policy import may_hear, moves_dashboard, shows_on_dashboard
from itsm.server.live import FIGURES_FRESH, RESYNC, Hub
from itsm.users.models import User

ADMIN = Principal(user=User(id=1, username="root", role="admin"))
TECH = Principal(user=User(id=2, username="tina", role="technician"))
ALICE = Principal(user=User(id=3, username="alice", role="user"))

OWN_TICKET = DomainEvent(kind="ticket.created", ticket_id=9, requester_id=3)
USER_MADE = DomainEvent(kind="user.created", user_id=3, role="user", actor_id=1)
ALICES_TOKEN = DomainEvent(kind="token.created", token_id=5, user_id=3, actor_id=3)
TINAS_TOKEN = DomainEvent(kind="token.revoked", token_id=6, user_id=2, actor_id=2)
ASSET = DomainEvent(kind="asset.assigned", asset_id=4, user_id=3)
ARTICLE = DomainEvent(kind="article.voted", article_id=8, user_id=3)


@pytest.mark.parametrize(
    ("who", "heard"),
    [
        (ADMIN, [OWN_TICKET, USER_MADE, ALICES_TOKEN, TINAS_TOKEN, ASSET, ARTICLE]),
        (TECH, [OWN_TICKET, USER_MADE, TINAS_TOKEN, ASSET, ARTICLE]),
        (ALICE, [OWN_TICKET]),  # not even of her own account, token or laptop
    ],
)
def test_who_hears_what(who: Principal, heard: list[DomainEvent]) -> None:
    every = [OWN_TICKET, USER_MADE, ALICES_TOKEN, TINAS_TOKEN, ASSET, ARTICLE]
    assert [e for e in every if may_hear(who, e, sees={9}.__contains__)] == heard


def test_an_end_user_hears_of_the_tickets_they_see_and_never_of_internal_notes() -> None:
    """Seeing is the visibility rule's answer (requested or watched), asked by ticket id."""
    watched = DomainEvent(kind="ticket.commented", ticket_id=7, requester_id=4)
    note = DomainEvent(kind="ticket.commented", ticket_id=7, requester_id=4, internal=True)
    other = DomainEvent(kind="ticket.commented", ticket_id=8, requester_id=4)
    asked: list[int] = []

    def sees(ticket_id: int) -> bool:
        asked.append(ticket_id)
        return ticket_id == 7

    assert [may_hear(ALICE, e, sees=sees) for e in (watched, note, other)] == [True, False, False]
    assert asked == [7, 8]  # an internal note is refused before anything is asked


def test_tokens_and_articles_leave_the_dashboard_as_it_is() -> None:
    hub = Hub(loop=asyncio.new_event_loop())
    try:
        hub.fan_out([ALICES_TOKEN, ARTICLE])
        assert hub.generation == 0
        hub.fan_out([ARTICLE, ASSET])
        assert hub.generation == 1
        hub.resync()
        assert hub.generation == 2
    finally:
        hub.loop.close()
    assert [moves_dashboard(e) for e in (OWN_TICKET, USER_MADE, ASSET)] == [True] * 3


def test_a_change_has_the_figures_computed_again_while_a_dashboard_is_open() -> None:
    """The hub tells its new generation while a dashboard page's stream is open; the
    page reads again once the new figures are in place, not at the change."""
    told: list[int] = []
    hub = Hub(loop=asyncio.new_event_loop(), on_change=told.append)
    try:
        hub.fan_out([OWN_TICKET])
        hub.dashboards = 1
        hub.fan_out([OWN_TICKET])
        hub.fan_out([FIGURES_FRESH])  # the new figures: no new generation
    finally:
        hub.loop.close()
    assert told == [2]
    assert hub.generation == 2
    assert [shows_on_dashboard(e) for e in (OWN_TICKET, FIGURES_FRESH, RESYNC)] == [
        False,
        True,
        True,
    ]
