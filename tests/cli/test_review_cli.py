"""`supportdesk review …` and `agents graduate`, run as a script or a lead would."""

from __future__ import annotations

from datetime import date

import pytest

from tests.cli import test_cli
from tests.cli.test_cli import sd

# The fixtures of the CLI tests: an environment without SUPPORTDESK_* and a small team.
clean_environment = test_cli.clean_environment
team = test_cli.team

REPLY = "Dzień dobry,\n\nfaktura jest już w panelu, w zakładce Płatności.\n\nKasia"


def _as(db: str, who: str, *args: str) -> object:
    return sd("--db", db, "--agent", who, *args)


def test_review_loop_from_the_command_line(team: str, capsys: pytest.CaptureFixture[str]) -> None:
    db = team
    added = sd(
        "--db", db, "--agent", "marta", "agents", "add", "kasia", "--role", "trainee",
        "--mentor", "marta", "--display-name", "Kasia Wiśniewska",
    )  # fmt: skip
    assert added.code == 0, added.err
    number = sd("--db", db, "tickets", "--json").json()[0]["number"]  # type: ignore[index]
    sent = sd("--db", db, "--agent", "kasia", "ticket", "reply", str(number), REPLY)
    assert sent.code == 0 and "mentor for review" in sent.out
    listed = sd("--db", db, "--agent", "marta", "review", "list", "--json")
    items = listed.json()
    assert [(i["ticket"], i["trainee"], i["text"]) for i in items] == [(number, "kasia", REPLY)]  # type: ignore[index]
    message_id = str(items[0]["message_id"])  # type: ignore[index]
    text = sd("--db", db, "--agent", "marta", "review", "list")
    assert f"#{number}" in text.out and "| faktura jest już w panelu" in text.out
    # Returning needs a comment (usage error), and only the mentor or a lead may.
    with pytest.raises(SystemExit) as missing:
        sd("--db", db, "--agent", "marta", "review", "return", message_id)
    assert missing.value.code == 2 and "--comment" in capsys.readouterr().err
    refused = sd("--db", db, "--agent", "ann", "review", "approve", message_id)
    assert refused.code == 1 and "only their mentor" in refused.err
    assert "Traceback" not in refused.err
    empty = sd("--db", db, "--agent", "marta", "review", "return", message_id, "--comment", " ")
    assert empty.code == 1 and "needs a comment" in empty.err
    returned = sd(
        "--db", db, "--agent", "marta", "review", "return", message_id,
        "--comment", "Dodaj link do faktury.",
    )  # fmt: skip
    assert returned.code == 0 and "returned to kasia" in returned.out
    again = sd("--db", db, "--agent", "marta", "review", "approve", message_id)
    assert again.code == 1 and "already returned by Marta Kowalska" in again.err
    fixed = sd("--db", db, "--agent", "kasia", "ticket", "reply", str(number), REPLY + " :)")
    assert fixed.code == 0
    second = sd("--db", db, "--agent", "marta", "review", "list", "--json").json()[0]  # type: ignore[index]
    approved = sd(
        "--db", db, "--agent", "marta", "review", "approve", str(second["message_id"]), "--json"
    )  # fmt: skip
    assert approved.code == 0 and approved.json()["outcome"] == "approved"  # type: ignore[index]
    stats = sd("--db", db, "--agent", "marta", "review", "stats", "--agent", "kasia", "--json")
    data = stats.json()
    assert [(w["approved"], w["edited"], w["returned"]) for w in data["weeks"]] == [(1, 0, 1)]  # type: ignore[index]
    assert [c["comment"] for c in data["returned_comments"]] == ["Dodaj link do faktury."]  # type: ignore[index]
    plain = sd("--db", db, "--agent", "marta", "review", "stats")
    assert "Dodaj link do faktury." in plain.out and "50%" in plain.out
    nothing = sd("--db", db, "--agent", "marta", "review", "list")
    assert nothing.out.strip() == "Nothing waits for review."
    with pytest.raises(SystemExit) as bad_id:
        sd("--db", db, "--agent", "marta", "review", "approve", "abc")
    assert bad_id.value.code == 2 and "not a message id" in capsys.readouterr().err


def test_graduate_a_trainee(team: str, capsys: pytest.CaptureFixture[str]) -> None:
    db = team
    sd(
        "--db", db, "--agent", "marta", "agents", "add", "kasia", "--role", "trainee",
        "--mentor", "marta",
    )  # fmt: skip
    with pytest.raises(SystemExit) as bad:
        sd("--db", db, "--agent", "marta", "agents", "graduate", "kasia", "--from", "1.12")
    assert bad.value.code == 2 and "expected YYYY-MM-DD" in capsys.readouterr().err
    not_lead = sd(
        "--db", db, "--agent", "ann", "agents", "graduate", "kasia", "--from", "2026-12-01"
    )
    assert not_lead.code == 1 and "may not manage agents" in not_lead.err
    agent = sd("--db", db, "--agent", "ann", "agents", "graduate", "ann", "--from", "2026-12-01")
    assert agent.code == 1
    done = sd("--db", db, "--agent", "marta", "agents", "graduate", "kasia", "--from", "2026-12-01")
    assert done.code == 0 and "from 2026-12-01" in done.out
    listed = {a["name"]: a for a in sd("--db", db, "agents", "list", "--json").json()}  # type: ignore[union-attr]
    assert listed["kasia"]["sends_directly_from"] == date(2026, 12, 1).isoformat()
    assert listed["ann"]["sends_directly_from"] is None
    assert "sends directly from 2026-12-01" in sd("--db", db, "agents", "list").out
