"""The ``[keys]`` section of the config, checked without Textual: every id a binding of the
desk, every key one a terminal can send, and no key taken from another binding.

``[keys]`` remaps a binding by its id (Textual's keymap, ``DeskApp.set_keymap``). The
ids were checked only when the TUI started (they are read from its screens, which
import Textual): a command accepted ``[keys] quit = "q"``, though the README says the
whole config is checked at start. A key no terminal sends (``"[bold]"``,
``"ctrl+alt+shift+meta+x"``, a NUL) made its command unreachable, gone from the footer;
a key another binding had (``"app.quit" = "n"``) took it over, or was taken.

:data:`DEFAULTS` is the desk's bindings as its screens declare them, each with its default
keys and the classes that declare it. A test reads the screens and checks the table
against them; when a binding is added or changed, it fails with the table to paste here.
"""

from __future__ import annotations

import difflib
from typing import Any

from .domain.errors import ConfigError

DEFAULTS: dict[str, tuple[str, tuple[str, ...]]] = {
    'app.configuration': ('G', ('DeskApp',)),
    'app.help': ('question_mark,f1', ('DeskApp',)),
    'app.quit': ('q', ('DeskApp',)),
    'app.suspend': ('ctrl+z', ('DeskApp',)),
    'apply_updates.all': ('a', ('ApplyUpdatesDialog',)),
    'apply_updates.marked': ('enter', ('ApplyUpdatesDialog',)),
    'apply_updates.skip': ('s,escape', ('ApplyUpdatesDialog',)),
    'apply_updates.toggle': ('space', ('ApplyUpdatesDialog',)),
    'calendar.back': ('left_square_bracket', ('ChangeCalendarScreen',)),
    'calendar.on': ('right_square_bracket', ('ChangeCalendarScreen',)),
    'calendar.reload': ('r', ('ChangeCalendarScreen',)),
    'calendar.today': ('t', ('ChangeCalendarScreen',)),
    'candidates.accept': ('a', ('ProblemCandidatesScreen',)),
    'candidates.back': ('escape', ('ProblemCandidatesScreen',)),
    'candidates.dismiss': ('d', ('ProblemCandidatesScreen',)),
    'candidates.reload': ('r', ('ProblemCandidatesScreen',)),
    'catalogue.back': ('escape', ('RequestTypesScreen',)),
    'catalogue.edit': ('e', ('RequestTypesScreen',)),
    'catalogue.new': ('n', ('RequestTypesScreen',)),
    'catalogue.new_request': ('enter', ('RequestTypesScreen',)),
    'catalogue.retire': ('x', ('RequestTypesScreen',)),
    'change.add_remedial': ('f', ('ChangeScreen',)),
    'change.apply_updates': ('U', ('ChangeScreen',)),
    'change.approve': ('A', ('ChangeScreen',)),
    'change.outcome': ('o', ('ChangeScreen',)),
    'change.reject': ('R', ('ChangeScreen',)),
    'change.remedial_done': ('F', ('ChangeScreen',)),
    'change.schedule': ('w', ('ChangeScreen',)),
    'change.targets': ('T', ('ChangeScreen',)),
    'complaint.outcome': ('o', ('ComplaintScreen',)),
    'configuration.back': ('escape', ('ConfigurationScreen',)),
    'configuration.details': ('enter', ('ConfigurationScreen',)),
    'configuration.edit': ('e', ('ConfigurationScreen',)),
    'contacts.edit': ('e', ('ContactsScreen',)),
    'contacts.escape': ('escape', ('ContactsScreen',)),
    'contacts.manager': ('M', ('ContactsScreen',)),
    'contacts.new': ('n', ('ContactsScreen',)),
    'contacts.organisation': ('o', ('ContactsScreen',)),
    'contacts.records': ('enter', ('ContactsScreen',)),
    'contacts.search': ('slash', ('ContactsScreen',)),
    'detail.assign': ('a', ('RecordScreen',)),
    'detail.back': ('escape', ('RecordScreen',)),
    'detail.edit': ('e', ('RecordScreen',)),
    'detail.escalate': ('x', ('RecordScreen',)),
    'detail.link': ('l', ('RecordScreen',)),
    'detail.links': ('g', ('RecordScreen',)),
    'detail.major': ('m', ('RecordScreen',)),
    'detail.new': ('n', ('RecordScreen',)),
    'detail.note': ('c', ('RecordScreen',)),
    'detail.reload': ('r', ('RecordScreen',)),
    'detail.security': ('i', ('RecordScreen',)),
    'detail.survey': ('V', ('RecordScreen',)),
    'detail.take': ('M', ('RecordScreen',)),
    'detail.transition': ('t', ('RecordScreen',)),
    'dialog.cancel': ('escape', ('ActionDialog',)),
    'dialog.reload': ('ctrl+r', ('ActionDialog',)),
    'dialog.restore_draft': ('f2', ('ActionDialog',)),
    'dialog.submit': ('ctrl+s', ('ActionDialog',)),
    'dismiss.cancel': ('escape', ('DismissCandidateDialog',)),
    'finding.action_done': ('space', ('FindingScreen',)),
    'finding.add_action': ('a', ('FindingScreen',)),
    'finding.back': ('escape', ('FindingScreen',)),
    'finding.move': ('t', ('FindingScreen',)),
    'finding.reload': ('r', ('FindingScreen',)),
    'findings.back': ('escape', ('FindingsScreen',)),
    'findings.filter': ('f', ('FindingsScreen',)),
    'findings.open': ('enter', ('FindingsScreen',)),
    'findings.reload': ('r', ('FindingsScreen',)),
    'form.cancel': ('escape', ('RecordForm',)),
    'form.known_errors': ('f3', ('RecordForm',)),
    'form.reload': ('ctrl+r', ('RecordForm',)),
    'form.restore_draft': ('f2', ('RecordForm',)),
    'form.save': ('ctrl+s', ('RecordForm',)),
    'help.close': ('escape,q,question_mark,f1', ('HelpScreen',)),
    'home.open': ('enter', ('DashboardScreen',)),
    'home.reload': ('r', ('DashboardScreen',)),
    'incident.known_errors': ('K', ('IncidentScreen',)),
    'kesearch.apply': ('w', ('KnownErrorSearchScreen',)),
    'kesearch.back': ('escape', ('KnownErrorSearchScreen',)),
    'kesearch.query': ('slash', ('KnownErrorSearchScreen',)),
    'known_errors.search': ('K', ('KnownErrorQueueScreen',)),
    'major-update.submit': ('ctrl+s', ('UpdateDialog',)),
    'major.close': ('escape', ('MajorScreen',)),
    'major.declare': ('d', ('MajorScreen',)),
    'major.manager': ('a', ('MajorScreen',)),
    'major.reload': ('ctrl+r', ('MajorScreen',)),
    'major.tick': ('enter,space', ('MajorScreen',)),
    'major.update': ('u', ('MajorScreen',)),
    'note.submit': ('ctrl+s', ('NoteDialog',)),
    'outbox.open': ('o', ('OutboxScreen',)),
    'outbox.retry': ('r', ('OutboxScreen',)),
    'outbox.show': ('enter', ('OutboxScreen',)),
    'outbox.unsent': ('u', ('OutboxScreen',)),
    'picker.cancel': ('escape', ('StatusPicker',)),
    'practice.submit': ('enter', ('EscalateDialog', 'OutcomeDialog', 'ResolveProblemDialog', 'ScoreDialog', 'TargetsDialog')),
    'problem.known_error': ('K', ('ProblemScreen',)),
    'problem.resolve': ('v', ('ProblemScreen',)),
    'problems.candidates': ('P', ('ProblemQueueScreen',)),
    'queue.assign': ('a', ('QueueScreen',)),
    'queue.clear': ('f', ('QueueScreen',)),
    'queue.edit': ('e', ('QueueScreen',)),
    'queue.escalate': ('x', ('QueueScreen',)),
    'queue.escape': ('escape', ('QueueScreen',)),
    'queue.link': ('l', ('QueueScreen',)),
    'queue.mine': ('m', ('QueueScreen',)),
    'queue.new': ('n', ('QueueScreen',)),
    'queue.note': ('c', ('QueueScreen',)),
    'queue.open': ('enter', ('QueueScreen',)),
    'queue.open_only': ('o', ('QueueScreen',)),
    'queue.priority': ('p', ('QueueScreen',)),
    'queue.reload': ('r', ('QueueScreen',)),
    'queue.search': ('slash', ('QueueScreen',)),
    'queue.security': ('i', ('QueueScreen',)),
    'queue.sort': ('S', ('QueueScreen',)),
    'queue.status': ('s', ('QueueScreen',)),
    'queue.take': ('M', ('QueueScreen',)),
    'queue.transition': ('t', ('QueueScreen',)),
    'queue.unassigned': ('u', ('QueueScreen',)),
    'reports.current': ('t', ('ReportsScreen',)),
    'reports.custom': ('c', ('ReportsScreen',)),
    'reports.custom.cancel': ('escape', ('CustomPeriodDialog',)),
    'reports.earlier': ('left_square_bracket', ('ReportsScreen',)),
    'reports.kind': ('p', ('ReportsScreen',)),
    'reports.later': ('right_square_bracket', ('ReportsScreen',)),
    'request.approve': ('A', ('RequestScreen',)),
    'request.reject': ('R', ('RequestScreen',)),
    'request.satisfaction': ('F', ('RequestScreen',)),
    'request.tick': ('k,space', ('RequestScreen',)),
    'requests.catalogue': ('T', ('RequestQueueScreen',)),
    'review.assign': ('a', ('ReviewScreen',)),
    'review.back': ('escape', ('ReviewScreen',)),
    'review.complete': ('c', ('ReviewScreen',)),
    'review.evidence': ('e', ('ReviewScreen',)),
    'review.improvement': ('i', ('ReviewScreen',)),
    'review.nonconformity': ('n', ('ReviewScreen',)),
    'review.note': ('m', ('ReviewScreen',)),
    'review.reload': ('r', ('ReviewScreen',)),
    'review.reopen': ('o', ('ReviewScreen',)),
    'review.skip': ('k', ('ReviewScreen',)),
    'review.start': ('s', ('ReviewScreen',)),
    'review.tick': ('space', ('ReviewScreen',)),
    'review.view_evidence': ('v', ('ReviewScreen',)),
    'review_dialog.cancel': ('escape', ('ReviewDialog',)),
    'review_dialog.restore_draft': ('f2', ('ReviewDialog',)),
    'review_dialog.submit': ('ctrl+s', ('ReviewDialog',)),
    'reviews.filter': ('f', ('ReviewQueueScreen',)),
    'reviews.findings': ('g', ('ReviewQueueScreen',)),
    'reviews.open': ('enter', ('ReviewQueueScreen',)),
    'reviews.raise': ('u', ('ReviewQueueScreen',)),
    'reviews.reload': ('r', ('ReviewQueueScreen',)),
    'reviews.schedules': ('s', ('ReviewQueueScreen',)),
    'rtype.cancel': ('escape', ('RequestTypeDialog',)),
    'rtype.restore_draft': ('f2', ('RequestTypeDialog',)),
    'rtype.save': ('ctrl+s', ('RequestTypeDialog',)),
    'schedules.back': ('escape', ('ScheduleScreen',)),
    'schedules.edit': ('enter', ('ScheduleScreen',)),
    'schedules.pause': ('p', ('ScheduleScreen',)),
    'schedules.reload': ('r', ('ScheduleScreen',)),
    'section.calendar': ('9', ('DeskApp',)),
    'section.changes': ('5', ('DeskApp',)),
    'section.complaints': ('C', ('DeskApp',)),
    'section.contacts': ('at', ('DeskApp',)),
    'section.home': ('0', ('DeskApp',)),
    'section.incidents': ('1', ('DeskApp',)),
    'section.known_errors': ('4', ('DeskApp',)),
    'section.outbox': ('8', ('DeskApp',)),
    'section.problems': ('3', ('DeskApp',)),
    'section.reports': ('7', ('DeskApp',)),
    'section.requests': ('2', ('DeskApp',)),
    'section.reviews': ('6', ('DeskApp',)),
    'security.close': ('escape', ('SecurityScreen',)),
    'security.tick': ('enter,space', ('SecurityScreen',)),
}

