"""Reporting and migration subcommands: report, evidence, export, import.

``report`` and ``evidence`` print to stdout or write ``--output`` (the format
follows the file's extension unless ``--format`` says otherwise). ``export``
and ``import`` show a progress bar on stderr when it is a terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import click

from ..domain.errors import ValidationError
from ..domain.text import one_line
from .common import AppContext, Int, pass_app

SUFFIX_FORMATS = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html",
                  ".csv": "csv", ".json": "json"}


class DateParam(click.ParamType):
    """YYYY-MM-DD (midnight UTC) or an ISO 8601 date-time."""

    name = "DATE"

    def convert(self, value, param, ctx):
        if isinstance(value, datetime):
            return value
        from ..services.reporting.model import parse_when

        try:
            return parse_when(value)
        except ValidationError as exc:
            self.fail(str(exc).removeprefix("date "), param, ctx)


def _period(start, end, kind):
    """The period from --from/--to/--period; usage errors exit 2 with one line."""
    from ..services.core.store import utc_now
    from ..services.reporting.model import calendar_period, shift

    if kind:
        if start and end:
            raise click.UsageError("give --period with --from or with --to, not with both")
        if start:
            return _checked(start, shift(kind, start, 1))
        if end:
            return _checked(shift(kind, end, -1), end)
        return calendar_period(kind, utc_now(), -1)  # the last complete one
    if not start or not end:
        raise click.UsageError("give --from and --to (or --period week|month|quarter)")
    return _checked(start, end)


def _checked(start, end):
    from ..services.reporting.model import Period

    if start >= end:
        raise click.UsageError(
            f"--from ({start:%Y-%m-%d %H:%M}) must be before --to ({end:%Y-%m-%d %H:%M}); "
            "--to is exclusive (--from 2026-03-01 --to 2026-04-01 is March)")
    return Period(start, end)


def _format(fmt: str | None, output: Path | None, allowed: tuple[str, ...]) -> str:
    if fmt:
        return fmt
    guessed = SUFFIX_FORMATS.get(output.suffix.lower()) if output else None
    if guessed and guessed not in allowed:
        raise click.UsageError(f"cannot write {guessed} here: use --format "
                               f"{'|'.join(allowed)} (or another file name)")
    return guessed or "md"


def write_output(content: str, output: Path | None) -> None:
    """Print, or write ``output`` atomically and privately (a reader never sees half a
    report; only an absent path or a regular file is replaced: see :mod:`sms_tui.files`)."""
    if output is None:
        click.echo(content, nl=False)
        return
    from ..files import write_text  # it loads the storage layer: only when writing a file

    write_text(output, content)


@contextmanager
def progress_bar(label: str):
    """A progress callback (done, total) drawing a bar on stderr when it is a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    bar = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = click.progressbar(length=max(1, total), label=label, file=sys.stderr)
            bar.__enter__()
        bar.update(max(0, done - bar.pos))

    try:
        yield update
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def period_options(command):
    for option in reversed((
        click.option("--from", "start", type=DateParam(), default=None,
                     help="First day (YYYY-MM-DD, UTC) or ISO date-time."),
        click.option("--to", "end", type=DateParam(), default=None,
                     help="End, exclusive (--to 2026-04-01 ends with 31 March)."),
        click.option("--period", "kind", type=click.Choice(["week", "month", "quarter"]),
                     default=None, help="A calendar week/month/quarter: the last complete one, "
                     "or the one starting at --from / ending at --to."),
        click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                     default=None, help="Write to this file instead of stdout."),
    )):
        command = option(command)
    return command


