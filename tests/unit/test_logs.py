"""Library warnings go to a file, scrubbed of credentials; never to the terminal."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from supportdesk import logs


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_warnings_land_in_the_file_without_credentials(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = logs.configure(tmp_path)
    assert path is not None
    logging.getLogger("sqlalchemy.pool.impl.QueuePool").error(
        "Exception during reset of postgresql+psycopg://ann:hunter2@db.example/desk"
    )
    logging.getLogger("httpx").warning(
        "HTTP Request: POST https://api.telegram.org/bot123456:AAFakeTokenFakeTokenFake_123/getMe"
    )
    logging.getLogger("httpx").info("an INFO line with bot123456:AAFakeTokenFakeTokenFake_123")
    for handler in logging.getLogger().handlers:
        handler.flush()
    written = path.read_text(encoding="utf-8")
    assert "Exception during reset" in written and "ann:<password>@db.example" in written
    assert "hunter2" not in written
    assert "bot<token>/getMe" in written and "AAFakeToken" not in written
    assert "an INFO line" not in written
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_an_unwritable_folder_drops_lines_quietly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert logs.configure(blocker) is None
    logging.getLogger("x").error("nowhere to go")
    assert capsys.readouterr().err == ""
