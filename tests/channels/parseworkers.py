"""Parse functions for the worker process that misbehave on purpose (see test_parsers.py).

They run in the worker (named "module:function"), so they live in a module it can import.
"""

from __future__ import annotations

import os
import signal
import time

from supportdesk.channels.ingest import MailToStore
from supportdesk.channels.parsers import ParseJob, parse_job

CRASH = b"X-Test-Parser: crash"
HANG = b"X-Test-Parser: hang"
FAIL = b"X-Test-Parser: raise"


def misbehaving(job: ParseJob) -> list[MailToStore]:
    """As the real worker, except on marked mail: die as a segfault would (SIGKILL, no
    clean-up), hang, or raise."""
    for mail in job.mails:
        if CRASH in mail.raw:
            os.kill(os.getpid(), signal.SIGKILL)
        if HANG in mail.raw:
            time.sleep(3600)
        if FAIL in mail.raw:
            raise RuntimeError("a bug in the parser")
    return parse_job(job)


def slow(job: ParseJob) -> list[MailToStore]:
    """The real thing, slowly: time to kill the worker while it holds a batch."""
    time.sleep(2)
    return parse_job(job)
