"""channels.mime: every corpus message reads as a person would read it; the hard cases one by one.

The corpus lives in tests/fixtures/mail/ (real-world samples plus crafted messages, see
SOURCES.md); expectations.toml says, per file, what a person should see.
"""

from __future__ import annotations

import base64
import random
import re
import tomllib
from datetime import UTC, datetime
from email import feedparser
from email.utils import getaddresses
from pathlib import Path

import pytest

from supportdesk.channels.base import ParsedMail
from supportdesk.channels.loops import detect_automatic
from supportdesk.channels.mime import (
    FORWARDED_LINE,
    UNREADABLE_SUBJECT,
    _simple_address,
    decode_header_value,
    html_to_text,
    parse_message,
)

CORPUS = Path(__file__).resolve().parents[1] / "fixtures" / "mail"
EXPECTATIONS = tomllib.loads((CORPUS / "expectations.toml").read_text(encoding="utf-8"))
FILES = sorted(path.name for path in CORPUS.glob("*.eml"))
MOJIBAKE = ("Ã", "Ð", "Ñ", "Â", "\ufffd", "â€", "Рѕ", "СЃ", "╟")


def _none(value: str) -> str | None:
    return value or None


def _parse_file(name: str) -> ParsedMail:
    return parse_message((CORPUS / name).read_bytes())


# -- the corpus ----------------------------------------------------------------------------


def test_every_corpus_file_has_expectations_and_the_corpus_is_big_enough():
    assert set(FILES) == set(EXPECTATIONS)
    assert len(FILES) >= 40
    kinds = {entry["kind"] for entry in EXPECTATIONS.values()}
    assert {"charset", "html", "attachments", "nested", "bounce", "auto_reply", "list"} <= kinds


@pytest.mark.parametrize("name", FILES)
def test_corpus_message_reads_as_expected(name: str):
    expected = EXPECTATIONS[name]
    mail = _parse_file(name)

    for key in ("subject", "sender_address", "sender_name", "reply_to", "message_id"):
        if key in expected:
            assert getattr(mail, key) == _none(expected[key]), key
    if "date" in expected:
        want = datetime.fromisoformat(expected["date"]) if expected["date"] else None
        assert mail.date == want
        if mail.date is not None:
            assert mail.date.tzinfo is not None
    for key in ("in_reply_to", "references", "cc"):
        if key in expected:
            assert getattr(mail, key) == tuple(expected[key]), key

    for snippet in expected.get("text_contains", []):
        assert snippet in mail.text, snippet
    for snippet in expected.get("text_not_contains", []):
        assert snippet not in mail.text, snippet
    if "text_equals" in expected:
        assert mail.text == expected["text_equals"]
    if "text_length" in expected:
        assert len(mail.text) == expected["text_length"]
    assert "\r" not in mail.text
    assert "\x00" not in mail.text
    if expected.get("clean"):
        for marker in MOJIBAKE:
            for field in (mail.subject, mail.sender_name or "", mail.text):
                assert marker not in field, f"{marker!r} in {field[:80]!r}"
    if "html" in expected:
        assert (mail.html is not None) is expected["html"]

    if "attachments" in expected:
        assert [a.filename or "" for a in mail.attachments] == expected["attachments"]
    if "inline" in expected:
        inline = [a.filename or a.content_id for a in mail.attachments if a.inline]
        assert inline == expected["inline"]
    for filename, snippet in expected.get("attachment_text", {}).items():
        (attachment,) = [a for a in mail.attachments if a.filename == filename]
        assert snippet in attachment.data.decode("utf-8")

    if "delivery_report" in expected:
        assert mail.is_delivery_report is expected["delivery_report"]
    if "bounced_ids" in expected:
        assert mail.bounced_message_ids == tuple(expected["bounced_ids"])
    if "bounce_reason" in expected:
        assert mail.bounce_reason == expected["bounce_reason"]
    if "bounce_reason_contains" in expected:
        assert expected["bounce_reason_contains"] in (mail.bounce_reason or "")

    for snippet in expected.get("defects_contain", []):
        assert any(snippet in defect for defect in mail.defects), (snippet, mail.defects)
    if expected.get("no_defects"):
        assert mail.defects == ()
    for defect in mail.defects:
        assert "Traceback" not in defect

    automatic = detect_automatic(mail)
    kind = automatic.kind if automatic else "none"
    assert kind == expected["automatic"]
    if "automatic_reason" in expected:
        assert automatic is not None
        assert automatic.reason == expected["automatic_reason"]


