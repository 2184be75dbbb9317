"""Mojibake: text whose bytes were decoded with the wrong character encoding.

The common case in survey files is UTF-8 read as Latin-1 or Windows-1252 (an old habit of
SPSS exports and Excel): "Größenbach" becomes "GrÃ¶ÃŸenbach". Such text is exactly
recognisable: encoded back with the encoding it was wrongly read with, it gives valid UTF-8
that differs from it. Genuine Latin-1 or Windows-1252 text practically never does (a letter
such as "ö" followed by a continuation byte is not German or any other language), so this
round trip, unlike a general-purpose guesser (``ftfy``, ``charset-normalizer``), gives no
false alarm on correct text and needs no extra dependency.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["GARBLING_ENCODINGS", "Garbled", "excerpt", "find_garbled", "repaired"]

#: Encodings that UTF-8 text is wrongly read with (Windows-1252 first: it maps more bytes).
GARBLING_ENCODINGS = ("cp1252", "latin-1")


def repaired(text: str, read_as: Iterable[str] = GARBLING_ENCODINGS) -> str | None:
    """The text as it was meant, if it is UTF-8 read as one of ``read_as``, else ``None``."""
    if text.isascii():
        return None
    for encoding in read_as:
        try:
            meant = text.encode(encoding).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError, LookupError):
            continue
        if meant != text:
            return meant
    return None


class Garbled:
    """Where garbled text was seen: ``where`` (e.g. "the label of variable 'ort'"), the text
    as read and as it was meant."""

    def __init__(self, where: str, seen: str, meant: str) -> None:
        self.where, self.seen, self.meant = where, seen, meant

    def describe(self) -> str:
        """``where: '…seen…' (meant: '…meant…')``: the stretch around the first garbled
        character, cut to a readable length."""
        return f"{self.where}: {excerpt(self.seen)} (meant: {excerpt(self.meant)})"


def excerpt(text: str, width: int = 40) -> str:
    """``repr`` of the stretch of ``text`` around its first non-ASCII character."""
    first = next((i for i, char in enumerate(text) if not char.isascii()), 0)
    start = max(0, first - 12)
    part = text[start:start + width]
    return ("…" if start else "") + repr(part) + ("…" if start + width < len(text) else "")


def find_garbled(texts: Iterable[tuple[str, object]],
                 read_as: Iterable[str] = GARBLING_ENCODINGS) -> Garbled | None:
    """The first of ``(where, text)`` pairs that is mojibake, or ``None``."""
    encodings = tuple(read_as)
    for where, text in texts:
        if not isinstance(text, str):
            continue
        meant = repaired(text, encodings)
        if meant is not None:
            return Garbled(where, text, meant)
    return None
