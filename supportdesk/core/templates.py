"""Canned responses: reading a template file, checking it, filling it in, finding it.

A template is Markdown with front matter (name, shortcut, language, tags, optional category and
status to set when used). Its body is Jinja2, rendered in a sandbox with only `customer`,
`agent`, `ticket` and `kb("slug")` to see. A placeholder with no value — unknown, missing or
empty — is not rendered as empty text: it stays in the reply as `{{ customer.first_name }}`,
the editor highlights it, and `unfilled()` finds it so a reply that still has one is refused.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2.sandbox import SandboxedEnvironment

from supportdesk.core.frontmatter import FrontMatterError, render_front_matter, split_front_matter
from supportdesk.core.textsearch import fold

# What a template may use: the object and its fields.
FIELDS: dict[str, tuple[str, ...]] = {
    "customer": ("name", "first_name", "last_name", "company", "email", "language"),
    "agent": ("name", "first_name", "email", "signature"),
    "ticket": ("number", "subject", "channel", "status", "priority", "category"),
}
GLOBALS = (*FIELDS, "kb")
FRONT_MATTER_KEYS = ("name", "shortcut", "language", "tags", "category", "status")
CATEGORIES = ("blocking", "question", "onboarding", "feature_request")
STATUSES_AFTER = ("open", "pending", "on_hold", "solved")
SOURCES = ("personal", "team", "shipped")
_SHORTCUT = re.compile(r"^[\w][\w.-]{0,63}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?$")
# An unfilled placeholder as it stays in a reply: {{ something }}.
PLACEHOLDER = re.compile(r"\{\{\s*(.*?)\s*\}\}|\{%.*?%\}", re.S)


class TemplateError(ValueError):
    """A template that cannot be used, with where: `file:line: message`."""

    def __init__(self, where: str, line: int | None, message: str) -> None:
        super().__init__(message)
        self.where = where
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return (
            f"{self.where}:{self.line}: {self.message}"
            if self.line
            else (f"{self.where}: {self.message}")
        )


@dataclass(frozen=True)
class TemplateDef:
    key: str
    source: str
    name: str
    body: str
    language: str = "en"
    shortcut: str | None = None
    tags: tuple[str, ...] = ()
    category: str | None = None
    set_status: str | None = None
    # Where it came from (a file path, or "team template #12") and the line its body starts on.
    where: str = ""
    body_line: int = 1
    # kb("slug") references in the body.
    kb_slugs: tuple[str, ...] = ()
    usage: int = 0
    team_usage: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "source": self.source,
            "name": self.name,
            "shortcut": self.shortcut,
            "language": self.language,
            "tags": list(self.tags),
            "category": self.category,
            "status": self.set_status,
            "where": self.where,
            "uses": self.usage,
            "team_uses": self.team_usage,
            "body": self.body,
        }

    def to_markdown(self) -> str:
        """The template as a file (front matter + body), as `templates export` writes it."""
        meta: dict[str, Any] = {"name": self.name}
        if self.shortcut:
            meta["shortcut"] = self.shortcut
        meta["language"] = self.language
        if self.tags:
            meta["tags"] = list(self.tags)
        if self.category:
            meta["category"] = self.category
        if self.set_status:
            meta["status"] = self.set_status
        return render_front_matter(meta, self.body)


# -- the sandbox ----------------------------------------------------------------------------


class _Record:
    """customer / agent / ticket as the template sees them: a missing or empty field is a
    `_Missing` named after the placeholder."""

    def __init__(self, prefix: str, values: Mapping[str, Any]) -> None:
        self._prefix = prefix
        self._values = dict(values)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        value = self._values.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return _missing(f"{self._prefix}.{name}")
        return value

    def __str__(self) -> str:
        return "{{ " + self._prefix + " }}"


@functools.cache
def _missing_class() -> type:
    """The Undefined of our sandbox (Jinja2 is imported on first use: startup stays fast)."""
    from jinja2 import Undefined

    class _Missing(Undefined):
        """A placeholder without a value: renders as itself, so it is seen and refused, never
        sent as an empty space. False in `{% if %}`, empty in loops."""

        __slots__ = ()

        def __str__(self) -> str:
            return "{{ " + (self._undefined_name or "?") + " }}"

        def __getattr__(self, name: str) -> Any:
            if name.startswith("__"):
                raise AttributeError(name)
            return _Missing(name=f"{self._undefined_name}.{name}")

    return _Missing


def _missing(name: str) -> Any:
    return _missing_class()(name=name)


@functools.cache
def _environment() -> SandboxedEnvironment:
    from jinja2.sandbox import SandboxedEnvironment

    return SandboxedEnvironment(
        undefined=_missing_class(),
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@functools.lru_cache(maxsize=512)
def _compiled(body: str) -> Any:
    return _environment().from_string(body)


# -- reading and checking -------------------------------------------------------------------


def _key_line(front: str, key: str) -> int | None:
    for number, line in enumerate(front.splitlines(), start=1):
        if re.match(rf"^{re.escape(key)}\s*:", line):
            return number
    return None


def parse_template(text: str, *, where: str, key: str, source: str) -> TemplateDef:
    """A template file's text -> TemplateDef; TemplateError (with the line) if it is broken."""
    try:
        meta_, body, body_line = split_front_matter(text)
    except FrontMatterError as exc:
        raise TemplateError(where, exc.line, str(exc)) from None
    front = text.removeprefix("\ufeff").split("\n---", 1)[0]

    def fail(field_: str | None, message: str) -> TemplateError:
        return TemplateError(where, _key_line(front, field_) if field_ else 1, message)

    unknown = [k for k in meta_ if k not in FRONT_MATTER_KEYS]
    if unknown:
        raise fail(
            str(unknown[0]),
            f"unknown front matter key {unknown[0]!r}; expected {', '.join(FRONT_MATTER_KEYS)}",
        )
    name = meta_.get("name")
    if not isinstance(name, str) or not name.strip():
        raise fail("name" if "name" in meta_ else None, "'name' is required (a short title)")
    shortcut = meta_.get("shortcut")
    if shortcut is not None:
        shortcut = str(shortcut)
        if not _SHORTCUT.match(shortcut):
            raise fail("shortcut", f"shortcut {shortcut!r}: one word (letters, digits, - . _)")
    language = str(meta_.get("language") or "en")
    if not _LANGUAGE.match(language):
        raise fail("language", f"language {language!r}: expected a code such as en, pl, ru")
    tags_raw = meta_.get("tags") or []
    if isinstance(tags_raw, str):
        tags_raw = [t.strip() for t in tags_raw.split(",") if t.strip()]
    if not isinstance(tags_raw, list):
        raise fail("tags", "tags: expected a list such as [billing, invoice]")
    category = meta_.get("category")
    if category is not None and category not in CATEGORIES:
        raise fail("category", f"category {category!r}: expected one of {', '.join(CATEGORIES)}")
    status = meta_.get("status")
    if status is not None and status not in STATUSES_AFTER:
        raise fail("status", f"status {status!r}: expected one of {', '.join(STATUSES_AFTER)}")
    return check_body(
        TemplateDef(
            key=key,
            source=source,
            name=name.strip(),
            body=body,
            language=language,
            shortcut=shortcut,
            tags=tuple(str(t) for t in tags_raw),
            category=category,
            set_status=status,
            where=where,
            body_line=body_line,
        )
    )


