"""Property tests of the declarative recodes and of the CSV round trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from surveykit.data.io import Codebook, Variable, read_csv, write_csv
from surveykit.data.recode import apply_bins, apply_map, map_codes, reverse_code

codes = st.lists(st.one_of(st.integers(-9, 99).map(float), st.just(np.nan)), min_size=1,
                 max_size=60)


@given(values=codes, mapped_codes=st.sets(st.integers(-9, 99), max_size=20))
def test_apply_map_is_a_lookup(values: list[float], mapped_codes: set[int]) -> None:
    mapping = {code: f"level_{code % 3}" for code in mapped_codes}
    series = pd.Series(values)
    mapped, unmapped = apply_map(series, mapping)
    for value, target, flagged in zip(values, mapped, unmapped, strict=True):
        if np.isnan(value):
            assert target is None and not flagged
        elif int(value) in mapping:
            assert target == mapping[int(value)] and not flagged
        else:
            assert target is None and flagged


@given(ages=st.lists(st.integers(0, 120), min_size=1, max_size=80))
def test_bins_agree_with_searchsorted(ages: list[int]) -> None:
    breaks = [18, 30, 45, 60, 75, ".inf"]
    labels = ["18-29", "30-44", "45-59", "60-74", "75+"]
    binned, outside = apply_bins(pd.Series(ages, dtype=float), breaks, labels)
    edges = np.array([18, 30, 45, 60, 75])
    for age, label, out in zip(ages, binned, outside, strict=True):
        if age < 18:
            assert out and label is None
        else:
            assert label == labels[np.searchsorted(edges, age, side="right") - 1]


@given(values=st.lists(st.integers(1, 5), min_size=1, max_size=30))
def test_reverse_code_is_an_involution(values: list[int]) -> None:
    series = pd.Series(values, dtype=float)
    once = reverse_code(series, 1, 5)
    assert ((once >= 1) & (once <= 5)).all()
    pd.testing.assert_series_equal(reverse_code(once, 1, 5), series)


@settings(max_examples=40, deadline=None)
@given(numbers=st.lists(st.one_of(st.floats(-1e12, 1e12, allow_nan=False), st.just(np.nan)),
                        min_size=1, max_size=40))
def test_csv_round_trip_is_exact(tmp_path_factory, numbers: list[float]) -> None:
    path: Path = tmp_path_factory.mktemp("csv") / "numbers.csv"
    data = pd.DataFrame({"x": numbers, "y": [float(i) for i in range(len(numbers))]})
    codebook = Codebook((Variable("x", measure="scale"), Variable("y", measure="scale")))
    write_csv(data, codebook, path)
    pd.testing.assert_frame_equal(read_csv(path, codebook), data)


@given(values=st.lists(st.one_of(st.sampled_from([1.0, 2.0, 3.0, 7.0, -9.0]), st.just(np.nan)),
                       min_size=1, max_size=60),
       mapped_codes=st.sets(st.sampled_from([1, 2, 3, 7, -9]), max_size=5))
def test_map_codes_keeps_each_rows_distinct_value(values: list[float],
                                                  mapped_codes: set[int]) -> None:
    mapping = {code: f"level_{code % 2}" for code in mapped_codes}
    series = pd.Series(values)
    codes = map_codes(series, mapping)
    mapped, unmapped = apply_map(series, mapping)
    assert list(codes.rows()) == list(mapped)
    assert np.array_equal(codes.unmapped, unmapped)
    assert codes.targets[-1] is None  # what a missing row (position -1) picks
    for value, position in zip(values, codes.positions, strict=True):
        assert (position == -1) == bool(np.isnan(value))
