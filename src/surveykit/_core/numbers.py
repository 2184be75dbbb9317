"""Numbers as readers expect them: German conventions by default, English on request.

German: decimal comma, "45 %" with a space before the percent sign, thousands separated by
a point ("2.377"); English: "45%", "2,377". Every layer that writes a number into a
sentence (the strategy rules, the tables, the figures, the report) uses these functions, so
a number reads the same everywhere.
"""

from __future__ import annotations

import math

__all__ = [
    "format_count",
    "format_interval",
    "format_number",
    "format_percent",
    "format_pp",
]


def format_number(value: float, decimals: int = 1, language: str = "de") -> str:
    """``3.14159`` → ``"3,1"`` (de) or ``"3.1"`` (en); NaN → ``"–"``."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    if language == "de":
        text = text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")
    return text


def format_count(value: float, language: str = "de") -> str:
    """``2377`` → ``"2.377"`` (de) or ``"2,377"`` (en)."""
    return format_number(float(value), 0, language)


def format_percent(share: float, decimals: int = 0, language: str = "de") -> str:
    """A share as a percentage: ``0.452`` → ``"45 %"`` (de) or ``"45%"`` (en)."""
    number = format_number(share * 100, decimals, language)
    return f"{number} %" if language == "de" else f"{number}%"


def format_pp(difference: float, decimals: int = 0, language: str = "de") -> str:
    """A difference of shares in percentage points, signed: ``"+12 Pp."`` / ``"+12 pp"``."""
    number = format_number(abs(difference) * 100, decimals, language)
    sign = "+" if difference > 0 else ("−" if difference < 0 else "±")
    return f"{sign}{number} {'Pp.' if language == 'de' else 'pp'}"


def format_interval(low: float, high: float, decimals: int = 0, language: str = "de",
                    percent: bool = True) -> str:
    """``"35–41 %"`` (de) / ``"35–41%"`` (en), or plain numbers without ``percent``."""
    scale = 100 if percent else 1
    text = (f"{format_number(low * scale, decimals, language)}–"
            f"{format_number(high * scale, decimals, language)}")
    if not percent:
        return text
    return f"{text} %" if language == "de" else f"{text}%"
