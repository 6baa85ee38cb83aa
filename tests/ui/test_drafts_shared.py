"""Two desks open at once share one drafts file: neither drops the other's drafts.

An analyst with two SSH or tmux windows runs two desks (on the same database or on
two); each wrote the whole file from its own memory, so the last to write dropped
every draft the other had kept since it started (a trial lost two drafts that way).
Each store here is one "instance": its own object, its own view of the file.
"""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sms_tui.ui.drafts import DraftStore
from sms_tui.ui.screens.form import RecordForm

from .conftest import press, screen_text, settle

DESK = "/srv/demo.db"


def on_disk(path: Path) -> dict[str, dict]:
    return json.loads(path.read_text(encoding="utf-8"))


def fields_on_disk(path: Path) -> dict[str, dict[str, str]]:
    return {key: entry["fields"] for key, entry in on_disk(path).items()}


def test_two_desks_on_one_file_keep_each_others_drafts(tmp_path):
    path = tmp_path / "drafts.json"
    x, y = DraftStore(DESK, path), DraftStore(DESK, path)
    assert y.kept() == []  # y started first: it read the file while it was empty
    x.stage("form:request:new", {"f-title": "Need a new monitor"})
    x.flush()
    x.stage("form:incident:new", {"f-title": "Draft two survives"})
    x.flush()
    y.stage("form:problem:new", {"f-title": "Problem draft in session two"})
    y.flush()
    assert fields_on_disk(path) == {
        f"{DESK}|form:request:new": {"f-title": "Need a new monitor"},
        f"{DESK}|form:incident:new": {"f-title": "Draft two survives"},
        f"{DESK}|form:problem:new": {"f-title": "Problem draft in session two"}}


def test_a_desk_on_another_database_keeps_the_drafts_of_both(tmp_path):
    path = tmp_path / "drafts.json"
    x, other = DraftStore(DESK, path), DraftStore("/srv/other.db", path)
    other.kept()  # read at start, before x typed anything
    x.stage("form:incident:new", {"f-title": "Printer jams"})
    x.flush()
    other.stage("form:change:new", {"f-title": "Patch the router"})
    other.flush()
    assert set(on_disk(path)) == {f"{DESK}|form:incident:new", "/srv/other.db|form:change:new"}
    assert x.kept() == ["form:incident:new"] and other.kept() == ["form:change:new"]


def test_a_draft_dropped_by_one_desk_does_not_come_back_from_the_other(tmp_path):
    path = tmp_path / "drafts.json"
    x, y = DraftStore(DESK, path), DraftStore(DESK, path)
    x.stage("form:incident:new", {"f-title": "Printer jams"})
    x.flush()
    assert y.get("form:incident:new") is not None  # y offers it (F2) and saves it there
    y.drop("form:incident:new")
    assert on_disk(path) == {}
    x.stage("dialog:NoteDialog:INC-000001", {"note": "called back"})
    x.flush()  # x still remembers the draft it typed: it must not write it again
    assert set(on_disk(path)) == {f"{DESK}|dialog:NoteDialog:INC-000001"}
    assert x.get("form:incident:new") is None


def test_a_draft_dropped_elsewhere_is_dropped_here_though_this_desk_never_read_it(tmp_path):
    # y read the file before x kept the draft: its drop must still reach the disk
    path = tmp_path / "drafts.json"
    x, y = DraftStore(DESK, path), DraftStore(DESK, path)
    y.kept()
    x.stage("form:incident:new", {"f-title": "Printer jams"})
    x.flush()
    y.drop("form:incident:new")
    assert on_disk(path) == {}


def test_a_form_opened_later_is_offered_the_draft_another_desk_kept_since(tmp_path):
    path = tmp_path / "drafts.json"
    x, y = DraftStore(DESK, path), DraftStore(DESK, path)
    x.stage("form:incident:new", {"f-title": "First words"})
    x.flush()
    assert y.get("form:incident:new")["fields"] == {"f-title": "First words"}
    x.stage("form:incident:new", {"f-title": "First words, and more"})
    x.flush()
    assert y.get("form:incident:new")["fields"] == {"f-title": "First words, and more"}
    assert y.kept() == ["form:incident:new"]


def test_staging_does_not_touch_the_disk_until_the_flush(tmp_path):
    # the write stays off the hot path of typing: a key typed stages, the pause writes
    path = tmp_path / "drafts.json"
    x = DraftStore(DESK, path)
    x.stage("form:incident:new", {"f-title": "P"})
    assert not path.exists()
    x.flush()
    assert fields_on_disk(path) == {f"{DESK}|form:incident:new": {"f-title": "P"}}


def test_a_tampered_file_is_replaced_by_what_this_desk_kept(tmp_path):
    path = tmp_path / "drafts.json"
    path.write_text("[not, json", encoding="utf-8")
    x = DraftStore(DESK, path)
    assert x.kept() == []
    x.stage("form:incident:new", {"f-title": "Printer jams"})
    x.flush()
    assert fields_on_disk(path) == {f"{DESK}|form:incident:new": {"f-title": "Printer jams"}}
    path.write_text(json.dumps(["a", "list"]), encoding="utf-8")
    x.stage("form:problem:new", {"f-title": "Slow mail"})
    x.flush()
    assert set(on_disk(path)) == {f"{DESK}|form:problem:new"}


def _keep_many(path: str, desk: str, count: int) -> None:
    store = DraftStore(desk, Path(path))
    for n in range(count):
        store.stage(f"form:incident:{n}", {"f-title": f"{desk} {n}"})
        store.flush()


