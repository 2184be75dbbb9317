"""Sorted codes of integer values by counting over their range instead of hashing.

``pd.factorize(values, sort=True)`` hashes every value and then sorts the distinct ones; for
integers that span a small range (design ids, level codes, ``C(x)`` of a coded variable) a
count over the range gives the same codes several times faster — at a million respondents
a few milliseconds instead of 10–15.
"""

from __future__ import annotations

import numpy as np

__all__ = ["dense_span", "distinct_integers", "first_and_inverse", "present_in_span",
           "sorted_integer_codes"]

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


def present_in_span(shifted: np.ndarray, span: int) -> np.ndarray:
    """Which of ``0 … span−1`` occur in ``shifted`` (intp values in that range).

    A scatter of ``True`` rather than ``np.bincount(...) > 0``: counting adds to the same
    bin again and again where the values are sorted (design ids usually are), and each add
    waits for the one before; a store does not. At a million sorted ids 2 ms instead of 4.
    """
    present = np.zeros(span, dtype=bool)
    present[shifted] = True
    return present


def sorted_integer_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``pd.factorize(values, sort=True)`` for integers of a small range: codes (int64,
    0 … k−1 in the order of the values) and the k distinct values, sorted; None where the
    values are not such integers."""
    dense = dense_span(values)
    if dense is None:
        return None
    low, span = dense
    shifted = _shifted(values, low)
    present = present_in_span(shifted, span)
    codes = np.take(np.cumsum(present) - 1, shifted)
    return codes.astype(np.int64, copy=False), (np.flatnonzero(present) + low).astype(
        values.dtype)


def distinct_integers(values: np.ndarray) -> np.ndarray | None:
    """The distinct values of integers of a small range, sorted; None otherwise."""
    dense = dense_span(values)
    if dense is None:
        return None
    low, span = dense
    return (np.flatnonzero(present_in_span(_shifted(values, low), span)) + low).astype(
        values.dtype)


def first_and_inverse(codes: np.ndarray, span: int) -> tuple[np.ndarray, np.ndarray] | None:
    """``np.unique(codes, return_index=True, return_inverse=True)[1:]`` for int64 codes in
    ``0 … span−1``: where each distinct code first occurs and every code's rank among them.
    None where the span is too wide to count over (then sort).

    The first occurrences by a minimum per code, the ranks by a table: no sort (at 600,000
    codes 5 ms instead of 120).
    """
    n = len(codes)
    if span > DENSE_SPAN * n + (1 << 16):
        return None
    first_at = np.full(span, n, dtype=np.int64)
    np.minimum.at(first_at, codes, np.arange(n, dtype=np.int64))
    present = first_at < n
    return first_at[present], np.take(np.cumsum(present) - 1, codes)
