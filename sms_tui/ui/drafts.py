"""Drafts: what an analyst typed in a form or dialog survives Esc, a crash and a kill (issue 13).

Every form and dialog that takes text (:class:`DraftMixin`) writes its fields
to a small private file each time one changes, under a key naming the desk,
the form and the record (``form:incident:INC-000042``, ``dialog:Escalate:INC-
000042``, ``form:incident:new``). A save that succeeds drops the draft. When
the same form is opened again and a draft is there, the form says so and F2
puts it back; nothing is restored behind the analyst's back.

The file is ``drafts.json`` in the state folder (:func:`sms_tui.paths.
state_dir`), 0600, rewritten whole through a temporary file and a rename, so
a kill mid-write leaves the previous version. It is shared by every desk the
analyst has open (two windows, two databases): each writes only its own
changes into the file as it is then, under a lock (:class:`DraftStore`). Drafts are local to the
analyst's account: nothing of them reaches the database or its journal.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import stat
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MAX_DRAFTS = 200  # the oldest go first; a draft is a safety net, not an archive


class DraftStore:
    """Drafts of one desk (``desk`` names it: the database path).

    Several desks may be open at once (two SSH or tmux windows, on one database or on
    two), all with the same file. Each writes only what it changed itself -- the keys it
    staged or dropped since its last write -- into the file as it is at that moment, under
    a lock next to it: a draft another desk kept is never dropped, and one it dropped (saved,
    or taken back) does not come back from this desk's memory. The file is read again when it
    changed, so a form opened here offers the draft as the other desk last left it.
    """

    def __init__(self, desk: str, path: Path | None = None,
                 on_failure: Callable[[str], None] | None = None) -> None:
        self.desk = desk
        self._path = path
        # this desk's changes not yet on disk, oldest first: an entry, or None (dropped)
        self._pending: dict[str, dict[str, Any] | None] = {}
        self._disk: dict[str, Any] = {}  # the file as last read or written here
        self._disk_seen: tuple[int, int, int] | None = None  # its inode, mtime, size then
        self._read_once = False
        self._drafts: dict[str, dict[str, Any]] | None = None  # the file with _pending on it
        # told once, the first time a draft cannot be written (a read-only or full disk)
        self.on_failure = on_failure
        self._told = False  # the failing writes were said (once, through on_failure)
        self._last_failed = False  # the last write failed: what is kept is in memory only
        self.typed: set[str] = set()  # keys staged by this desk since it started, not dropped

    @property
    def path(self) -> Path:
        if self._path is None:
            from ..paths import state_dir

            self._path = state_dir() / "drafts.json"
        return self._path

    def _all(self) -> dict[str, dict[str, Any]]:
        """Every desk's drafts: the file (read again if another desk wrote it since) with
        this desk's changes not yet written on top."""
        seen = _identity(self.path)
        if not self._read_once or seen != self._disk_seen:
            self._disk, self._disk_seen = _read(self.path, seen), seen
            self._read_once = True
            self._drafts = None
        if self._drafts is None:
            self._drafts = _merged(self._disk, self._pending)
        return self._drafts

    def _key(self, key: str) -> str:
        return f"{self.desk}|{key}"

    def get(self, key: str) -> dict[str, Any] | None:
        """The draft kept for ``key``: {"saved_at": iso, "fields": {...}} or None."""
        entry = self._all().get(self._key(key))
        if not isinstance(entry, dict) or not isinstance(entry.get("fields"), dict):
            return None
        return entry

    def kept(self) -> list[str]:
        """The keys of this desk's drafts, oldest first (each a form or dialog not saved)."""
        prefix = f"{self.desk}|"
        return [key[len(prefix):] for key, entry in self._all().items()
                if key.startswith(prefix) and isinstance(entry, dict)
                and isinstance(entry.get("fields"), dict) and any(entry["fields"].values())]

    def stage(self, key: str, fields: dict[str, str]) -> None:
        """Keep ``fields`` as the draft of ``key`` in memory; :meth:`flush` writes it.

        Called on every key typed: it touches no file (not even to see whether it changed)."""
        entry = {"saved_at": datetime.now(UTC).isoformat(timespec="seconds"), "fields": fields}
        self._change(self._key(key), entry)
        self.typed.add(key)

    def _change(self, full_key: str, entry: dict[str, Any] | None) -> None:
        self._pending.pop(full_key, None)  # re-inserted last: the newest
        self._pending[full_key] = entry
        if self._drafts is not None:
            _apply(self._drafts, full_key, entry)

    def flush(self) -> None:
        """Write staged drafts (typing paused, the form closed, or the app is crashing), and
        again those a failed write left in memory only: the disk may take them now (a form
        said "lost" on Esc once the folder was writable again, the draft still unwritten)."""
        if self._pending:
            self._write()

    @property
    def unwritten(self) -> bool:
        """Drafts are kept that could not be written: quitting would lose them."""
        return self._last_failed and any(entry is not None for entry in self._pending.values())

    @property
    def failing(self) -> bool:
        """Whether the last write of the drafts failed (nothing typed is kept until saved):
        once a write succeeds again (space freed, the folder made), drafts are kept again."""
        return self._last_failed

    def drop(self, key: str) -> None:
        """Forget the draft of ``key`` (saved, or discarded on purpose) -- here and on disk,
        where another desk may have kept it since this one last read the file."""
        self.typed.discard(key)
        full_key = self._key(key)
        if full_key in self._pending or full_key in self._all():
            self._change(full_key, None)
            self._write()

    def _write(self) -> None:
        """This desk's changes merged into the file as it is now, under the lock: read,
        merge, replace whole (0600, atomically), then the lock let go."""
        from ..domain.errors import DeskError
        from ..files import write_text
        from ..paths import private_dir

        try:
            private_dir(self.path.parent)
            with _locked(self.path.with_name(self.path.name + ".lock")):
                seen = _identity(self.path)
                merged = _merged(_read(self.path, seen), self._pending)
                write_text(self.path, json.dumps(merged))  # whole, 0600, never over a non-file
                self._disk, self._disk_seen = merged, _identity(self.path)
            self._read_once = True
            self._pending.clear()
            self._drafts = None  # the file as written (other desks' drafts in it too)
            self._last_failed = self._told = False  # a later failure is said again
        except (OSError, DeskError) as exc:  # a full or read-only disk must not stop the typing
            self._last_failed = True
            log.warning("could not keep a draft in %s", self.path, exc_info=True)
            told, self._told = self._told, True
            if self.on_failure is not None and not told:
                why = (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc)
                self.on_failure(f"drafts cannot be kept in {self.path.parent} ({why}): what "
                                "is typed in a form is kept only once it is saved")


