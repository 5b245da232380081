"""The knowledge base in the console: quick search (ctrl+k anywhere), an article, the editor,
and similar past tickets.

Quick search shows results as you type with a Markdown preview, a public/internal badge and
a language filter. Opened from a reply, `enter` inserts a link to the article and `ctrl+t`
its text; anywhere else `enter` opens the article.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Checkbox, Input, Label, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from supportdesk.core.plaintext import one_line
from supportdesk.screens.modals import ConfirmModal
from supportdesk.store.desk import DeskError, StoreError
from supportdesk.store.dto import ArticleDoc, KbArticleInfo, KbHit, SimilarTicket
from supportdesk.widgets.footer import KeyFooter

if TYPE_CHECKING:
    from textual.widgets import Markdown


def _markdown() -> type[Markdown]:
    """Textual's Markdown widget, imported when an article is first shown: its parser
    (markdown-it) is a tenth of a second the console's start-up does not need."""
    from textual.widgets import Markdown

    return Markdown


SEARCH_AFTER_SECONDS = 0.12
LANGUAGES = (None, "en", "pl", "ru")


@dataclass(frozen=True)
class KbInsert:
    """What to put into the reply: a link to the article, or its text."""

    article: KbArticleInfo
    what: str  # "link" or "text"

    def text(self) -> str:
        if self.what == "link":
            return f"{self.article.title}: {self.article.url}"
        return self.article.body.strip("\n")


def badge(article: KbArticleInfo) -> Text:
    if article.internal:
        return Text(" INTERNAL ", style="bold white on red")
    return Text(" public ", style="bold black on green")


class KbResults(Message):
    def __init__(self, query: str, hits: Sequence[KbHit], mode: str, error: str | None) -> None:
        super().__init__()
        self.query = query
        self.hits = list(hits)
        self.mode = mode
        self.error = error


