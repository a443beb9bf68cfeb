"""Who may call the users routes (see :mod:`tests.e2e.api.matrix`).

Admins manage accounts; technicians list and read users; end users read only
themselves and are refused (403) for anyone else, existing or not.
"""

from __future__ import annotations

from tests.e2e.api.matrix import STAFF, Case

ADMIN = frozenset({"admin"})

CASES: list[Case] = [
    Case("GET", "/users", STAFF),
    Case("GET", "/users", STAFF, params={"role": "technician", "include_inactive": True}),
    Case(
        "POST",
        "/users",
        ADMIN,
        body={"username": "newbie-{user_id}", "full_name": "New Bie", "role": "user"},
        mutates=True,
    ),
    # The end user reads themselves (by username or id); nobody else but staff does.
    Case("GET", "/users/{user_name}", STAFF | {"user"}, template="/users/{ref}"),
    Case("GET", "/users/{user_id}", STAFF | {"user"}, template="/users/{ref}"),
    Case("GET", "/users/{technician_name}", STAFF, template="/users/{ref}"),
    Case(
        "PATCH",
        "/users/{user_id}",
        ADMIN,
        body={"department": "Sales"},
        template="/users/{ref}",
        mutates=True,
    ),
    Case(
        "PUT",
        "/users/{user_id}/role",
        ADMIN,
        body={"role": "technician"},
        template="/users/{ref}/role",
        mutates=True,
    ),
    Case(
        "POST",
        "/users/{user_id}/deactivate",
        ADMIN,
        template="/users/{ref}/deactivate",
        mutates=True,
    ),
    Case(
        "POST",
        "/users/{user_id}/reactivate",
        ADMIN,
        template="/users/{ref}/reactivate",
        mutates=True,
    ),
    # Admins set anyone's password. ``user`` changing their own is refused here too:
    # the current password sent is not theirs (403 wrong-password).
    Case(
        "PUT",
        "/users/{user_name}/password",
        ADMIN,
        body={"password": "brand-new-password", "current_password": "not-the-password"},
        template="/users/{ref}/password",
        mutates=True,
    ),
]
