"""Markdown files with a YAML front matter block, as templates and KB articles are written."""

from __future__ import annotations

import json
import re
from typing import Any

import yaml


class FrontMatterError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def split_front_matter(text: str) -> tuple[dict[str, Any], str, int]:
    """(metadata, body, line number where the body starts). The block is fenced by '---' lines."""
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        raise FrontMatterError("no front matter: the file must start with a '---' line", 1)
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            block = "".join(lines[1:index])
            try:
                meta = yaml.safe_load(block) or {}
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                line = mark.line + 2 if mark is not None else None
                problem = getattr(exc, "problem", None) or str(exc)
                raise FrontMatterError(f"front matter is not valid YAML: {problem}", line) from None
            if not isinstance(meta, dict):
                raise FrontMatterError("front matter must be a mapping of keys to values", 2)
            body = "".join(lines[index + 1 :])
            # Leading blank lines are dropped; the line number is where the text really starts.
            skipped = len(body) - len(body.lstrip("\n"))
            return meta, body.strip("\n") + "\n", index + 2 + skipped
    raise FrontMatterError("front matter is not closed: add a '---' line after it", 1)


_PLAIN = re.compile(r"^[\w][\w .,()/&+#'-]*$")
_YAML_WORDS = {"yes", "no", "true", "false", "null", "on", "off", "y", "n", "~"}


def yaml_scalar(value: object) -> str:
    """One value as YAML that reads back as exactly the same value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(yaml_scalar(v) for v in value) + "]"
    text = str(value)
    plain = (
        _PLAIN.match(text)
        and not text.endswith(" ")
        and text.lower() not in _YAML_WORDS
        and not re.fullmatch(r"[\d.+-]+(?:e[\d+-]+)?", text, re.I)
        and " #" not in text
    )
    # JSON strings are YAML scalars too, and escape whatever needs it.
    return text if plain else json.dumps(text, ensure_ascii=False)


def render_front_matter(meta: dict[str, Any], body: str) -> str:
    """A Markdown file with front matter that split_front_matter() reads back unchanged."""
    lines = ["---", *(f"{key}: {yaml_scalar(value)}" for key, value in meta.items()), "---"]
    return "\n".join(lines) + "\n" + body.strip("\n") + "\n"
