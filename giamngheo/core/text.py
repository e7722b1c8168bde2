"""Diacritics-insensitive text, so that "nguyen van a" finds "Nguyễn Văn A"."""

from __future__ import annotations

import unicodedata

# đ/Đ are letters of their own, not a d with a combining mark: NFD leaves them alone.
_D_TABLE = str.maketrans({"đ": "d", "Đ": "d"})


def fold(text: str | None) -> str:
    """Lower-case, strip Vietnamese diacritics and collapse white space.

    >>> fold("  Nguyễn   Văn Ánh ĐỨC ")
    'nguyen van anh duc'
    """
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_TABLE))
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    return " ".join(stripped.lower().split())


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
