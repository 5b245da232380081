"""Real servers for the channel tests: a private Dovecot (or pymap), an SMTP sink, a TCP proxy.

`imap.py`, `smtp.py` and `proxy.py` use only the standard library plus the server package each
wraps, so they can be used from any test; the pytest fixtures live in `conftest_fixtures.py`.
"""