@pytest.mark.parametrize("name", FILES)
def test_corpus_message_survives_truncation_and_damage(name: str):
    raw = (CORPUS / name).read_bytes()
    rng = random.Random(name)
    cuts = {
        0,
        1,
        len(raw) // 3,
        len(raw) // 2,
        len(raw) - 1,
        *(rng.randrange(len(raw) + 1) for _ in range(4)),
    }
    for cut in sorted(cut for cut in cuts if cut >= 0):
        assert isinstance(parse_message(raw[:cut]), ParsedMail)
    damaged = bytearray(raw)
    for _ in range(min(40, len(raw))):
        damaged[rng.randrange(len(damaged))] = rng.randrange(256)
    assert isinstance(parse_message(bytes(damaged)), ParsedMail)


# -- headers -------------------------------------------------------------------------------


def test_a_character_split_across_two_base64_words_is_joined_before_decoding():
    raw = "Ж".encode()  # two bytes
    first, second = (base64.b64encode(half).decode() for half in (raw[:1], raw[1:]))
    split = f"=?utf-8?B?{first}?= =?utf-8?B?{second}?="
    assert decode_header_value(split) == "Ж"


def test_a_character_split_across_q_words_and_folded_lines_is_joined():
    value = "=?UTF-8?Q?Za=C5?=\r\n =?UTF-8?Q?=BC=C3=B3=C5=82=C4=87?="
    assert decode_header_value(value) == "Zażółć"


def test_whitespace_between_encoded_words_goes_but_whitespace_next_to_text_stays():
    value = "=?iso-8859-2?Q?=A3=F3d=BC?=   =?utf-8?Q?_i?= plain =?utf-8?B?S3Jha8Ozdw==?= end"
    assert decode_header_value(value) == "Łódź i plain Kraków end"


def test_an_unknown_charset_in_an_encoded_word_falls_back_and_says_so():
    notes: list[str] = []
    assert decode_header_value("=?x-bogus?Q?Prze=C5=9Blij?=", notes=notes, what="Subject") == (
        "Prześlij"
    )
    assert notes == ["Subject charset 'x-bogus' not known; decoded as utf-8"]


@pytest.mark.parametrize(
    ("raw", "hint", "expected"),
    [
        ("Привет мир".encode(), None, "Привет мир"),
        ("Привет мир".encode("cp1251"), None, "Привет мир"),
        ("Привет мир".encode("koi8-r"), None, "Привет мир"),
        ("Привет мир".encode("koi8-r"), "koi8-r", "Привет мир"),
        ("Żółw".encode("cp1250"), "windows-1250", "Żółw"),
        ("Café".encode("cp1252"), None, "Café"),
    ],
)
def test_raw_8bit_headers_are_decoded_in_the_likeliest_charset(raw, hint, expected):
    message = b"From: a@example.com\nSubject: " + raw + b"\n\nbody\n"
    if hint:
        message = message.replace(
            b"\n\n", f"\nContent-Type: text/plain; charset={hint}\n\n".encode(), 1
        )
    assert parse_message(message).subject == expected