# The names Textual gives the printable characters that are not letters or digits
# (``_character_to_key``): "?" is "question_mark" in a binding.
CHARACTER_NAMES: dict[str, str] = {
    '!': 'exclamation_mark', '"': 'quotation_mark', '#': 'number_sign', '$': 'dollar_sign',
    '%': 'percent_sign', '&': 'ampersand', "'": 'apostrophe', '(': 'left_parenthesis',
    ')': 'right_parenthesis', '*': 'asterisk', '+': 'plus', ',': 'comma', '-': 'minus',
    '.': 'full_stop', '/': 'slash', ':': 'colon', ';': 'semicolon', '<': 'less_than_sign',
    '=': 'equals_sign', '>': 'greater_than_sign', '?': 'question_mark', '@': 'at',
    '[': 'left_square_bracket', '\\': 'backslash', ']': 'right_square_bracket',
    '^': 'circumflex_accent', '_': 'underscore', '`': 'grave_accent',
    '{': 'left_curly_bracket', '|': 'vertical_line', '}': 'right_curly_bracket', '~': 'tilde',
    ' ': 'space',
}
NAMED_KEYS = frozenset({
    "escape", "enter", "return", "tab", "backspace", "delete", "insert", "home", "end",
    "pageup", "pagedown", "up", "down", "left", "right",
    *(f"f{n}" for n in range(1, 25)), *CHARACTER_NAMES.values(),
})
MODIFIERS = ("ctrl", "shift", "alt")
APP = "DeskApp"  # its bindings work on every screen


