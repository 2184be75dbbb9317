"""Sorted codes of integer values by counting over their range instead of hashing.

``pd.factorize(values, sort=True)`` hashes every value and then sorts the distinct ones; for
integers that span a small range (design ids, level codes, ``C(x)`` of a coded variable) a
count over the range gives the same codes several times faster — at a million respondents
a few milliseconds instead of 10–15.
"""

from __future__ import annotations

import numpy as np

__all__ = ["dense_span", "distinct_integers", "sorted_integer_codes"]

#: Integer values spanning at most this many times their count (plus 2¹⁶) are counted over
#: their range; wider ones are left to a hash table.
DENSE_SPAN = 4


def dense_span(values: np.ndarray) -> tuple[int, int] | None:
    """``(minimum, span)`` of integer values whose range is small enough to count over;
    None for other dtypes, empty or widely spread values."""
    if values.dtype.kind not in "iu" or not len(values):
        return None
    low, high = int(values.min()), int(values.max())
    span = high - low + 1
    return (low, span) if span <= DENSE_SPAN * len(values) + (1 << 16) else None


def _shifted(values: np.ndarray, low: int) -> np.ndarray:
    return (values - low).astype(np.intp) if low else values.astype(np.intp, copy=False)


def sorted_integer_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``pd.factorize(values, sort=True)`` for integers of a small range: codes (int64,
    0 … k−1 in the order of the values) and the k distinct values, sorted; None where the
    values are not such integers."""
    dense = dense_span(values)
    if dense is None:
        return None
    low, span = dense
    shifted = _shifted(values, low)
    present = np.bincount(shifted, minlength=span) > 0
    codes = (np.cumsum(present) - 1)[shifted]
    return codes.astype(np.int64, copy=False), (np.flatnonzero(present) + low).astype(
        values.dtype)


def distinct_integers(values: np.ndarray) -> np.ndarray | None:
    """The distinct values of integers of a small range, sorted; None otherwise."""
    dense = dense_span(values)
    if dense is None:
        return None
    low, span = dense
    return (np.flatnonzero(np.bincount(_shifted(values, low), minlength=span)) + low).astype(
        values.dtype)
