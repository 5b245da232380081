"""The scriptable CLI, run as a user would: arguments in, text or JSON and an exit code out."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text

from supportdesk.__main__ import run
from supportdesk.store.db import open_database
from supportdesk.store.models import Ticket
from supportdesk.store.reportfacts import facts_key
from supportdesk.store.teamsettings import load_toml_file


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for key in list(os.environ):
        if (
            key.startswith("SUPPORTDESK_")
            and key != "SUPPORTDESK_REQUIRE_SERVERS"
            and not key.startswith("SUPPORTDESK_TEST_")
        ):
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config-home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))


class Result:
    def __init__(self, code: int, out: str, err: str) -> None:
        self.code, self.out, self.err = code, out, err

    def json(self) -> object:
        return json.loads(self.out)


def sd(
    *args: str, stdin: str | None = None, monkeypatch: pytest.MonkeyPatch | None = None
) -> Result:
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        assert monkeypatch is not None
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = run(list(args), out=out, err=err)
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def team(database_url: str) -> str:
    """A migrated database with lead marta and agent ann, and one email ticket from Jan."""
    assert (
        sd(
            "--db",
            database_url,
            "agents",
            "add",
            "marta",
            "--display-name",
            "Marta Kowalska",
            "--role",
            "lead",
        ).code
        == 0
    )
    assert (
        sd(
            "--db",
            database_url,
            "--agent",
            "marta",
            "agents",
            "add",
            "ann",
            "--display-name",
            "Ann Novak",
        ).code
        == 0
    )
    from datetime import UTC, datetime

    from supportdesk.clock import FrozenClock
    from supportdesk.store.db import open_database
    from supportdesk.store.desk import Desk

    database = open_database(database_url)
    try:
        Desk(database, FrozenClock(datetime.now(UTC))).receive(
            channel="email",
            account="support",
            identity_kind="email",
            identity_value="jan@firma.pl",
            sender_name="Jan Kowalski",
            subject="Faktura [b]VAT[/b] \x1b[31m",
            text="Proszę o fakturę.",
            at=datetime.now(UTC),
        )
    finally:
        database.dispose()
    return database_url


def test_console_refuses_an_unknown_agent_with_the_fix(database_url: str) -> None:
    # `supportdesk` alone opens the console (driven in tests/ui and tests/e2e); before it
    # starts it checks who you are.
    result = sd("--db", database_url, "--agent", "ghost")
    assert result.code == 2
    assert (
        "there is no agent 'ghost'" in result.err and "supportdesk agents add ghost" in result.err
    )


def test_first_agent_must_be_lead_then_lead_manages(database_url: str) -> None:
    refused = sd("--db", database_url, "agents", "add", "ann", "--display-name", "Ann")
    assert refused.code == 1 and "first agent of a new database must be a lead" in refused.err
    assert "Traceback" not in refused.err
    assert sd("--db", database_url, "agents", "add", "marta", "--role", "lead").code == 0
    anon = sd("--db", database_url, "agents", "add", "ann")
    assert anon.code == 1 and "who are you?" in anon.err
    added = sd(
        "--db",
        database_url,
        "--agent",
        "marta",
        "agents",
        "add",
        "kasia",
        "--role",
        "trainee",
        "--mentor",
        "marta",
        "--display-name",
        "Kasia Z",
        "--json",
    )
    assert added.code == 0 and added.json()["mentor"] == "marta"
    listed = sd("--db", database_url, "agents", "list", "--json").json()
    assert [a["name"] for a in listed] == ["kasia", "marta"]  # type: ignore[index]


def test_ticket_actions_through_the_cli(team: str, monkeypatch: pytest.MonkeyPatch) -> None:
    queue = sd("--db", team, "--agent", "ann", "tickets", "--json").json()
    assert isinstance(queue, list) and len(queue) == 1
    number = str(queue[0]["number"])
    assert queue[0]["sla"]["first_response"]["state"] in ("ok", "warning", "breached", "paused")
    assert sd("--db", team, "--agent", "ann", "ticket", "take", number).code == 0
    urgent = sd("--db", team, "--agent", "ann", "ticket", "priority", number, "urgent")
    assert urgent.code == 1 and "urgent needs a stated reason" in urgent.err
    assert (
        sd(
            "--db",
            team,
            "--agent",
            "ann",
            "ticket",
            "priority",
            number,
            "urgent",
            "--reason",
            "no invoices at all",
        ).code
        == 0
    )
    assert sd("--db", team, "--agent", "ann", "ticket", "tag", number, "--add", "billing").code == 0
    note = sd(
        "--db",
        team,
        "--agent",
        "ann",
        "ticket",
        "note",
        number,
        "@marta czy możemy wystawić korektę?",
    )
    assert note.code == 0 and "Mentioned: marta" in note.out
    reply_args = ("--db", team, "--agent", "ann", "ticket", "reply", number, "-")
    promised = "Dzień dobry,\nfaktura jest w załączniku.\n"
    # The reply promises an attachment it has not got: the checker refuses it, then the agent
    # sends it anyway.
    refused = sd(*reply_args, stdin=promised, monkeypatch=monkeypatch)
    assert refused.code == 1 and "missing_attachment" in refused.err and "2:1" in refused.err
    reply = sd(
        *reply_args,
        "--status",
        "pending",
        "--override-checks",
        stdin=promised,
        monkeypatch=monkeypatch,
    )
    assert reply.code == 0 and "queued" in reply.out
    shown = sd("--db", team, "--agent", "marta", "ticket", "show", number, "--json").json()
    assert isinstance(shown, dict)
    assert (
        shown["status"] == "pending"
        and shown["priority"] == "urgent"
        and shown["tags"] == ["billing"]
    )
    assert shown["messages"][-1]["text"].startswith("Dzień dobry,\nfaktura")
    assert shown["notes"][0]["mentions"] == ["marta"]
    assert sd("--db", team, "--agent", "marta", "tickets", "--view", "mentions", "--json").json()[
        0
    ]["number"] == int(number)  # type: ignore[index]
    text = sd("--db", team, "--agent", "ann", "ticket", "show", number)
    # Customer text is printed as plain text with terminal controls removed.
    assert "Faktura [b]VAT[/b]" in text.out and "\x1b" not in text.out
    stale = sd(
        "--db", team, "--agent", "ann", "ticket", "status", number, "solved", "--version", "1"
    )
    assert stale.code == 1 and "changed since you opened it" in stale.err


def test_assign_acts_as_the_agent_given_before_the_command_not_the_colleague(team: str) -> None:
    """`--agent kasia ticket assign N ann` is kasia's act, refused for a trainee; it once ran
    as ann (the colleague's name took the place of --agent), assigning the ticket to herself
    past the trainee's limits and in her name."""
    add = sd(
        "--db",
        team,
        "--agent",
        "marta",
        "agents",
        "add",
        "kasia",
        "--role",
        "trainee",
        "--mentor",
        "marta",
        "--display-name",
        "Kasia",
    )
    assert add.code == 0, add.err
    number = str(sd("--db", team, "--agent", "ann", "tickets", "--json").json()[0]["number"])
    refused = sd("--db", team, "--agent", "kasia", "ticket", "assign", number, "ann")
    assert refused.code == 1 and "may not assign tickets to colleagues" in refused.err
    shown = sd("--db", team, "--agent", "marta", "ticket", "show", number, "--json").json()
    assert shown["assignee"] is None
    assert sd("--db", team, "--agent", "marta", "ticket", "assign", number, "ann").code == 0
    database = open_database(team)
    try:
        with database.read_session() as session:
            actor = session.execute(
                text(
                    "SELECT agent.name FROM event JOIN agent ON agent.id = event.agent_id "
                    "WHERE event.kind = 'assigned' ORDER BY event.id DESC LIMIT 1"
                )
            ).scalar_one()
    finally:
        database.dispose()
    assert actor == "marta"


def test_settings_export_edit_import_and_rejection(team: str, tmp_path: Path) -> None:
    path = tmp_path / "team.toml"
    assert sd("--db", team, "settings", "export", str(path)).code == 0
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("warning_share = 0.25", "warning_share = 0.5"), encoding="utf-8")
    refused = sd("--db", team, "--agent", "ann", "settings", "import", str(path))
    assert refused.code == 1 and "may not change team settings" in refused.err
    assert sd("--db", team, "--agent", "marta", "settings", "import", str(path)).code == 0
    exported = sd("--db", team, "settings", "export", "-").out
    assert "warning_share = 0.5" in exported
    path.write_text(
        text.replace('first_response = "1h"', 'first_response = "an hour"', 1), encoding="utf-8"
    )
    bad = sd("--db", team, "--agent", "marta", "settings", "import", str(path))
    assert bad.code == 2 and "first_response = 'an hour'" in bad.err and str(path) in bad.err
    assert "warning_share = 0.5" in sd("--db", team, "settings", "export", "-").out


