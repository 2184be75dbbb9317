"""Properties of raking, post-stratification, calibration and trimming (surveykit.weighting).

The agreement with R is in tests/test_weighting_golden.py; here: margins and totals are
met, results do not depend on row order or on the scale of the design weights, the
variance residuals equal R's row-by-row formulas, and failures name what failed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import surveykit as sk
from surveykit.weighting import (
    PostStratification,
    Raking,
    calibrate,
    diagnostics,
    poststratify,
    rake,
    trim_weights,
)
from surveykit.weighting.calibration import GregCalibration

#: Derandomised: the suite gives the same result on every run (explored once with 400
#: examples per property while developing).
PROPERTY = settings(max_examples=25, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])


def _survey(seed: int, n_extra: int, sizes: tuple[int, ...]) -> pd.DataFrame:
    """Every combination of levels at least once (so any margins are reachable), plus
    random respondents; clusters, positive weights and a numeric variable."""
    rng = np.random.default_rng(seed)
    grid = np.array(np.meshgrid(*[np.arange(k) for k in sizes], indexing="ij")).reshape(
        len(sizes), -1).T
    extra = np.column_stack([rng.integers(0, k, n_extra) for k in sizes])
    codes = np.vstack([grid, extra])
    n = len(codes)
    frame = pd.DataFrame({f"v{j}": pd.Categorical([f"l{c}" for c in codes[:, j]])
                          for j in range(len(sizes))})
    frame["psu"] = rng.integers(0, max(3, n // 4), n)
    frame["w"] = rng.uniform(1, 5, n)
    frame["y"] = rng.normal(50, 10, n) + codes[:, 0] * 3
    frame["x"] = rng.gamma(2.0, 10.0, n)
    return frame


def _margins(frame: pd.DataFrame, sizes: tuple[int, ...], seed: int, total: float
             ) -> dict[str, dict[str, float]]:
    rng = np.random.default_rng(seed + 1)
    margins = {}
    for j, k in enumerate(sizes):
        shares = rng.dirichlet(np.ones(k) * 2) * 0.9 + 0.1 / k
        margins[f"v{j}"] = {f"l{i}": float(s * total) for i, s in enumerate(shares)}
    return margins


def _weighted_totals(design: sk.SurveyDesign, variable: str) -> dict[str, float]:
    values = design.data[variable].astype(str)
    return pd.Series(design.weights).groupby(values.to_numpy()).sum().to_dict()


surveys = st.tuples(
    st.integers(0, 2**31 - 1),
    st.integers(30, 150),
    st.lists(st.integers(2, 4), min_size=1, max_size=3).map(tuple),
    st.floats(500, 1e6),
)


@PROPERTY
@given(surveys)
def test_raked_weights_reproduce_every_margin(params) -> None:
    seed, n_extra, sizes, total = params
    frame = _survey(seed, n_extra, sizes)
    margins = _margins(frame, sizes, seed, total)
    raked = sk.SurveyDesign(frame, weights="w", ids="psu").rake(margins, tol=1e-9)
    for variable, population in margins.items():
        fitted = _weighted_totals(raked, variable)
        for level, count in population.items():
            assert fitted[level] == pytest.approx(count, rel=1e-9)


@PROPERTY
@given(surveys, st.sampled_from(["linear", "raking", "logit"]))
def test_calibrated_weights_reproduce_categorical_and_numeric_totals(params, method) -> None:
    seed, n_extra, sizes, _ = params
    frame = _survey(seed, n_extra, sizes)
    design = sk.SurveyDesign(frame, weights="w", ids="psu")
    rng = np.random.default_rng(seed)
    # Targets near the sample's own totals, so bounded methods can reach them.
    shift = rng.uniform(0.95, 1.05, sizes[0])
    counts = _weighted_totals(design, "v0")
    population = {"v0": {f"l{i}": counts[f"l{i}"] * shift[i] for i in range(sizes[0])},
                  "x": float(frame["x"] @ frame["w"]) * rng.uniform(0.97, 1.03)}
    bounds = (0.2, 5.0) if method == "logit" else None
    calibrated = calibrate(design, population, method=method, bounds=bounds, tol=1e-9)
    fitted = _weighted_totals(calibrated, "v0")
    for level, count in population["v0"].items():
        assert fitted[level] == pytest.approx(count, rel=1e-8)
    assert float(frame["x"] @ calibrated.weights) == pytest.approx(population["x"], rel=1e-8)


def _adjusted(design: sk.SurveyDesign, how: str, margins: dict) -> sk.SurveyDesign:
    if how == "rake":
        return design.rake(margins, tol=1e-11)
    if how == "poststratify":
        return design.poststratify("v0", margins["v0"])
    return design.calibrate(_population(design.data, margins), method=how)


def _population(frame: pd.DataFrame, margins: dict) -> dict:
    """Calibration totals: the v0 margin scaled to about the sum of the design weights (as
    real design weights are), and a total of x that fits that population size. (Newton's
    method for the raking distance, as R's grake, is slow from weights far off in scale.)"""
    size = 1.1 * float(frame["w"].sum())
    scale = size / sum(margins["v0"].values())
    mean_x = float(frame["x"] @ frame["w"] / frame["w"].sum())
    return {"v0": {level: count * scale for level, count in margins["v0"].items()},
            "x": 1.02 * mean_x * size}


@PROPERTY
@given(surveys, st.sampled_from(["rake", "poststratify", "linear", "raking"]))
def test_estimates_do_not_depend_on_row_order(params, how) -> None:
    seed, n_extra, sizes, total = params
    frame = _survey(seed, n_extra, sizes)
    margins = _margins(frame, sizes, seed, total)
    order = np.random.default_rng(seed).permutation(len(frame))
    shuffled = frame.iloc[order].reset_index(drop=True)
    first = _adjusted(sk.SurveyDesign(frame, weights="w", ids="psu"), how, margins)
    second = _adjusted(sk.SurveyDesign(shuffled, weights="w", ids="psu"), how, margins)
    np.testing.assert_allclose(second.weights, first.weights[order], rtol=1e-9)
    a, b = first.mean(["y", "v0"]), second.mean(["y", "v0"])
    np.testing.assert_allclose(b["estimate"], a["estimate"], rtol=1e-9)
    np.testing.assert_allclose(b["se"], a["se"], rtol=1e-6, atol=1e-9 * a["estimate"].abs().max())


@PROPERTY
@given(surveys, st.floats(1e-3, 1e3), st.sampled_from(["rake", "linear", "raking"]))
def test_scaling_design_weights_leaves_means_and_ses_unchanged(params, factor, how) -> None:
    seed, n_extra, sizes, total = params
    frame = _survey(seed, n_extra, sizes)
    margins = _margins(frame, sizes, seed, total)
    scaled = frame.assign(w=frame["w"] * factor)
    design = sk.SurveyDesign(frame, weights="w", ids="psu")
    if how != "rake":
        population = _population(frame, margins)
        first = design.calibrate(population, method=how, tol=1e-10)
        second = sk.SurveyDesign(scaled, weights="w", ids="psu").calibrate(
            population, method=how, tol=1e-10)
    else:
        first = design.rake(margins, tol=1e-11)
        second = sk.SurveyDesign(scaled, weights="w", ids="psu").rake(margins, tol=1e-11)
    a, b = first.mean(["y", "v0"]), second.mean(["y", "v0"])
    np.testing.assert_allclose(b["estimate"], a["estimate"], rtol=1e-8)
    np.testing.assert_allclose(b["se"], a["se"], rtol=1e-6, atol=1e-9 * a["estimate"].abs().max())


@PROPERTY
@given(st.integers(0, 2**31 - 1), st.integers(5, 300), st.floats(0.2, 0.95),
       st.floats(1.05, 4.0))
def test_strict_trimming_respects_the_bounds_and_keeps_the_total(seed, n, low, high) -> None:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"w": rng.lognormal(1.0, 0.8, n), "y": rng.normal(size=n)})
    design = sk.SurveyDesign(frame, weights="w")
    mean = frame["w"].mean()
    trimmed = trim_weights(design, lower=low * mean, upper=high * mean, strict=True)
    assert trimmed.weights.min() >= low * mean * (1 - 1e-12)
    assert trimmed.weights.max() <= high * mean * (1 + 1e-12)
    assert trimmed.weights.sum() == pytest.approx(frame["w"].sum(), rel=1e-12)


