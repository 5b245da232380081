"""A realistic, deterministic demo database: Telvio's support team, two weeks of work.

The demo company sells cloud telephony, call tracking and a course builder; its customers write
in English, Polish and Russian by email and Telegram. Each ticket's conversation is simulated
forward from its arrival (replies in business time, customers answering, solving, closing) and
cut at "now", so the queue holds a natural mix of new, open, pending, solved and closed tickets,
some at risk and some breached. The same seed and the same "now" give the same database.

Rows are written with bulk inserts and explicit ids: `--scale 100000` takes well under a
minute. SLA columns are computed by the same code the Desk uses (`slastore`).
"""

from __future__ import annotations

import json
import math
import multiprocessing
import operator
import random
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, func, select, text, update
from sqlalchemy.orm import Session

from supportdesk.core.enums import Category, Channel, DeliveryState, Direction, Priority, Status
from supportdesk.core.frontmatter import FrontMatterError, split_front_matter
from supportdesk.core.sla import BusinessCalendar, clock_runs, compute_clocks
from supportdesk.resources import demo_kb_dir, shipped_templates_dir
from supportdesk.store import demo_scenarios as content
from supportdesk.store import search
from supportdesk.store.db import Database
from supportdesk.store.demoescalations import add_demo_escalations
from supportdesk.store.models import (
    Agent,
    Counter,
    Customer,
    Event,
    Identity,
    Incident,
    IncidentTicket,
    KbArticle,
    Message,
    Note,
    NoteMention,
    OutboxItem,
    Rating,
    ReportFact,
    TeamSetting,
    Template,
    Ticket,
    TicketTag,
)
from supportdesk.store.reportfacts import TicketRecord, fact_rows, facts_key, is_new_work
from supportdesk.store.slastore import build_history, sla_columns
from supportdesk.store.teamsettings import SETTINGS_KEY, default_document, default_settings

DEFAULT_SCALE = 360
DEFAULT_SEED = 7
FIRST_NUMBER = 1001

# (name, display name, role, languages they answer, mentor)
AGENTS: tuple[tuple[str, str, str, tuple[str, ...], str | None], ...] = (
    ("marta", "Marta Kowalska", "lead", ("pl", "en"), None),
    ("ann", "Ann Novak", "agent", ("en", "pl"), None),
    ("tomasz", "Tomasz Wiśniewski", "agent", ("pl", "en"), None),
    ("pavel", "Павел Смирнов", "agent", ("ru", "en"), None),
    ("olena", "Олена Коваль", "agent", ("ru", "en"), None),
    ("kasia", "Kasia Zielińska", "trainee", ("pl", "en"), "marta"),
)
AGENT_LANGUAGE = {
    "marta": "pl",
    "ann": "en",
    "tomasz": "pl",
    "pavel": "ru",
    "olena": "ru",
    "kasia": "pl",
}

_TRANSLIT = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "е": "e",
        "ё": "e",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "й": "y",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "yu",
        "я": "ya",
        "ł": "l",
        "і": "i",
        "ї": "yi",
        "є": "ye",
    }
)
EMAIL_DOMAINS = {
    "en": ["gmail.com", "outlook.com"],
    "pl": ["wp.pl", "onet.pl", "gmail.com"],
    "ru": ["mail.ru", "yandex.ru", "gmail.com"],
}
MAIL_HOSTS = {"out": "telvio.example", "in": "mail.example"}
TLD = {"en": "com", "pl": "pl", "ru": "ru"}


# The first answer when a scenario has none written: a human acknowledgement.
GENERIC_ACK = {
    "en": "Hello! Thank you for writing to us. I am looking into this now and will come back "
    "to you shortly with the details.",
    "pl": "Dzień dobry! Dziękuję za wiadomość. Już sprawdzam tę sprawę i wrócę do Pana/Pani "
    "z odpowiedzią najszybciej, jak to możliwe.",
    "ru": "Здравствуйте! Спасибо, что написали. Уже разбираюсь с Вашим вопросом и скоро вернусь "
    "с ответом.",
}


GENERIC_FOLLOW_UP = {
    "en": "Thank you for the details, that helps. I have checked this on our side and updated "
    "your settings; please try again and tell me whether everything works now.",
    "pl": "Dziękuję za szczegóły, to bardzo pomaga. Sprawdziliśmy to po naszej stronie i "
    "poprawiliśmy ustawienia — proszę spróbować ponownie i dać znać, czy wszystko działa.",
    "ru": "Спасибо за подробности, это очень помогло. Мы проверили всё на нашей стороне и "
    "поправили настройки — попробуйте, пожалуйста, ещё раз и напишите, всё ли работает.",
}


def _first(item: tuple[Any, ...]) -> Any:
    return item[0]


def _display_name(agent: str | None) -> str | None:
    return next((display for name, display, *_rest in AGENTS if name == agent), None)


@dataclass(frozen=True)
class DemoStats:
    tickets: int
    customers: int
    messages: int
    notes: int
    ratings: int
    templates: int
    articles: int
    by_status: dict[str, int]
    template_errors: tuple[str, ...] = ()