def test_two_processes_writing_at_once_lose_no_draft(tmp_path):
    # the read-merge-write of one desk between the read and the write of the other would
    # drop the other's newest draft: the lock next to the file makes each whole
    path = tmp_path / "drafts.json"
    ctx = multiprocessing.get_context("fork")
    workers = [ctx.Process(target=_keep_many, args=(str(path), desk, 40))
               for desk in ("/srv/a.db", "/srv/b.db")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    kept = on_disk(path)
    assert len(kept) == 80, sorted(set(f"{d}|form:incident:{n}" for d in ("/srv/a.db", "/srv/b.db")
                                       for n in range(40)) - set(kept))


def _other_window(app) -> DraftStore:
    """A second desk on the same database and drafts file, as another tmux window runs."""
    return DraftStore(app.drafts.desk, app.drafts.path)


async def test_f2_puts_back_the_draft_as_another_window_last_left_it(make_app, desk):
    # this desk read the drafts at start; the other window typed (and typed more) after it
    app = make_app()
    other = _other_window(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        other.stage("form:incident:new", {"f-title": "Scanner offline"})
        other.flush()
        await press(pilot, "n")
        assert isinstance(app.screen, RecordForm)
        assert "A draft typed here was kept" in screen_text(app)
        other.stage("form:incident:new", {"f-title": "Scanner offline on floor 3"})
        other.flush()
        await press(pilot, "f2")
        assert app.screen.query_one("#f-title").value == "Scanner offline on floor 3"


async def test_f2_does_not_bring_back_a_draft_another_window_saved(make_app, desk):
    app = make_app()
    other = _other_window(app)
    other.stage("form:incident:new", {"f-title": "Scanner offline"})
    other.flush()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "n")
        assert "A draft typed here was kept" in screen_text(app)
        other.drop("form:incident:new")  # saved there: an incident now
        await press(pilot, "f2")
        assert app.screen.query_one("#f-title").value == ""
        assert "saved or discarded in another window" in screen_text(app)
        await press(pilot, "escape")
    assert other.get("form:incident:new") is None
    assert _other_window(app).kept() == []


KEYS = ("form:incident:new", "form:problem:new", "dialog:NoteDialog:INC-000001")
STEPS = st.lists(st.tuples(st.sampled_from("xy"), st.sampled_from(("stage", "drop", "flush")),
                           st.sampled_from(KEYS), st.text(max_size=3)), max_size=30)


@settings(max_examples=200, deadline=None)
@given(steps=STEPS)
def test_the_file_is_what_each_desk_last_said_of_each_key(tmp_path_factory, steps):
    """Any interleaving of typing (stage), saving (drop) and pauses (flush) in two desks on one
    file: after both flush, each key holds what the desk that last wrote it said -- staged
    fields, or nothing once dropped -- and no key the desks never touched is lost."""
    path = tmp_path_factory.mktemp("drafts") / "drafts.json"
    path.write_text(json.dumps({"/srv/other.db|form:change:new": {
        "saved_at": "2026-12-01T09:00:00+00:00", "fields": {"f-title": "Not ours"}}}))
    stores = {"x": DraftStore(DESK, path), "y": DraftStore(DESK, path)}
    said: dict[str, dict[str, str | None]] = {"x": {}, "y": {}}  # staged, not yet written
    expected: dict[str, dict[str, str] | None] = {}
    for who, what, key, text in steps:
        store = stores[who]
        if what == "stage":
            store.stage(key, {"f-title": text})
            said[who][key] = text
        elif what == "drop":
            # a drop is written at once, with whatever the desk staged before it
            if key in said[who] or store.get(key) is not None:
                said[who][key] = None
                store.drop(key)
                _written(said[who], expected)
        else:
            store.flush()
            _written(said[who], expected)
    for who in "xy":
        stores[who].flush()
        _written(said[who], expected)
    want = {f"{DESK}|{key}": {"f-title": text} for key, text in expected.items()
            if text is not None}
    want["/srv/other.db|form:change:new"] = {"f-title": "Not ours"}
    assert fields_on_disk(path) == want
    for store in stores.values():
        assert sorted(store.kept()) == sorted(k for k, t in expected.items() if t)


def _written(said: dict[str, str | None], expected: dict) -> None:
    expected.update(said)
    said.clear()


async def test_the_desk_says_as_it_ends_only_the_drafts_typed_in_it(make_app, tmp_path):
    # kept from an earlier session: said at start, not again at each quit; typed here and
    # left with Esc: said as the desk ends, with F2
    app = make_app()
    earlier = DraftStore(app.drafts.desk)
    earlier.stage("form:change:new", {"f-title": "Typed yesterday"})
    earlier.flush()
    async with app.run_test() as pilot:
        await settle(pilot)
        assert app.drafts_left() is None
        await press(pilot, "n")
        await pilot.press(*"Scanner offline")
        await press(pilot, "escape", "escape")
        said = app.drafts_left()
    assert said == ("what was typed in a new incident is kept as a draft: open the same form "
                    "again and press F2 to put it back")



async def test_drafts_typed_in_several_forms_are_counted_and_named_as_the_desk_ends(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await settle(pilot)
        await press(pilot, "n")
        await pilot.press(*"Scanner offline")
        await press(pilot, "escape", "escape", "2", "n")
        await settle(pilot)
        await press(pilot, "tab")
        await pilot.press(*"New monitor")
        await press(pilot, "escape", "escape")
        said = app.drafts_left()
    assert said == ("what was typed in 2 forms (a new request; a new incident) is kept as "
                    "drafts: open the same forms again and press F2 to put each back")
