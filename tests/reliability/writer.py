"""A child process that writes through the service layer, printing each committed write.

    python writer.py DB TAG [--count N] [--shared REF] [--wait] [--pause SECONDS]
    python writer.py DB TAG --zygote

Each line printed is ``REF VERSION`` *after* the write committed, so whatever
the parent saw printed must be in the database however the child dies.
``--wait`` prints ``ready`` and waits for a line on stdin before writing (so
that two writers start together). ``--shared REF`` also adds a note to REF on
every round (two writers contending for one record). Any error is printed on
stderr and exits 1.

``--zygote`` imports sms-tui once, prints ``ready``, then for every line
``TAG FIFO`` on stdin forks a writer that writes until killed, printing to the
named pipe FIFO; the zygote answers with the writer's pid. The crash test
kills many writers; forking them from a warm process keeps each round cheap.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys


def write_loop(db: str, tag: str, count: int = 0, shared: str = "", out=None,
               pause: float = 0.0) -> None:
    """Write records until ``count`` rounds are done (0: forever), printing each committed write;
    ``pause`` seconds between rounds (as people and scripts do, unlike a tight loop, which can
    take the write lock again the instant it commits and keep the other writer waiting)."""
    import time

    from sms_tui.services.core.records import RecordService
    from sms_tui.services.core.store import Store

    out = out or sys.stdout
    store = Store(db, actor=f"writer-{tag}")
    records = RecordService(store)
    i = 0
    while not count or i < count:
        rec = records.create("incident", title=f"{tag} {i}", description="x" * (i % 7 * 300),
                             impact="high", urgency="low")
        print(rec.ref, rec.version, file=out, flush=True)
        rec = records.add_note(rec.ref, f"note {i} from {tag}", expected_version=rec.version)
        print(rec.ref, rec.version, file=out, flush=True)
        rec = records.transition(rec.ref, "in_progress", expected_version=rec.version)
        print(rec.ref, rec.version, file=out, flush=True)
        if shared:
            note = records.add_note(shared, f"{tag} {i}")
            print(note.ref, note.version, file=out, flush=True)
        i += 1
        if pause:
            time.sleep(pause)
    store.close()


def warm() -> None:
    """Import what a write loads (the services, and the rules of every kind, which load on
    the first write of their kind), so that writers started together write together."""
    import sms_tui.services.core.records  # noqa: F401
    import sms_tui.services.core.store  # noqa: F401
    from sms_tui.services.core import hooks

    hooks.load()


def zygote(db: str) -> None:
    warm()  # every writer forked below starts at once

    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # killed writers are reaped by the kernel
    print("ready", flush=True)
    while line := sys.stdin.readline():
        tag, fifo = line.split()
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            code = 1
            try:
                with open(fifo, "w") as out:  # first: the parent is waiting on this pipe
                    write_loop(db, tag, out=out)
                code = 0
            except BaseException as exc:
                print(f"writer error: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            finally:
                os._exit(code)
        print(pid, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("tag")
    parser.add_argument("--count", type=int, default=0, help="rounds (0: until killed)")
    parser.add_argument("--shared", default="")
    parser.add_argument("--wait", action="store_true")
    parser.add_argument("--zygote", action="store_true")
    parser.add_argument("--pause", type=float, default=0.0, help="seconds between rounds")
    args = parser.parse_args()
    if args.zygote:
        zygote(args.db)
        return 0
    if args.wait:
        warm()  # before saying ready

        print("ready", flush=True)
        sys.stdin.readline()
    write_loop(args.db, args.tag, args.count, args.shared, pause=args.pause)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # the test reads stderr: one line saying what reached the "user"
        print(f"writer error: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        sys.exit(1)