class KbSearchScreen(ModalScreen[KbInsert | None]):
    BINDINGS = [
        Binding("escape", "close", "Close", id="kb.close", tooltip="Close the knowledge base"),
        Binding(
            "enter",
            "choose",
            "Insert link / open",
            id="kb.choose",
            tooltip="In a reply: insert a link to the article; elsewhere: open it",
        ),
        Binding(
            "ctrl+t",
            "insert_text",
            "Insert text",
            id="kb.insert_text",
            tooltip="In a reply: insert the article's text",
        ),
        Binding(
            "ctrl+l",
            "language",
            "Language",
            id="kb.language",
            tooltip="Show articles in all languages / one language",
        ),
        Binding("ctrl+n", "new", "New article", id="kb.new", tooltip="Write a new article"),
        Binding("down", "move(1)", "Next", show=False, id="kb.down", tooltip="Next article"),
        Binding("up", "move(-1)", "Previous", show=False, id="kb.up", tooltip="Previous article"),
    ]

    def __init__(
        self, *, for_reply: bool = False, language: str | None = None, query: str = ""
    ) -> None:
        super().__init__(classes="dialog-screen kb-screen")
        self.for_reply = for_reply
        self.language = language
        self.initial_query = query
        self.hits: list[KbHit] = []
        self._timer: Timer | None = None

    @property
    def desk(self):  # noqa: ANN201
        return self.app.desk  # type: ignore[attr-defined]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Inserting text is for a reply; writing a new article is not done from one.
        if action == "insert_text":
            return self.for_reply
        if action == "new":
            return not self.for_reply
        return True

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog kb"):
            yield Label(self._title(), id="kb-title", classes="dialog-title")
            yield Input(
                value=self.initial_query,
                placeholder="search the knowledge base: any words, in any language",
                id="kb-query",
            )
            with Horizontal(id="kb-body"):
                yield OptionList(id="kb-results")
                with VerticalScroll(id="kb-preview-box"):
                    yield Static(id="kb-preview-head")
                    yield _markdown()(id="kb-preview")
            yield Static(Text(self._hint(), style="dim"), id="kb-hint")
        # Its own footer: this dialog's keys, not those of the screen underneath.
        yield KeyFooter()

    def _title(self) -> Text:
        lang = self.language or "all languages"
        return Text(f"Knowledge base · {lang}")

    def _hint(self) -> str:
        if self.for_reply:
            return "enter inserts a link · ctrl+t inserts the text · ctrl+l language · esc closes"
        return "enter opens · ctrl+n new article · ctrl+l language · esc closes"

    def on_mount(self) -> None:
        field = self.query_one("#kb-query", Input)
        field.focus()
        self.search(field.value)

    @on(Input.Changed, "#kb-query")
    def typed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(SEARCH_AFTER_SECONDS, lambda: self.search(event.value))

    @on(Input.Submitted, "#kb-query")
    def submitted(self) -> None:
        self.action_choose()

    def search(self, query: str) -> None:
        self._search(query, self.language)

    @work(thread=True, exclusive=True, group="kb-search")
    def _search(self, query: str, language: str | None) -> None:
        try:
            if query.strip():
                results = self.desk.search_kb(query, language=language, limit=30)
                hits, mode = results.hits, results.mode
            else:
                articles = self.desk.list_articles(language=language)
                hits = tuple(KbHit(a, 0.0, "", ()) for a in articles)
                mode = "all"
        except (DeskError, StoreError) as exc:
            self.post_message(KbResults(query, [], "all", str(exc)))
            return
        self.post_message(KbResults(query, hits, mode, None))

    def on_kb_results(self, message: KbResults) -> None:
        if message.error:
            self.query_one("#kb-preview-head", Static).update(Text(message.error, style="bold red"))
            return
        if message.query != self.query_one("#kb-query", Input).value:
            return  # an older search; a newer one is on its way
        self.hits = message.hits
        results = self.query_one("#kb-results", OptionList)
        results.clear_options()
        results.add_options([self._option(i, h) for i, h in enumerate(self.hits)])
        if self.hits:
            results.highlighted = 0
        note = ""
        if message.mode == "any":
            note = " · no article has every word; these have some"
        elif not self.hits:
            note = " · nothing found"
        self.query_one("#kb-title", Label).update(self._title() + Text(note, style="yellow"))
        self.show_preview()

    def _option(self, index: int, hit: KbHit) -> Option:
        a = hit.article
        label = Text.assemble(badge(a), " ", Text(one_line(a.title, 70), style="bold"))
        label.append(f"  {a.language}", style="dim")
        if "draft" in a.tags:
            label.append(" draft", style="italic yellow")
        if hit.snippet:
            snippet = Text("\n  " + hit.snippet, style="dim")
            for start, end in hit.hits:
                snippet.stylize("bold reverse", start + 3, end + 3)
            label.append_text(snippet)
        return Option(label, id=str(index))

    @on(OptionList.OptionHighlighted, "#kb-results")
    def highlighted(self) -> None:
        self.show_preview()

    @on(OptionList.OptionSelected, "#kb-results")
    def selected(self) -> None:
        self.action_choose()

    def current(self) -> KbArticleInfo | None:
        index = self.query_one("#kb-results", OptionList).highlighted
        if index is None or not 0 <= index < len(self.hits):
            return None
        return self.hits[index].article

    def show_preview(self) -> None:
        article = self.current()
        head = self.query_one("#kb-preview-head", Static)
        body = self.query_one("#kb-preview", _markdown())
        if article is None:
            head.update("")
            body.update("")
            return
        head.update(
            Text.assemble(
                badge(article),
                " ",
                Text(article.title, style="bold"),
                "\n",
                Text(f"{article.slug} · {article.language} · {article.url}", style="dim"),
            )
        )
        body.update(article.body)

    def action_move(self, step: int) -> None:
        results = self.query_one("#kb-results", OptionList)
        if self.hits:
            results.highlighted = max(0, min(len(self.hits) - 1, (results.highlighted or 0) + step))

    def action_language(self) -> None:
        index = LANGUAGES.index(self.language) if self.language in LANGUAGES else 0
        self.language = LANGUAGES[(index + 1) % len(LANGUAGES)]
        self.query_one("#kb-title", Label).update(self._title())
        self.search(self.query_one("#kb-query", Input).value)

    def action_choose(self) -> None:
        article = self.current()
        if article is None:
            return
        if self.for_reply:
            self.dismiss(KbInsert(article, "link"))
        else:
            self.app.push_screen(ArticleScreen(article))

    def action_insert_text(self) -> None:
        article = self.current()
        if article is not None and self.for_reply:
            self.dismiss(KbInsert(article, "text"))

    def action_new(self) -> None:
        self.app.push_screen(ArticleEditor(None))

    def action_close(self) -> None:
        self.dismiss(None)


class ArticleScreen(Screen[None]):
    """One article, whole."""

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="article.back", tooltip="Back"),
        Binding("e", "edit", "Edit", id="article.edit", tooltip="Edit this article"),
    ]

    def __init__(self, article: KbArticleInfo) -> None:
        super().__init__(classes="article-screen")
        self.article = article

    def compose(self) -> ComposeResult:
        a = self.article
        head = Text.assemble(
            badge(a),
            " ",
            Text(a.title, style="bold"),
            "\n",
            Text(
                f"{a.slug} · {a.language} · {a.url}"
                + (f" · tags {', '.join(a.tags)}" if a.tags else "")
                + (f" · by {a.author}" if a.author else "")
                + f" · updated {a.updated_at:%Y-%m-%d}",
                style="dim",
            ),
        )
        yield Static(head, id="article-head")
        with VerticalScroll(id="article-body"):
            yield _markdown()(a.body)
        yield KeyFooter()

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_edit(self) -> None:
        self.app.switch_screen(ArticleEditor(self.article))


class ArticleSaved(Message):
    def __init__(self, article: KbArticleInfo | None, error: str | None) -> None:
        super().__init__()
        self.article = article
        self.error = error


