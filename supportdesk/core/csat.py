"""Customer satisfaction by email: the line that asks for a score, and reading a reply that
is only a score (then it is a rating, not a reason to reopen the ticket)."""

from __future__ import annotations

import re

from supportdesk.core.quoting import split_quoted

RATING_REQUEST = {
    "en": "How did we do? Reply with one number from 1 (bad) to 5 (great).",
    "pl": "Jak oceniasz naszą pomoc? Odpowiedz jedną cyfrą od 1 (źle) do 5 (świetnie).",
    "ru": "Оцените, пожалуйста, нашу помощь: ответьте одной цифрой от 1 (плохо) до 5 (отлично).",
}

# "5", "5/5", "4 of 5", "5!", "score: 4", "ocena 5", "оценка: 5", "5 stars", "5 ⭐", "⭐⭐⭐⭐".
_WORD = r"(?:score|rating|ocena|oceniam|оценка|оценку|ставлю|ставлю оценку)"
_SCORE = re.compile(
    rf"^\s*(?:{_WORD}\s*[:\-–]?\s*)?([1-5])\s*"
    r"(?:/\s*5|z\s*5|из\s*5|of\s*5|out\s+of\s*5)?\s*"
    r"(?:stars?|gwiazd\w*|звезд\w*|⭐+|★+)?\s*[!.)]*\s*$",
    re.IGNORECASE,
)
_STARS = re.compile(r"^\s*(⭐{1,5}|★{1,5})\s*$")


def rating_request(language: str | None) -> str:
    return RATING_REQUEST.get((language or "en")[:2].lower(), RATING_REQUEST["en"])


def score_only(text: str) -> int | None:
    """The score when the customer's own words (quoted history and signature left out) are
    nothing but a score from 1 to 5; None for anything with more to say."""
    own = split_quoted(text).body.strip()
    lines = [line for line in own.splitlines() if line.strip()]
    if len(lines) != 1:
        return None
    line = lines[0]
    stars = _STARS.match(line)
    if stars:
        return len(stars.group(1))
    match = _SCORE.match(line)
    return int(match.group(1)) if match else None
