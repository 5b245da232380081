"""How well the reply checker does on the corpus in tests/fixtures/reply_checks.toml.

Prints, per language, precision on good replies (the share that raise no finding at all: no
false alarms) and recall on bad ones (the share caught by the rule the case names), and the
cases that went wrong. Run: .venv/bin/python bench/checks.py
"""

from __future__ import annotations

import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from supportdesk.core.checks import (
    DEFAULT_SEVERITY,
    LANGUAGES,
    CheckPolicy,
    Finding,
    InternalArticle,
    check_reply,
)

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "reply_checks.toml"


@dataclass(frozen=True)
class Case:
    language: str
    text: str
    expect: str | None
    source: str
    attachments: tuple[str, ...] = ()
    previous: tuple[str, ...] = ()
    internal: str | None = None
    agent_contacts: tuple[str, ...] = ()
    greeting: bool = False
    signoff: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.language} {self.source}: {self.text[:70]!r}"


def load(path: Path = CORPUS) -> tuple[dict[str, Any], list[Case]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    cases = [_case(raw, raw["lang"], raw.get("source", "seed")) for raw in data.get("case", [])]
    for language in LANGUAGES:
        for index, raw in enumerate(data["corpus"][language], start=1):
            cases.append(_case(raw, language, f"#{index}"))
    return data, cases


def _case(raw: dict[str, Any], language: str, source: str) -> Case:
    return Case(
        language=language,
        text=raw["text"],
        expect=raw.get("expect"),
        source=source,
        attachments=tuple(raw.get("attachments", ())),
        previous=tuple(raw.get("previous", ())),
        internal=raw.get("internal"),
        agent_contacts=tuple(raw.get("agent_contacts", ())),
        greeting=raw.get("greeting", False),
        signoff=raw.get("signoff", False),
    )


def run_case(data: dict[str, Any], case: Case) -> list[Finding]:
    policy_doc = data["policy"]
    policy = CheckPolicy(
        severities=dict(DEFAULT_SEVERITY),
        require_greeting=case.greeting,
        require_signoff=case.signoff,
        formal_address=frozenset(policy_doc.get("formal_address", ())),
        banned_words=policy_doc.get("banned_words", {}),
        team_contacts=tuple(policy_doc.get("team_contacts", ())),
    )
    articles = ()
    if case.internal:
        article = data["internal"][case.internal]
        articles = (InternalArticle(article["title"], article["body"]),)
    return check_reply(
        case.text,
        case.language,
        policy,
        attachments=case.attachments,
        previous_replies=case.previous,
        internal_articles=articles,
        agent_contacts=case.agent_contacts,
    )


@dataclass
class Score:
    good: int = 0
    clean: int = 0
    bad: int = 0
    caught: int = 0
    misses: list[str] = field(default_factory=list)

    def precision(self) -> float:
        return self.clean / self.good if self.good else 1.0

    def recall(self) -> float:
        return self.caught / self.bad if self.bad else 1.0


def evaluate() -> Iterator[tuple[str, Score]]:
    data, cases = load()
    scores = {language: Score() for language in LANGUAGES}
    for case in cases:
        score = scores[case.language]
        found = run_case(data, case)
        if case.expect is None:
            score.good += 1
            if found:
                score.clean += 0
                rules = ", ".join(f.rule for f in found)
                score.misses.append(f"false alarm ({rules}) on {case.label}")
            else:
                score.clean += 1
        else:
            score.bad += 1
            if any(f.rule == case.expect for f in found):
                score.caught += 1
            else:
                score.misses.append(f"missed {case.expect} in {case.label}")
    yield from scores.items()


def main() -> int:
    print(f"{'lang':<5} {'good':>5} {'precision':>10} {'bad':>5} {'recall':>8}")
    problems: list[str] = []
    for language, score in evaluate():
        print(
            f"{language:<5} {score.good:>5} {score.precision():>10.1%} {score.bad:>5} "
            f"{score.recall():>8.1%}"
        )
        problems.extend(score.misses)
    for problem in problems:
        print("  " + problem)
    return 0


if __name__ == "__main__":
    sys.exit(main())
