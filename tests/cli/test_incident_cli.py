"""`supportdesk incident …` as a script would use it, on both engines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from supportdesk.clock import FrozenClock
from supportdesk.store.db import open_database
from supportdesk.store.desk import Desk
from tests.cli.test_cli import clean_environment, sd, team  # noqa: F401 (fixtures)


def more_tickets(url: str) -> list[int]:
    database = open_database(url)
    try:
        channel = Desk(database, FrozenClock(datetime.now(UTC)))
        return [
            channel.receive(
                channel="email",
                account="support",
                identity_kind="email",
                identity_value=address,
                sender_name=name,
                language=language,
                subject="Nie działają połączenia",
                text="Nikt się nie może dodzwonić.",
                at=datetime.now(UTC),
            ).ticket_number
            for address, name, language in (
                ("ola@firma.pl", "Ola Nowak", "pl"),
                ("ivan@example.ru", "Иван Петров", "ru"),
            )
        ]
    finally:
        database.dispose()


def test_declare_link_reply_resolve(team: str) -> None:  # noqa: F811
    url = team
    ann = ("--db", url, "--agent", "ann")
    tickets = [1001, *more_tickets(url)]
    declared = sd(*ann, "incident", "declare", "Calls down", "--message", "We are on it.", "--json")
    assert declared.code == 0, declared.err
    incident = declared.json()["id"]  # type: ignore[index]
    linked = sd(*ann, "incident", "link", str(incident), *map(str, tickets), "#999")
    assert linked.code == 0 and "#999 skipped: no such ticket" in linked.out
    listed = sd(*ann, "incident", "list", "--json").json()
    assert [(i["id"], i["tickets"]) for i in listed] == [(incident, 3)]  # type: ignore[union-attr,index]
    # The shipped "outage" template, each customer in their own language.
    replied = sd(*ann, "incident", "reply", str(incident), "--template", "outage", "--json")
    assert replied.code == 0, replied.err
    assert sorted(replied.json()["queued"]) == sorted(tickets)  # type: ignore[index]
    shown = sd(*ann, "ticket", "show", str(tickets[2]), "--json").json()
    last = [m for m in shown["messages"] if m["direction"] == "out"][-1]  # type: ignore[index]
    assert last["text"].startswith("Здравствуйте")
    again = sd(*ann, "incident", "reply", str(incident), "--template", "outage")
    assert again.code == 0 and "0 queued" in again.out and "already got this text" in again.out
    # A stale version is refused with exit 1; an unknown template too.
    stale = sd(*ann, "incident", "resolve", str(incident), "--message", "x", "--version", "7")
    assert stale.code == 1 and "changed since you looked" in stale.err
    missing = sd(*ann, "incident", "reply", str(incident), "--template", "nope")
    assert missing.code == 1 and "no template 'nope'" in missing.err
    resolved = sd(*ann, "incident", "resolve", str(incident), "--message", "Fixed.", "--solve")
    assert resolved.code == 0 and "3 set solved" in resolved.out
    assert sd(*ann, "incident", "list").out.strip() == "No open incidents."
    shown_incident = sd(*ann, "incident", "show", str(incident))
    assert "[resolved]" in shown_incident.out and "Fixed." in shown_incident.out


def test_usage_errors(team: str) -> None:  # noqa: F811
    ann = ("--db", team, "--agent", "ann")
    for usage in (("declare", "Calls down"), ("show", "abc")):  # no --message; no id
        with pytest.raises(SystemExit) as exit_:
            sd(*ann, "incident", *usage)
        assert exit_.value.code == 2
    empty = sd(*ann, "incident", "declare", "  ", "--message", "x")
    assert empty.code == 1 and "needs a title" in empty.err
    assert sd(*ann, "incident", "show", "5").code == 1