def test_addresses_are_split_before_their_names_are_decoded():
    mail = parse_message(
        b"From: =?utf-8?Q?Nowak,_Anna?= <Anna.Nowak@EXAMPLE.pl>\n"
        b"To: =?utf-8?Q?Kowalski,_Jan?= <jan@example.pl>, Ops <OPS@example.pl>\n"
        b"Reply-To: Desk <Reply@Example.PL>\n\nhi\n"
    )
    assert mail.sender_name == "Nowak, Anna"
    assert mail.sender_address == "anna.nowak@example.pl"
    assert mail.to == ("jan@example.pl", "ops@example.pl")
    assert mail.reply_to == "reply@example.pl"


def test_the_fast_address_path_reads_what_getaddresses_reads():
    """mime._simple_address takes the common shapes without the stdlib's parser; whatever
    it accepts must come out exactly as getaddresses has it. Its pattern has no nested
    repetition, so hostile input cannot make it backtrack for ages."""
    rng = random.Random(3834)
    pieces = ["jan", "Kowalski", "J.", ".", " ", "  ", "\t", "<", ">", "@", "firma.pl",
              "a-b", "O'Brien", ",", '"', "(x)", ":", ";", "ewordparked0x", "=?", "[1]", "..",
              "é"]  # fmt: skip
    shapes = ["Jan Kowalski <jan@firma.pl>", "jan@firma.pl", "<jan@firma.pl>", "a . b <c@d>"]
    shapes += ["".join(rng.choices(pieces, k=rng.randint(1, 9))) for _ in range(20_000)]
    # Mostly well-formed: a name, an angle address, and now and then a piece that breaks it.
    for _ in range(5_000):
        name = "".join(rng.choices(["Jan", " ", "J.", "ewordparked1x", "a-b", "."], k=3))
        local = rng.choice(["jan", "j.k", "a+b", "O'B", "a..b", ".a"])
        domain = rng.choice(["firma.pl", "x", "a.b.c", "b.", "[1.2.3.4]"])
        extra = rng.choice(["", "", "", "", " ", ",", '"', "(c)", "<", "é"])
        at = rng.randrange(4)
        parts = [name, " <", local, "@", domain, ">"]
        parts.insert(rng.randrange(len(parts) + 1), extra)
        shapes.append("".join(parts) if at else f"{local}@{domain}{extra}")
    accepted = 0
    for shape in shapes:
        fast = _simple_address(shape)
        if fast is not None:
            accepted += 1
            assert [fast] == getaddresses([shape]), shape
    assert accepted > 500
    assert _simple_address("a" * 5000 + " " + "b." * 5000 + "<c@d") is None


def test_message_ids_are_extracted_in_order_without_duplicates():
    mail = parse_message(
        b"From: a@example.com\nMessage-ID: no-brackets@example.com\n"
        b"In-Reply-To: Your message of Monday <b@x>\n"
        b"References: <a@x>\n\t<b@x> <a@x>\n <c\n @x>\n\nbody\n"
    )
    assert mail.message_id == "<no-brackets@example.com>"
    assert mail.in_reply_to == ("<b@x>",)
    assert mail.references == ("<a@x>", "<b@x>", "<c@x>")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"Date: Mon, 23 Nov 2026 10:00:00 +0100\n", datetime(2026, 11, 23, 9, 0, tzinfo=UTC)),
        (b"Date: Mon, 23 Nov 2026 10:00:00 -0000\n", datetime(2026, 11, 23, 10, 0, tzinfo=UTC)),
        (b"Date: yesterday-ish\n", None),
        (b"Date: Mon, 99 Nov 2026 10:00:00 +0100\n", None),
        (b"", None),
    ],
)
def test_dates_are_aware_or_none(header, expected):
    mail = parse_message(b"From: a@example.com\n" + header + b"\nbody\n")
    assert mail.date == expected
    if mail.date is not None:
        assert mail.date.tzinfo is not None


def test_headers_are_decoded_by_lower_case_name_first_occurrence_first():
    mail = parse_message(
        b"From: a@example.com\nX-Thing: one\nX-THING: two\n"
        b"Subject: =?utf-8?Q?Za=C5=BC=C3=B3=C5=82=C4=87?=\n\nbody\n"
    )
    assert mail.headers["x-thing"] == "one"
    assert mail.headers["subject"] == "Zażółć"


