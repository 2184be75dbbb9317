"""Text from data or config is never markup and never a formula.

A label or value that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
would run as a formula when a CSV or XLSX output is opened in a spreadsheet (OWASP "CSV
injection"); such text gets a leading apostrophe. A number written as text ("-1.5") is
left alone: a spreadsheet reads it as the number it is. Every CSV the workflow writes goes
through `write_inert_csv` (or `neutralise_frame`), every workbook cell through
`neutralise`. HTML escaping is Jinja2's autoescape, not done here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["FORMULA_STARTS", "neutralise", "neutralise_frame", "restore", "restore_frame",
           "write_inert_csv"]

#: OWASP's list, and a line feed: a carriage return is written as one (`neutralise_frame`).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def neutralise(value: Any) -> Any:
    """A text value made inert for spreadsheets; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def restore(value: Any) -> Any:
    """The text `neutralise` was given, from what it returned (for steps that read a
    published CSV back: a strategy's domain '+Eichenrode' must match the table's row)."""
    if isinstance(value, str) and value.startswith("'") and value[1:] != neutralise(value[1:]):
        return value[1:]
    return value


def restore_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A table read back from an inert CSV, its text cells as they were before."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].map(restore)
    out.columns = [restore(c) if isinstance(c, str) else c for c in out.columns]
    return out


def _one_line_end(value: Any) -> Any:
    """A carriage return as a line feed: CSV writers quote a field with ``\\n`` but not
    one with a lone ``\\r`` when lines end in ``\\n``, and the row would break there."""
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Every text cell (and column name) of a table made inert (and a carriage return in
    it a line feed, so the CSV row stays whole)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column].dtype):
            out[column] = out[column].map(lambda v: _one_line_end(neutralise(v)))
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def write_inert_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write ``frame`` as the workflow's CSVs are written (no index, ``\\n`` line ends,
    UTF-8), every text cell made inert first."""
    neutralise_frame(frame).to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