class ArticleEditor(Screen[None]):
    """Write or change an article (leads and agents; the Desk refuses trainees)."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="article_editor.save", tooltip="Save the article"),
        Binding(
            "escape", "close", "Close", id="article_editor.close", tooltip="Close (asks if unsaved)"
        ),
    ]

    def __init__(self, article: KbArticleInfo | None) -> None:
        super().__init__(classes="article-editor")
        self.article = article

    @property
    def desk(self):  # noqa: ANN201
        return self.app.desk  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        a = self.article
        me = getattr(self.app, "me", None)
        yield Static(
            Text(
                ("Edit " + a.slug) if a else "New knowledge-base article",
                style="bold",
            ),
            id="editor-head",
        )
        with Horizontal(id="editor-fields"):
            yield Input(a.title if a else "", placeholder="title", id="editor-title")
            yield Input(a.slug if a else "", placeholder="slug (from the title)", id="editor-slug")
            yield Input(
                a.language if a else (me.language if me else "en"),
                placeholder="language",
                id="editor-language",
            )
        with Horizontal(id="editor-fields2"):
            yield Input(
                ", ".join(a.tags) if a else "",
                placeholder="tags, comma separated",
                id="editor-tags",
            )
            yield Checkbox(
                "internal (team only)", value=a.internal if a else False, id="editor-internal"
            )
        yield TextArea(a.body if a else "", id="editor-body", soft_wrap=True)
        yield Static(id="editor-info")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#editor-title" if self.article is None else "#editor-body").focus()

    def doc(self) -> ArticleDoc:
        from supportdesk.core.textsearch import fold

        title = self.query_one("#editor-title", Input).value
        slug = self.query_one("#editor-slug", Input).value.strip()
        if not slug:
            import re

            slug = "-".join(re.findall(r"[a-z0-9]+", fold(title)))[:120]
        return ArticleDoc(
            slug=slug,
            title=title,
            body=self.query_one("#editor-body", TextArea).text,
            language=self.query_one("#editor-language", Input).value.strip() or "en",
            tags=tuple(t.strip() for t in self.query_one("#editor-tags", Input).value.split(",")),
            internal=self.query_one("#editor-internal", Checkbox).value,
        )

    def action_save(self) -> None:
        self.query_one("#editor-info", Static).update(Text("Saving…", style="dim"))
        self._save(self.doc())

    @work(thread=True, exclusive=True, group="article-save")
    def _save(self, doc: ArticleDoc) -> None:
        a = self.article
        try:
            saved = self.desk.save_article(
                doc,
                original_slug=a.slug if a else None,
                expected_updated_at=a.updated_at if a else None,
            )
        except (DeskError, StoreError) as exc:
            self.post_message(ArticleSaved(None, str(exc)))
            return
        self.post_message(ArticleSaved(saved, None))

    def on_article_saved(self, message: ArticleSaved) -> None:
        if message.error or message.article is None:
            self.query_one("#editor-info", Static).update(
                Text(message.error or "not saved", style="bold red")
            )
            return
        self.article = message.article
        self.notify(f"Article {message.article.slug} saved.", markup=False)
        self.app.switch_screen(ArticleScreen(message.article))

    def changed(self) -> bool:
        a = self.article
        doc = self.doc()
        if a is None:
            return bool(doc.title.strip() or doc.body.strip())
        return (doc.title, doc.body.strip("\n"), doc.internal) != (
            a.title,
            a.body.strip("\n"),
            a.internal,
        )

    def action_close(self) -> None:
        if not self.changed():
            self.app.pop_screen()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.pop_screen()

        self.app.push_screen(
            ConfirmModal("Close without saving?", "Your changes will be lost.", yes="Close"),
            answered,
        )


class SimilarTicketsModal(ModalScreen[int | None]):
    """Solved tickets most like this one, with how a colleague answered; enter opens one."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="similar.close", tooltip="Close"),
    ]

    def __init__(self, number: int, similar: Sequence[SimilarTicket]) -> None:
        super().__init__(classes="dialog-screen")
        self.number = number
        self.similar = list(similar)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog similar"):
            yield Label(
                Text(
                    f"Solved tickets like #{self.number}"
                    if self.similar
                    else f"No solved ticket looks like #{self.number}"
                ),
                classes="dialog-title",
            )
            yield OptionList(
                *(Option(self._label(s), id=str(s.number)) for s in self.similar), id="similar-list"
            )
            yield Static(Text("enter opens the ticket · esc closes", style="dim"))

    def _label(self, s: SimilarTicket) -> Text:
        label = Text.assemble(
            Text(f"#{s.number} ", style="bold"),
            Text(one_line(s.subject, 70), style="bold"),
            Text(f"  {s.status} · {one_line(s.customer, 30)}", style="dim"),
        )
        snippet = Text("\n  " + s.snippet, style="dim")
        for start, end in s.hits:
            snippet.stylize("bold reverse", start + 3, end + 3)
        label.append_text(snippet)
        if s.answer:
            label.append(f"\n  ↳ {s.answered_by or '?'}: {one_line(s.answer, 150)}", style="green")
        return label

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_close(self) -> None:
        self.dismiss(None)
