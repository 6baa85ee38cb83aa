"""Keys typed in one burst land where they would have landed typed slowly (issue 13).

Each test writes its keys to the pseudo-terminal in ONE write, as SSH, tmux
``send-keys`` and pastes deliver them, to the installed ``sms-tui``; what was
recorded is then read back through the command line.
"""

from __future__ import annotations

import json
import re

from .terminal import cli


def _journal(desk, ref: str) -> list[dict]:
    return json.loads(desk.cli("show", ref, "--format", "json"))["journal"]


def _toasts(screen: str) -> str:
    """The text of the notifications on ``screen``, in one line: what follows each line's
    ▌ (a notification's edge), without the scrollbar's blocks beside it."""
    lines = [line.rsplit("▌", 1)[1] for line in screen.splitlines() if "▌" in line]
    return " ".join(" ".join(re.sub("[\u2580-\u259f]", " ", line).split()) for line in lines)


def _incident(desk, title: str = "VPN drops every hour") -> str:
    return desk.cli("new", "incident", "--title", title, "--impact", "medium",
                    "--urgency", "medium").strip()


def test_an_escalation_typed_in_one_burst_on_the_incident_is_recorded_whole(desk):
    ref = _incident(desk)
    term = desk.tui()
    term.wait_for(ref)
    term.burst("enter")
    term.wait_for("Next status")
    # the exact burst of the issue: the dialog opens on x, every key after it is its
    term.burst("x", "tab", "Carol Ops", "tab", "Network", "tab", "needs the network team", "enter")
    term.wait_for("saved (version")
    entry = next(e for e in _journal(desk, ref) if e["action"].startswith("escalate"))
    assert entry["note"] == "needs the network team"
    record = json.loads(desk.cli("show", ref, "--format", "json"))
    assert record["assignee"] == "Carol Ops"
    assert record["assignment_group"] == "Network"


def test_a_dialog_opened_from_the_queue_gets_the_keys_typed_while_the_record_is_read(desk):
    ref = _incident(desk)
    term = desk.tui()
    term.wait_for(ref)
    # from the queue the record is read first (a worker), then the dialog opens
    term.burst("c", "Called the user back", "ctrl+s")
    term.wait_for("saved (version")
    notes = [e.get("note") for e in _journal(desk, ref) if e["action"] == "note"]
    assert notes == ["Called the user back"]


def test_an_approval_typed_in_one_burst_keeps_rationale_and_approver_apart(desk):
    ref = desk.cli("changes", "new", "--title", "Patch the mail relay",
                   "--implementation-plan", "Upgrade the package, restart the relay",
                   "--backout-plan", "Reinstall the previous package").strip()
    desk.cli("changes", "assess", ref, "--likelihood", "unlikely", "--impact", "minor")
    term = desk.tui()
    term.wait_for("Incidents")
    term.burst("5")
    term.wait_for(ref)
    term.burst("enter")
    term.wait_for("Approve")
    term.burst("A", "Budget ok", "tab", "Priya", "enter")
    term.wait_for("saved (version")
    shown = desk.cli("show", ref, "--format", "json")
    assert "Budget ok" in shown and "Priya" in shown
    assert "Budget okPriya" not in shown


def test_a_new_incident_typed_in_one_burst_from_the_queue_is_saved_with_its_title(desk):
    _incident(desk, "Something else")
    term = desk.tui()
    term.wait_for("INC-000001")
    term.burst("n", "Printer on fire", "ctrl+s")
    term.wait_for("INC-000002")
    listed = desk.cli("list", "incidents", "--format", "json")
    assert "Printer on fire" in listed
    # no letter of the title ran as a command on the queue underneath
    assert "Unsaved changes" not in term.text()


def test_a_record_typed_and_saved_while_a_new_desk_is_still_being_created_is_kept(desk):
    """The very first keys on a new desk arrive while the database is created and migrated:
    the save waits for it (it ended the app with 'the database is not open yet')."""
    term = desk.tui()
    term.wait_for("Incidents")
    term.burst("n", "First ticket of the day", "tab", "h", "tab", "h", "ctrl+s")
    term.wait_for("INC-000001", timeout=30)
    assert term.child.isalive()
    shown = desk.cli("show", "INC-000001", "--format", "json")
    assert '"title": "First ticket of the day"' in shown and '"priority": "P1"' in shown


