"""Declarative recodes: value maps, bins and reverse-coding.

These are the only ways a config can change values; each is data, never code. A value that
a recode does not cover is reported with its row, so a data manager can fix the map.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from surveykit._core.codes import code_key, format_code
from surveykit._core.errors import DataError

__all__ = ["MappedCodes", "apply_bins", "apply_map", "code_key", "format_code", "map_codes",
           "reverse_code", "unmapped_error"]


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


@dataclass(frozen=True)
class MappedCodes:
    """A map applied to the distinct values of a variable, not to its rows.

    Attributes
    ----------
    positions
        Per row, its distinct value (an index into ``targets``); ``-1`` where missing.
    targets
        Per distinct value, its target, ``None`` where the map does not cover it; one more
        ``None`` at the end, which ``positions == -1`` picks.
    unmapped
        Per row: present, but the map does not cover its value.
    """

    positions: np.ndarray
    targets: np.ndarray
    unmapped: np.ndarray

    def rows(self) -> np.ndarray:
        """Every row's target (an object array, ``None`` where missing or unmapped)."""
        return self.targets[self.positions]


def map_codes(values: pd.Series, mapping: Mapping[Any, Any]) -> MappedCodes:
    """Map codes to targets once per distinct value.

    A survey has few codes but may have a million rows: the map is looked up for each
    distinct value and the rows only carry their value's position, so that callers can
    turn the targets into levels or flags without touching a million Python objects.
    """
    lookup = {code_key(k): v for k, v in mapping.items()}
    positions, uniques = pd.factorize(values, use_na_sentinel=True)
    keys = [code_key(u) for u in uniques]
    targets = np.array([lookup.get(k) for k in keys] + [None], dtype=object)
    covered = np.array([k in lookup for k in keys] + [True], dtype=bool)
    unmapped = (positions >= 0) & ~covered[positions]
    return MappedCodes(positions, targets, unmapped)


def apply_map(values: pd.Series, mapping: Mapping[Any, Any]) -> tuple[pd.Series, np.ndarray]:
    """Map codes to targets.

    Returns
    -------
    mapped, unmapped
        The mapped values (NA where missing or unmapped) and a mask of non-missing values that
        the map does not cover.
    """
    codes = map_codes(values, mapping)
    return pd.Series(codes.rows(), index=values.index, dtype=object), codes.unmapped


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
