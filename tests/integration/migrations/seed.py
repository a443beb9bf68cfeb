"""Rows written with plain SQL that every revision's schema takes."""

from __future__ import annotations

from sqlalchemy import Connection, text


def user(conn: Connection, uid: int, username: str, *, role: str = "user", at: str) -> None:
    conn.execute(
        text(
            "INSERT INTO users (id, username, full_name, role, is_active, created_at,"
            " updated_at) VALUES (:id, :name, :name, :role, true, :t, :t)"
        ),
        {"id": uid, "name": username, "role": role, "t": at},
    )
