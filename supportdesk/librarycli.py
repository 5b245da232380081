"""`supportdesk templates …`, `supportdesk kb …` and `supportdesk similar N`: canned responses,
the knowledge base and similar past tickets from the command line (text, or JSON with --json)."""

from __future__ import annotations

import argparse
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import make_url

from supportdesk.core.plaintext import one_line
from supportdesk.core.templates import TemplateDef, TemplateError
from supportdesk.core.textsearch import fold
from supportdesk.resources import shipped_templates_dir
from supportdesk.store.db import StoreError
from supportdesk.store.libraryfiles import (
    TemplateLibrary,
    check_templates,
    read_article_folder,
    read_template_file,
    read_template_folder,
    write_article_folder,
)

if TYPE_CHECKING:
    from supportdesk.__main__ import Context

EXIT_OK = 0
EXIT_REFUSED = 1


def personal_templates_dir(ctx: Context) -> Path:
    return ctx.settings.data_dir / "templates"


def library(ctx: Context) -> TemplateLibrary:
    return TemplateLibrary(shipped_templates_dir(), personal_templates_dir(ctx), ctx.desk())


def _database_exists(ctx: Context) -> bool:
    target = ctx.database_target()
    if "://" not in target:
        return Path(target).expanduser().exists()
    try:
        return (
            make_url(target).get_backend_name() != "sqlite"
            or Path(make_url(target).database or "").exists()
        )
    except Exception:
        return False


def _template_paths(paths: list[str]) -> tuple[list[TemplateDef], list[TemplateError]]:
    templates: list[TemplateDef] = []
    errors: list[TemplateError] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found, problems = read_template_folder(path, "file")
            templates += found
            errors += problems
        elif path.is_file():
            template, error = read_template_file(path, "file")
            if template is not None:
                templates.append(template)
            if error is not None:
                errors.append(error)
        else:
            errors.append(TemplateError(str(path), None, "no such file or folder"))
    return templates, errors


