"""Team-wide settings: business calendars, SLA policies, categories, reply checker rules.

They live in the database (table `team_setting`, key "team") so every agent of a team sees the
same rules. A lead exports them to TOML, edits, and imports; an import is validated in full
before anything is written, so a rejected file changes nothing.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    ValidationError,
    field_validator,
)

from supportdesk.core.checks import DEFAULT_SEVERITY, RULES, CheckPolicy
from supportdesk.core.enums import Category, Status
from supportdesk.core.sla import (
    WEEKDAYS,
    BusinessCalendar,
    PolicyRule,
    SlaConfigError,
    SlaSettings,
    Targets,
    default_calendars,
    default_rules,
)

SETTINGS_KEY = "team"
_DURATION_RE = re.compile(r"^\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*$")


class TeamSettingsError(ValueError):
    """Why a settings document was refused; one problem per line."""


def parse_duration(value: str | int) -> int:
    """'1h', '30m', '1h30m', '45s' or a number of seconds -> seconds."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as '1h', '30m' or '1h30m'")
    if isinstance(value, int):
        if value <= 0:
            raise ValueError("must be positive")
        return value
    match = _DURATION_RE.match(value)
    if not value.strip() or not match or not any(match.groups()):
        raise ValueError(
            f"{value!r} is not a duration; write business time as '1h', '30m', '1h30m' or '45s' "
            "(no days: a business day's length depends on the calendar)"
        )
    hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise ValueError("must be positive")
    return total