def check_body(template: TemplateDef) -> TemplateDef:
    """Compile the body in the sandbox and look at every placeholder; TemplateError on the first
    problem (its line in the file), else the template with its kb() slugs filled in."""
    from jinja2 import TemplateSyntaxError, meta, nodes

    where, first = template.where, template.body_line
    if not template.body.strip():
        raise TemplateError(where, first, "the template has no text")
    try:
        tree = _environment().parse(template.body)
    except TemplateSyntaxError as exc:
        raise TemplateError(
            where, first + (exc.lineno or 1) - 1, f"syntax: {exc.message}"
        ) from None
    for node in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        raise TemplateError(
            where, first + node.lineno - 1, "a template cannot include or import other files"
        )
    for name in sorted(meta.find_undeclared_variables(tree) - set(GLOBALS)):
        line = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == name), 1)
        raise TemplateError(
            where,
            first + line - 1,
            f'unknown placeholder {{{{ {name} }}}}; use customer, agent, ticket or kb("slug")',
        )
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        owner = node.node
        attr = node.attr if isinstance(node, nodes.Getattr) else _const(node.arg)
        if attr is not None and attr.startswith("_"):
            raise TemplateError(where, first + node.lineno - 1, f"{attr!r} may not be used")
        known = FIELDS.get(owner.name) if isinstance(owner, nodes.Name) else None
        if known is not None and attr is not None and attr not in known:
            raise TemplateError(
                where,
                first + node.lineno - 1,
                f"unknown placeholder {{{{ {owner.name}.{attr} }}}}; {owner.name} has "  # type: ignore[attr-defined]
                + ", ".join(known),
            )
    slugs: list[str] = []
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name == "kb":
            arg = _const(call.args[0]) if len(call.args) == 1 and not call.kwargs else None
            if arg is None:
                raise TemplateError(
                    where, first + call.lineno - 1, 'kb() takes one article slug: kb("slug")'
                )
            slugs.append(arg)
    try:
        _compiled(template.body)
    except TemplateSyntaxError as exc:  # pragma: no cover - parse() above saw it first
        raise TemplateError(
            where, first + (exc.lineno or 1) - 1, f"syntax: {exc.message}"
        ) from None
    return _replace(template, kb_slugs=tuple(dict.fromkeys(slugs)))


