"""Design-based GLM results beyond R's numbers: AMEs, predictions, pseudo-R², VIF,
separation warnings and errors, checked against independent computations."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import special
from statsmodels.stats.outliers_influence import variance_inflation_factor

import surveykit as sk
from surveykit.models import SeparationWarning


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    rng = np.random.default_rng(42)
    n = 3000
    frame = pd.DataFrame({
        "stratum": rng.integers(0, 4, n),
        "psu": rng.integers(0, 10, n),
        "w": rng.uniform(0.5, 3, n),
        "age": rng.uniform(18, 80, n),
        "group": pd.Categorical(rng.choice(["low", "mid", "high"], n),
                                categories=["low", "mid", "high"]),
        "commuter": rng.integers(0, 2, n),
    })
    eta = -1 + 0.03 * (frame["age"] - 50) + 0.8 * (frame["group"] == "high") \
        - 0.4 * (frame["group"] == "mid") + 0.6 * frame["commuter"]
    frame["y"] = rng.binomial(1, special.expit(eta))
    return frame


def _design(frame: pd.DataFrame, weights: str | None = "w") -> sk.SurveyDesign:
    return sk.SurveyDesign(frame, weights=weights, strata="stratum", ids="psu", nest=True)


FORMULA = "y ~ age + group + commuter"


def test_equal_weights_give_ordinary_logit_estimates(sample) -> None:
    model = _design(sample, weights=None).logit(FORMULA)
    X = np.column_stack([np.ones(len(sample)), sample["age"],
                         sample["group"] == "mid", sample["group"] == "high",
                         sample["commuter"]]).astype(float)
    reference = sm.Logit(sample["y"].to_numpy(), X).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(model.params.to_numpy(), reference.params, rtol=1e-6)
    pseudo = model.pseudo_r2()
    assert pseudo["mcfadden"] == pytest.approx(reference.prsquared, rel=1e-6)
    # with weights 1 the deviances are −2 log-likelihoods (statsmodels fits its null model
    # numerically, so to its tolerance; ours is in closed form)
    assert model.null_deviance == pytest.approx(-2 * reference.llnull, rel=1e-9)
    assert model.deviance == pytest.approx(-2 * reference.llf, rel=1e-9)
    assert list(model.params.index) == ["(Intercept)", "age", "groupmid", "grouphigh",
                                        "commuter"]


def test_marginal_effects_match_hand_computation(sample) -> None:
    design = _design(sample)
    model = design.logit(FORMULA)
    ame = model.marginal_effects()
    beta = model.params
    w = sample["w"].to_numpy()
    base = (beta["(Intercept)"] + beta["age"] * sample["age"]
            + beta["groupmid"] * (sample["group"] == "mid")
            + beta["grouphigh"] * (sample["group"] == "high")).to_numpy()
    with_commute = special.expit(base + beta["commuter"])
    without = special.expit(base)
    expected = 100 * np.average(with_commute - without, weights=w)
    assert ame.loc[("commuter", "1 vs 0"), "ame"] == pytest.approx(expected, rel=1e-9)
    eta = base + beta["commuter"] * sample["commuter"].to_numpy()
    slope = 100 * np.average(special.expit(eta) * (1 - special.expit(eta)), weights=w) \
        * beta["age"]
    assert ame.loc[("age", "per unit"), "ame"] == pytest.approx(slope, rel=1e-6)
    high = ame.loc[("group", "high vs low")]
    assert high["ci_low"] < high["ame"] < high["ci_high"]
    assert ame.attrs["unit"] == "percentage points"


def test_ame_standard_error_by_delta_method_matches_numeric_gradient(sample) -> None:
    model = _design(sample).logit(FORMULA)
    beta = model.params.to_numpy()
    w = sample["w"].to_numpy()
    X1 = model.frame.matrix(sample.assign(commuter=1))
    X0 = model.frame.matrix(sample.assign(commuter=0))

    def effect(b: np.ndarray) -> float:
        return 100 * np.average(special.expit(X1 @ b) - special.expit(X0 @ b), weights=w)

    gradient = np.array([(effect(beta + h) - effect(beta - h)) / 2e-6
                         for h in np.eye(len(beta)) * 1e-6])
    se = np.sqrt(gradient @ model.cov.to_numpy() @ gradient)
    assert model.marginal_effects(["commuter"])["se"].iloc[0] == pytest.approx(se, rel=1e-5)


def test_predictions_for_profiles(sample) -> None:
    model = _design(sample).logit(FORMULA)
    profiles = pd.DataFrame({"age": [25.0, 70.0], "group": ["high", "low"],
                             "commuter": [1, 0]})
    profiles["group"] = pd.Categorical(profiles["group"], categories=["low", "mid", "high"])
    predicted = model.predict(profiles)
    b = model.params
    expected = special.expit([b["(Intercept)"] + 25 * b["age"] + b["grouphigh"]
                              + b["commuter"], b["(Intercept)"] + 70 * b["age"]])
    np.testing.assert_allclose(predicted["estimate"], expected, rtol=1e-12)
    assert (predicted["ci_low"] < predicted["estimate"]).all()
    assert (predicted["estimate"] < predicted["ci_high"]).all()


def test_vif_equals_statsmodels_for_single_column_terms(sample) -> None:
    model = _design(sample, weights=None).logit("y ~ age + commuter")
    X = np.column_stack([np.ones(len(sample)), sample["age"], sample["commuter"]])
    vif = model.vif()
    assert vif.loc["age", "gvif"] == pytest.approx(variance_inflation_factor(X, 1), rel=1e-9)
    assert model.vif().loc["commuter", "df"] == 1


def test_wald_test_of_a_single_coefficient_is_t_squared(sample) -> None:
    model = _design(sample).logit(FORMULA)
    test = model.wald_test("age")
    t = model.summary().loc["age", "t"]
    assert test.statistic == pytest.approx(t**2, rel=1e-10)
    assert test.p_value == pytest.approx(model.summary().loc["age", "p_value"], rel=1e-8)
    assert model.terms_table().loc["group", "df"] == 2


def test_separation_is_warned_about(sample) -> None:
    separated = sample.assign(y=(sample["commuter"] == 1).astype(int))
    with pytest.warns(SeparationWarning, match=r"separated.*do not interpret"):
        _design(separated).logit(FORMULA)


def test_no_warning_on_ordinary_data(sample) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", SeparationWarning)
        _design(sample).logit(FORMULA)


def test_missing_values_are_a_domain_and_reported(sample) -> None:
    holes = sample.assign(age=sample["age"].where(np.arange(len(sample)) % 10 != 0))
    model = _design(holes).logit(FORMULA)
    assert model.n == len(sample) - 300 and model.n_dropped == 300
    subset = _design(holes).subset(holes["age"].notna().to_numpy()).logit(FORMULA)
    np.testing.assert_allclose(model.params, subset.params, rtol=1e-10)
    np.testing.assert_allclose(model.bse, subset.bse, rtol=1e-10)


def test_family_names_as_r_spells_them(sample) -> None:
    design = _design(sample)
    logit = design.logit(FORMULA)
    np.testing.assert_array_equal(design.glm(FORMULA, family="quasibinomial").params,
                                  logit.params)
    linear = design.glm("age ~ commuter", family="gaussian")
    np.testing.assert_array_equal(design.glm("age ~ commuter", family="linear").params,
                                  linear.params)


def test_model_errors_say_what_to_do(sample) -> None:
    design = _design(sample)
    with pytest.raises(sk.ArgumentError, match=r"names 'agee'.*did you mean 'age'"):
        design.logit("y ~ agee")
    with pytest.raises(sk.ArgumentError, match=r"binary outcome 'age' must be 0/1"):
        design.logit("age ~ commuter")
    with pytest.raises(sk.ArgumentError, match=r"collinear"):
        design.logit("y ~ commuter + I(2 * commuter)")
    with pytest.raises(sk.ArgumentError, match=r"family 'poisson' is not supported"):
        design.glm("y ~ age", family="poisson")
    with pytest.raises(sk.ArgumentError, match=r"needs an outcome"):
        design.logit("age + commuter")


@pytest.mark.parametrize("formula", [
    "y ~ age + group + commuter",
    "y ~ age + C(group, contr.treatment('high')) + flag",
    "y ~ age * group",          # interaction: built by formulaic itself
    "y ~ I(age - 50) + group",  # transformation: built by formulaic itself
])
def test_large_model_matrices_equal_formulaics(formula: str) -> None:
    """Above 20,000 rows plain formulas get their matrix built column by column; it must be
    formulaic's matrix exactly (and the fallback must be taken where it would not be)."""
    import formulaic

    from surveykit.models.frame import model_frame

    rng = np.random.default_rng(5)
    n = 25_000
    frame = pd.DataFrame({
        "y": rng.integers(0, 2, n), "age": rng.uniform(18, 80, n),
        "group": pd.Categorical(rng.choice(["low", "mid", "high"], n),
                                categories=["low", "mid", "high"]),
        "commuter": rng.integers(0, 2, n),
        "flag": pd.array(rng.integers(0, 2, n), dtype="Int8"),
    })
    built = model_frame(frame, formula, "binary")
    reference = formulaic.model_matrix(formula.split("~")[1], frame, output="numpy")
    np.testing.assert_array_equal(built.X, np.asarray(reference, dtype=float))
    assert len(built.names) == len(reference.model_spec.column_names)


