"""deploy/roles.sql, as the README tells a lead to run it: consoles can work, supervisors can
only read — refused by the database itself, with a sentence, not a traceback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import make_url

from supportdesk.clock import SystemClock
from supportdesk.store.db import StoreError, open_database
from supportdesk.store.desk import Desk, DeskError

ROLES_SQL = Path(__file__).resolve().parents[2] / "deploy" / "roles.sql"


@pytest.fixture
def roles(fresh_pg_url: str) -> Iterator[tuple[str, str]]:
    """The file's roles, renamed for this test run (roles are cluster-wide), on a database
    not named `supportdesk`, as a team's may not be; run twice, as a lead re-running it or
    setting up a second database on the same server would."""
    suffix = f"_{os.getpid()}"
    console, supervisor = f"sd_console{suffix}", f"sd_supervisor{suffix}"
    url = make_url(fresh_pg_url)
    sql = (
        ROLES_SQL.read_text(encoding="utf-8")
        .replace("supportdesk_console", console)
        .replace("supportdesk_supervisor", supervisor)
    )
    plain = url.set(drivername="postgresql").render_as_string(hide_password=False)
    assert url.database != "supportdesk"
    with psycopg.connect(plain, autocommit=True) as admin:
        admin.execute(sql)  # the whole file, as psql -f would run it
        admin.execute(sql)
    try:
        yield console, supervisor
    finally:
        with psycopg.connect(plain, autocommit=True) as admin:
            for role in (console, supervisor):
                admin.execute(f'DROP OWNED BY "{role}"')
                admin.execute(f'DROP ROLE "{role}"')


def as_role(url: str, role: str) -> str:
    return make_url(url).set(username=role).render_as_string(hide_password=False)


def test_console_role_works_and_supervisor_role_only_reads(
    fresh_pg_url: str, roles: tuple[str, str]
) -> None:
    console_role, supervisor_role = roles
    owner = Desk(open_database(fresh_pg_url), SystemClock())
    owner.add_agent("marta", "Marta Kowalska", "lead")
    owner.acting_as("marta").add_agent("ann", "Ann Novak", "agent")
    owner.database.dispose()

    console_db = open_database(as_role(fresh_pg_url, console_role))
    console = Desk(console_db, SystemClock())
    number = (
        console.acting_as(None)
        .receive(
            channel="email",
            account="support",
            identity_kind="email",
            identity_value="jan@firma.pl",
            sender_name="Jan",
            subject="Faktura",
            text="Proszę o fakturę.",
            at=SystemClock().now(),
        )
        .ticket_number
    )
    console.acting_as("ann").take(number)
    console.acting_as("ann").queue_reply(number, "Wysłaliśmy fakturę.")
    lock = console.channel_lock("email", "support")
    assert lock.try_acquire()
    lock.release()
    console_db.dispose()

    supervisor_db = open_database(as_role(fresh_pg_url, supervisor_role))
    supervisor = Desk(supervisor_db, SystemClock(), agent="marta")
    assert [t.number for t in supervisor.list_queue("all").tickets] == [number]
    with pytest.raises((DeskError, StoreError)) as refused:
        supervisor.set_status(number, "solved")
    assert "read-only" in str(refused.value) or "permission" in str(refused.value)
    assert supervisor.get_ticket(number).summary.status != "solved"
    supervisor_db.dispose()
