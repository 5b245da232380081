from __future__ import annotations

import pytest

from supportdesk.core.filenames import safe_filename


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("faktura.pdf", "faktura.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\ann\\umowa.docx", "umowa.docx"),
        ("..", "attachment"),
        ("", "attachment"),
        (None, "attachment"),
        (".bashrc", "bashrc"),
        ("con.txt", "attachment_con.txt"),
        ("a\x1b[31mb\x00c?.txt", "abc_.txt"),
        ("invoice\u202egpj.exe", "invoicegpj.exe"),
        ("  spaced   out  .pdf ", "spaced out .pdf"),
        ("Счёт №12.pdf", "Счёт №12.pdf"),
    ],
)
def test_safe_filename(given: str | None, safe: str) -> None:
    assert safe_filename(given) == safe


def test_long_names_keep_their_extension() -> None:
    name = safe_filename("x" * 400 + ".pdf")
    assert len(name) == 150 and name.endswith(".pdf")
