"""The bulk baseline: raw ``sqlite3.executemany`` of the same rows into the same schema.

    python bench/raw_baseline.py SOURCE_DB TARGET_DB

TARGET_DB is created empty at sms-tui's current schema (same tables, indexes,
search triggers and journal triggers), opened the way sms-tui opens it (WAL,
synchronous FULL, foreign keys on, the bulk demo's page cache), and every row
of every table of SOURCE_DB is inserted in the same order with plain
``executemany`` in ONE transaction -- what the fastest hand-written loader
could do with the driver. Only the inserts, the commit and the closing checkpoint are timed; reading
the rows from SOURCE_DB (in chunks) is not. Prints one JSON object:
rows, seconds, rows_per_s.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from pathlib import Path

CHUNK = 50_000
SKIP = {"alembic_version"}


def copy(source: Path, target: Path) -> dict:
    from sms_tui.services.demo.bulk import CACHE_KIB
    from sms_tui.storage.migrate import ensure_schema
    from sms_tui.storage.schema import metadata

    if target.exists():
        raise SystemExit(f"{target} exists; give a new file")
    ensure_schema(target)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target, isolation_level=None)
    dst.execute("PRAGMA journal_mode = WAL")
    dst.execute("PRAGMA synchronous = FULL")
    dst.execute("PRAGMA foreign_keys = ON")
    dst.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    tables = [t.name for t in metadata.sorted_tables if t.name not in SKIP]
    rows = 0
    spent = 0.0
    start = time.perf_counter()
    dst.execute("BEGIN IMMEDIATE")
    spent += time.perf_counter() - start
    for table in tables:
        columns = [r[1] for r in src.execute(f'PRAGMA table_info("{table}")')]
        names = ", ".join(f'"{c}"' for c in columns)
        sql = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'
        cursor = src.execute(f'SELECT {names} FROM "{table}" ORDER BY rowid')
        while chunk := cursor.fetchmany(CHUNK):
            start = time.perf_counter()
            dst.executemany(sql, chunk)
            spent += time.perf_counter() - start
            rows += len(chunk)
    start = time.perf_counter()
    dst.execute("COMMIT")
    dst.close()  # the last connection checkpoints the WAL into the file, as sms-tui's does
    spent += time.perf_counter() - start
    src.close()
    return {"rows": rows, "seconds": spent, "rows_per_s": rows / spent if spent else 0.0}


def count_rows(db: Path) -> int:
    """Rows in every table of the schema (what the bulk demo and the import wrote)."""
    from sms_tui.storage.schema import metadata

    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return sum(con.execute(f'SELECT count(*) FROM "{t.name}"').fetchone()[0]
                   for t in metadata.sorted_tables if t.name not in SKIP)
    finally:
        con.close()


if __name__ == "__main__":
    json.dump(copy(Path(sys.argv[1]), Path(sys.argv[2])), sys.stdout)
