"""Counted integer codes against pandas' factorize."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from surveykit._core.factorize import distinct_integers, first_and_inverse, sorted_integer_codes


@pytest.mark.parametrize("values", [
    np.array([5, 3, 3, 9, 5, 7], dtype=np.int64),
    np.array([-4, 2, -4, 0], dtype=np.int32),
    np.array([2**40 + 3, 2**40, 2**40 + 3], dtype=np.int64),   # far from zero, small span
    np.random.default_rng(2).integers(0, 1000, 5000).astype(np.uint16),
])
def test_counted_codes_are_sorted_factorize(values: np.ndarray) -> None:
    codes, uniques = sorted_integer_codes(values)
    expected_codes, expected_uniques = pd.factorize(values, sort=True)
    np.testing.assert_array_equal(codes, expected_codes)
    np.testing.assert_array_equal(uniques, expected_uniques)
    assert uniques.dtype == values.dtype and codes.dtype == np.int64
    np.testing.assert_array_equal(distinct_integers(values), np.unique(values))


@pytest.mark.parametrize("values", [np.array([0, 2**40]), np.array([0.5, 1.5]),
                                    np.array([], dtype=np.int64), np.array(["a", "b"])])
def test_wide_or_other_values_are_left_to_pandas(values: np.ndarray) -> None:
    assert sorted_integer_codes(values) is None
    assert distinct_integers(values) is None


@pytest.mark.parametrize(("codes", "span"), [
    (np.array([4, 1, 4, 0, 1, 1, 7], dtype=np.int64), 8),
    (np.random.default_rng(3).integers(0, 50, 10_000), 50),
    (np.random.default_rng(4).integers(0, 90_000, 20_000), 90_000),   # most codes once
    (np.zeros(0, dtype=np.int64), 1),
    (np.array([3, 3, 3], dtype=np.int64), 4),
])
def test_first_occurrences_and_ranks_are_numpys_unique(codes: np.ndarray, span: int) -> None:
    _, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    got = first_and_inverse(codes, span)
    assert got is not None
    np.testing.assert_array_equal(got[0], first)
    np.testing.assert_array_equal(got[1], inverse)


def test_first_occurrences_of_a_wide_span_are_left_to_sorting() -> None:
    codes = np.array([0, 10**9], dtype=np.int64)
    assert first_and_inverse(codes, 10**9 + 1) is None
