"""The reply checker: what a QA reviewer would underline in a reply before the customer reads it.

Rules come from support QA practice (seed 001: blaming the customer, bossy orders, "I can't"
without a way forward) and from team house rules (formal address, banned words, no personal
contacts, greeting and sign-off). Every finding names its rule, its severity, the exact spans to
highlight (offsets into the reply as given) and a message in the reply's language that says why
it matters and how to say it better.

Pure: text in, findings out. The Desk gathers what the checker compares against (this customer's
previous replies, internal knowledge-base articles, the agent's own contacts).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from supportdesk.core.plaintext import strip_controls
from supportdesk.core.quoting import split_quoted

Severity = Literal["error", "warning"]
Language = Literal["en", "pl", "ru"]
LANGUAGES: tuple[Language, ...] = ("en", "pl", "ru")

RULES: tuple[str, ...] = (
    "blame",
    "bossy",
    "negative",
    "formal_address",
    "banned_word",
    "personal_contact",
    "placeholder",
    "missing_attachment",
    "greeting",
    "signoff",
    "internal_text",
    "repeated_reply",
)
DEFAULT_SEVERITY: dict[str, Severity] = {
    "blame": "error",
    "bossy": "warning",
    "negative": "warning",
    "formal_address": "warning",
    "banned_word": "error",
    "personal_contact": "error",
    "placeholder": "error",
    "missing_attachment": "error",
    "greeting": "warning",
    "signoff": "warning",
    "internal_text": "error",
    "repeated_reply": "warning",
}
# A run of this many words shared with an internal article is copying, not coincidence: stock
# phrases ("if you have any questions, let us know") are shorter.
INTERNAL_RUN_WORDS = 10
# Word-trigram Jaccard similarity above which two replies are "the same text".
REPEAT_SIMILARITY = 0.7
REPEAT_MIN_WORDS = 8


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: Severity
    spans: tuple[Span, ...]
    message: str


@dataclass(frozen=True)
class CheckPolicy:
    """A team's checker settings. `severities` maps a rule to its severity; a rule that is
    missing from it is off."""

    severities: Mapping[str, Severity] = field(default_factory=lambda: dict(DEFAULT_SEVERITY))
    require_greeting: bool = False
    require_signoff: bool = False
    formal_address: frozenset[str] = frozenset()
    # language -> {banned word or phrase: suggested replacement ("" for none)}
    banned_words: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # The team's own phone numbers, addresses, handles; "@example.com" allows a whole domain.
    team_contacts: tuple[str, ...] = ()


class CheckInputError(ValueError):
    """The checker was asked something it cannot answer (an unknown language)."""


# -- text preparation ---------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower-case with ё as е, keeping every offset: a finding's span points into the original."""
    out = []
    for char in text:
        lower = char.lower()
        out.append(lower if len(lower) == 1 else char)
    return "".join(out).replace("ё", "е")


_INLINE_QUOTE = re.compile(
    r"«[^»\n]{1,400}»|„[^”\"\n]{1,400}[”\"]|“[^”\n]{1,400}”|\"[^\"\n]{1,400}\""
)
_QUOTE_LINE = re.compile(r"^[ \t]*>.*$", re.MULTILINE)


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def own_words(text: str) -> str:
    """The reply with quoted history (an attribution line and below, `>` lines) blanked out,
    same length as the reply, so nothing the customer wrote is blamed on the agent."""
    parts = split_quoted(text)
    masked = text
    if parts.folded:
        cut = text.find(parts.folded)
        if cut > 0:
            masked = _blank(masked, cut, len(masked))
    for match in _QUOTE_LINE.finditer(masked):
        masked = _blank(masked, match.start(), match.end())
    return masked


def without_inline_quotes(text: str) -> str:
    for match in _INLINE_QUOTE.finditer(text):
        text = _blank(text, match.start(), match.end())
    return text


def guess_language(text: str) -> Language:
    """Cyrillic is Russian; Polish letters are Polish; anything else is English."""
    cyrillic = len(re.findall(r"[а-яё]", text, re.IGNORECASE))
    if cyrillic > 3:
        return "ru"
    if re.search(r"[ąćęłńóśźż]", text, re.IGNORECASE) or re.search(
        r"\b(dzień dobry|pozdrawiam|proszę|dziękuję)\b", text, re.IGNORECASE
    ):
        return "pl"
    return "en"


# -- negation -----------------------------------------------------------------------------------

_NEGATIONS: dict[str, re.Pattern[str]] = {
    "en": re.compile(r"\b(not|never|no|nobody|n't)\b|n't\b"),
    "ru": re.compile(r"\b(не|ни|нет|никогда|отнюдь)\b"),
    "pl": re.compile(r"\b(nie|nigdy|ani)\b"),
}


def _negated(folded: str, start: int, language: str) -> bool:
    """Is the phrase starting at `start` negated by one of the two words before it?"""
    before = re.split(r"[.!?;,:\n]", folded[max(0, start - 40) : start])[-1]
    # "это не Ваша ошибка", "to nie Pana błąd": the word just before; English also says
    # "not all your fault".
    words = re.findall(r"[\w']+", before)[-(2 if language == "en" else 1) :]
    return bool(words) and bool(_NEGATIONS[language].search(" ".join(words)))


# -- phrase rules: blame and bossy --------------------------------------------------------------

# "You must be tired", "you must have received it": a guess, not an order.
_NOT_GUESS = r"(?!\s+be\b)(?!\s+have\s+(?:\w+ed|seen|got|gotten|been|had|heard|done|made|known)\b)"
_PAN = r"(?:pan|pani|panowie|państwo)"
# "Powinien Pan już dostać maila": an expectation, not an order.
_PL_NOT_EXPECTATION = r"(?!\s+(?:już\s+)?(?:dostać|otrzymać|widzieć|zobaczyć|mieć)\b)"