# -- bodies --------------------------------------------------------------------------------


def _body(data: bytes, charset: str | None, cte: str = "8bit") -> ParsedMail:
    ctype = f"text/plain; charset={charset}" if charset else "text/plain"
    return parse_message(
        f"From: a@example.com\nContent-Type: {ctype}\nContent-Transfer-Encoding: {cte}\n\n".encode()
        + data
    )


@pytest.mark.parametrize(
    ("data", "charset", "expected", "defect"),
    [
        ("Привет, мир!".encode("koi8-r"), "koi8-r", "Привет, мир!", None),
        ("Привет, мир!".encode("cp1251"), "windows-1251", "Привет, мир!", None),
        ("Привет, мир!".encode("cp1251"), "utf-8", "Привет, мир!", "decoded as windows-1251"),
        ("Привет, мир!".encode("cp1251"), "us-ascii", "Привет, мир!", "reads as windows-1251"),
        ("Zażółć".encode(), "iso-8859-1", "Zażółć", None),
        ("Zażółć".encode(), "x-nonsense", "Zażółć", "charset 'x-nonsense' not known"),
        ("Zażółć".encode("iso-8859-2"), "iso-8859-2", "Zażółć", None),
        ("Café crème".encode("cp1252"), None, "Café crème", "no charset"),
        (b"caf\xe9 \x81", "utf-8", "café \ufffd", "windows-1252 with replacement"),
        ("日本語".encode("shift_jis"), "shift_jis", "日本語", None),
        ("hello".encode("utf-16"), "utf-16", "hello", None),
        (b"hello", "base64", "hello", None),  # a bytes-to-bytes codec is not a charset
    ],
)
def test_body_charsets_fall_back_without_raising(data, charset, expected, defect):
    mail = _body(data, charset)
    assert mail.text == expected
    if defect:
        assert any(defect in note for note in mail.defects), mail.defects
    else:
        assert not [note for note in mail.defects if "charset" in note or "decoded" in note]


def test_damaged_base64_keeps_what_can_be_read_and_says_so():
    encoded = base64.b64encode("Dzień dobry, tu Kasia.".encode())
    broken = encoded[:8] + b" !!*\n" + encoded[8:].rstrip(b"=")
    mail = _body(broken, "utf-8", "base64")
    assert mail.text == "Dzień dobry, tu Kasia."
    assert any("base64" in note and "damaged" in note for note in mail.defects)


def test_hopeless_base64_gives_an_empty_text_not_an_exception():
    mail = _body(b"@@@@ not base64 at all ####", "utf-8", "base64")
    assert isinstance(mail.text, str)
    assert any("damaged" in note for note in mail.defects)


def test_quoted_printable_soft_breaks_and_line_endings_are_normalised():
    mail = _body(b"one=\r\n two=0D=0Athree\r\nfour\rfive\r\n", "utf-8", "quoted-printable")
    assert mail.text == "one two\nthree\nfour\nfive"


