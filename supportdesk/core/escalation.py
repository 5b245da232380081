"""What makes an escalation complete: every required field filled in, none a token answer.

Pure rules shared by the Desk (which refuses) and the escalation form (which says so beside
the field before anything is sent)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from supportdesk.core.plaintext import strip_controls


def field_key(name: str) -> str:
    """Field names match case-insensitively, whatever the spacing."""
    return " ".join(name.split()).casefold()


def field_problems(
    values: Mapping[str, str], required: Sequence[str], min_length: int
) -> dict[str, str]:
    """Each problem by field name (the settings' spelling), in the settings' order; unknown
    names under their own spelling. Empty when the escalation may go."""
    by_key = {field_key(name): value for name, value in values.items()}
    known = {field_key(name) for name in required}
    problems: dict[str, str] = {}
    for name in required:
        text = clean_value(by_key.get(field_key(name), ""))
        if not text:
            problems[name] = (
                f"“{name}” is empty: the second line needs it (at least {min_length} characters)"
            )
        elif len(text) < min_length:
            problems[name] = (
                f"“{name}” is too short ({len(text)} characters, at least {min_length}): "
                "write what you found, not “n/a” or “see above”"
            )
    for name in values:
        if field_key(name) not in known:
            problems[name] = (
                f"“{name}” is not an escalation field; the fields are: {', '.join(required)}"
            )
    return problems


def clean_value(value: str) -> str:
    return strip_controls(value).strip()


def ordered_fields(values: Mapping[str, str], required: Sequence[str]) -> list[tuple[str, str]]:
    """The values under the settings' names and in their order (call after field_problems)."""
    by_key = {field_key(name): value for name, value in values.items()}
    return [(name, clean_value(by_key.get(field_key(name), ""))) for name in required]


def parse_assignments(items: Iterable[str]) -> dict[str, str]:
    """`--field "Name=value"` arguments; a value may itself contain '='."""
    values: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f'--field {item!r}: expected NAME=VALUE, e.g. "Customer impact=…"')
        values[" ".join(name.split())] = value
    return values


def return_rate(returned: int, made: int) -> float | None:
    """Escalations returned as incomplete per escalation made; None when none were made."""
    return returned / made if made else None
