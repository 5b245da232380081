"""Full-text search, the parts both databases share: folding text, reading a query, snippets.

Text is *folded* the same way before it is indexed (SQLite: a function the FTS5 triggers call;
PostgreSQL: an SQL function made of `lower()` and `translate()` with the table below) and before
a query is built, so matching is case- and accent-insensitive in every language we serve:
"Łódź", "LODZ" and "lodz" are one word, as are "Ёлка" and "елка". Punctuation becomes
space, so e-mail addresses, URLs and "e-mail" split into plain words on both engines.

A query is never parsed as syntax: quotes, AND, OR, NOT, `*`, `-`, parentheses are read as the
plain words they contain (or as nothing), so no query can raise. Each word matches as a prefix
(`fakt` finds "faktura"), and Snowball stems widen it for Polish, Russian and English
("faktury" also finds "faktura", "звонки" finds "звонков").
"""

from __future__ import annotations

import functools
import re
import string
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Longest text indexed per document (characters): a monster e-mail does not bloat the index.
INDEX_LIMIT = 100_000
MAX_QUERY_WORDS = 12
MIN_STEM = 3


def _accents() -> dict[str, str]:
    """Lower-case letter -> the same letter without its accent (one character each, so
    PostgreSQL's translate() can apply it). Polish first: translate() looks them up in order.

    Latin-1 and Latin Extended-A letters, ё -> е (й stays a letter of its own). Upper case is
    lowered first, by str.lower() here and lower() in PostgreSQL.
    """
    special = {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t", "ı": "i", "ŀ": "l", "ð": "d"}
    pairs: dict[str, str] = {c: b for c, b in zip("ąćęłńóśźż", "acelnoszz", strict=True)}
    pairs["ё"] = "е"
    pairs.update({"ș": "s", "ț": "t"})  # Romanian, from Latin Extended-B
    for code in range(0x00C0, 0x0180):
        char = chr(code)
        if char != char.lower() or char in ("ß", "æ", "œ", "þ", "×", "÷"):
            continue  # upper case (lowered first), or no accent to take off
        if char in special:
            target = special[char]
        else:
            decomposed = unicodedata.normalize("NFD", char)
            target = "".join(c for c in decomposed if not unicodedata.combining(c))
        if len(target) == 1 and target != char:
            pairs.setdefault(char, target)
    for char in ("ѐ", "ѓ", "ї", "ќ", "ў"):
        decomposed = unicodedata.normalize("NFD", char)
        pairs[char] = "".join(c for c in decomposed if not unicodedata.combining(c))
    return pairs


ACCENTS: dict[str, str] = _accents()
ACCENT_FROM = "".join(ACCENTS)
ACCENT_TO = "".join(ACCENTS.values())
# Punctuation becomes space (ASCII, and what Polish and Russian texts use).
PUNCTUATION = string.punctuation + "«»„“”‘’‚‹›–—…·•§¶°№"
_FOLD_TABLE = str.maketrans({**ACCENTS, **dict.fromkeys(PUNCTUATION, " ")})
_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


def fold(text: str) -> str:
    """Lower-case, accents off, punctuation to spaces: what the index and queries both see."""
    return text.lower().translate(_FOLD_TABLE)


def postgres_punctuation_class() -> str:
    """PUNCTUATION as a PostgreSQL regular-expression bracket expression."""
    return "[" + "".join("\\" + c if c in "\\[]^-" else c for c in PUNCTUATION) + "]"


def index_text(*parts: str | None) -> str:
    """The folded text of a document, as the index stores it (the first INDEX_LIMIT characters)."""
    joined = " ".join(p for p in parts if p)
    return fold(joined[:INDEX_LIMIT])


def words(text: str) -> list[str]:
    return _WORD.findall(text)


@functools.cache
def _stemmer(language: str) -> object:
    import snowballstemmer  # type: ignore[import-untyped]  # (on first use: startup stays fast)

    return snowballstemmer.stemmer(language)


def _stems(word: str) -> set[str]:
    """Stems of one lower-case (unfolded) word in the languages its script can be."""
    languages = ("russian",) if _CYRILLIC.search(word) else ("english", "polish")
    out = set()
    for language in languages:
        stem = _stemmer(language).stemWord(word)  # type: ignore[attr-defined]
        out.add(stem)
    return out


@dataclass(frozen=True)
class Term:
    """One word of a query: it matches a document word that starts with any of `prefixes`."""

    word: str
    prefixes: tuple[str, ...]

    def matches(self, folded_word: str) -> bool:
        return any(folded_word.startswith(p) for p in self.prefixes)


@dataclass(frozen=True)
class Query:
    terms: tuple[Term, ...]
    # all: every term must match; any: at least one (ranked by how many and how rare).
    mode: str = "all"

    @property
    def empty(self) -> bool:
        return not self.terms

    def fts5(self) -> str:
        """The FTS5 MATCH expression: only quoted words, so nothing in it is syntax."""
        joiner = " AND " if self.mode == "all" else " OR "
        return joiner.join(
            "(" + " OR ".join(f'"{p}"*' for p in term.prefixes) + ")" for term in self.terms
        )

    def tsquery(self) -> str:
        """The PostgreSQL to_tsquery('simple', …) expression, built from plain words only."""
        joiner = " & " if self.mode == "all" else " | "
        return joiner.join(
            "(" + " | ".join(f"{p}:*" for p in term.prefixes) + ")" for term in self.terms
        )

    def matches(self, folded_word: str) -> bool:
        return any(term.matches(folded_word) for term in self.terms)

    def selective(self) -> Query:
        """The query the index is asked: a one-letter word being typed ("google a") matches
        nearly every document and filters nothing, so it is left out when other words are
        there (it still marks hits in snippets)."""
        longer = tuple(t for t in self.terms if len(t.word) > 1)
        if not longer or len(longer) == len(self.terms):
            return self
        return Query(longer, self.mode)


def _term(word: str) -> Term | None:
    folded_words = words(fold(word))
    if not folded_words:
        return None
    base = folded_words[0]
    candidates = {base}
    if len(base) > MIN_STEM:
        for stem in _stems(word.lower()):
            folded = words(fold(stem))
            if folded and len(folded[0]) >= MIN_STEM:
                candidates.add(folded[0])
    # A prefix that starts with another prefix adds nothing: keep the shortest ones.
    kept = sorted(
        (c for c in candidates if not any(o != c and c.startswith(o) for o in candidates)),
        key=lambda c: (len(c), c),
    )
    return Term(base, tuple(kept))


def parse_query(text: str, *, mode: str = "all", limit: int = MAX_QUERY_WORDS) -> Query:
    """Read what a person typed. Never raises: anything that is not a word is ignored."""
    terms: list[Term] = []
    seen: set[str] = set()
    # Split on the original text's word characters so stems see the real word ("płatności").
    for raw in _WORD.findall(text.lower()):
        term = _term(raw)
        if term is None or term.word in seen:
            continue
        seen.add(term.word)
        terms.append(term)
        if len(terms) >= limit:
            break
    return Query(tuple(terms), mode)


# Words too common to say what a conversation is about (similar-ticket search only).
_STOPWORDS_TEXT = """
the and for you your are was were with this that have has had not but can could would will
our ours from what when where which who how why there their them they then than been being
into about also just please thanks thank hello regards best dear any all some get got does
did its it's yes no hi team support i w z na do nie się to że jest jak czy o po co ale tak
za od mnie mam przez dla jestem być ten ta te tym tej pan pani panie dzień dobry pozdrawiam
dziękuję bardzo proszę witam oraz już и в во не что он на я с со как а то все она так его но
да ты к у же вы за бы по только ее мне было вот от меня еще нет о из ему теперь когда даже
ну вдруг ли если уже или ни быть был него до вас нибудь опять уж вам ведь там потом себя
ничего ей может они тут где есть надо ней для мы тебя их чем была сам чтоб без будто чего
раз тоже себе под будет ж тогда кто этот того потому этого какой совсем ним здесь этом один
почти мой тем чтобы нее сейчас были куда зачем всех никогда можно при наконец два об другой
хоть после над больше тот через эти нас про всего них какая много разве три эту моя впрочем
хорошо свою этой перед иногда лучше чуть том нельзя такой им более всегда конечно всю между
здравствуйте спасибо пожалуйста добрый день
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def about(text: str, *, limit: int = 12) -> Query:
    """An any-word query made of what a text is about (for "similar tickets"): its distinct,
    longer, non-trivial words, longest first."""
    seen: dict[str, str] = {}
    for raw in _WORD.findall(text.lower()):
        folded = fold(raw)
        if len(folded) < 4 or folded.isdigit() or raw in STOPWORDS or folded in STOPWORDS:
            continue
        seen.setdefault(folded, raw)
    chosen = sorted(seen.values(), key=len, reverse=True)[:limit]
    terms = [t for t in (_term(w) for w in chosen) if t is not None]
    return Query(tuple(terms), "any")


# -- snippets -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Snippet:
    """A short piece of a document around the hits; `hits` are (start, end) in `text`."""

    text: str
    hits: tuple[tuple[int, int], ...]

    def marked(self, before: str = "«", after: str = "»") -> str:
        out, last = [], 0
        for start, end in self.hits:
            out += [self.text[last:start], before, self.text[start:end], after]
            last = end
        out.append(self.text[last:])
        return "".join(out)


_MARKDOWN_NOISE = re.compile(r"[#*_`>|]+")
_SPACES = re.compile(r"\s+")


def hit_spans(text: str, query: Query) -> list[tuple[int, int]]:
    """Where in `text` the query's words match (whole words, case- and accent-insensitively)."""
    if query.empty:
        return []
    folded = fold(text)
    if len(folded) != len(text):  # a rare letter whose lower case is longer: word by word
        return [
            (m.start(), m.end())
            for m in _WORD.finditer(text)
            if any(query.matches(w) for w in words(fold(m.group())))
        ]
    return [(m.start(), m.end()) for m in _hit_pattern(query).finditer(folded)]


@functools.lru_cache(maxsize=256)
def _hit_pattern(query: Query) -> re.Pattern[str]:
    prefixes = sorted({p for t in query.terms for p in t.prefixes}, key=len, reverse=True)
    alternatives = "|".join(re.escape(p) for p in prefixes)
    return re.compile(rf"(?<![^\W_])(?:{alternatives})[^\W_]*")


# Snippets look at the start of long documents only: that is where the answer usually is.
SNIPPET_SCAN = 20_000


def snippet(text: str, query: Query, *, width: int = 160) -> Snippet:
    """The part of `text` with the most hits, on one line, the hits marked."""
    flat = _SPACES.sub(" ", _MARKDOWN_NOISE.sub(" ", text[:SNIPPET_SCAN])).strip()
    spans = hit_spans(flat, query)
    if not spans:
        cut = flat[:width]
        if len(flat) > width:
            cut = cut.rsplit(" ", 1)[0] + " …"
        return Snippet(cut, ())
    best_start, best_count = spans[0][0], 0
    for start, _end in spans[:200]:
        begin = max(0, start - width // 4)
        count = sum(1 for s, e in spans if s >= begin and e <= begin + width)
        if count > best_count:
            best_start, best_count = begin, count
    begin = best_start
    if begin > 0:
        space = flat.find(" ", begin)
        begin = space + 1 if 0 <= space < spans[0][0] or 0 <= space < begin + 20 else begin
    end = min(len(flat), begin + width)
    if end < len(flat):
        space = flat.rfind(" ", begin, end)
        end = space if space > begin else end
    prefix = "… " if begin > 0 else ""
    suffix = " …" if end < len(flat) else ""
    body = flat[begin:end]
    hits = tuple(
        (s - begin + len(prefix), e - begin + len(prefix))
        for s, e in spans
        if s >= begin and e <= end
    )
    return Snippet(prefix + body + suffix, hits)


def highlight_terms(query: Query) -> Sequence[str]:
    return [t.word for t in query.terms]


def any_words(values: Iterable[str]) -> str:
    """Folded words of several values joined (tags and the like), for indexing."""
    return " ".join(fold(v) for v in values)