def test_interval_levels_are_named_as_r_prints_them() -> None:
    from surveykit.models.frame import level_name

    assert level_name(pd.Interval(0, 25)) == "(0,25]"
    assert level_name(pd.Interval(59.0, np.inf)) == "(59,Inf]"
    assert level_name(pd.Interval(0.5, 1.5, closed="left")) == "[0.5,1.5)"
    assert level_name("a, b") == "a, b"
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"y": rng.integers(0, 2, 400), "age": rng.uniform(0, 90, 400)})
    frame["agecat"] = pd.cut(frame["age"], [0, 19, 39, 59, np.inf])
    model = sk.SurveyDesign(frame).logit("y ~ agecat")
    assert list(model.params.index) == ["(Intercept)", "agecat(19,39]", "agecat(39,59]",
                                        "agecat(59,Inf]"]


def test_predictive_margins_average_the_predictions_and_match_the_ame(sample) -> None:
    """Setting a 0/1 predictor to 1 and to 0 for everyone: the margins' difference is the
    average marginal effect, with the same delta-method SE."""
    design = sk.SurveyDesign(sample, weights="w", strata="stratum", ids="psu", nest=True)
    model = design.logit("y ~ age + commuter")
    margins = model.predictive_margins({"commuter": [0, 1]})
    ame = model.marginal_effects(["commuter"]).iloc[0]
    difference = margins["estimate"].iloc[1] - margins["estimate"].iloc[0]
    np.testing.assert_allclose(100 * difference, ame["ame"], rtol=1e-12)
    # the margin itself, by hand: everyone gets commuter = 1, predictions averaged
    beta = model.params
    eta = beta["(Intercept)"] + beta["age"] * sample["age"] + beta["commuter"]
    by_hand = np.average(special.expit(eta), weights=sample["w"])
    np.testing.assert_allclose(margins["estimate"].iloc[1], by_hand, rtol=1e-12)
    assert (margins["ci_low"] < margins["estimate"]).all()
    assert (margins["estimate"] < margins["ci_high"]).all()