def key_problem(key: str) -> str:
    """Why ``key`` (one key of a binding, as ``ctrl+s``) is not one a terminal sends, or ""."""
    parts = key.split("+")
    mods, base = parts[:-1], parts[-1]
    if key.endswith("++"):  # ctrl++: the plus key
        mods, base = key[:-2].split("+"), "+"
    if any(m not in MODIFIERS for m in mods) or len(set(mods)) != len(mods) or len(mods) > 2:
        return f"modifiers are {', '.join(MODIFIERS)}, at most two of them"
    if len(base) == 1:
        return "" if base.isprintable() and not base.isspace() else "not a printable character"
    if base.lower() in NAMED_KEYS:
        return ""
    return "not a key name (a character, or a name such as escape, enter, f5, pageup, slash)"


def normal(key: str) -> str:
    """``key`` as Textual matches it ("?" → "question_mark", "ctrl+?" as written)."""
    return CHARACTER_NAMES.get(key, key) if len(key) == 1 else key


def check_keys_section(section: dict[str, Any], source: str) -> dict[str, str]:
    """The ``[keys]`` table if it can be used as it is, else ConfigError naming the id."""
    if not section:
        return {}
    for name, keys in section.items():
        if name not in DEFAULTS:
            near = difflib.get_close_matches(name, sorted(DEFAULTS), n=1, cutoff=0.5)
            hint = f"; did you mean '{near[0]}'?" if near else ""
            raise ConfigError(f"{source}: keys.{name}: no key binding has this id{hint} "
                              "(the help screen, '?', lists them)")
        if not isinstance(keys, str) or not keys.strip():
            raise ConfigError(f"{source}: keys.{name}: must be a key name in quotes, e.g. \"ctrl+q\"")
        for key in (k.strip() for k in keys.split(",")):
            problem = key_problem(key)
            if problem:
                shown = key.encode("unicode_escape").decode("ascii")[:30]
                raise ConfigError(f"{source}: keys.{name}: '{shown}' is not a key a terminal "
                                  f"sends: {problem}")
    _refuse_taken_keys(section, source)
    return dict(section)


def _refuse_taken_keys(section: dict[str, Any], source: str) -> None:
    """A remapped key that another binding working at the same time has (one of the app's,
    which work everywhere, or one of the same screen), where the defaults had no such pair."""
    def keys_of(binding: str, table: dict[str, Any]) -> set[str]:
        return {normal(k.strip()) for k in str(table.get(binding, DEFAULTS[binding][0])).split(",")}

    for name in section:
        owners = set(DEFAULTS[name][1])
        for other, (_default, other_owners) in DEFAULTS.items():
            if other == name or not (APP in owners or APP in other_owners
                                     or owners & set(other_owners)):
                continue
            shared = keys_of(name, section) & keys_of(other, section)
            before = keys_of(name, {}) & keys_of(other, {})
            for key in sorted(shared - before):
                raise ConfigError(f"{source}: keys.{name}: '{key}' is the key of {other} "
                                  "too, which works on the same screens: give another key")


def validate_section(raw: dict[str, Any], source: str) -> None:
    """The config's check of ``[keys]`` (:func:`sms_tui.config.section_validators`)."""
    keys = raw.get("keys")
    if isinstance(keys, dict):
        check_keys_section(keys, source)
