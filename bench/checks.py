"""How well the reply checker does on the corpus in tests/fixtures/reply_checks.toml.

Prints, per language, precision on good replies (the share that raise no finding at all: no
false alarms) and recall on bad ones (the share caught by the rule the case names), and the
cases that went wrong. Run from the checkout: .venv/bin/python bench/checks.py [FILE.toml ...]
(default: the main corpus and the two held-out sets).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from supportdesk.core.checks import LANGUAGES
from tests.unit.checks_corpus import CORPUS, HOLDOUTS, load, run_case


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


def evaluate(path: Path = CORPUS) -> Iterator[tuple[str, Score]]:
    data, cases = load(path)
    scores = {language: Score() for language in LANGUAGES}
    for case in cases:
        score = scores[case.language]
        found = run_case(data, case)
        if case.expect is None:
            score.good += 1
            if found:
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
    paths = [Path(arg) for arg in sys.argv[1:]] or [CORPUS, *HOLDOUTS]
    for path in paths:
        print(f"corpus: {path.name}")
        print(f"{'lang':<5} {'good':>5} {'precision':>10} {'bad':>5} {'recall':>8}")
        problems: list[str] = []
        for language, score in evaluate(path):
            print(
                f"{language:<5} {score.good:>5} {score.precision():>10.1%} {score.bad:>5} "
                f"{score.recall():>8.1%}"
            )
            problems.extend(score.misses)
        for problem in problems:
            print("  " + problem)
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
