"""Who may call the login, token and API-document routes (see matrix.py)."""

from __future__ import annotations

from tests.e2e.api.matrix import EVERYONE, PEOPLE, ROLES, Case

ANYONE = frozenset(ROLES)
ADMIN_OR_OWNER = frozenset({"admin", "user"})

CASES = [
    # A login looks at the password only, whatever token comes along.
    Case("POST", "/auth/login", ANYONE, body={"username": "{user_name}", "password": "{password}"}),
    Case("GET", "/auth/me", EVERYONE),
    Case("GET", "/tokens", PEOPLE),
    Case("GET", "/tokens", ADMIN_OR_OWNER, params={"user": "{user_name}"}),
    Case("POST", "/tokens", PEOPLE, body={"name": "matrix"}),
    Case("POST", "/tokens", ADMIN_OR_OWNER, body={"name": "matrix", "user": "{user_name}"}),
    Case(
        "POST",
        "/tokens",
        frozenset({"admin"}),
        body={"name": "probe", "kind": "agent", "scopes": ["alerts"]},
    ),
    # Someone else's token is "not found". Revoking is idempotent: the shared seed will do.
    Case("DELETE", "/tokens/{user_token}", ADMIN_OR_OWNER, denied_status=404),
    # Forgetting failed logins changes nothing another case reads: the shared seed will do.
    Case("POST", "/users/{user_name}/unlock", frozenset({"admin"}), template="/users/{ref}/unlock"),
    Case("GET", "/openapi.json", ANYONE),
    Case("GET", "/docs", ANYONE),
]
