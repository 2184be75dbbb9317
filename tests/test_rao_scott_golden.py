"""Rao–Scott and Wald tests of independence against R's svychisq (make_golden.R).

Every golden ``chisq`` case (F, Chisq on all linearisation designs; Wald and adjWald on
dclus1 and dstrat). Statistic, p-value and degrees of freedom are compared to 1e-8
relative: R's F and χ² p-values are exact (``pf``/``pchisq``), no saddlepoint
approximation is involved for these statistics. Below them: properties that hold for any
data (an exactly independent table, orientation and row order) and the errors.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from golden_cases import assert_close, build_design, cases
from hypothesis import given, settings
from hypothesis import strategies as st

import surveykit as sk

CHISQ = [c for c in cases("chisq") if not c["expect_error"]]


@pytest.mark.parametrize("case", CHISQ, ids=[c["id"] for c in CHISQ])
def test_chisq_matches_svychisq(case) -> None:
    args, result = case["args"], case["result"]
    row, column = args["variables"]
    outcome = build_design(case).chisq(row, column, statistic=args["statistic"],
                                       na_rm=args["na_rm"])
    assert outcome.statistic_name == result["statistic_name"]
    assert outcome.method == result["method"]
    for key in ("statistic", "p_value", "ndf", "ddf", "df"):
        if key in result:
            assert_close(getattr(outcome, key), result[key], f"{case['id']} {key}")
    if "df" in result:
        assert outcome.ndf is None and outcome.ddf is None
    else:
        assert outcome.df is None


def test_every_chisq_case_is_covered() -> None:
    assert len(CHISQ) == 18
    assert {c["args"]["statistic"] for c in CHISQ} == {"F", "Chisq", "Wald", "adjWald"}


# ---------------------------------------------------------------------- properties, errors


def _independent_sample(seed: int) -> pd.DataFrame:
    """A clustered sample whose weighted table is exactly the product of its margins.

    Pairs of PSUs hold the product table plus and minus an interaction pattern (rows and
    columns summing to zero; the first two pairs span all interactions), so every PSU
    departs from independence but the sample does not; dyadic weights keep sums exact.
    """
    rng = np.random.default_rng(seed)
    product = np.outer([4.0, 8.0, 20.0], [12.0, 4.0])
    shifts = [(1.0, 0.0), (0.0, 1.0)] + [tuple(0.25 * rng.integers(-12, 13, 2))
                                         for _ in range(2)]
    rows = []
    for pair, (u, v) in enumerate(shifts):
        pattern = np.array([[u, -u], [v, -v], [-(u + v), u + v]])
        for sign in (1.0, -1.0):
            table = product + sign * pattern
            for (r, c), total in np.ndenumerate(table):
                k = int(rng.choice([1, 2, 4]))  # split the cell over k respondents
                rows += [(2 * pair + (sign < 0), f"r{r}", f"c{c}", total / k)] * k
    return pd.DataFrame(rows, columns=["psu", "row", "column", "w"])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_an_exactly_independent_table_gives_zero_statistics(seed: int) -> None:
    design = sk.SurveyDesign(_independent_sample(seed), weights="w", ids="psu")
    for statistic in ("F", "Chisq", "Wald", "adjWald"):
        outcome = design.chisq("row", "column", statistic=statistic)
        assert abs(outcome.statistic) < 1e-9, statistic
        assert outcome.p_value > 1 - 1e-6, statistic


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_statistics_do_not_depend_on_orientation_or_row_order(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 120
    frame = pd.DataFrame({"psu": rng.integers(0, 12, n), "w": rng.uniform(1, 5, n),
                          "a": rng.choice(["x", "y", "z"], n), "b": rng.choice(["p", "q"], n)})
    design = sk.SurveyDesign(frame, weights="w", ids="psu")
    shuffled = sk.SurveyDesign(frame.sample(frac=1, random_state=seed % 2**31),
                               weights="w", ids="psu")
    for statistic in ("F", "Chisq", "Wald", "adjWald"):
        one = design.chisq("a", "b", statistic=statistic)
        for other in (design.chisq("b", "a", statistic=statistic),
                      shuffled.chisq("a", "b", statistic=statistic)):
            assert np.isclose(one.statistic, other.statistic, rtol=1e-9)
            assert np.isclose(one.p_value, other.p_value, rtol=1e-9)


def test_cell_table_holds_weighted_proportions() -> None:
    case = next(c for c in CHISQ if c["id"] == "clus1_chisq_F")
    outcome = build_design(case).chisq("sch.wide", "stype")
    cells = outcome.table()
    assert list(cells.columns) == ["estimate", "se", "total", "n"]
    assert np.isclose(cells["estimate"].sum(), 1.0)
    assert cells["n"].sum() == 183
    wide = outcome.table(wide=True)
    assert wide.shape == (2, 3)
    assert list(wide.columns) == ["E", "H", "M"]
    assert len(outcome.design_effects) == 2


def test_missing_values_without_na_rm_give_nan() -> None:
    frame = pd.DataFrame({"a": ["x", "y", None, "x", "y", "y"], "b": list("pqpqqp")})
    design = sk.SurveyDesign(frame)
    outcome = design.chisq("a", "b", na_rm=False)
    assert np.isnan(outcome.statistic) and np.isnan(outcome.p_value)
    assert np.isfinite(design.chisq("a", "b").statistic)


def test_bad_tables_are_refused() -> None:
    frame = pd.DataFrame({"a": ["x", "y", "z", "x", "y", "x"],
                          "b": ["p", "q", None, "q", "p", "p"], "c": ["k"] * 6})
    design = sk.SurveyDesign(frame)
    with pytest.raises(sk.DataError, match=r"level 'z' of 'a'.*empty margin"):
        design.chisq("a", "b")
    with pytest.raises(sk.DataError, match=r"'c' has 1 level"):
        design.chisq("a", "c")
    with pytest.raises(sk.ArgumentError, match=r"statistic='lincom'"):
        design.chisq("a", "b", statistic="lincom")
    with pytest.raises(sk.ArgumentError, match=r"both 'a'"):
        design.chisq("a", "a")
    with pytest.raises(sk.ArgumentError, match=r"did you mean 'b'"):
        design.chisq("a", "B")