# ---------------------------------------------------------------------- examples


@pytest.fixture
def small() -> pd.DataFrame:
    return _survey(7, 60, (3, 2))


def test_trim_spreads_the_trimmed_amount_equally_once_unless_strict() -> None:
    frame = pd.DataFrame({"w": [1.0, 2.0, 3.0, 10.0], "y": [1.0, 2.0, 3.0, 4.0]})
    design = sk.SurveyDesign(frame, weights="w")
    # 10 → 6 frees 4; each of the three others gets 4/3 (R's trimWeights), 3 → 4.33 > 4.
    once = design.trim_weights(upper=6)
    np.testing.assert_allclose(once.weights, [1 + 4 / 3, 2 + 4 / 3, 3 + 4 / 3, 6])
    strict = design.trim_weights(upper=4.2, strict=True)
    assert strict.weights.max() <= 4.2 + 1e-12
    assert strict.weights.sum() == pytest.approx(16)
    with pytest.raises(sk.ArgumentError, match="cannot all lie"):
        design.trim_weights(upper=3, strict=True)


def test_trimming_keeps_earlier_adjustments_for_the_variance(small) -> None:
    design = sk.SurveyDesign(small, weights="w", ids="psu")
    margins = _margins(small, (3, 2), 7, 1000.0)
    raked = design.rake(margins)
    trimmed = raked.trim_weights(upper=float(np.quantile(raked.weights, 0.9)))
    assert trimmed.adjustments == raked.adjustments
    assert len(trimmed.adjustments) == 1


