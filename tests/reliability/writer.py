"""A child process that writes through the service layer, printing each committed write.

    python writer.py DB TAG [--count N] [--shared REF] [--wait]

Each line printed is ``REF VERSION`` *after* the write committed, so whatever
the parent saw printed must be in the database however the child dies.
``--wait`` prints ``ready`` and waits for a line on stdin before writing (so
that two writers start together). ``--shared REF`` also adds a note to REF on
every round (two writers contending for one record). Any error is printed on
stderr and exits 1.
"""

from __future__ import annotations

import argparse
import sys


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("tag")
    parser.add_argument("--count", type=int, default=0, help="rounds (0: until killed)")
    parser.add_argument("--shared", default="")
    parser.add_argument("--wait", action="store_true")
    args = parser.parse_args()

    from sms_tui.services.records import RecordService
    from sms_tui.services.store import Store

    store = Store(args.db, actor=f"writer-{args.tag}")
    records = RecordService(store)
    if args.wait:
        print("ready", flush=True)
        sys.stdin.readline()
    i = 0
    while not args.count or i < args.count:
        rec = records.create("incident", title=f"{args.tag} {i}", description="x" * (i % 7 * 300),
                             impact="high", urgency="low")
        print(rec.ref, rec.version, flush=True)
        rec = records.add_note(rec.ref, f"note {i} from {args.tag}", expected_version=rec.version)
        print(rec.ref, rec.version, flush=True)
        rec = records.transition(rec.ref, "in_progress", expected_version=rec.version)
        print(rec.ref, rec.version, flush=True)
        if args.shared:
            shared = records.add_note(args.shared, f"{args.tag} {i}")
            print(shared.ref, shared.version, flush=True)
        i += 1
    store.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # the test reads stderr: one line saying what reached the "user"
        print(f"writer error: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        sys.exit(1)