def test_every_dialog_of_a_record_takes_its_keys_in_one_burst(desk):
    ref = _incident(desk, "Switch down")
    term = desk.tui()
    term.wait_for(ref)
    term.burst("enter")
    term.wait_for("Next status")
    bursts = [
        ("a", "Priya", "tab", "Service desk", "tab", "took it over", "enter"),
        ("c", "Rebooted the switch", "ctrl+s"),
        ("t", "tab", "working on it", "enter"),
        ("e", " on floor 3", "ctrl+s"),
        ("x", "tab", "Net Team", "tab", "Network", "tab", "needs the network team", "enter"),
    ]
    for version, keys in enumerate(bursts, start=2):
        term.burst(*keys)
        term.wait_for(f"saved (version {version})")
    record = json.loads(desk.cli("show", ref, "--format", "json"))
    assert record["title"] == "Switch down on floor 3"
    assert record["status"] == "in_progress"
    assert (record["assignee"], record["assignment_group"]) == ("Net Team", "Network")
    notes = {e["action"]: e.get("note") for e in record["journal"]}
    assert notes["note"] == "Rebooted the switch"
    assert "working on it" in notes.values() and "took it over" in notes.values()


def test_two_dialogs_typed_in_one_burst_are_both_recorded_in_order(desk):
    ref = _incident(desk)
    term = desk.tui()
    term.wait_for(ref)
    term.burst("c", "first call", "ctrl+s", "c", "second call", "ctrl+s")
    term.wait_for("saved (version 3)")
    notes = [e.get("note") for e in reversed(_journal(desk, ref)) if e["action"] == "note"]
    assert notes == ["first call", "second call"]


def test_steps_ticked_in_the_burst_that_saves_a_request_from_the_catalogue_are_ticked(desk):
    """Title, ctrl+s and three spaces in one write: the request's screen opened before its
    record was read, with the focus on its body, and the spaces scrolled it instead of
    ticking the fulfilment steps (found in a new-user trial)."""
    term = desk.tui()
    term.wait_for("Incidents")
    term.burst("2")
    term.wait_for("Requests")
    term.burst("T")
    term.wait_for("Password reset")
    term.burst("down", "down", "down", "down", "enter")
    term.wait_for("fulfil within 4h")
    term.burst("Cannot log in after the holiday", "ctrl+s", " ", " ", " ")
    term.wait_for_re(r"Version +5")
    request = json.loads(desk.cli("show", "REQ-000001", "--format", "json"))
    assert [e["action"] for e in request["journal"]].count("step") == 3


def test_enter_typed_after_a_search_opens_the_row_the_search_found(desk):
    """`/ hotel Enter Enter c note ctrl+s` in one burst: the second Enter opens the one match
    (typed slowly, it would), never the top row of the queue before the search."""
    _incident(desk, "Printer jams on tray 2")
    vpn = desk.cli("new", "incident", "--title", "Cannot connect to VPN from hotel Wi-Fi",
                   "--impact", "low", "--urgency", "low").strip()  # P5: last in the queue
    top = _incident(desk, "Mail bounces for sales")
    term = desk.tui()
    term.wait_for(vpn)
    term.burst("/", "hotel", "enter", "enter", "c", "note meant for the VPN incident", "ctrl+s")
    term.wait_for("saved (version")
    notes = {ref: [e.get("note") for e in _journal(desk, ref) if e["action"] == "note"]
             for ref in (vpn, top)}
    assert notes == {vpn: ["note meant for the VPN incident"], top: []}


