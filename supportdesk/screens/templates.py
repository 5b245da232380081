"""The template picker: search as you type, the customer's language first, a live preview
filled in with this ticket's values; `enter` inserts the template at the cursor."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from supportdesk.core.plaintext import one_line
from supportdesk.core.templates import (
    PLACEHOLDER,
    Match,
    RenderContext,
    Rendered,
    TemplateDef,
    rank,
    render,
)
from supportdesk.widgets.footer import KeyFooter

SOURCE_BADGE = {"personal": "mine", "team": "team", "shipped": ""}


@dataclass(frozen=True)
class TemplateChoice:
    template: TemplateDef
    rendered: Rendered


def placeholder_text(text: str, base_style: str = "") -> Text:
    """Plain text (never markup) with every unfilled placeholder highlighted."""
    out = Text(style=base_style)
    last = 0
    for match in PLACEHOLDER.finditer(text):
        out.append(text[last : match.start()])
        out.append(match.group(0), style="bold black on yellow")
        last = match.end()
    out.append(text[last:])
    return out


class TemplatePicker(ModalScreen[TemplateChoice | None]):
    BINDINGS = [
        Binding(
            "escape", "cancel", "Cancel", id="templates.cancel", tooltip="Close, insert nothing"
        ),
        Binding("enter", "choose", "Insert", id="templates.insert", tooltip="Insert at the cursor"),
        Binding(
            "down", "move(1)", "Next", show=False, id="templates.down", tooltip="Next template"
        ),
        Binding("up", "move(-1)", "Previous", show=False, id="templates.up", tooltip="Previous"),
    ]

    def __init__(
        self,
        templates: Sequence[TemplateDef],
        context: RenderContext,
        *,
        language: str | None,
        query: str = "",
        problems: Sequence[str] = (),
        title: str | None = None,
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.title_text = title
        self.templates = list(templates)
        self.context = context
        self.language = language
        self.query_text = query
        self.problems = list(problems)
        self.matches: list[Match] = []

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog picker"):
            title = self.title_text or "Insert a template"
            if self.language:
                title += f" · {self.language} first (the customer's language)"
            yield Label(Text(title), classes="dialog-title")
            yield Input(
                value=self.query_text,
                placeholder="type to search: name, shortcut, tag or any words of the text",
                id="template-query",
            )
            with Horizontal(id="picker-body"):
                yield OptionList(id="template-list")
                with VerticalScroll(id="template-preview-box"):
                    yield Static(id="template-preview")
            hint = "enter inserts · ↑↓ choose · esc closes"
            if self.problems:
                hint += f" · {len(self.problems)} broken templates skipped (templates check)"
            yield Static(Text(hint, style="dim"), id="picker-hint")
        # Its own footer: this dialog's keys, not those of the screen underneath.
        yield KeyFooter()

    def on_mount(self) -> None:
        self.refilter(self.query_text)
        field = self.query_one("#template-query", Input)
        field.focus()
        field.cursor_position = len(field.value)

    @on(Input.Changed, "#template-query")
    def typed(self, event: Input.Changed) -> None:
        self.refilter(event.value)

    def refilter(self, query: str) -> None:
        self.matches = rank(self.templates, query, language=self.language)
        options = self.query_one("#template-list", OptionList)
        options.clear_options()
        options.add_options([self._option(i, m.template) for i, m in enumerate(self.matches)])
        if self.matches:
            options.highlighted = 0
        self.show_preview()

    def _option(self, index: int, t: TemplateDef) -> Option:
        label = Text(one_line(t.name, 60))
        details = [t.language]
        if t.shortcut:
            details.insert(0, f";{t.shortcut}")
        if SOURCE_BADGE.get(t.source):
            details.append(SOURCE_BADGE[t.source])
        if t.usage:
            details.append(f"used {t.usage}×")
        label.append("  " + " · ".join(details), style="dim")
        return Option(label, id=str(index))

    @on(Input.Submitted, "#template-query")
    def submitted(self) -> None:
        self.action_choose()

    @on(OptionList.OptionHighlighted, "#template-list")
    def highlighted(self) -> None:
        self.show_preview()

    @on(OptionList.OptionSelected, "#template-list")
    def selected(self) -> None:
        self.action_choose()

    def current(self) -> TemplateDef | None:
        index = self.query_one("#template-list", OptionList).highlighted
        if index is None or not 0 <= index < len(self.matches):
            return None
        return self.matches[index].template

    def show_preview(self) -> None:
        preview = self.query_one("#template-preview", Static)
        template = self.current()
        if template is None:
            preview.update(Text("No template matches. Try other words.", style="dim"))
            return
        rendered = render(template, self.context)
        out = Text()
        head = f"{template.name}"
        if template.set_status:
            head += f" · sets status {template.set_status.replace('_', ' ')}"
        if template.category:
            head += f" · category {template.category.replace('_', ' ')}"
        out.append(head + "\n", style="bold")
        if rendered.unfilled:
            out.append(
                f"{len(rendered.unfilled)} to fill in by hand before sending\n", style="yellow"
            )
        for warning in rendered.warnings:
            out.append(f"⚠ {warning}\n", style="bold red")
        out.append("\n")
        out.append_text(placeholder_text(rendered.text))
        preview.update(out)

    def action_move(self, step: int) -> None:
        options = self.query_one("#template-list", OptionList)
        if not self.matches:
            return
        current = options.highlighted or 0
        options.highlighted = max(0, min(len(self.matches) - 1, current + step))

    def action_choose(self) -> None:
        template = self.current()
        if template is None:
            return
        self.dismiss(TemplateChoice(template, render(template, self.context)))

    def action_cancel(self) -> None:
        self.dismiss(None)
