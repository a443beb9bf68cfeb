"""Rows written with plain SQL that every revision's schema takes."""

from __future__ import annotations

from sqlalchemy import Connection, text


def user(
    conn: Connection,
    uid: int,
    username: str,
    *,
    role: str = "user",
    at: str,
    full_name: str | None = None,
    password_hash: str | None = None,
) -> None:
    conn.execute(
        text(
            "INSERT INTO users (id, username, full_name, role, is_active, password_hash,"
            " created_at, updated_at) VALUES (:id, :name, :full, :role, true, :hash, :t, :t)"
        ),
        {
            "id": uid,
            "name": username,
            "full": full_name or username,
            "role": role,
            "hash": password_hash,
            "t": at,
        },
    )
