"""Folding, query reading and snippets: what both search engines share."""

from __future__ import annotations

import importlib.util

import pytest

from supportdesk.core import textsearch
from supportdesk.core.textsearch import about, fold, parse_query, snippet
from supportdesk.store.db import MIGRATIONS_DIR


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Łódź", "lodz"),
        ("ZAŻÓŁĆ GĘŚLĄ JAŹŃ", "zazolc gesla jazn"),
        ("Ёлка ЙОГУРТ", "елка йогурт"),
        ("naïve café", "naive cafe"),
        ("e-mail: jan@firma.pl", "e mail  jan firma pl"),
        ("«ёжик»—№5", " ежик   5"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_postgres_migration_folds_exactly_like_python() -> None:
    """The SQL function of migration 0003 is a frozen copy of the Python folding table; a
    change to the folding needs a migration that rebuilds the indexes."""
    spec = importlib.util.spec_from_file_location(
        "m0003", MIGRATIONS_DIR / "versions" / "0003_search.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.ACCENT_FROM == textsearch.ACCENT_FROM
    assert module.ACCENT_TO == textsearch.ACCENT_TO
    assert module.PUNCTUATION == textsearch.PUNCTUATION
    assert module.INDEX_LIMIT == textsearch.INDEX_LIMIT


@pytest.mark.parametrize(
    ("query", "prefixes"),
    [
        ("Faktury VAT", [("faktur",), ("vat",)]),
        ("звонки", [("звонк",)]),
        ("Płatności", [("platnosc",)]),
        ('"AND" * - (OR)', [("and",), ("or",)]),
        ("ёлка", [("елк",)]),
        ("", []),
        ("*-()\"'", []),
    ],
)
def test_queries_are_words_with_stems(query: str, prefixes: list[tuple[str, ...]]) -> None:
    assert [t.prefixes for t in parse_query(query).terms] == prefixes


def test_query_expressions_contain_only_quoted_words() -> None:
    q = parse_query('NEAR(x y) title:"a" b* -c ^d')
    assert q.fts5() == (
        '("near"*) AND ("x"*) AND ("y"*) AND ("titl"*) AND ("a"*) AND ("b"*) AND ("c"*) AND ("d"*)'
    )
    assert q.tsquery().count(":*") == 8
    assert "|" not in q.tsquery() and "!" not in q.tsquery()


def test_query_word_limit() -> None:
    assert len(parse_query(" ".join(f"w{i}" for i in range(100))).terms) == 12


def test_about_drops_small_and_common_words() -> None:
    words = {
        t.word for t in about("Hello, the call recording does not work since yesterday!").terms
    }
    assert words == {"call", "recording", "work", "since", "yesterday"}


def test_snippet_marks_hits_in_the_original_spelling() -> None:
    text = "# Nagrania\n\nNagrywanie **rozmów** włączysz w ustawieniach. " + "Inne zdanie. " * 40
    s = snippet(text, parse_query("nagrywanie rozmow"), width=80)
    assert [s.text[a:b] for a, b in s.hits] == ["Nagrywanie", "rozmów"]
    assert "**" not in s.text and "\n" not in s.text
    assert s.text.endswith("…")
    assert s.marked().startswith("Nagrania «Nagrywanie» «rozmów»")


def test_snippet_starts_near_a_late_hit() -> None:
    text = "Lorem ipsum dolor sit amet. " * 20 + "Tu jest faktura korygująca."
    s = snippet(text, parse_query("faktura"), width=60)
    assert s.text.startswith("… ")
    assert any(s.text[a:b] == "faktura" for a, b in s.hits)


def test_snippet_without_hits_is_the_beginning() -> None:
    s = snippet("Short text.", parse_query("zzz"))
    assert (s.text, s.hits) == ("Short text.", ())
