"""Human-readable codebook listing for ``surveykit inspect``."""

from __future__ import annotations

import pandas as pd

from surveykit.data.io import Codebook

__all__ = ["codebook_summary", "format_codebook"]


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def codebook_summary(data: pd.DataFrame, codebook: Codebook) -> list[dict]:
    """Per variable: name, label, type, measure, value labels, missing codes, % missing.

    % missing counts empty cells and declared user-missing codes together.
    """
    rows = []
    for variable in codebook:
        values = data[variable.name]
        missing = values.isna().to_numpy() | variable.user_missing_mask(values)
        rows.append({
            "name": variable.name,
            "label": variable.label,
            "type": variable.type,
            "measure": variable.measure,
            "value_labels": dict(variable.value_labels),
            "missing_codes": variable.describe_missing(),
            "percent_missing": round(100 * float(missing.mean()), 2) if len(values) else 0.0,
        })
    return rows


def format_codebook(data: pd.DataFrame, codebook: Codebook) -> str:
    """The codebook as plain text, one block per variable."""
    summary = codebook_summary(data, codebook)
    lines = [
        f"{codebook.source}: {len(data)} rows, {len(codebook)} variables"
        + (f", encoding {codebook.encoding}" if codebook.encoding else ""),
    ]
    if codebook.file_label:
        lines.append(f"file label: {codebook.file_label}")
    lines.append("")
    width = max((len(r["name"]) for r in summary), default=4)
    for row in summary:
        missing = ", ".join(row["missing_codes"]) or "-"
        lines.append(
            f"{row['name']:<{width}}  {_short(row['label'] or '(no label)', 50):<50}  "
            f"{row['type']:<7} {row['measure']:<8} missing codes: {missing:<18} "
            f"{row['percent_missing']:6.2f} % missing"
        )
        for code, label in row["value_labels"].items():
            lines.append(f"{'':<{width}}    {code!s:>6} = {label}")
    return "\n".join(lines) + "\n"
