"""Knowledge-base search, similar tickets, articles and templates in the database — on SQLite
(FTS5) and PostgreSQL (tsvector + GIN) alike."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from supportdesk.clock import FrozenClock
from supportdesk.core.templates import TemplateDef, check_body
from supportdesk.store.db import Database
from supportdesk.store.desk import Conflict, Desk, InvalidInput, NotPermitted, StaleTicket
from supportdesk.store.dto import ArticleDoc

ARTICLES = [
    ArticleDoc(
        "invoices-vat-pl",
        "Faktury VAT — gdzie je znaleźć",
        "Faktury VAT wystawiamy automatycznie pierwszego dnia miesiąca. Kopię faktury pobierzesz "
        "w panelu: Ustawienia → Płatności → Faktury. Fakturę korygującą wystawiamy na prośbę.",
        "pl",
        ("billing", "faktura"),
    ),
    ArticleDoc(
        "call-recording-ru",
        "Запись звонков",
        "Запись разговоров включается в настройках проекта. Записи звонков хранятся 90 дней; "
        "скачать запись можно из журнала звонков. Ёмкость хранилища не ограничена.",
        "ru",
        ("записи",),
    ),
    ArticleDoc(
        "call-recording",
        "Call recording",
        "Turn call recording on under Project settings → Recording. Recordings are kept for "
        "90 days and can be downloaded from the call log.",
        "en",
        ("recording",),
    ),
    ArticleDoc(
        "pricing-rules",
        "Pricing and discounts (team only)",
        "Discounts above 15% need the lead's approval. Never promise a refund in writing.",
        "en",
        ("pricing",),
        internal=True,
    ),
    ArticleDoc(
        "lodz-office",
        "Biuro w Łodzi",
        "Nasze biuro w Łodzi jest czynne od poniedziałku do piątku. Żółta brama, drugie piętro.",
        "pl",
    ),
]


@pytest.fixture
def kb(desk: Desk) -> Desk:
    desk.import_articles(ARTICLES)
    return desk


def slugs(desk: Desk, query: str, **kwargs: object) -> list[str]:
    return [h.article.slug for h in desk.search_kb(query, **kwargs).hits]  # type: ignore[arg-type]


def test_search_finds_by_prefix_and_ranks_the_title_first(kb: Desk) -> None:
    assert slugs(kb, "recor")[0] == "call-recording"
    assert slugs(kb, "call recording")[0] == "call-recording"
    assert "call-recording" in slugs(kb, "download")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("faktura", "invoices-vat-pl"),  # another form of the word (stemmed)
        ("FAKTURY", "invoices-vat-pl"),  # case
        ("platnosci", "invoices-vat-pl"),  # typed without Polish letters
        ("Płatności", "invoices-vat-pl"),
        ("lodz", "lodz-office"),  # ł and ó
        ("ŁÓDŹ", "lodz-office"),
        ("zolta brama", "lodz-office"),
        ("звонки", "call-recording-ru"),  # Cyrillic, another case
        ("ЗАПИСЬ звонков", "call-recording-ru"),
        ("емкость", "call-recording-ru"),  # ё typed as е
        ("запис", "call-recording-ru"),
    ],
)
def test_accents_case_and_inflection_in_three_languages(
    kb: Desk, query: str, expected: str
) -> None:
    assert slugs(kb, query)[:1] == [expected]


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"unclosed',
        "AND",
        "OR OR",
        "NOT",
        "*",
        "-",
        "- recording",
        "recording AND",
        "(",
        ")",
        "record*",
        'title:"x"',
        "NEAR(a b)",
        "^a",
        "a:b:c",
        "'; DROP TABLE kb_article; --",
        "\\",
        "%_",
        "::*",
        "!!",
        "&|",
        "\x00",
        "   ",
        "",
        "x" * 5000,
        "запись -звонков",
        "😀 recording",
    ],
)
def test_hostile_queries_never_raise(kb: Desk, query: str) -> None:
    results = kb.search_kb(query)
    assert isinstance(results.hits, tuple)


def test_operators_are_plain_words(kb: Desk) -> None:
    # "record*" and "-recording" mean the words, not syntax.
    assert slugs(kb, "record*")[0] == "call-recording"
    assert slugs(kb, "-recording")[0] == "call-recording"
    assert slugs(kb, '"call recording"')[0] == "call-recording"


def test_no_article_has_every_word_then_some_words(kb: Desk) -> None:
    results = kb.search_kb("recording zebra")
    assert results.mode == "any"
    assert results.hits[0].article.slug == "call-recording"


def test_snippet_marks_the_hit_in_the_original_text(kb: Desk) -> None:
    hit = kb.search_kb("faktury korygujaca").hits[0]
    marked = [hit.snippet[s:e] for s, e in hit.hits]
    assert "Faktury" in marked
    assert "korygującą" in marked


def test_language_and_internal_filters(kb: Desk) -> None:
    assert slugs(kb, "recording", language="ru") == []
    assert slugs(kb, "запись", language="ru") == ["call-recording-ru"]
    assert slugs(kb, "discounts") == ["pricing-rules"]
    assert slugs(kb, "discounts", include_internal=False) == []
    hit = kb.search_kb("discounts").hits[0]
    assert hit.article.internal


def test_edit_and_delete_keep_the_index_current(kb: Desk) -> None:
    article = kb.get_article("lodz-office")
    kb.save_article(
        ArticleDoc("lodz-office", "Biuro w Krakowie", "Nowe biuro: Rynek Główny.", "pl"),
        original_slug="lodz-office",
        expected_updated_at=article.updated_at,
    )
    assert slugs(kb, "lodz") == []
    assert slugs(kb, "krakow") == ["lodz-office"]
    kb.delete_article("lodz-office")
    assert slugs(kb, "krakow") == []
    assert slugs(kb, "rynek") == []


def test_a_colleagues_change_is_not_overwritten(kb: Desk, clock: FrozenClock) -> None:
    seen = kb.get_article("call-recording")
    clock.advance(minutes=1)
    kb.acting_as("pavel").save_article(
        ArticleDoc("call-recording", "Call recording", "Pavel's text.", "en"),
        original_slug="call-recording",
    )
    with pytest.raises(StaleTicket, match="changed this article"):
        kb.save_article(
            ArticleDoc("call-recording", "Call recording", "Ann's text.", "en"),
            original_slug="call-recording",
            expected_updated_at=seen.updated_at,
        )


def test_trainee_may_not_write_articles_and_slugs_are_checked(kb: Desk) -> None:
    with pytest.raises(NotPermitted, match="trainee"):
        kb.acting_as("kasia").save_article(ArticleDoc("x-y", "T", "Body", "en"))
    with pytest.raises(InvalidInput, match="slug"):
        kb.save_article(ArticleDoc("Bad Slug!", "T", "Body", "en"))
    with pytest.raises(Conflict, match="exists already"):
        kb.save_article(ArticleDoc("call-recording", "T", "Body", "en"))


def test_import_is_idempotent_and_export_round_trips(kb: Desk) -> None:
    again = kb.import_articles(ARTICLES)
    assert again.created == () and again.updated == ()
    assert len(again.unchanged) == len(ARTICLES)
    exported = {d.slug: d for d in kb.export_articles()}
    for doc in ARTICLES:
        assert exported[doc.slug].body == doc.body.strip("\n") + "\n"
        assert exported[doc.slug].tags == doc.tags
        assert exported[doc.slug].internal == doc.internal


def test_index_matches_after_a_bulk_insert_and_rebuild(kb: Desk, database: Database) -> None:
    """The index is kept by the database itself: rows written with plain SQL are found too."""
    with database.write_engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO kb_article (slug, title, body, language, tags, internal, "
                "created_at, updated_at) VALUES ('raw', 'Softphone Zoiper', 'Konfiguracja SIP', "
                "'pl', '[]', false, '2026-11-23 08:00:00', '2026-11-23 08:00:00')"
            )
        )
    assert slugs(kb, "zoiper") == ["raw"]


# -- similar tickets ------------------------------------------------------------------------


def _ticket(desk: Desk, clock: FrozenClock, who: str, subject: str, body: str) -> int:
    clock.advance(minutes=5)
    return (
        desk.acting_as(None)
        .receive(
            channel="email",
            account="support",
            identity_kind="email",
            identity_value=who,
            sender_name=who.split("@")[0],
            subject=subject,
            text=body,
            at=clock.now(),
        )
        .ticket_number
    )


def test_similar_tickets_are_solved_ones_with_their_answer(desk: Desk, clock: FrozenClock) -> None:
    old = _ticket(
        desk,
        clock,
        "a@firma.pl",
        "Nagrywanie rozmów nie działa",
        "Od wczoraj nagrania rozmów się nie zapisują w panelu.",
    )
    desk.queue_reply(old, "Włączyliśmy ponownie nagrywanie w ustawieniach projektu.")
    desk.set_status(old, "solved")
    other = _ticket(desk, clock, "b@firma.pl", "Faktura", "Proszę o kopię faktury za październik.")
    desk.set_status(other, "solved")
    still_open = _ticket(
        desk, clock, "c@firma.pl", "Nagrywanie", "Nagrania rozmów nie zapisują się."
    )
    now = _ticket(
        desk,
        clock,
        "d@firma.pl",
        "Brak nagrań rozmów",
        "Nagrania rozmów przestały się zapisywać, co robić?",
    )
    similar = desk.similar_tickets(now)
    numbers = [s.number for s in similar]
    assert numbers[0] == old
    assert still_open not in numbers and now not in numbers
    assert similar[0].answer and "nagrywanie" in similar[0].answer
    assert similar[0].answered_by == "ann"


def test_similar_tickets_in_russian(desk: Desk, clock: FrozenClock) -> None:
    old = _ticket(
        desk, clock, "a@x.ru", "Не работает запись звонков", "Записи звонков не сохраняются."
    )
    desk.queue_reply(old, "Включили запись в настройках проекта.")
    desk.set_status(old, "solved")
    now = _ticket(desk, clock, "b@x.ru", "Запись", "Почему не сохраняется запись звонка?")
    assert [s.number for s in desk.similar_tickets(now)] == [old]


# -- templates in the database --------------------------------------------------------------


def _template(shortcut: str, body: str, language: str = "en") -> TemplateDef:
    return check_body(
        TemplateDef(
            key="file",
            source="shipped",
            name=f"T {shortcut}",
            body=body,
            language=language,
            shortcut=shortcut,
            where="t.md",
        )
    )


def test_team_templates_are_stored_by_a_lead_and_counted(desk: Desk) -> None:
    with pytest.raises(NotPermitted, match="only a lead"):
        desk.import_team_templates([_template("hi", "Hi {{ customer.first_name }}")])
    lead = desk.acting_as("marta")
    result = lead.import_team_templates(
        [_template("hi", "Hi {{ customer.first_name }}"), _template("hi", "Cześć", "pl")]
    )
    assert len(result.created) == 2
    again = lead.import_team_templates([_template("hi", "Hello {{ customer.first_name }}")])
    assert again.updated == ("en/hi",)
    templates, errors = desk.list_team_templates()
    assert errors == []
    english = next(t for t in templates if t.language == "en")
    assert english.body.startswith("Hello")
    desk.record_template_use(english.key)
    desk.record_template_use(english.key)
    desk.acting_as("pavel").record_template_use(english.key)
    desk.record_template_use("shipped:en-ask-details")
    usage = desk.template_usage()
    assert usage[english.key] == (2, 3)
    assert usage["shipped:en-ask-details"] == (1, 1)
    assert desk.acting_as("pavel").template_usage()[english.key] == (1, 3)


def test_a_reply_with_an_unfilled_placeholder_is_refused(desk: Desk, clock: FrozenClock) -> None:
    number = _ticket(desk, clock, "jan@firma.pl", "Pytanie", "Jak to działa?")
    with pytest.raises(InvalidInput, match=r"placeholders to fill in: \{\{ customer.first_name"):
        desk.queue_reply(number, "Hello {{ customer.first_name }},\n\nthanks.")
    with pytest.raises(InvalidInput, match="placeholders"):
        desk.queue_reply(number, 'See {{ kb("nope") }}')
    desk.queue_reply(number, "Hello Jan,\n\nthanks.", category_after="onboarding")
    assert desk.get_ticket(number).summary.category == "onboarding"


def test_a_sent_reply_becomes_a_draft_article(desk: Desk, clock: FrozenClock) -> None:
    number = _ticket(desk, clock, "jan@firma.pl", "Re: Jak włączyć nagrywanie?", "Pytanie")
    sent = desk.queue_reply(number, "Nagrywanie włączysz w Ustawieniach projektu.")
    article = desk.draft_article_from_reply(sent.id)
    assert article.internal and article.draft
    assert article.slug == "draft-jak-wlaczyc-nagrywanie"
    assert article.title == "Jak włączyć nagrywanie?"
    assert slugs(desk, "nagrywanie") == [article.slug]
    second = desk.draft_article_from_reply(sent.id)
    assert second.slug == "draft-jak-wlaczyc-nagrywanie-2"


def test_demo_messages_are_indexed_and_new_ones_too(database: Database, clock: FrozenClock) -> None:
    """The demo indexes its messages in bulk; afterwards the trigger is back for new ones."""
    from supportdesk.store.demo import build_demo

    build_demo(database, now=clock.now(), scale=60)
    desk = Desk(database, clock, agent="ann")
    open_ticket = desk.list_queue(view="open").tickets[0].number
    assert desk.similar_tickets(open_ticket)
    number = _ticket(desk, clock, "new@x.example", "Quokka", "A quokka ate the SIP trunk")
    desk.queue_reply(number, "Quokkas are not covered by the warranty.")
    desk.set_status(number, "solved")
    later = _ticket(desk, clock, "other@x.example", "Quokka again", "The quokka is back")
    assert [s.number for s in desk.similar_tickets(later)][:1] == [number]
