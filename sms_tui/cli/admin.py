"""Admin subcommands: backup, restore, verify, purge."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..domain.text import one_line
from .common import AppContext, fail, pass_app


def _db_path(app: AppContext) -> Path | str:
    from ..paths import default_db_path

    if isinstance(app.db_path, str):
        return app.db_path  # a postgresql:// URL
    return Path(app.db_path) if app.db_path else default_db_path()


def _existing_store(app: AppContext):
    """The store, refusing to create a database that does not exist yet."""
    path = _db_path(app)
    if isinstance(path, Path) and not path.exists():
        fail(f"no database at {path}")
    return app.store()


def _restore_server(app: AppContext, source: Path, force: bool) -> None:
    from ..services.transfer.backup import restore_server
    from ..services.transfer.service import ImportRefused
    from .reports import progress_bar

    store = app.store()
    try:
        with progress_bar("restoring") as progress:
            done = restore_server(store, source, force=force, progress=progress)
    except ImportRefused as exc:
        for problem in exc.problems:
            click.echo(f"{one_line(source.name)}: {one_line(problem.line())}", err=True)
        if exc.total > len(exc.problems):
            click.echo(f"... and {exc.total - len(exc.problems)} more", err=True)
        raise
    for line in done.forced:
        click.echo(f"forced: {one_line(line)}", err=True)
    if done.forced:
        click.echo(f"restored despite {len(done.forced)} verification problem(s) "
                   "(--force; journaled under SYS:integrity)")
    click.echo(f"restored {done.rows} rows into {done.tables} tables from "
               f"{one_line(str(source))} into {one_line(str(store.path))} (verified)")


def register(main: click.Group) -> None:
    @main.command("backup")
    @click.argument("target", type=click.Path(path_type=Path))
    @pass_app
    def backup(app: AppContext, target: Path):
        """Copy the database to TARGET (a new file, or a folder) safely, even while in use.

        Uses SQLite's online backup; the copy is readable by its owner only (0600).
        On a PostgreSQL desk: a consistent snapshot of the desk's tables in the
        export format (JSON, as 'export' writes), never a partial file.
        """
        from ..services.transfer.backup import backup_database, backup_server

        where = _db_path(app)
        if isinstance(where, str):
            written = backup_server(_existing_store(app), target)
        else:
            written = backup_database(where, target)
        click.echo(str(written))

    @main.command("restore")
    @click.argument("source", type=click.Path(path_type=Path, dir_okay=False))
    @click.option("--force", is_flag=True,
                  help="Restore even a file that fails verification (journaled).")
    @pass_app
    def restore(app: AppContext, source: Path, force: bool):
        """Replace the database with the backup SOURCE (checked first, as 'verify' does;
        the current one is kept aside).

        On a PostgreSQL desk: SOURCE is a server 'backup' file (or a SQLite backup), restored
        into an EMPTY server database in one transaction and verified before it commits.
        """
        from ..config import load_config
        from ..paths import default_config_path
        from ..services.core.store import journal_key
        from ..services.transfer.backup import restore_database

        if isinstance(_db_path(app), str):  # team mode: into an empty server desk
            _restore_server(app, source, force)
            return
        config = load_config(Path(app.config_path) if app.config_path else default_config_path())
        result = restore_database(_db_path(app), source, force=force, key=journal_key(config))
        if result.previous_kept_at:
            click.echo(f"previous database kept as {result.previous_kept_at}")
        if result.failed_check is not None:
            from ..services.admin.integrity import note_forced

            note_forced(app.store(), "restore_forced", str(source), result.failed_check)
            click.echo(f"restored despite {len(result.failed_check.problems)} verification "
                       "problem(s) (--force; journaled under SYS:integrity)")
        click.echo(f"restored {source} into {result.database}")

    @main.command("migrate")
    @click.option("--to", "url", required=True, metavar="postgresql://USER@HOST/DBNAME",
                  help="An empty PostgreSQL database (createdb NAME) to move this desk to.")
    @pass_app
    def migrate(app: AppContext, url: str):
        """Copy this SQLite desk into an empty PostgreSQL database (team mode).

        All or nothing: the desk is verified first, copied in one transaction,
        counted, then the server desk is verified (hash chains intact).
        """
        from ..services.transfer.move import move_to_server
        from ..storage.url import is_server_url

        if not is_server_url(url):
            fail(f"--to needs a postgresql:// URL, not {url!r}")
        summary = move_to_server(_existing_store(app), url.strip())
        click.echo(f"moved {summary.rows} rows ({summary.journals} journals, {summary.entries} "
                   f"journal entries, verified) to {summary.target}")
        click.echo(f"from now on: sms-tui --db {summary.target} (or SMS_TUI_DB)")

    @main.command("verify")
    @click.option("--digest", "show_digest", is_flag=True,
                  help="Also print one digest of every journal's head: keep it elsewhere "
                       "(mail, ticket, paper) to prove later that nothing before it changed.")
    @click.option("--against", default=None, metavar="DIGEST",
                  help="Check that the journal written before DIGEST (from --digest) is unchanged.")
    @click.option("--since", "since", type=click.Choice(["last"]), default=None,
                  help="Check only the records written to after the last verified checkpoint "
                       "(recorded by every verify that passes).")
    @click.option("--full", is_flag=True, help="Check everything (the default).")
    @click.option("--one-process", "one_process", is_flag=True,
                  help="Check in this process only (a full check of a big SQLite desk "
                       "otherwise hands half of the journals to a second process).")
    @pass_app
    def verify(app: AppContext, show_digest: bool, against: str | None, since: str | None,
               full: bool, one_process: bool):
        """Check the database, every journal's hash chain and head, and every record against
        its journal; exit 1 if anything is broken."""
        from ..services.admin.integrity import verify_database
        from .reports import progress_bar

        store = _existing_store(app)
        if since and (full or show_digest):
            raise click.UsageError("--since last checks part of the journal: it cannot be "
                                   "combined with --full or --digest")
        with progress_bar("verifying") as progress:
            report = verify_database(store, against=against, progress=progress,
                                     since_last=bool(since), record=True,
                                     parallel=not one_process)
        for problem in report.problems:
            click.echo(one_line(problem.line()))
        if report.problems_cut:
            click.echo(f"... and {report.problems_cut} more problem(s)")
        if report.checkpoint.startswith("no checkpoint"):  # a recorded one goes unsaid
            click.echo(report.checkpoint)
        click.echo(report.summary() + (f" (written after entry #{report.since})"
                                        if report.since is not None else ""))
        if against:
            click.echo(f"against the digest: {report.against}")
        if show_digest:
            click.echo(f"digest: {report.digest}")
        if not report.ok:
            refs = sorted(report.broken_refs)
            shown = ", ".join(refs[:10]) + (" ..." if len(refs) > 10 else "")
            fail(f"verification failed: {len(report.problems) + report.problems_cut} problem(s)"
                 + (f" involving {shown}" if refs else ""))

    @main.command("purge")
    @click.argument("ref")
    @click.option("--reason", required=True, help="Why (kept in the tombstone), e.g. 'GDPR erasure request 2026-14'.")
    @click.option("--yes", is_flag=True, help="Confirm: the record and its journal are deleted for good.")
    @pass_app
    def purge(app: AppContext, ref: str, reason: str, yes: bool):
        """Delete record REF, its journal and its personal data for good; a tombstone remains.

        REF may be a contact (CON-…): its records lose their requester. Not for
        everyday work (cancel or close records instead). Without --yes it asks you
        to type the reference back, and refuses when not run interactively.
        """
        from ..domain import contacts
        from ..domain.kinds import format_ref, parse_ref
        from ..services.admin.purge import purge as purge_record

        number = contacts.parse_ref(ref)
        canonical = contacts.format_ref(number) if number else format_ref(*parse_ref(ref))
        if not yes:
            if not sys.stdin.isatty():
                fail(f"purge deletes {canonical} and its journal for good: add --yes to confirm")
            typed = click.prompt(f"This permanently deletes {canonical} and its journal. "
                                 "Type the reference to confirm", default="", show_default=False)
            if typed.strip().upper() != canonical:
                fail("not confirmed; nothing was deleted")
        result = purge_record(_existing_store(app), canonical, reason=reason)
        extra = "".join(f", {n} {table} rows" for table, n in sorted(result.rows_removed.items()))
        click.echo(f"purged {result.ref}: {result.journal_entries_removed} journal entries{extra} removed; "
                   "tombstone written")
        for other in result.records_unlinked:
            click.echo(f"{'requester removed from' if number else 'unlinked'} {other}")
