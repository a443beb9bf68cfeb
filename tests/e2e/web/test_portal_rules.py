"""The portal offers the rating form exactly when ``workflow.rate`` would take a rating
(one rule): a closed ticket not yet rated, and a ticket resolved again after a reopen."""

from __future__ import annotations

from itsm.tickets import access, workflow
from itsm.tickets.models import Category, Source, Status
from itsm.tickets.schemas import TicketOpen
from itsm.users import service as users
from tests.e2e.web.support import Browser
from tests.live_server import Api

PASSWORD = "correct horse battery"
FORM = 'action="/tickets/{}/rating"'


def _set(api: Api, number: str, *statuses: Status) -> None:
    with api.session() as session:
        tech = users.get_user(session, ref="tere")
        for status in statuses:
            note = "Hecho" if status == Status.RESOLVED else None
            access.change_status(session, ref=number, status=status, note=note, actor=tech)


def test_the_rating_form_follows_the_rating_rule(api: Api) -> None:
    api.user("ana", password=PASSWORD)
    api.user("tere", role="technician")
    with api.session() as session:
        number = access.open_ticket(
            session,
            data=TicketOpen(title="Printer jam", category=Category.HARDWARE),
            actor=users.get_user(session, ref="ana"),
            source=Source.WEB,
            zone=api.settings.zone,
        ).number
    browser = Browser(api)
    browser.login("ana", PASSWORD)
    form = FORM.format(number)

    assert form not in browser.get(f"/tickets/{number}").text  # open: nothing to rate
    _set(api, number, Status.RESOLVED, Status.CLOSED)
    assert form in browser.get(f"/tickets/{number}").text  # closed, never rated
    with api.session() as session:
        ana = users.get_user(session, ref="ana")
        workflow.rate(session, ref=number, rating=2, comment=None, actor=ana)
    assert form not in browser.get(f"/tickets/{number}").text  # rated for this resolution
    _set(api, number, Status.OPEN, Status.RESOLVED)
    page = browser.get(f"/tickets/{number}").text
    assert form in page  # a new resolution may be rated again
    sent = browser.post(
        f"/tickets/{number}/rating", {"csrf_token": browser.csrf(), "rating": "5", "comment": ""}
    )
    assert sent.status_code == 303, sent.text