@pytest.mark.parametrize("seed", range(25))
def test_garbage_bytes_never_raise(seed: int):
    rng = random.Random(seed)
    data = rng.randbytes(rng.randrange(1, 3000))
    mail = parse_message(data)
    assert isinstance(mail, ParsedMail)
    assert isinstance(mail.text, str)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\x00\x00",
        b"\n\n\n",
        b":",
        b"Subject",
        b"Content-Type: multipart/mixed; boundary=\n\n--\n--\n",
        b"Content-Type: multipart/mixed\n\nno boundary at all\n",
        b"Content-Type: message/rfc822\n\n",
        b"Content-Type: message/delivery-status\nContent-Transfer-Encoding: base64\n\n!!!\n",
        b'Content-Type: text/plain; charset="\n\nunterminated quote\n',
        b"Content-Type: text/plain; charset*=''%ZZ\n\nbad 2231\n",
        b"Content-Disposition: attachment; filename*0*=utf-8''%E2%82; filename*1*=%AC.txt\n"
        b"Content-Type: application/octet-stream\n\nx",
        b"From: =?utf-8?B?####?= <x@y>\nSubject: =?utf-8?Q?=ZZ?=\n\nx\n",
        b"Date: Mon, 23 Nov 99999 10:00:00 +9999\n\nx\n",
        b"Content-Type: text/plain; charset=rot13\n\nuryyb\n",
        b"Content-Type: text/plain; charset=idna\n\n\xff\xfe\n",
        b"Content-Transfer-Encoding: x-uuencode\n\nbegin 644 a\n!!!\nend\n",
    ],
)
def test_hostile_structures_never_raise(raw: bytes):
    assert isinstance(parse_message(raw), ParsedMail)


def test_unreadable_input_keeps_its_raw_text():
    mail = parse_message("Привет\x00, мир".encode())
    assert mail.subject == UNREADABLE_SUBJECT
    assert mail.text == "Привет, мир"
    assert mail.defects == ("no headers found; the message is shown as raw text",)


def test_absurdly_deep_nesting_is_survived():
    depth = 3000
    body = "".join(
        f'--b{i}\nContent-Type: multipart/mixed; boundary="b{i + 1}"\n\n' for i in range(depth)
    )
    raw = f'From: a@example.com\nContent-Type: multipart/mixed; boundary="b0"\n\n{body}'.encode()
    mail = parse_message(raw)
    assert isinstance(mail, ParsedMail)
    assert mail.defects


# -- HTML ----------------------------------------------------------------------------------


def test_html_to_text_keeps_lists_and_table_rows_readable():
    text = html_to_text(
        "<style>p{color:red}</style><script>alert(1)</script>"
        "<h1>Zamówienie</h1><ul><li>jeden</li><li>dwa</li></ul>"
        "<ol><li>first</li><li>second</li></ol>"
        "<table><tr><th>Produkt</th><th>Cena</th></tr>"
        "<tr><td>Licencja Pro</td><td>297 zł</td></tr></table>"
        "<p>a&nbsp;b &amp; c</p>"
    )
    lines = text.split("\n")
    assert "Zamówienie" in lines
    assert "  * jeden" in lines
    assert "  * dwa" in lines
    assert " 1. first" in lines
    assert " 2. second" in lines
    assert any("Licencja Pro" in line and "297 zł" in line for line in lines)
    assert any("Produkt" in line and "Cena" in line for line in lines)
    assert "a b & c" in lines
    assert "alert" not in text
    assert "color" not in text


@pytest.mark.parametrize(
    "markup",
    ["", "   ", '<?xml version="1.0" encoding="utf-8"?><p>x</p>', "<p>a\x00b</p>", "<<<>>>&&&"],
)
def test_html_to_text_survives_odd_markup(markup: str):
    assert isinstance(html_to_text(markup), str)


def test_html_only_mail_keeps_the_html_and_gives_readable_text():
    html = "<html><body><p>Dzień dobry</p><ul><li>punkt</li></ul></body></html>"
    mail = parse_message(
        b"From: a@example.com\nContent-Type: text/html; charset=utf-8\n\n" + html.encode()
    )
    assert mail.html == html
    assert mail.text == "Dzień dobry\n\n  * punkt"


def test_an_empty_plain_alternative_gives_way_to_the_html():
    mail = parse_message(
        b'From: a@example.com\nContent-Type: multipart/alternative; boundary="x"\n\n'
        b"--x\nContent-Type: text/plain\n\n \n--x\nContent-Type: text/html\n\n"
        b"<p>Only here</p>\n--x--\n"
    )
    assert mail.text == "Only here"


# -- attachments and nested messages -------------------------------------------------------


