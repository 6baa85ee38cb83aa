"""The journal: every create, change, transition and note on a record.

Entries are appended in the same transaction as the change they describe.
Each entry's ``hash`` covers its content and the previous entry's hash for
the same record, so any later edit or removal breaks the chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from ...storage.models import JournalEntry
from .views import JournalView

JOURNAL_KEY = "journal_key"  # Session.info key holding the desk's journal key (bytes), if any


def _utc(at: datetime) -> datetime:
    # The database hands times back in UTC: hash them in UTC too, whatever clock wrote them.
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


# A keyed entry's hash is an HMAC-SHA256 under the desk's journal key ([journal] key_env),
# written with this prefix so a verifier knows which entries need the key.
HMAC_PREFIX = "hmac:"


def _digest(prev_hash: str, entry: JournalEntry, key: bytes | None = None) -> str:
    return _hash([prev_hash, entry.record_ref, entry.record_kind, _utc(entry.at).isoformat(),
                  entry.actor, entry.action, entry.changes, entry.note], key)


# json.dumps(fields, ensure_ascii=False, separators=(",", ":")) with the encoder built once
# (the same output; verify hashes millions of entries).
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _hash(fields: list, key: bytes | None = None) -> str:
    payload = _ENCODE(fields).encode("utf-8", "surrogatepass")
    if key:
        return HMAC_PREFIX + hmac.new(key, payload, hashlib.sha256).hexdigest()
    return hashlib.sha256(payload).hexdigest()


def keyed_marker(key: bytes, first_id: int) -> str:
    """The value kept in sms_meta saying from which entry the journal is keyed; only the
    key's holder can write a valid one."""
    return f"{first_id}:{hmac.new(key, f'keyed-from:{first_id}'.encode(), hashlib.sha256).hexdigest()}"


def marker_first_id(key: bytes, marker: str) -> int | None:
    """The entry the journal is keyed from, or None when the marker was not made with ``key``."""
    head, _, _ = (marker or "").partition(":")
    if not head.isdigit() or len(head) > 18 or not hmac.compare_digest(
            keyed_marker(key, int(head)), marker):
        return None
    return int(head)


def _stored_iso(at: str) -> str:
    """``_utc(datetime.fromisoformat(at)).isoformat()`` for a time as SQLite keeps it
    ('YYYY-MM-DD HH:MM:SS.ffffff', UTC), without building a datetime."""
    if len(at) == 26 and at[10] == " " and at[19] == ".":
        whole = at[:10] + "T" + at[11:19]
        return (whole if at.endswith(".000000") else whole + at[19:]) + "+00:00"
    return _utc(datetime.fromisoformat(at)).isoformat()


def digest_row(prev_hash: str, ref: str, kind: str, at: str | datetime, actor: str, action: str,
               changes: str, note: str, key: bytes | None = None) -> str:
    """The hash of an entry from its stored columns (``at`` as the database keeps it)."""
    when = _stored_iso(at) if isinstance(at, str) else _utc(at).isoformat()
    return _hash([prev_hash, ref, kind, when, actor, action, changes, note], key)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def append(
    session: Session,
    *,
    ref: str,
    kind: str,
    actor: str,
    at: datetime,
    action: str,
    changes: dict[str, tuple[Any, Any]] | None = None,
    note: str = "",
) -> JournalEntry:
    """Append one entry to ``ref``'s journal (in the caller's transaction)."""
    last = session.exec(
        select(JournalEntry.hash)
        .where(JournalEntry.record_ref == ref)
        .order_by(col(JournalEntry.id).desc())
        .limit(1)
    ).first()
    prev_hash = last or ""
    entry = JournalEntry(
        record_ref=ref,
        record_kind=kind,
        at=_utc(at),
        actor=actor,
        action=action,
        changes=json.dumps(
            {k: [_json_value(a), _json_value(b)] for k, (a, b) in (changes or {}).items()},
            ensure_ascii=False,
            sort_keys=True,
        ),
        note=note,
        prev_hash=prev_hash,
    )
    entry.hash = _digest(prev_hash, entry, session.info.get(JOURNAL_KEY))
    session.add(entry)
    return entry


def to_view(entry: JournalEntry) -> JournalView:
    return JournalView(
        id=entry.id or 0,
        at=entry.at,
        actor=entry.actor,
        action=entry.action,
        changes={k: tuple(v) for k, v in json.loads(entry.changes or "{}").items()},
        note=entry.note,
    )


def entries_for(session: Session, ref: str, newest_first: bool = True) -> list[JournalView]:
    order = col(JournalEntry.id).desc() if newest_first else col(JournalEntry.id)
    rows = session.exec(select(JournalEntry).where(JournalEntry.record_ref == ref).order_by(order))
    return [to_view(e) for e in rows]


def verify_chain(entries: list[JournalEntry]) -> list[int]:
    """Ids of entries (oldest first, one record) whose hash or link is broken."""
    broken: list[int] = []
    prev = ""
    for entry in entries:
        if entry.prev_hash != prev or entry.hash != _digest(prev, entry):
            broken.append(entry.id or 0)
        prev = entry.hash
    return broken