LOCK_WAIT_S = 2.0  # another desk holds the lock only for a read, a merge and a write


@contextlib.contextmanager
def _locked(lock: Path) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``lock`` (made 0600 if absent, never through a symlink).
    A desk that holds it longer than :data:`LOCK_WAIT_S` (stopped mid-write) makes this
    write fail like a full disk would: the drafts stay in memory and the next flush tries
    again."""
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                 0o600)
    try:
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise OSError(errno.EAGAIN, "another sms-tui holds the drafts' lock",
                                  str(lock)) from None
                time.sleep(0.01)
        yield  # closing the descriptor lets the lock go
    finally:
        os.close(fd)


def _identity(path: Path) -> tuple[int, int, int] | None:
    """What changes when the file is written (each write is a new file renamed over it)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_ino, info.st_mtime_ns, info.st_size)


def _read(path: Path, seen: tuple[int, int, int] | None) -> dict[str, Any]:
    """The drafts of every desk in ``path``; none if absent, unreadable or not a JSON object
    (a file edited by hand is replaced at the next write), or not a regular file (a FIFO
    would block the desk)."""
    if seen is None:
        return {}
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _apply(drafts: dict[str, Any], key: str, entry: dict[str, Any] | None) -> None:
    drafts.pop(key, None)
    if entry is not None:
        drafts[key] = entry  # the newest last
        while len(drafts) > MAX_DRAFTS:
            drafts.pop(next(iter(drafts)))