_BLAME: dict[str, list[str]] = {
    "en": [
        r"\byou(?:'ve| have)?\s+(?:\w+\s+)?made\s+(?:a|an|some)\s+(?:\w+\s+)?(?:mistake|error)s?\b",
        r"\byou\s+(?:have\s+)?(?:got|gotten|done)\s+(?:it|this|that|something)\s+wrong\b",
        r"\byou\s+did\s+(?:it|this|that|something)\s+wrong\b",
        r"\b(?:it(?:'s| is| was)|that(?:'s| is| was))\s+(?:all\s+)?your\s+(?:own\s+)?"
        r"(?:fault|mistake|error)\b",
        r"\byour\s+(?:own\s+)?(?:fault|mistake)\b",
        r"\bdue\s+to\s+your\s+(?:own\s+)?(?:error|mistake|carelessness)\b",
        r"\byou\s+(?:entered|typed|selected|chose|picked|clicked|set|filled\s+in|configured|"
        r"used|put)\s+(?:\w+\s+){0,4}?(?:wrong|incorrect|incorrectly|wrongly)\b",
        r"\byou\s+(?:\w+ly\s+)?(?:misread|misunderstood|misconfigured|mistyped|overlooked|"
        r"ignored|forgot\s+to|failed\s+to|neglected\s+to)\b",
        r"\bif\s+you\s+had\s+(?:read|followed|checked)\b",
        r"\bas\s+(?:i|we)\s+(?:already|have\s+already)\s+(?:told|explained|said)\b",
        r"\buser\s+error\b",
        r"\b(?:that's|that\s+is|it's|it\s+is)\s+on\s+you\b",
        r"\b(?:error|mistake|problem)\s+(?:is|was|lies)\s+on\s+your\s+(?:side|end)\b",
    ],
    "ru": [
        r"\bвы\s+(?:(?:сами|явно|видимо|наверное|наверно|просто|снова|опять|где-то|тогда|"
        r"когда-то|же)\s+)?ошиблись\b",
        r"\bвы\s+(?:(?:сами|явно|видимо|просто)\s+)?допустили\s+(?:\w+\s+)?ошибк\w*",
        r"\bвы\s+(?:(?:сами|явно|видимо|просто|что-то|всё|все)\s+)?(?:неправильно|неверно|"
        r"некорректно|невнимательно|не\s+так|не\s+туда|не\s+то)\b",
        r"\bвы\s+(?:(?:сами|явно|видимо|просто|все|опять|снова)\s+)?(?:что-то\s+)?(?:перепутали|напутали|"
        r"забыли|проглядели|не\s+прочитали|не\s+дочитали|не\s+разобрались|не\s+заметили|"
        r"не\s+поняли|не\s+поняли)\b",
        r"\b(?:ваша|твоя)\s+(?:собственная\s+)?(?:ошибка|вина)\b",
        r"\b(?:по|из-за)\s+(?:вашей|твоей)\s+(?:собственной\s+)?(?:вине|ошибке|"
        r"невнимательности)\b",
        r"\bошибк\w+\s+(?:была\s+)?(?:с\s+)?вашей\s+стороны\b",
        r"\b(?:вы\s+)?сами\s+виноваты\b",
        r"\bкак\s+(?:я|мы)\s+уже\s+(?:говорил\w*|писал\w*|объясня\w*|объяснил\w*)\b",
    ],
    "pl": [
        r"\bpomylił(?:a|eś|aś|iście|yście)?\s+się\b",
        r"\bpomylił(?:a|)?\s+" + _PAN + r"\b",
        r"\bbłąd\s+(?:jest\s+|był\s+|leży\s+)?po\s+(?:pana|pani|państwa|twojej|waszej)\s+stronie\b",
        r"\b" + _PAN + r"\s+się\s+pomylił(?:a|)?\b",
        r"\bpopełnił(?:a|eś|aś|iście)?\s+(?:" + _PAN + r"\s+)?(?:\w+\s+)?błąd\b",
        r"\b(?:pana|pani|państwa|twój|wasz)\s+(?:własny\s+)?(?:błąd|wina)\b",
        r"\bz\s+(?:pana|pani|państwa|twojej|waszej)\s+(?:własnej\s+)?winy\b",
        r"\b(?:" + _PAN + r"\s+)?źle\s+(?:" + _PAN + r"\s+)?(?:wpisał|wybrał|ustawił|"
        r"skonfigurował|zrozumiał|podał|przeczytał|kliknął|wprowadził)\w*",
        r"\b(?:wpisał|wybrał|ustawił|podał|wprowadził)\w*\s+(?:" + _PAN + r"\s+)?"
        r"(?:\w+\s+){0,2}?(?:błędn|niepoprawn|nieprawidłow|zł)\w*",
        r"\b(?:" + _PAN + r"\s+)?nie\s+(?:przeczytał|doczytał|zauważył|sprawdził)\w*\s+"
        r"(?:" + _PAN + r"|\w+)?",
        r"\b(?:sam|sama|sami)\s+" + _PAN + r"\s+(?:jest\s+|są\s+)?(?:sobie\s+)?win(?:ien|na|ni)\b",
        r"\b" + _PAN + r"\s+(?:jest\s+|są\s+)?(?:sam\w*\s+)?sobie\s+win(?:ien|na|ni)\b",
        r"\bjak\s+(?:już\s+)?(?:pisałem|pisałam|pisaliśmy|mówiłem|mówiłam|wyjaśniałem|"
        r"wyjaśniałam|tłumaczyłem|tłumaczyłam)\b",
    ],
}

# Blame that is a negative sentence by nature ("you didn't read …"): not cleared by its "not".
_BLAME_UNREAD: dict[str, list[str]] = {
    "en": [
        r"\byou\s+(?:\w+ly\s+)?(?:didn't|did\s+not|haven't|have\s+not|never)\s+"
        r"(?:bother\s+to\s+)?(?:read|check|follow|notice|pay\s+attention|look\s+at)\b",
    ],
    "ru": [],
    "pl": [],
}

