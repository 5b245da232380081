"""Raw RFC 5322 bytes -> ParsedMail, for any bytes at all.

The standard library does the MIME tree (``compat32``: about ten times faster than
``email.policy.default`` here); everything that turns bytes into text is done in this module,
because real mail lies about its charsets:

* headers: RFC 2047 encoded words (adjacent words in one charset are joined as bytes before
  decoding, so a character split across two words survives), raw 8-bit bytes (UTF-8, then the
  message's own body charset, then a Cyrillic guess, then windows-1252/latin-1), unknown
  charsets;
* bodies: the declared charset, then UTF-8, then a Cyrillic guess, then windows-1252 with
  replacement; base64 that is damaged, quoted-printable, uuencode;
* the text a person reads: text/plain, or the HTML made readable with inscriptis; forwarded
  (message/rfc822) messages are appended below it; attachments and inline images are kept.

Nothing here raises: whatever cannot be read cleanly is noted in ``defects`` in words.
Quoted history and signatures are left in place (``core.quoting`` folds them for display).
"""

from __future__ import annotations

import binascii
import codecs
import functools
import html as html_lib
import mimetypes
import quopri
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from email import errors as email_errors
from email import feedparser
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from urllib.parse import unquote_to_bytes

from inscriptis import get_text
from inscriptis.model.config import ParserConfig

from supportdesk.channels.base import ParsedAttachment, ParsedMail

__all__ = ["html_to_text", "parse_message", "unreadable_mail"]

UNREADABLE_SUBJECT = "(unreadable message)"
FORWARDED_LINE = "---------- Forwarded message ----------"
RETURNED_LINE = "---------- Returned message ----------"
# Deeper MIME nesting than this is not walked (the parts are kept as attachments instead).
MAX_DEPTH = 25

_PARSER = BytesParser(policy=compat32)


# The standard library's feedparser compiles a regular expression for every multipart
# boundary it meets (re's cache cannot help: every message has its own boundary). That
# compile was about a seventh of parsing a mailbox. The same matching — the separator, then
# this tail — costs one `startswith` and one precompiled match.
_BOUNDARY_HEAD = "(?P<sep>"
_BOUNDARY_TAIL_SOURCE = r")(?P<end>--)?(?P<ws>[ \t]*)(?P<linesep>\r\n|\r|\n)?$"
_BOUNDARY_TAIL = re.compile(_BOUNDARY_TAIL_SOURCE[1:])
_ESCAPED = re.compile(r"\\(.)", re.DOTALL)


class _BoundaryLine:
    """Matches a boundary line exactly as feedparser's own pattern for that boundary does."""

    __slots__ = ("separator",)

    def __init__(self, separator: str) -> None:
        self.separator = separator

    def match(self, line: str) -> re.Match[str] | None:
        if not line.startswith(self.separator):
            return None
        return _BOUNDARY_TAIL.match(line, len(self.separator))


class _FeedparserRe:
    """`re` as feedparser sees it: everything as usual, except that its boundary pattern is
    served by `_BoundaryLine`. A pattern of any other shape (another Python version's) is
    compiled as before."""

    def __getattr__(self, name: str) -> object:
        return getattr(re, name)

    @staticmethod
    def compile(pattern: str, flags: int = 0) -> object:
        if (
            flags == 0
            and isinstance(pattern, str)
            and pattern.startswith(_BOUNDARY_HEAD)
            and pattern.endswith(_BOUNDARY_TAIL_SOURCE)
        ):
            escaped = pattern[len(_BOUNDARY_HEAD) : -len(_BOUNDARY_TAIL_SOURCE)]
            separator = _ESCAPED.sub(r"\1", escaped)
            if re.escape(separator) == escaped:
                return _BoundaryLine(separator)
        return re.compile(pattern, flags)


feedparser.re = _FeedparserRe()  # type: ignore[assignment]
_HTML_CONFIG = ParserConfig(display_links=False)