@dataclass
class _Rows:
    """Everything to insert, as plain dicts with explicit ids, handed over in chunks."""

    # In insertion order: every table's foreign keys point at tables before it.
    TABLES = (
        "tickets",
        "tags",
        "messages",
        "outbox",
        "notes",
        "mentions",
        "ratings",
        "events",
        "incidents",
        "incident_tickets",
        "facts",
    )

    def __init__(self) -> None:
        self.customers: list[dict[str, Any]] = []
        self.identities: list[dict[str, Any]] = []
        self.chunk: dict[str, list[dict[str, Any]]] = {name: [] for name in self.TABLES}
        self.counts: dict[str, int] = dict.fromkeys(("customers", "identities", *self.TABLES), 0)
        self.statuses: dict[str, int] = {}

    def next_id(self, table: str) -> int:
        self.counts[table] += 1
        return self.counts[table]

    def add(self, table: str, **row: Any) -> int:
        row["id"] = self.next_id(table)
        target = (
            self.customers
            if table == "customers"
            else (self.identities if table == "identities" else self.chunk[table])
        )
        target.append(row)
        return row["id"]

    def append(self, table: str, row: dict[str, Any]) -> None:
        """A row of a table without an id column of its own (tags, mentions)."""
        self.counts[table] += 1
        self.chunk[table].append(row)

    def take_chunk(self) -> dict[str, list[dict[str, Any]]]:
        chunk, self.chunk = self.chunk, {name: [] for name in self.TABLES}
        return chunk


@dataclass(frozen=True)
class _Plan:
    """One ticket to simulate: when it arrives, and what is special about it."""

    at: datetime
    scenario: dict[str, Any] | None = None
    ongoing: bool = False
    at_risk: bool = False


@dataclass(frozen=True)
class _Customer:
    id: int
    language: str
    name: str
    first_name: str
    email_identity: int | None
    email: str | None
    telegram_identity: int | None
    telegram_id: str | None


# (title, status message, resolution) of the outage going on now and the one five days back.
OUTAGE_TEXTS: dict[bool, tuple[str, str, str | None]] = {
    True: (
        "Incoming calls fail (SIP provider outage)",
        "Since about an hour ago incoming calls to some Telvio numbers fail or go silent: our "
        "SIP provider has a failure in its Warsaw data centre. Our engineers and theirs are "
        "working on it. Outgoing calls work. If you need calls now, turn on forwarding to a "
        "mobile in Numbers → Forwarding. We will write again as soon as it is fixed.",
        None,
    ),
    False: (
        "Incoming calls not ringing (SIP trunk failure)",
        "Incoming calls to some numbers do not ring: a SIP trunk failed. We are switching "
        "traffic to the backup trunk and will write again within the hour.",
        "Incoming calls work again on every number. The cause was a failed SIP trunk at "
        "our provider; traffic now runs on a new one. Sorry for the trouble — if a "
        "number still does not ring, just reply and we will check it at once.",
    ),
}


def has_data(database: Database) -> bool:
    with database.read_session() as session:
        return bool(session.scalar(select(func.count()).select_from(Ticket)))


def _ascii(text_value: str) -> str:
    lowered = text_value.lower().translate(_TRANSLIT)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(ch for ch in decomposed if ch.isascii() and (ch.isalnum() or ch in ".-"))


def _slug(text_value: str) -> str:
    return re.sub(
        r"-+", "-", re.sub(r"[^a-z0-9]+", "-", _ascii(text_value.replace(" ", "-")))
    ).strip("-")


