"""The redrawn bottom of the terminal: whatever frames it draws, the screen ends with the final rows."""

from __future__ import annotations

import io

import pyte
from hypothesis import given, settings
from hypothesis import strategies as st

from mlxchat.output.live_region import SYNC_BEGIN, SYNC_END, LiveRegion, visible_width

ROWS, COLS = 12, 30
row = st.sampled_from(
    ["", "a", "ab", "abc", "abc def", "\x1b[1mbold\x1b[0m", "\x1b[1mbold\x1b[0m more", "x" * COLS]
)
frame = st.tuples(st.lists(row, max_size=4), st.lists(row, max_size=ROWS - 1))


def screen_rows(data: str) -> list[str]:
    screen = pyte.HistoryScreen(COLS, ROWS, history=10_000)
    screen.set_mode(pyte.modes.LNM)  # a newline returns to the first column, as a tty's ONLCR does
    pyte.Stream(screen).feed(data)
    lines = list(screen.history.top) + [screen.buffer[y] for y in range(ROWS)]
    rows = ["".join(line[x].data for x in range(COLS)).rstrip() for line in lines]
    while rows and not rows[-1]:
        rows.pop()
    return rows


def plain(text: str) -> str:
    return text.replace("\x1b[1m", "").replace("\x1b[0m", "")


@given(st.lists(frame, min_size=1, max_size=12))
@settings(max_examples=100, deadline=None)
def test_the_screen_ends_with_every_final_row_once(frames: list[tuple[list[str], list[str]]]) -> None:
    out = io.StringIO()
    region = LiveRegion(out, live=True)
    final: list[str] = []
    for rows, live in frames:
        region.draw(rows, live)
        final += rows
    last_live = frames[-1][1]
    shown = screen_rows(out.getvalue())
    expected = [plain(r) for r in final + last_live]
    while expected and not expected[-1]:
        expected.pop()
    assert shown == expected
    region.clear()
    expected = [plain(r) for r in final]
    while expected and not expected[-1]:
        expected.pop()
    assert screen_rows(out.getvalue()) == expected


def test_each_frame_is_one_synchronized_write_and_an_unchanged_one_is_none() -> None:
    out = io.StringIO()
    region = LiveRegion(out, live=True)
    region.draw(["done"], ["live 1", "live 2"])
    first = out.getvalue()
    assert first.startswith(SYNC_BEGIN) and first.endswith(SYNC_END)
    region.draw([], ["live 1", "live 2"])
    assert out.getvalue() == first  # nothing changed: nothing written
    region.draw([], ["live 1", "live 2 grows"])
    grown = out.getvalue()[len(first) :]
    assert "live 1" not in grown and " grows" in grown and "live 2" not in grown  # only the new words


def test_a_region_that_is_not_live_writes_final_rows_only() -> None:
    out = io.StringIO()
    region = LiveRegion(out, live=False)
    region.draw(["one", "two"], ["never shown"])
    region.clear()
    assert out.getvalue() == "one\ntwo\n"


def test_visible_width_leaves_escape_sequences_out() -> None:
    assert visible_width("\x1b[1;31mred\x1b[0m \x1b]8;id=1;http://x\x1b\\link\x1b]8;;\x1b\\") == 8
    assert visible_width("wide 字") == 7