def test_changed_sla_settings_say_how_to_store_report_figures_again(
    team: str, database_url: str, tmp_path: Path
) -> None:
    """After the calendars or policies change, a solved ticket's stored figures are out of
    date (reports replay it); `db recompute` stores them again, and the report is the same."""
    number = str(sd("--db", team, "--agent", "ann", "tickets", "--json").json()[0]["number"])  # type: ignore[index]
    solved = sd(
        "--db", team, "--agent", "ann", "ticket", "reply", number, "Done.", "--status", "solved"
    )
    assert solved.code == 0, solved.err
    path = tmp_path / "team.toml"
    assert sd("--db", team, "settings", "export", str(path)).code == 0
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('first_response = "1h"', 'first_response = "2h"', 1), encoding="utf-8"
    )
    imported = sd("--db", team, "--agent", "marta", "settings", "import", str(path))
    assert imported.code == 0 and "supportdesk db recompute" in imported.out
    key = facts_key(load_toml_file(path))
    database = open_database(database_url)
    try:
        with database.read_session() as session:
            assert key not in set(session.scalars(select(Ticket.report_key)))
        replayed = sd("--db", team, "report", "--period", "today", "--json").json()
        recomputed = sd("--db", team, "db", "recompute")
        assert recomputed.code == 0 and "of 1 ticket " in recomputed.out, recomputed.err
        with database.read_session() as session:
            assert set(session.scalars(select(Ticket.report_key))) == {key}
    finally:
        database.dispose()
    stored = sd("--db", team, "report", "--period", "today", "--json").json()
    assert isinstance(stored, dict) and isinstance(replayed, dict)
    assert stored["total"] == replayed["total"] and stored["rows"] == replayed["rows"]
    assert stored["total"]["first_response"]["count"] == 1
    unchanged = sd("--db", team, "--agent", "marta", "settings", "import", str(path))
    assert unchanged.code == 0 and "db recompute" not in unchanged.out