def test_poststratify_equals_one_margin_raking_and_accepts_a_table(small) -> None:
    design = sk.SurveyDesign(small, weights="w", ids="psu")
    population = {"l0": 300.0, "l1": 500.0, "l2": 200.0}
    post = poststratify(design, "v0", population)
    raked = rake(design, {"v0": population})
    np.testing.assert_allclose(post.weights, raked.weights, rtol=1e-12)
    # The variances differ, as in R: raking's backfitting uses unweighted level means.
    table = pd.DataFrame({"v0": list(population), "Freq": list(population.values())})
    np.testing.assert_allclose(design.poststratify("v0", table).weights, post.weights)
    joint = {(a, b): 100.0 + 10 * i for i, (a, b) in
             enumerate((a, b) for a in ("l0", "l1", "l2") for b in ("l0", "l1"))}
    cells = design.poststratify(["v0", "v1"], joint)
    fitted = pd.Series(cells.weights).groupby(
        [small["v0"].astype(str).to_numpy(), small["v1"].astype(str).to_numpy()]).sum()
    for key, count in joint.items():
        assert fitted[key] == pytest.approx(count)


def test_joint_margins_rake_with_tuple_keys(small) -> None:
    design = sk.SurveyDesign(small, weights="w")
    joint = {("v0", "v1"): {(a, b): 50.0 + 20 * i for i, (a, b) in enumerate(
        (a, b) for a in ("l0", "l1", "l2") for b in ("l0", "l1"))}}
    raked = design.rake(joint)
    fitted = pd.Series(raked.weights).groupby(
        [small["v0"].astype(str).to_numpy(), small["v1"].astype(str).to_numpy()]).sum()
    for key, count in joint[("v0", "v1")].items():
        assert fitted[key] == pytest.approx(count, rel=1e-9)