_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?]*)\?=")
_PARKED = re.compile(r"ewordparked(\d+)x")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_MSG_ID = re.compile(r"<([^<>]+)>")
# `Name <a@b>` or `a@b` in plain atoms: the name a run of atoms, dots and blanks, the address
# atoms joined by single dots (no nested repetition: no backtracking on hostile input).
_ATEXT = "-A-Za-z0-9!#$%&'*+/=?^_`{|}~"
_ADDR_SPEC = rf"[{_ATEXT}]+(?:\.[{_ATEXT}]+)*@[{_ATEXT}]+(?:\.[{_ATEXT}]+)*"
_SIMPLE_ADDRESS = re.compile(rf"[ \t]*(?:([{_ATEXT}. \t]*)<({_ADDR_SPEC})>|({_ADDR_SPEC}))[ \t]*")
_WS = re.compile(r"[ \t\r\n]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_CID = re.compile(r"""cid:([^"'\s>)]+)""", re.IGNORECASE)
_B64_JUNK = re.compile(rb"[^A-Za-z0-9+/]")
_B64_BAD = re.compile(rb"[^A-Za-z0-9+/=\s]")
_UU_BLOCK = re.compile(r"^begin [0-7]{3,4} ([^\n]+)\n(.*?)^end[ \t]*$", re.MULTILINE | re.DOTALL)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset=["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_TEXT_MSGID_LINE = re.compile(r"^\s*message-id:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
_DAEMON_LOCALPARTS = {"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"}

# Labels as mail programs write them -> Python codec names. Latin-1 and ASCII labels are read as
# windows-1252 (its superset, as browsers do); GB2312/GBK as GB18030, and so on.
_ALIASES = {
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "windows-1252": "cp1252",
    "x-user-defined": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "big5": "big5hkscs",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "iso-2022-jp": "iso2022_jp_2",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "iso-8859-8-i": "iso8859_8",
    "windows-874": "cp874",
    "unicode-1-1-utf-7": "utf_7",
    "x-mac-cyrillic": "mac_cyrillic",
    "cp-1250": "cp1250",
    "cp-1251": "cp1251",
    "cp-1252": "cp1252",
    "win-1251": "cp1251",
    "utf8": "utf_8",
}
# Codecs that may not be asked to decode mail (escape codecs, or no text codec at all).
_REFUSED = {"undefined", "idna", "punycode", "unicode_escape", "raw_unicode_escape"}
# A second try for codecs that have close variants.
_VARIANTS = {"iso2022_jp_2": ("iso2022_jp_ext",)}
# Encodings whose bytes are all ASCII, so "looks like ASCII" proves nothing.
_SEVEN_BIT = {"utf_7", "iso2022_jp", "iso2022_jp_1", "iso2022_jp_2", "iso2022_jp_2004",
              "iso2022_jp_3", "iso2022_jp_ext", "iso2022_kr", "hz"}  # fmt: skip
_WESTERN = {"cp1252", "latin_1", "iso8859_1", "ascii"}
_STATUS_WORDS = {
    "5.1.1": "user unknown",
    "5.1.2": "domain not found",
    "5.1.10": "recipient address has a null MX",
    "5.2.1": "mailbox disabled",
    "5.2.2": "mailbox full",
    "4.2.2": "mailbox full",
    "5.2.3": "message too large",
    "5.4.4": "unable to route",
    "5.7.1": "delivery not authorized",
    "4.4.1": "no answer from host",
    "4.4.7": "delivery time expired",
}
_DEFECT_WORDS = {
    email_errors.NoBoundaryInMultipartDefect: "a multipart part has no boundary; read as text",
    email_errors.StartBoundaryNotFoundDefect: "the multipart boundary was never found",
    email_errors.CloseBoundaryNotFoundDefect: "the message ends without its closing boundary",
    email_errors.FirstHeaderLineIsContinuationDefect: "the first header line is a continuation",
    email_errors.MisplacedEnvelopeHeaderDefect: "a 'From ' envelope line is among the headers",
    email_errors.MissingHeaderBodySeparatorDefect: (
        "a header line is malformed; the rest was read as body"
    ),
    email_errors.MultipartInvariantViolationDefect: "a multipart part has no parts",
    email_errors.InvalidMultipartContentTransferEncodingDefect: (
        "a multipart part declares a content transfer encoding"
    ),
}


# -- charsets ------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def _codec(label: str | None) -> str | None:
    """The Python codec for a charset label, or None when it is unknown or not a text codec."""
    if not label:
        return None
    name = label.strip().strip("\"'").split("*", 1)[0].strip().lower()
    if not name:
        return None
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError):
        return None
    if info.name.replace("-", "_") in _REFUSED or not getattr(info, "_is_text_encoding", True):
        return None
    return info.name.replace("-", "_")


_BELOW_80 = bytes(range(0x80))
_BELOW_C0 = bytes(range(0xC0))
_BELOW_E0 = bytes(range(0xE0))
_NOT_ASCII_LETTERS = bytes(b for b in range(256) if not (0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A))


def _count_at_least(data: bytes, below: bytes) -> int:
    """How many bytes are not in ``below`` (translate deletes those, keeping the rest)."""
    return len(data.translate(None, below))


def _cyrillic_guess(data: bytes) -> str | None:
    """cp1251 or koi8-r when the bytes look like Cyrillic in one of them, else None.

    Cyrillic letters are bytes >= 0xC0 in both; lower case (the majority in prose) sits in
    0xE0-0xFF in windows-1251 and in 0xC0-0xDF in KOI8-R. Western European text has far fewer
    high bytes than ASCII letters, and random binary spreads over 0x80-0xBF as well.
    """
    high = _count_at_least(data, _BELOW_C0)
    if high < 3 or high < _count_at_least(data, _BELOW_80) * 0.8:
        return None
    letters = len(data.translate(None, _NOT_ASCII_LETTERS))
    if high < (high + letters) * 0.5:
        return None
    upper_half = _count_at_least(data, _BELOW_E0)
    return "cp1251" if upper_half * 2 >= high else "koi8_r"


def _mostly_utf8(data: bytes) -> bool:
    """True when the bytes are UTF-8 with a few damaged sequences (not another charset)."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    return good > bad * 2


def _decode(
    data: bytes,
    declared: str | None,
    what: str,
    notes: list[str],
    hint: str | None = None,
) -> str:
    """Bytes in a claimed charset -> text, never raising; what went wrong goes into notes."""
    if not data:
        return ""
    codec = _codec(declared)
    seven_bit_codec = codec in _SEVEN_BIT or (codec or "").startswith(("utf_16", "utf_32"))
    if data.isascii() and not seven_bit_codec:
        return data.decode("ascii")
    unknown = bool(declared) and codec is None
    label = (declared or "").strip().strip("\"'")
    guess = _cyrillic_guess(data) if codec in (None, "utf_8") or codec in _WESTERN else None
    hint_codec = _codec(hint)
    if hint_codec in _WESTERN:
        hint_codec = None

    # Candidates decoded strictly, in order; the first that fits wins.
    candidates: list[str]
    if codec in _WESTERN:
        # "iso-8859-1"/"us-ascii" on UTF-8 or windows-1251 text is common; valid UTF-8 is never
        # an accident, and Cyrillic is never mostly high bytes by accident. Latin-1 always fits.
        candidates = ["utf_8", *([guess] if guess else []), codec, "latin_1"]
    elif codec:
        candidates = [codec, *_VARIANTS.get(codec, ()), "utf_8"]
    else:
        candidates = ["utf_8", *([hint_codec] if hint_codec else []), *([guess] if guess else [])]
        candidates.append("cp1252")
    for index, candidate in enumerate(dict.fromkeys(candidates)):
        try:
            text = data.decode(candidate)
        except (UnicodeDecodeError, LookupError, ValueError):
            continue
        if unknown:
            notes.append(f"{what} charset {label!r} not known; decoded as {_pretty(candidate)}")
        elif not declared and index > 0:
            notes.append(f"{what} has no charset; decoded as {_pretty(candidate)}")
        elif declared and index > 0 and candidate == guess:
            notes.append(f"{what} is declared {label} but reads as {_pretty(candidate)}")
        elif declared and index > 0 and codec not in _WESTERN:
            notes.append(f"{what} is not valid {label}; decoded as {_pretty(candidate)}")
        return text

    # Nothing decodes cleanly: damaged text in the declared charset, damaged UTF-8, or a
    # single-byte charset guessed from the bytes.
    if codec and codec != "utf_8":
        text, used = data.decode(codec, "replace"), f"{_pretty(codec)} with replacement"
    elif _mostly_utf8(data):
        text, used = data.decode("utf-8", "replace"), "utf-8 with replacement"
    elif guess:
        text, used = data.decode(guess, "replace"), _pretty(guess)
    else:
        text, used = data.decode("cp1252", "replace"), "windows-1252 with replacement"
    if unknown:
        notes.append(f"{what} charset {label!r} not known; decoded as {used}")
    elif declared:
        notes.append(f"{what} is not valid {label}; decoded as {used}")
    else:
        notes.append(f"{what} has no charset; decoded as {used}")
    return text


def _pretty(codec: str) -> str:
    return {
        "utf_8": "utf-8",
        "cp1252": "windows-1252",
        "cp1251": "windows-1251",
        "cp1250": "windows-1250",
        "koi8_r": "koi8-r",
        "latin_1": "latin-1",
    }.get(codec, codec.replace("_", "-"))


def _raw_header_text(data: bytes, hint: str | None, what: str, notes: list[str]) -> str:
    """Raw 8-bit header bytes: UTF-8, the body's charset, a Cyrillic guess, cp1252, latin-1."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    tried: list[str] = []
    hint_codec = _codec(hint)
    if hint_codec and hint_codec not in _WESTERN:
        tried.append(hint_codec)
    guess = _cyrillic_guess(data)
    if guess and guess not in tried:
        tried.append(guess)
    tried.append("cp1252")
    for candidate in tried:
        try:
            text = data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
        notes.append(f"{what} has raw 8-bit bytes; decoded as {_pretty(candidate)}")
        return text
    notes.append(f"{what} has raw 8-bit bytes; decoded as latin-1")
    return data.decode("latin-1")


# -- headers -------------------------------------------------------------------------------


def _as_bytes(text: str) -> bytes:
    """The parser's str (ASCII + surrogate-escaped raw bytes) back to the bytes on the wire."""
    try:
        return text.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape")


def _b64decode(data: bytes) -> tuple[bytes, bool]:
    """Tolerant base64: (bytes, damaged)."""
    damaged = bool(_B64_BAD.search(data))
    try:
        return binascii.a2b_base64(data), damaged
    except (binascii.Error, ValueError):
        pass
    cleaned = _B64_JUNK.sub(b"", data)
    if len(cleaned) % 4 == 1:
        cleaned = cleaned[:-1]
    cleaned += b"=" * (-len(cleaned) % 4)
    try:
        return binascii.a2b_base64(cleaned), True
    except (binascii.Error, ValueError):
        return b"", True


def _word_bytes(encoding: str, text: str) -> bytes:
    raw = _as_bytes(text)
    if encoding in "bB":
        return _b64decode(raw)[0]
    return binascii.a2b_qp(raw, header=True)


def decode_header_value(
    value: str | None, hint: str | None = None, notes: list[str] | None = None, what: str = ""
) -> str:
    """An unfolded, decoded header value (RFC 2047 words and raw 8-bit bytes alike)."""
    if not value:
        return ""
    notes = notes if notes is not None else []
    value = _FOLD.sub("", value)
    if "=?" not in value:
        if value.isascii():
            return value.replace("\x00", "")
        return _raw_header_text(_as_bytes(value), hint, what or "a header", notes).replace(
            "\x00", ""
        )

    # Tokens: ("w", codec label, bytes) for encoded words, ("t", None, bytes) for plain text.
    tokens: list[tuple[str, str | None, bytes]] = []
    position = 0
    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        if between and not (between.isspace() and tokens and tokens[-1][0] == "w"):
            tokens.append(("t", None, _as_bytes(between)))
        charset = match.group(1).split("*", 1)[0]
        data = _word_bytes(match.group(2), match.group(3))
        if tokens and tokens[-1][0] == "w" and (tokens[-1][1] or "").lower() == charset.lower():
            tokens[-1] = ("w", tokens[-1][1], tokens[-1][2] + data)
        else:
            tokens.append(("w", charset, data))
        position = match.end()
    if value[position:]:
        tokens.append(("t", None, _as_bytes(value[position:])))

    pieces: list[str] = []
    for kind, charset, data in tokens:
        if kind == "t":
            if data.isascii():
                pieces.append(data.decode("ascii"))
            else:
                pieces.append(_raw_header_text(data, hint, what or "a header", notes))
        else:
            pieces.append(_decode(data, charset, f"{what or 'a header'}", notes, hint=hint))
    return "".join(pieces).replace("\x00", "")


def _clean_line(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _msg_ids(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    seen: list[str] = []
    for token in _MSG_ID.findall(value):
        ident = "<" + _WS.sub("", token) + ">"
        if len(ident) > 2 and ident not in seen:
            seen.append(ident)
    return tuple(seen)


def _message_id(value: str | None) -> str | None:
    ids = _msg_ids(value)
    if ids:
        return ids[0]
    token = (value or "").strip()
    if token and not any(ch.isspace() for ch in token) and len(token) < 250:
        return f"<{token}>"
    return None


def _date(value: str | None, notes: list[str]) -> datetime | None:
    if not value or not value.strip():
        return None
    try:
        when = parsedate_to_datetime(_clean_line(value))
    except (TypeError, ValueError, IndexError, OverflowError):
        notes.append(f"Date header {_clean_line(value)[:60]!r} is not a date; ignored")
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when


def _simple_address(value: str) -> tuple[str, str] | None:
    """`Name <a@b>` or `a@b` made of plain atoms, as getaddresses reads it (the common case,
    several times faster); None for anything else (quotes, comments, lists, groups)."""
    match = _SIMPLE_ADDRESS.fullmatch(value)
    if match is None:
        return None
    name, bracketed, bare = match.groups()
    if bare is not None:
        return ("", bare)
    return (" ".join((name or "").split()), bracketed)


def _addresses(
    raw_values: Iterable[str], hint: str | None, notes: list[str], what: str
) -> list[tuple[str, str]]:
    """(decoded display name, addr-spec) pairs; the header is split before it is decoded, so
    a decoded comma in a name does not split an address."""
    unfolded = [_FOLD.sub("", value) for value in raw_values if value]
    if not unfolded:
        return []
    # Encoded words may hide commas and quotes ("=?iso-8859-1?Q?M=FCller,_Jan?="): park them
    # as plain atoms while the list is split, and put them back before decoding.
    words: list[str] = []

    def park(match: re.Match[str]) -> str:
        words.append(match.group(0))
        return f"ewordparked{len(words) - 1}x"

    parked = [_ENCODED_WORD.sub(park, value) for value in unfolded]
    pairs = [pair for pair in map(_simple_address, parked) if pair is not None]
    if len(pairs) != len(parked):
        try:
            pairs = getaddresses(parked)
        except Exception:  # the parser has raised on hostile input before
            pairs = []
    result: list[tuple[str, str]] = []
    for name, addr in pairs:
        if not name and not addr:
            continue
        if words:
            name = _PARKED.sub(lambda m: words[int(m.group(1))], name)
            addr = _PARKED.sub(lambda m: words[int(m.group(1))], addr)
        name = _clean_line(decode_header_value(name, hint, notes, what)).strip("\"' ")
        addr = _clean_line(decode_header_value(addr, hint, notes, what)).strip("<>")
        result.append((name, addr))
    if not any("@" in addr for _, addr in result):
        text = decode_header_value(" ".join(unfolded), hint, notes, what)
        found = re.search(r"[^\s<>\"',;:()]+@[^\s<>\"',;:()]+", text)
        if found:
            result.insert(0, ("", found.group(0)))
    return result


def _raw_header(part: Message, name: str) -> str:
    for key, value in part.raw_items():
        if str(key).lower() == name:
            return value if isinstance(value, str) else str(value)
    return ""


def _split_params(value: str) -> list[tuple[str, str]]:
    """``type/sub; a=1; b="x;y"`` -> [("a", "1"), ("b", "x;y")], quotes and escapes undone."""
    pairs: list[tuple[str, str]] = []
    chunks: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for ch in value:
        if escaped:
            current.append(ch)
            escaped = False
        elif quoted and ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == ";" and not quoted:
            chunks.append("".join(current))
            current = []
        else:
            current.append(ch)
    chunks.append("".join(current))
    for chunk in chunks[1:]:
        name, sep, val = chunk.partition("=")
        if sep:
            pairs.append((name.strip().lower(), val.strip()))
    return pairs


def _params(value: str, hint: str | None, notes: list[str]) -> dict[str, str]:
    """Decoded parameters of a structured header: RFC 2231 (charset'lang'%XX, continuations),
    RFC 2047 words inside quotes (common, if illegal), raw 8-bit bytes."""
    value = _FOLD.sub("", value)
    plain: dict[str, str] = {}
    extended: dict[str, list[tuple[int, bool, str]]] = {}
    for name, val in _split_params(value):
        if "*" in name:
            base, _, rest = name.partition("*")
            index_text = rest.rstrip("*")
            index = int(index_text) if index_text.isdigit() else 0
            extended.setdefault(base, []).append((index, rest.endswith("*") or not rest, val))
        elif name not in plain:
            plain[name] = val
    result = {
        name: decode_header_value(val, hint, notes, f"{name} parameter").strip()
        for name, val in plain.items()
    }
    for base, segments in extended.items():
        segments.sort(key=lambda segment: segment[0])
        charset: str | None = None
        raw = b""
        for position, (_index, encoded, val) in enumerate(segments):
            if encoded:
                if position == 0 and val.count("'") >= 2:
                    charset, _language, val = val.split("'", 2)
                raw += unquote_to_bytes(_as_bytes(val))
            else:
                raw += _as_bytes(val)
        if charset:
            text = _decode(raw, charset, f"{base} parameter", notes)
        else:
            text = _raw_header_text(raw, hint, f"{base} parameter", notes) if raw else ""
        result[base] = decode_header_value(text, hint, notes).strip()
    return result


# -- bodies --------------------------------------------------------------------------------


def _raw_payload(part: Message) -> object:
    """The payload exactly as parsed: for a leaf, the wire bytes as surrogate-escaped str.

    ``get_payload()`` would already decode 8-bit text with the declared charset (and
    replacement characters), which is the very guess this module exists to make better.
    """
    return getattr(part, "_payload", None)


def _payload_bytes(part: Message) -> bytes:
    payload = _raw_payload(part)
    if isinstance(payload, str):
        return _as_bytes(payload)
    if isinstance(payload, bytes):
        return payload
    return b""


def _transfer_decode(part: Message, data: bytes, notes: list[str]) -> bytes:
    encoding = _raw_header(part, "content-transfer-encoding").strip().lower()
    encoding = encoding.strip("\"'")
    if encoding == "base64":
        decoded, damaged = _b64decode(data)
        if damaged:
            notes.append(
                f"base64 {part.get_content_type()} part was damaged; decoded what remained"
            )
        return decoded
    if encoding in ("quoted-printable", "quoted_printable"):
        try:
            return quopri.decodestring(data)
        except (ValueError, binascii.Error):
            notes.append("quoted-printable part was damaged; kept as it was")
            return data
    if encoding in ("x-uuencode", "uuencode", "x-uue"):
        decoded = _uudecode(data.decode("latin-1").splitlines())
        if decoded is None:
            notes.append("uuencoded part was damaged; kept as it was")
            return data
        return decoded
    if encoding and encoding not in ("7bit", "8bit", "binary", "7-bit", "8-bit", "none"):
        notes.append(f"content transfer encoding {encoding[:30]!r} not known; read as 8bit")
    return data


def _uudecode(lines: list[str]) -> bytes | None:
    out = bytearray()
    for line in lines:
        if not line.strip() or line.startswith(("begin ", "end")):
            continue
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:
            # Some encoders pad short lines badly; the length byte says how much is real.
            try:
                size = (ord(line[0]) - 32) & 63
                out += binascii.a2b_uu(line[: ((size + 2) // 3) * 4 + 1])
            except (binascii.Error, IndexError):
                return None
    return bytes(out)


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: join soft line breaks (a line ending in a space)."""
    out: list[str] = []
    current: str | None = None
    current_depth = -1
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        body = line[depth:]
        if body.startswith(" "):
            body = body[1:]  # space-stuffing
        flowed = body.endswith(" ") and body != "-- "
        if current is not None and depth == current_depth:
            current += body
        else:
            if current is not None:
                out.append(">" * current_depth + (" " if current_depth else "") + current)
            current, current_depth = body, depth
        if flowed:
            if delsp:
                current = current[:-1]
        else:
            out.append(">" * current_depth + (" " if current_depth else "") + current)
            current, current_depth = None, -1
    if current is not None:
        out.append(">" * current_depth + (" " if current_depth else "") + current)
    return "\n".join(out)


def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def html_to_text(markup: str) -> str:
    """HTML made readable: block structure, lists and tables kept; scripts and styles gone."""
    markup = markup.replace("\x00", "")
    if not markup.strip():
        return ""
    try:
        text = get_text(markup, _HTML_CONFIG)
    except ValueError:
        # lxml refuses str input that still carries an XML encoding declaration.
        try:
            text = get_text(re.sub(r"^\s*<\?xml[^>]*>", "", markup), _HTML_CONFIG)
        except Exception:
            text = _crude_html_text(markup)
    except Exception:
        text = _crude_html_text(markup)
    lines = [line.rstrip() for line in _normalise(text).split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")


def _crude_html_text(markup: str) -> str:
    markup = re.sub(r"(?is)<(script|style|head)\b.*?</\1\s*>", " ", markup)
    markup = re.sub(r"(?i)<\s*(br|/p|/div|/tr|/li|/h[1-6])\b[^>]*>", "\n", markup)
    return html_lib.unescape(re.sub(r"<[^>]*>", "", markup))


# -- the MIME tree -------------------------------------------------------------------------


class _Walk:
    """What one pass over a message tree collects."""

    def __init__(self, hint: str | None) -> None:
        self.hint = hint
        self.segments: list[str] = []  # readable text, in order
        self.html: str | None = None
        self.attachments: list[dict[str, object]] = []
        self.notes: list[str] = []
        self.forwarded: list[str] = []
        self.report = False
        self.bounced: list[str] = []
        self.reasons: list[str] = []
        self.params_cache: dict[tuple[int, str], dict[str, str]] = {}

    # - leaves -

    def param(self, part: Message, name: str, header: str = "content-type") -> str | None:
        key = (id(part), header)
        params = self.params_cache.get(key)
        if params is None:
            params = _params(_raw_header(part, header), self.hint, self.notes)
            self.params_cache[key] = params
        return params.get(name)

    def filename(self, part: Message) -> str | None:
        name = self.param(part, "filename", "content-disposition") or self.param(part, "name")
        return name.strip() if name and name.strip() else None

    def disposition(self, part: Message) -> str:
        value = _raw_header(part, "content-disposition")
        return value.split(";", 1)[0].strip().lower()

    def text_of(self, part: Message) -> str:
        data = _transfer_decode(part, _payload_bytes(part), self.notes)
        charset = self.param(part, "charset")
        if not charset and part.get_content_subtype() == "html":
            meta = _META_CHARSET.search(data[:4096])
            charset = meta.group(1).decode("ascii") if meta else None
        kind = "body" if part.get_content_subtype() == "plain" else f"{part.get_content_type()}"
        return _normalise(_decode(data, charset, kind, self.notes, hint=self.hint))

    def add_attachment(
        self,
        part: Message,
        data: bytes | None = None,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> None:
        if data is None:
            data = _transfer_decode(part, _payload_bytes(part), self.notes)
        cid = _raw_header(part, "content-id").strip()
        cid = decode_header_value(cid).strip().strip("<>").strip() or None
        self.attachments.append(
            {
                "filename": filename if filename is not None else self.filename(part),
                "content_type": content_type or part.get_content_type(),
                "data": data,
                "inline": self.disposition(part) == "inline",
                "content_id": cid,
            }
        )

    # - the walk -

    def walk(self, part: Message, depth: int, alternative_html_only: bool = False) -> None:
        for defect in getattr(part, "defects", ()) or ():
            self.notes.append(_defect_words(defect))
        try:
            self.leaf_or_branch(part, depth, alternative_html_only)
        except RecursionError:
            raise
        except Exception as error:  # one unreadable part must not cost the whole message
            name = type(error).__name__
            self.notes.append(f"a {part.get_content_type()} part could not be read ({name})")
            self.add_attachment(part, data=_safe_bytes(part), filename=None)

    def leaf_or_branch(self, part: Message, depth: int, alternative_html_only: bool) -> None:
        ctype = part.get_content_type()
        maintype = ctype.split("/", 1)[0]
        payload = _raw_payload(part)
        if depth > MAX_DEPTH:
            self.notes.append("MIME nesting too deep; inner parts kept as an attachment")
            self.add_attachment(
                part,
                data=_safe_bytes(part),
                filename="nested-parts.eml",
                content_type="message/rfc822",
            )
            return
        if maintype == "multipart" and isinstance(payload, list):
            self.multipart(part, ctype, payload, depth, alternative_html_only)
            return
        if ctype in ("message/rfc822", "message/global") or (
            maintype == "message"
            and isinstance(payload, list)
            and ctype != "message/delivery-status"
        ):
            self.nested_message(part, payload, depth)
            return
        if ctype in ("message/delivery-status", "message/global-delivery-status"):
            self.delivery_status(part, payload)
            return
        if ctype in ("text/rfc822-headers", "message/rfc822-headers"):
            data = _transfer_decode(part, _payload_bytes(part), self.notes)
            headers = _PARSER.parsebytes(data, headersonly=True)
            self.bounced.extend(_msg_ids(_raw_header(headers, "message-id")))
            self.add_attachment(part, data=data)
            return
        disposition = self.disposition(part)
        if maintype == "multipart":  # no parts: a broken multipart is read as text
            maintype, ctype = "text", "text/plain"
        if maintype == "text" and disposition != "attachment":
            subtype = ctype.split("/", 1)[1]
            if subtype == "html":
                markup = self.text_of(part)
                if self.html is None and markup.strip():
                    self.html = markup
                if not alternative_html_only:
                    self.segments.append(html_to_text(markup))
                return
            if subtype in ("plain", "enriched", "richtext") or ctype == "text/plain":
                if alternative_html_only:
                    return
                text = self.text_of(part)
                fmt = (self.param(part, "format") or "").lower()
                if fmt == "flowed":
                    delsp = (self.param(part, "delsp") or "").lower() == "yes"
                    text = _unflow(text, delsp)
                self.segments.append(self.extract_uuencoded(text))
                return
        self.add_attachment(part)

    def multipart(
        self, part: Message, ctype: str, children: list[Message], depth: int, html_only: bool
    ) -> None:
        if ctype == "multipart/alternative":
            self.alternative(children, depth, html_only)
            return
        if ctype == "multipart/report":
            report_type = (self.param(part, "report-type") or "").lower()
            has_status = any(
                child.get_content_type() == "message/delivery-status" for child in children
            )
            if report_type == "delivery-status" or (not report_type and has_status):
                self.report = True
        for child in children:
            if isinstance(child, Message):
                self.walk(child, depth + 1, html_only)

    def alternative(self, children: list[Message], depth: int, html_only: bool) -> None:
        parts = [child for child in children if isinstance(child, Message)]
        if not parts:
            return
        plain = [p for p in parts if p.get_content_type() == "text/plain"]
        chosen: Message | None = None
        for candidate in plain:
            text = self.probe_text(candidate)
            if text.strip():
                chosen = candidate
                break
        if chosen is None:
            rich = [p for p in parts if p.get_content_type() != "text/plain"]
            chosen = rich[-1] if rich else parts[-1]
        for child in parts:
            if child is chosen:
                self.walk(child, depth + 1, html_only)
            elif child.get_content_maintype() == "multipart" or (
                child.get_content_type() == "text/html"
            ):
                # The HTML alternative: kept as html, its images kept; its text not repeated.
                self.walk(child, depth + 1, alternative_html_only=True)
            elif child.get_content_type() != "text/plain":
                self.walk(child, depth + 1, html_only)

    def probe_text(self, part: Message) -> str:
        scratch: list[str] = []
        data = _transfer_decode(part, _payload_bytes(part), scratch)
        return _decode(data, self.param(part, "charset"), "body", scratch)

    def nested_message(self, part: Message, payload: object, depth: int) -> None:
        inner: Message | None = None
        if isinstance(payload, list) and payload and isinstance(payload[0], Message):
            inner = payload[0]
        encoding = _raw_header(part, "content-transfer-encoding").strip().lower()
        if inner is not None and encoding in ("base64", "quoted-printable"):
            # Illegal but seen: an encoded message/rfc822. Decode, then parse what it holds.
            raw = _transfer_decode(part, _safe_bytes(inner), self.notes)
            inner = _PARSER.parsebytes(raw)
        if inner is None:
            self.add_attachment(part, filename=self.filename(part) or "message.eml")
            return
        data = _safe_bytes(inner)
        self.add_attachment(
            part,
            data=data,
            filename=self.filename(part) or "message.eml",
            content_type="message/rfc822",
        )
        if self.report:
            self.bounced.extend(_msg_ids(_raw_header(inner, "message-id")))
        sub = _Walk(_body_charset(inner) or self.hint)
        sub.walk(inner, depth + 1)
        self.notes.extend(sub.notes)
        header_notes: list[str] = []
        frm = decode_header_value(_raw_header(inner, "from"), sub.hint, header_notes, "From")
        subject = decode_header_value(_raw_header(inner, "subject"), sub.hint, header_notes, "")
        date = _clean_line(_raw_header(inner, "date"))
        lines = [RETURNED_LINE if self.report else FORWARDED_LINE]
        if frm.strip():
            lines.append(f"From: {_clean_line(frm)}")
        if date:
            lines.append(f"Date: {date}")
        if subject.strip():
            lines.append(f"Subject: {_clean_line(subject)}")
        body = sub.text()
        self.forwarded.append("\n".join(lines) + ("\n\n" + body if body else ""))

    def delivery_status(self, part: Message, payload: object) -> None:
        blocks: list[Message] = []
        if isinstance(payload, list):
            blocks = [block for block in payload if isinstance(block, Message)]
        raw = _safe_bytes(part, body_only=True)
        encoding = _raw_header(part, "content-transfer-encoding").strip().lower()
        if encoding in ("base64", "quoted-printable") or not blocks:
            data = _transfer_decode(part, raw, self.notes)
            blocks = [
                _PARSER.parsebytes(chunk.strip() + b"\n", headersonly=True)
                for chunk in re.split(rb"\r?\n[ \t]*\r?\n", data)
                if chunk.strip()
            ]
            raw = data
        self.report = True
        for block in blocks:
            for name in ("original-message-id", "x-original-message-id"):
                self.bounced.extend(_msg_ids(_raw_header(block, name)))
            diagnostic = _clean_line(decode_header_value(_raw_header(block, "diagnostic-code")))
            status = _clean_line(_raw_header(block, "status"))
            action = _raw_header(block, "action").strip().lower()
            if diagnostic:
                kind, sep, rest = diagnostic.partition(";")
                reason = rest.strip() if sep and " " not in kind.strip() else diagnostic
            elif status:
                code = status.split()[0]
                words = _STATUS_WORDS.get(code)
                reason = status if "(" in status or not words else f"{status} ({words})"
            else:
                continue
            if action in ("failed", "delayed", "") or not self.reasons:
                self.reasons.append(reason)
        self.add_attachment(
            part, data=raw, filename=self.filename(part), content_type=part.get_content_type()
        )

    def extract_uuencoded(self, text: str) -> str:
        if "begin " not in text:
            return text

        def take(match: re.Match[str]) -> str:
            data = _uudecode(match.group(2).split("\n"))
            if data is None:
                return match.group(0)
            name = match.group(1).strip()
            self.attachments.append(
                {
                    "filename": name or None,
                    "content_type": _guess_type(name),
                    "data": data,
                    "inline": False,
                    "content_id": None,
                }
            )
            return ""

        return _UU_BLOCK.sub(take, text)

    # - results -

    def text(self) -> str:
        body = "\n\n".join(segment.strip("\n") for segment in self.segments if segment.strip())
        if self.forwarded:
            body = "\n\n".join(piece for piece in (body, *self.forwarded) if piece)
        lines = [line.rstrip() for line in body.split("\n")]
        return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")


def _guess_type(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _safe_bytes(message: Message, body_only: bool = False) -> bytes:
    """A parsed (sub)message back as bytes, as close to the original as the parser allows.

    compat32 keeps every header line and leaf body as it came (folding and raw bytes
    included), so writing them back out gives the original bytes, up to line endings and the
    MIME boundaries' surroundings; email.generator would refold every header, slowly.
    """
    try:
        text = _serialise(message, body_only, 0)
    except Exception:
        try:
            return message.as_bytes(policy=compat32)
        except Exception:
            return b""
    return text.encode("utf-8", "surrogateescape")


def _serialise(message: Message, body_only: bool, depth: int) -> str:
    if depth > 200:
        raise RecursionError("message nested too deeply to write out")
    out: list[str] = []
    if not body_only:
        for name, value in message.raw_items():
            out.append(f"{name}: {value}\n")
        out.append("\n")
    payload = _raw_payload(message)
    if isinstance(payload, str):
        out.append(payload)
    elif isinstance(payload, list):
        children = [child for child in payload if isinstance(child, Message)]
        boundary = message.get_boundary() if message.get_content_maintype() == "multipart" else None
        if boundary is not None:
            if message.preamble:
                out.append(message.preamble + "\n")
            for child in children:
                out.append(f"--{boundary}\n{_serialise(child, False, depth + 1)}\n")
            out.append(f"--{boundary}--\n")
            if message.epilogue:
                out.append(message.epilogue)
        else:
            out.append("\n".join(_serialise(child, False, depth + 1) for child in children))
    return "".join(out)


def _body_charset(message: Message) -> str | None:
    """The first meaningful charset declared anywhere in the message (a hint for raw headers)."""
    try:
        for part in message.walk():
            value = part.get_param("charset")
            if isinstance(value, tuple):
                value = value[2]
            codec = _codec(str(value)) if value else None
            if codec and codec not in _WESTERN and codec != "utf_8":
                return str(value)
    except Exception:
        return None
    return None


def _defect_words(defect: object) -> str:
    for kind, words in _DEFECT_WORDS.items():
        if isinstance(defect, kind):
            return words
    name = type(defect).__name__.removesuffix("Defect")
    return "MIME structure: " + re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower()


# -- the whole message ---------------------------------------------------------------------


def _headers(message: Message, hint: str | None, notes: list[str]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for name, value in message.raw_items():
        key = str(name).strip().lower()
        if key in headers or not key:
            continue
        text = value if isinstance(value, str) else str(value)
        headers[key] = _clean_line(decode_header_value(text, hint, notes, f"{name} header"))
    return headers


def _header_index(message: Message) -> dict[str, list[str]]:
    """Raw header values by lower-cased name, in order."""
    index: dict[str, list[str]] = {}
    for key, value in message.raw_items():
        index.setdefault(str(key).strip().lower(), []).append(
            value if isinstance(value, str) else str(value)
        )
    return index


def _parse(raw: bytes) -> ParsedMail:
    notes: list[str] = []
    message = _PARSER.parsebytes(raw)
    if not message.keys():
        return _unreadable(raw, "no headers found; the message is shown as raw text")
    hint = _body_charset(message)
    headers = _headers(message, hint, [])
    raw_headers = _header_index(message)

    def _all_values(_message: Message, name: str) -> list[str]:
        return raw_headers.get(name, [])

    def _first(_message: Message, name: str) -> str | None:
        values = raw_headers.get(name)
        return values[0] if values else None

    walk = _Walk(hint)
    walk.walk(message, 0)

    senders = _addresses(_all_values(message, "from"), hint, notes, "From header")
    if not senders:
        senders = _addresses(_all_values(message, "sender"), hint, notes, "Sender header")
    sender_name: str | None = None
    sender_address: str | None = None
    if senders:
        name, addr = next(((n, a) for n, a in senders if "@" in a), senders[0])
        sender_name = name or None
        sender_address = addr.lower() or None
    reply = _addresses(_all_values(message, "reply-to"), hint, notes, "Reply-To header")
    to = _addresses(_all_values(message, "to"), hint, notes, "To header")
    cc = _addresses(_all_values(message, "cc"), hint, notes, "Cc header")

    subject = _clean_line(decode_header_value(_first(message, "subject"), hint, notes, "Subject"))
    date = _date(_first(message, "date"), notes)
    text = walk.text()
    html = walk.html

    cids = {cid.lower() for cid in _CID.findall(html or "")}
    attachments = tuple(
        ParsedAttachment(
            filename=entry["filename"],  # type: ignore[arg-type]
            content_type=str(entry["content_type"]),
            data=entry["data"],  # type: ignore[arg-type]
            inline=bool(entry["inline"])
            or (entry["content_id"] is not None and str(entry["content_id"]).lower() in cids),
            content_id=entry["content_id"],  # type: ignore[arg-type]
        )
        for entry in walk.attachments
    )

    bounced = list(walk.bounced)
    for name in ("original-message-id", "x-original-message-id"):
        bounced.extend(_msg_ids(headers.get(name)))
    is_report = walk.report
    if not bounced and sender_address and _is_daemon(sender_address):
        # An old-style bounce: the returned message's headers pasted into the text.
        bounced.extend(_TEXT_MSGID_LINE.findall(text))
    own_id = _message_id(_first(message, "message-id"))
    bounced_ids = tuple(dict.fromkeys(ident for ident in bounced if ident != own_id))

    return ParsedMail(
        message_id=own_id,
        in_reply_to=_msg_ids(_first(message, "in-reply-to")),
        references=_msg_ids(" ".join(_all_values(message, "references"))),
        subject=subject,
        sender_name=sender_name,
        sender_address=sender_address,
        reply_to=next((a.lower() for _, a in reply if "@" in a), None),
        to=tuple(a.lower() for _, a in to if a),
        cc=tuple(a.lower() for _, a in cc if a),
        date=date,
        text=text,
        html=html,
        attachments=attachments,
        headers=headers,
        bounced_message_ids=bounced_ids,
        bounce_reason=walk.reasons[0] if walk.reasons else None,
        defects=tuple(dict.fromkeys([*notes, *walk.notes])),
        is_delivery_report=is_report,
    )


def _is_daemon(address: str) -> bool:
    return address.split("@", 1)[0].lower() in _DAEMON_LOCALPARTS


def _unreadable(raw: bytes, why: str) -> ParsedMail:
    notes: list[str] = [why] if raw else ["the message is empty"]
    try:
        text = _normalise(_decode(raw, None, "the raw message", notes)).strip("\n")
    except Exception:
        text = raw.decode("latin-1").replace("\x00", "")
    return ParsedMail(
        message_id=None,
        in_reply_to=(),
        references=(),
        subject=UNREADABLE_SUBJECT,
        sender_name=None,
        sender_address=None,
        reply_to=None,
        to=(),
        cc=(),
        date=None,
        text=text,
        html=None,
        attachments=(),
        defects=tuple(dict.fromkeys(notes)),
    )


def unreadable_mail(raw: bytes, why: str) -> ParsedMail:
    """The message as raw text with `why` among its defects, without parsing its MIME
    structure (for mail that made the parser itself fail)."""
    return _unreadable(bytes(raw), why)


def parse_message(raw: bytes) -> ParsedMail:
    """Parse one email. Never raises: unreadable input still comes back, with defects."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raw = str(raw).encode("utf-8", "replace")
    raw = bytes(raw)
    try:
        return _parse(raw)
    except RecursionError:
        return _unreadable(raw, "the MIME structure is nested too deeply to read")
    except Exception as error:  # the last line of defence: a stored message is never lost
        return _unreadable(raw, f"the message could not be parsed ({type(error).__name__})")