def test_bad_database_locations_are_explained(tmp_path: Path) -> None:
    folder = sd("--db", str(tmp_path), "tickets")
    assert folder.code == 1 and "is a folder" in folder.err and "Traceback" not in folder.err
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 200)
    broken = sd("--db", str(garbage), "tickets")
    assert broken.code == 1 and "not a database" in broken.err
    down = sd("--db", "postgresql+psycopg://nobody@127.0.0.1:1/x", "tickets")
    assert down.code == 1 and "is the PostgreSQL server running" in down.err


def test_a_mistyped_database_path_is_not_an_empty_queue_in_silence(tmp_path: Path) -> None:
    """A --db naming no file makes a new database (the first `agents add` relies on it), but
    says so: otherwise a typo shows an empty queue as if the team had nothing to do."""
    typo = tmp_path / "tema" / "supportdesk.db"
    first = sd("--db", str(typo), "--agent", "ann", "tickets")
    assert first.code == 0 and "0 of 0 shown" in first.out
    assert f"created a new, empty database {typo}" in first.err
    again = sd("--db", str(typo), "--agent", "ann", "tickets")
    assert again.code == 0 and again.err == ""


def test_demo_takes_the_agent_after_the_command_as_the_readme_shows(tmp_path: Path) -> None:
    """`supportdesk demo --agent marta` (to be the lead) works as well as the global option
    before the command; the hint it prints names that agent."""
    path = tmp_path / "demo.db"
    result = sd("demo", "--db", str(path), "--scale", "20", "--no-ui", "--agent", "marta")
    assert result.code == 0, result.err
    assert f"supportdesk --db {path} --agent marta tickets" in result.out
    unknown = sd("demo", "--db", str(path), "--no-ui", "--agent", "nobody")
    assert unknown.code == 2 and "there is no agent 'nobody'" in unknown.err