def _const(node: Any) -> str | None:
    from jinja2 import nodes

    return node.value if isinstance(node, nodes.Const) and isinstance(node.value, str) else None


def _replace(template: TemplateDef, **changes: Any) -> TemplateDef:
    from dataclasses import replace

    return replace(template, **changes)


# -- rendering ------------------------------------------------------------------------------


@dataclass(frozen=True)
class KbLink:
    """What kb("slug") refers to: the public address, and whether it is internal."""

    url: str
    title: str
    internal: bool


@dataclass(frozen=True)
class RenderContext:
    customer: Mapping[str, Any] = field(default_factory=dict)
    agent: Mapping[str, Any] = field(default_factory=dict)
    ticket: Mapping[str, Any] = field(default_factory=dict)
    kb: Callable[[str], KbLink | None] = lambda _slug: None


@dataclass(frozen=True)
class Rendered:
    text: str
    # Placeholders left to fill ("customer.first_name", 'kb("slug")'), in order of appearance.
    unfilled: tuple[str, ...]
    # Things to tell the agent: an internal article linked, a template error.
    warnings: tuple[str, ...] = ()


def render(template: TemplateDef | str, context: RenderContext) -> Rendered:
    """Fill a template in. Never raises for a template that passed check_body()."""
    from jinja2 import TemplateSyntaxError

    body = template.body if isinstance(template, TemplateDef) else template
    warnings: list[str] = []

    def kb(slug: object = None) -> Any:
        if not isinstance(slug, str):
            return _missing("kb()")
        link = context.kb(slug)
        if link is None:
            warnings.append(f'no knowledge-base article "{slug}"')
            return _missing(f'kb("{slug}")')
        if link.internal:
            warnings.append(f'"{link.title}" is an internal article: not for customers')
        return link.url

    values = {name: _Record(name, getattr(context, name)) for name in FIELDS}
    try:
        text = _compiled(body).render(**values, kb=kb)
    except TemplateSyntaxError as exc:
        return Rendered(body, unfilled(body), (f"syntax error: {exc.message}",))
    except Exception as exc:  # the sandbox refused something, or a filter failed
        return Rendered(body, unfilled(body), (f"cannot fill in: {exc}",))
    return Rendered(text, unfilled(text), tuple(dict.fromkeys(warnings)))


