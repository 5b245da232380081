"""Every key, per screen, as the keymap has made it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static


def _keys(binding: Binding, keymap: Mapping[str, str], show: Callable[[Binding], str]) -> str:
    """The keys as the user will press them now: remapped, and shown as '/' not 'slash'."""
    keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
    return ", ".join(show(Binding(key.strip(), "")) for key in keys.split(","))


def bindings_table(
    sections: Sequence[tuple[str, Sequence[BindingType]]],
    keymap: Mapping[str, str],
    show: Callable[[Binding], str],
) -> Table:
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
    table.add_column("key", style="bold cyan", no_wrap=True)
    table.add_column("what")
    table.add_column("id", style="dim")
    for title, bindings in sections:
        table.add_row(Text(title, style="bold underline"), "", "")
        for binding in bindings:
            if not isinstance(binding, Binding):
                continue
            table.add_row(
                Text(_keys(binding, keymap, show)),
                Text(binding.tooltip or binding.description),
                Text(binding.id or ""),
            )
        table.add_row("", "", "")
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding(
            "escape,q,question_mark,f1", "close", "Close", id="help.close", tooltip="Close help"
        ),
    ]

    def __init__(
        self, sections: Sequence[tuple[str, Sequence[BindingType]]], keymap: Mapping[str, str]
    ) -> None:
        super().__init__(classes="dialog-screen")
        self.sections = sections
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help"):
            yield Static(
                Text("Keys  (remap any by its id under [keymap] in config.toml)", style="bold")
            )
            yield Static(bindings_table(self.sections, self.keymap, self.app.get_key_display))

    def action_close(self) -> None:
        self.dismiss(None)
