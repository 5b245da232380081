"""Snapshot tests use the console fixtures of the Pilot tests."""

from tests.ui.conftest import clock, console, demo_db, demo_template, supervisor  # noqa: F401
