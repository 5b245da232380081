"""The `supportdesk` command's entry point, apart from the rest so that the collector can wait.

Starting the console imports a few hundred thousand objects that live as long as the process
(SQLAlchemy, pydantic, Textual, our models and screens). While they pile up, Python's cyclic
garbage collector walks the growing heap again and again and frees next to nothing: about
0.15 s of a 1.3 s console start on the 100,000-ticket demo (a gen-2 pass alone took 40 ms).
So it is held until the process has what it needs; then what exists is frozen out of every
later pass (a full collection walks only what the work made: shorter pauses while an agent
types) and collecting resumes.
"""

from __future__ import annotations

import gc


def hold_collection() -> None:
    """From here to `started()`, no collections: only imports and set-up may happen between."""
    gc.disable()


def started() -> None:
    """The long-lived objects exist: freeze them and collect again. Safe to call again."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def main() -> None:
    hold_collection()
    try:
        from supportdesk.__main__ import main as run
    except BaseException:
        started()
        raise
    run()