def _merged(disk: dict[str, Any], pending: dict[str, dict[str, Any] | None]) -> dict[str, Any]:
    """``disk`` with ``pending`` (this desk's changes, oldest first) applied, in a new dict."""
    drafts = dict(disk)
    for key, entry in pending.items():
        _apply(drafts, key, entry)
    return drafts


_DRAFT_FIELDS = "Input, TextArea, Select, ChoicePicker, OptionList"
"""What a draft keeps: every field an analyst fills in, typed or picked."""


def _field_value(widget: Any) -> str | None:
    """What ``widget`` holds, as the draft keeps it (None: nothing to keep, a blank choice)."""
    from textual.widgets import OptionList, Select, TextArea

    if isinstance(widget, TextArea):
        return widget.text
    if isinstance(widget, OptionList):  # a list to pick from (a status): the one highlighted
        option = widget.highlighted_option
        return option.id if option is not None and option.id else None
    if isinstance(widget, Select):
        value = widget.value
        # a placeholder ("\x00reading", while its options are read) is not a choice
        return value if isinstance(value, str) and not value.startswith("\x00") else None
    value = widget.value
    return value if isinstance(value, str) else None


def _put_value(widget: Any, value: Any) -> bool:
    """Put a kept ``value`` back into ``widget`` (True: it was); a choice that is no longer
    offered, or a value that is not text (a draft file edited by hand), is left."""
    from textual.widgets import OptionList, Select, TextArea
    from textual.widgets.option_list import OptionDoesNotExist

    from .widgets.choice_picker import ChoicePicker

    if not isinstance(value, str):
        return False
    if isinstance(widget, TextArea):
        widget.text = value
    elif isinstance(widget, OptionList):
        try:
            widget.highlighted = widget.get_option_index(value)
        except OptionDoesNotExist:
            return False
    elif isinstance(widget, Select):
        from textual.widgets.select import InvalidSelectValueError

        try:
            widget.value = value
        except InvalidSelectValueError:
            return False
    elif isinstance(widget, ChoicePicker):
        if not any(value == choice for choice, _label in widget.choices):
            return False
        widget.value = value
    else:
        widget.value = value
    return True


DRAFT_PAUSE_S = 0.3  # typing paused this long: the draft goes to disk


