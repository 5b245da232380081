"""Templates: parsing, checking, rendering in the sandbox, unfilled placeholders, the picker's
order."""

from __future__ import annotations

import pytest

from supportdesk.core.templates import (
    KbLink,
    RenderContext,
    TemplateDef,
    TemplateError,
    check_body,
    dedupe,
    parse_template,
    rank,
    render,
    sample_context,
    unfilled,
)


def parse(text: str, where: str = "t.md", source: str = "personal") -> TemplateDef:
    return parse_template(text, where=where, key=f"{source}:t", source=source)


def template(body: str, **fields: object) -> TemplateDef:
    values: dict = {"key": "k", "source": "shipped", "name": "T", "body": body, "where": "t.md"}
    values.update(fields)
    return check_body(TemplateDef(**values))


CONTEXT = RenderContext(
    customer={"name": "Jan Kowalski", "first_name": "Jan", "company": "", "language": "pl"},
    agent={"name": "Ann Novak", "first_name": "Ann"},
    ticket={"number": 1042, "subject": "Faktura"},
    kb=lambda slug: {
        "invoices": KbLink("https://help.example/kb/invoices", "Invoices", False),
        "pricing": KbLink("https://help.example/kb/pricing", "Pricing", True),
    }.get(slug),
)


def test_front_matter_fields() -> None:
    t = parse(
        "---\nname: Ask for details\nshortcut: details\nlanguage: pl\ntags: [a, b]\n"
        "category: question\nstatus: pending\n---\nHello {{ customer.first_name }}\n"
    )
    assert (t.name, t.shortcut, t.language, t.tags) == (
        "Ask for details",
        "details",
        "pl",
        ("a", "b"),
    )
    assert (t.category, t.set_status, t.body_line) == ("question", "pending", 9)


def test_render_fills_values_and_links() -> None:
    t = template(
        "Dzień dobry {{ customer.first_name }}, #{{ ticket.number }}: {{ kb('invoices') }}"
    )
    rendered = render(t, CONTEXT)
    assert rendered.text == "Dzień dobry Jan, #1042: https://help.example/kb/invoices"
    assert rendered.unfilled == () and rendered.warnings == ()


@pytest.mark.parametrize(
    ("body", "left"),
    [
        ("Hi {{ customer.company }} team", "customer.company"),  # empty string
        ("Hi {{ customer.last_name }}", "customer.last_name"),  # missing
        ('See {{ kb("nope") }}', 'kb("nope")'),  # no such article
    ],
)
def test_empty_or_undefined_placeholders_stay_visible(body: str, left: str) -> None:
    rendered = render(template(body), CONTEXT)
    assert "{{ " + left + " }}" in rendered.text
    assert rendered.unfilled == (left,)


def test_if_on_a_missing_value_is_false_not_an_error() -> None:
    t = template("{% if customer.company %}Dear {{ customer.company }}{% else %}Hello{% endif %}")
    assert render(t, CONTEXT).text == "Hello"


def test_internal_article_linked_is_warned() -> None:
    rendered = render(template('{{ kb("pricing") }}'), CONTEXT)
    assert rendered.warnings and "internal" in rendered.warnings[0]