def test_rake_names_the_margin_that_cannot_fit() -> None:
    rng = np.random.default_rng(3)
    same = rng.choice(["a", "b"], 80)
    frame = pd.DataFrame({"first": same, "second": same, "w": rng.uniform(1, 2, 80)})
    design = sk.SurveyDesign(frame, weights="w")
    # Both variables are the same answer, but the margins disagree on its split.
    impossible = {"first": {"a": 60, "b": 40}, "second": {"a": 50, "b": 50}}
    with pytest.raises(sk.ConvergenceError, match=r"margin 'first'.*level '[ab]'"):
        design.rake(impossible, max_iter=50)
    with pytest.raises(sk.ConvergenceError, match=r"'first'.*'second'.*different population "
                                                  r"totals"):
        design.rake({"first": {"a": 60, "b": 40}, "second": {"a": 60, "b": 50}})


def test_rake_and_calibrate_refuse_mismatched_data(small) -> None:
    design = sk.SurveyDesign(small, weights="w")
    with pytest.raises(sk.ArgumentError, match=r"'v0'.*no population count for 'l2'"):
        design.rake({"v0": {"l0": 1, "l1": 1}})
    with pytest.raises(sk.DataError, match=r"'l3'.*no respondent"):
        design.rake({"v0": {"l0": 1, "l1": 1, "l2": 1, "l3": 1}})
    with pytest.raises(sk.ArgumentError, match=r"'v0_' is not a column.*did you mean 'v0'"):
        design.rake({"v0_": {"l0": 1}})
    with pytest.raises(sk.ArgumentError, match="is categorical"):
        design.calibrate({"v0": 100.0})
    with pytest.raises(sk.ArgumentError, match="needs finite bounds"):
        design.calibrate({"x": 100.0}, method="logit")
    with pytest.raises(sk.ArgumentError, match="not known"):
        design.calibrate({"x": 100.0}, method="quadratic")
    missing = small.assign(x=small["x"].where(small.index != 4))
    with pytest.raises(sk.DataError, match=r"'x' is missing.*row 5"):
        sk.SurveyDesign(missing, weights="w").calibrate({"x": 100.0})


def test_contradictory_calibration_totals_raise(small) -> None:
    design = sk.SurveyDesign(small, weights="w")
    # Two full sets of indicators (rank deficient, fine) whose counts disagree on N.
    with pytest.raises(sk.ConvergenceError, match="cannot all be met"):
        design.calibrate({"v0": {"l0": 300, "l1": 300, "l2": 400},
                          "v1": {"l0": 500, "l1": 600}})
    consistent = design.calibrate({"v0": {"l0": 300, "l1": 300, "l2": 400},
                                   "v1": {"l0": 500, "l1": 500}})
    assert consistent.weights.sum() == pytest.approx(1000)


def test_calibration_with_intercept_only_numeric(small) -> None:
    design = sk.SurveyDesign(small, weights="w")
    calibrated = design.calibrate({"(Intercept)": 1000.0, "x": 25000.0})
    assert calibrated.weights.sum() == pytest.approx(1000)
    assert float(small["x"] @ calibrated.weights) == pytest.approx(25000)


def test_subpopulation_weights_stay_zero(small) -> None:
    design = sk.SurveyDesign(small, weights="w", ids="psu")
    inside = (small["v1"] == "l0").to_numpy()
    sub = design.subset(inside)
    raked = sub.rake({"v0": {"l0": 100, "l1": 200, "l2": 300}})
    assert (raked.weights[~inside] == 0).all()
    assert raked.weights.sum() == pytest.approx(600)
    assert np.isfinite(raked.mean("y")["se"]).all()
    trimmed = sub.trim_weights(lower=2.0)
    assert (trimmed.weights[~inside] == 0).all()


# ---------------------------------------------------------------------- variance residuals


def _r_raking(x, weights, margins, factors):
    """R's svyrecvar for a raking, row by row: x - psw * ave(x / psw, margin)."""
    x = x.copy()
    for _ in range(10):
        for levels, psw in zip(margins, [weights * f for f in factors], strict=True):
            for level in np.unique(levels):
                rows = levels == level
                x[rows] -= psw[rows, None] * (x[rows] / psw[rows, None]).mean(axis=0)
    return x


