"""Escalation from the command line: groups, escalate, return, hand back, stats; exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli import clean_environment, sd, team  # noqa: F401

FIELDS = [
    "--field",
    "What was checked=Invoice settings and the VAT number on the account",
    "--field",
    "Steps to reproduce=Billing → Invoices → Download: the PDF has no VAT line",
    "--field",
    "customer impact=Cannot book the invoice; their accountant waits",
]


def first_ticket(database: str) -> str:
    return str(sd("--db", database, "tickets", "--json").json()[0]["number"])  # type: ignore[index]


def test_groups_escalate_return_and_stats(team: str, tmp_path: Path) -> None:  # noqa: F811
    db = ["--db", team]
    n = first_ticket(team)
    assert sd(*db, "--agent", "marta", "agents", "add", "pavel", "--group", "second-line").code == 0
    listing = sd(*db, "agents", "list", "--json").json()
    assert {a["name"]: a["groups"] for a in listing} == {  # type: ignore[union-attr,index]
        "ann": [],
        "marta": [],
        "pavel": ["second-line"],
    }
    text = sd(*db, "agents", "list").out
    assert "second-line" in text
    refused = sd(*db, "--agent", "ann", "agents", "group", "second-line", "--add", "ann")
    assert refused.code == 1 and "is an agent; an agent may not manage agents" in refused.err

    # Incomplete: refused with exit 1, naming the fields.
    short = sd(*db, "--agent", "ann", "ticket", "escalate", n, "--field", "What was checked=n/a")
    assert short.code == 1
    assert "“What was checked” is too short" in short.err
    assert "“Steps to reproduce” is empty" in short.err
    assert "Traceback" not in short.err
    usage = sd(*db, "--agent", "ann", "ticket", "escalate", n, "--field", "no equals sign")
    assert usage.code == 2 and "expected NAME=VALUE" in usage.err
    nothing = sd(*db, "--agent", "ann", "ticket", "escalate", n)
    assert nothing.code == 2 and "--fields-file" in nothing.err

    done = sd(*db, "--agent", "ann", "ticket", "escalate", n, *FIELDS, "--json")
    assert done.code == 0, done.err
    data = done.json()
    assert data["round"] == 1 and data["state"] == "open"  # type: ignore[index]
    assert [f["name"] for f in data["fields"]] == [  # type: ignore[index]
        "What was checked",
        "Steps to reproduce",
        "Customer impact",
    ]
    queue = sd(*db, "--agent", "pavel", "tickets", "--view", "second_line", "--json").json()
    assert [t["number"] for t in queue] == [int(n)]  # type: ignore[index,union-attr]

    wrong = sd(*db, "--agent", "ann", "ticket", "return", n, "--comment", "ok")
    assert wrong.code == 1 and "only its members or a lead" in wrong.err
    stale = sd(*db, "--agent", "pavel", "ticket", "return", n, "--comment", "x", "--version", "1")
    assert stale.code == 1 and "changed since you opened it" in stale.err
    back = sd(*db, "--agent", "pavel", "ticket", "return", n, "--comment", "Which invoice number?")
    assert back.code == 0 and "returned to ann as incomplete" in back.out

    shown = sd(*db, "ticket", "show", n)
    assert "ESCALATED by ann to second-line" in shown.out
    assert "RETURNED AS INCOMPLETE by pavel (round 1)\nWhich invoice number?" in shown.out
    assert sd(*db, "ticket", "show", n, "--json").json()["assignee"] == "ann"  # type: ignore[index]

    fields_file = tmp_path / "fields.toml"
    fields_file.write_text(
        '"What was checked" = "Invoice settings, VAT number, invoice FV/2026/11/042"\n'
        '"Steps to reproduce" = """Billing → Invoices → FV/2026/11/042\n→ Download"""\n'
        '"Customer impact" = "Cannot book the invoice this month"\n',
        encoding="utf-8",
    )
    again = sd(*db, "--agent", "ann", "ticket", "escalate", n, "--fields-file", str(fields_file))
    assert again.code == 0 and "round 2" in again.out
    handed = sd(*db, "--agent", "pavel", "ticket", "hand-back", n, "--note", "Reissued.")
    assert handed.code == 0 and "handed back to ann" in handed.out

    stats = sd(*db, "escalations", "stats", "--period", "today", "--json").json()
    [row] = stats["rows"]  # type: ignore[index]
    assert (row["agent"], row["made"], row["returned"], row["return_rate"]) == ("ann", 2, 1, 0.5)
    table = sd(*db, "escalations", "stats", "--period", "today")
    assert table.code == 0 and "50%" in table.out
    assert sd(*db, "escalations", "stats", "--to", "2026-11-02").code == 2


def test_a_bad_fields_file_is_a_usage_error(team: str, tmp_path: Path) -> None:  # noqa: F811
    n = first_ticket(team)
    broken = tmp_path / "broken.toml"
    broken.write_text('"What was checked" = ', encoding="utf-8")
    result = sd(
        "--db", team, "--agent", "ann", "ticket", "escalate", n, "--fields-file", str(broken)
    )
    assert result.code == 2 and "not valid TOML" in result.err
    missing = sd(
        "--db", team, "--agent", "ann", "ticket", "escalate", n, "--fields-file", "nope.toml"
    )
    assert missing.code == 2 and "cannot read" in missing.err


@pytest.mark.parametrize("command", ["return", "hand-back"])
def test_return_and_hand_back_need_their_text(team: str, command: str) -> None:  # noqa: F811
    with pytest.raises(SystemExit) as usage:
        sd("--db", team, "--agent", "ann", "ticket", command, first_ticket(team))
    assert usage.value.code == 2