_BOSSY: dict[str, list[str]] = {
    "en": [
        r"\byou\s+(?:really\s+|absolutely\s+|simply\s+|first\s+)?(?:must"
        + _NOT_GUESS
        + r"|have\s+to|need\s+to|"
        r"are\s+required\s+to|are\s+obliged\s+to|will\s+have\s+to|'ll\s+have\s+to|ought\s+to|"
        r"have\s+got\s+to|'ve\s+got\s+to)\b",
        r"\byou'll\s+have\s+to\b",
        r"\bit\s+is\s+(?:mandatory|required)\s+that\s+you\b",
    ],
    "ru": [
        r"\bвы\s+(?:(?:сначала|сперва|обязательно|просто|сами)\s+)?(?:должны|обязаны)\b",
        r"\b(?:должны|обязаны)\s+вы\b",
        r"\bвам\s+(?:(?:сначала|сперва|просто|сами)\s+)?(?:нужно|необходимо|надо|следует|"
        r"придется|обязательно)\b",
        r"\bты\s+(?:должен|должна|обязан|обязана)\b",
    ],
    "pl": [
        r"\bmusi\s+" + _PAN + r"\b",
        r"\b" + _PAN + r"\s+(?:\w+\s+)?musi\b",
        r"\bmusisz\b",
        r"\bmusicie\b",
        r"\bmuszą\s+państwo\b",
        r"\bpowin(?:ien|na|ni)\s+" + _PAN + r"\b" + _PL_NOT_EXPECTATION,
        r"\b" + _PAN + r"\s+powin(?:ien|na|ni)\b",
        r"\bpowinieneś\b|\bpowinnaś\b",
        r"\b(?:ma|mają)\s+" + _PAN + r"\s+obowiązek\b",
        r"\b(?:jest|są)\s+" + _PAN + r"\s+zobowiązan\w*",
    ],
}
_CONDITIONAL = {
    "en": re.compile(r"\b(if|when|whenever|unless|in case)\b"),
    "ru": re.compile(r"\b(если|когда|ежели)\b"),
    "pl": re.compile(r"\b(jeśli|jeżeli|gdy|kiedy|jeśliby|gdyby)\b"),
}

# -- negative without a way forward -------------------------------------------------------------

_NEGATIVE: dict[str, list[str]] = {
    "en": [
        r"\b(?:i|we)\s+(?:can't|cannot|can\s+not|won't\s+be\s+able\s+to|am\s+unable\s+to|"
        r"are\s+unable\s+to|am\s+not\s+able\s+to|are\s+not\s+able\s+to|don't|do\s+not)\s+"
        r"(?:\w+\s+){0,1}?(?:do|help|offer|support|provide|give|deliver|change|refund|fix|"
        r"send|allow|accept|make|cancel|extend|process|resolve|guarantee)\b",
        r"\b(?:i|we)\s+(?:can't|cannot|can\s+not|am\s+unable\s+to|are\s+unable\s+to)\b",
        r"\b(?:it's|it\s+is|that's|that\s+is|this\s+is)\s+(?:not\s+possible|impossible)\b",
        r"\bthere\s+is\s+nothing\s+(?:i|we)\s+can\s+do\b",
        r"\bunfortunately,?\s+(?:we|i)\s+(?:won't|will\s+not|don't|do\s+not)\b",
    ],
    "ru": [
        r"\b(?:я|мы)\s+(?:\w+\s+)?не\s+(?:могу|можем|сможем|смогу|в\s+силах|в\s+состоянии)\b",
        r"\bне\s+(?:могу|можем|сможем|смогу)\b",
        r"\b(?:это\s+)?(?:невозможно|не\s+получится|не\s+представляется\s+возможным)\b",
        r"\bмы\s+не\s+(?:делаем|предоставляем|поддерживаем|оказываем|возвращаем)\b",
        r"\bничего\s+не\s+(?:можем|могу)\s+(?:сделать|поделать)\b",
        r"\bк\s+сожалению,?\s+(?:\w+\s+)?не\b",
    ],
    "pl": [
        r"\bnie\s+(?:mogę|możemy|możecie|jestem\s+w\s+stanie|jesteśmy\s+w\s+stanie|"
        r"damy\s+rady|dam\s+rady)\b",
        r"\bnie\s+(?:ma|mamy)\s+(?:takiej\s+)?możliwości\b",
        r"\b(?:to\s+)?(?:jest\s+)?niemożliwe\b",
        r"\bnie\s+jest\s+(?:to\s+)?możliwe\b",
        r"\bnie\s+da\s+się\b",
        r"\bnie\s+(?:obsługujemy|oferujemy|zapewniamy|zwracamy|wspieramy|udostępniamy)\b",
        r"\bniestety,?\s+(?:\w+\s+)?nie\b",
        r"\bnie\s+(?:będziemy|będę)\s+(?:w\s+stanie|mogli|mógł|mogła)\b",
    ],
}
# "I can't wait to show you", «не могу не поблагодарить», "nie mogę się doczekać": no refusal.
_NEGATIVE_IDIOM: dict[str, re.Pattern[str]] = {
    "en": re.compile(
        r"(?:i|we)\s+(?:can't|cannot|can\s+not)\s+(?:wait|thank\s+you\s+enough|stress\s+"
        r"enough|believe|recommend\s+\w+\s+enough)"
    ),
    "ru": re.compile(r"(?:(?:я|мы)\s+)?не\s+(?:могу|можем)\s+(?:не\b|дождаться)"),
    "pl": re.compile(r"nie\s+(?:mogę|możemy)\s+(?:się\s+doczekać|nie\b)"),
}
_WAY_FORWARD: dict[str, str] = {
    "en": r"\b(but|however|instead|alternatively|meanwhile|in the meantime|what i can|"
    r"i can|we can|you can|i will|i'll|we'll|we will|i'd be happy|happy to|here's how|"
    r"as soon as|once|option|workaround|suggest|recommend|let me|let's|let us|together|i've|"
    r"will be available|could you|would you)\b",
    "ru": r"(\bно\b|\bоднако\b|\bзато\b|\bвместо\b|\bпока\b|\bможно\b|\bмогу\b|\bможем\b|"
    r"\bсможете\b|\bсможем\b|\bсмогу\b|предлага|предложи|\bсделаю\b|\bсделаем\b|"
    r"как только|поможет|помогу|поможем|вариант|альтернатив|будет доступ|обходн|"
    r"рекоменду|советую|давайте|\bоформлю\b|\bоформим\b|\bпередам\b|\bотправлю\b)",
    "pl": r"(\bale\b|\bjednak\b|\bzamiast\b|\bmożemy\b|\bmogę\b|\bmoże\s+pan\b|"
    r"\bmoże\s+pani\b|\bmogą\s+państwo\b|propon|zapropon|alternatyw|rozwiązani|obejści|"
    r"jak tylko|gdy tylko|będzie dostępn|\bzrobię\b|\bzrobimy\b|pomogę|pomożemy|"
    r"sprawdzę|sprawdzimy|\bwyślę\b|\bwyślemy\b|poleca|\bchętnie\b|\bw międzyczasie\b)",
}