def test_bad_config_file_is_one_clear_message(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('database_url = "x.db"\ntheme = \n', encoding="utf-8")
    result = sd("--config", str(config), "tickets")
    assert result.code == 2 and str(config) in result.err and "Traceback" not in result.err


def test_unknown_view_and_status_are_refused_by_argparse(team: str) -> None:
    with pytest.raises(SystemExit) as info:
        sd("--db", team, "tickets", "--view", "everything")
    assert info.value.code == 2


def test_installed_command_runs_in_a_real_process(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTDESK_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "supportdesk", "--db", str(tmp_path / "x.db"), "db", "upgrade"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    from supportdesk.store.db import head_revision

    assert result.returncode == 0, result.stderr
    assert f"empty -> {head_revision()}." in result.stdout


def test_stdin_that_is_not_utf8_is_refused_in_words(
    team: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    number = str(sd("--db", team, "--agent", "ann", "tickets", "--json").json()[0]["number"])  # type: ignore[index]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"caf\xe9 au lait")))
    result = sd("--db", team, "--agent", "ann", "ticket", "note", number, "-")
    assert result.code == 2 and "not UTF-8 text (byte 0xe9 at position 3)" in result.err


def test_huge_ticket_numbers_and_negative_offsets_are_usage_errors(team: str) -> None:
    for args in (["ticket", "show", "99999999999999999999"], ["tickets", "--offset", "-3"]):
        with pytest.raises(SystemExit) as info:
            sd("--db", team, *args)
        assert info.value.code == 2


def test_merge_through_the_cli(team: str) -> None:
    from datetime import UTC, datetime

    from supportdesk.clock import FrozenClock
    from supportdesk.store.db import open_database
    from supportdesk.store.desk import Desk

    database = open_database(team)
    try:
        second = (
            Desk(database, FrozenClock(datetime.now(UTC)))
            .receive(
                channel="email",
                account="support",
                identity_kind="email",
                identity_value="jan@firma.pl",
                sender_name="Jan Kowalski",
                subject="Faktura",
                text="Czy jest już faktura?",
                at=datetime.now(UTC),
            )
            .ticket_number
        )
    finally:
        database.dispose()
    first = second - 1
    merged = sd(
        "--db",
        team,
        "--agent",
        "ann",
        "ticket",
        "merge",
        str(second),
        "--into",
        f"#{first}",
        "--json",
    )
    assert merged.code == 0, merged.err
    shown = sd("--db", team, "ticket", "show", str(first), "--json").json()
    assert [m["text"] for m in shown["messages"]] == ["Proszę o fakturę.", "Czy jest już faktura?"]  # type: ignore[index]


def test_report_for_scripts_json_csv_and_text(team: str) -> None:
    number = str(sd("--db", team, "--agent", "ann", "tickets", "--json").json()[0]["number"])  # type: ignore[index]
    assert sd("--db", team, "--agent", "ann", "ticket", "reply", number, "On it.").code == 0
    report = sd("--db", team, "report", "--period", "today", "--json")
    assert report.code == 0, report.err
    data = report.json()
    assert isinstance(data, dict)
    assert data["by"] == "agent" and data["period"]["kind"] == "today"
    assert data["total"]["new"] == 1 and data["total"]["replies"] == 1
    rows = {row["key"]: row for row in data["rows"]}
    assert rows["ann"]["answered"] == 1 and rows["ann"]["first_response"]["count"] == 1
    assert rows["ann"]["backlog"] == 1 and rows["marta"]["answered"] == 0
    assert data["queue"]["total"]["open"] == 1
    by_channel = sd("--db", team, "report", "--period", "today", "--by", "channel", "--csv")
    lines = by_channel.out.splitlines()
    assert lines[0].startswith("key,display_name,role,new,answered,replies,solved,")
    assert lines[1].startswith("email,,,1,1,1,0,1,") and lines[-1].startswith("total,")
    text = sd("--db", team, "report", "--by", "hour")
    assert text.code == 0 and "by hour" in text.out and "Times are business time" in text.out
    assert len([line for line in text.out.splitlines() if line[:2].isdigit()]) == 24
    week = sd("--db", team, "report")
    assert "Ann Novak (ann)" in week.out and "Now: 1 open" in week.out


def test_report_refuses_what_makes_no_sense(team: str) -> None:
    alone = sd("--db", team, "report", "--to", "2026-11-30")
    assert alone.code == 2 and "--to needs --from" in alone.err
    backwards = sd("--db", team, "report", "--from", "2026-11-30", "--to", "2026-11-01")
    assert backwards.code == 1 and "before it starts" in backwards.err
    both = sd("--db", team, "report", "--period", "7d", "--from", "2026-11-01")
    assert both.code == 2 and "either --period or --from" in both.err
    with pytest.raises(SystemExit) as info:
        sd("--db", team, "report", "--from", "yesterday")
    assert info.value.code == 2
    with pytest.raises(SystemExit):
        sd("--db", team, "report", "--json", "--csv")


def test_supervisor_refuses_an_unknown_agent(team: str) -> None:
    ghost = sd("--db", team, "--agent", "ghost", "supervisor")
    assert ghost.code == 2 and "there is no agent 'ghost'" in ghost.err


def test_report_needs_no_write_access_to_the_file(tmp_path: Path) -> None:
    missing = sd("--db", str(tmp_path / "nothing.db"), "report")
    assert missing.code == 1 and "does not exist" in missing.err
    path = tmp_path / "team.db"
    assert sd("--db", str(path), "db", "upgrade").code == 0
    path.chmod(0o444)
    try:
        result = sd("--db", str(path), "report", "--json")
        assert result.code == 0, result.err
        assert result.json()["total"]["new"] == 0  # type: ignore[index]
    finally:
        path.chmod(0o644)


def test_a_command_resumes_the_collector_the_entry_point_held() -> None:
    """`supportdesk` holds garbage collection while importing (launch.py); every command but
    the console resumes it before it does its work (a long import of a mailbox, a poll)."""
    import gc

    from supportdesk import launch

    launch.hold_collection()
    try:
        assert run(["config", "example"], out=io.StringIO()) == 0
        assert gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()


def test_the_installed_command_starts_through_the_launcher(tmp_path: Path) -> None:
    """The console script is `supportdesk.launch:main`: it runs a command end to end."""
    command = Path(sys.executable).parent / "supportdesk"
    result = subprocess.run(
        [str(command), "config", "example"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "[[email]]" in result.stdout


def test_a_global_option_after_the_command_is_pointed_to_its_place(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`supportdesk init --db URL` is what people type first; argparse alone said only
    'unrecognized arguments'."""
    with pytest.raises(SystemExit) as stopped:
        run(["init", "--db", str(tmp_path / "desk.db")])
    assert stopped.value.code == 2
    said = capsys.readouterr().err
    assert "--db is a global option: it goes before the command" in said
    assert "supportdesk --db … init" in said
    assert not (tmp_path / "desk.db").exists()
    with pytest.raises(SystemExit):
        run(["agents", "list", "--bogus"])
    assert "global option" not in capsys.readouterr().err
    # A command's own option of the same name still belongs to the command.
    result = sd("--db", str(tmp_path / "desk.db"), "review", "stats", "--agent", "marta")
    assert result.code == 1 and "no agent 'marta'" in result.err


def test_secrets_check_reads_the_secret_and_set_without_input_says_so(tmp_path: Path) -> None:
    """`secrets check` said 'found (file …)' for a *_FILE naming no file, which every command
    then refused; `secrets set` from a script with nothing on stdin ended in a traceback."""
    missing = tmp_path / "no-such-file"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUPPORTDESK_")}
    env |= {"XDG_CONFIG_HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    command = [sys.executable, "-m", "supportdesk"]
    checked = subprocess.run(
        [*command, "secrets", "check", "support-mail"],
        env=env | {"SUPPORTDESK_SECRET_SUPPORT_MAIL_FILE": str(missing)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert checked.returncode == 1
    assert f"cannot read secret 'support-mail' file {missing}" in checked.stderr
    assert "found" not in checked.stdout

    # No terminal (a new session has none) and an empty stdin: getpass reads EOF.
    stored = subprocess.run(
        [*command, "secrets", "set", "support-mail"],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        start_new_session=True,
    )
    assert stored.returncode == 2, stored.stderr
    assert "nothing entered; the secret was not changed" in stored.stderr
    assert "Traceback" not in stored.stderr


def test_init_again_with_the_readme_lead_is_fine_and_a_second_lead_is_pointed_to_agents_add(
    database_url: str,
) -> None:
    """The README's `init --lead marta` run a second time (to upgrade after installing a new
    version, say) answered 'who are you?'."""
    first = sd("--db", database_url, "init", "--lead", "marta", "--display-name", "Marta")
    assert first.code == 0 and "Added lead marta" in first.out
    again = sd("--db", database_url, "init", "--lead", "marta", "--display-name", "Marta")
    assert again.code == 0, again.err
    assert "Lead marta is already in the team" in again.out
    other = sd("--db", database_url, "init", "--lead", "zofia")
    assert other.code == 2
    assert "supportdesk --agent LEAD agents add zofia --role lead" in other.err
    assert [a["name"] for a in sd("--db", database_url, "agents", "list", "--json").json()] == [
        "marta"
    ]