def test_down_and_enter_typed_after_words_in_the_link_dialog_link_what_they_found(desk):
    problem = desk.cli("new", "problem", "--title", "Mail relay keeps crashing").strip()
    _incident(desk, "Printer jams on tray 2")
    mail = _incident(desk, "Email down for all staff")
    for title in ("Badge reader dead", "Scanner offline", "Backup job failed"):
        _incident(desk, title)  # whichever way the list is ordered, the mail one is not alone
    term = desk.tui()
    term.wait_for("Incidents")
    term.burst("3")
    term.wait_for(problem)
    term.burst("enter")
    term.wait_for("Next status")
    term.burst("l", "email down", "down", "enter")
    term.wait_for("saved (version")
    links = json.loads(desk.cli("show", problem, "--format", "json"))["links"]
    assert [link["ref"] for link in links] == [mail], links


def test_a_name_typed_in_the_assign_burst_replaces_the_one_there_each_time(desk):
    """The assign dialog is kept and refilled: on its second opening too, the name typed in
    the burst that opens it replaces the assignee shown, as typed slowly."""
    first = desk.cli("new", "incident", "--title", "VPN drops", "--assignee", "dokafor").strip()
    second = desk.cli("new", "incident", "--title", "Mail bounces", "--assignee", "esilva").strip()
    term = desk.tui()
    term.wait_for(first)
    for ref in (first, second):
        term.burst("/", ref, "enter", "enter")
        term.wait_for("Next status")
        term.burst("a", "root", "tab", "tab", "taking it", "enter")
        term.wait_for("saved (version")
        term.burst("escape")
        term.wait_for("filter:")
    for ref in (first, second):
        assert json.loads(desk.cli("show", ref, "--format", "json"))["assignee"] == "root"


def test_a_manager_appointed_in_the_burst_that_opens_the_major_incident_is_recorded(desk):
    """`Enter m a Night Manager Enter` from the queue: the major incident dialog reads its
    steps first; the keys after m wait for them, so a opens the appoint dialog and the
    name lands in it whole (it became "nager": the first letters ran as commands)."""
    ref = _incident(desk, "Email down for all staff")
    desk.cli("major", "declare", ref, "--reason", "every user is affected")
    term = desk.tui()
    term.wait_for(ref)
    term.burst("enter", "m", "a", "Night Manager", "enter")
    term.wait_for("Night Manager")
    term.settle(1.0)
    assert "Night Manager" in desk.cli("major", "show", ref)
    managers = [e for e in _journal(desk, ref) if "major_manager" in json.dumps(e.get("changes", {}))]
    assert len(managers) == 1 and "Night Manager" in json.dumps(managers[0]["changes"])


def test_enter_typed_with_a_command_name_in_the_palette_waits_for_its_search(desk):
    """ctrl+p, a name and Enter in one burst: Enter ran what the list showed for the first
    letters ("new incident" on the reports switched them to weeks). It waits for the search
    of the whole name: here nothing matches, so nothing runs, as typed slowly."""
    term = desk.tui()
    term.wait_for("filter: open")
    term.burst("7")
    term.wait_for("Period")
    assert "[month]" in term.text()
    term.burst("\x10", "new incident", "enter")  # ctrl+p
    term.wait_for("No matches")
    term.settle(0.5)
    assert "[month]" in term.text() and "[week]" not in term.text()
    # and a name that does match runs that command
    term.burst("escape")
    term.wait_gone("No matches")
    term.burst("\x10", "this period", "enter")
    term.wait_for("so far")


def test_a_requester_completed_with_right_arrow_in_the_same_burst_is_the_contact(desk):
    """'wei' → Tab in one burst: → came before the contacts were read for "wei" and did
    nothing, so the incident's requester was "wei". It waits for them and completes."""
    desk.cli("contacts", "add", "--name", "Wei Chen", "--email", "wei.chen@example.org")
    term = desk.tui()
    term.wait_for("filter: open")
    term.burst("n")
    term.wait_for("New incident")
    # title, then Tab to impact, urgency, security risk, then the requester
    term.burst("Badge reader dead", "tab", "tab", "tab", "tab", "wei", "\x1b[C", "ctrl+s")
    term.wait_for("INC-000001")
    record = json.loads(desk.cli("show", "INC-000001", "--format", "json"))
    assert "wei.chen@example.org" in json.dumps(record), record