# -- formal address -----------------------------------------------------------------------------

_RU_YOU = re.compile(
    r"(?<![\w-])(вы|вас|вам|вами|ваш|ваша|ваше|ваши|вашего|вашей|вашему|вашим|вашими|вашу|вашем|"
    r"ваших)(?![\w-])"
)
_RU_THOU = re.compile(
    r"(?<![\w-])(ты|тебя|тебе|тобой|твой|твоя|твое|твоё|твои|твоего|твоей|твоему|твоим|твоих|"
    r"твою)(?![\w-])",
    re.IGNORECASE,
)
_PL_THOU = re.compile(
    r"(?<![\w-])(ty|ciebie|cię|tobie|tobą|twój|twoja|twoje|twojego|twojej|twoim|twoją|twoich|"
    r"twoi|możesz|musisz|masz|jesteś|chcesz|wiesz|potrzebujesz|spróbuj|sprawdź|kliknij|zrób|"
    r"zobacz|wpisz|wybierz|napisz|daj|zaloguj|odśwież|powinieneś|powinnaś)(?![\w-])",
    re.IGNORECASE,
)
_PL_PAN_LOWER = re.compile(
    r"(?<![\w-])(pan|pana|panu|panem|pani|panią|państwo|państwa|państwu|państwem)(?![\w-])"
)

# -- placeholders, attachments, greeting, sign-off ----------------------------------------------

_PLACEHOLDER = re.compile(
    r"\{\{.*?\}\}|\{%.*?%\}|\{\{|\}\}|<<[^<>\n]{0,60}>>|\$\{[^}\n]{0,60}\}|\[\[[^\]\n]{0,60}\]\]"
    r"|\[(?:name|first ?name|customer|client|date|number|link|имя|клиент|дата|номер|ссылка|"
    r"imię|imie|klient|data|numer|link)[^\]\n]{0,30}\]"
    r"|(?<!\w)(?:XXX+|TODO|TBD|FIXME|ХХХ+)(?!\w)|_{3,}"
    r"|\{[a-z_][a-z0-9_.]{0,40}\}",
    re.IGNORECASE,
)
_EMPTY_VALUE = re.compile(
    r"\b(?:hello|hi|dear|здравствуйте|добрый день|добрый вечер|уважаем\w+|dzień dobry|witam|"
    r"szanown\w+|drog\w+)\s*,?\s+(?:none|null|undefined|nan)\b"
    r"|\b(?:hello|hi|dear|здравствуйте|добрый день|уважаем\w+|dzień dobry|szanown\w+|witam)"
    r"[ \t]*,[ \t]*(?=[!.,?])",
    re.IGNORECASE,
)
_ATTACHMENT_PROMISE: dict[str, str] = {
    "en": r"\b(?:attached|attachment|attaching|enclosed|find\s+enclosed)\b",
    "ru": r"(?:во\s+вложени\w+|\bвложени\w+|\bприкрепл\w+|\bприкрепил\w*|\bприкрепляю\b|"
    r"\bприлагаю\b|\bприлагаем\b|\bприложил\w*|\bприложенн\w+|\bв\s+приложенном\b)",
    "pl": r"(?:w\s+załącznik\w*|w\s+załączeniu|\bzałącza\w*|\bzałączył\w*|\bzałączon\w+|"
    r"\bdołączam\w*|\bdołączył\w*|\bw\s+załączonym\b)",
}
# "The attached file you sent us": the customer's attachment, not a promise.
_CUSTOMERS_FILE: dict[str, re.Pattern[str]] = {
    "en": re.compile(r"^\W*(?:\w+\W+){0,2}?(?:you|you've)\s+(?:sent|attached|shared)\b"),
    "ru": re.compile(r"^\W*(?:\w+\W+){0,3}?вы\s+(?:прислали|приложили|отправили)\b"),
    "pl": re.compile(r"^\W*(?:\w+\W+){0,3}?(?:przesłał|przysłał|załączył)\w*\s+" + _PAN),
}
_GREETING: dict[str, str] = {
    "en": r"^\s*(?:hello|hi|hey|dear|good\s+(?:morning|afternoon|evening|day)|greetings|"
    r"thank\s+you\s+for|thanks\s+for)\b",
    "ru": r"^\s*(?:здравствуйте|добрый\s+(?:день|вечер)|доброе\s+утро|доброго\s+времени|"
    r"приветствую|привет|уважаем\w+|спасибо\s+за)",
    "pl": r"^\s*(?:dzień\s+dobry|dobry\s+wieczór|witam|witaj|cześć|hej|szanown\w+|drog\w+|"
    r"dziękuj\w+\s+za)",
}
_SIGNOFF: dict[str, str] = {
    "en": r"\b(?:regards|best|thanks|thank\s+you|sincerely|cheers|yours|all\s+the\s+best|"
    r"have\s+a\s+(?:great|nice|good|lovely)|take\s+care|talk\s+soon)\b",
    "ru": r"(?:с\s+уважением|всего\s+доброго|всего\s+хорошего|хорошего\s+дня|хорошего\s+вечера|"
    r"спасибо|благодарю|всегда\s+с\s+вами|с\s+наилучшими|удачи|до\s+свидания|команда|"
    r"отличного\s+дня|на\s+связи)",
    "pl": r"(?:pozdrawiam|pozdrowienia|z\s+poważaniem|miłego\s+dnia|miłego\s+wieczoru|"
    r"dziękuj\w*|dzięki|do\s+usłyszenia|serdecznie|zespół|łączę\s+wyrazy|wszystkiego\s+dobrego)",
}

