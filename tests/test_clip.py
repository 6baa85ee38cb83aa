"""Cutting text to fit (issue 13, item 13): titles are cut between words, references never."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sms_tui.domain.text import REF_IN_TEXT, clip, one_line


def test_text_that_fits_is_left_alone():
    assert clip("Printer jams", 20) == "Printer jams"


def test_a_title_is_cut_between_words_with_an_ellipsis():
    assert clip("and attach the supplier's own report in the outcome.", 40) == \
        "and attach the supplier's own report in…"
    assert clip("VPN drops every few minutes", 24) == "VPN drops every few…"


@pytest.mark.parametrize(("title", "limit", "expected"), [
    ("Effectiveness review of normal change CHG-000021: Upgrade VPN firmware", 26,
     "Effectiveness… CHG-000021"),
    ("Emergency patch of edge firewall (expedited approval) CHG-000010 follow-up", 44,
     "Emergency patch of edge firewall… CHG-000010"),
    ("Major incident review of INC-000081: VPN very slow when uploading files", 30,
     "Major incident… INC-000081"),
])
def test_a_reference_the_cut_would_lose_is_kept_whole(title, limit, expected):
    assert clip(title, limit) == expected


def test_a_reference_before_the_cut_stays_where_it_is():
    assert clip("INC-000081 VPN very slow when uploading files", 24) == "INC-000081 VPN very…"


def test_one_line_cuts_the_same_way():
    assert one_line("Review of CHG-000021\nplanned for Friday evening", 22) == "Review of CHG-000021…"
    assert one_line("Review planned for Friday of\nCHG-000021", 22) == "Review… CHG-000021"


@given(st.text(alphabet=st.sampled_from("abc de-CHG0123456789 "), max_size=80),
       st.integers(min_value=12, max_value=60))
def test_never_longer_than_asked_and_never_a_broken_reference(text, limit):
    out = clip(text, limit)
    assert len(out) <= limit
    if len(text) <= limit:
        assert out == text
    for ref in REF_IN_TEXT.findall(out):
        assert ref in REF_IN_TEXT.findall(text)
