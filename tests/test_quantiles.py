"""Properties of quantiles that hold for any data: invariances, textbook values, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import surveykit as sk

COLUMNS = ["estimate", "se", "ci_low", "ci_high"]
PROBABILITIES = [0.1, 0.25, 0.5, 0.75, 0.9]


@st.composite
def samples(draw):
    """Stratified cluster samples with tied values and integer weights (exact sums)."""
    rows = []
    for stratum in range(draw(st.integers(1, 3))):
        for psu in range(draw(st.integers(2, 4))):
            for _ in range(draw(st.integers(1, 6))):
                rows.append((stratum, psu, draw(st.integers(1, 9)),
                             draw(st.integers(0, 30)), draw(st.sampled_from("ab"))))
    return pd.DataFrame(rows, columns=["stratum", "psu", "w", "y", "group"])


def _design(frame: pd.DataFrame) -> sk.SurveyDesign:
    return sk.SurveyDesign(frame, weights="w", strata="stratum", ids="psu", nest=True)


def _assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    np.testing.assert_array_equal(a["estimate"], b["estimate"])
    np.testing.assert_allclose(a[COLUMNS], b[COLUMNS], rtol=1e-9, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(frame=samples(), seed=st.integers(0, 2**32 - 1),
       qrule=st.sampled_from(["math", "school"]))
def test_quantiles_do_not_depend_on_row_order(frame: pd.DataFrame, seed: int,
                                              qrule: str) -> None:
    shuffled = frame.sample(frac=1, random_state=np.random.RandomState(seed))
    estimates = _design(frame).quantile("y", PROBABILITIES, qrule=qrule)
    _assert_same(estimates, _design(shuffled).quantile("y", PROBABILITIES, qrule=qrule))


@settings(max_examples=60, deadline=None)
@given(frame=samples(), power=st.integers(-20, 20))
def test_scaling_the_weights_leaves_quantiles_unchanged(frame: pd.DataFrame,
                                                        power: int) -> None:
    # a power of two rescales every cumulative weight exactly, so even the exact-tie cases
    # (math vs school) and the interval limits stay the same
    scaled = frame.assign(w=frame["w"] * 2.0**power)
    for qrule in ("math", "school"):
        _assert_same(_design(frame).quantile("y", PROBABILITIES, qrule=qrule),
                     _design(scaled).quantile("y", PROBABILITIES, qrule=qrule))


@settings(max_examples=60, deadline=None)
@given(values=st.lists(st.integers(-50, 50), min_size=2, max_size=60),
       p=st.floats(0, 1))
def test_equal_weights_give_the_inverse_of_the_empirical_cdf(values: list[int],
                                                             p: float) -> None:
    y = np.array(values, dtype=float)
    design = sk.SurveyDesign(pd.DataFrame({"y": y}))
    estimate = design.quantile("y", p)["estimate"].iloc[0]
    ordered = np.sort(y)
    n = len(y)
    if p * n < 1:  # R's qs(): below the first cumulative weight → the second value
        assert estimate == ordered[1]
    else:
        assert estimate == np.quantile(y, p, method="inverted_cdf")


def test_school_rule_averages_at_an_exact_cumulative_weight() -> None:
    design = sk.SurveyDesign(pd.DataFrame({"y": [1.0, 2.0, 3.0, 4.0]}))
    assert design.quantile("y", 0.5, qrule="math")["estimate"].iloc[0] == 2.0
    assert design.quantile("y", 0.5, qrule="school")["estimate"].iloc[0] == 2.5
    assert design.quantile("y", 0.6, qrule="school")["estimate"].iloc[0] == 3.0
    assert design.quantile("y", 1.0)["estimate"].iloc[0] == 4.0


def test_missing_values_are_left_out_like_a_subpopulation() -> None:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"psu": np.repeat(np.arange(20), 10), "w": rng.uniform(1, 4, 200),
                          "y": rng.normal(50, 10, 200)})
    frame.loc[rng.choice(200, 25, replace=False), "y"] = np.nan
    design = sk.SurveyDesign(frame, weights="w", ids="psu")
    with_missing = design.quantile("y", PROBABILITIES)
    subset = design.subset(frame["y"].notna().to_numpy()).quantile("y", PROBABILITIES)
    pd.testing.assert_frame_equal(with_missing, subset)
    assert (with_missing["n"] == 175).all()


def test_domains_equal_subpopulations() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"psu": np.repeat(np.arange(30), 8), "w": rng.uniform(1, 4, 240),
                          "y": rng.gamma(2, 5, 240), "region": rng.choice(["N", "S"], 240)})
    design = sk.SurveyDesign(frame, weights="w", ids="psu")
    by_region = design.quantile("y", [0.5, 0.9], by="region")
    assert by_region.index.names == ["region", "quantile"]
    for region in ("N", "S"):
        alone = design.subset((frame["region"] == region).to_numpy()).quantile("y", [0.5, 0.9])
        np.testing.assert_array_equal(by_region.loc[region].to_numpy(), alone.to_numpy())
        assert by_region.dof[region] == alone.dof


def test_interval_limits_bracket_the_estimate_and_se_matches_the_width() -> None:
    rng = np.random.default_rng(11)
    frame = pd.DataFrame({"stratum": np.repeat([0, 1], 150), "w": rng.uniform(1, 9, 300),
                          "y": rng.lognormal(3, 1, 300)})
    design = sk.SurveyDesign(frame, weights="w", strata="stratum")
    from scipy import stats

    for interval in ("mean", "xlogit", "asin", "beta", "score"):
        result = design.quantile("y", [0.25, 0.5, 0.75], interval=interval)
        assert (result["ci_low"] <= result["estimate"]).all(), interval
        assert (result["estimate"] <= result["ci_high"]).all(), interval
        width = (result["ci_high"] - result["ci_low"]) / (2 * stats.t.ppf(0.975, 298))
        np.testing.assert_allclose(result["se"], width)
    normal = design.quantile("y", 0.5, df=None)
    assert normal.dof == np.inf


def test_a_million_rows() -> None:
    rng = np.random.default_rng(5)
    n = 1_000_000
    frame = pd.DataFrame({"psu": rng.integers(0, 500, n), "y": rng.integers(0, 10_000, n)})
    design = sk.SurveyDesign(frame, ids="psu")
    result = design.quantile("y", [0.1, 0.5, 0.9])
    expected = np.quantile(frame["y"], [0.1, 0.5, 0.9], method="inverted_cdf")
    np.testing.assert_array_equal(result["estimate"], expected)
    assert (result["se"] > 0).all()


def test_replicate_quantile_interval_uses_the_replicate_spread() -> None:
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"psu": np.repeat(np.arange(12), 10), "w": rng.uniform(1, 3, 120),
                          "y": rng.normal(0, 1, 120)})
    replicate = sk.SurveyDesign(frame, weights="w", ids="psu").replicate("JK1")
    result = replicate.quantile("y", [0.5], interval="quantile")
    half = (result["ci_high"] - result["ci_low"]) / 2
    np.testing.assert_allclose(result["estimate"], result["ci_low"] + half)


# ---------------------------------------------------------------------- errors


@pytest.fixture
def small() -> sk.SurveyDesign:
    return sk.SurveyDesign(pd.DataFrame({"y": [1.0, 5.0, 2.0, 8.0], "g": list("abab"),
                                         "flag": [True, False, True, True]}))


@pytest.mark.parametrize("quantiles", [1.5, -0.1, [0.5, np.nan], []])
def test_probabilities_outside_the_unit_interval_are_refused(small, quantiles) -> None:
    with pytest.raises(sk.ArgumentError, match=r"quantile"):
        small.quantile("y", quantiles)


@pytest.mark.parametrize("variable", ["g", "flag"])
def test_a_non_numeric_variable_is_refused(small, variable) -> None:
    with pytest.raises(sk.ArgumentError, match=rf"numeric variable; '{variable}'"):
        small.quantile(variable, 0.5)


def test_unknown_names_and_options_are_refused(small) -> None:
    with pytest.raises(sk.ArgumentError, match=r"did you mean 'y'"):
        small.quantile("Y", 0.5)
    with pytest.raises(sk.ArgumentError, match=r"qrule='hf7'"):
        small.quantile("y", 0.5, qrule="hf7")
    with pytest.raises(sk.ArgumentError, match=r"interval='wald'"):
        small.quantile("y", 0.5, interval="wald")
    with pytest.raises(sk.ArgumentError, match=r"needs replicate weights"):
        small.quantile("y", 0.5, interval="quantile")
    with pytest.raises(sk.ArgumentError, match=r"level"):
        small.quantile("y", 0.5, level=95)


def test_replicate_designs_refuse_intervals_r_does_not_apply() -> None:
    frame = pd.DataFrame({"psu": np.repeat(np.arange(6), 3), "y": np.arange(18.0)})
    replicate = sk.SurveyDesign(frame, ids="psu").replicate("JK1")
    for interval in ("beta", "score"):
        with pytest.raises(sk.ArgumentError, match=r"replicate design"):
            replicate.quantile("y", 0.5, interval=interval)


def test_an_empty_domain_is_reported() -> None:
    frame = pd.DataFrame({"y": [1.0, np.nan, 2.0, np.nan], "g": list("abab")})
    with pytest.raises(sk.DataError, match=r"domain 'b'"):
        sk.SurveyDesign(frame).quantile("y", 0.5, by="g")