def unfilled(text: str) -> tuple[str, ...]:
    """Placeholders still in a text (a reply with any of these must not be sent)."""
    return tuple(
        (m.group(1) if m.group(1) is not None else m.group(0)) or "{{ }}"
        for m in PLACEHOLDER.finditer(text)
    )


def placeholder_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in PLACEHOLDER.finditer(text)]


def first_name(name: str | None) -> str | None:
    if not name:
        return None
    parts = name.strip().split()
    return parts[0] if parts else None


def sample_context(kb: Callable[[str], KbLink | None] | None = None) -> RenderContext:
    """Realistic values for `templates check` and previews without a ticket."""
    return RenderContext(
        customer={
            "name": "Jan Kowalski",
            "first_name": "Jan",
            "last_name": "Kowalski",
            "company": "Firma Sp. z o.o.",
            "email": "jan@firma.example",
            "language": "pl",
        },
        agent={
            "name": "Ann Novak",
            "first_name": "Ann",
            "email": "ann@support.example",
            "signature": "Ann Novak\nSupport",
        },
        ticket={
            "number": 1042,
            "subject": "Calls drop after 30 seconds",
            "channel": "email",
            "status": "open",
            "priority": "normal",
            "category": "question",
        },
        kb=kb or (lambda slug: KbLink(f"https://help.example.com/kb/{slug}", slug, False)),
    )


# -- finding: the picker's order ------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    template: TemplateDef
    score: int


def _subsequence(needle: str, haystack: str) -> bool:
    it = iter(haystack)
    return all(ch in it for ch in needle)


def rank(
    templates: Iterable[TemplateDef], query: str, *, language: str | None = None
) -> list[Match]:
    """The picker's list: every query word must match the shortcut, name, tags or body
    (fuzzily in the name and shortcut); the customer's language first, then the best match,
    then the most used. An empty query lists everything, most used first."""
    query_words = fold(query.lstrip(";")).split()
    whole = " ".join(query_words)
    out: list[Match] = []
    for template in templates:
        score = _score(template, query_words)
        if score is not None:
            # The whole query against the shortcut (';outage-fi' is 'outage-fixed').
            shortcut = " ".join(fold(template.shortcut or "").split())
            if whole and shortcut == whole:
                score += 200
            elif whole and shortcut.startswith(whole):
                score += 150
            out.append(Match(template, score))

    def order(match: Match) -> tuple[Any, ...]:
        t = match.template
        return (
            0 if language and t.language == language else 1,
            -match.score,
            -t.usage,
            -t.team_usage,
            SOURCES.index(t.source) if t.source in SOURCES else 9,
            fold(t.name),
        )

    out.sort(key=order)
    return out


def _score(template: TemplateDef, query_words: Sequence[str]) -> int | None:
    if not query_words:
        return 0
    shortcut = fold(template.shortcut or "")
    name = fold(template.name)
    name_words = name.split()
    tags = [fold(t) for t in template.tags]
    body = fold(template.body)
    total = 0
    for word in query_words:
        best = 0
        if shortcut == word:
            best = 100
        elif shortcut.startswith(word):
            best = 60
        if any(w.startswith(word) for w in name_words):
            best = max(best, 40)
        elif word in name:
            best = max(best, 25)
        if any(t.startswith(word) for t in tags):
            best = max(best, 30)
        if not best and re.search(r"(?:^|\W)" + re.escape(word), body):
            best = 10
        if (
            not best
            and len(word) >= 2
            and (_subsequence(word, shortcut) or _subsequence(word, name.replace(" ", "")))
        ):
            best = 5
        if not best:
            return None
        total += best
    return total


def dedupe(templates: Iterable[TemplateDef]) -> list[TemplateDef]:
    """One template per (language, shortcut or name): personal beats team beats shipped."""
    chosen: dict[tuple[str, str], TemplateDef] = {}
    for template in sorted(
        templates, key=lambda t: SOURCES.index(t.source) if t.source in SOURCES else 9
    ):
        ident = (template.language, fold(template.shortcut or template.name))
        chosen.setdefault(ident, template)
    return list(chosen.values())
