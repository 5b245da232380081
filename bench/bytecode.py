"""Compile supportdesk's modules to bytecode before a start-up is timed.

An installed package has its .pyc files (pip writes them at install time; an editable
install writes them on first import). Where PYTHONDONTWRITEBYTECODE is set, as on the
development machines, an editable checkout would be compiled from source at every start,
about 0.6 s that no user pays, while the third-party packages it is compared against were
compiled by pip. Both sides start from bytecode this way.
"""

from __future__ import annotations

import compileall
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "supportdesk"


def compile_package() -> None:
    if not compileall.compile_dir(str(PACKAGE), quiet=1):
        raise SystemExit(f"could not compile {PACKAGE} to bytecode")