@pytest.mark.parametrize("formula", [
    "y ~ age + C(edu) + C(sex) + C(group)",
    "y ~ C(edu) + edu:age",        # edu also outside C(): formulaic builds it
    "y ~ C(flag) + C(edu, contr.treatment(2))",
])
def test_large_model_matrices_with_c_of_integer_codes_equal_formulaics(formula: str) -> None:
    """``C(x)`` of an integer-coded column gets the direct build too: its levels are the
    sorted values of all rows, so a level that the first rows lack (here edu = 3, only at
    the end) must still get its column, exactly as formulaic gives it on all rows."""
    import formulaic

    from surveykit.models.frame import _model_matrix, model_frame

    rng = np.random.default_rng(8)
    n = 30_000
    edu = rng.integers(0, 3, n)
    edu[-500:] = 3
    frame = pd.DataFrame({
        "y": rng.integers(0, 2, n), "age": rng.uniform(18, 80, n), "edu": edu,
        "sex": rng.integers(1, 3, n),
        "group": pd.Categorical(rng.choice(["low", "mid", "high"], n),
                                categories=["low", "mid", "high"]),
        "flag": pd.array(rng.integers(0, 2, n), dtype="Int8"),
    })
    built = model_frame(frame, formula, "binary")
    reference = formulaic.model_matrix(formula.split("~")[1], frame, output="numpy")
    np.testing.assert_array_equal(built.X, np.asarray(reference, dtype=float))
    assert len(built.names) == len(reference.model_spec.column_names)
    direct = _model_matrix(formulaic.Formula(formula).rhs, frame.drop(columns="y"))[1]
    assert (direct is not None) == formula.startswith("y ~ age")
    if formula.startswith("y ~ age"):
        assert built.names[2:6] == ["edu1", "edu2", "edu3", "sex2"]
        profiles = pd.DataFrame({"age": [30.0, 60.0], "edu": [3, 0], "sex": [2, 1],
                                 "group": pd.Categorical(["high", "low"],
                                                         categories=["low", "mid", "high"])})
        expected = formulaic.model_matrix(formula.split("~")[1],
                                          pd.concat([frame, profiles])).to_numpy()[-2:]
        np.testing.assert_array_equal(built.matrix(profiles), expected)


