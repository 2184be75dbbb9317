"""Share tables as published: tidy rows with labels, disclosure flags and footnotes.

One tidy CSV per table, full precision and machine-readable: ``estimate, se, ci_low,
ci_high, n, n_weighted, n_eff, deff, flag, mark`` beside the identifiers (table,
indicator, breakdown, domain, level) and their labels. A suppressed cell keeps its row but
none of its numbers. The workbook (`surveykit.publish.workbook`) and the report read these
rows, so every output shows the same cells the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from surveykit.estimation.share_tables import MARK_HIGHER, MARK_LOWER, ShareTable
from surveykit.publish.disclosure import SYMBOLS, disclosure_flags
from surveykit.publish.labels import Labels
from surveykit.publish.safe_text import neutralise_frame, restore_frame

__all__ = [
    "COLUMNS",
    "TEST_COLUMNS",
    "PublishedTable",
    "footnotes",
    "publish_rows",
    "write_csv",
]

#: Columns of a table's tidy CSV, in order.
COLUMNS = ["table", "indicator", "indicator_label", "kind", "breakdown", "breakdown_label",
           "domain", "domain_label", "level", "level_label", "estimate", "se", "ci_low",
           "ci_high", "n", "n_weighted", "n_eff", "deff", "deff_form", "difference",
           "difference_se", "p_value", "p_adjusted", "mark", "flag", "symbol"]
#: Columns of the tests CSV.
TEST_COLUMNS = ["table", "indicator", "breakdown", "method", "statistic", "ndf", "ddf",
                "p_value"]
#: Numbers a suppressed cell must not show.
HIDDEN = ["estimate", "se", "ci_low", "ci_high", "n", "n_weighted", "n_eff", "deff",
          "difference", "difference_se", "p_value", "p_adjusted"]
SEPARATOR = " × "


@dataclass(frozen=True)
class PublishedTable:
    """A named table ready to publish: tidy rows, tests and what its footnotes must say.

    ``interval`` is the interval method of its proportions (``"t"`` for means only);
    ``notes`` are its footnotes (symbols and marks explained).
    """

    id: str
    title: str
    rows: pd.DataFrame
    tests: pd.DataFrame
    population: str = ""
    interval: str = "logit"
    notes: list[str] = field(default_factory=list)


def _joined(values: Sequence[Any]) -> str:
    return SEPARATOR.join(str(v) for v in values)


def publish_rows(table_id: str, share: ShareTable, labels: Labels, min_cell_n: int,
                 reliability_n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tidy rows (with flags, suppressed numbers blanked) and the test row of a share
    table."""
    cells = share.cells.copy()
    by = list(share.by)
    flags = disclosure_flags(cells, by, min_cell_n, reliability_n)
    rows = pd.DataFrame({
        "table": table_id,
        "indicator": share.indicator,
        "indicator_label": labels.concept(share.indicator),
        "kind": share.kind,
        "breakdown": _joined(by),
        "breakdown_label": _joined(labels.concept(name) for name in by),
        "domain": [_joined(row) for row in cells[by].itertuples(index=False, name=None)]
        if by else "",
        "domain_label": [_joined(labels.level(name, value) for name, value in
                                 zip(by, row, strict=True))
                         for row in cells[by].itertuples(index=False, name=None)]
        if by else "",
        "level": cells["level"].astype(str),
        "level_label": [labels.level(share.indicator, level) if share.kind not in (
            "numeric", "scale") else "" for level in cells["level"]],
    }, index=cells.index)
    for column in ["estimate", "se", "ci_low", "ci_high", "n", "n_weighted", "n_eff",
                   "deff", "difference", "difference_se", "p_value", "p_adjusted", "mark"]:
        rows[column] = cells[column] if column in cells.columns else (
            "" if column == "mark" else np.nan)
    rows["deff_form"] = share.deff_form
    rows["flag"] = flags
    rows["symbol"] = flags.map(SYMBOLS)
    hidden = flags.str.startswith("suppressed").to_numpy()
    rows.loc[hidden, HIDDEN] = np.nan
    rows.loc[hidden, "mark"] = ""
    rows["n"] = rows["n"].astype("Int64")
    tests = pd.DataFrame(columns=TEST_COLUMNS)
    if share.test is not None:
        tests = pd.DataFrame([{"table": table_id, "indicator": share.indicator,
                               "breakdown": _joined(by), **share.test}])[TEST_COLUMNS]
    return rows[COLUMNS], tests


def footnotes(rows: pd.DataFrame, correction: str, alpha: float, min_cell_n: int,
              reliability_n: int, language: str = "de") -> list[str]:
    """The footnotes a table needs: its symbols and marks explained, in the language."""
    flags = set(rows["flag"])
    marks = set(rows["mark"])
    notes = []
    method = {"holm": "Holm", "bh": "Benjamini-Hochberg", "none": ""}.get(correction, "")
    alpha_text = f"{alpha:g}".replace(".", ",") if language == "de" else f"{alpha:g}"
    if language == "de":
        if flags & {"suppressed", "suppressed_secondary"}:
            notes.append(f"/ Zahlenwert nicht sicher genug: Basis unter {min_cell_n} "
                         "Befragten (oder zum Schutz einer solchen Zelle ausgeblendet).")
        if "limited" in flags:
            notes.append(f"( ) Aussagewert eingeschränkt: Basis unter {reliability_n} "
                         "Befragten.")
        if marks & {MARK_HIGHER, MARK_LOWER}:
            correction_text = f", {method}-korrigiert über die Zellen der Tabelle" \
                if method else ""
            notes.append(f"{MARK_HIGHER}/{MARK_LOWER} signifikant höher/niedriger als in der "
                         f"übrigen Bevölkerung (p < {alpha_text}{correction_text}).")
    else:
        if flags & {"suppressed", "suppressed_secondary"}:
            notes.append(f"/ Not reliable enough: base below {min_cell_n} respondents (or "
                         "hidden to protect such a cell).")
        if "limited" in flags:
            notes.append(f"( ) Limited reliability: base below {reliability_n} respondents.")
        if marks & {MARK_HIGHER, MARK_LOWER}:
            correction_text = f", {method}-corrected across the cells of the table" \
                if method else ""
            notes.append(f"{MARK_HIGHER}/{MARK_LOWER} significantly higher/lower than in the "
                         f"rest of the population (p < {alpha_text}{correction_text}).")
    return notes


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """A tidy table as CSV: UTF-8, full precision, ``\\n`` line ends, text made inert."""
    neutralise_frame(frame).to_csv(path, index=False, lineterminator="\n",
                                   float_format="%.17g")


#: Identifier and label columns of the published CSVs: always text ("0" is a level).
_TEXT_COLUMNS = {"table", "indicator", "indicator_label", "kind", "breakdown",
                 "breakdown_label", "domain", "domain_label", "level", "level_label",
                 "deff_form", "mark", "flag", "symbol", "item", "item_label", "quadrant",
                 "parameter", "model", "variable", "contrast", "x", "x_value", "hue",
                 "hue_value", "method"}


def read_published_csv(path: str | Path) -> pd.DataFrame | None:
    """A published CSV: text columns keep empty strings, numeric columns become numbers
    (an empty cell — a suppressed value — becomes NaN)."""
    path = Path(path)
    if not path.is_file():
        return None
    frame = restore_frame(pd.read_csv(path, keep_default_na=False, dtype=str))
    for column in frame.columns:
        if column in _TEXT_COLUMNS:
            continue
        numbers = pd.to_numeric(frame[column].replace("", None), errors="coerce")
        if numbers.notna().sum() == (frame[column] != "").sum():
            frame[column] = numbers
    return frame