def test_a_long_form_typed_in_one_burst_keeps_every_field_below_the_first_screenful(desk):
    """The change form (31 fields) shows its first fields at once and mounts the rest after
    the first paint: keys typed meanwhile wait for them, so Tab goes through every field in
    order and the text lands in the 21st (impact on capacity, after the plans, the risk, the
    benefit, the cost and the feasibility), as typed slowly into a form built whole."""
    term = desk.tui(SMS_TUI_WARM="0")  # opened on demand, not built at idle
    term.wait_for("filter: open")
    term.burst("5")
    term.wait_for("Changes")
    term.burst("n", "Patch the mail relay", *(["tab"] * 20), "1200 more mailboxes", "ctrl+s")
    term.wait_for("CHG-000001")
    record = json.loads(desk.cli("show", "CHG-000001", "--format", "json"))
    assert record["title"] == "Patch the mail relay"
    assert record["impact_capacity"] == "1200 more mailboxes"



def test_a_queue_opened_before_it_was_built_takes_the_keys_typed_with_its_key(desk):
    """2 Enter c … typed in one burst once the services are open, before the requests queue
    is built at idle (never, here): Enter opens the queue's first request, not nothing."""
    _incident(desk)
    req = desk.cli("requests", "new", "password-reset", "--title", "Reset for Dana").strip()
    term = desk.tui(SMS_TUI_WARM="0")
    term.wait_for("INC-0")
    term.settle(2.5)  # the services open meanwhile
    term.burst("2", "enter", "c", "Called Dana back", "ctrl+s")
    term.wait_for("saved (version")
    notes = [e.get("note") for e in _journal(desk, req) if e["action"] == "note"]
    assert notes == ["Called Dana back"]


def test_enter_typed_before_the_desk_has_started_opens_the_first_record(desk):
    """Over SSH the analyst types ``sms-tui⏎`` and then Enter at once: that Enter reaches the
    terminal before the program has put it in raw mode, and its line discipline turns it
    into a newline (ctrl+j), which opened nothing."""
    ref = _incident(desk)
    term = desk.tui()
    term.burst("enter")  # the program is still starting: the terminal is in cooked mode
    term.wait_for("Next status")
    assert ref in term.text()


def _incident_with_a_known_error(desk) -> str:
    """An incident that a known error with a workaround matches; its reference."""
    desk.cli("new", "known-error", "--title", "Outlook disconnects behind the proxy",
             "--workaround", "Use webmail until the proxy is fixed")
    return desk.cli("new", "incident", "--title", "Outlook disconnected all morning").strip()


def test_a_word_starting_with_w_typed_with_k_is_searched_not_applied(desk):
    """K then "wifi" in one write: w (apply the highlighted workaround) ran first and wrote a
    workaround from an unrelated known error onto the incident; the rest was lost."""
    ref = _incident_with_a_known_error(desk)
    before = len(_journal(desk, ref))
    term = desk.tui()
    term.wait_for(ref)
    term.burst("enter")
    term.wait_for("Next status")
    term.burst("K", "wifi")
    term.wait_for("Known errors for")
    shown = term.settle(1.0)
    assert "wifi" in shown  # in the search box
    term.burst("escape", "escape", "escape", "q")
    assert term.wait_exit() == 0
    assert len(_journal(desk, ref)) == before  # nothing was applied


def test_w_typed_alone_with_k_still_applies_the_first_match(desk):
    ref = _incident_with_a_known_error(desk)
    term = desk.tui()
    term.wait_for(ref)
    term.burst("enter")
    term.wait_for("Next status")
    term.burst("K", "w")
    term.wait_for("applied to")
    assert any(e["action"] == "workaround" for e in _journal(desk, ref))


