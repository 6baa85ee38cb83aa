"""Create or edit a record: validation shown in place, the priority shown live.

The form reads the fields a kind has from the service, asks for impact and
urgency on one row and shows the priority the organization's matrix gives
them as they change. A refused save leaves the form open with the message at
the top and the field concerned marked and focused. An edit is saved against
the version the form was opened on; if someone else saved in between, the
conflict is shown and ctrl+r reloads the record while keeping what the analyst
changed.
"""

from __future__ import annotations

from functools import partial
from types import SimpleNamespace
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, Input, Label, Select, Static, TextArea

from ...domain.errors import ConflictError, DeskError, ValidationError
from ...domain.kinds import EXTRA_FIELDS, KINDS, Kind, parse_kind
from ...domain.priority import PRIORITY_NAMES
from ...domain.text import one_line
from ...services.core.views import RecordView
from .. import display
from ..cursor import cursors_to_end
from ..drafts import DraftMixin
from ..hints import error_message
from ..typeahead import hold_keys
from ..widgets.choice_picker import LEVEL_CHOICES, ChoicePicker
from ..widgets.desk_footer import DeskFooter
from ..widgets.read_only_value import ReadOnlyValue
from .base import FieldFocusMixin, KeptStyles, ServiceMixin
from .form_fields import (
    SCALE_CHOICES,
    FieldSpec,
    editable,
    field_for_error,
    from_widget_value,
    specs_for,
    to_widget_value,
)


def _shown_value(value: Any) -> str:
    """A field's value in a sentence: quoted, on one line, not too long."""
    text = one_line(str(value if value is not None else ""), 40).strip()
    return f"'{text}'" if text else "empty"


def _wait_until_open(backend: Any) -> None:
    """In a suggester's thread: typed in the first seconds, while the database opens, wait
    for it here, or the name is not completed (→ typed with it then completed nothing)."""
    import time

    for _ in range(200):
        if backend.ready:
            return
        time.sleep(0.05)


LEVEL_FIELDS = (SimpleNamespace(name="impact", label="Impact", row="impact"),
                SimpleNamespace(name="urgency", label="Urgency", row="impact"))
"""Impact and urgency as a reload names them (their pickers share the row ``row-impact``)."""


def _original(view: RecordView | None, name: str) -> Any:
    if view is None:
        return None
    if name == "requester":  # the email: unique, where a name may not be
        return view.requester_email
    if name in view.extra:
        return view.extra[name]
    return getattr(view, name, None)


