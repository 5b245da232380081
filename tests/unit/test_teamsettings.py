from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from supportdesk.store.teamsettings import (
    TeamSettingsError,
    default_document,
    load_toml_file,
    parse_document,
    parse_duration,
    to_toml,
)


def test_defaults_round_trip_through_toml(tmp_path: Path) -> None:
    original = parse_document(default_document())
    path = tmp_path / "team.toml"
    path.write_text(to_toml(original.document), encoding="utf-8")
    assert load_toml_file(path).document == original.document


def test_edited_file_changes_policy_calendar_and_holidays(tmp_path: Path) -> None:
    text = to_toml(default_document())
    text = text.replace(
        'first_response = "5m"\nnext_response = "15m"',
        'first_response = "2m"\nnext_response = "15m"',
    )
    text = text.replace("holidays = []", 'holidays = ["2026-12-25", "2026-12-26"]', 1)
    path = tmp_path / "team.toml"
    path.write_text(text, encoding="utf-8")
    settings = load_toml_file(path)
    telegram = settings.sla.policy_for("telegram", "normal")
    assert telegram is not None and telegram.targets.first_response == 120
    assert len(settings.sla.calendars["default"].holidays) == 2


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["sla"]["policy"][0].update(first_response="soon"),
            r"sla.policy\[0\].first_response = 'soon'",
        ),
        (lambda d: d["sla"]["policy"][0].update(channel="fax"), r"sla.policy\[0\].channel = 'fax'"),
        (lambda d: d["sla"].update(warning_share=2), "warning_share"),
        (
            lambda d: d["calendars"]["default"].update(timezone="Mars/Base"),
            "unknown time zone 'Mars/Base'",
        ),
        (
            lambda d: d["calendars"]["default"]["hours"].update(mon=["18:00-09:00"]),
            "ends before it starts",
        ),
        (
            lambda d: d["sla"]["policy"][0].update(calendar="nights"),
            "calendar 'nights', which is not defined",
        ),
        (lambda d: d.update(sla_typo={}), "sla_typo — unknown key"),
        (lambda d: d["sla"].update(paused_statuses=["solved"]), r"paused_statuses\[0\] = 'solved'"),
    ],
)
def test_bad_documents_are_refused_with_the_key(mutate, message: str) -> None:
    document = default_document()
    mutate(document)
    with pytest.raises(TeamSettingsError, match=message):
        parse_document(document, "team.toml")


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[sla]\nwarning_share = = 0.3\n", encoding="utf-8")
    with pytest.raises(TeamSettingsError, match=r"broken.toml: not valid TOML: .*line 2"):
        load_toml_file(path)


@pytest.mark.parametrize(
    ("text", "seconds"), [("1h", 3600), ("30m", 1800), ("1h30m", 5400), ("45s", 45), (90, 90)]
)
def test_durations(text: str | int, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["", "2d", "h", "-5m", 0, True])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(bad)  # type: ignore[arg-type]


def test_exported_toml_is_valid_toml() -> None:
    assert tomllib.loads(to_toml(default_document()))["sla"]["warning_share"] == 0.25
