"""Ranking known errors against a query ("does this match a known error?"). Pure.

Words of the query are matched as word prefixes ("print" finds "printer"),
case-insensitively, in the known error's title (weight 3), symptoms (2),
workaround and root cause (1). The score grows with how many of the query's
words matched, gets a bonus when the whole query appears as a phrase, and,
when searching for an incident, when the known error is on the same CI or
service. Known errors still open rank above resolved ones of equal score.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
STOPWORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "by", "can", "cannot", "for", "from", "has",
    "have", "in", "is", "it", "its", "no", "not", "of", "on", "or", "the", "to", "was", "when",
    "with", "after", "does", "this", "that",
})
WEIGHTS = (("title", 3.0), ("symptoms", 2.0), ("workaround", 1.0), ("root_cause", 1.0))


def words(text: str) -> list[str]:
    """Lower-case words of ``text``."""
    return [w.lower() for w in _WORD.findall(text or "")]


def query_terms(query: str) -> list[str]:
    """The words of a query worth searching for (no stop words, no repeats)."""
    terms = [w for w in words(query) if w not in STOPWORDS]
    return list(dict.fromkeys(terms))


@dataclass(frozen=True)
class KnownErrorText:
    """The searchable text of one known error."""

    ref: str
    title: str
    symptoms: str = ""
    workaround: str = ""
    root_cause: str = ""
    service: str = ""
    ci: str = ""
    is_open: bool = True


def _field_hits(terms: list[str], text: str) -> set[str]:
    field_words = words(text)
    return {t for t in terms if any(w.startswith(t) for w in field_words)}


def score(terms: list[str], item: KnownErrorText, *, phrase: str = "",
          service: str = "", ci: str = "") -> float:
    """Relevance of ``item`` to the query terms; 0 when no term matches."""
    if not terms:
        return 0.0
    total = 0.0
    matched: set[str] = set()
    for field, weight in WEIGHTS:
        hits = _field_hits(terms, getattr(item, field))
        matched |= hits
        total += weight * len(hits)
    if not matched:
        return 0.0
    total *= len(matched) / len(terms)  # a match on every word beats many hits on one
    phrase = " ".join(words(phrase))
    if phrase and len(terms) > 1 and any(
        phrase in " ".join(words(getattr(item, f))) for f in ("title", "symptoms")
    ):
        total += 2.0
    if ci and item.ci == ci:
        total += 2.0
    if service and item.service == service:
        total += 1.0
    return round(total, 3)


def rank(query: str, items: Iterable[KnownErrorText], *, service: str = "", ci: str = "",
         limit: int = 20) -> list[tuple[KnownErrorText, float]]:
    """Known errors matching ``query``, best first (open before closed on a tie, then newest ref)."""
    terms = query_terms(query)
    scored = [(item, score(terms, item, phrase=query, service=service, ci=ci)) for item in items]
    hits = [(item, s) for item, s in scored if s > 0]
    hits.sort(key=lambda pair: (-pair[1], not pair[0].is_open, _neg_ref(pair[0].ref)))
    return hits[:limit]


def _neg_ref(ref: str) -> tuple[int, str]:
    digits = "".join(ch for ch in ref if ch.isdigit())
    return (-int(digits) if digits else 0, ref)
