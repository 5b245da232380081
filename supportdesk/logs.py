"""Where library warnings go: a rotating file in the data folder, never the terminal.

Without this, Python prints unhandled warnings (SQLAlchemy's pool when the database drops,
IMAP and HTTP libraries) to stderr — across the console's screen. Lines are scrubbed of
anything that looks like a credential first: a Telegram bot token in a URL, a password in a
database URL.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
from pathlib import Path

LOG_NAME = "supportdesk.log"
_SCRUB = (
    (re.compile(r"bot\d+:[A-Za-z0-9_-]{20,}"), "bot<token>"),
    (re.compile(r"(://[^:/@\s]+):[^@\s]+@"), r"\1:<password>@"),
)
# Libraries that log request URLs (with a bot's token in them) at INFO.
_QUIET = ("httpx", "httpcore", "telegram", "imapclient", "sqlalchemy.engine")


def scrub(text: str) -> str:
    for pattern, replacement in _SCRUB:
        text = pattern.sub(replacement, text)
    return text


class _Scrubbing(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def configure(data_dir: Path) -> Path | None:
    """Send warnings and errors to data_dir/logs/supportdesk.log; returns its path (None when
    the folder cannot be written: then they are dropped rather than shown)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_supportdesk", False):
            root.removeHandler(handler)
            handler.close()
    path = data_dir / "logs" / LOG_NAME
    handler: logging.Handler
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=1_000_000, backupCount=3, encoding="utf-8", delay=True
        )
    except OSError:
        handler, path = logging.NullHandler(), None  # type: ignore[assignment]
    handler._supportdesk = True  # type: ignore[attr-defined]
    handler.setFormatter(_Scrubbing("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    # A log file that stops taking lines (disk full) must not print its troubles either.
    logging.raiseExceptions = False
    for name in _QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    return path
