"""Where files shipped with supportdesk live, in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).parent


def shipped_templates_dir() -> Path:
    """The canned responses shipped with the product (`templates/` at the project's top)."""
    installed = PACKAGE_DIR / "_shipped_templates"
    return installed if installed.is_dir() else PACKAGE_DIR.parent / "templates"


def demo_kb_dir() -> Path:
    return PACKAGE_DIR / "store" / "demo_kb"
