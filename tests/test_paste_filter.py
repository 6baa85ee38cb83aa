"""What a bracketed paste holds reaches the field in order, its escape sequences left out.

Text copied from a log holds colour codes; inside a paste Textual's parser sent them as keys,
ahead of the paste, so the field got the text reordered and the codes as ``^``
(:class:`sms_tui.ui.driver.PasteFilter`). The terminal's reads may cut the paste anywhere.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sms_tui.ui.driver import PASTE_END, PASTE_START, PasteFilter

SEQUENCES = ["\x1b[31m", "\x1b[0m", "\x1b[2J", "\x1b[1;5H", "\x1b]0;title\x07", "\x1b]8;;x\x1b\\",
             "\x1bM", "\x1b[200~"]
plain = st.text(st.characters(blacklist_characters="\x1b", blacklist_categories=("Cs",)),
                max_size=40)


def read_in_pieces(data: str, cuts: list[int]) -> tuple[str, list[int]]:
    pastes = PasteFilter()
    bounds = sorted({min(c, len(data)) for c in cuts} | {0, len(data)})
    out = "".join(pastes.feed(data[a:b]) for a, b in zip(bounds, bounds[1:], strict=False))
    return out, pastes.finished


@given(before=plain, parts=st.lists(st.tuples(plain, st.sampled_from(SEQUENCES)), max_size=6),
       last=plain, after=plain, cuts=st.lists(st.integers(0, 400), max_size=6))
def test_a_paste_keeps_its_text_in_order_and_loses_only_its_escape_sequences(
        before, parts, last, after, cuts):
    text = "".join(p + seq for p, seq in parts) + last
    out, left_out = read_in_pieces(before + PASTE_START + text + PASTE_END + after, cuts)
    assert out == before + PASTE_START + "".join(p for p, _ in parts) + last + PASTE_END + after
    assert left_out == [len(parts)]


@given(keys=st.text(max_size=60), cuts=st.lists(st.integers(0, 80), max_size=5))
def test_outside_a_paste_nothing_is_changed(keys, cuts):
    while PASTE_START in keys:
        keys = keys.replace(PASTE_START, "")
    out, left_out = read_in_pieces(keys, cuts)
    assert out == keys and left_out == []


def test_a_paste_cut_before_its_end_is_held_until_the_end_comes():
    pastes = PasteFilter()
    assert pastes.feed(PASTE_START + "log \x1b[3") == PASTE_START + "log "
    assert pastes.feed("1mred\x1b[20") == "red"
    assert pastes.feed("1~q") == PASTE_END + "q"
    assert pastes.finished == [1] and not pastes.in_paste
