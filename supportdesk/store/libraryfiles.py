"""Templates and knowledge-base articles as Markdown files with front matter.

Templates come from three places, merged into one list by `TemplateLibrary.load()`:
shipped with supportdesk (`templates/`), personal (`templates/` in the user's data folder) and
the team's (in the database). Where two have the same language and shortcut, the personal one
wins over the team's, and the team's over the shipped one. A broken file is reported with its
file and line and left out; the others still load.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from supportdesk.core.frontmatter import FrontMatterError, render_front_matter, split_front_matter
from supportdesk.core.templates import (
    KbLink,
    RenderContext,
    TemplateDef,
    TemplateError,
    dedupe,
    first_name,
    parse_template,
    render,
    sample_context,
)
from supportdesk.store.dto import ArticleDoc

if TYPE_CHECKING:
    from supportdesk.store.desk import Desk
    from supportdesk.store.dto import AgentInfo, TicketSummary

ARTICLE_KEYS = ("title", "slug", "language", "tags", "internal")


def read_template_folder(
    folder: Path, source: str
) -> tuple[list[TemplateDef], list[TemplateError]]:
    """Every `*.md` in `folder` (not recursive), sorted by name. A missing folder is empty."""
    templates: list[TemplateDef] = []
    errors: list[TemplateError] = []
    if not folder.is_dir():
        return templates, errors
    for path in sorted(folder.glob("*.md")):
        template, error = read_template_file(path, source)
        if template is not None:
            templates.append(template)
        if error is not None:
            errors.append(error)
    return templates, errors


def read_template_file(path: Path, source: str) -> tuple[TemplateDef | None, TemplateError | None]:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, TemplateError(str(path), None, f"not UTF-8 text ({exc.reason})")
    except OSError as exc:
        return None, TemplateError(str(path), None, f"cannot read: {exc.strerror or exc}")
    try:
        return parse_template(
            text, where=str(path), key=f"{source}:{path.stem}", source=source
        ), None
    except TemplateError as exc:
        return None, exc


def check_templates(
    templates: Iterable[TemplateDef], kb_links: dict[str, KbLink] | None
) -> list[TemplateError]:
    """What `templates check` adds to parsing: every kb("slug") names an article (when the
    knowledge base is at hand), no template links an internal article, and the body renders
    with realistic values without a placeholder left over."""
    problems: list[TemplateError] = []
    context = sample_context((lambda slug: kb_links.get(slug)) if kb_links is not None else None)
    for t in templates:
        body_lines = t.body.splitlines()

        def line_of(needle: str, t: TemplateDef = t, body_lines: list[str] = body_lines) -> int:
            index = next((i for i, line in enumerate(body_lines) if needle in line), 0)
            return t.body_line + index

        if kb_links is not None:
            for slug in t.kb_slugs:
                link = kb_links.get(slug)
                if link is None:
                    problems.append(
                        TemplateError(t.where, line_of(slug), f'no knowledge-base article "{slug}"')
                    )
                elif link.internal:
                    problems.append(
                        TemplateError(
                            t.where,
                            line_of(slug),
                            f'"{slug}" is an internal article; customers cannot open it',
                        )
                    )
        rendered = render(t, context)
        for name in rendered.unfilled:
            if name.startswith("kb("):
                continue
            problems.append(
                TemplateError(
                    t.where, line_of(name.split(".")[0]), f"{{{{ {name} }}}} stays unfilled"
                )
            )
    return problems


@dataclass(frozen=True)
class LoadedTemplates:
    templates: tuple[TemplateDef, ...]
    errors: tuple[TemplateError, ...]


@dataclass
class TemplateLibrary:
    """The templates an agent can use: shipped, personal and the team's, with use counts."""

    shipped_dir: Path
    personal_dir: Path | None
    desk: Desk

    def load(self) -> LoadedTemplates:
        shipped, errors = read_template_folder(self.shipped_dir, "shipped")
        personal: list[TemplateDef] = []
        if self.personal_dir is not None:
            personal, personal_errors = read_template_folder(self.personal_dir, "personal")
            errors += personal_errors
        team, team_errors = self.desk.list_team_templates()
        errors += team_errors
        usage = self.desk.template_usage()

        def counted(t: TemplateDef) -> TemplateDef:
            mine, everyone = usage.get(t.key, (0, 0))
            if t.source == "team":
                return replace(t, usage=max(t.usage, mine), team_usage=max(t.team_usage, everyone))
            return replace(t, usage=mine, team_usage=everyone)

        merged = dedupe([counted(t) for t in (*personal, *team, *shipped)])
        return LoadedTemplates(tuple(merged), tuple(errors))

    def record_use(self, template: TemplateDef) -> None:
        self.desk.record_template_use(template.key)