def test_keys_typed_after_a_dialog_that_could_not_open_are_dropped_not_run_on_the_queue(desk):
    """A dialog whose record cannot be read (here: the desk file was replaced under the
    running desk, which is refused): the note typed after ``c`` was waiting for it. Run on
    the queue, its letters were commands -- ``o`` showed all records, ``e`` and ``l``
    tried to open more dialogs. They are dropped, and the refusal says so."""
    ref = _incident(desk)
    term = desk.tui()
    term.wait_for(ref)
    term.settle(1.0)
    other = desk.db.with_name("other.db")
    cli(desk.env, "--db", str(other), "new", "incident", "--title", "Another desk")
    other.replace(desk.db)  # a backup restored with mv, under the running desk
    term.burst("c", "hello")
    screen = term.wait_for("dropped")
    assert "The 5 keys typed after it were dropped." in _toasts(screen)
    term.settle(1.0)
    assert "filter: open" in term.text()


def test_a_title_typed_after_enter_on_a_retired_request_type_does_not_edit_the_catalogue(desk):
    # Enter was refused (retired), and the title typed after it ran as catalogue commands:
    # e opened the type's edit form, "tired" replaced its title and ctrl+s saved it
    desk.cli("requests", "type-set", "share-access", "--retire")
    term = desk.tui()
    term.wait_for("Incidents")
    term.burst("2")
    term.wait_for("Requests  0 records")
    term.burst("T")
    term.wait_for("Request catalogue")
    assert "›Access to a file share" in term.text()  # the retired type is highlighted
    term.burst("enter", "from retired", "ctrl+s")
    said = _toasts(term.wait_for("dropped"))
    assert "is retired: x offers it again. The 13 keys typed after it were dropped." in said
    term.settle(1.0)
    assert "Request catalogue" in term.text()
    assert "Access to a file share" in desk.cli("requests", "type", "share-access")


def test_a_note_typed_on_an_empty_queue_is_refused_not_run_as_commands(desk):
    # c on a queue with no record did nothing and said nothing; the note typed after it ran
    # as commands (its o showed all records)
    _incident(desk)
    term = desk.tui()
    term.wait_for("INC-000001")
    term.burst("/", "zzzq", "enter")
    term.wait_for("0 records")
    term.burst("c", "hello")
    said = _toasts(term.wait_for("dropped"))
    assert "Note needs a record, and no incidents match this filter. The 5 keys typed after it " \
        "were dropped." in said
    term.settle(1.0)
    assert "filter: open" in term.text()


def test_a_page_key_typed_with_ctrl_p_does_not_end_the_desk(desk):
    """ctrl+p and PageUp (or PageDown) in one write ended the desk: 'the desk stopped on an
    unexpected error (KeyError: 0)'. The palette's list is paged once it is laid out."""
    ref = _incident(desk)
    for page in ("pageup", "pagedown"):
        term = desk.tui()
        term.wait_for(ref)
        term.burst("ctrl+p", page)
        term.wait_for("Search for commands")
        term.burst("escape")
        term.wait_gone("Search for commands")
        term.burst("q")
        assert term.wait_exit() == 0


def test_a_reload_and_a_save_typed_in_one_burst_save_over_the_record_as_reloaded(desk):
    """ctrl+r then ctrl+s in one write after a conflict: the save ran before the reload came
    back, was refused again, and the reload then wiped the message -- nothing was saved and
    nothing said. The save waits for the reload, as a key waits for a save."""
    ref = _incident(desk)
    term = desk.tui()
    term.wait_for(ref)
    term.burst("enter")
    term.wait_for("Next status")
    term.burst("e")
    term.wait_for(f"Edit {ref}")
    desk.cli("edit", ref, "--category", "network")  # someone else, meanwhile
    term.burst(" (bank)", "ctrl+s")
    term.wait_for("ctrl+r")
    term.burst("ctrl+r", "ctrl+s")
    term.wait_for("saved (version")
    record = json.loads(desk.cli("show", ref, "--format", "json"))
    assert record["title"].endswith(" (bank)") and record["category"] == "network"