def test_cell_products_equal_dense_products_in_the_logit(monkeypatch) -> None:
    """On large data the IRLS forms X'WX, X'Wz and Xβ on the cells of the 0/1 columns
    (intercept, dummies, 0/1 predictors); coefficients, SEs and iterations must be those of
    the dense products, and the cell form must really be taken."""
    from surveykit.models import glm
    from surveykit.models.cell_matrix import cell_matrix

    rng = np.random.default_rng(17)
    n = 40_000
    frame = pd.DataFrame({
        "age": pd.Categorical(rng.choice(["18-29", "30-44", "45-59", "60+"], n)),
        "edu": rng.integers(0, 3, n), "commuter": rng.integers(0, 2, n),
        "income": rng.lognormal(0.8, 0.4, n), "years": rng.integers(0, 60, n).astype(float),
        "stratum": rng.integers(0, 8, n), "w": rng.uniform(1, 4, n),
    })
    frame["psu"] = frame["stratum"] * 40 + rng.integers(0, 40, n)
    eta = -0.5 + 0.4 * frame["commuter"] + 0.3 * frame["income"] - 0.01 * frame["years"] \
        + frame["age"].cat.codes * -0.3 + frame["edu"] * 0.2
    frame["y"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    design = sk.SurveyDesign(frame, weights="w", strata="stratum", ids="psu")
    formula = "y ~ age + C(edu) + commuter + income + years"
    frame_ = design.logit(formula).frame
    probe = cell_matrix(frame_.X)
    assert probe is not None and probe.n_cells <= 4 * 3 * 2
    np.testing.assert_array_equal(probe.binary, [0, 1, 2, 3, 4, 5, 6])
    # The frame's columns 0/1 by construction (intercept, level indicators) need no scan
    # and give the same cells; commuter (a 0/1 number) is found by the scan.
    assert frame_.indicators == (0, 1, 2, 3, 4, 5)
    hinted = cell_matrix(frame_.X, frame_.indicators)
    np.testing.assert_array_equal(hinted.cells, probe.cells)
    np.testing.assert_array_equal(hinted.binary, probe.binary)
    fast = design.logit(formula)
    assert "X" not in fast.frame.__dict__   # the cells came from the variables
    # the dense route: no cells from the variables (the frame's recipes) nor the matrix
    from surveykit.models import frame as frame_module
    monkeypatch.setattr(frame_module, "_recipe_cells", lambda *args: None)
    monkeypatch.setattr(glm, "cell_matrix", lambda X, indicators=(): None)
    dense = design.logit(formula)
    assert "X" in dense.frame.__dict__
    np.testing.assert_allclose(fast.params, dense.params, rtol=1e-11)
    np.testing.assert_allclose(fast.bse, dense.bse, rtol=1e-11)
    assert fast.iterations == dense.iterations
    # The cells come from one product with powers of two; a numeric column that is not
    # finite must not spoil them (0 × inf), so its codes come column by column then.
    spoiled = np.array(design.logit(formula).frame.X, order="F")
    spoiled[3, 8] = np.inf
    again = cell_matrix(spoiled)
    np.testing.assert_array_equal(again.cells, probe.cells)
    np.testing.assert_array_equal(again.table, probe.table)


def test_effects_and_margins_on_distinct_rows_equal_those_on_every_row(monkeypatch) -> None:
    """On large data AMEs and predictive margins are computed once per distinct combination
    of the formula's variables with its summed weight; they must be those of every row,
    and the grouping must really be taken (few distinct rows)."""
    from surveykit.models import cell_matrix

    rng = np.random.default_rng(23)
    n = 30_000
    frame = pd.DataFrame({
        "age": pd.Categorical(rng.choice(["18-29", "30-44", "45-59", "60+"], n)),
        "commuter": rng.integers(0, 2, n), "score": rng.integers(1, 6, n).astype(float),
        "w": rng.uniform(1, 4, n),
    })
    eta = -0.4 + 0.5 * frame["commuter"] - 0.2 * frame["score"] - 0.3 * frame["age"].cat.codes
    frame["y"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    model = sk.SurveyDesign(frame, weights="w").logit("y ~ age + commuter + score")
    distinct, weights = model._distinct
    assert len(distinct) == 4 * 2 * 5
    np.testing.assert_allclose(weights.sum(), frame["w"].sum(), rtol=1e-12)
    settings = {"age": ["18-29", "60+"], "commuter": [0, 1]}
    fast_effects = model.marginal_effects()
    fast_margins = model.predictive_margins(settings)
    assert model._distinct[0] is distinct  # found once per model
    monkeypatch.setattr(cell_matrix, "CELL_MINIMUM", 10**9)
    del model.__dict__["_distinct"]  # forget them: found again, now without grouping
    assert len(model._distinct[0]) == n
    pd.testing.assert_frame_equal(fast_effects, model.marginal_effects(), rtol=1e-10)
    pd.testing.assert_frame_equal(fast_margins, model.predictive_margins(settings),
                                  rtol=1e-10)


def test_logit_start_is_r_initialize_on_the_link_scale() -> None:
    """The IRLS's first η for a 0/1 outcome, ±log1p(2w), is R's ``binomial()$initialize``
    μ = (w y + ½) / (w + 1) on the logit scale (scipy's logit as the reference), to
    rounding, for weights as the IRLS gets them (rescaled to mean 1: 10⁻³ … 10³ here;
    far beyond, the reference loses digits in 1 − μ that log1p keeps)."""
    from surveykit.models.glm import _Family, _Outcome

    rng = np.random.default_rng(3)
    w = np.concatenate([10.0 ** rng.uniform(-3, 3, 5000), [0.0, 1.0, 2.5]])
    y = (rng.random(len(w)) < 0.4).astype(float)
    family = _Family("binomial")
    reference = special.logit((w * y + 0.5) / (w + 1))
    for start in (family.start(y, w, _Outcome.of(y)), family.start(y, w)):
        np.testing.assert_allclose(start, reference, rtol=1e-12, atol=1e-15)


def test_mean_and_deviance_are_the_logit_likelihood_even_where_eta_overflows() -> None:
    """μ and the binomial deviance from 1 + e^−η are expit(η) and −2 Σ w log P(y) (scipy
    as the reference; μ also bit for bit surveykit's own expit), also with |η| beyond 709,
    where e^±η overflows and the deviance is taken from μ with its logarithm kept finite."""
    from surveykit.models.glm import _Family

    rng = np.random.default_rng(29)
    n = 2_000
    y = (rng.random(n) < 0.4).astype(float)
    w = rng.uniform(0.5, 2.0, n)
    eta = rng.normal(0, 3, n)
    mu, deviance = _Family("binomial").mean_and_deviance(eta, y, w)
    from surveykit.models.links import expit
    np.testing.assert_array_equal(mu, expit(eta))   # the IRLS's μ as before, bit for bit
    np.testing.assert_allclose(mu, special.expit(eta), rtol=1e-15, atol=0)
    reference = -2 * np.sum(w * np.where(y == 1, special.log_expit(eta),
                                         special.log_expit(-eta)))
    assert deviance == pytest.approx(reference, rel=1e-12)
    extreme = eta.copy()
    extreme[:3] = [800.0, -800.0, 40.0]
    y[:3] = [0.0, 1.0, 0.0]
    mu, deviance = _Family("binomial").mean_and_deviance(extreme, y, w)
    assert np.isfinite(deviance)
    np.testing.assert_array_equal(mu[:2], [1.0, 0.0])
    clamped = np.maximum(np.where(y == 1, special.expit(extreme), 1 - special.expit(extreme)),
                         1e-300)
    assert deviance == pytest.approx(-2 * np.sum(w * np.log(clamped)), rel=1e-12)
