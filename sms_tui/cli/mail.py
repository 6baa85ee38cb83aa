"""Mail in: ``mail-in`` (one message on stdin, for an MTA pipe), ``mail fetch``, and the
attachments that came with it (``attachments list|save``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..domain.text import one_line
from .common import FORMATS, AppContext, emit_rows, fail, pass_app

ATTACHMENT_COLUMNS = ["number", "name", "size", "content_type", "kept", "note", "received_at"]


def _print_report(report) -> None:
    for result in report.results:
        click.echo(one_line(result.line(), 300))
    for error in report.errors:
        click.echo(f"sms-tui: error: {one_line(error, 300)}", err=True)


def register(main: click.Group) -> None:
    @main.command("mail-in")
    @pass_app
    def mail_in(app: AppContext):
        """Read ONE mail (RFC 5322) on stdin: a new incident (or request), or a note on the
        record it answers; prints the reference. For an MTA pipe: '|sms-tui mail-in'.

        Auto-replies, bounces and bulk mail are ignored (no record, no reply); the same
        Message-ID twice is handled once; garbage or an over-size message is refused
        with one line on stderr and nothing is written.
        """
        from ..domain.mail import DEFAULT_MAX_BYTES
        from ..services.mail.mail_in import MailIn, mail_settings

        store = app.store()
        limit = int(mail_settings(store.config).get("max_bytes", DEFAULT_MAX_BYTES))
        raw = sys.stdin.buffer.read(limit + 1)
        if len(raw) > limit:
            fail(f"the message is over {limit} bytes ([mail] max_bytes); nothing was recorded")
        result = MailIn(store).receive(raw)
        try:
            click.echo(one_line(result.line(), 300))
            sys.stdout.flush()
        except OSError as exc:
            # The mail is recorded: its exit status is what the delivery agent acts on, and a
            # failure made it deliver the mail again -- a second record of it when it had no
            # Message-ID. Said on stderr; the status says delivered.
            from ..storage.engine import os_error_text
            from . import _drop_stdout

            _drop_stdout()
            click.echo(f"sms-tui: warning: the mail was recorded ({one_line(result.line(), 120)}) "
                       f"but the answer could not be written: {os_error_text(exc)}", err=True)

    @main.group("mail")
    def mail():
        """Fetch inbound mail (Maildir or IMAP over TLS) and record it as mail-in does."""

    @mail.command("fetch")
    @click.option("--maildir", type=click.Path(file_okay=False, path_type=Path), default=None,
                  help="Read this Maildir (default: [mail] maildir, else [mail.imap]).")
    @click.option("--imap", "use_imap", is_flag=True, help="Read [mail.imap] (TLS).")
    @pass_app
    def fetch(app: AppContext, maildir, use_imap):
        """Handle every unseen message; prints one line per message."""
        from ..services.mail.fetch import fetch_imap, fetch_maildir
        from ..services.mail.mail_in import mail_settings

        store = app.store()
        settings = mail_settings(store.config)
        if use_imap:
            report = fetch_imap(store)
        else:
            folder = maildir or settings.get("maildir")
            if folder:
                report = fetch_maildir(store, folder)
            elif isinstance(settings.get("imap"), dict):
                report = fetch_imap(store)
            else:
                fail("nothing to fetch from: give --maildir PATH, or set [mail] maildir or "
                     "[mail.imap] in the config")
        _print_report(report)
        if not report.ok:
            sys.exit(1)

    @main.group("attachments")
    def attachments():
        """The attachments of the mail a record was made from or noted with. Their content is
        kept only with [mail] keep_attachments = true, up to [mail] max_attachment_bytes."""

    @attachments.command("list")
    @click.argument("ref")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @pass_app
    def attachments_list(app: AppContext, ref, fmt):
        """Each attachment of REF: its number, name, size, type, and whether it was kept."""
        from ..services.mail.attachments import AttachmentService

        views = AttachmentService(app.store()).list(ref)
        if not views and fmt == "table":
            click.echo(f"{ref.upper()}: no attachments")
            return
        emit_rows([v.to_dict() for v in views], fmt, ATTACHMENT_COLUMNS)

    @attachments.command("save")
    @click.argument("ref")
    @click.argument("which", metavar="N|NAME")
    @click.option("--to", "to", required=True, type=click.Path(path_type=Path),
                  help="A new file, or a folder to save it in under its (made safe) name. "
                       "An existing file is never overwritten.")
    @pass_app
    def attachments_save(app: AppContext, ref, which, to):
        """Write the kept content of attachment N (its number in 'attachments list', or its
        name) of REF to a new file (mode 0600); prints where it went."""
        from ..services.mail.attachments import AttachmentService

        view, target = AttachmentService(app.store()).save(ref, which, to)
        click.echo(f"saved {one_line(view.name, 200)} ({view.size} bytes) to "
                   f"{one_line(str(target), 500)}")
