"""Declarative recodes: value maps, bins and reverse-coding.

These are the only ways a config can change values; each is data, never code. A value that
a recode does not cover is reported with its row, so a data manager can fix the map.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from surveykit._core.codes import code_key, format_code
from surveykit._core.errors import DataError

__all__ = ["apply_bins", "apply_map", "code_key", "format_code", "reverse_code", "unmapped_error"]


def unmapped_error(
    where: str, variable: str, values: pd.Series, unmapped: np.ndarray, fix: str
) -> DataError:
    """A `DataError` naming the first unmapped value, its row and how many rows share it."""
    rows = np.flatnonzero(unmapped)
    first = rows[0]
    value = values.iloc[first]
    distinct = sorted({format_code(v) for v in values[unmapped]})
    shown = ", ".join(distinct[:8]) + (" …" if len(distinct) > 8 else "")
    return DataError(
        f"{where}: variable {variable!r} has the value {format_code(value)!r} in data row "
        f"{first + 1} ({len(rows)} rows with values not covered: {shown}); {fix}"
    )


def apply_map(values: pd.Series, mapping: Mapping[Any, Any]) -> tuple[pd.Series, np.ndarray]:
    """Map codes to targets.

    Returns
    -------
    mapped, unmapped
        The mapped values (NA where missing or unmapped) and a mask of non-missing values that
        the map does not cover.
    """
    lookup = {code_key(k): v for k, v in mapping.items()}
    # Work on the distinct values only: a survey has few codes but may have a million rows.
    positions, uniques = pd.factorize(values, use_na_sentinel=True)
    keys = [code_key(u) for u in uniques]
    targets = np.array([lookup.get(k) for k in keys] + [None], dtype=object)
    covered = np.array([k in lookup for k in keys] + [True], dtype=bool)
    present = positions >= 0
    unmapped = present & ~covered[positions]
    mapped = targets[positions]
    mapped[unmapped] = None
    return pd.Series(mapped, index=values.index, dtype=object), unmapped


def _edge(value: Any) -> float:
    if isinstance(value, str):
        return -math.inf if value.strip().startswith("-") else math.inf
    return float(value)


def apply_bins(
    values: pd.Series, breaks: Sequence[Any], labels: Sequence[str], right: bool = False
) -> tuple[pd.Series, np.ndarray]:
    """Cut a numeric variable into labelled bins (``[a, b)`` unless ``right``).

    Returns the binned values and a mask of non-missing values outside every bin.
    """
    numeric = pd.to_numeric(values, errors="coerce")
    edges = [_edge(b) for b in breaks]
    binned = pd.cut(numeric, bins=edges, labels=list(labels), right=right)
    outside = numeric.notna().to_numpy(dtype=bool) & binned.isna().to_numpy(dtype=bool)
    return binned.astype(object).where(~outside & numeric.notna(), None), outside


def reverse_code(values: pd.Series, low: float, high: float) -> pd.Series:
    """Reverse a scale: ``x → low + high − x`` (1…5 becomes 5…1)."""
    return (low + high) - pd.to_numeric(values, errors="coerce")
