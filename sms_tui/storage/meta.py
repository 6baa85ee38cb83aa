"""``sms_meta``: the desk's own key/value settings (checkpoints, markers, import notes)."""

from __future__ import annotations

from sqlalchemy import text


def put_meta(session_or_conn, key: str, value: str) -> None:
    """Set ``key`` to ``value`` (insert or replace), in SQL both SQLite and PostgreSQL read."""
    session_or_conn.execute(
        text("INSERT INTO sms_meta (key, value) VALUES (:k, :v) "
             "ON CONFLICT (key) DO UPDATE SET value = excluded.value"),
        {"k": key, "v": value})