class RecordForm(KeptStyles, DraftMixin, FieldFocusMixin, ServiceMixin, Screen[RecordView | None]):
    """A new record of ``kind``, or an edit of ``record``; dismissed with the saved record."""

    CSS_PATH = "form.tcss"
    SECTION_KEYS = False  # saved or left with Esc (its draft kept) before going elsewhere
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="form.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
        Binding("ctrl+r", "reload", "Reload record", id="form.reload",
                tooltip="After a conflict: load the record as it is now, keeping your changes"),
        Binding("f2", "restore_draft", "Restore draft", id="form.restore_draft",
                tooltip="Put back what was typed here before (kept after Esc or a crash)"),
        # not in the footer (the title line names it): only incident forms use it
        Binding("f3", "known_errors", "Known errors", id="form.known_errors", priority=True, show=False,
                tooltip="Incidents: does this match a known error? Searches with the title typed so far"),
    ]

    def __init__(self, kind: str, record: RecordView | None = None, *,
                 preset: dict[str, Any] | None = None, lazy: bool = True) -> None:
        super().__init__()
        self.kind = parse_kind(kind)
        self.record = record
        self.preset = preset or {}  # a new record's starting values (a request from its type)
        self.conflict = False
        self._confirm_discard = False
        self.workaround_from: str | None = None  # a new incident: KE whose workaround F3 picked
        self.specs: list[FieldSpec] = specs_for(self.kind.value, record is not None,
                                                EXTRA_FIELDS.get(self.kind, ()))
        # a long form opened on demand shows its first fields at once and mounts the rest
        # after the first paint, keys waiting meanwhile (built at idle, it is built whole)
        self._lazy = lazy and len(self.specs) > LAZY_AFTER + LAZY_MIN_TAIL
        self._tail_hold: Any = None

    # ---------------------------------------------------------------- layout
    def compose(self):
        yield Header()
        yield Static(self._title(), id="form-title")
        yield Static(id="form-error", classes="error-line")
        yield self.draft_line()
        # not a focus stop itself: Shift+Tab from the title landed on it, where nothing
        # visible had the focus (the fields scroll it into view as they take the focus)
        with VerticalScroll(id="form-body", can_focus=False):
            # the security risk sits under impact and urgency: all three make the priority
            risk = [spec for spec in self.specs if spec.name == "security_risk"]
            for spec in self._head():
                if spec in risk:
                    continue
                yield self._row(spec)
                if spec.name == "title":
                    yield self._priority_row()
                    yield from map(self._row, risk)
                    yield Static(id="priority")
        yield DeskFooter()

    def _title(self) -> Text:
        label = KINDS[self.kind].label
        hint = "   F3: does it match a known error?" if self.kind is Kind.INCIDENT else ""
        if self.record is None:
            if self.workaround_from:
                hint = f"   workaround from {self.workaround_from} applied on save (F3 changes it)"
            return Text.assemble((f"New {label.lower()}", "bold"), (hint, "italic"))
        return Text.assemble((f"Edit {self.record.ref}", "bold"), f"  version {self.record.version}  ",
                             display.line(self.record.title, limit=60 - len(hint)), (hint, "italic"))

    def _row(self, spec: FieldSpec) -> Horizontal:
        value = to_widget_value(spec, _original(self.record, spec.name) if self.record
                                else self.preset.get(spec.name))
        wid = f"f-{spec.name}"
        widget: Any
        if spec.widget == "text":
            widget = TextArea(value or "", id=wid, soft_wrap=True, compact=True)
        elif spec.widget == "select":
            options = [(o.replace("_", " ") if o else "(not set)", o) for o in spec.options]
            widget = Select(options, value=value if value is not None else spec.options[0],
                            allow_blank=False, id=wid, compact=True)
        elif spec.widget == "check":
            # not a Checkbox: its ticked and unticked states differ by colour only
            widget = ChoicePicker([("no", "no"), ("yes", "yes")], "yes" if value else "no", id=wid)
        elif spec.widget == "contact":
            from ..widgets.requester_input import requester_input

            backend = self.backend

            def lookup(typed: str) -> list[Any]:  # in a thread (the suggester's)
                from ...services.customers.contacts import ContactService

                _wait_until_open(backend)
                return backend.service(ContactService).suggestions(typed)

            widget = requester_input(value or "", lookup, id=wid)
        elif spec.widget == "named":  # a service or a CI: completed from the catalogue
            from ..widgets.requester_input import named_input

            backend, services = self.backend, spec.name == "service"

            def names() -> list[str]:  # in a thread (the suggester's)
                from ...services.configuration.catalogue import CatalogueService

                _wait_until_open(backend)
                service_names, ci_names = backend.service(CatalogueService).names()
                return service_names if services else ci_names

            widget = named_input(value or "", names, placeholder=spec.placeholder, id=wid)
        elif spec.widget == "picker":  # a letter picks it: n/l/m/h/c for a security risk,
            # n/s/e for a change type, s/f/b for an outcome
            widget = ChoicePicker([(o, o.replace("_", " ") if o else "(not set)")
                                   for o in spec.options], value, id=wid)
        elif spec.widget == "shown":  # recorded by another action: shown, no focus stop
            widget = ReadOnlyValue(value or "", empty=spec.placeholder, note=spec.note, id=wid)
        elif spec.widget == "scale":  # 1..5: a digit picks it, the meaning of the ends beside it
            widget = ChoicePicker(SCALE_CHOICES, value or "", id=wid)
            return Horizontal(Label(spec.label, classes="field-label"), widget,
                              Label(Text(spec.placeholder, style="dim"), classes="inline-label"),
                              classes="field", id=f"row-{spec.name}")
        else:
            # typing after the form opens (or after Tab) adds to what is there, as in a
            # terminal; it does not silently replace a whole field the analyst cannot see
            widget = Input(value or "", id=wid, placeholder=spec.placeholder, compact=True,
                           select_on_focus=False)
        classes = "field" + (" -tall" if spec.widget == "text" else "")
        return Horizontal(Label(spec.label, classes="field-label"), widget, classes=classes,
                          id=f"row-{spec.name}")

    def _priority_row(self) -> Horizontal:
        impact = self.record.impact if self.record else self.preset.get("impact", "medium")
        urgency = self.record.urgency if self.record else self.preset.get("urgency", "medium")
        return Horizontal(
            Label("Impact", classes="field-label"),
            ChoicePicker(LEVEL_CHOICES, impact, id="f-impact"),
            Label("Urgency", classes="inline-label"),
            ChoicePicker(LEVEL_CHOICES, urgency, id="f-urgency"),
            classes="field", id="row-impact",
        )

    def _head(self) -> list[FieldSpec]:
        """The fields composed with the screen (all of them unless it is lazy)."""
        return self.specs[:LAZY_AFTER] if self._lazy else self.specs

    def on_mount(self) -> None:
        self._show_priority()
        self.query_one("#f-title", Input).focus()
        if self._lazy:
            self._tail_hold = hold_keys(self.app)
            self.call_after_refresh(self._mount_tail)
            return
        self._fields_ready()

    async def _mount_tail(self) -> None:
        """The fields below the first screenful, after the first paint; then keys go on."""
        try:
            risk = {"security_risk"}
            rows = [self._row(spec) for spec in self.specs[LAZY_AFTER:] if spec.name not in risk]
            self._lazy = False
            await self.query_one("#form-body", VerticalScroll).mount_all(rows)
            self._fields_ready()
        finally:
            hold, self._tail_hold = self._tail_hold, None
            if hold is not None:
                hold.release()

    def _fields_ready(self) -> None:
        self._as_opened = self._entered()  # what "unsaved changes" is measured against
        self.start_drafts()

    def _entered(self) -> tuple[Any, ...]:
        """Every field as the widgets hold it now (selects and pickers included)."""
        return (*(self._raw(spec) for spec in self.specs), *self._levels())

    def draft_key(self) -> str:
        return f"form:{self.kind.value}:{self.record.ref if self.record else 'new'}"

    def _saved(self, view: RecordView) -> None:
        self.draft_done()
        self.dismiss(view)

    # -------------------------------------------------------- live priority
    def _levels(self) -> tuple[str, str]:
        return (self.query_one("#f-impact", ChoicePicker).value,
                self.query_one("#f-urgency", ChoicePicker).value)

    def _show_priority(self) -> None:
        config = self.app.config
        matrix = config.matrix.priority_for(*self._levels())
        risk = ""
        if self.kind is Kind.INCIDENT and self.query("#f-security_risk"):
            risk = self.query_one("#f-security_risk", ChoicePicker).value
        priority = config.security.priority(matrix, risk)  # the same rule the service applies
        why = config.security.reason(matrix, risk)
        major = self._major_by_criteria(priority)
        self.query_one("#priority", Static).update(Text.assemble(
            ("Priority ", "bold"), (f"P{priority}", "bold reverse"), f" {PRIORITY_NAMES[priority]}",
            (f"   ▲ a major incident: {major}", "bold") if major else
            (f"   {why}" if why else "   h/m/l or ←/→ to choose", "dim")))

    def _major_by_criteria(self, priority: int) -> str:
        """Why a new incident with these levels is major by the organization's criteria (its
        priority, impact or urgency; "" if it is not, or this is not a new incident): the form
        said "Major [no]" for a P1 that was then saved as a major incident."""
        if self.kind is not Kind.INCIDENT or self.record is not None:
            return ""
        from ...domain.errors import ConfigError
        from ...domain.major import IncidentFacts, policy_from_config

        try:
            policy = policy_from_config(self.app.config.raw.get("major_incident"))
        except ConfigError:  # checked at start; nothing to say here
            return ""
        impact, urgency = self._levels()
        reasons = policy.reasons(IncidentFacts(priority=priority, impact=impact, urgency=urgency))
        return reasons[0] if reasons else ""

    def on_choice_picker_changed(self, event: ChoicePicker.Changed) -> None:
        if event.picker.id in ("f-impact", "f-urgency", "f-security_risk"):
            self._show_priority()

    # ---------------------------------------------------------------- values
    def _raw(self, spec: FieldSpec) -> Any:
        widget = self.query_one(f"#f-{spec.name}")
        if isinstance(widget, TextArea):
            return widget.text
        if spec.widget == "check":
            return widget.value == "yes"
        return widget.value

    def _values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for spec in filter(editable, self.specs):
            try:
                values[spec.name] = from_widget_value(spec, self._raw(spec))
            except ValidationError as exc:
                raise _FieldError(spec.name, str(exc)) from None
        values["impact"], values["urgency"] = self._levels()
        if not str(values.get("title") or "").strip():
            raise _FieldError("title", "title must not be empty: say in a few words what it is")
        if self.kind is Kind.COMPLAINT and not str(values.get("requester") or "").strip():
            raise _FieldError("requester", "a complaint needs its requester: the email or name "
                                           "of who complains")
        return values

    def _changes(self, values: dict[str, Any]) -> dict[str, Any]:
        """For an edit: only what differs from the record as it was opened."""
        assert self.record is not None
        changed = {}
        for name, value in values.items():
            spec = next((s for s in self.specs if s.name == name), None)
            before = _original(self.record, name)
            if spec is not None:
                before = from_widget_value(spec, to_widget_value(spec, before))
            if value != before and not (value in ("", None) and before in ("", None)):
                changed[name] = value
        return changed

    def action_known_errors(self) -> None:
        """Search the known error database with what the analyst has typed (8.6.3).

        On an incident being edited, a workaround can be applied from there; on
        a new one, the search shows the workaround to try before saving.
        """
        from .known_error_search import KnownErrorSearchScreen

        title = self.query_one("#f-title", Input).value
        if self.record is None:
            self.app.push_screen(KnownErrorSearchScreen(None, query=title, incident_title=title,
                                                        for_new_incident=True), self._workaround_picked)
            return
        self.app.push_screen(KnownErrorSearchScreen(self.record.ref, query=title, incident_title=title),
                             self._workaround_applied)

    def _workaround_picked(self, hit: Any) -> None:
        if hit is not None:
            self.workaround_from = hit.ref
            self.query_one("#form-title", Static).update(self._title())

    def _workaround_applied(self, view: RecordView | None) -> None:
        # the incident moved on a version: take it, keeping what the analyst typed
        if view is not None:
            self._reloaded(view, quiet=True)

    # ----------------------------------------------------------------- save
    def action_save(self) -> None:
        try:
            values = self._values()
        except _FieldError as exc:
            self.show_error(ValidationError(exc.message), exc.field)
            return
        backend = self.backend  # its services are used in the worker: they may still be opening
        kind = self.kind.value
        if self.record is None:
            fields = dict(values)
            title = fields.pop("title")
            for name in ("service", "ci"):
                fields[name] = fields.get(name) or None
            self.service(lambda: backend.records.create(kind, title=title, **fields), self._created,
                         on_error=self.show_error, group="save", exclusive=True)
            return
        changes = self._changes(values)
        if not changes:
            self.app.notify("Nothing changed", timeout=3)
            self.dismiss(None)
            return
        ref, version = self.record.ref, self.record.version
        self.service(lambda: backend.records.update(ref, expected_version=version, **changes),
                     self._saved,
                     on_error=self.show_error, group="save", exclusive=True)

    def _created(self, view: RecordView) -> None:
        self.draft_done()
        ke = self.workaround_from
        if ke is None:
            self.dismiss(view)
            return
        from .service_lookup import problem_service

        problems = problem_service(self.backend)

        def failed(exc: DeskError) -> bool:  # the incident is saved all the same
            self.app.notify(f"{view.ref} saved; the workaround was not applied: {exc}",
                            severity="warning", timeout=8, markup=False)
            self.dismiss(view)
            return True

        self.service(lambda: problems.apply_workaround(ke, view.ref), self.dismiss, on_error=failed,
                     group="save", exclusive=True)

    def show_error(self, exc: DeskError, field: str | None = None) -> bool:
        """Show a refusal at the top; mark and focus the field it is about."""
        self.conflict = isinstance(exc, ConflictError)
        message = error_message(exc)
        if self.conflict:
            message += " — press ctrl+r to reload it; your changes are kept"
        error = self.query_one("#form-error", Static)
        error.update(display.line(message))
        error.add_class("-shown")
        for row in self.query(".field.-invalid"):
            row.remove_class("-invalid")
        field = field or field_for_error(message, [s.name for s in self.specs] + ["impact", "urgency"])
        if field and not self.conflict:
            self.query_one(f"#row-{field}").add_class("-invalid")
            self.query_one(f"#f-{field}").focus()
        self.refresh_bindings()
        return True

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "known_errors":
            return self.kind is Kind.INCIDENT
        if action == "reload":
            return self.conflict
        if action == "restore_draft":
            return self.draft_offered()
        return True

    # --------------------------------------------------------------- reload
    def action_reload(self) -> None:
        if self.record is None:
            return
        ref = self.record.ref
        self.service(lambda: self.backend.records.get(ref), self._reloaded, group="reload")

    def _reloaded(self, view: RecordView, *, quiet: bool = False) -> None:
        """Take the record as it is now; keep every field the analyst had changed -- and say
        which of those someone else changed too (their value was replaced, unseen, by the
        analyst's on the next save)."""
        old = self.record
        self.record = view
        both: list[tuple[Any, Any]] = []  # changed here and there, differently
        taken: list[tuple[Any, Any]] = []  # changed there only: now in the form
        # (field, in the form, as it was opened, as it is now, put it in the form): the
        # specs' widgets, then impact and urgency, whose pickers are not specs
        fields = [(spec, self._raw(spec), to_widget_value(spec, _original(old, spec.name)),
                   to_widget_value(spec, _original(view, spec.name)), partial(self._put, spec))
                  for spec in self.specs]
        for level in LEVEL_FIELDS:
            picker = self.query_one(f"#f-{level.name}", ChoicePicker)
            fields.append((level, picker.value, _original(old, level.name),
                           _original(view, level.name), partial(setattr, picker, "value")))
        for field, mine, before, new, put in fields:
            if mine != before:
                if new != before and new != mine:
                    both.append((field, new))
                continue  # the analyst changed it: keep theirs
            if new != before:
                taken.append((field, new))
            put(new)
        self.conflict = False
        self.query_one("#form-title", Static).update(self._title())
        error = self.query_one("#form-error", Static)
        error.remove_class("-shown")
        for row in self.query(".field.-invalid"):
            row.remove_class("-invalid")
        if both:
            theirs = "; ".join(f"{spec.label} is now {_shown_value(new)}" for spec, new in both)
            error.update(display.line(f"Changed by someone else too: {theirs}. Yours is kept "
                                      "here: check it before ctrl+s saves it over theirs"))
            error.add_class("-shown")
            for spec, _new in both:
                self.query_one(f"#row-{getattr(spec, 'row', spec.name)}").add_class("-invalid")
            self.query_one(f"#f-{both[0][0].name}").focus()
        self.refresh_bindings()
        if not quiet:
            news = "".join(f"; {spec.label} is now {_shown_value(new)}" for spec, new in taken[:3])
            more = f" and {len(taken) - 3} more" if len(taken) > 3 else ""
            self.app.notify(one_line(f"Reloaded {view.ref} (version {view.version}){news}{more}; "
                                     "your changes are kept"), timeout=6, markup=False)

    def _put(self, spec: FieldSpec, value: Any) -> None:
        """``value`` (as :func:`to_widget_value` gives it) into the widget of ``spec``."""
        widget = self.query_one(f"#f-{spec.name}")
        if isinstance(widget, TextArea):
            widget.text = value
        elif spec.widget == "check":
            widget.value = "yes" if value else "no"
        else:
            widget.value = value

    # --------------------------------------------------------------- cancel
    def _dirty(self) -> bool:
        if self.record is None:
            # a blank form's defaults (a change's type, "no" pickers) are not the analyst's
            # changes: only what differs from the form as it opened is
            return self._entered() != self._as_opened or self.workaround_from is not None
        try:
            values = self._values()
        except _FieldError:
            return True
        return bool(self._changes(values))

    def action_cancel(self) -> None:
        if self._dirty() and not self._confirm_discard:
            self._confirm_discard = True
            error = self.query_one("#form-error", Static)
            drafts = self.app.drafts
            drafts.flush()  # what was typed last is on disk now, or the disk said why not
            kept = ("what you typed is lost: drafts cannot be written here" if drafts.failing
                    else "what you typed is kept as a draft: F2 puts it back next time")
            error.update(Text(f"Unsaved changes: ctrl+s saves; Esc again closes ({kept})."))
            error.add_class("-shown")
            return
        self.dismiss(None)


    # ------------------------------------------------------ kept and refilled
    def reopen(self, record: RecordView | None, preset: dict[str, Any] | None = None) -> None:
        """Make this form, built and closed since, the form for ``record`` (None: a new one)
        as a new form would open: every field its starting value, no error, no "unsaved"
        warning, no workaround picked, the draft of *this* record offered, the title focused,
        scrolled to the top -- nothing of the previous record (issue 20)."""
        self.record = record
        self.preset = preset or {}
        self.conflict = False
        self._confirm_discard = False
        self.workaround_from = None
        self.reset_drafts()
        self.query_one("#form-title", Static).update(self._title())
        self.query_one("#form-error", Static).remove_class("-shown")
        for row in self.query(".field.-invalid"):
            row.remove_class("-invalid")
        for spec in self.specs:
            value = to_widget_value(spec, _original(record, spec.name) if record
                                    else self.preset.get(spec.name))
            widget = self.query_one(f"#f-{spec.name}")
            if isinstance(widget, TextArea):
                widget.text = value or ""
            elif spec.widget == "select":
                widget.value = value if value is not None else spec.options[0]
            elif spec.widget == "check":
                widget.value = "yes" if value else "no"
            elif spec.widget == "scale":
                widget.value = value or ""
            elif spec.widget == "picker":  # e.g. a security risk: the first option, none
                widget.value = value or spec.options[0]
            else:
                widget.value = value or ""
        impact = record.impact if record else self.preset.get("impact", "medium")
        urgency = record.urgency if record else self.preset.get("urgency", "medium")
        self.query_one("#f-impact", ChoicePicker).value = impact
        self.query_one("#f-urgency", ChoicePicker).value = urgency
        self.query_one("#form-body", VerticalScroll).scroll_home(animate=False, immediate=True)
        cursors_to_end(self)
        self.on_mount()
        self.refresh_bindings()


def kept_form(app: Any, kind: str, record: RecordView | None = None) -> RecordForm:
    """A :class:`RecordForm` for ``kind`` (new, or an edit of ``record``): the one kept built
    for that kind and use, refilled, or a new one (:meth:`DeskApp.kept_screen`)."""
    form, reused = app.kept_screen((RecordForm, parse_kind(kind), record is not None),
                                   lambda: RecordForm(kind, record))
    if reused:
        form.reopen(record)
    return form


LAZY_AFTER = 6  # fields composed with a form opened on demand; the others mount after its first paint
LAZY_MIN_TAIL = 3  # a form is lazy only when at least this many fields would wait


class _FieldError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message
