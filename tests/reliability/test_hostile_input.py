"""Hostile text: markup, escape sequences, control characters, NUL, huge, RTL, combining, emoji.

Pushed through every text field of the service layer: stored unchanged, read
back exactly, never interpreted, never a crash; for display, control
characters are made visible.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sms_tui.cli import main
from sms_tui.domain.errors import ValidationError
from sms_tui.domain.text import (
    BIDI_CONTROLS,
    has_visible_text,
    one_line,
    visible_controls,
    without_nul,
)
from sms_tui.services.admin.integrity import verify_database
from sms_tui.services.core.records import MAX_NAME, MAX_TITLE
from sms_tui.services.core.views import QueueFilter

from .helpers import assert_one_line_error, run_cli

PIECES = [
    "[bold]", "[/]", "[/bold]", "[@click=app.quit]quit[/]", "[link=https://evil.example]x[/link]",
    "[b", "x[/]y [b", "[type=x, v={'a[0]'}]", "\\[escaped]", "$title", "{0}", "%s", "%(x)s",
    "\x1b[2J\x1b[H", "\x1b]0;owned\x07", "\x1b]52;c;ZXZpbA==\x07", "\x1b]8;;https://evil\x1b\\link\x1b]8;;\x1b\\",
    "\x9b31m", "\x90dcs\x9c", "\r", "\r\n", "\x08\x08\x08", "\x7f", "\t", "\n",
    "\u202eevil\u202c", "\u200f\u05e9\u05dc\u05d5\u05dd", "\u0645\u0631\u062d\u0628\u0627", "e\u0301\u0302\u0303",
    "Z\u0351\u0352\u0353\u0354", "\u200b", "\ufeff", "\U0001f469\u200d\U0001f469\u200d\U0001f467", "\U0001f525",
    "'; DROP TABLE incident; --", "%", "_", "\"quoted\"", "\U0010ffff",
]
# Arbitrary text (hypothesis' default alphabet: every code point but lone surrogates), spiked with
# the pieces above.
# NUL is the one character no desk stores: one rule refuses it everywhere, in one line
# (tests/test_nul_text.py); everything else must be stored and shown exactly.
HOSTILE = st.one_of(
    st.text(),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=5)), min_size=1, max_size=12).map("".join),
).map(without_nul)
# Control characters, and the bidi controls and line separators that reorder or break the screen.
CONTROLS = ({chr(c) for c in range(0x20)} - {"\n", "\t"} | {chr(c) for c in range(0x7F, 0xA0)}
            | BIDI_CONTROLS | {"\u2028", "\u2029"})

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _has_text(text: str) -> bool:
    return bool(text.strip())


def _is_title(text: str) -> bool:
    """What a title must be: something visible (not only zero-width, combining or bidi marks)."""
    return has_visible_text(text.strip()) and len(text.strip()) <= MAX_TITLE


def _is_name(text: str) -> bool:
    """What an assignee or group must be: visible and short."""
    return has_visible_text(text.strip()) and len(text.strip()) <= MAX_NAME


@SETTINGS
@given(title=HOSTILE, description=HOSTILE, category=HOSTILE)
def test_create_stores_and_returns_any_text_exactly(records, title, description, category):
    if not _is_title(title):
        with pytest.raises(ValidationError):
            records.create("incident", title=title)
        return
    if len(category) > MAX_NAME:
        with pytest.raises(ValidationError):
            records.create("incident", title=title, category=category)
        return
    rec = records.create("incident", title=title, description=description, category=category)
    back = records.get(rec.ref)
    assert (back.title, back.description, back.category) == (title.strip(), description, category)
    assert back.journal[0].changes["title"] == (None, title.strip())
    [row] = [r for r in records.list("incident", QueueFilter(open_only=False), limit=None)
             if r.ref == rec.ref]
    assert row.title == title.strip()


@SETTINGS
@given(fields=st.fixed_dictionaries({
    "incident": st.fixed_dictionaries({"description": HOSTILE, "major_reason": HOSTILE}),
    "problem": st.fixed_dictionaries({"root_cause": HOSTILE, "workaround": HOSTILE}),
    "change": st.fixed_dictionaries({"reason": HOSTILE, "backout_plan": HOSTILE}),
    "request": st.fixed_dictionaries({"description": HOSTILE,
                                      "category": HOSTILE.filter(lambda t: len(t) <= MAX_NAME)}),
}), note=HOSTILE)
def test_update_of_every_text_field_round_trips_and_is_journaled_exactly(records, fields, note):
    for kind, values in fields.items():
        extra = {"request_type": "other"} if kind == "request" else {}  # classified (8.6.2)
        rec = records.create(kind, title="target", **extra)
        records.update(rec.ref, note=note, **values)
        back = records.get(rec.ref)
        for key, value in values.items():
            stored = back.extra[key] if key in back.extra else getattr(back, key)
            assert stored == value
        if any(values.values()) or note:
            entry = back.journal[0]
            assert entry.note == note
            for key, value in values.items():
                if value:
                    assert entry.changes[key] == ("", value)


@SETTINGS
@given(note=HOSTILE, person=HOSTILE, reason=HOSTILE)
def test_notes_assignments_and_escalations_keep_any_text(records, note, person, reason):
    rec = records.create("incident", title="hostile actions")
    if _has_text(note):
        assert records.add_note(rec.ref, note).journal[0].note == note
    else:
        with pytest.raises(ValidationError):
            records.add_note(rec.ref, note)
    if _is_name(person):
        assert records.assign(rec.ref, person, note=note).assignee == person.strip()
    elif person.strip():
        with pytest.raises(ValidationError):
            records.assign(rec.ref, person, note=note)
    if _has_text(reason) and _is_name(person + "x"):
        esc = records.escalate(rec.ref, to=person + "x", hierarchical=True, reason=reason)
        assert esc.escalated_to == (person + "x").strip() and esc.journal[0].note == reason.strip()
    records.transition(rec.ref, "on_hold", note=note)
    assert records.get(rec.ref).journal[0].note == note


@SETTINGS
@given(needle=HOSTILE)
def test_searching_with_any_text_never_crashes(records, needle):
    records.create("incident", title="100% [bold] done_x")
    found = records.list("incident", QueueFilter(text=needle), limit=None)
    assert records.count("incident", QueueFilter(text=needle)) == len(found)


def test_a_megabyte_of_hostile_text_round_trips_everywhere(records):
    big = ("".join(PIECES) * 1000)[: 1024 * 1024]
    rec = records.create("problem", title="huge", description=big)
    records.update(rec.ref, root_cause=big, workaround=big[::-1], note=big)
    records.add_note(rec.ref, big)
    back = records.get(rec.ref)
    assert back.description == big and back.extra["root_cause"] == big
    assert back.extra["workaround"] == big[::-1]
    assert back.journal[0].note == big and back.journal[1].changes["root_cause"] == ("", big)
    assert verify_database(records.store).ok


def test_hash_chains_hold_for_hostile_text(records):
    for piece in PIECES:
        rec = records.create("incident", title=f"t{piece}x")
        records.add_note(rec.ref, piece + "!")
    assert verify_database(records.store).ok


# ---------------------------------------------------------------- display helpers
@given(st.text())
def test_visible_controls_leaves_no_control_character_but_newline_and_tab(text):
    shown = visible_controls(text)
    assert not CONTROLS & set(shown)
    assert shown.count("\n") == text.count("\n") and shown.count("\t") == text.count("\t")
    if not CONTROLS & set(text):
        assert shown == text  # ordinary text is shown unchanged


@given(st.text(), st.integers(min_value=1, max_value=80))
def test_one_line_is_a_single_safe_line(text, limit):
    shown = one_line(text, limit)
    assert not (CONTROLS | {"\n", "\t", "\r"}) & set(shown)
    assert len(shown) <= limit


@pytest.mark.parametrize("piece", [p for p in PIECES if CONTROLS & set(p)])
def test_escape_sequences_are_shown_not_executed(piece):
    shown = visible_controls(piece)
    assert "\x1b" not in shown and "\x9b" not in shown and "\x00" not in shown
    assert len(shown) >= len(piece)


# ---------------------------------------------------------------- the CLI
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(title=HOSTILE.filter(_is_title), note=HOSTILE)
def test_cli_prints_hostile_text_without_control_characters_and_json_round_trips(db_path, records,
                                                                                  title, note):
    rec = records.create("incident", title=title, description=note)
    runner = CliRunner()
    table = runner.invoke(main, ["--db", str(db_path), "list", "incidents"])
    assert table.exit_code == 0, table.output
    assert not CONTROLS & set(table.output)
    shown = runner.invoke(main, ["--db", str(db_path), "show", rec.ref])
    assert shown.exit_code == 0 and not CONTROLS & set(shown.output)
    as_json = runner.invoke(main, ["--db", str(db_path), "show", rec.ref, "--format", "json"])
    data = json.loads(as_json.output)
    assert (data["title"], data["description"]) == (title.strip(), note)


def test_cli_refuses_bytes_that_are_not_utf8_in_one_line(db_path):
    result = run_cli("--db", str(db_path), "new", "incident", "--title", b"caf\xe9 \xff".decode(
        "utf-8", "surrogateescape"))
    assert_one_line_error(result, "not valid UTF-8", "nothing was written")


def test_cli_stores_markup_and_escapes_literally(db_path):
    title = "[@click=app.quit]x[/] \x1b]0;owned\x07 \u202eevil"
    result = run_cli("--db", str(db_path), "new", "incident", "--title", title)
    assert result.returncode == 0, result.stderr
    shown = run_cli("--db", str(db_path), "show", result.stdout.strip(), "--format", "json")
    assert json.loads(shown.stdout)["title"] == title


@pytest.mark.parametrize("title", ["\u200b\u200b", "\u0301\u0302\u0303", "\u202e\u2066\u200f",
                                   " \ufeff\u200d ", "\u061c"])
def test_a_title_of_only_invisible_marks_is_refused_as_empty(records, title):
    with pytest.raises(ValidationError, match="title must not be empty"):
        records.create("incident", title=title)


@pytest.mark.parametrize("field", ["assignee", "group"])
def test_assignee_and_group_have_a_length_limit(records, field):
    rec = records.create("incident", title="limits")
    long = "a" * (MAX_NAME + 1)
    with pytest.raises(ValidationError, match=f"keep it to {MAX_NAME}"):
        if field == "assignee":
            records.assign(rec.ref, long)
        else:
            records.assign(rec.ref, "dana", group=long)
    with pytest.raises(ValidationError, match=f"keep it to {MAX_NAME}"):
        records.create("incident", title="x", assignee=long)
    with pytest.raises(ValidationError, match=f"keep it to {MAX_NAME}"):
        records.escalate(rec.ref, to=long, hierarchical=True, reason="r")


def test_bidi_overrides_are_shown_visibly_and_escaped_in_json(db_path, records):
    rec = records.create("incident", title="invoice\u202egnp.exe", description="a\u2066b\x9bc")
    runner = CliRunner()
    for args in (["list", "incidents"], ["show", rec.ref], ["list", "incidents", "--format", "csv"]):
        out = runner.invoke(main, ["--db", str(db_path), *args])
        assert out.exit_code == 0 and not CONTROLS & set(out.output), args
        assert "\\u202e" in out.output
    raw = runner.invoke(main, ["--db", str(db_path), "show", rec.ref, "--format", "json"]).output
    assert not CONTROLS & set(raw) and "\\u202e" in raw and "\\u009b" in raw
    assert json.loads(raw)["title"] == "invoice\u202egnp.exe"


def test_the_tui_display_helpers_show_bidi_overrides_visibly():
    from sms_tui.ui import display

    for shown in (display.line("invoice\u202egnp.exe").plain, display.block("a\u2066b\n\u200fc").plain):
        assert not CONTROLS & set(shown) and "\\u" in shown


@pytest.mark.parametrize("name", ["\u200b", "\u202e\u2069", "\u0301"])
def test_names_and_other_titles_of_only_invisible_marks_are_refused(store, name):
    from sms_tui.services.configuration.catalogue import CatalogueService
    from sms_tui.services.requests.service import RequestService

    with pytest.raises(ValidationError, match="must not be empty"):
        CatalogueService(store).add_service(name)
    with pytest.raises(ValidationError, match="must not be empty"):
        RequestService(store).create("password-reset", title=name)
