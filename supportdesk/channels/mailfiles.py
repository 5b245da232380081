"""Mail history from files: single .eml files, folders of them, mbox files and Maildir folders,
through the same pipeline as mail from IMAP (threading, dedupe, loop detection). Importing the
same thing twice adds nothing: Message-IDs (or the bytes' hash) are already stored."""

from __future__ import annotations

import mailbox
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from supportdesk.channels.ingest import MailToStore, mail_item, store_mail
from supportdesk.store.desk import Desk

BATCH = 100


class ImportTrouble(Exception):
    pass


@dataclass
class ImportReport:
    found: int = 0
    stored: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)


def raw_messages(path: Path) -> Iterator[tuple[str, bytes]]:
    """(where it came from, its bytes) for every message under `path`."""
    if not path.exists():
        raise ImportTrouble(f"{path} does not exist")
    if path.is_dir():
        if (path / "cur").is_dir() or (path / "new").is_dir():
            box = mailbox.Maildir(path, factory=None, create=False)
            for key in sorted(box.iterkeys()):
                yield f"{path} ({key})", box.get_bytes(key)
            return
        files = sorted(
            p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".eml", ".mbox")
        )
        if not files:
            # A mail program's folder (Thunderbird keeps mbox files with no extension) would
            # otherwise import nothing and report success.
            raise ImportTrouble(
                f"{path}: no .eml or .mbox files in it, and it is not a Maildir (cur, new, "
                "tmp); name mbox files that have no extension one by one"
            )
        for file in files:
            yield from raw_messages(file)
        return
    try:
        with path.open("rb") as handle:
            start = handle.read(5)
    except OSError as exc:
        raise ImportTrouble(f"{path}: {exc.strerror or exc}") from None
    if start == b"From ":
        box = mailbox.mbox(path, factory=None, create=False)
        for index, key in enumerate(box.iterkeys(), start=1):
            yield f"{path} (message {index})", box.get_bytes(key)
        return
    yield str(path), path.read_bytes()


def import_mail(
    desk: Desk,
    account: str,
    paths: Sequence[Path],
    *,
    token_prefix: str = "#",
    progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    report = ImportReport()
    batch: list[MailToStore] = []

    def flush() -> None:
        if not batch:
            return
        for result in store_mail(desk, batch):
            if result.duplicate:
                report.duplicates += 1
            else:
                report.stored += 1
        batch.clear()
        if progress:
            progress(report)

    for path in paths:
        try:
            for _where, raw in raw_messages(path):
                report.found += 1
                batch.append(
                    mail_item(
                        account,
                        raw,
                        received=desk.clock.now(),
                        token_prefix=token_prefix,
                        imported=True,
                    )
                )
                if len(batch) >= BATCH:
                    flush()
        except ImportTrouble as trouble:
            report.problems.append(str(trouble))
        except (OSError, mailbox.Error) as exc:
            report.problems.append(f"{path}: {exc}")
    flush()
    return report
