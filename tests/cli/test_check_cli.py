"""`supportdesk check FILE`: the reply checker from the command line, as a script would use it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_cli import clean_environment, sd, team  # noqa: F401 (fixtures)

BAD_RU = "Здравствуйте!\nСкорее всего, вы ошиблись, когда выбирали пункт доставки.\n"


def _write(tmp_path: Path, text: str, name: str = "reply.txt") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_error_prints_line_column_rule_and_message_and_exits_1(tmp_path: Path) -> None:
    path = _write(tmp_path, BAD_RU)
    result = sd("check", path, "--lang", "ru")
    assert result.code == 1
    assert f"{path}:2:15: error [blame] «вы ошиблись» Это перекладывает вину" in result.out
    assert "1 error(s), 0 warning(s) (ru)." in result.out


def test_warning_only_exits_0_and_a_good_reply_says_so(tmp_path: Path) -> None:
    warned = sd("check", _write(tmp_path, "Hello,\nyou must log out first.\n"), "--lang", "en")
    assert warned.code == 0 and ":2:1: warning [bossy]" in warned.out
    good = sd("check", _write(tmp_path, "Hello,\nlogging out should help!\n", "g.txt"))
    assert good.code == 0 and "No findings (en)." in good.out


def test_json_has_spans_for_highlighting(tmp_path: Path) -> None:
    result = sd("check", _write(tmp_path, BAD_RU), "--lang", "ru", "--json")
    data = result.json()
    assert result.code == 1 and isinstance(data, dict)
    [finding] = data["findings"]
    span = finding["spans"][0]
    assert BAD_RU[span["start"] : span["end"]] == "вы ошиблись"
    assert (finding["rule"], finding["line"], finding["column"]) == ("blame", 2, 15)
    assert data["errors"] == 1 and data["warnings"] == 0


def test_team_settings_file_supplies_the_rules(tmp_path: Path) -> None:
    settings = tmp_path / "team.toml"
    settings.write_text(
        '[checks]\nformal_address = ["ru"]\n[checks.banned_words.ru]\n'
        '"техподдержка" = "поддержка"\n',
        encoding="utf-8",
    )
    path = _write(tmp_path, "Здравствуйте! Ваш вопрос у техподдержки, ответим вам сегодня.\n")
    result = sd("check", path, "--lang", "ru", "--settings", str(settings))
    assert result.code == 1
    assert "[banned_word] «техподдержки»" in result.out and "«поддержка»" in result.out
    assert "warning [formal_address] «вам»" in result.out
    bad = tmp_path / "bad.toml"
    bad.write_text('[checks.rules]\nblame = "fatal"\n', encoding="utf-8")
    refused = sd("check", path, "--settings", str(bad))
    assert refused.code == 2 and "checks.rules.blame = 'fatal'" in refused.err


def test_ticket_checks_against_this_customers_earlier_replies(
    team: str,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    number = str(sd("--db", team, "--agent", "ann", "tickets", "--json").json()[0]["number"])  # type: ignore[index]
    canned = (
        "Dzień dobry,\nproszę zrestartować softphone i sprawdzić, czy przeglądarka ma dostęp "
        "do mikrofonu, a potem zadzwonić jeszcze raz.\nPozdrawiam, Ann\n"
    )
    path = _write(tmp_path, canned)
    first = sd("--db", team, "--agent", "ann", "check", path, "--ticket", number)
    assert first.code == 0 and "No findings (pl)." in first.out
    sent = sd(
        "--db", team, "--agent", "ann", "ticket", "reply", number, "-", stdin=canned,
        monkeypatch=monkeypatch,
    )  # fmt: skip
    assert sent.code == 0
    again = sd("--db", team, "--agent", "ann", "check", path, "--ticket", number, "--json")
    assert again.code == 0
    assert [f["rule"] for f in again.json()["findings"]] == ["repeated_reply"]  # type: ignore[index]
    missing = sd("--db", team, "check", path, "--ticket", "999")
    assert missing.code == 1 and "no ticket #999" in missing.err


def test_unreadable_input_is_a_clear_error(tmp_path: Path) -> None:
    latin = tmp_path / "cp1250.txt"
    latin.write_bytes("Dzień dobry".encode("cp1250"))
    result = sd("check", str(latin))
    assert result.code == 2 and "is not UTF-8 text" in result.err and "Traceback" not in result.err
    gone = sd("check", str(tmp_path / "nope.txt"))
    assert gone.code == 1 and "nope.txt" in gone.err


def test_terminal_controls_in_the_reply_never_reach_the_terminal(tmp_path: Path) -> None:
    path = _write(tmp_path, "Hello {{ \x1b]0;pwned\x07name }}, you must \x1b[31mlog out.\n")
    result = sd("check", path, "--lang", "en")
    assert result.code == 1 and "\x1b" not in result.out and "\x07" not in result.out


def test_as_a_real_process_with_stdin(tmp_path: Path) -> None:
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    done = subprocess.run(
        [sys.executable, "-m", "supportdesk", "check", "-", "--lang", "pl"],
        input="Dzień dobry,\nmusi Pan się wylogować.\n".encode(),
        capture_output=True,
        env={**env, "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "<stdin>:2:1: warning [bossy] «musi Pan»" in done.stdout.decode()
