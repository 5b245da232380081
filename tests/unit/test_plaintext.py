from __future__ import annotations

from supportdesk.core.plaintext import find_mentions, one_line, strip_controls


def test_escape_sequences_are_removed_whole() -> None:
    hostile = "ok\x1b[2J\x1b[31mred\x1b[0m\x1b]0;pwned\x07 \x1b]8;;http://evil\x1b\\link\x9b1m"
    assert strip_controls(hostile) == "okred link"


def test_controls_and_direction_overrides_go_newlines_and_tabs_stay() -> None:
    text = "a\x00b\x07c\td\r\ne\rf\u202egnp.exe\u2066x\u2069"
    assert strip_controls(text) == "abc\td\ne\nfgnp.exex"


def test_markup_is_left_alone_it_is_plain_text() -> None:
    assert (
        strip_controls("[@click=app.quit]quit[/] [b]x[/b]") == "[@click=app.quit]quit[/] [b]x[/b]"
    )


def test_one_line_collapses_and_truncates() -> None:
    assert one_line("a\n\n b\tc") == "a b c"
    assert one_line("x" * 300, 10) == "x" * 9 + "…"


def test_mentions_known_agents_only_once_in_order() -> None:
    names = ["ann", "pavel", "olena.k"]
    assert find_mentions("@Pavel please, and @ann; @pavel again @olena.k.", names) == [
        "pavel",
        "ann",
        "olena.k",
    ]
    assert find_mentions("mail me at ann@example.com or @nobody", names) == []
