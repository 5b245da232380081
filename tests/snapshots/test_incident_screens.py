"""Incidents on screen at 80x24 and 160x48: the queue with the demo's ongoing outage as one
row (opened, two of its tickets marked) and the incident picker.

Regenerate on purpose (after a look at the report) with:
    .venv/bin/python -m pytest tests/snapshots --snapshot-update
"""

from __future__ import annotations

import pytest

from tests.snapshots.conftest import clock, console, demo_db, demo_template  # noqa: F401
from tests.snapshots.test_screens import SIZES, keys
from tests.ui.conftest import AppFactory


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_grouped_queue(snap_compare, console: AppFactory, size: tuple[int, int]) -> None:  # noqa: F811
    # Up to the incident's row, open it, mark its first two tickets.
    assert snap_compare(
        console(), terminal_size=size, run_before=keys("k", "enter", "down", "space", "space")
    )


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_incident_picker(snap_compare, console: AppFactory, size: tuple[int, int]) -> None:  # noqa: F811
    assert snap_compare(console(), terminal_size=size, run_before=keys("space", "L"))
