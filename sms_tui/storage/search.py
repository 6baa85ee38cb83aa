"""Full-text search over the titles and descriptions of records (SQLite FTS5).

Each record table has an external-content FTS5 index named ``<table>_fts``
(migration 0003), kept in step with the table by triggers: the index holds
only the tokens, the text stays in the record table. A search is then a
lookup of a few token lists instead of a ``LIKE '%…%'`` scan of a million
rows.

:func:`text_condition` turns what the analyst typed into a WHERE condition:

* every word must appear, as a word or the start of one (``vpn`` finds
  "VPN drops", ``print`` finds "Printer"), in the title or the description,
  any case, accents ignored;
* a reference or a number (``INC-000042``, ``inc42``, ``42``) also finds the
  record with that number;
* text with no word in it (``%``, ``[/]``) falls back to a substring match,
  so no input can make the query fail: user text only ever reaches SQL as a
  bound parameter, and words are quoted inside the FTS5 expression.

Matching inside a word ("mail" in "Email") is not supported; that needs a
trigram index several times larger.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import Boolean, ColumnElement, bindparam, column, or_, text, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement as _Element

from ..domain.kinds import KINDS, Kind
from .models import RECORD_TABLES

# record table -> its FTS5 index (migrations 0003 and 0006 create them; keep both in step)
FTS_TABLES = {
    "incident": "incident_fts",
    "service_request": "service_request_fts",
    "problem": "problem_fts",
    "known_error": "known_error_fts",
    "change": "change_fts",
    "complaint": "complaint_fts",  # migration 0006
}
_PREFIXES = {model.__tablename__: KINDS[Kind(kind)].prefix for kind, model in RECORD_TABLES.items()}
# FTS5 keeps each index in shadow tables named <index>_data, _idx, _docsize, _config.
_INDEXES = "|".join(FTS_TABLES.values())
_SHADOW = re.compile(rf"^({_INDEXES})(_(data|idx|docsize|config|content))?$")

# Words as FTS5's unicode61 tokenizer sees them: letters and digits (no underscore).
_WORD = re.compile(r"[^\W_]+")
_REF = re.compile(r"^\s*(?:([A-Za-z]{2,3})\s*-?\s*)?0*([0-9]{1,9})\s*$", re.ASCII)
MAX_WORDS = 16  # more words than this: a substring match (FTS5 would accept it, but why)


def is_search_table(name: str | None) -> bool:
    """True for the FTS5 indexes and their shadow tables (not part of the models)."""
    return bool(name) and _SHADOW.match(name) is not None


def is_search_index(name: str | None) -> bool:
    """True for PostgreSQL's search indexes (``ix_<table>_search``, migration 0003): no model has them."""
    return bool(name) and name in {f"ix_{table}_search" for table in FTS_TABLES}


# A typed word of this many letters is also looked for split in two ("wifi" finds "Wi-Fi",
# "email" finds "E-mail"): one phrase per split, a few milliseconds at a million records.
SPLIT_WORDS = range(4, 13)

# One typed word (or hyphenated chunk): its alternatives, any of which may match; each is a
# phrase: its tokens, one after the other, and whether the last is a prefix.
Phrase = tuple[tuple[str, ...], bool]
Alternatives = list[Phrase]


def search_terms(typed: str) -> list[Alternatives] | None:
    """What the analyst typed, as the search reads it: every chunk (words between spaces)
    must match; None if there are no words, or too many.

    - a word matches as the start of a word (``print`` finds "Printer"), or split in two
      adjacent words (``wifi`` finds "Wi-Fi": a full-text index splits on the hyphen);
    - a chunk of several words (``wi-fi``, ``e-mail``, ``10.0.0.1``) matches them side by
      side, the last as the start of a word, or joined into one (``wi-fi`` finds "WiFi").
    """
    chunks = [_WORD.findall(chunk) for chunk in (typed or "").split()]
    chunks = [words for words in chunks if words]
    if not chunks or sum(map(len, chunks)) > MAX_WORDS:
        return None
    terms: list[Alternatives] = []
    for words in chunks:
        if len(words) == 1:
            word = words[0]
            alternatives: Alternatives = [((word,), True)]
            if len(word) in SPLIT_WORDS:
                alternatives += [((word[:i], word[i:]), False) for i in range(1, len(word))]
        else:  # side by side, as written (not each anywhere), or joined
            alternatives = [(tuple(words), True), (("".join(words),), True)]
        terms.append(alternatives)
    return terms


def match_expression(typed: str) -> str | None:
    """The FTS5 MATCH expression for ``typed`` (see :func:`search_terms`); None if no words.

    Each phrase is double-quoted, so FTS5 operators and syntax in user text (``AND``,
    ``NEAR``, ``"``, ``*``, ``:``) are read as plain words.
    """
    terms = search_terms(typed)
    if terms is None:
        return None

    def phrase(tokens: tuple[str, ...], prefix: bool) -> str:
        return '"' + " ".join(tokens) + '"' + ("*" if prefix else "")

    return _written(terms, phrase, any_of=" OR ", all_of=" AND ")


def _written(terms: list[Alternatives], phrase: Callable[[tuple[str, ...], bool], str], *,
             any_of: str, all_of: str) -> str:
    """``terms`` in a query language: every chunk, each any of its phrases."""
    def either(alternatives: Alternatives) -> str:
        parts = [phrase(*p) for p in alternatives]
        return parts[0] if len(parts) == 1 else "(" + any_of.join(parts) + ")"

    return all_of.join(either(alternatives) for alternatives in terms)