def format_duration_setting(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = (f"{hours}h" if hours else "") + (f"{minutes}m" if minutes else "")
    return text + (f"{secs}s" if secs or not text else "")


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ChannelPattern = Literal["*", "email", "telegram", "internal"]
PriorityPattern = Literal["*", "urgent", "high", "normal", "low"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CalendarDoc(_Strict):
    timezone: str = "UTC"
    always_open: bool = False
    hours: dict[Weekday, list[str]] = Field(default_factory=dict)
    holidays: list[date] = Field(default_factory=list)


class PolicyDoc(_Strict):
    channel: ChannelPattern = "*"
    priority: PriorityPattern = "*"
    calendar: str = "default"
    first_response: int | None = None
    next_response: int | None = None
    resolution: int | None = None

    @field_validator("first_response", "next_response", "resolution", mode="before")
    @classmethod
    def _duration(cls, value: Any) -> int | None:
        return None if value is None else parse_duration(value)


class SlaDoc(_Strict):
    warning_share: float = 0.25
    paused_statuses: list[Literal["new", "open", "pending", "on_hold"]] = Field(
        default_factory=lambda: [Status.PENDING.value, Status.ON_HOLD.value]
    )
    policy: list[PolicyDoc] = Field(default_factory=list)


class CategoryDoc(_Strict):
    label: str
    description: str = ""


class ClosingDoc(_Strict):
    # A solved ticket closes itself after this many business days without a customer reply.
    quiet_business_days: int = Field(default=3, ge=1, le=60)
    # The reply that solves an email ticket ends with a line asking for a 1-5 score.
    ask_rating_by_email: bool = True


RuleSetting = Literal["error", "warning", "off"]
CheckLanguage = Literal["en", "pl", "ru"]


class ChecksDoc(_Strict):
    """The reply checker: each rule "error" (refuses the reply unless overridden), "warning"
    or "off"; house rules (greeting, sign-off, formal address) are off until a lead turns
    them on."""

    rules: dict[str, RuleSetting] = Field(default_factory=dict)
    require_greeting: StrictBool = False
    require_signoff: StrictBool = False
    formal_address: list[Literal["pl", "ru"]] = Field(default_factory=list)
    banned_words: dict[CheckLanguage, dict[str, str]] = Field(default_factory=dict)
    team_contacts: list[str] = Field(default_factory=list)

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, value: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(value) - set(RULES))
        if unknown:
            raise ValueError(
                f"unknown rule {', '.join(map(repr, unknown))}; the rules are {', '.join(RULES)}"
            )
        return {rule: value.get(rule, DEFAULT_SEVERITY[rule]) for rule in RULES}

    @field_validator("banned_words")
    @classmethod
    def _words(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for language, words in value.items():
            for word in words:
                if not any(ch.isalnum() for ch in word):
                    raise ValueError(f"{language}: {word!r} has no letters to look for")
        return {language: words for language, words in value.items() if words}

    @field_validator("team_contacts")
    @classmethod
    def _contacts(cls, value: list[str]) -> list[str]:
        for contact in value:
            if not contact.strip():
                raise ValueError("an empty contact; list addresses, phone numbers or @handles")
        return value

    def policy(self) -> CheckPolicy:
        rules = self.rules or dict(DEFAULT_SEVERITY)
        return CheckPolicy(
            severities={
                rule: severity
                for rule, severity in rules.items()
                if severity in ("error", "warning")
            },
            require_greeting=self.require_greeting,
            require_signoff=self.require_signoff,
            formal_address=frozenset(self.formal_address),
            banned_words={lang: dict(words) for lang, words in self.banned_words.items()},
            team_contacts=tuple(self.team_contacts),
        )


DEFAULT_ESCALATION_FIELDS = ("What was checked", "Steps to reproduce", "Customer impact")
_GROUP_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class EscalationDoc(_Strict):
    """Escalation to the second line: which agent group it goes to and what the first line
    must write down first (seed 001: an escalation without the details comes back)."""

    group: str = "second-line"
    fields: list[str] = Field(default_factory=lambda: list(DEFAULT_ESCALATION_FIELDS))
    # Shorter answers are refused: "n/a" or "see above" is what gets escalations returned.
    min_length: int = Field(default=10, ge=1, le=500)

    @field_validator("group")
    @classmethod
    def _group_name(cls, value: str) -> str:
        if not _GROUP_RE.match(value):
            raise ValueError("a group name is lower-case letters, digits, . _ - (e.g. second-line)")
        return value

    @field_validator("fields")
    @classmethod
    def _field_names(cls, value: list[str]) -> list[str]:
        names = [" ".join(name.split()) for name in value]
        if not names:
            raise ValueError("at least one field is required (e.g. What was checked)")
        for name in names:
            if not name or len(name) > 80 or "=" in name:
                raise ValueError(f"{name!r}: a field name is 1-80 characters without '='")
        folded = [name.casefold() for name in names]
        if len(set(folded)) != len(folded):
            raise ValueError("a field is listed twice")
        return names


class KbDoc(_Strict):
    # The address customers open an article at; {slug} is replaced. kb("slug") in a template.
    public_url: str = "https://help.example.com/kb/{slug}"

    @field_validator("public_url")
    @classmethod
    def _has_slug(cls, value: str) -> str:
        if "{slug}" not in value:
            raise ValueError("must contain {slug}, e.g. https://help.example.com/kb/{slug}")
        return value


class TeamSettingsDoc(_Strict):
    calendars: dict[str, CalendarDoc] = Field(default_factory=dict)
    sla: SlaDoc = Field(default_factory=SlaDoc)
    closing: ClosingDoc = Field(default_factory=ClosingDoc)
    categories: dict[
        Literal["blocking", "question", "onboarding", "feature_request"], CategoryDoc
    ] = Field(default_factory=dict)
    checks: ChecksDoc = Field(default_factory=ChecksDoc)
    kb: KbDoc = Field(default_factory=KbDoc)
    escalation: EscalationDoc = Field(default_factory=EscalationDoc)


DEFAULT_CATEGORIES: dict[str, CategoryDoc] = {
    Category.BLOCKING: CategoryDoc(
        label="Blocking", description="Something does not work (telephony down, no calls)"
    ),
    Category.QUESTION: CategoryDoc(label="Question", description="How do I…, why does…"),
    Category.ONBOARDING: CategoryDoc(
        label="Onboarding", description="Help learning the product, first set-up"
    ),
    Category.FEATURE_REQUEST: CategoryDoc(
        label="Feature request", description="Collected for the product team"
    ),
}


@dataclass(frozen=True)
class TeamSettings:
    sla: SlaSettings
    categories: dict[str, CategoryDoc]
    document: dict[str, Any]
    checks: CheckPolicy = field(default_factory=CheckPolicy)
    closing: ClosingDoc = field(default_factory=ClosingDoc)
    escalation: EscalationDoc = field(default_factory=EscalationDoc)

    @property
    def calendar(self) -> BusinessCalendar:
        """The team's own calendar: the one named 'default', else the first."""
        calendars = self.sla.calendars
        return calendars.get("default") or next(iter(calendars.values()))

    @property
    def zone(self) -> ZoneInfo:
        """The team's time zone: that of the team's calendar."""
        return self.calendar.zone

    def kb_url(self, slug: str) -> str:
        pattern = self.document.get("kb", {}).get("public_url") or KbDoc().public_url
        return str(pattern).replace("{slug}", slug)

    def category_label(self, category: str) -> str:
        doc = self.categories.get(category)
        return doc.label if doc else category


def default_document() -> dict[str, Any]:
    calendars: dict[str, Any] = {}
    for name, calendar in default_calendars().items():
        entry: dict[str, Any] = {"timezone": calendar.timezone}
        if calendar.always_open:
            entry["always_open"] = True
        else:
            entry["hours"] = calendar.hours_text()
            entry["holidays"] = []
        calendars[name] = entry
    policies = []
    for rule in default_rules():
        policy: dict[str, Any] = {
            "channel": str(rule.channel),
            "priority": str(rule.priority),
            "calendar": rule.calendar,
        }
        for kind in ("first_response", "next_response", "resolution"):
            value = getattr(rule.targets, kind)
            if value is not None:
                policy[kind] = format_duration_setting(value)
        policies.append(policy)
    return {
        "calendars": calendars,
        "sla": {
            "warning_share": 0.25,
            "paused_statuses": [Status.PENDING.value, Status.ON_HOLD.value],
            "policy": policies,
        },
        "closing": ClosingDoc().model_dump(),
        "categories": {key: value.model_dump() for key, value in DEFAULT_CATEGORIES.items()},
        "checks": default_checks_document(),
        "kb": KbDoc().model_dump(),
        "escalation": EscalationDoc().model_dump(),
    }


def default_checks_document() -> dict[str, Any]:
    return {
        "rules": dict(DEFAULT_SEVERITY),
        "require_greeting": False,
        "require_signoff": False,
        "formal_address": [],
        "banned_words": {},
        "team_contacts": [],
    }


def _key_path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _format_errors(source: str, exc: ValidationError) -> str:
    lines = []
    for error in exc.errors():
        key = _key_path(tuple(error["loc"]))
        value = error.get("input")
        shown = repr(value)
        if len(shown) > 60:
            shown = shown[:57] + "..."
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            lines.append(f"{source}: {key} — unknown key (check its spelling)")
        elif error["type"] == "missing":
            lines.append(f"{source}: {key} — required but missing")
        else:
            lines.append(f"{source}: {key} = {shown} — {message}")
    return "\n".join(lines)


def parse_document(data: dict[str, Any], source: str = "team settings") -> TeamSettings:
    """Validate a settings document completely; raise TeamSettingsError naming every problem."""
    try:
        doc = TeamSettingsDoc.model_validate(data)
    except ValidationError as exc:
        raise TeamSettingsError(_format_errors(source, exc)) from None
    try:
        calendars = {
            name: (
                BusinessCalendar.round_the_clock(name, cal.timezone)
                if cal.always_open
                else BusinessCalendar.weekly(name, cal.timezone, cal.hours, cal.holidays)
            )
            for name, cal in doc.calendars.items()
        }
        if not calendars:
            calendars = default_calendars()
        rules = (
            tuple(
                PolicyRule(
                    channel=policy.channel,
                    priority=policy.priority,
                    calendar=policy.calendar,
                    targets=Targets(policy.first_response, policy.next_response, policy.resolution),
                )
                for policy in doc.sla.policy
            )
            or default_rules()
        )
        sla = SlaSettings(
            calendars=calendars,
            rules=rules,
            paused_statuses=frozenset(doc.sla.paused_statuses),
            warning_share=doc.sla.warning_share,
        )
    except SlaConfigError as exc:
        raise TeamSettingsError(f"{source}: {exc}") from None
    categories = {**DEFAULT_CATEGORIES, **doc.categories}
    normalized = _normalized(doc)
    return TeamSettings(
        sla=sla,
        categories=categories,
        document=normalized,
        closing=doc.closing,
        checks=doc.checks.policy(),
        escalation=doc.escalation,
    )


def _normalized(doc: TeamSettingsDoc) -> dict[str, Any]:
    """The JSON we store: durations as text, dates as ISO strings, defaults filled in."""
    data = doc.model_dump(mode="json", exclude_none=True)
    data["checks"]["rules"] = data["checks"]["rules"] or dict(DEFAULT_SEVERITY)
    for policy in data["sla"]["policy"]:
        for kind in ("first_response", "next_response", "resolution"):
            if kind in policy:
                policy[kind] = format_duration_setting(policy[kind])
    return data


def default_settings() -> TeamSettings:
    return parse_document(default_document(), "built-in defaults")


def load_toml_file(path: Path) -> TeamSettings:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TeamSettingsError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise TeamSettingsError(
            f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise TeamSettingsError(f"{path}: not valid TOML: {exc}") from None
    return parse_document(data, str(path))


# -- writing TOML ---------------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        escaped = escaped.replace("\t", "\\t")
        return f'"{escaped}"'
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{ " + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + " }"
        )
    raise TypeError(f"cannot write {type(value).__name__} to TOML")


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def to_toml(document: dict[str, Any]) -> str:
    """The settings document as commented TOML that `parse_document` reads back unchanged."""
    out = [
        "# supportdesk team settings — import with: supportdesk settings import FILE.toml",
        "# Durations are business time: '1h', '30m', '1h30m', '45s'.",
        "",
        "[sla]",
        "# A clock turns 'warning' when less than this share of its target is left.",
        f"warning_share = {_toml_value(document['sla']['warning_share'])}",
        "# While a ticket has one of these statuses its clocks do not count.",
        f"paused_statuses = {_toml_value(document['sla']['paused_statuses'])}",
        "",
        "# The most specific rule wins: channel+priority, then priority, then channel, then '*'.",
    ]
    for policy in document["sla"]["policy"]:
        out.append("[[sla.policy]]")
        for key in (
            "channel",
            "priority",
            "calendar",
            "first_response",
            "next_response",
            "resolution",
        ):
            if key in policy:
                out.append(f"{key} = {_toml_value(policy[key])}")
        out.append("")
    for name, calendar in document["calendars"].items():
        out.append(f"[calendars.{_toml_key(name)}]")
        out.append(f"timezone = {_toml_value(calendar['timezone'])}")
        if calendar.get("always_open"):
            out.append("always_open = true")
        else:
            out.append('# Several ranges a day are allowed: ["09:00-13:00", "14:00-18:00"].')
            hours = calendar.get("hours", {})
            ordered = {day: hours[day] for day in WEEKDAYS if day in hours}
            out.append(f"hours = {_toml_value(ordered)}")
            out.append(f"holidays = {_toml_value(calendar.get('holidays', []))}")
        out.append("")
    for key, category in document["categories"].items():
        out.append(f"[categories.{_toml_key(key)}]")
        out.append(f"label = {_toml_value(category['label'])}")
        out.append(f"description = {_toml_value(category.get('description', ''))}")
        out.append("")
    out.extend(_checks_toml(document.get("checks") or default_checks_document()))
    out.extend(_escalation_toml(document.get("escalation") or EscalationDoc().model_dump()))
    return "\n".join(out).rstrip() + "\n"


def _checks_toml(checks: dict[str, Any]) -> list[str]:
    out = [
        '# The reply checker. Each rule: "error" (the reply is refused unless the agent sends',
        '# anyway; trainees cannot), "warning" (shown, does not stop the reply) or "off".',
        "[checks]",
        "# Require a greeting at the top and a sign-off at the bottom of every reply.",
        f"require_greeting = {_toml_value(checks.get('require_greeting', False))}",
        f"require_signoff = {_toml_value(checks.get('require_signoff', False))}",
        '# Languages where the customer is addressed formally: "ru" (capitalised Вы, Вас, Ваш;',
        '# no ты) and "pl" (Pan/Pani, capitalised; no ty).',
        f"formal_address = {_toml_value(checks.get('formal_address', []))}",
        "# The team's own phone numbers, addresses and handles: never flagged as personal",
        '# contacts. "@example.com" allows every address at that domain.',
        f"team_contacts = {_toml_value(checks.get('team_contacts', []))}",
        "",
        "[checks.rules]",
    ]
    rules = checks.get("rules") or DEFAULT_SEVERITY
    out.extend(f"{rule} = {_toml_value(rules.get(rule, 'off'))}" for rule in RULES)
    out.append("")
    out.append("# Words the team does not use with customers, per language: word = suggestion.")
    banned = checks.get("banned_words", {})
    for language in ("en", "pl", "ru"):
        out.append(f"[checks.banned_words.{language}]")
        out.extend(
            f"{_toml_key(word)} = {_toml_value(suggestion)}"
            for word, suggestion in banned.get(language, {}).items()
        )
        if language == "ru" and not banned.get("ru"):
            out.append('# "техподдержка" = "поддержка"')
        out.append("")
    return out


def _escalation_toml(escalation: dict[str, Any]) -> list[str]:
    return [
        "# Escalation to the second line: the agent group it goes to, the fields the first line",
        "# fills in (all required; add your own), and the shortest answer accepted.",
        "[escalation]",
        f"group = {_toml_value(escalation['group'])}",
        f"fields = {_toml_value(escalation['fields'])}",
        f"min_length = {_toml_value(escalation['min_length'])}",
        "",
    ]
