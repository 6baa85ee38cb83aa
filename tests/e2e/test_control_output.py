"""No control character in a record reaches the analyst's terminal, in any screen.

A title or description may hold escape sequences (sent by mail, pasted, imported): shown
as they are, ``ESC ] 0 ; … BEL`` retitles the terminal and ``ESC ] 52`` writes its
clipboard. The record's screen showed them as ``␛``; its edit form's inputs wrote them to
the terminal as they were. The installed program is run in a real pseudo-terminal, and
every byte it writes is checked.
"""

from __future__ import annotations

import json

TITLE = "VPN esc \x1b]0;PWNED\x07 \x1b[31mRED"
DESCRIPTION = "copied \x1b]52;c;cHduZWQ=\x07 text\nsecond \x9b31m line \u202eevil"
PAYLOADS = (b"\x1b]0;PWNED", b"PWNED\x07", b"\x1b]52;", b"\x1b[31mRED", b"\xc2\x9b31m",
            "\u202e".encode())


def test_an_edit_form_of_a_record_with_escape_sequences_writes_none_to_the_terminal(desk):
    ref = desk.cli("new", "incident", "--title", TITLE, "--description", DESCRIPTION,
                   "--impact", "high", "--urgency", "high").strip()
    term = desk.tui()
    term.wait_for(ref)
    term.burst("\r")
    term.wait_for("Next status")
    term.burst("e")
    shown = term.wait_for(f"Edit {ref}")
    term.burst("\t" * 12)  # through every field, the description's text area included
    shown = term.settle(1.0)
    assert "VPN esc ␛]0;PWNED␇" in shown  # the controls are shown, not acted on
    for payload in PAYLOADS:
        assert payload not in term.raw, payload
    term.burst("\x1b")
    term.wait_for("Next status")
    term.burst("\x1b", "q")
    assert term.wait_exit() == 0
    record = json.loads(desk.cli("show", ref, "--format", "json"))
    assert record["version"] == 1 and record["title"] == TITLE  # Esc wrote nothing
