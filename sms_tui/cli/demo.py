"""``sms-tui demo``: fill a database with a realistic desk for trying the product."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Iterator

import click

from .common import AppContext, Int, pass_app

# The same defaults as sms_tui.services.demo.service (a test keeps them equal); not imported
# from there because that module loads the database layer, and --help must stay fast.
DEFAULT_COUNT = 200
DEFAULT_SEED = 2026


@contextlib.contextmanager
def progress_bar(what: str) -> Iterator[Callable[[int, int], None] | None]:
    """A Rich progress bar on stderr when it is a terminal; nothing at all otherwise
    (cron, pipes and tests get the summary only)."""
    if not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(what, total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield advance


def register(main: click.Group) -> None:
    from ..domain.kinds import Kind
    from ..domain.lifecycle import lifecycle_for

    full_coverage = sum(len(lifecycle_for(kind).states) for kind in Kind)

    @main.command("demo")
    @click.option("--count", type=Int(min=1, max=10_000_000), default=DEFAULT_COUNT,
                  show_default=True,
                  help=f"How many records (every kind in every state from {full_coverage}).")
    @click.option("--seed", type=Int(), default=DEFAULT_SEED, show_default=True,
                  help="Same seed, same demo (ages are counted back from now).")
    @click.option("--force", is_flag=True,
                  help="Add the demo even if the database already has records (nothing is deleted).")
    @pass_app
    def demo(app: AppContext, count: int, seed: int, force: bool):
        """Fill the database with demo data: services, CIs, and records of every kind in
        every state with their journals, spread over the last 90 days. From 2000 records
        on, the rest are plainer records over four years, written in bulk (a million in
        minutes).

        Use a separate file to keep real work apart, e.g. sms-tui --db demo.db demo
        """
        from ..services.demo.bulk import BULK_FROM, fill_bulk
        from ..services.demo.service import fill_demo

        store = app.store()
        started = time.monotonic()
        # large demos: the rich demo through the services, the rest written in bulk
        fill = fill_bulk if count >= BULK_FROM else fill_demo
        with progress_bar(f"Writing {count:,} demo records") as progress:
            summary = fill(store, count=count, seed=seed, force=force, progress=progress)
        took = time.monotonic() - started
        click.echo(f"Demo data written to {store.path} in {took:.1f} s:")
        click.echo(f"  {summary.services} services, {summary.cis} configuration items, "
                   f"{summary.relationships} CI relationships")
        for kind, n in summary.records.items():
            click.echo(f"  {n:>7} {kind}")
        click.echo(f"  {summary.total_records:>7} records, {summary.journal_entries} journal entries")
        if summary.skipped:
            left_out = ", ".join(f"{n} {verb}" for verb, n in summary.skipped.items())
            click.echo(f"  (left out because the desk's rules refused them: {left_out})")
        db = f" --db {store.path}" if app.db_path else ""
        click.echo(f"Try: sms-tui{db} list incidents --open   or open the desk: sms-tui{db}")