def _attachment_mail(disposition: str, ctype: str = "application/pdf") -> ParsedMail:
    return parse_message(
        b'From: a@example.com\nContent-Type: multipart/mixed; boundary="x"\n\n'
        b"--x\nContent-Type: text/plain\n\nsee file\n"
        b"--x\nContent-Type: "
        + ctype.encode()
        + b"\n"
        + disposition.encode()
        + b"\n\ndata\n--x--\n"
    )


@pytest.mark.parametrize(
    ("disposition", "ctype", "expected"),
    [
        (
            "Content-Disposition: attachment; filename*=UTF-8''%D0%90%D0%BA%D1%82.pdf",
            "application/pdf",
            "Акт.pdf",
        ),
        (
            "Content-Disposition: attachment;\n"
            " filename*0*=UTF-8''%D0%A1%D1%87%D1%91%D1%82;\n filename*1=.pdf",
            "application/pdf",
            "Счёт.pdf",
        ),
        (
            'Content-Disposition: attachment; filename="=?koi8-r?B?4cvU?=.pdf"',
            "application/pdf",
            "Акт.pdf",
        ),
        (
            "Content-Disposition: attachment",
            'application/pdf; name="from-type.pdf"',
            "from-type.pdf",
        ),
        (
            'Content-Disposition: attachment; filename="a \\"quoted\\" b.pdf"',
            "application/pdf",
            'a "quoted" b.pdf',
        ),
        ('Content-Disposition: attachment; filename="Żółw.pdf"', "application/pdf", "Żółw.pdf"),
        ("Content-Disposition: attachment", "application/pdf", None),
    ],
)
def test_attachment_filenames_are_decoded(disposition, ctype, expected):
    mail = _attachment_mail(disposition, ctype)
    assert mail.text == "see file"
    assert [a.filename for a in mail.attachments] == [expected]
    assert mail.attachments[0].data == b"data"


def test_inline_means_disposition_inline_or_a_referenced_content_id():
    mail = parse_message(
        b'From: a@example.com\nContent-Type: multipart/related; boundary="x"\n\n'
        b'--x\nContent-Type: text/html\n\n<img src="cid:Pic1@x">\n'
        b"--x\nContent-Type: image/png\nContent-ID: <pic1@x>\n\nP1\n"
        b"--x\nContent-Type: image/png\nContent-ID: <unused@x>\n\nP2\n"
        b"--x\nContent-Type: image/gif\nContent-Disposition: inline; filename=a.gif\n\nG\n--x--\n"
    )
    assert [(a.content_id, a.inline) for a in mail.attachments] == [
        ("pic1@x", True),
        ("unused@x", False),
        (None, True),
    ]


def test_a_forwarded_message_is_kept_whole_and_its_text_appended():
    inner = (
        b"From: Anna <anna@example.pl>\nSubject: Pytanie\n"
        b"Date: Mon, 1 Dec 2026 10:00:00 +0100\n\nGdzie paczka?\n"
    )
    mail = parse_message(
        b'From: a@example.com\nContent-Type: multipart/mixed; boundary="x"\n\n'
        b"--x\nContent-Type: text/plain\n\nFYI\n"
        b"--x\nContent-Type: message/rfc822\n\n" + inner + b"--x--\n"
    )
    assert mail.text == (
        f"FYI\n\n{FORWARDED_LINE}\nFrom: Anna <anna@example.pl>\n"
        "Date: Mon, 1 Dec 2026 10:00:00 +0100\nSubject: Pytanie\n\nGdzie paczka?"
    )
    (eml,) = mail.attachments
    assert (eml.filename, eml.content_type) == ("message.eml", "message/rfc822")
    assert parse_message(eml.data).subject == "Pytanie"