class _Generator:
    def __init__(self, now: datetime, scale: int, seed: int) -> None:
        self.now = now
        self.scale = scale
        self.rng = random.Random(seed)
        self.settings = default_settings()
        self.facts_key = facts_key(self.settings)
        self.calendar: BusinessCalendar = self.settings.sla.calendars["default"]
        self.zone = self.calendar.zone
        self.days = 14 if scale <= 2000 else 365
        self.rows = _Rows()
        self.agent_ids = {name: index + 1 for index, (name, *_rest) in enumerate(AGENTS)}
        self.customers: list[_Customer] = []
        self.scenarios: dict[str, list[dict[str, Any]]] = {"en": [], "pl": [], "ru": []}
        self.outages: list[dict[str, Any]] = []
        # The two outages' incidents (by "still going on") and when each was declared.
        self.incidents: dict[bool, int] = {}
        self.incident_declared: dict[int, datetime] = {}
        for scenario in content.SCENARIOS:
            key = str(scenario["key"])
            (
                self.outages
                if key.startswith("outage-")
                else self.scenarios[str(scenario["language"])]
            ).append(scenario)

    # -- people -----------------------------------------------------------------------------

    def make_customers(self, count: int) -> None:
        languages = ["pl"] * 45 + ["ru"] * 30 + ["en"] * 25
        used_emails: set[str] = set()
        for index in range(count):
            language = self.rng.choice(languages)
            first, gender = self.rng.choice(content.FIRST_NAMES[language])
            last = self.rng.choice(content.LAST_NAMES[language][gender])
            name = f"{first} {last}"
            company = self.rng.choice(content.COMPANIES[language])
            customer_id = self.rows.add(
                "customers",
                name=name,
                language=language,
                company=company,
                merged_into_id=None,
                created_at=self.now - timedelta(days=self.days + 30),
            )
            has_email = self.rng.random() < 0.7
            has_telegram = not has_email or self.rng.random() < 0.25
            email = email_identity = telegram = telegram_identity = None
            if has_email:
                if self.rng.random() < 0.6:
                    domain = f"{_slug(company)}.{TLD[language]}"
                else:
                    domain = self.rng.choice(EMAIL_DOMAINS[language])
                local = f"{_ascii(first)}.{_ascii(last)}"
                email = f"{local}@{domain}"
                if email in used_emails:
                    email = f"{local}{index}@{domain}"
                used_emails.add(email)
                email_identity = self.rows.add(
                    "identities",
                    customer_id=customer_id,
                    kind="email",
                    value=email,
                    display_name=name,
                    username=None,
                    unreachable_reason=None,
                    created_at=self.now - timedelta(days=self.days + 30),
                )
            if has_telegram:
                telegram = str(100_000_000 + index * 7919 % 899_999_999)
                telegram_identity = self.rows.add(
                    "identities",
                    customer_id=customer_id,
                    kind="telegram",
                    value=telegram,
                    display_name=name,
                    username=f"{_ascii(first)}_{_ascii(last)}"[:32]
                    if self.rng.random() < 0.6
                    else None,
                    unreachable_reason=None,
                    created_at=self.now - timedelta(days=self.days + 30),
                )
            self.customers.append(
                _Customer(
                    customer_id,
                    language,
                    name,
                    first,
                    email_identity,
                    email,
                    telegram_identity,
                    telegram,
                )
            )

    def pick_customer(self) -> _Customer:
        # A few customers write again and again (seed 003: five tickets a week).
        if self.rng.random() < 0.3:
            return self.customers[int(len(self.customers) * self.rng.random() ** 3)]
        return self.rng.choice(self.customers)

    def pick_agent(self, language: str, exclude: str | None = None) -> str:
        able = [name for name, _d, _r, langs, _m in AGENTS if language in langs and name != exclude]
        weights = [0.5 if name == "marta" else 0.6 if name == "kasia" else 1.0 for name in able]
        return self.rng.choices(able, weights)[0]

    # -- time -------------------------------------------------------------------------------

    def arrival_times(self, count: int) -> list[datetime]:
        start_day = (self.now.astimezone(self.zone) - timedelta(days=self.days)).date()
        day_weights = []
        days: list[date] = []
        for offset in range(self.days + 1):
            day = start_day + timedelta(days=offset)
            days.append(day)
            day_weights.append(0.25 if day.weekday() >= 5 else 1.0)
        # Business hours carry the load, with the afternoon peak after 16:00 (seed 003).
        hour_weights = [0.2] * 7 + [
            0.6,
            1.0,
            1.6,
            1.8,
            1.7,
            1.4,
            1.5,
            1.7,
            1.8,
            2.3,
            2.4,
            1.4,
            0.8,
            0.6,
            0.5,
            0.4,
            0.3,
        ]
        times = []
        while len(times) < count:
            day = self.rng.choices(days, day_weights)[0]
            hour = self.rng.choices(range(24), hour_weights)[0]
            local = datetime.combine(
                day, time(hour, self.rng.randrange(60), self.rng.randrange(60)), self.zone
            )
            moment = local.astimezone(UTC)
            if moment < self.now:
                times.append(moment)
        times.sort()
        return times

    def reply_delay(self, channel: str, priority: str) -> float:
        """Business seconds until an agent answers: usually well inside the target."""
        target = 300 if channel == Channel.TELEGRAM or priority == Priority.URGENT else 3600
        if priority == Priority.LOW:
            target = 4 * 3600
        # Lognormal around half the target: most in time, about one in four late.
        return max(20.0, self.rng.lognormvariate(math.log(target / 2), 1.0))

    def customer_gap(self, channel: str) -> timedelta:
        median = 900 if channel == Channel.TELEGRAM else 4 * 3600
        return timedelta(seconds=max(30.0, self.rng.lognormvariate(math.log(median), 1.3)))

    # -- tickets ----------------------------------------------------------------------------

    def make_tickets(
        self, sink: Callable[[dict[str, list[dict[str, Any]]]], None], every: int = 2000
    ) -> None:
        """Simulate every ticket, handing the rows to `sink` in chunks of `every` tickets."""
        special = self.incident_plans() + self.at_risk_plans()
        plans = [_Plan(moment) for moment in self.arrival_times(max(0, self.scale - len(special)))]
        plans = sorted(plans + special, key=lambda plan: plan.at)
        # Recent tickets nobody has picked up yet: the queue's breached rows.
        recent = [
            i
            for i, plan in enumerate(plans)
            if plan.at > self.now - timedelta(days=3) and plan.scenario is None
        ]
        forgotten = set(self.rng.sample(recent, min(len(recent), max(3, self.scale // 80))))
        for number_offset, plan in enumerate(plans):
            if plan.at_risk:
                customer = self.rng.choice([c for c in self.customers if c.email] or self.customers)
                scenario = self.rng.choice(
                    [
                        sc
                        for sc in self.scenarios[customer.language]
                        if sc["priority"] in ("normal", "high") and sc["channel"] != "telegram"
                    ]
                )
            elif plan.scenario is not None:
                customer = self.customer_for_language(str(plan.scenario["language"]))
                scenario = plan.scenario
            else:
                customer = self.pick_customer()
                scenario = self.rng.choice(self.scenarios[customer.language])
            self.make_ticket(
                FIRST_NUMBER + number_offset,
                plan.at,
                customer,
                scenario,
                forgotten=plan.at_risk or number_offset in forgotten,
                ongoing=plan.ongoing,
                channel="email" if plan.at_risk else None,
            )
            if plan.scenario is not None and not plan.at_risk:
                self.link_to_outage(plan, self.rows.counts["tickets"])
            if (number_offset + 1) % every == 0:
                sink(self.rows.take_chunk())
        sink(self.rows.take_chunk())

    def at_risk_plans(self) -> list[_Plan]:
        """Email tickets that have used 85% of their hour for a first answer by "now" (in
        business time): the queue's at-risk rows, present whatever the time of day."""
        if self.scale < 40:
            return []
        target = 3600 * 0.85
        day = self.now.astimezone(self.zone).date()
        for _ in range(30):
            for start, end in reversed(self.calendar.day_intervals(day)):
                anchor = min(end, self.now)
                if anchor - start >= timedelta(seconds=target + 600):
                    return [
                        _Plan(anchor - timedelta(seconds=target + 60 * i), at_risk=True)
                        for i in range(3)
                    ]
            day -= timedelta(days=1)
        return []

    def customer_for_language(self, language: str) -> _Customer:
        pool = [c for c in self.customers if c.language == language] or self.customers
        return self.rng.choice(pool)

    def incident_plans(self) -> list[_Plan]:
        """Mass outages (seed 002 №1): many customers write about one failure within minutes.

        One five days ago, long resolved, and one that started fifty minutes before "now" and
        is still being fixed: urgent tickets on top of the queue, some not yet answered.
        """
        if not self.outages or self.scale < 40:
            return []
        day = (self.now.astimezone(self.zone) - timedelta(days=5)).date()
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        past = datetime.combine(day, time(10, 20), self.zone).astimezone(UTC)
        ongoing = self.now - timedelta(minutes=50)
        plans: list[_Plan] = []
        for start, count, is_ongoing in (
            (past, min(12, self.scale // 30), False),
            (ongoing, 5, True),
        ):
            for index in range(count):
                moment = start + timedelta(seconds=self.rng.randrange(40 * 60))
                plans.append(_Plan(moment, self.outages[index % len(self.outages)], is_ongoing))
        return plans

    def link_to_outage(self, plan: _Plan, ticket_id: int) -> None:
        """The outage's incident (declared by the lead minutes after the first ticket; the
        one five days back resolved two and a half hours later) and this ticket's link."""
        rows, now = self.rows, self.now
        incident_id = self.incidents.get(plan.ongoing)
        lead = self.agent_ids["marta"]
        if incident_id is None:
            declared = min(now, plan.at + timedelta(minutes=8))
            title, message, resolution = OUTAGE_TEXTS[plan.ongoing]
            resolved = None if plan.ongoing else plan.at + timedelta(hours=2, minutes=30)
            incident_id = rows.add(
                "incidents",
                title=title,
                message=message,
                status="open" if plan.ongoing else "resolved",
                resolution=resolution,
                declared_by_id=lead,
                declared_at=declared,
                updated_at=resolved or declared,
                resolved_by_id=None if plan.ongoing else lead,
                resolved_at=resolved,
                version=1 if plan.ongoing else 2,
            )
            self.incidents[plan.ongoing] = incident_id
            self.incident_declared[incident_id] = declared
            rows.add(
                "events",
                at=declared,
                agent_id=lead,
                ticket_id=None,
                kind="incident_declared",
                data={"incident": incident_id, "title": title},
            )
            if resolved is not None:
                rows.add(
                    "events",
                    at=resolved,
                    agent_id=lead,
                    ticket_id=None,
                    kind="incident_resolved",
                    data={"incident": incident_id, "title": title, "solve": False},
                )
        linked_at = min(
            now, max(self.incident_declared[incident_id], plan.at) + timedelta(minutes=1)
        )
        rows.append(
            "incident_tickets",
            {
                "incident_id": incident_id,
                "ticket_id": ticket_id,
                "linked_by_id": lead,
                "linked_at": linked_at,
            },
        )
        rows.add(
            "events",
            at=linked_at,
            agent_id=lead,
            ticket_id=ticket_id,
            kind="incident_linked",
            data={"incident": incident_id},
        )

    def make_ticket(
        self,
        number: int,
        created_at: datetime,
        customer: _Customer,
        scenario: dict[str, Any],
        *,
        forgotten: bool,
        ongoing: bool = False,
        channel: str | None = None,
    ) -> None:
        rows, rng, now = self.rows, self.rng, self.now
        channel = channel or str(scenario["channel"])
        if (
            channel == "any"
            or (channel == "email" and customer.email is None)
            or (channel == "telegram" and customer.telegram_id is None)
        ):
            channel = (
                "email"
                if customer.email and (customer.telegram_id is None or rng.random() < 0.6)
                else "telegram"
            )
        identity_id = customer.email_identity if channel == "email" else customer.telegram_identity
        address = customer.email if channel == "email" else customer.telegram_id
        account = "support" if channel == "email" else "bot"
        priority = str(scenario["priority"])
        urgent_reason = scenario.get("urgent_reason") if priority == Priority.URGENT else None
        if priority == Priority.URGENT and not urgent_reason:
            urgent_reason = "Customer cannot take calls"
        category = str(scenario["category"])
        subject = str(scenario["subject"])
        ticket_id = rows.next_id("tickets")
        customer_texts: Sequence[str] = scenario["customer_messages"]  # type: ignore[assignment]
        agent_texts: Sequence[str] = scenario["agent_replies"]  # type: ignore[assignment]
        agent = self.pick_agent(customer.language)
        events: list[tuple[datetime, str | None, str, dict[str, Any]]] = []
        messages: list[tuple[str, datetime, bool, str]] = []
        status_events: list[tuple[datetime, dict[str, object]]] = [
            (created_at, {"to": "new", "initial": True})
        ]
        status = Status.NEW.value
        assignee: str | None = None
        first_response_at = last_customer = last_reply = None
        solved_at: datetime | None = None

        def set_status(at: datetime, new: str, who: str | None, reason: str | None = None) -> None:
            nonlocal status, solved_at
            if new == status:
                return
            data: dict[str, Any] = {"from": status, "to": new}
            if reason:
                data["reason"] = reason
            events.append((at, who, "status", data))
            status_events.append((at, {"to": new}))
            status = new
            if new == Status.SOLVED:
                solved_at = at

        def add_message(direction: str, at: datetime, body: str, who: str | None) -> None:
            nonlocal last_customer, last_reply, first_response_at
            message_id = rows.add(
                "messages",
                ticket_id=ticket_id,
                direction=direction,
                channel=channel,
                channel_account=account,
                external_id=(
                    f"<demo.{number}.{len(messages)}@{MAIL_HOSTS[direction]}>"
                    if channel == "email"
                    else f"{address}:{number * 10 + len(messages)}"
                ),
                in_reply_to=None,
                references=None,
                subject=subject if direction == Direction.INBOUND else f"Re: {subject}",
                sender_name=customer.name if direction == Direction.INBOUND else _display_name(who),
                sender_address=address if direction == Direction.INBOUND else None,
                identity_id=identity_id if direction == Direction.INBOUND else None,
                agent_id=self.agent_ids[who] if who else None,
                recipients=[] if direction == Direction.INBOUND else [address],
                text=body,
                html=None,
                automatic=False,
                created_at=at,
                stored_at=at,
                delivery_state=DeliveryState.RECEIVED
                if direction == Direction.INBOUND
                else DeliveryState.SENT,
                delivery_error=None,
                raw_id=None,
                thread_rule=("new_ticket" if not messages else "in_reply_to")
                if direction == Direction.INBOUND
                else None,
                thread_note=None,
                reply_to_message_id=None,
                revision_of_id=None,
                approved_by_id=self.agent_ids["marta"] if who == "kasia" else None,
            )
            messages.append(
                (
                    direction,
                    at,
                    False,
                    DeliveryState.SENT
                    if direction == Direction.OUTBOUND
                    else DeliveryState.RECEIVED,
                )
            )
            if direction == Direction.INBOUND:
                last_customer = at
                events.append((at, None, "received", {"message_id": message_id}))
            else:
                last_reply = at
                first_response_at = first_response_at or at
                rows.add(
                    "outbox",
                    message_id=message_id,
                    channel=channel,
                    channel_account=account,
                    state="sent",
                    attempts=1,
                    next_attempt_at=at,
                    last_error=None,
                    created_at=at,
                    updated_at=at,
                    sent_at=at,
                    locked_by=None,
                    locked_until=None,
                )
                events.append((at, who, "reply", {"message_id": message_id}))

        events.append((created_at, None, "created", {"channel": channel}))
        events.append((created_at, None, "status", {"to": "new", "initial": True}))
        moment = created_at
        add_message(Direction.INBOUND, moment, customer_texts[0], None)
        # An outage still going on: acknowledged, then on hold until the engineers fix it.
        rounds = 1 if ongoing else len(customer_texts)
        for index in range(rounds):
            if index > 0:
                moment = (last_reply or moment) + self.customer_gap(channel)
                if moment > now:
                    break
                add_message(Direction.INBOUND, moment, customer_texts[index], None)
                if status in (Status.PENDING, Status.ON_HOLD, Status.SOLVED):
                    set_status(moment, Status.OPEN, None, "customer replied")
            delay = self.reply_delay(channel, priority)
            if moment > now - timedelta(hours=3):
                # A busy afternoon: the last hours' tickets wait longer, some past their target.
                delay *= 4
            reply_at = self.calendar.add_business_seconds(moment, delay)
            if reply_at > now or (forgotten and index == 0):
                # Some get picked up but not yet answered.
                if rng.random() < 0.35 and not forgotten:
                    taken_at = min(now, moment + timedelta(minutes=2))
                    assignee = agent
                    events.append((taken_at, agent, "assigned", {"to": agent}))
                    set_status(taken_at, Status.OPEN, agent)
                break
            if assignee is None:
                assignee = agent
                events.append((reply_at, agent, "assigned", {"to": agent}))
            if index == 0 and rng.random() < 0.45:
                self.add_note(ticket_id, reply_at - timedelta(seconds=40), agent, scenario, events)
            if index < len(agent_texts):
                body = agent_texts[index]
            else:
                body = (GENERIC_ACK if index == 0 else GENERIC_FOLLOW_UP)[customer.language]
            add_message(Direction.OUTBOUND, reply_at, body, agent)
            if status == Status.NEW:
                set_status(reply_at, Status.OPEN, agent)
            moment = reply_at
            if ongoing:
                set_status(reply_at, Status.ON_HOLD, agent, "waiting for the engineers")
            elif index == len(customer_texts) - 1:
                keep_open = category == Category.FEATURE_REQUEST and rng.random() < 0.3
                set_status(reply_at, Status.PENDING if keep_open else Status.SOLVED, agent)
            elif category == Category.BLOCKING and rng.random() < 0.3:
                set_status(reply_at, Status.ON_HOLD, agent, "waiting for the engineers")
            else:
                set_status(reply_at, Status.PENDING, agent)
        if status == Status.SOLVED and solved_at is not None:
            # Solved waits for the customer; after three quiet business days it closes itself.
            close_at = self.calendar.add_business_seconds(solved_at, 3 * 9 * 3600)
            if close_at <= now:
                set_status(close_at, Status.CLOSED, None, "no reply for 3 business days")
            if rng.random() < 0.55:
                rated_at = solved_at + self.customer_gap(channel)
                if rated_at <= now:
                    self.add_rating(ticket_id, customer.language, channel, rated_at, events)
        if (
            created_at < now - timedelta(days=2)
            and status in (Status.PENDING,)
            and rng.random() < 0.5
        ):
            # Customers who never came back: the lead marks them solved after two days.
            at = min(now, (last_reply or created_at) + timedelta(days=2))
            set_status(at, Status.SOLVED, "marta", "no answer from the customer")
        history = build_history(
            created_at=created_at,
            channel=channel,
            priority=priority,
            created_by_agent=False,
            messages=messages,
            status_events=status_events,
        )
        clocks = compute_clocks(history, self.settings.sla, now)
        rows.statuses[status] = rows.statuses.get(status, 0) + 1
        events.sort(key=_first)  # the order they are stored in (ids follow it)
        agent_ids = self.agent_ids
        closed_at = status_events[-1][0] if status == Status.CLOSED else None
        record = TicketRecord(
            created_at=created_at,
            new_work=is_new_work(status, created_at, closed_at),
            replies=[
                (at, agent_ids[who] if who else None)
                for at, who, kind, _data in events
                if kind == "reply"
            ],
            statuses=[
                (at, str(data["to"]), bool(data.get("initial")), agent_ids[who] if who else None)
                for at, who, kind, data in events
                if kind == "status"
            ],
        )
        for fact in fact_rows(ticket_id, record, clock_runs(history, self.settings.sla, now)):
            rows.add("facts", **fact)
        rows.chunk["tickets"].append(
            {
                "id": ticket_id,
                "number": number,
                "subject": subject,
                "status": status,
                "priority": priority,
                "urgent_reason": urgent_reason,
                "category": category,
                "channel": channel,
                "channel_account": account,
                "customer_id": customer.id,
                "assignee_id": self.agent_ids[assignee] if assignee else None,
                "created_by_id": None,
                "created_at": created_at,
                "updated_at": max(at for at, *_ in events),
                "status_changed_at": status_events[-1][0],
                "first_response_at": first_response_at,
                "solved_at": solved_at if status in (Status.SOLVED, Status.CLOSED) else None,
                "closed_at": closed_at,
                "last_customer_message_at": last_customer,
                "last_agent_reply_at": last_reply,
                "message_count": len(messages),
                "merged_into_id": None,
                "follow_up_of_id": None,
                "version": len(events) + 1,
                "claimed_by_id": None,
                "claim_expires_at": None,
                "report_key": self.facts_key,
                **sla_columns(
                    status=status,
                    priority=priority,
                    category=category,
                    clocks=clocks,
                    settings=self.settings.sla,
                ),
            }
        )
        for tag in scenario.get("tags", ()) or ():
            rows.append("tags", {"ticket_id": ticket_id, "tag": str(tag)})
        for at, who, kind, data in events:
            rows.add(
                "events",
                at=at,
                agent_id=self.agent_ids[who] if who else None,
                ticket_id=ticket_id,
                kind=kind,
                data=data,
            )

    def add_note(
        self,
        ticket_id: int,
        at: datetime,
        author: str,
        scenario: dict[str, Any],
        events: list[tuple[datetime, str | None, str, dict[str, Any]]],
    ) -> None:
        body = scenario.get("note")
        if not body:
            return
        note_id = self.rows.add(
            "notes",
            ticket_id=ticket_id,
            author_id=self.agent_ids[author],
            kind="note",
            body=str(body),
            created_at=at,
        )
        mentioned = [name for name in self.agent_ids if f"@{name}" in str(body) and name != author]
        for name in mentioned:
            self.rows.append(
                "mentions", {"note_id": note_id, "agent_id": self.agent_ids[name], "seen_at": None}
            )
        events.append(
            (at, author, "note", {"note_id": note_id, "mentions": mentioned, "note_kind": "note"})
        )

    def add_rating(
        self,
        ticket_id: int,
        language: str,
        channel: str,
        at: datetime,
        events: list[tuple[datetime, str | None, str, dict[str, Any]]],
    ) -> None:
        score = self.rng.choices([5, 4, 3, 2, 1], [70, 18, 6, 3, 3])[0]
        comments = content.CSAT_COMMENTS.get(language, {}).get(score, [])
        comment = self.rng.choice(comments) if comments and self.rng.random() < 0.4 else None
        self.rows.add(
            "ratings",
            ticket_id=ticket_id,
            score=score,
            comment=comment,
            channel=channel,
            created_at=at,
            updated_at=at,
        )
        events.append((at, None, "rated", {"score": score}))


def _markdown_files(folder: Path, errors: list[str]) -> Iterator[tuple[Path, dict[str, Any], str]]:
    """(path, front matter, body) of each Markdown file; a broken one is reported, not fatal."""
    for path in sorted(folder.glob("*.md")):
        try:
            meta, body, _line = split_front_matter(path.read_text(encoding="utf-8"))
        except (FrontMatterError, OSError, UnicodeDecodeError) as exc:
            errors.append(f"{path}: {exc}")
            continue
        yield path, meta, body


def _library_rows(now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """Shipped templates and the demo knowledge base, from their Markdown files."""
    errors: list[str] = []
    templates = [
        {
            "id": index,
            "name": str(meta.get("name") or path.stem),
            "shortcut": meta.get("shortcut"),
            "language": str(meta.get("language") or "en"),
            "tags": [str(t) for t in meta.get("tags") or []],
            "category": meta.get("category"),
            "set_status": meta.get("status"),
            "body": body,
            "scope": "team",
            "owner_id": None,
            "usage_count": 0,
            "updated_at": now,
        }
        for index, (path, meta, body) in enumerate(
            _markdown_files(shipped_templates_dir(), errors), start=1
        )
    ]
    articles = [
        {
            "id": index,
            "slug": str(meta.get("slug") or path.stem),
            "title": str(meta.get("title") or path.stem),
            "body": body,
            "language": str(meta.get("language") or "en"),
            "tags": [str(t) for t in meta.get("tags") or []],
            "internal": bool(meta.get("internal", False)),
            "author_id": 1,
            "created_at": now - timedelta(days=60),
            "updated_at": now - timedelta(days=60),
        }
        for index, (path, meta, body) in enumerate(_markdown_files(demo_kb_dir(), errors), start=1)
    ]
    return templates, articles, errors


def _agent_rows(now: datetime) -> list[dict[str, Any]]:
    ids = {name: index + 1 for index, (name, *_r) in enumerate(AGENTS)}
    return [
        {
            "id": ids[name],
            "name": name,
            "display_name": display,
            "email": f"{name}@telvio.example",
            "role": role,
            "mentor_id": ids[mentor] if mentor else None,
            "language": AGENT_LANGUAGE[name],
            "signature": f"{display}\nTelvio Support",
            "active": True,
            "created_at": now - timedelta(days=400),
        }
        for name, display, role, _langs, mentor in AGENTS
    ]


def build_demo(
    database: Database,
    *,
    now: datetime,
    scale: int = DEFAULT_SCALE,
    seed: int = DEFAULT_SEED,
    progress: Callable[[str], None] | None = None,
) -> DemoStats:
    """Fill an empty, migrated database with the demo. Refuses a database that has tickets."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    if has_data(database):
        raise ValueError(f"{database.description} already has tickets; the demo needs an empty one")
    say = progress or (lambda _message: None)
    generator = _Generator(now, scale, seed)
    generator.make_customers(max(20, scale // 3))
    rows = generator.rows
    templates, articles, errors = _library_rows(now)
    say(f"simulating and writing {scale} tickets")
    with (
        database.write_session() as session,
        session.begin(),
        search.bulk_message_indexing(session),
    ):
        _insert(session, Agent, _agent_rows(now))
        _insert(session, Customer, rows.customers)
        _insert(session, Identity, rows.identities)

        def write(chunk: dict[str, list[dict[str, Any]]]) -> None:
            for table in _Rows.TABLES:
                _insert(session, _MODELS[table], chunk[table])

        counts = _simulate(generator, write)
        _insert(session, Template, templates)
        _insert(session, KbArticle, articles)
        # Telvio's help centre: where kb("slug") links in templates point.
        document = default_document()
        document["kb"] = {"public_url": "https://help.telvio.example/kb/{slug}"}
        _insert(
            session,
            TeamSetting,
            [{"key": SETTINGS_KEY, "value": document, "updated_at": now, "updated_by_id": None}],
        )
        session.execute(
            update(Counter)
            .where(Counter.name == "ticket_number")  # type: ignore[arg-type]
            .values(value=FIRST_NUMBER + counts["tickets"] - 1)
        )
        if database.dialect == "postgresql":
            # Explicit ids leave the sequences behind; move them past what was inserted.
            for table in (
                "agent",
                "customer",
                "identity",
                "ticket",
                "message",
                "outbox",
                "note",
                "rating",
                "event",
                "incident",
                "report_fact",
                "template",
                "kb_article",
            ):
                session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                    )
                )
        # After the sequences moved: these rows take their ids from them.
        add_demo_escalations(session, now)
    from supportdesk.store.demo_review import add_review_loop

    say("trainee replies for the mentor's review")
    add_review_loop(database, now)
    return DemoStats(
        tickets=counts["tickets"],
        customers=counts["customers"],
        messages=counts["messages"],
        notes=counts["notes"],
        ratings=counts["ratings"],
        templates=len(templates),
        articles=len(articles),
        by_status=counts["statuses"],
        template_errors=tuple(errors),
    )


_MODELS: dict[str, type] = {
    "tickets": Ticket,
    "tags": TicketTag,
    "messages": Message,
    "outbox": OutboxItem,
    "notes": Note,
    "mentions": NoteMention,
    "ratings": Rating,
    "events": Event,
    "incidents": Incident,
    "incident_tickets": IncidentTicket,
    "facts": ReportFact,
}
# Below this many tickets a second process costs more than it saves.
PIPELINE_FROM = 5000


def _simulate(
    generator: _Generator, write: Callable[[dict[str, list[dict[str, Any]]]], None]
) -> dict[str, Any]:
    """Run the simulation and write its chunks; returns the row counts.

    For big databases a forked child simulates while this process writes, so the two halves
    of the work overlap (the output is the same: one generator, one sequence of chunks).
    """
    if generator.scale < PIPELINE_FROM or "fork" not in multiprocessing.get_all_start_methods():
        generator.make_tickets(write)
        return {**generator.rows.counts, "statuses": generator.rows.statuses}
    context = multiprocessing.get_context("fork")
    channel: Any = context.Queue(maxsize=4)
    child = context.Process(target=_simulate_in_child, args=(generator, channel), daemon=True)
    child.start()
    try:
        while True:
            kind, payload = channel.get()
            if kind == "chunk":
                write(payload)
            elif kind == "done":
                return payload
            else:
                raise RuntimeError(f"demo simulation failed: {payload}")
    finally:
        child.join(timeout=10)
        if child.is_alive():
            child.kill()


def _simulate_in_child(generator: _Generator, channel: Any) -> None:
    try:
        generator.make_tickets(lambda chunk: channel.put(("chunk", chunk)))
        channel.put(("done", {**generator.rows.counts, "statuses": generator.rows.statuses}))
    except Exception as exc:  # the parent reports it; a child has no one else to tell
        channel.put(("error", f"{type(exc).__name__}: {exc}"))


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _insert(session: Session, model: type, rows: list[dict[str, Any]], batch: int = 10_000) -> None:
    """Bulk insert through the driver: executemany on SQLite, COPY on PostgreSQL.

    Values go through each column type's own bind processor (so UTC times are stored exactly
    as the ORM stores them) without SQLAlchemy's per-row statement machinery, which at this
    volume costs more than the database itself.
    """
    if not rows:
        return
    table = model.__table__  # type: ignore[attr-defined]
    connection = session.connection()
    dialect = connection.dialect
    columns = list(table.columns)
    processors = [
        _json_text
        if isinstance(column.type, JSON)
        else column.type.dialect_impl(dialect).bind_processor(dialect)
        for column in columns
    ]
    converters = [(index, process) for index, process in enumerate(processors) if process]
    defaults = [
        column.default.arg if column.default is not None and column.default.is_scalar else None
        for column in columns
    ]
    keys = [column.name for column in columns]
    names = ", ".join(dialect.identifier_preparer.quote(key) for key in keys)
    marker = "?" if dialect.paramstyle == "qmark" else "%s"
    insert_sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join([marker] * len(keys))})"
    copy_sql = f"COPY {table.name} ({names}) FROM STDIN"
    pick = operator.itemgetter(*keys)
    for start in range(0, len(rows), batch):
        values = []
        for row in rows[start : start + batch]:
            if len(row) == len(keys):
                record = list(pick(row))
            else:
                record = [
                    row.get(key, default) for key, default in zip(keys, defaults, strict=True)
                ]
            for index, process in converters:
                if record[index] is not None:
                    record[index] = process(record[index])
            values.append(tuple(record))
        if dialect.name == "postgresql":
            driver = connection.connection.driver_connection
            with driver.cursor() as cursor, cursor.copy(copy_sql) as copy:  # type: ignore[union-attr]
                for record_values in values:
                    copy.write_row(record_values)
        else:
            connection.exec_driver_sql(insert_sql, values)


def default_demo_path(data_dir: Path) -> Path:
    return data_dir / "demo.db"