# -- contacts -----------------------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+/])\+?\(?\d[\d \t().-]{6,}\d(?![\w/])")
_DATE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}(?:[ \t]+\d{1,2})?")
_PHONE_WORD = re.compile(
    r"(tel|phone|call|mobile|cell|телефон|тел\.|звоните|позвоните|моб|zadzwo|komórk|numer|"
    r"whatsapp|viber)",
    re.IGNORECASE,
)
_MESSENGER_LINK = re.compile(
    r"(?:https?://)?(?:www\.)?(?:t\.me|telegram\.me|wa\.me|vk\.com|instagram\.com|facebook\.com|"
    r"fb\.com|linkedin\.com/in|m\.me|viber\.click)/[\w.@/-]+",
    re.IGNORECASE,
)
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z][\w]{3,31}(?![\w@-])(?!\.\w)")
_MESSENGER_WORD = re.compile(
    r"\b(telegram\w*|tg|телеграм\w*|телеге|whatsapp|ватсап\w*|вотсап\w*|viber|вайбер\w*|skype|"
    r"скайп\w*|instagram|инстаграм\w*|signal|discord)\b\s*[:\-–]?\s*([@+]?[\w.+-]{3,40})",
    re.IGNORECASE,
)
_FREE_MAIL = (
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "icloud.com",
    "me.com",
    "proton.me",
    "protonmail.com",
    "aol.com",
    "gmx.com",
    "gmx.de",
    "mail.ru",
    "bk.ru",
    "inbox.ru",
    "list.ru",
    "yandex.ru",
    "ya.ru",
    "yandex.com",
    "rambler.ru",
    "wp.pl",
    "o2.pl",
    "onet.pl",
    "interia.pl",
    "op.pl",
    "gazeta.pl",
    "tlen.pl",
)


# -- messages -----------------------------------------------------------------------------------

MESSAGES: dict[str, dict[str, str]] = {
    "blame": {
        "en": "This blames the customer, who then defends themselves instead of solving the "
        'problem. Describe what happened, not whose fault it is: "The pickup point on the '
        "order is X — let's change it together.\"",
        "ru": "Это перекладывает вину на клиента: он начнёт защищаться, а не решать проблему. "
        "Опишите, что произошло, а не кто виноват: «В заказе указан пункт выдачи X — давайте "
        "вместе его поменяем».",
        "pl": "To obwinia klienta, który zacznie się bronić zamiast rozwiązywać problem. Proszę "
        "opisać, co się stało, a nie czyja to wina: „W zamówieniu wybrany jest punkt X — "
        "zmieńmy go razem”.",
    },
    "bossy": {
        "en": 'An order sounds rude in writing ("First you must log out"). Say what will help '
        'instead: "Logging out should fix this quickly!"',
        "ru": "Приказ в письме звучит грубо («Сначала вы должны выйти из системы»). Скажите, "
        "что поможет: «Выход из системы должен помочь быстро решить проблему!»",
        "pl": "Polecenie brzmi w piśmie szorstko („Musi Pan się wylogować”). Proszę napisać, "
        "co pomoże: „Wylogowanie powinno szybko rozwiązać problem!”",
    },
    "negative": {
        "en": '"I can\'t" with nothing after it ends the conversation. Say what you can do, '
        'and when: "This product will be available next month. I can place the order for '
        'you now so it ships as soon as it arrives."',
        "ru": "«Не могу» без продолжения обрывает разговор. Скажите, что вы можете сделать и "
        "когда: «Этот продукт будет доступен в следующем месяце. Я могу разместить заказ для "
        "вас прямо сейчас».",
        "pl": "„Nie mogę” bez dalszego ciągu kończy rozmowę. Proszę napisać, co możemy zrobić i "
        "kiedy: „Produkt będzie dostępny w przyszłym miesiącu. Mogę już teraz złożyć "
        "zamówienie, a wyślemy je od razu po dostawie”.",
    },
    "formal_address": {
        "en": "The team writes to customers formally.",
        "ru": "В команде принято обращаться к клиенту на «Вы» с большой буквы: «Вы», «Вас», "
        "«Ваш». Исправьте написание (и не переходите на «ты»).",
        "pl": "W zespole zwracamy się do klienta formą „Pan/Pani” pisaną wielką literą (Pana, "
        "Pani, Państwa), nie na „ty”: „Może Pan sprawdzić…” zamiast „możesz sprawdzić…”.",
    },
    "banned_word": {
        "en": "The team does not use {word!r} with customers.",
        "ru": "Команда не использует слово «{word}» в переписке с клиентами.",
        "pl": "Zespół nie używa słowa „{word}” w korespondencji z klientami.",
    },
    "banned_word_suggest": {
        "en": " Write {suggestion!r} instead.",
        "ru": " Напишите «{suggestion}».",
        "pl": " Proszę napisać „{suggestion}”.",
    },
    "personal_contact": {
        "en": "This looks like a personal contact ({contact}), not the team's. Customers who "
        "get it write to you directly, and nobody else can help them when you are away: "
        "give the team's address or keep the conversation here.",
        "ru": "Похоже на личный контакт ({contact}), а не контакт команды. Клиент начнёт писать "
        "вам напрямую, и без вас ему никто не поможет: дайте контакт поддержки или "
        "продолжайте переписку здесь.",
        "pl": "To wygląda na prywatny kontakt ({contact}), a nie zespołu. Klient zacznie pisać "
        "do Pana/Pani bezpośrednio i pod Pana/Pani nieobecność nikt mu nie pomoże: proszę "
        "podać kontakt zespołu albo kontynuować rozmowę tutaj.",
    },
    "placeholder": {
        "en": "An unfilled placeholder ({text}) would reach the customer as it is. Fill it in "
        "or remove it.",
        "ru": "Незаполненное поле шаблона ({text}) уйдёт клиенту как есть. Заполните его или "
        "удалите.",
        "pl": "Niewypełnione pole szablonu ({text}) trafi do klienta tak, jak jest. Proszę je "
        "uzupełnić albo usunąć.",
    },
    "missing_attachment": {
        "en": "The reply promises an attachment, but nothing is attached. Attach the file or "
        "change the wording.",
        "ru": "В ответе обещано вложение, но ничего не приложено. Приложите файл или измените "
        "текст.",
        "pl": "Odpowiedź zapowiada załącznik, ale nic nie jest załączone. Proszę dołączyć plik "
        "albo zmienić treść.",
    },
    "greeting": {
        "en": 'The team starts every reply with a greeting: "Hello Anna,".',
        "ru": "В команде принято начинать ответ с приветствия: «Здравствуйте, Анна!».",
        "pl": "W zespole każda odpowiedź zaczyna się od powitania: „Dzień dobry, Pani Anno!”.",
    },
    "signoff": {
        "en": 'The team ends every reply with a sign-off: "Best regards, Ann".',
        "ru": "В команде принято завершать ответ подписью: «С уважением, Анна».",
        "pl": "W zespole każda odpowiedź kończy się pożegnaniem: „Pozdrawiam serdecznie, Anna”.",
    },
    "internal_text": {
        "en": "This passage is copied from the internal article {title!r}, which is not meant "
        "for customers. Tell the customer what applies to them in your own words.",
        "ru": "Этот фрагмент скопирован из внутренней статьи «{title}», она не для клиентов. "
        "Перескажите своими словами то, что касается клиента.",
        "pl": "Ten fragment pochodzi z wewnętrznego artykułu „{title}”, który nie jest dla "
        "klientów. Proszę własnymi słowami napisać to, co dotyczy klienta.",
    },
    "repeated_reply": {
        "en": "This customer already got practically the same text ({percent}% alike). If they "
        "write again, the first answer did not help: answer their new question.",
        "ru": "Этот клиент уже получал практически такой же текст (совпадение {percent}%). Раз "
        "он пишет снова, первый ответ не помог: ответьте на его новый вопрос.",
        "pl": "Ten klient dostał już praktycznie ten sam tekst ({percent}% zgodności). Skoro "
        "pisze znowu, pierwsza odpowiedź nie pomogła: proszę odpowiedzieć na nowe pytanie.",
    },
}


