"""Properties of the estimators that hold for any data: invariances and textbook formulas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import surveykit as sk


@st.composite
def samples(draw):
    n_strata = draw(st.integers(1, 4))
    rows = []
    for stratum in range(n_strata):
        for psu in range(draw(st.integers(2, 4))):
            for _ in range(draw(st.integers(1, 5))):
                rows.append((stratum, psu, draw(st.floats(0.5, 20)),
                             draw(st.floats(-50, 50)), draw(st.sampled_from("abc"))))
    frame = pd.DataFrame(rows, columns=["stratum", "psu", "w", "y", "group"])
    return frame


def _design(frame: pd.DataFrame, weights: str = "w") -> sk.SurveyDesign:
    return sk.SurveyDesign(frame, weights=weights, strata="stratum", ids="psu", nest=True)


@settings(max_examples=60, deadline=None)
@given(frame=samples(), seed=st.integers(0, 2**32 - 1))
def test_estimates_do_not_depend_on_row_order(frame: pd.DataFrame, seed: int) -> None:
    shuffled = frame.sample(frac=1, random_state=np.random.RandomState(seed % 2**32))
    for method in ("mean", "total"):
        a = getattr(_design(frame), method)("y")
        b = getattr(_design(shuffled), method)("y")
        np.testing.assert_allclose(a[["estimate", "se"]], b[["estimate", "se"]], rtol=1e-9,
                                   atol=1e-9)
    by_a = _design(frame).mean("y", by="group")
    by_b = _design(shuffled).mean("y", by="group")
    np.testing.assert_allclose(by_a[["estimate", "se"]], by_b[["estimate", "se"]],
                               rtol=1e-9, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(frame=samples(), factor=st.floats(0.01, 100))
def test_scaling_weights_leaves_means_unchanged(frame: pd.DataFrame, factor: float) -> None:
    scaled = frame.assign(w=frame["w"] * factor)
    a, b = _design(frame).mean("y"), _design(scaled).mean("y")
    np.testing.assert_allclose(a[["estimate", "se"]], b[["estimate", "se"]], rtol=1e-9,
                               atol=1e-9)
    ta, tb = _design(frame).total("y"), _design(scaled).total("y")
    np.testing.assert_allclose(tb["estimate"], ta["estimate"] * factor, rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(tb["se"], ta["se"] * factor, rtol=1e-9, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(y=st.lists(st.floats(-100, 100), min_size=3, max_size=40),
       w=st.lists(st.floats(0.5, 10), min_size=40, max_size=40))
def test_unstratified_mean_matches_textbook_formula(y: list[float], w: list[float]) -> None:
    values = np.asarray(y)
    weights = np.asarray(w[: len(values)])
    frame = pd.DataFrame({"y": values, "w": weights})
    result = sk.SurveyDesign(frame, weights="w").mean("y", deff=False)
    n = len(values)
    mean = np.sum(weights * values) / np.sum(weights)
    variance = n / (n - 1) * np.sum(weights**2 * (values - mean) ** 2) / np.sum(weights) ** 2
    assert result["estimate"].iloc[0] == pytest.approx(mean, rel=1e-12, abs=1e-12)
    assert result["se"].iloc[0] == pytest.approx(np.sqrt(variance), rel=1e-9, abs=1e-12)


def test_domain_mean_equals_ratio_and_shares_sum_to_one() -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"stratum": rng.integers(0, 3, 300), "psu": rng.integers(0, 6, 300),
                          "w": rng.uniform(1, 3, 300), "y": rng.normal(size=300),
                          "group": rng.choice(["a", "b"], 300)})
    design = _design(frame)
    by = design.mean("y", by="group")
    frame["in_a"] = (frame["group"] == "a").astype(float)
    frame["y_a"] = frame["y"] * frame["in_a"]
    ratio = _design(frame).ratio("y_a", "in_a")
    assert by.loc["a", "estimate"] == pytest.approx(ratio["estimate"].iloc[0], rel=1e-12)
    assert by.loc["a", "se"] == pytest.approx(ratio["se"].iloc[0], rel=1e-12)
    shares = design.proportion("group")
    assert shares["estimate"].sum() == pytest.approx(1.0, rel=1e-12)
    assert (shares["ci_low"] < shares["estimate"]).all()
    assert (shares["estimate"] < shares["ci_high"]).all()


def test_missing_values_are_left_out_like_na_rm() -> None:
    """As R's na.rm=TRUE: respondents with a missing value form no part of the estimate,
    but the design keeps its PSUs (a domain estimate, not a smaller design)."""
    frame = pd.DataFrame({"y": [1.0, 2.0, np.nan, 4.0, 5.0], "w": [1, 2, 3, 4, 5.0]})
    design = sk.SurveyDesign(frame, weights="w")
    result = design.mean("y")
    as_domain = design.subset(frame["y"].notna().to_numpy()).mean("y")
    assert result["n"].iloc[0] == 4
    np.testing.assert_allclose(result[["estimate", "se"]], as_domain[["estimate", "se"]],
                               rtol=1e-12)
    # By hand: n = 5 PSUs, the missing respondent contributes a zero score.
    y, w = frame["y"].to_numpy(), frame["w"].to_numpy()
    keep = ~np.isnan(y)
    mean = np.sum(w[keep] * y[keep]) / np.sum(w[keep])
    scores = np.where(keep, w * (np.nan_to_num(y) - mean) / np.sum(w[keep]), 0.0)
    variance = 5 / 4 * np.sum((scores - scores.mean()) ** 2)
    assert result["estimate"].iloc[0] == pytest.approx(mean, rel=1e-12)
    assert result["se"].iloc[0] == pytest.approx(np.sqrt(variance), rel=1e-12)


def test_bad_designs_say_what_to_do() -> None:
    frame = pd.DataFrame({"psu": [1, 1, 2, 2], "stratum": [1, 2, 1, 2], "w": [1, 2, 0, 1.0],
                          "y": [1, 2, 3, 4.0]})
    with pytest.raises(sk.DataError, match=r"weight 'w' is 0(\.0)? in row 3; sampling weig"):
        sk.SurveyDesign(frame, weights="w")
    frame["w"] = 1.0
    with pytest.raises(sk.DataError, match=r"same PSU id occurs in more than one stratum.*"
                                           r"nest=True"):
        sk.SurveyDesign(frame, weights="w", strata="stratum", ids="psu")
    with pytest.raises(sk.ArgumentError, match=r"weights='wt' is not a column"):
        sk.SurveyDesign(frame, weights="wt")
    with pytest.raises(sk.ArgumentError, match=r"ids='pus' is not a column.*did you mean 'psu'"):
        sk.SurveyDesign(frame, ids="pus")
    with pytest.raises(sk.ArgumentError, match=r"lonely_psu='drop' is not an option"):
        sk.SurveyDesign(frame, lonely_psu="drop")
    design = sk.SurveyDesign(frame, weights="w")
    with pytest.raises(sk.ArgumentError, match=r"no variable 'yy'.*did you mean 'y'"):
        design.mean("yy")


def test_missing_domain_values_are_left_out() -> None:
    frame = pd.DataFrame({"g": pd.Categorical(["a", "b", None, "a", "b", "a"]),
                          "y": [1, 2, 3, 4, 5, 6.0], "w": [1, 2, 1, 2, 1, 2.0]})
    by = sk.SurveyDesign(frame, weights="w").mean("y", by="g")
    assert list(by.index) == ["a", "b"]
    assert by["n"].tolist() == [3, 2]
    assert by.loc["a", "estimate"] == pytest.approx((1 + 8 + 12) / 5)


def test_an_estimate_keeps_its_covariance_durably() -> None:
    import pickle

    frame = pd.DataFrame({"y": [1.0, 2.0, 4.0, 3.0, 5.0, 2.0], "g": list("aabbab"),
                          "w": [1.0, 2.0, 1.0, 3.0, 1.0, 2.0]})
    result = sk.SurveyDesign(frame, weights="w").mean("y", by="g")
    assert isinstance(result, sk.Estimates) and isinstance(result, pd.DataFrame)
    assert result.vcov.shape == (2, 2) and result.dof is None
    np.testing.assert_allclose(np.sqrt(np.diag(result.vcov)), result["se"])
    for kept in (result.copy(), pickle.loads(pickle.dumps(result))):
        pd.testing.assert_frame_equal(kept.vcov, result.vcov)
        pd.testing.assert_frame_equal(pd.DataFrame(kept), pd.DataFrame(result))
    # Other rows are other estimates: a derived frame carries no covariance at all.
    derived = [result.loc[["a"]], pd.concat([result, result]), result * 2]
    assert all(type(other) is pd.DataFrame for other in derived)
    assert not hasattr(result.loc[["a"]], "vcov")