def register(main: click.Group) -> None:
    @main.command("report")
    @period_options
    @click.option("--format", "fmt", type=click.Choice(["md", "html", "csv", "json"]),
                  default=None, help="Default: from --output's extension, else md.")
    @pass_app
    def report(app: AppContext, start, end, kind, output, fmt):
        """Service report (9.4) for a period, with trends against the previous one.

        The previous period has the same length and ends where this one starts.
        """
        from ..reports import SERVICE_FORMATS, render_service_report
        from ..services.reporting.service import ReportService

        period = _period(start, end, kind)
        fmt = _format(fmt, output, SERVICE_FORMATS)
        store = app.store()
        data = ReportService(store).service_report(period)
        content = render_service_report(data, fmt)
        run = _record_run(store, "service", period, fmt, output,
                          lambda: write_output(content, output))
        if output:
            click.echo(f"wrote service report {period.label()} ({fmt}) to {one_line(str(output))}"
                       f" as {run}")

    @main.command("evidence")
    @period_options
    @click.option("--format", "fmt", type=click.Choice(["md", "html", "json"]), default=None,
                  help="Default: from --output's extension, else md.")
    @click.option("--max-refs", type=Int(min=0), default=200, show_default=True,
                  help="References listed per gap (0 = all); counts are always complete.")
    @click.option("--sample", type=click.IntRange(min=0, max=1000), default=0,
                  help="Pick N records per clause at random and add each with its full journal.")
    @click.option("--seed", type=click.IntRange(min=0, max=2**31), default=0, show_default=True,
                  help="Seed of --sample: the same seed picks the same records.")
    @pass_app
    def evidence(app: AppContext, start, end, kind, output, fmt, max_refs, sample, seed):
        """ISO/IEC 20000-1 evidence per clause for a period: a status per clause
        (met, gap, no_evidence, outside, not_applicable) and the gaps found."""
        from ..reports import EVIDENCE_FORMATS, render_evidence_report
        from ..services.reporting.service import ReportService

        period = _period(start, end, kind)
        fmt = _format(fmt, output, EVIDENCE_FORMATS)
        store = app.store()
        data = ReportService(store).evidence_report(period, max_refs or None, sample, seed)
        content = render_evidence_report(data, fmt)
        run = _record_run(store, "evidence", period, fmt, output,
                          lambda: write_output(content, output))
        if output:
            click.echo(f"wrote evidence report {period.label()} ({fmt}; {data.status_line()}) "
                       f"to {one_line(str(output))} as {run}")

    @main.command("export")
    @click.option("--format", "fmt", type=click.Choice(["json", "csv"]), default="json",
                  show_default=True)
    @click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
                  help="JSON: a file (default stdout). CSV: a directory (required).")
    @pass_app
    def export(app: AppContext, fmt, output):
        """Export every record, journal, review and the catalogue (for migration)."""
        from ..services.transfer.service import TransferService

        service = TransferService(app.store())
        with progress_bar("exporting") as progress:
            if fmt == "csv":
                if output is None:
                    raise click.UsageError("CSV export writes one file per table: give --output DIR")
                summary = service.export_csv(output, progress)
            elif output is None:
                summary = service.export_json(sys.stdout, progress)
                return
            else:
                summary = _export_json_file(service, output, progress)
        click.echo(f"exported {summary.total} rows from {len(summary.counts)} tables "
                   f"to {one_line(str(output))}")

    @main.command("import")
    @click.argument("path", type=click.Path(exists=True, path_type=Path))
    @click.option("--dry-run", is_flag=True, help="Check every row, write nothing.")
    @click.option("--force", is_flag=True,
                  help="Import even records that fail verify's checks (a record that does not "
                       "match its journal, a broken chain); the override is journaled.")
    @pass_app
    def import_(app: AppContext, path, dry_run, force):
        """Import a JSON export file or a CSV export directory: all rows or none.

        Every row is checked first, then what was imported gets verify's checks (hash
        chains, heads, each record against its journal); problems are listed and nothing
        is written.
        """
        from ..services.transfer.service import ImportRefused, TransferService

        service = TransferService(app.store())
        try:
            with progress_bar("importing") as progress:
                summary = service.import_path(path, progress, dry_run=dry_run, force=force)
        except ImportRefused as exc:
            for problem in exc.problems:
                click.echo(f"{one_line(path.name)}: {one_line(problem.line())}", err=True)
            if exc.total > len(exc.problems):
                click.echo(f"... and {exc.total - len(exc.problems)} more", err=True)
            raise
        verb = "checked (dry run, nothing written)" if dry_run else "imported"
        for line in summary.forced:
            click.echo(f"forced: {one_line(line)}", err=True)
        if summary.forced and not dry_run:
            click.echo(f"imported despite {len(summary.forced)} verification problem(s) "
                       "(--force; journaled under SYS:integrity)", err=True)
        click.echo(f"{verb} {summary.total} rows into {len(summary.counts)} tables "
                   f"from {one_line(str(path))}")


def _record_run(store, report: str, period, fmt: str, output: Path | None,
                issue: Callable[[], None]) -> str:
    """Record the report as issued (9.4), and ``issue`` it (write it) in the same
    transaction; returns its RPT reference.

    Shown on the terminal, or piped to a pager or grep, it is read, not issued: each look was
    recorded as a report issued (seven previews made RPT-000001 to RPT-000007 and the 9.4
    figure). Written to a file, ``-o`` or ``> FILE``, it is issued."""
    from ..services.reporting.runs import ReportRunService

    if output is None and not _is_file(sys.stdout):  # a terminal, a pager, grep: a look
        issue()
        click.echo(f"sms-tui: shown, not recorded as issued; -o FILE (or > FILE) issues the "
                   f"{report} report", err=True)
        return ""

    run = ReportRunService(store).record(report=report, start=period.start, end=period.end,
                                         fmt=fmt, output=str(output) if output else "",
                                         issue=issue)
    return run.ref


def _export_json_file(service, output: Path, progress):
    if output.is_dir():
        raise ValidationError(f"{output} is a directory; JSON export needs a file name")
    from ..files import atomic_text

    with atomic_text(output) as fh:
        return service.export_json(fh, progress)


def _is_file(stream) -> bool:
    """Whether ``stream`` is a regular file (``> FILE``): what is written there is issued;
    on a terminal or into a pipe (a pager, grep) it is read."""
    import os
    import stat

    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (AttributeError, ValueError, OSError):  # not a real file (captured, closed)
        return False