def test_a_log_pasted_with_its_colour_codes_is_noted_in_order_without_them(desk):
    """A paste holding escape sequences (a log's colour codes) was stored reordered -- what
    came before the first code moved to the end -- with each code as ``^``, and a long one
    took a minute, typed as keys. It is now the pasted text, in order, the codes left out,
    and the desk says so."""
    ref = _incident(desk)
    term = desk.tui()
    term.wait_for(ref)
    term.burst("enter")
    term.wait_for("Next status")
    term.burst("c")
    term.wait_for("Add a note")
    log = "".join(f"{n:03d} \x1b[31mERROR\x1b[0m timeout\r" for n in range(1, 201))
    term.burst("\x1b[200~" + log + "\x1b[201~")
    toasts = _toasts(term.wait_for_re(r"held 400 terminal"))
    assert "held 400 terminal control sequences" in toasts and "left out" in toasts
    term.burst("ctrl+s")
    term.wait_for("saved (version")
    note = next(e["note"] for e in _journal(desk, ref) if e["action"] == "note")
    assert note.splitlines() == [f"{n:03d} ERROR timeout" for n in range(1, 201)]


def test_lines_pasted_into_a_title_are_joined_into_it_and_said(desk):
    """Two lines pasted into the new incident's title kept the first and dropped the rest
    without a word (Textual's one-line field takes the first line of a paste)."""
    _incident(desk, "there already")
    term = desk.tui()
    term.wait_for("there already")
    term.burst("n")
    term.wait_for("New incident")
    term.burst("\x1b[200~Printer on floor 2\rjams on tray 3\r\r\x1b[201~")
    toasts = _toasts(term.wait_for_re(r"pasted lines"))
    assert "The 2 pasted lines were joined into one" in toasts
    term.burst("ctrl+s")
    term.wait_for("INC-000002")
    record = json.loads(desk.cli("show", "INC-000002", "--format", "json"))
    assert record["title"] == "Printer on floor 2 jams on tray 3"


def test_a_joiner_a_direction_mark_and_a_no_break_space_typed_are_kept(desk):
    """Typed (not pasted), U+200D, U+200F and U+00A0 were dropped by the text field: Textual
    takes only what Python calls printable. The README says such text is kept exactly."""
    _incident(desk, "there already")
    term = desk.tui()
    term.wait_for("there already")
    term.burst("n")
    term.wait_for("New incident")
    title = "a\u200db rlm\u200f x nbsp\u00a0y"
    term.burst(title)
    term.settle(0.5)
    term.burst("ctrl+s")
    term.wait_for("INC-000002")
    record = json.loads(desk.cli("show", "INC-000002", "--format", "json"))
    assert record["title"] == title


def test_ctrl_s_typed_before_the_desk_is_up_saves_and_the_terminal_is_left_as_it_was(desk):
    """ctrl+s typed the moment after ``sms-tui`` Enter was the terminal's XOFF (flow control)
    until the desk put the terminal in raw mode: output stopped and the key was lost, so the
    form typed ahead was not saved. The desk turns flow control off as it starts and puts the
    terminal's settings back as it ends."""
    import termios
    import time

    _incident(desk, "Something else")
    term = desk.tui()
    fd = term.child.child_fd  # Linux: the master side reads and sets the terminal's settings
    before = termios.tcgetattr(fd)
    assert before[0] & termios.IXON and before[3] & termios.ICANON  # as the shell left it
    deadline = time.monotonic() + 20
    while termios.tcgetattr(fd)[0] & termios.IXON and time.monotonic() < deadline:
        time.sleep(0.001)
    now = termios.tcgetattr(fd)
    assert not now[0] & termios.IXON
    assert now[3] & termios.ICANON  # still the shell's line mode: the desk is not up yet
    term.burst("n", "Typed before the desk was up", "ctrl+s")
    term.wait_for("INC-000002")
    assert "Typed before the desk was up" in desk.cli("list", "incidents", "--format", "json")
    term.burst("q")
    term.pump(0.5)
    deadline = time.monotonic() + 20
    while term.child.isalive() and time.monotonic() < deadline:
        term.pump(0.1)
    assert termios.tcgetattr(fd)[:4] == before[:4]  # flow control and line mode back
    assert term.wait_exit() == 0
