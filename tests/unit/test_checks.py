"""The reply checker's rules, on seed 001's examples and our own corpus in three languages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from supportdesk.core.checks import (
    DEFAULT_SEVERITY,
    RULES,
    CheckInputError,
    CheckPolicy,
    InternalArticle,
    check_reply,
    guess_language,
    has_errors,
    line_column,
)
from supportdesk.store.teamsettings import (
    TeamSettingsError,
    default_document,
    load_toml_file,
    parse_document,
    to_toml,
)
from tests.unit.checks_corpus import CORPUS, HOLDOUTS, Case, load, run_case

DATA, MAIN_CASES = load(CORPUS)
LOADED = [(DATA, case) for case in MAIN_CASES]
for _path in HOLDOUTS:
    _data, _cases = load(_path)
    LOADED.extend((_data, case) for case in _cases)
BAD = [(data, case) for data, case in LOADED if case.expect]
GOOD = [(data, case) for data, case in LOADED if not case.expect]


def _id(item: tuple[dict[str, Any], Case]) -> str:
    case = item[1]
    return f"{case.language}-{case.source}-{case.expect or 'good'}"


def test_the_corpus_is_big_enough_in_every_language() -> None:
    for language in ("en", "pl", "ru"):
        assert sum(1 for c in MAIN_CASES if c.expect and c.language == language) >= 30
        assert sum(1 for c in MAIN_CASES if not c.expect and c.language == language) >= 30
    # Every rule has bad examples in every language.
    for rule in RULES:
        for language in ("en", "pl", "ru"):
            if rule == "formal_address" and language == "en":
                continue
            assert any(c.expect == rule and c.language == language for c in MAIN_CASES), (
                rule,
                language,
            )


@pytest.mark.parametrize("item", BAD, ids=_id)
def test_bad_reply_is_caught_by_its_rule(item: tuple[dict[str, Any], Case]) -> None:
    data, case = item
    found = run_case(data, case)
    assert case.expect in {f.rule for f in found}, found


@pytest.mark.parametrize("item", GOOD, ids=_id)
def test_good_reply_raises_nothing(item: tuple[dict[str, Any], Case]) -> None:
    data, case = item
    assert run_case(data, case) == []


# -- seed 001, sentence by sentence -----------------------------------------------------------


def test_seed_blame_is_an_error_pointing_at_the_words() -> None:
    text = "Скорее всего, вы ошиблись, когда выбирали пункт доставки."
    [finding] = check_reply(text, "ru")
    assert finding.rule == "blame" and finding.severity == "error"
    assert [text[s.start : s.end] for s in finding.spans] == ["вы ошиблись"]
    # The message is Russian, says why, and offers a better phrasing.
    assert "вину" in finding.message and "давайте" in finding.message


def test_seed_bossy_and_its_good_rewrite() -> None:
    bad = check_reply("Сначала вы должны выйти из системы", "ru")
    assert [(f.rule, f.severity) for f in bad] == [("bossy", "warning")]
    assert "Выход из системы должен помочь" in bad[0].message
    assert check_reply("Выход из системы должен помочь решить эту проблему быстро!", "ru") == []


def test_seed_negative_and_its_good_rewrite() -> None:
    bad = (
        "Я не могу доставить вам этот продукт до следующего месяца; он повторно заказан и "
        "недоступен в настоящее время."
    )
    good = (
        "Этот продукт будет доступен в следующем месяце. Я могу разместить заказ для вас прямо "
        "сейчас и убедиться, что он будет отправлен вам, как только он поступит на наш склад."
    )
    [finding] = check_reply(bad, "ru")
    assert finding.rule == "negative" and bad[finding.spans[0].start :].startswith("Я не могу")
    assert check_reply(good, "ru") == []


# -- language handling ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "ВЫ ОШИБЛИСЬ при вводе номера.",
        "Вы ошиблись при вводе номера.",
        "Вы всё перепутали в настройках.",
        "Вы все перепутали в настройках.",
    ],
)
def test_russian_is_matched_case_insensitively_and_with_yo_as_ye(text: str) -> None:
    assert [f.rule for f in check_reply(text, "ru")] == ["blame"]


def test_banned_word_matches_inflected_forms_and_suggests_the_team_word() -> None:
    policy = CheckPolicy(banned_words={"ru": {"техподдержка": "поддержка"}})
    text = "Передали в ТЕХПОДДЕРЖКУ. Техподдержкой займётся Иван, техподдержки хватит."
    [finding] = check_reply(text, "ru", policy)
    assert [text[s.start : s.end] for s in finding.spans] == [
        "ТЕХПОДДЕРЖКУ",
        "Техподдержкой",
        "техподдержки",
    ]
    assert "«поддержка»" in finding.message
    assert check_reply("Наша поддержка ответит сегодня.", "ru", policy) == []


def test_banned_word_with_yo_matches_either_spelling() -> None:
    policy = CheckPolicy(banned_words={"ru": {"ещё раз повторяю": ""}})
    [finding] = check_reply("Еще раз повторяю: номер активен.", "ru", policy)
    assert finding.rule == "banned_word"


def test_polish_blame_inflects_and_negation_clears_it() -> None:
    for text in ("Pomyliła się Pani przy wpisywaniu.", "Pan się pomylił przy wpisywaniu."):
        assert [f.rule for f in check_reply(text, "pl")] == ["blame"]
    assert check_reply("Nie pomyliła się Pani: to nasz błąd.", "pl") == []


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "You did not make a mistake, the form was broken."),
        ("en", "You haven't made a mistake at all."),
        ("en", "This is not your fault."),
        ("ru", "Вы не ошиблись, форма сломалась."),
        ("ru", "Это не Ваша ошибка."),
        ("pl", "To nie Pana błąd."),
    ],
)
def test_negated_blame_is_no_blame(language: str, text: str) -> None:
    assert check_reply(text, language) == []


# -- quoted customer text -----------------------------------------------------------------------


def test_quoted_history_is_not_checked() -> None:
    text = (
        "Здравствуйте! Деньги вернули сегодня.\n\n"
        "Иван пишет:\n"
        "> вы должны вернуть деньги, вы ошиблись, звоните мне +7 916 123-45-67\n"
    )
    assert check_reply(text, "ru", CheckPolicy(formal_address=frozenset({"ru"}))) == []


def test_inline_quote_of_the_customer_is_not_blamed_on_the_agent() -> None:
    text = 'You wrote "you must fix it today, you made a mistake" and you are right: fixed.'
    assert check_reply(text, "en") == []


# -- team settings drive the rules --------------------------------------------------------------


def test_a_rule_turned_off_finds_nothing_and_severity_follows_the_team() -> None:
    text = "You must log out first."
    off = CheckPolicy(severities={k: v for k, v in DEFAULT_SEVERITY.items() if k != "bossy"})
    assert check_reply(text, "en", off) == []
    strict = CheckPolicy(severities={**DEFAULT_SEVERITY, "bossy": "error"})
    [finding] = check_reply(text, "en", strict)
    assert finding.severity == "error" and has_errors([finding])


def test_formal_address_only_when_the_team_enables_it() -> None:
    text = "Здравствуйте! Мы проверили ваш номер."
    assert check_reply(text, "ru") == []
    [finding] = check_reply(text, "ru", CheckPolicy(formal_address=frozenset({"ru"})))
    assert finding.rule == "formal_address" and text[finding.spans[0].start :].startswith("ваш")


def test_greeting_and_signoff_only_when_required() -> None:
    text = "Your number works again."
    assert check_reply(text, "en") == []
    policy = CheckPolicy(require_greeting=True, require_signoff=True)
    assert {f.rule for f in check_reply(text, "en", policy)} == {"greeting", "signoff"}


def test_agents_own_address_is_flagged_even_at_the_team_domain() -> None:
    policy = CheckPolicy(team_contacts=("@ringo.example",))
    text = "Write to support@ringo.example or to me at ann@ringo.example."
    [finding] = check_reply(text, "en", policy, agent_contacts=["ann@ringo.example"])
    assert text[finding.spans[0].start : finding.spans[0].end] == "ann@ringo.example"


def test_internal_article_copy_is_highlighted_where_it_was_pasted() -> None:
    article = InternalArticle(
        "Refunds (internal)",
        "Refunds above 200 EUR need approval from the finance lead before the agent confirms "
        "anything to the customer.",
    )
    text = (
        "Hello Tom,\nrefunds above 200 EUR need approval from the finance lead before the "
        "agent confirms anything.\nBest, Ann"
    )
    [finding] = check_reply(text, "en", internal_articles=[article])
    span = finding.spans[0]
    assert finding.rule == "internal_text" and "'Refunds (internal)'" in finding.message
    assert text[span.start : span.end].startswith("refunds above") and span.end < len(text)


def test_same_greeting_and_signature_alone_are_not_a_repeat() -> None:
    earlier = "Hello Tom,\nyour number is active again.\nBest regards, Ann"
    now = "Hello Tom,\nthe invoice for November is corrected.\nBest regards, Ann"
    assert check_reply(now, "en", previous_replies=[earlier]) == []


def test_attachment_promise_is_fine_when_a_file_goes_with_it() -> None:
    text = "Dzień dobry, fakturę przesyłam w załączniku."
    assert [f.rule for f in check_reply(text, "pl")] == ["missing_attachment"]
    assert check_reply(text, "pl", attachments=["faktura.pdf"]) == []


def test_russian_app_is_not_an_attachment() -> None:
    assert check_reply("Откройте раздел «Звонки» в приложении.", "ru") == []


def test_messages_never_carry_terminal_controls_from_the_reply() -> None:
    [finding] = check_reply("Hello {{ \x1b[31mname }}", "en")
    assert "\x1b" not in finding.message


def test_unknown_language_is_a_clear_error() -> None:
    with pytest.raises(CheckInputError, match="unknown reply language 'de'"):
        check_reply("Hallo", "de")


def test_line_and_column_are_one_based() -> None:
    text = "Hello,\nyou must log out."
    [finding] = check_reply(text, "en")
    assert line_column(text, finding.spans[0].start) == (2, 1)


def test_language_guess() -> None:
    assert guess_language("Здравствуйте, Иван!") == "ru"
    assert guess_language("Dzień dobry, Panie Janie") == "pl"
    assert guess_language("Hello Tom") == "en"


# -- checker settings in the team settings TOML ----------------------------------------------


def test_checker_settings_round_trip_through_toml(tmp_path: Path) -> None:
    document = default_document()
    document["checks"].update(
        rules={"bossy": "error", "negative": "off"},
        require_greeting=True,
        formal_address=["ru"],
        banned_words={"ru": {"техподдержка": "поддержка"}, "pl": {"helpdesk": ""}},
        team_contacts=["support@ringo.example", "+48 22 100 20 30"],
    )
    settings = parse_document(document)
    path = tmp_path / "team.toml"
    path.write_text(to_toml(settings.document), encoding="utf-8")
    loaded = load_toml_file(path)
    assert loaded.document == settings.document
    policy = loaded.checks
    assert policy.severities["bossy"] == "error" and "negative" not in policy.severities
    # Rules the file does not name keep their defaults.
    assert policy.severities["blame"] == "error"
    assert policy.require_greeting and policy.formal_address == frozenset({"ru"})
    assert policy.banned_words["ru"] == {"техподдержка": "поддержка"}
    found = check_reply("Передали в техподдержку.", "ru", policy)
    assert [f.rule for f in found] == ["greeting", "banned_word"]


@pytest.mark.parametrize(
    ("checks", "message"),
    [
        ({"rules": {"politeness": "error"}}, "unknown rule 'politeness'"),
        ({"rules": {"blame": "fatal"}}, r"checks.rules.blame = 'fatal'"),
        ({"formal_address": ["en"]}, r"checks.formal_address\[0\] = 'en'"),
        ({"banned_words": {"ru": {"!!": ""}}}, "has no letters"),
        ({"banned_words": {"de": {"x": ""}}}, "checks.banned_words.de"),
        ({"team_contacts": [" "]}, "an empty contact"),
        ({"require_greeting": "yes"}, "checks.require_greeting"),
        ({"spelling": True}, "checks.spelling — unknown key"),
    ],
)
def test_bad_checker_settings_are_refused_with_the_key(
    checks: dict[str, object], message: str
) -> None:
    document = default_document()
    document["checks"].update(checks)
    with pytest.raises(TeamSettingsError, match=message):
        parse_document(document)


def test_settings_stored_before_the_checker_existed_get_the_defaults() -> None:
    document = default_document()
    del document["checks"]
    settings = parse_document(document)
    assert dict(settings.checks.severities) == DEFAULT_SEVERITY
    assert settings.document["checks"]["rules"] == DEFAULT_SEVERITY