def number_in(typed: str, prefix: str) -> int | None:
    """The record number in ``typed`` if it reads as a number or a reference with ``prefix``
    (``42``, ``INC-000042``, ``inc42`` for prefix INC)."""
    match = _REF.match(typed or "")
    if match is None or (match.group(1) and match.group(1).upper() != prefix):
        return None
    number = int(match.group(2))
    return number or None


def _like(column, typed: str) -> ColumnElement[bool]:
    return _Substring(column, typed)


class _Substring(_Element):
    """"This text column contains what was typed", case-insensitively: ILIKE with the
    pattern's wildcards escaped, compiled per dialect (see the PostgreSQL one below)."""

    inherit_cache = False
    type = Boolean()

    def __init__(self, column, typed: str) -> None:
        self.column, self.typed = column, typed

    def ilike(self) -> ColumnElement[bool]:
        escaped = self.typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return self.column.ilike(f"%{escaped}%", escape="\\")


@compiles(_Substring)
def _substring(element: _Substring, compiler, **kw) -> str:
    return compiler.process(element.ilike(), **kw)


@compiles(_Substring, "postgresql")
def _substring_postgresql(element: _Substring, compiler, **kw) -> str:
    # PostgreSQL text holds no NUL character (the server refuses it as a parameter):
    # a search for one matches nothing, as it would on text that cannot contain it
    if "\x00" in element.typed:
        return "false"
    return compiler.process(element.ilike(), **kw)


def prefix_of(table: str) -> str:
    """The reference prefix of a record table (incident -> INC)."""
    return _PREFIXES[table]


# PostgreSQL (team mode): migration 0003 indexes this expression of each record table
# with GIN, through a configuration like unicode61 (lower case, accents removed).
PG_CONFIG = "sms_search"
PG_DOCUMENT = (f"to_tsvector('{PG_CONFIG}'::regconfig, "
               "coalesce(title, '') || ' ' || coalesce(description, ''))")


def pg_query(typed: str) -> str | None:
    """The ``to_tsquery`` text for ``typed``, as :func:`match_expression` reads it
    (``'vpn':* & ('wifi':* | 'wi' <-> 'fi' | …)``).

    Words are letters and digits only (see ``_WORD``), quoted: no operator of
    the tsquery syntax can come from user text.
    """
    terms = search_terms(typed)
    if terms is None:
        return None

    def phrase(tokens: tuple[str, ...], prefix: bool) -> str:
        return " <-> ".join(f"'{token}'" for token in tokens) + (":*" if prefix else "")

    return _written(terms, phrase, any_of=" | ", all_of=" & ")


def _dialect(session) -> str:
    return session.get_bind().dialect.name


def match_count(session, table: str, typed: str) -> int:
    """How many records of ``table`` the words of ``typed`` match (0 without words)."""
    expression = match_expression(typed)
    if expression is None:
        return 0
    if _dialect(session) == "postgresql":
        return session.execute(
            text(f'SELECT count(*) FROM "{table}" WHERE {PG_DOCUMENT} @@ '
                 f"to_tsquery('{PG_CONFIG}'::regconfig, :q)"), {"q": pg_query(typed)}).scalar_one()
    fts = FTS_TABLES[table]
    return session.execute(text(f"SELECT count(*) FROM {fts} WHERE {fts} MATCH :q"),
                           {"q": expression}).scalar_one()


class _WordsMatch(_Element):
    """"The record's texts hold these words": FTS5 on SQLite, tsvector/GIN on PostgreSQL.

    Compiled per dialect, so the services build one query for both.
    """

    inherit_cache = False
    type = Boolean()

    def __init__(self, model, table: str, typed: str, dense: bool) -> None:
        self.model, self.table, self.typed, self.dense = model, table, typed, dense


@compiles(_WordsMatch)
def _match_sqlite(element: _WordsMatch, compiler, **kw) -> str:
    fts = FTS_TABLES[element.table]
    subquery = (text(f"SELECT rowid FROM {fts} WHERE {fts} MATCH :fts_query")
                .bindparams(bindparam("fts_query", match_expression(element.typed)))
                .columns(column("rowid")))
    # "id + 0" is not the rowid, so the rowid lookup is not the planner's choice
    model = element.model
    found = (model.id + 0).in_(subquery) if element.dense else model.id.in_(subquery)
    return compiler.process(found, **kw)


@compiles(_WordsMatch, "postgresql")
def _match_postgresql(element: _WordsMatch, compiler, **kw) -> str:
    name = compiler.preparer.format_table(element.model.__table__)
    document = PG_DOCUMENT.replace("coalesce(title", f"coalesce({name}.title").replace(
        "coalesce(description", f"coalesce({name}.description")
    query = text(f"{document} @@ to_tsquery('{PG_CONFIG}'::regconfig, :pg_query)").bindparams(
        bindparam("pg_query", pg_query(element.typed)))
    return compiler.process(query, **kw)


def text_condition(model, table: str, typed: str, *, dense: bool = False) -> ColumnElement[bool]:
    """A WHERE condition on ``model`` (a record table) for the text an analyst typed.

    ``dense``: the words match many records (see :func:`match_count`). The
    condition is then written so that SQLite does not look each match up by
    id and sort them all, but reads the queue in its order (through the queue
    index) and keeps the matches: a page of a common word in a million
    records then costs a few milliseconds instead of a fifth of a second.
    """
    typed = (typed or "").strip()
    if not typed:
        return true()
    expression = match_expression(typed)
    if expression is None:  # no words: a (slow, rare) substring match on the texts
        found = or_(_like(model.title, typed), _like(model.description, typed),
                    _like(model.ref, typed))
    else:
        found = _WordsMatch(model, table, typed, dense)
    number = number_in(typed, _PREFIXES[table])
    if number is not None:
        found = or_(found, model.id == number)
    return found