class DraftMixin:
    """For a form or dialog screen: its text fields are kept as a draft while they differ
    from what the screen opened with, and offered back (F2) the next time it opens.

    The screen implements :meth:`draft_key`, yields :meth:`draft_line` in its
    compose, binds ``f2`` to ``restore_draft``, calls :meth:`start_drafts` at the
    end of its ``on_mount`` and :meth:`draft_done` once its save succeeded.
    """

    app: Any
    _draft_baseline: dict[str, str] | None = None
    _draft_offer: dict[str, str] | None = None
    _draft_timer: Any = None
    _draft_keys_at_open: int | None = None
    _draft_staged = False  # this opening kept a draft of what was typed

    def draft_key(self) -> str:
        raise NotImplementedError

    def draft_line(self) -> Any:
        from textual.widgets import Static

        return Static(id="draft-line", classes="draft-line")

    def _draft_fields(self) -> dict[str, Any]:
        # a type selector matches subclasses too: every field with an id, the choices
        # (impact, urgency, a status, a severity) as well as the text: a draft of a P1
        # incident must come back as a P1, not as the form's default
        return {w.id: w for w in self.query(_DRAFT_FIELDS) if w.id}  # type: ignore[attr-defined]

    def _texts(self) -> dict[str, str]:
        return {wid: value for wid, w in self._draft_fields().items()
                if (value := _field_value(w)) is not None}

    def start_drafts(self) -> None:
        """Take what the screen shows now as its starting point; offer a kept draft."""
        self._draft_baseline = self._texts()
        self._draft_staged = False
        self._draft_keys_at_open = self._keys_handed()
        kept = self.app.drafts.get(self.draft_key())
        # every field the screen has, not only those holding a value yet (a request's type,
        # its choices still being read, is one to put back too)
        present = self._draft_fields()
        fields = {k: v for k, v in (kept or {}).get("fields", {}).items()
                  if isinstance(v, str) and k in present}
        if fields and fields != {k: self._draft_baseline.get(k) for k in fields}:
            self._draft_offer = fields
            try:  # a time this desk wrote; another (a file edited by hand) is not shown
                saved = datetime.fromisoformat(str(kept.get("saved_at")))  # type: ignore[union-attr]
                when = f" ({saved.astimezone(UTC):%Y-%m-%d %H:%M} UTC)"
            except (ValueError, OverflowError):
                when = ""
            self._show_draft_line(f"A draft typed here was kept{when}: F2 puts it back; "
                                  "typing replaces it.")
        self.refresh_bindings()  # type: ignore[attr-defined]

    def reset_drafts(self) -> None:
        """Forget the draft state of an earlier opening (the screen is kept and reopened)."""
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        self.app.drafts.flush()
        self._draft_baseline = None
        self._draft_offer = None
        self._draft_staged = False
        self._show_draft_line(None)

    def on_screen_suspend(self) -> None:
        # closed (Esc) but kept to be reopened: not unmounted, so flush here too
        self.app.drafts.flush()

    def _show_draft_line(self, text: str | None) -> None:
        from rich.text import Text

        with contextlib.suppress(Exception):
            line = self.query_one("#draft-line")  # type: ignore[attr-defined]
            line.update(Text(text or ""))
            line.set_class(bool(text), "-shown")

    def on_input_changed(self, event: Any) -> None:
        self._draft_changed()

    def on_text_area_changed(self, event: Any) -> None:
        self._draft_changed()

    def on_select_changed(self, event: Any) -> None:
        self._draft_changed()

    def on_choice_picker_changed(self, event: Any) -> None:
        self._draft_changed()

    def on_option_list_option_highlighted(self, event: Any) -> None:
        self._draft_changed()

    def draft_filled(self, *ids: str) -> None:
        """The screen filled the fields ``ids`` itself (a request form's type picker, once its
        catalogue is read): what they hold now is where the screen starts, not typing.

        Said at once, not left to the Changed messages the filling posts: those arrive later,
        and a key handed meanwhile (F2, in the burst that opened the form) would make the
        filling look typed -- overwriting the kept draft and withdrawing its offer."""
        if self._draft_baseline is None:
            return
        texts = self._texts()
        for wid in ids:
            if wid in texts:
                self._draft_baseline[wid] = texts[wid]
            else:
                self._draft_baseline.pop(wid, None)

    def _keys_handed(self) -> int | None:
        gate = getattr(self.app, "type_ahead", None)
        return getattr(gate, "handed", None)

    def _draft_changed(self) -> None:
        if self._draft_baseline is None:
            return  # still opening: the values are the screen's own
        texts = self._texts()
        if texts == self._draft_baseline:
            if self._draft_staged:  # typed, then taken back (undo, deleted): nothing to keep
                self._draft_staged = False
                if self._draft_timer is not None:
                    self._draft_timer.stop()
                self.app.drafts.drop(self.draft_key())
            return
        if self._draft_keys_at_open is not None and self._keys_handed() == self._draft_keys_at_open:
            # no key since it opened: the screen filling itself (a request form's catalogue
            # read, a type's defaults), which is its starting point -- not a draft to keep,
            # and no reason to withdraw the offer of the one kept
            self._draft_baseline = texts
            return
        # in memory at once, on disk when typing pauses (a burst of 50 keys is one write)
        self.app.drafts.stage(self.draft_key(), texts)
        self._draft_staged = True
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(DRAFT_PAUSE_S, self.app.drafts.flush,  # type: ignore[attr-defined]
                                           name="draft to disk")
        if self._draft_offer is not None:
            self._draft_offer = None
            self._show_draft_line(None)
            self.refresh_bindings()  # type: ignore[attr-defined]

    def draft_offered(self) -> bool:
        return self._draft_offer is not None

    def action_restore_draft(self) -> None:
        """Put the kept draft back into the fields."""
        from .cursor import cursors_to_end

        offer, self._draft_offer = self._draft_offer, None
        if not offer:
            return
        widgets = self._draft_fields()
        # the draft as it is now: another desk (a second window) may have saved it since this
        # form opened -- put back, it would be kept again and saved twice -- or typed more
        kept = self.app.drafts.get(self.draft_key())
        if kept is None:
            self._show_draft_line("The draft was saved or discarded in another window: "
                                  "nothing to put back.")
            self.refresh_bindings()  # type: ignore[attr-defined]
            return
        offer = {k: v for k, v in kept["fields"].items() if isinstance(v, str) and k in widgets}
        put = [wid for wid, text in offer.items()
               if (widget := widgets.get(wid)) is not None and _put_value(widget, text)]
        if not put:  # "Draft restored" was said over empty fields
            self._show_draft_line("Nothing in the draft could be put back.")
            return
        cursors_to_end(self)  # typing goes on after the text put back
        self._show_draft_line("Draft restored: save to keep it.")
        self.app.drafts.stage(self.draft_key(), self._texts())
        self.app.drafts.flush()
        self.refresh_bindings()  # type: ignore[attr-defined]

    def on_unmount(self) -> None:
        self.app.drafts.flush()  # closed (Esc) while a draft was still only in memory

    def draft_done(self) -> None:
        """The save succeeded: the draft is no longer needed."""
        self._draft_baseline = None
        self.app.drafts.drop(self.draft_key())

    def closed_saved(self, result: Any) -> None:
        """The save succeeded: the draft is dropped and the screen closes with ``result``."""
        self.draft_done()
        self.dismiss(result)  # type: ignore[attr-defined]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """F2 is offered while a kept draft is (a screen with other keys to check extends
        this, or checks ``restore_draft`` itself)."""
        if action == "restore_draft":
            return self.draft_offered()
        return super().check_action(action, parameters)  # type: ignore[misc]


_DIALOGS = {"NoteDialog": "a note", "EscalateDialog": "an escalation",
            "AssignDialog": "an assignment", "TransitionDialog": "a status change",
            "LinkDialog": "a link", "DecisionDialog": "a decision", "OutcomeDialog": "an outcome",
            "ScheduleDialog": "a schedule", "UpdateDialog": "a status update",
            "ManagerDialog": "a manager", "DeclareDialog": "a declaration",
            "UndeclareDialog": "an undeclaration"}


def describe(key: str) -> str:
    """A draft's key as the analyst knows it: ``dialog:NoteDialog:INC-000082`` is "a note on
    INC-000082", ``form:incident:new`` "a new incident", ``form:change:CHG-000003`` "an edit of
    CHG-000003"."""
    import re

    what, _, rest = key.partition(":")
    name, _, ref = rest.rpartition(":")
    if what == "form" and name:
        kind = name.replace("_", " ")
        return f"a new {kind}" if ref == "new" else f"an edit of {ref}"
    if what == "dialog" and name:
        words = _DIALOGS.get(name) or " ".join(re.findall(r"[A-Z][a-z]*", name)).lower() or name
        return f"{words} on {ref}"
    if what == "request-type":
        return f"the request type {rest}"
    if what == "review":
        return name or rest
    return key
