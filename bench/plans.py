"""EXPLAIN QUERY PLAN for every queue, filter, sort and report query, on a real database.

    python bench/plans.py DB [--markdown FILE]

The statements are not copied here: they are captured from the services as
they run (queue pages and counts under every filter and sort, the first
page, a later page and the last page, the incident SLA column, a record's
detail, the monthly service report, the evidence report, the scheduler
raising every review with evidence -- the last inside a transaction that is
rolled back), then each distinct statement is explained with its own
parameters. A plan step that reads a whole large table (``SCAN t`` with no
index) is flagged.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event

from sms_tui.config import Config
from sms_tui.services.core.records import RecordService
from sms_tui.services.core.store import Store
from sms_tui.services.core.views import QueueFilter

BIG = ("incident", "journal_entry", "service_request", "problem", "known_error", "change")
# "SCAN t" alone reads the whole table; "SCAN t USING [COVERING] INDEX i" walks an index
# in order (stopping at the LIMIT), "SCAN t_fts VIRTUAL TABLE INDEX" is a search-index lookup.
_SCAN = re.compile(r"^SCAN (\w+)$")


class Recorder:
    """Collects (statement, parameters) of everything the store's engine executes."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.seen: dict[str, tuple[str, object, str]] = {}  # sql -> (sql, params, label)
        self.label = ""
        event.listen(store.engine, "before_cursor_execute", self._before)

    def _before(self, _conn, _cursor, statement, parameters, _context, executemany) -> None:
        if executemany or not statement.lstrip().upper().startswith(("SELECT", "WITH")):
            return
        self.seen.setdefault(statement, (statement, parameters, self.label))

    @contextmanager
    def labelled(self, label: str):
        self.label = label
        yield


def queue_workload(store: Store, rec: Recorder) -> None:
    records = RecordService(store)
    someone = records.list("incident", QueueFilter(open_only=False), limit=1)[0]
    filters: dict[str, QueueFilter] = {
        "open (default)": QueueFilter(),
        "all": QueueFilter(open_only=False),
        "status": QueueFilter(open_only=False, status="in_progress"),
        "priority open": QueueFilter(priority=2),
        "priority all": QueueFilter(open_only=False, priority=2),
        "mine open": QueueFilter(assignee=someone.assignee or "amartin"),
        "mine all": QueueFilter(open_only=False, assignee=someone.assignee or "amartin"),
        "unassigned all": QueueFilter(open_only=False, unassigned=True),
        "major all": QueueFilter(open_only=False, major_only=True),  # (no screen or command uses it)
        "text open": QueueFilter(text="vpn"),
        "text all": QueueFilter(open_only=False, text="vpn"),
        "reference": QueueFilter(open_only=False, text="INC-000042"),
        # the deliberate fallback for text without a word: a substring match reads every row
        "no words": QueueFilter(open_only=False, text="%"),
    }
    for kind in ("incident", "request", "problem", "known_error", "change"):
        for name, base in filters.items():
            for sort in ("priority", "newest", "oldest", "updated"):
                flt = QueueFilter(**{**base.__dict__, "sort": sort})
                with rec.labelled(f"queue {kind}: {name}, sort {sort}"):
                    total = records.count(kind, flt)
                    records.list(kind, flt, offset=0, limit=100)
                    records.list(kind, flt, offset=max(0, total - 100), limit=100)
            if kind != "incident":
                break  # the other kinds share the code; their default filter is enough
    with rec.labelled("incident SLA column"):
        from sms_tui.services.incidents.sla import SlaService

        rows = records.list("incident", QueueFilter(), limit=100)
        SlaService(store).sla_for_rows([r.ref for r in rows])
    with rec.labelled("record detail"):
        records.get(someone.ref)
    with rec.labelled("home"):
        records.dashboard()
        records.data_version()


def report_workload(store: Store, rec: Recorder) -> None:
    from sms_tui.services.reporting.model import calendar_period
    from sms_tui.services.reporting.service import ReportService

    period = calendar_period("month", store.now(), -1)
    with rec.labelled("monthly service report"):
        ReportService(store).service_report(period)
    with rec.labelled("evidence report (month)"):
        ReportService(store).evidence_report(period)


def scheduler_workload(store: Store, rec: Recorder) -> None:
    from probes import raise_all_reviews_rolled_back

    with rec.labelled("scheduler: raise every due review with evidence"):
        raise_all_reviews_rolled_back(store)


def explain(store: Store, rec: Recorder) -> list[dict]:
    out = []
    raw = store.engine.raw_connection()
    try:
        cur = raw.cursor()
        for sql, params, label in rec.seen.values():
            if isinstance(params, dict):
                rows = cur.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
            else:
                rows = cur.execute(f"EXPLAIN QUERY PLAN {sql}", tuple(params or ())).fetchall()
            steps = _indent(rows)
            scans = [s.strip() for s in steps if (m := _SCAN.match(s.strip())) and m.group(1) in BIG]
            out.append({"label": label, "sql": " ".join(sql.split()), "plan": steps,
                        "full_scans": scans})
    finally:
        raw.close()
    return out


def _indent(rows) -> list[str]:
    depth: dict[int, int] = {0: -1}
    lines = []
    for node, parent, _unused, detail in rows:
        depth[node] = depth.get(parent, -1) + 1
        lines.append("  " * depth[node] + detail)
    return lines


def collect(db: Path, workloads: list[Callable[[Store, Recorder], None]]) -> list[dict]:
    store = Store(db, Config(), "bench")
    try:
        rec = Recorder(store)
        for work in workloads:
            work(store, rec)
        return explain(store, rec)
    finally:
        store.close()


def markdown(plans: list[dict]) -> str:
    lines = []
    flagged = [p for p in plans if p["full_scans"]]
    lines.append(f"{len(plans)} distinct statements; {len(flagged)} read a large table "
                 "without an index:\n")
    for p in flagged:
        lines.append(f"- {p['label']}: {'; '.join(p['full_scans'])}")
    lines.append("")
    label = None
    for p in plans:
        if p["label"] != label:
            label = p["label"]
            lines.append(f"\n#### {label}\n")
        sql = p["sql"] if len(p["sql"]) < 600 else p["sql"][:600] + " …"
        lines.append("```sql\n" + sql + "\n```")
        lines.append("```\n" + "\n".join(p["plan"]) + "\n```")
    return "\n".join(lines)


def main() -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", type=Path)
    parser.add_argument("--markdown", type=Path, default=None)
    args = parser.parse_args()
    plans = collect(args.db, [queue_workload, report_workload, scheduler_workload])
    if args.markdown:
        args.markdown.write_text(markdown(plans))
    json.dump({"statements": len(plans), "flagged": [p for p in plans if p["full_scans"]]},
              sys.stdout)


if __name__ == "__main__":
    main()