# -- the checker --------------------------------------------------------------------------------


@dataclass(frozen=True)
class InternalArticle:
    title: str
    body: str


def check_reply(
    text: str,
    language: str,
    policy: CheckPolicy | None = None,
    *,
    attachments: Sequence[str] = (),
    previous_replies: Sequence[str] = (),
    internal_articles: Sequence[InternalArticle] = (),
    agent_contacts: Sequence[str] = (),
) -> list[Finding]:
    """Every finding in `text`, in order of where it starts."""
    if language not in LANGUAGES:
        raise CheckInputError(
            f"unknown reply language {language!r}: the checker knows {', '.join(LANGUAGES)}"
        )
    policy = policy or CheckPolicy()
    own = own_words(text)
    folded = fold(own)
    unquoted = without_inline_quotes(folded)
    findings: list[Finding] = []

    def add(rule: str, spans: Iterable[Span], message: str) -> None:
        severity = policy.severities.get(rule)
        spans = tuple(spans)
        if severity is not None and spans:
            findings.append(Finding(rule, severity, spans, message))

    def on(rule: str) -> bool:
        return rule in policy.severities

    if on("blame"):
        spans = _phrase_spans(
            unquoted, _BLAME[language], language, conditional=False, inner_negation=language == "en"
        )
        spans += _phrase_spans(unquoted, _BLAME_UNREAD[language], language, conditional=False)
        for span in sorted(set(spans), key=lambda s: s.start):
            add("blame", [span], MESSAGES["blame"][language])
    if on("bossy"):
        for span in _phrase_spans(
            unquoted, _BOSSY[language], language, conditional=True, inner_negation=language == "en"
        ):
            add("bossy", [span], MESSAGES["bossy"][language])
    if on("negative"):
        for span in _negative_spans(unquoted, language):
            add("negative", [span], MESSAGES["negative"][language])
    if on("formal_address") and language in policy.formal_address:
        spans = _formal_spans(without_inline_quotes(own), unquoted, language)
        add("formal_address", spans, MESSAGES["formal_address"][language])
    if on("banned_word"):
        for word, suggestion in policy.banned_words.get(language, {}).items():
            spans = _word_spans(folded, word, language)
            message = MESSAGES["banned_word"][language].format(word=word)
            if suggestion:
                message += MESSAGES["banned_word_suggest"][language].format(suggestion=suggestion)
            add("banned_word", spans, message)
    if on("personal_contact"):
        for span, contact in _contact_spans(own, agent_contacts, policy.team_contacts):
            add(
                "personal_contact",
                [span],
                MESSAGES["personal_contact"][language].format(contact=contact),
            )
    if on("placeholder"):
        for span in _placeholder_spans(own):
            shown = text[span.start : span.end].strip() or "…"
            add(
                "placeholder",
                [span],
                MESSAGES["placeholder"][language].format(text=_short(shown)),
            )
    if on("missing_attachment") and not attachments:
        spans = [
            Span(m.start(), m.end())
            for m in re.finditer(_ATTACHMENT_PROMISE[language], unquoted)
            if not _negated(unquoted, m.start(), language)
            and not _CUSTOMERS_FILE[language].search(unquoted[m.end() : m.end() + 40])
        ]
        add("missing_attachment", spans, MESSAGES["missing_attachment"][language])
    if on("greeting") and policy.require_greeting:
        first = _first_line(own)
        if first is not None and not re.match(_GREETING[language], fold(own[first.start :])):
            add("greeting", [first], MESSAGES["greeting"][language])
    if on("signoff") and policy.require_signoff:
        tail = _last_lines(own, 3)
        if tail and not any(re.search(_SIGNOFF[language], folded[s.start : s.end]) for s in tail):
            add("signoff", [tail[-1]], MESSAGES["signoff"][language])
    if on("internal_text") and internal_articles:
        for article, spans in _copied_spans(folded, internal_articles):
            add(
                "internal_text",
                spans,
                MESSAGES["internal_text"][language].format(title=_short(article.title)),
            )
    if on("repeated_reply") and previous_replies:
        similarity = _best_similarity(folded, previous_replies, language)
        if similarity >= REPEAT_SIMILARITY:
            whole = _content_span(own)
            if whole is not None:
                add(
                    "repeated_reply",
                    [whole],
                    MESSAGES["repeated_reply"][language].format(percent=round(similarity * 100)),
                )
    findings.sort(key=lambda f: (f.spans[0].start, RULES.index(f.rule)))
    return findings


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)


