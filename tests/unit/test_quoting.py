from __future__ import annotations

from supportdesk.core.quoting import split_quoted


def test_reply_above_a_gmail_quote() -> None:
    parts = split_quoted(
        "Still broken.\n\nOn Mon, 23 Nov 2026 at 10:00, Telvio Support <s@telvio.example> wrote:\n"
        "> Hello Jan,\n> please try again.\n"
    )
    assert parts.body == "Still broken."
    assert parts.folded.startswith("On Mon") and parts.folded_lines == 3


def test_polish_and_russian_attributions_and_signatures() -> None:
    assert (
        split_quoted("Dziękuję!\nW dniu 23.11.2026 o 10:00 Telvio napisał(a):\n> x").body
        == "Dziękuję!"
    )
    assert split_quoted("Спасибо\n\nИван Петров пишет:\n> текст").body == "Спасибо"
    assert split_quoted("Thanks\n-- \nJan Kowalski\nCEO").body == "Thanks"
    assert split_quoted("OK\n-----Original Message-----\nFrom: a").body == "OK"


def test_nothing_to_fold() -> None:
    text = "Line one\n> a quote in the middle\nmy answer below it"
    parts = split_quoted(text)
    assert parts.body == text and parts.folded == "" and parts.folded_lines == 0
    only_quote = "> all quoted"
    assert split_quoted(only_quote).body == only_quote