def test_a_forwarded_message_with_raw_8bit_headers_is_read_in_its_own_charset():
    inner = (
        "From: Ольга <olga@example.ru>\nSubject: Вопрос\n"
        "Content-Type: text/plain; charset=windows-1251\n\nДобрый день\n"
    ).encode("cp1251")
    mail = parse_message(
        b'From: a@example.com\nContent-Type: multipart/mixed; boundary="x"\n\n'
        b"--x\nContent-Type: message/rfc822\n\n" + inner + b"--x--\n"
    )
    assert (
        mail.text
        == f"{FORWARDED_LINE}\nFrom: Ольга <olga@example.ru>\nSubject: Вопрос\n\nДобрый день"
    )


# -- delivery reports ----------------------------------------------------------------------


def test_original_message_id_headers_count_as_bounced_ids():
    mail = parse_message(
        b"From: postmaster@example.com\nX-Original-Message-ID: <ours-1@desk.example>\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="x"\n\n'
        b"--x\nContent-Type: text/plain\n\nfailed\n"
        b"--x\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; x\n\n"
        b"Final-Recipient: rfc822; a@b\nAction: failed\nStatus: 5.1.1\n--x--\n"
    )
    assert mail.is_delivery_report
    assert mail.bounced_message_ids == ("<ours-1@desk.example>",)
    assert mail.bounce_reason == "5.1.1 (user unknown)"


def test_a_read_receipt_report_is_not_a_delivery_report():
    mail = parse_message(
        b"From: someone@example.com\n"
        b'Content-Type: multipart/report; report-type=disposition-notification; boundary="x"\n\n'
        b"--x\nContent-Type: text/plain\n\nread\n--x--\n"
    )
    assert not mail.is_delivery_report
    assert mail.bounced_message_ids == ()


def _stdlib_boundary(separator: str) -> re.Pattern[str]:
    """The pattern CPython 3.11's feedparser compiles for a multipart boundary."""
    return re.compile(
        "(?P<sep>" + re.escape(separator) + r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"
    )


def test_boundary_lines_match_exactly_as_the_stdlib_pattern_would() -> None:
    """feedparser's per-boundary regex is replaced by a precompiled matcher: on generated
    boundaries (regex metacharacters included) and lines around them, every match, miss
    and group must be the same."""
    rng = random.Random(5)
    alphabet = "ab=_.-+()?*[]\\/:'\" \t0123456789"
    shim = feedparser.re
    tails = ["", "\n", "\r\n", "\r", "--", "--\n", "--\r\n", "  \t\n", " --\n", "x\n", "-\n"]
    checked = 0
    for _ in range(400):
        boundary = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        separator = "--" + boundary
        pattern = _stdlib_boundary(separator).pattern
        ours = shim.compile(pattern)
        assert not isinstance(ours, re.Pattern), f"not served by the matcher: {boundary!r}"
        real = re.compile(pattern)
        for line in [separator + t for t in tails] + [
            separator[:-1] + "\n",
            "x" + separator + "\n",
            separator.upper() + "\n",
            "body text\n",
        ]:
            expected, got = real.match(line), ours.match(line)
            assert (expected is None) == (got is None), (boundary, line)
            if expected and got:
                assert [expected.group(g) for g in ("end", "ws", "linesep")] == [
                    got.group(g) for g in ("end", "ws", "linesep")
                ], (boundary, line)
                assert expected.end() == got.end()
            checked += 1
    assert checked == 400 * 15
    # Anything else feedparser compiles is an ordinary pattern.
    assert isinstance(shim.compile(r"\r\n|\r|\n"), re.Pattern)


def test_multipart_parse_is_unchanged_by_the_boundary_matcher(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every multipart message of the corpus parses to the same result with the stdlib's own
    boundary patterns."""
    multipart = [n for n in FILES if b"boundary=" in (CORPUS / n).read_bytes().lower()]
    assert len(multipart) >= 10
    ours = [_parse_file(name) for name in multipart]
    monkeypatch.setattr(feedparser, "re", re)
    assert [_parse_file(name) for name in multipart] == ours
