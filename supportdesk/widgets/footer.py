"""Textual's Footer, rebuilt only when what it shows changes.

Textual's Footer recomposes all its keys on every bindings signal, and a screen sends one on
every focus change and every `refresh_bindings()` — seven times while the queue first opens,
each one mounting and styling twenty keys again. This one rebuilds once per batch of signals,
and only when the keys, their descriptions or their enabled state differ from what is shown.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.screen import Screen
from textual.widgets import Footer


class KeyFooter(Footer):
    _pending = False
    _shown: Hashable = None

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._pending:
            self._pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._pending = False
        if not self.is_attached:
            return
        shown = self._signature()
        if shown == self._shown:
            return
        self._shown = shown
        await self.recompose()

    def _signature(self) -> Hashable:
        app = self.app
        return (
            self.compact,
            self.show_command_palette,
            tuple(
                (key, binding.action, binding.description, app.get_key_display(binding), on, tip)
                for key, (_node, binding, on, tip) in self.screen.active_bindings.items()
                if binding.show or key == app.COMMAND_PALETTE_BINDING
            ),
        )
