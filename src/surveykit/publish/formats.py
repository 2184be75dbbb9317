"""Numbers as readers expect them: German conventions by default, English on request.

German: decimal comma, a thin space-free "45 %" with a space before the percent sign,
thousands separated by a point ("2.377"); English: "45%", "2,377". Spreadsheets get cell
number formats instead (`EXCEL_FORMATS`), which Excel shows with the reader's own
separators. The functions live in `surveykit._core.numbers` (the strategy rules, below this
layer, write numbers too) and are re-exported here.
"""

from __future__ import annotations

from surveykit._core.numbers import (
    format_count,
    format_interval,
    format_number,
    format_percent,
    format_pp,
)

__all__ = [
    "EXCEL_FORMATS",
    "format_count",
    "format_interval",
    "format_number",
    "format_percent",
    "format_pp",
]

#: Cell number formats of the workbook (Excel localises the separators).
EXCEL_FORMATS = {
    "percent": "0.0",               # shares are stored in percent: 45.2 → "45,2"
    "percent_limited": '"("0.0")"',  # limited reliability: "(45,2)"
    "count": "#,##0",
    "decimal": "0.00",
    "decimal_limited": '"("0.00")"',
    "pvalue": "0.000",
}
