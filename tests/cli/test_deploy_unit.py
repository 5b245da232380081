"""deploy/supportdesk-poll.service against the program: the command it starts exists, and the
service's files go where the unit's sandbox lets it write."""

from __future__ import annotations

from pathlib import Path

from supportdesk.__main__ import build_parser
from supportdesk.config import load_settings

UNIT = Path(__file__).resolve().parents[2] / "deploy" / "supportdesk-poll.service"


def unit_settings() -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in UNIT.read_text(encoding="utf-8").splitlines():
        if line.startswith(("#", "[")) or "=" not in line:
            continue
        key, _, value = line.partition("=")
        settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_the_unit_runs_a_command_that_exists_and_writes_where_it_may(tmp_path: Path) -> None:
    unit = unit_settings()
    [exec_start] = unit["ExecStart"]
    program, *arguments = exec_start.split()
    assert program.endswith("/bin/supportdesk")
    assert build_parser().parse_args(arguments).command == "poll"

    environ = dict(value.split("=", 1) for value in unit["Environment"])
    config = tmp_path / "config.toml"  # the unit's config file, with no data_dir in it
    config.write_text('database_url = "postgresql+psycopg://supportdesk_console@db/sd"\n')
    environ["SUPPORTDESK_CONFIG"] = str(config)
    # ProtectHome=true and ProtectSystem=strict: only ReadWritePaths (and the state directory)
    # can be written, so the data folder (attachments, logs) must be there, whoever the user.
    assert unit["ProtectHome"] == ["true"] and unit["ProtectSystem"] == ["strict"]
    writable = [Path(p) for p in unit["ReadWritePaths"]] + [
        Path("/var/lib") / name for name in unit["StateDirectory"]
    ]
    data_dir = load_settings(environ=environ).data_dir
    assert any(data_dir == p or p in data_dir.parents for p in writable), data_dir


def test_a_broken_config_stops_the_unit_instead_of_restarting_it_forever(tmp_path: Path) -> None:
    """`poll` exits 2 for a config it cannot use; the unit must not restart on that status."""
    import io

    from supportdesk.__main__ import EXIT_USAGE, run

    config = tmp_path / "config.toml"
    config.write_text("database_url = [\n")  # not TOML
    err = io.StringIO()
    assert run(["--config", str(config), "poll", "--once"], err=err) == EXIT_USAGE
    assert "config" in err.getvalue().lower()
    assert unit_settings()["RestartPreventExitStatus"] == [str(EXIT_USAGE)]
