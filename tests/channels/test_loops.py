"""channels.loops: each rule that marks a mail as a bounce, an auto-reply or bulk mail."""

from __future__ import annotations

import pytest

from supportdesk.channels.base import Automatic, ParsedMail
from supportdesk.channels.loops import detect_automatic


def _mail(
    headers: dict[str, str] | None = None,
    sender: str | None = "customer@example.com",
    report: bool = False,
) -> ParsedMail:
    return ParsedMail(
        message_id="<m@example.com>",
        in_reply_to=(),
        references=(),
        subject="Hello",
        sender_name=None,
        sender_address=sender,
        reply_to=None,
        to=("support@desk.example",),
        cc=(),
        date=None,
        text="Hi there",
        html=None,
        attachments=(),
        headers=headers or {},
        is_delivery_report=report,
    )


def test_a_person_writing_is_not_automatic():
    assert detect_automatic(_mail({"subject": "Hello", "x-mailer": "Thunderbird"})) is None


@pytest.mark.parametrize(
    ("headers", "sender", "report", "expected"),
    [
        (
            {},
            "support@example.com",
            True,
            Automatic("bounce", "Content-Type: multipart/report; report-type=delivery-status"),
        ),
        (
            {"x-failed-recipients": "a@b.example"},
            None,
            False,
            Automatic("bounce", "X-Failed-Recipients: a@b.example"),
        ),
        (
            {},
            "mailer-daemon@mx.example.net",
            False,
            Automatic("bounce", "From: mailer-daemon@mx.example.net"),
        ),
        (
            {},
            "MAILER-DAEMON@MX.example.net",
            False,
            Automatic("bounce", "From: mailer-daemon@mx.example.net"),
        ),
        ({}, "postmaster@example.org", False, Automatic("bounce", "From: postmaster@example.org")),
        (
            {"auto-submitted": "auto-replied"},
            None,
            False,
            Automatic("auto_reply", "Auto-Submitted: auto-replied"),
        ),
        (
            {"auto-submitted": "auto-generated; type=vacation"},
            None,
            False,
            Automatic("auto_reply", "Auto-Submitted: auto-generated; type=vacation"),
        ),
        ({"x-autoreply": "yes"}, None, False, Automatic("auto_reply", "X-Autoreply: yes")),
        ({"x-autorespond": "on"}, None, False, Automatic("auto_reply", "X-Autorespond: on")),
        (
            {"x-auto-response-suppress": "All"},
            None,
            False,
            Automatic("auto_reply", "X-Auto-Response-Suppress: All"),
        ),
        (
            {"x-auto-response-suppress": "DR, OOF, AutoReply"},
            None,
            False,
            Automatic("auto_reply", "X-Auto-Response-Suppress: DR, OOF, AutoReply"),
        ),
        (
            {"x-loop": "helpdesk@example.com"},
            None,
            False,
            Automatic("auto_reply", "X-Loop: helpdesk@example.com"),
        ),
        ({"precedence": "junk"}, None, False, Automatic("auto_reply", "Precedence: junk")),
        ({"precedence": "bulk"}, None, False, Automatic("bulk", "Precedence: bulk")),
        ({"precedence": "List"}, None, False, Automatic("bulk", "Precedence: List")),
        (
            {"list-id": "Users <users.lists.example.org>"},
            None,
            False,
            Automatic("bulk", "List-Id: Users <users.lists.example.org>"),
        ),
        (
            {"list-unsubscribe": "<mailto:leave@lists.example.org>"},
            None,
            False,
            Automatic("bulk", "List-Unsubscribe: <mailto:leave@lists.example.org>"),
        ),
    ],
)
def test_each_rule_names_the_header_that_matched(headers, sender, report, expected):
    assert detect_automatic(_mail(headers, sender, report)) == expected


@pytest.mark.parametrize(
    "headers",
    [
        {"auto-submitted": "no"},
        {"auto-submitted": "No ; comment"},
        {"auto-submitted": ""},
        {"x-auto-response-suppress": "DR, RN, NRN"},
        {"precedence": "first-class"},
        {"precedence": ""},
    ],
)
def test_values_that_do_not_mean_automatic_are_ignored(headers):
    assert detect_automatic(_mail(headers)) is None


def test_a_bounce_wins_over_auto_submitted_and_list_headers():
    mail = _mail(
        {"auto-submitted": "auto-replied", "precedence": "bulk", "list-id": "<x.example>"},
        sender="postmaster@example.com",
    )
    assert detect_automatic(mail) == Automatic("bounce", "From: postmaster@example.com")


def test_an_auto_reply_wins_over_bulk():
    mail = _mail({"precedence": "bulk", "auto-submitted": "auto-generated"})
    assert detect_automatic(mail) == Automatic("auto_reply", "Auto-Submitted: auto-generated")


def test_long_header_values_are_shortened_in_the_reason():
    result = detect_automatic(_mail({"list-id": "x" * 500}))
    assert result is not None
    assert result.kind == "bulk"
    assert len(result.reason) <= len("List-Id: ") + 120
    assert result.reason.endswith("…")


def test_a_sender_without_an_address_is_fine():
    assert detect_automatic(_mail({}, sender=None)) is None