def test_raking_residuals_equal_rs_row_by_row_formula(small) -> None:
    design = sk.SurveyDesign(small, weights="w", ids="psu")
    raked = design.rake(_margins(small, (3, 2), 7, 1000.0))
    (adjustment,) = raked.adjustments
    assert isinstance(adjustment, Raking)
    x = np.column_stack([small["y"] * raked.weights, small["x"] * raked.weights])
    row_levels = [levels[adjustment.cells] for levels in adjustment.margin_levels]
    row_factors = [f[adjustment.cells] for f in adjustment.sweep_factors]
    expected = _r_raking(x, design.weights, row_levels, row_factors)
    np.testing.assert_allclose(adjustment.residualise(x), expected, rtol=1e-9, atol=1e-9)


def test_poststratification_and_greg_residuals_equal_rs_formulas(small) -> None:
    design = sk.SurveyDesign(small, weights="w", ids="psu")
    post = design.poststratify("v0", {"l0": 300.0, "l1": 500.0, "l2": 200.0})
    (adjustment,) = post.adjustments
    assert isinstance(adjustment, PostStratification)
    x = np.column_stack([small["y"] * post.weights, small["x"]])
    old, new = design.weights, post.weights
    strata = small["v0"].astype(str).to_numpy()
    expected = x.copy()
    for stratum in np.unique(strata):
        rows = strata == stratum
        mean = (x[rows] * (old / new)[rows, None]).sum(axis=0) / old[rows].sum()
        expected[rows] -= mean * new[rows, None]
    np.testing.assert_allclose(adjustment.residualise(x), expected, rtol=1e-10, atol=1e-10)

    calibrated = design.calibrate({"v0": {"l0": 300.0, "l1": 500.0, "l2": 200.0},
                                   "x": 30000.0})
    (greg,) = calibrated.adjustments
    assert isinstance(greg, GregCalibration)
    model = np.column_stack([(strata == s).astype(float) for s in ("l0", "l1", "l2")]
                            + [small["x"].to_numpy()])
    scaled = model * np.sqrt(old)[:, None]
    w = greg.g * np.sqrt(old)
    y = x / w[:, None]
    coefficients = np.linalg.lstsq(scaled, y, rcond=None)[0]
    expected = (y - scaled @ coefficients) * w[:, None]
    np.testing.assert_allclose(greg.residualise(x), expected, rtol=1e-8, atol=1e-8)


# ---------------------------------------------------------------------- diagnostics


def test_diagnostics_summarise_weights_and_margins(small) -> None:
    design = sk.SurveyDesign(small, weights="w", ids="psu")
    margins = _margins(small, (3, 2), 7, 1000.0)
    raked = design.rake(margins)
    info = diagnostics(raked, margins)
    w = raked.weights
    assert info["n"] == len(small)
    assert info["kish_deff"] == pytest.approx(len(w) * (w**2).sum() / w.sum() ** 2)
    assert info["kish_deff"] == pytest.approx(1 + info["cv_weights"] ** 2)
    assert info["effective_n"] == pytest.approx(info["n"] / info["kish_deff"])
    assert info["weight_ratio"] == pytest.approx(w.max() / w.min())
    assert info["quantiles"]["0.5"] == pytest.approx(np.median(w))
    assert info["before"]["sum_weights"] == pytest.approx(small["w"].sum())
    table = info["margins"]
    assert list(table.columns) == ["variable", "level", "population", "population_share",
                                   "n", "before_total", "before_share", "after_total",
                                   "after_share"]
    np.testing.assert_allclose(table["after_total"], table["population"], rtol=1e-8)
    assert table["n"].sum() == 2 * len(small)
    assert table.groupby("variable")["before_total"].sum().to_numpy() == pytest.approx(
        [small["w"].sum()] * 2)