@pytest.mark.parametrize(
    "body",
    [
        "{{ ''.__class__.__mro__ }}",
        "{{ customer.__init__.__globals__ }}",
        "{{ kb.__globals__['os'] }}",
        "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
        "{% for c in [].__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}",
        "{{ lipsum.__globals__ }}",
        "{{ self.__init__ }}",
        "{% include '/etc/passwd' %}",
        "{% import 'os' as os %}",
    ],
)
def test_the_sandbox_reaches_no_files_and_no_internals(body: str) -> None:
    with pytest.raises(TemplateError):
        template(body)
    # Even rendered unchecked (a team template typed into the database), nothing leaks.
    rendered = render(body, CONTEXT)
    assert "root:" not in rendered.text
    assert "<class" not in rendered.text
    assert "module" not in rendered.text
    assert "function" not in rendered.text


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("---\nname: X\n---\nfirst\n{% if %}\n", 5, "syntax"),
        ("---\nname: X\n---\n\n\n{{ custmer.name }}\n", 6, "unknown placeholder {{ custmer }}"),
        ("---\nname: X\n---\n{{ customer.frist }}\n", 4, "customer.frist"),
        ("---\nname: X\nstaus: solved\n---\nHi\n", 3, "unknown front matter key 'staus'"),
        ("---\nname: X\ncategory: urgent\n---\nHi\n", 3, "category 'urgent'"),
        ("---\nname: X\nshortcut: two words\n---\nHi\n", 3, "shortcut"),
        ("---\nshortcut: x\n---\nHi\n", 1, "'name' is required"),
        ("---\nname: [x\n---\nHi\n", 3, "not valid YAML"),
        ("no front matter\n", 1, "no front matter"),
        ("---\nname: X\n---\n{{ kb(customer.name) }}\n", 4, "kb() takes one article slug"),
        ("---\nname: X\n---\n\n", 5, "no text"),
    ],
)
def test_broken_templates_say_file_and_line(text: str, line: int, message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        parse(text, where="templates/x.md")
    error = caught.value
    assert error.line == line, str(error)
    assert message in str(error)
    assert str(error).startswith(f"templates/x.md:{line}: ")


def test_unfilled_finds_every_placeholder() -> None:
    assert unfilled("Hi {{ a.b }} and {{c}} and {% if x %}") == ("a.b", "c", "{% if x %}")
    assert unfilled("No braces { here }") == ()


def test_sample_context_renders_every_field() -> None:
    body = " ".join(
        "{{ %s.%s }}" % (obj, field)  # noqa: UP031
        for obj, fields in {
            "customer": ("name", "first_name", "last_name", "company", "email", "language"),
            "agent": ("name", "first_name", "email", "signature"),
            "ticket": ("number", "subject", "channel", "status", "priority", "category"),
        }.items()
        for field in fields
    )
    assert render(template(body), sample_context()).unfilled == ()


def test_to_markdown_reads_back_the_same() -> None:
    t = parse(
        '---\nname: "Hi: you"\nshortcut: hi\nlanguage: ru\ntags: [yes, "3.0"]\nstatus: solved\n'
        "---\nПривет, {{ customer.first_name }}!\n"
    )
    again = parse(t.to_markdown())
    assert (
        again.name,
        again.shortcut,
        again.language,
        again.tags,
        again.set_status,
        again.body,
    ) == (
        t.name,
        t.shortcut,
        t.language,
        t.tags,
        t.set_status,
        t.body,
    )


# -- the picker's order ---------------------------------------------------------------------


def _t(name: str, shortcut: str, language: str, usage: int = 0, **kw: object) -> TemplateDef:
    return TemplateDef(
        key=f"{language}:{shortcut}",
        source=kw.pop("source", "shipped"),
        name=name,  # type: ignore[arg-type]
        body=kw.pop("body", "text"),
        language=language,
        shortcut=shortcut,
        usage=usage,  # type: ignore[arg-type]
        tags=kw.pop("tags", ()),  # type: ignore[arg-type]
    )


LIBRARY = [
    _t("Asking for details", "details", "en", usage=1),
    _t("Prośba o szczegóły", "details", "pl"),
    _t("Faktura VAT", "invoice", "pl", usage=9, tags=("billing",)),
    _t("Telephony outage", "outage", "en", usage=5, body="Calls are not coming through"),
    _t("Solved", "solved", "en", usage=2),
]


def test_empty_query_customer_language_first_then_most_used() -> None:
    names = [m.template.name for m in rank(LIBRARY, "", language="en")]
    assert names == [
        "Telephony outage",
        "Solved",
        "Asking for details",
        "Faktura VAT",
        "Prośba o szczegóły",
    ]


def test_search_over_shortcut_name_tags_and_body_fuzzily() -> None:
    def first(query: str, language: str | None = "en") -> str:
        return rank(LIBRARY, query, language=language)[0].template.name

    assert first(";details") == "Asking for details"
    assert first("details", "pl") == "Prośba o szczegóły"
    assert first("billing") == "Faktura VAT"
    assert first("szczegoly") == "Prośba o szczegóły"  # without Polish letters
    assert first("coming through") == "Telephony outage"  # words of the text
    assert first("otge") == "Telephony outage"  # letters in order: fuzzy
    assert rank(LIBRARY, "zzzz") == []


def test_dedupe_prefers_personal_then_team_then_shipped() -> None:
    shipped = _t("Details", "details", "en", source="shipped")
    team = _t("Details (team)", "details", "en", source="team")
    mine = _t("Details (mine)", "details", "en", source="personal")
    other_language = _t("Szczegóły", "details", "pl", source="shipped")
    kept = dedupe([shipped, team, mine, other_language])
    assert {t.name for t in kept} == {"Details (mine)", "Szczegóły"}
    assert {t.name for t in dedupe([shipped, team])} == {"Details (team)"}