def line_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of an offset, for editors and the command line."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(strip_controls(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _phrase_spans(
    folded: str,
    patterns: Sequence[str],
    language: str,
    *,
    conditional: bool,
    inner_negation: bool = False,
) -> list[Span]:
    spans: list[Span] = []
    for pattern in patterns:
        for match in re.finditer(pattern, folded):
            start, end = match.start(), match.end()
            # Trailing whitespace from optional groups is no part of what to highlight.
            end = start + len(folded[start:end].rstrip())
            if _negated(folded, start, language):
                continue
            if inner_negation and re.search(r"\bnot\b|n't\b|\bnever\b", folded[start:end]):
                continue
            if conditional and _in_condition(folded, start, language):
                continue
            if any(s.start < end and start < s.end for s in spans):
                continue
            spans.append(Span(start, end))
    return sorted(spans, key=lambda s: s.start)


def _sentence_start(folded: str, offset: int) -> int:
    cut = max(folded.rfind(mark, 0, offset) for mark in (".", "!", "?", "\n", ";"))
    return cut + 1


def _in_condition(folded: str, start: int, language: str) -> bool:
    """'If you need to change it, …' is no order."""
    clause = folded[_sentence_start(folded, start) : start]
    clause = clause.rsplit(",", 1)[-1]
    return bool(_CONDITIONAL[language].search(clause))


def _negative_spans(folded: str, language: str) -> list[Span]:
    spans = []
    way_forward = re.compile(_WAY_FORWARD[language])
    for span in _phrase_spans(folded, _NEGATIVE[language], language, conditional=False):
        if _NEGATIVE_IDIOM[language].match(folded, span.start):
            continue
        # A way forward may come before ("We will ship it in May, so I can't …") or after, in
        # the same sentence or the next one.
        sentence_start = _sentence_start(folded, span.start)
        window_end = _after_sentences(folded, span.end, 2)
        before = folded[max(0, sentence_start - 200) : span.start]
        after = folded[span.end : window_end]
        # "…, but that's impossible": a "but" before the refusal leads into it, not out.
        if _positive(way_forward, after) or _positive(way_forward, before, conjunctions=False):
            continue
        spans.append(span)
    return spans


_CONJUNCTIONS = frozenset({"but", "however", "но", "однако", "зато", "ale", "jednak"})


def _positive(pattern: re.Pattern[str], text: str, *, conjunctions: bool = True) -> bool:
    for match in pattern.finditer(text):
        if not conjunctions and match.group().strip() in _CONJUNCTIONS:
            continue
        before = text[max(0, match.start() - 4) : match.start()]
        if not re.search(r"\b(не|nie|not|n't)\s*$", before):
            return True
    return False


def _after_sentences(folded: str, offset: int, count: int) -> int:
    position = offset
    for _ in range(count):
        match = re.compile(r"[.!?\n]+").search(folded, position)
        if match is None:
            return len(folded)
        position = match.end()
    return position


def _formal_spans(own: str, unquoted_folded: str, language: str) -> list[Span]:
    spans: list[Span] = []
    if language == "ru":
        for match in _RU_YOU.finditer(own):
            # Lower-case "вы" where it is a polite address to one customer.
            spans.append(Span(match.start(), match.end()))
        spans.extend(Span(m.start(), m.end()) for m in _RU_THOU.finditer(unquoted_folded))
    elif language == "pl":
        spans.extend(Span(m.start(), m.end()) for m in _PL_THOU.finditer(unquoted_folded))
        for match in _PL_PAN_LOWER.finditer(own):
            # "pan" after a title or name ("pani Kowalska mówiła") is about someone else.
            after = own[match.end() : match.end() + 2]
            if not re.match(r"\s[A-ZŁŚŻŹĆŃÓ]", after):
                spans.append(Span(match.start(), match.end()))
    return sorted(set(spans), key=lambda s: s.start)


def stem(word: str, language: str) -> str:
    """A crude stem: enough to match inflected forms («техподдержки», «техподдержкой»)."""
    word = fold(word)
    if language in ("ru", "pl") and len(word) > 4:
        trimmed = re.sub(r"[аеёиоуыэюяьйąęoóyi]+$", "", word)
        return trimmed if len(trimmed) >= 3 else word
    if language == "en" and len(word) > 4:
        return re.sub(r"(es|s|ed|ing)$", "", word)
    return word