def ticket_context(
    ticket: TicketSummary, me: AgentInfo | None, kb_links: dict[str, KbLink]
) -> RenderContext:
    """What a template sees of this ticket, its customer and the agent answering."""
    customer = ticket.customer
    names = (customer.name or "").split()
    # A name that is only an address ("jan@firma.pl") is no name to greet with.
    has_name = bool(names) and "@" not in customer.name
    return RenderContext(
        customer={
            "name": customer.name if has_name else None,
            "first_name": first_name(customer.name) if has_name else None,
            "last_name": " ".join(names[1:]) if has_name and len(names) > 1 else None,
            "company": customer.company,
            "email": customer.emails[0] if customer.emails else None,
            "language": customer.language,
        },
        agent={
            "name": me.display_name if me else None,
            "first_name": first_name(me.display_name) if me else None,
            "email": me.email if me else None,
            "signature": me.signature if me else None,
        },
        ticket={
            "number": ticket.number,
            "subject": ticket.subject,
            "channel": ticket.channel,
            "status": ticket.status,
            "priority": ticket.priority,
            "category": ticket.category,
        },
        kb=lambda slug: kb_links.get(slug),
    )


# -- knowledge-base files -------------------------------------------------------------------


class ArticleFileError(ValueError):
    def __init__(self, where: str, line: int | None, message: str) -> None:
        super().__init__(f"{where}:{line}: {message}" if line else f"{where}: {message}")


def parse_article(text: str, where: str, default_slug: str) -> ArticleDoc:
    try:
        meta, body, _line = split_front_matter(text)
    except FrontMatterError as exc:
        raise ArticleFileError(where, exc.line, str(exc)) from None
    unknown = [k for k in meta if k not in ARTICLE_KEYS]
    if unknown:
        raise ArticleFileError(
            where,
            None,
            f"unknown front matter key {unknown[0]!r}; expected {', '.join(ARTICLE_KEYS)}",
        )
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ArticleFileError(where, None, "'title' is required")
    tags = meta.get("tags") or []
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",")]
    if not isinstance(tags, list):
        raise ArticleFileError(where, None, "tags: expected a list such as [billing, invoice]")
    internal = meta.get("internal", False)
    if not isinstance(internal, bool):
        raise ArticleFileError(where, None, f"internal: expected true or false, not {internal!r}")
    return ArticleDoc(
        slug=str(meta.get("slug") or default_slug),
        title=title,
        body=body,
        language=str(meta.get("language") or "en"),
        tags=tuple(str(t) for t in tags),
        internal=internal,
    )


def read_article_folder(folder: Path) -> tuple[list[ArticleDoc], list[str]]:
    """Every `*.md` under `folder` (recursively); problems as `file:line: message`."""
    docs: list[ArticleDoc] = []
    problems: list[str] = []
    if not folder.is_dir():
        return docs, [f"{folder}: not a folder"]
    for path in sorted(folder.rglob("*.md")):
        try:
            docs.append(parse_article(path.read_text(encoding="utf-8"), str(path), path.stem))
        except (ArticleFileError, UnicodeDecodeError) as exc:
            problems.append(str(exc) if isinstance(exc, ArticleFileError) else f"{path}: not UTF-8")
    return docs, problems


def article_markdown(doc: ArticleDoc) -> str:
    meta: dict[str, object] = {
        "title": doc.title,
        "slug": doc.slug,
        "language": doc.language,
        "tags": list(doc.tags),
        "internal": doc.internal,
    }
    return render_front_matter(meta, doc.body)


def write_article_folder(folder: Path, docs: Sequence[ArticleDoc]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for doc in docs:
        path = folder / f"{doc.slug}.md"
        path.write_text(article_markdown(doc), encoding="utf-8")
        written.append(path)
    return written
