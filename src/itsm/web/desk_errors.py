"""A refused action of the technician's ticket page, in the visitor's words.

The page says what went wrong in its own language by the action (the path posted
to) and the refusal's HTTP status: one sentence per action that tells what to do in
that form, where the service's message (``web/error_texts.py``) would name fields. htmx
gets the line alone, swapped into the action's slot (``#problem-<action>``); a
form posted without JavaScript gets the error page with the same line.
"""

from __future__ import annotations

import re

from fastapi import Request

from itsm.web.labels import N_

_ACTION_PATH = re.compile(
    r"^/tickets/([^/]+)/(take|assign|status|comments|fields|merge|links|watch|unwatch)$"
)
_ACTIONS = {"comments": "comment", "links": "link"}

_BY_STATUS = {
    403: N_("You may not do this, or the page expired: reload it and try again."),
    404: N_("That ticket does not exist, or it is not yours to see."),
    409: N_("That cannot be done in the ticket's current state."),
    422: N_("What was sent is not valid; check the form."),
}
_OTHER_TICKET = N_("No ticket has that number.")
_NOT_ITSELF = N_("Give the number of another ticket, not this one.")
_BY_ACTION = {
    ("take", 422): N_("Your account cannot take tickets."),
    ("assign", 404): N_("No one has that username."),
    ("assign", 422): N_("Choose a technician or admin from the list."),
    ("status", 409): N_("That status change is not allowed now; choose one from the list."),
    ("status", 422): N_(
        "Choose a status from the list; resolving needs a note saying what fixed it,"
        " and a note goes only with Resolved or Closed."
    ),
    ("comment", 422): N_("Write the comment; time spent is a whole number of minutes, 0 or more."),
    ("fields", 422): N_("Choose a priority and a category from the lists."),
    ("merge", 404): _OTHER_TICKET,
    ("merge", 409): N_("This ticket or the other one is already closed: they cannot be merged."),
    ("merge", 422): _NOT_ITSELF,
    ("link", 404): _OTHER_TICKET,
    ("link", 422): _NOT_ITSELF,
    ("watch", 404): N_("No one has that username."),
    ("watch", 422): N_(
        "That account cannot be copied on tickets: it is deactivated or a system account."
    ),
    ("unwatch", 404): N_("No one has that username."),
}
_UNAVAILABLE = N_("The help desk could not answer. Try again in a moment.")


def action_of(request: Request) -> tuple[str, str] | None:
    """``(ticket ref, action)`` of a POST to one of the page's actions, else ``None``."""
    if request.method != "POST":
        return None
    found = _ACTION_PATH.match(request.url.path)
    if found is None:
        return None
    return found.group(1), _ACTIONS.get(found.group(2), found.group(2))


def message(action: str, status: int) -> str:
    """The catalogue's message id for ``action`` refused with ``status``."""
    if status >= 500:
        return _UNAVAILABLE
    return _BY_ACTION.get((action, status)) or _BY_STATUS.get(status, _BY_STATUS[422])


def htmx_headers(action: str) -> dict[str, str]:
    """Where htmx puts the refusal: in the action's slot, in place of what was there."""
    return {
        "HX-Retarget": f"#problem-{action}",
        "HX-Reswap": "innerHTML",
        "HX-Reselect": ".problem",
    }