def _word_spans(folded: str, phrase: str, language: str) -> list[Span]:
    words = re.findall(r"\w+", fold(phrase))
    if not words:
        return []
    parts = []
    for word in words:
        root = stem(word, language)
        slack = 4 if len(root) < len(word) or language != "en" else 3
        parts.append(re.escape(root) + r"\w{0," + str(slack) + "}")
    pattern = r"(?<!\w)" + r"[\s-]+".join(parts) + r"(?!\w)"
    return [Span(m.start(), m.end()) for m in re.finditer(pattern, folded)]


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _contact_spans(
    own: str, agent_contacts: Sequence[str], team_contacts: Sequence[str]
) -> list[tuple[Span, str]]:
    team = {c.strip().casefold() for c in team_contacts if c.strip()}
    team_domains = {c[1:] for c in team if c.startswith("@") and "." in c}
    team_digits = {_digits(c) for c in team if len(_digits(c)) >= 6}
    mine = {c.strip().casefold() for c in agent_contacts if c.strip()}
    mine_digits = {_digits(c) for c in mine if len(_digits(c)) >= 6}
    found: list[tuple[Span, str]] = []

    def taken(start: int, end: int) -> bool:
        return any(s.start < end and start < s.end for s, _ in found)

    for match in _EMAIL.finditer(own):
        address = match.group().casefold().rstrip(".")
        domain = address.rsplit("@", 1)[1]
        if address in mine or (
            address not in team and domain not in team_domains and domain in _FREE_MAIL
        ):
            found.append((Span(match.start(), match.start() + len(address)), address))
    for match in _MESSENGER_LINK.finditer(own):
        link = match.group().rstrip(".,")
        if link.casefold().split("://")[-1].removeprefix("www.") in team or taken(
            match.start(), match.end()
        ):
            continue
        found.append((Span(match.start(), match.start() + len(link)), link))
    for match in _MESSENGER_WORD.finditer(own):
        handle = match.group(2).rstrip(".,")
        start = match.start(2)
        if handle.casefold() in team or taken(start, start + len(handle)):
            continue
        if len(_digits(handle)) >= 7 and _digits(handle) in team_digits:
            continue
        # "Skype: ann.novak" names a handle outright; without the colon, only an @handle or a
        # number is one ("on Telegram today" is not).
        named = ":" in match.group()[: match.start(2) - match.start()]
        if named or handle.startswith(("@", "+")) or any(ch.isdigit() for ch in handle):
            found.append((Span(start, start + len(handle)), handle))
    for match in _HANDLE.finditer(own):
        if match.group().casefold() in team or taken(match.start(), match.end()):
            continue
        found.append((Span(match.start(), match.end()), match.group()))
    for match in _PHONE.finditer(own):
        number = match.group().strip(" \t.-")
        start = match.start() + match.group().find(number)
        digits = _digits(number)
        if not 9 <= len(digits) <= 15 or taken(start, start + len(number)):
            continue
        # The team's number written without its country code is still the team's.
        if any(t.endswith(digits) or digits.endswith(t) for t in team_digits):
            continue
        if _DATE.fullmatch(number):
            continue
        looks_like_phone = (
            number.startswith("+")
            or digits in mine_digits
            or re.search(r"\d[ \t().-]+\d", number) is not None
            or _PHONE_WORD.search(own[max(0, start - 25) : start]) is not None
        )
        if looks_like_phone:
            found.append((Span(start, start + len(number)), number))
    return sorted(found, key=lambda item: item[0].start)


def _placeholder_spans(own: str) -> list[Span]:
    spans = [Span(m.start(), m.end()) for m in _PLACEHOLDER.finditer(own)]
    for match in _EMPTY_VALUE.finditer(own):
        span = Span(match.start(), match.end())
        if not any(s.start < span.end and span.start < s.end for s in spans):
            spans.append(span)
    return sorted(spans, key=lambda s: s.start)


def _line_spans(text: str) -> list[Span]:
    spans = []
    position = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped:
            start = position + line.find(stripped)
            spans.append(Span(start, start + len(stripped)))
        position += len(line) + 1
    return spans


def _first_line(own: str) -> Span | None:
    lines = _line_spans(own)
    return lines[0] if lines else None


def _last_lines(own: str, count: int) -> list[Span]:
    lines = _line_spans(own)
    # The agent's signature block starts at "-- ": the sign-off is the text just above it.
    text_lines = [own[s.start : s.end] for s in lines]
    for index, line in enumerate(text_lines):
        if line in ("--", "-- ") and index > 0:
            lines = lines[:index]
            break
    return lines[-count:]


def _content_span(own: str) -> Span | None:
    lines = _line_spans(own)
    return Span(lines[0].start, lines[-1].end) if lines else None


def _tokens(folded: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in re.finditer(r"\w+", folded)]


def _copied_spans(
    folded: str, articles: Sequence[InternalArticle]
) -> list[tuple[InternalArticle, list[Span]]]:
    tokens = _tokens(folded)
    n = INTERNAL_RUN_WORDS
    if len(tokens) < n:
        return []
    results = []
    for article in articles:
        words = [w for w, _, _ in _tokens(fold(article.body))]
        grams = {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}
        if not grams:
            continue
        covered = [False] * len(tokens)
        for i in range(len(tokens) - n + 1):
            if tuple(w for w, _, _ in tokens[i : i + n]) in grams:
                for j in range(i, i + n):
                    covered[j] = True
        spans: list[Span] = []
        i = 0
        while i < len(tokens):
            if covered[i]:
                j = i
                while j + 1 < len(tokens) and covered[j + 1]:
                    j += 1
                spans.append(Span(tokens[i][1], tokens[j][2]))
                i = j + 1
            else:
                i += 1
        if spans:
            results.append((article, spans))
    return results


def _core_words(folded: str, language: str) -> list[str]:
    """The words of a reply without its greeting line and sign-off: every reply shares those."""
    lines = [line for line in folded.split("\n") if line.strip()]
    if lines and re.match(_GREETING[language], lines[0]):
        lines = lines[1:]
    for index, line in enumerate(lines):
        if line.strip() in ("--", "-- "):
            lines = lines[:index]
            break
    while lines and len(lines[-1].split()) <= 6 and re.search(_SIGNOFF[language], lines[-1]):
        lines = lines[:-1]
    return re.findall(r"\w+", "\n".join(lines))


def _trigrams(words: Sequence[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


def _best_similarity(folded: str, previous: Sequence[str], language: str) -> float:
    mine = _core_words(folded, language)
    if len(mine) < REPEAT_MIN_WORDS:
        return 0.0
    grams = _trigrams(mine)
    best = 0.0
    for earlier in previous:
        theirs = _trigrams(_core_words(fold(own_words(earlier)), language))
        if not theirs:
            continue
        best = max(best, len(grams & theirs) / len(grams | theirs))
    return best