def cmd_templates(ctx: Context) -> int:
    command = ctx.args.templates_command
    if command == "list":
        loaded = library(ctx).load()
        rows = [
            t for t in loaded.templates if not ctx.args.language or t.language == ctx.args.language
        ]
        rows.sort(key=lambda t: (t.language, -t.usage, -t.team_usage, fold(t.name)))
        if ctx.args.json:
            ctx.json(
                {
                    "templates": [t.to_json() for t in rows],
                    "errors": [str(e) for e in loaded.errors],
                }
            )
        else:
            for t in rows:
                ctx.print(
                    f"{t.language:<3} {(';' + t.shortcut) if t.shortcut else '-':<18} "
                    f"{one_line(t.name, 50):<50} {t.source:<8} {t.usage:>4} uses"
                )
            ctx.print(f"{len(rows)} templates")
            for error in loaded.errors:
                ctx.print(f"skipped: {error}")
        return EXIT_OK if not loaded.errors else EXIT_REFUSED
    if command == "check":
        return _check(ctx)
    if command == "import":
        templates, errors = _template_paths(ctx.args.paths)
        if errors:
            for error in errors:
                ctx.print(str(error))
            ctx.print("Nothing imported: fix the files above first.")
            return EXIT_REFUSED
        if ctx.args.personal:
            folder = personal_templates_dir(ctx)
            folder.mkdir(parents=True, exist_ok=True)
            for t in templates:
                shutil.copyfile(t.where, folder / Path(t.where).name)
            ctx.print(f"{len(templates)} templates copied to {folder} (only you see them).")
            return EXIT_OK
        result = ctx.desk().import_team_templates(templates)
        if ctx.args.json:
            ctx.json(result.to_json())
        else:
            ctx.print(
                f"Team templates: {len(result.created)} new, {len(result.updated)} changed, "
                f"{len(result.unchanged)} unchanged."
            )
        return EXIT_OK
    # export
    loaded = library(ctx).load()
    folder = Path(ctx.args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    chosen = [t for t in loaded.templates if ctx.args.source in ("all", t.source)]
    used: set[str] = set()
    for t in chosen:
        stem = f"{t.language}-" + (
            "-".join(re.findall(r"[a-z0-9]+", fold(t.shortcut or t.name))) or "template"
        )
        name, n = stem, 2
        while name in used:
            name, n = f"{stem}-{n}", n + 1
        used.add(name)
        (folder / f"{name}.md").write_text(t.to_markdown(), encoding="utf-8")
    ctx.print(f"{len(chosen)} templates written to {folder}.")
    return EXIT_OK


def _check(ctx: Context) -> int:
    if ctx.args.paths:
        templates, errors = _template_paths(ctx.args.paths)
        use_db = _database_exists(ctx)
    else:
        loaded = library(ctx).load()
        templates, errors = list(loaded.templates), list(loaded.errors)
        use_db = True
    links = None
    if use_db:
        try:
            links = ctx.desk().kb_links()
        except StoreError:
            links = None
    errors += check_templates(templates, links)
    errors.sort(key=lambda e: (e.where, e.line or 0))
    if ctx.args.json:
        ctx.json(
            {
                "checked": len(templates)
                + len({e.where for e in errors} - {t.where for t in templates}),
                "ok": not errors,
                "knowledge_base_checked": links is not None,
                "errors": [{"file": e.where, "line": e.line, "message": e.message} for e in errors],
            }
        )
    else:
        for error in errors:
            ctx.print(str(error))
        note = "" if links is not None else " (kb links not checked: no database)"
        if errors:
            ctx.print(
                f"{len(errors)} problems in {len({e.where for e in errors})} templates{note}."
            )
        else:
            ctx.print(f"{len(templates)} templates OK{note}.")
    return EXIT_OK if not errors else EXIT_REFUSED


def cmd_kb(ctx: Context) -> int:
    command = ctx.args.kb_command
    desk = ctx.desk()
    if command == "search":
        results = desk.search_kb(
            " ".join(ctx.args.query),
            language=ctx.args.language,
            include_internal=not ctx.args.public,
            limit=ctx.args.limit,
        )
        if ctx.args.json:
            ctx.json(results.to_json())
            return EXIT_OK
        if not results.hits:
            ctx.print("No article matches.")
            return EXIT_OK
        if results.mode == "any":
            ctx.print("No article has every word; these have some of them:")
        for hit in results.hits:
            a = hit.article
            badge = "INTERNAL " if a.internal else ""
            ctx.print(f"{a.slug}  [{a.language}] {badge}{one_line(a.title, 80)}")
            marked = hit.snippet
            for start, end in reversed(hit.hits):
                marked = marked[:start] + "**" + marked[start:end] + "**" + marked[end:]
            ctx.print(f"    {one_line(marked, 300)}")
        return EXIT_OK
    if command == "show":
        article = desk.get_article(ctx.args.slug)
        if ctx.args.json:
            ctx.json(article.to_json())
        else:
            badge = " · INTERNAL (team only)" if article.internal else ""
            ctx.print(
                f"{article.title}\n{article.slug} · {article.language}{badge} · {article.url}"
            )
            ctx.print("")
            ctx.print(article.body.rstrip())
        return EXIT_OK
    if command == "list":
        articles = desk.list_articles(language=ctx.args.language)
        if ctx.args.json:
            ctx.json([{k: v for k, v in a.to_json().items() if k != "body"} for a in articles])
        else:
            for a in articles:
                badge = "internal" if a.internal else "public"
                ctx.print(f"{a.language:<3} {badge:<8} {a.slug:<45} {one_line(a.title, 60)}")
            ctx.print(f"{len(articles)} articles")
        return EXIT_OK
    if command == "import":
        docs, problems = read_article_folder(Path(ctx.args.folder))
        if problems:
            for problem in problems:
                ctx.print(problem)
            ctx.print("Nothing imported: fix the files above first.")
            return EXIT_REFUSED
        result = desk.import_articles(docs)
        if ctx.args.json:
            ctx.json(result.to_json())
        else:
            ctx.print(
                f"Knowledge base: {len(result.created)} new, {len(result.updated)} changed, "
                f"{len(result.unchanged)} unchanged."
            )
        return EXIT_OK
    # export
    written = write_article_folder(Path(ctx.args.folder), desk.export_articles())
    ctx.print(f"{len(written)} articles written to {ctx.args.folder}.")
    return EXIT_OK


def cmd_similar(ctx: Context) -> int:
    similar = ctx.desk().similar_tickets(ctx.args.number, limit=ctx.args.limit)
    if ctx.args.json:
        ctx.json([s.to_json() for s in similar])
        return EXIT_OK
    if not similar:
        ctx.print("No solved ticket looks like this one.")
    for s in similar:
        ctx.print(
            f"#{s.number} [{s.status}] {one_line(s.subject, 70)} — {one_line(s.customer, 30)}"
        )
        ctx.print(f"    {one_line(s.snippet, 200)}")
        if s.answer:
            ctx.print(f"    answered by {s.answered_by or '?'}: {one_line(s.answer, 160)}")
    return EXIT_OK


def add_commands(add: Callable[..., argparse.ArgumentParser], ticket_number: Callable) -> None:
    """Register the commands on the main parser (`add(name, handler, help)`)."""
    templates = add("templates", cmd_templates, "canned responses: list, check, import, export")
    sub = templates.add_subparsers(dest="templates_command", required=True)
    listing = sub.add_parser("list", help="every template you can use, most used first")
    listing.add_argument("--language")
    listing.add_argument("--json", action="store_true")
    check = sub.add_parser(
        "check",
        help="validate templates (default: shipped, yours and the team's); exit 1 with "
        "file:line messages on problems",
    )
    check.add_argument("paths", nargs="*", metavar="PATH", help="template files or folders")
    check.add_argument("--json", action="store_true")
    importing = sub.add_parser(
        "import", help="store templates for the team (leads), or --personal for yourself"
    )
    importing.add_argument("paths", nargs="+", metavar="PATH")
    importing.add_argument(
        "--personal", action="store_true", help="copy into your own templates folder"
    )
    importing.add_argument("--json", action="store_true")
    exporting = sub.add_parser("export", help="write templates as Markdown files")
    exporting.add_argument("folder")
    exporting.add_argument(
        "--source", choices=["all", "team", "personal", "shipped"], default="all"
    )

    kb = add("kb", cmd_kb, "the knowledge base: search, show, list, import, export")
    kb_sub = kb.add_subparsers(dest="kb_command", required=True)
    search = kb_sub.add_parser("search", help="full-text search; any words, never an error")
    search.add_argument("query", nargs="+")
    search.add_argument("--language", help="only articles in this language")
    search.add_argument("--public", action="store_true", help="leave internal articles out")
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--json", action="store_true")
    show = kb_sub.add_parser("show", help="one article")
    show.add_argument("slug")
    show.add_argument("--json", action="store_true")
    kb_list = kb_sub.add_parser("list", help="every article")
    kb_list.add_argument("--language")
    kb_list.add_argument("--json", action="store_true")
    kb_import = kb_sub.add_parser(
        "import", help="create or update articles from Markdown files (all or nothing)"
    )
    kb_import.add_argument("folder")
    kb_import.add_argument("--json", action="store_true")
    kb_sub.add_parser("export", help="write every article as a Markdown file").add_argument(
        "folder"
    )

    similar = add("similar", cmd_similar, "solved tickets most like this one, and their answers")
    similar.add_argument("number", type=ticket_number)
    similar.add_argument("--limit", type=int, default=10)
    similar.add_argument("--json", action="store_true")
