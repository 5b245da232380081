"""The reply checker corpus (tests/fixtures/reply_checks.toml): bad replies with the rule
that must catch each, good replies that must raise nothing.

Used by test_checks.py and bench/checks.py."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
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

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CORPUS = FIXTURES / "reply_checks.toml"
# Written after the rules, measured once untouched (numbers in the README), then fixed.
HOLDOUTS = (FIXTURES / "reply_checks_holdout.toml", FIXTURES / "reply_checks_holdout2.toml")


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

    @property
    def label(self) -> str:
        return f"{self.language} {self.source}: {self.text[:70]!r}"


def load(path: Path = CORPUS) -> tuple[dict[str, Any], list[Case]]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    cases = [_case(raw, raw["lang"], raw.get("source", "seed")) for raw in data.get("case", [])]
    for language in LANGUAGES:
        for index, raw in enumerate(data["corpus"][language], start=1):
            cases.append(_case(raw, language, f"{path.stem}#{index}"))
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
