"""The pure rules of a complete escalation (core/escalation.py)."""

from __future__ import annotations

import pytest

from supportdesk.core.escalation import (
    field_problems,
    ordered_fields,
    parse_assignments,
    return_rate,
)

REQUIRED = ("What was checked", "Steps to reproduce", "Customer impact")


def test_complete_fields_pass_whatever_the_spelling_of_the_names() -> None:
    values = {
        "what  was CHECKED": "the call log and the trunk",
        "Steps to reproduce": "call the number from a mobile",
        "customer impact": "no incoming calls at all",
    }
    assert field_problems(values, REQUIRED, 10) == {}
    assert [name for name, _ in ordered_fields(values, REQUIRED)] == list(REQUIRED)


def test_each_problem_is_named_under_its_field() -> None:
    problems = field_problems(
        {"What was checked": "   ", "Customer impact": "bad", "Severity": "high"}, REQUIRED, 10
    )
    assert list(problems) == [*REQUIRED, "Severity"]
    assert problems["What was checked"].startswith("“What was checked” is empty")
    assert problems["Steps to reproduce"].startswith("“Steps to reproduce” is empty")
    assert "too short (3 characters, at least 10)" in problems["Customer impact"]
    assert "not an escalation field" in problems["Severity"]


def test_terminal_controls_do_not_count_and_are_stripped() -> None:
    sneaky = "\x1b[31m\x1b[2J" + "ok" + "\x07" * 20
    assert (
        "too short (2 characters"
        in field_problems({"What was checked": sneaky}, REQUIRED[:1], 10)["What was checked"]
    )
    [(_, value)] = ordered_fields({"What was checked": "\x1b]0;title\x07the log\r\n"}, REQUIRED[:1])
    assert value == "the log"


def test_assignments_split_at_the_first_equals_sign() -> None:
    assert parse_assignments(["Steps to reproduce=a=b", " Customer  impact =x"]) == {
        "Steps to reproduce": "a=b",
        "Customer impact": "x",
    }
    with pytest.raises(ValueError, match="expected NAME=VALUE"):
        parse_assignments(["no equals"])
    with pytest.raises(ValueError, match="expected NAME=VALUE"):
        parse_assignments(["=value"])


def test_return_rate() -> None:
    assert return_rate(0, 0) is None
    assert return_rate(1, 4) == 0.25
    assert return_rate(3, 3) == 1.0
