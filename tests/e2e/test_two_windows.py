"""Two (and three) desks open at once, as an analyst with two SSH or tmux windows runs them.

They share one drafts file. Each wrote it whole from its own memory, so the desk that
wrote last dropped every draft the others had kept (a trial lost two that way).
"""

from __future__ import annotations

import json
import os
import signal

from .terminal import cli


def _drafts(desk) -> dict[str, str]:
    """Each draft's key (without the desk's path) and title, as on disk."""
    path = desk.home / "state" / "sms-tui" / "drafts.json"
    return {key: entry["fields"].get("f-title", "")
            for key, entry in json.loads(path.read_text(encoding="utf-8")).items()}


def test_two_windows_on_one_desk_and_a_third_on_another_keep_all_their_drafts(desk, tmp_path):
    desk.cli("new", "incident", "--title", "Mail bounces")
    other_db = tmp_path / "other.db"
    made = cli(desk.env, "--db", str(other_db), "new", "incident", "--title", "Elsewhere")
    assert made.returncode == 0, made.stderr
    second = desk.tui()  # started first: it read the drafts while there were none
    second.wait_for("INC-000001")
    second.burst("n")  # a form opened and left: the drafts read (none yet)
    second.wait_for("New incident")
    second.burst("escape")
    second.wait_gone("New incident")
    first = desk.tui()
    first.wait_for("INC-000001")

    first.burst("n")
    first.wait_for("New incident")
    first.burst("Draft two survives")
    first.wait_for("Draft two survives")
    first.settle(1.0)  # typing paused: the draft is written
    first.burst("escape", "escape")
    first.wait_gone("New incident")

    second.burst("3")
    second.wait_for("Problems")
    second.burst("n")
    second.wait_for("New problem")
    second.burst("Problem draft in session two")  # and the hangup at once: no pause to write
    second.wait_for("Problem draft in session two")
    os.kill(second.child.pid, signal.SIGHUP)  # the SSH connection of the second window dropped
    assert second.wait_exit() == 129

    third = desk.tui(args=["--db", str(other_db)])
    third.wait_for("INC-000001")
    third.burst("n")
    third.wait_for("New incident")
    third.burst("Other desk draft")
    third.wait_for("Other desk draft")
    third.settle(1.0)

    here, there = str(desk.db.absolute()), str(other_db.absolute())
    assert _drafts(desk) == {f"{here}|form:incident:new": "Draft two survives",
                             f"{here}|form:problem:new": "Problem draft in session two",
                             f"{there}|form:incident:new": "Other desk draft"}

    # the first window started before the problem was typed: its form offers it all the same
    first.burst("3")
    first.wait_for("Problems")
    first.burst("n")
    first.wait_for("F2 puts it back")
    first.burst("f2")
    first.wait_for("Problem draft in session two")
    first.burst("ctrl+s")
    first.wait_for("PRB-")
    first.settle(0.5)
    assert f"{here}|form:problem:new" not in _drafts(desk)  # saved: dropped for every window
    third.burst("escape", "escape")
    third.wait_gone("New incident")
    third.settle(0.5)
    assert _drafts(desk) == {f"{here}|form:incident:new": "Draft two survives",
                             f"{there}|form:incident:new": "Other desk draft"}
