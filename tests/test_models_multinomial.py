"""Design-based multinomial logit: R's survey package has none, so the estimates are checked
against statsmodels' MNLogit and a direct minimisation of the weighted likelihood, the
covariance against an explicit per-PSU sandwich, jackknife replicates and `design.logit`,
and the truth of the synthetic example survey is recovered (slow)."""

from __future__ import annotations

import warnings
from functools import partial

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import optimize, special, stats
from test_models_ordinal import psu_sandwich

import surveykit as sk
from surveykit.models import SeparationWarning
from surveykit.models import multinomial as multinomial_module
from surveykit.models.multinomial import MultinomialResult

LEVELS = ["stay", "move", "abroad"]
TRUE_BETA = np.array([[0.5, -1.0], [0.3, -0.2], [-0.4, 0.2], [0.6, 0.8], [0.1, -0.5]])


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    n = 3000
    frame = pd.DataFrame({
        "stratum": rng.integers(0, 4, n), "psu": rng.integers(0, 12, n),
        "w": rng.uniform(0.5, 3, n), "age": rng.uniform(18, 80, n),
        "group": pd.Categorical(rng.choice(["low", "mid", "high"], n),
                                categories=["low", "mid", "high"]),
        "commuter": rng.integers(0, 2, n)})
    X = _matrix(frame)
    P = special.softmax(np.column_stack([np.zeros(n), X @ TRUE_BETA]), axis=1)
    drawn = (rng.random(n)[:, None] > P.cumsum(axis=1)).sum(axis=1)
    frame["dest"] = pd.Categorical.from_codes(drawn, LEVELS)
    return frame


def _matrix(frame: pd.DataFrame) -> np.ndarray:
    return np.column_stack([np.ones(len(frame)), (frame["age"] - 50) / 10,
                            frame["group"] == "mid", frame["group"] == "high",
                            frame["commuter"]]).astype(float)


def _survey(frame: pd.DataFrame, weights: str | None = "w") -> sk.SurveyDesign:
    return sk.SurveyDesign(frame, weights=weights, strata="stratum", ids="psu", nest=True)


FORMULA = "dest ~ I((age - 50) / 10) + group + commuter"


@pytest.fixture(scope="module")
def model(sample) -> MultinomialResult:
    return _survey(sample).multinomial_logit(FORMULA)


def _probabilities(X: np.ndarray, params: np.ndarray) -> np.ndarray:
    beta = params.reshape(2, -1).T
    return special.softmax(np.column_stack([np.zeros(len(X)), X @ beta]), axis=1)


def test_parameter_names_and_reference(model) -> None:
    assert isinstance(model, MultinomialResult)
    assert model.reference == "stay" and model.equations == ["move", "abroad"]
    assert list(model.params.index[:5]) == [
        "move:(Intercept)", "move:I((age - 50) / 10)", "move:groupmid", "move:grouphigh",
        "move:commuter"]
    assert model.params.index[5] == "abroad:(Intercept)"


def test_equal_weights_give_statsmodels_mnlogit(sample) -> None:
    model = _survey(sample, weights=None).multinomial_logit(FORMULA)
    reference = sm.MNLogit(sample["dest"].cat.codes.to_numpy(), _matrix(sample)).fit(
        method="newton", disp=0, tol=1e-12, maxiter=100)
    np.testing.assert_allclose(model.params, reference.params.T.ravel(), rtol=1e-9,
                               atol=1e-12)
    assert model.deviance == pytest.approx(-2 * reference.llf, rel=1e-12)


def test_weights_give_the_weighted_maximum_likelihood(sample, model) -> None:
    X, w = _matrix(sample), sample["w"].to_numpy()
    y = sample["dest"].cat.codes.to_numpy()

    def negative_log_likelihood(params: np.ndarray) -> float:
        return -np.sum(w * np.log(_probabilities(X, params)[np.arange(len(y)), y]))

    best = optimize.minimize(negative_log_likelihood, np.zeros(10), method="BFGS",
                             options={"gtol": 1e-9})
    np.testing.assert_allclose(model.params, best.x, atol=1e-5)


def test_linearisation_is_the_per_psu_sandwich(sample, model) -> None:
    X, w = _matrix(sample), sample["w"].to_numpy()
    y = sample["dest"].cat.codes.to_numpy()
    P = _probabilities(X, model.params.to_numpy())
    scores, blocks = [], [[None, None], [None, None]]
    for e, j in enumerate((1, 2)):
        scores.append(X * (w * ((y == j) - P[:, j]))[:, None])
        for f, k in enumerate((1, 2)):
            blocks[e][f] = X.T @ (X * (w * P[:, j] * ((j == k) - P[:, k]))[:, None])
    influence = np.column_stack(scores) @ np.linalg.inv(np.block(blocks))
    strata = sample["stratum"].to_numpy()
    psu = strata * 100 + sample["psu"].to_numpy()
    np.testing.assert_allclose(model.cov, psu_sandwich(influence, strata, psu), rtol=1e-9)
    assert model.df_resid == _survey(sample).degf + 1 - 5


def test_linearisation_agrees_with_jackknife_replicates(sample) -> None:
    design = sk.SurveyDesign(sample, weights="w", ids="psu")
    linear = design.multinomial_logit(FORMULA)
    jackknife = design.replicate("JK1").multinomial_logit(FORMULA)
    np.testing.assert_allclose(jackknife.params, linear.params, rtol=1e-12)
    ratio = (jackknife.bse / linear.bse).to_numpy()
    assert np.all((ratio > 0.85) & (ratio < 1.25)), ratio


def test_two_levels_reproduce_design_logit(sample) -> None:
    binary = sample.assign(moved=pd.Categorical(np.where(sample["dest"] == "stay", "no",
                                                         "yes"), categories=["no", "yes"]),
                           moved01=(sample["dest"] != "stay").astype(int))
    design = _survey(binary)
    multinomial = design.multinomial_logit("moved ~ I((age - 50) / 10) + group + commuter")
    logit = design.logit("moved01 ~ I((age - 50) / 10) + group + commuter")
    assert list(multinomial.params.index) == [f"yes:{name}" for name in logit.params.index]
    np.testing.assert_allclose(multinomial.params, logit.params, rtol=1e-9)
    # svyglm's sandwich uses the working weights of its last IRLS iteration, one step before
    # its final coefficients; the score and information here are those of the final ones.
    np.testing.assert_allclose(multinomial.cov, logit.cov, rtol=1e-4)
    assert multinomial.df_resid == logit.df_resid
    test_m, test_l = multinomial.wald_test("group"), logit.wald_test("group")
    assert test_m.statistic == pytest.approx(test_l.statistic, rel=1e-4)


def test_reference_level_changes_only_the_parametrisation(sample, model) -> None:
    other = _survey(sample).multinomial_logit(FORMULA, reference="abroad")
    assert other.equations == ["stay", "move"]
    np.testing.assert_allclose(other.params["stay:commuter"], -model.params["abroad:commuter"],
                               rtol=1e-8)
    profiles = sample.head(4)
    np.testing.assert_allclose(other.predict(profiles)["estimate"],
                               model.predict(profiles)["estimate"], rtol=1e-8)
    np.testing.assert_allclose(other.predict(profiles)["se"], model.predict(profiles)["se"],
                               rtol=1e-6)


def test_wald_test_covers_every_equation(model) -> None:
    test = model.wald_test("group")
    columns = ["move:groupmid", "move:grouphigh", "abroad:groupmid", "abroad:grouphigh"]
    beta = model.params[columns].to_numpy()
    chisq = beta @ np.linalg.solve(model.cov.loc[columns, columns].to_numpy(), beta)
    assert test.df == 4 and test.chisq == pytest.approx(chisq, rel=1e-12)
    assert test.p_value == pytest.approx(stats.f.sf(chisq / 4, 4, model.df_resid))
    table = model.terms_table()
    assert list(table.index) == ["I((age - 50) / 10)", "group", "commuter"]
    assert table.loc["commuter", "df"] == 2


def test_odds_ratios_are_relative_risk_ratios(model) -> None:
    table = model.odds_ratios()
    assert table.loc["abroad:commuter", "odds_ratio"] == pytest.approx(
        np.exp(model.params["abroad:commuter"]))
    assert table.loc["abroad:commuter", "outcome"] == "abroad"
    assert table.loc["abroad:commuter", "term"] == "commuter"
    assert table.attrs["reference"] == "stay"


def test_predictions_with_delta_method_intervals(model) -> None:
    profiles = pd.DataFrame({"age": [30.0, 60.0], "commuter": [0, 1],
                             "group": pd.Categorical(["low", "high"],
                                                     categories=["low", "mid", "high"])})
    predicted = model.predict(profiles)
    X = model.frame.matrix(profiles)
    params = model.params.to_numpy()
    np.testing.assert_allclose(predicted["estimate"].to_numpy().reshape(2, 3),
                               _probabilities(X, params), rtol=1e-12)
    gradient = np.array([(_probabilities(X, params + h) - _probabilities(X, params - h))
                         / 2e-6 for h in np.eye(len(params)) * 1e-6])
    se = np.sqrt(np.einsum("imk,ij,jmk->mk", gradient, model.cov.to_numpy(), gradient))
    np.testing.assert_allclose(predicted["se"].to_numpy().reshape(2, 3), se, rtol=1e-5)
    assert (predicted["ci_low"] < predicted["estimate"]).all()
    assert (predicted["estimate"] < predicted["ci_high"]).all()
    assert list(predicted["outcome"][:3]) == LEVELS


def test_marginal_effects_match_hand_computation(sample, model) -> None:
    ame = model.marginal_effects().reset_index()
    w, params = sample["w"].to_numpy(), model.params.to_numpy()
    X1, X0 = _matrix(sample.assign(commuter=1)), _matrix(sample.assign(commuter=0))

    def effect(b: np.ndarray) -> np.ndarray:
        return 100 * np.average(_probabilities(X1, b) - _probabilities(X0, b), axis=0,
                                weights=w)

    commuter = ame[ame["variable"] == "commuter"]
    np.testing.assert_allclose(commuter["ame"], effect(params), rtol=1e-10)
    gradient = np.array([(effect(params + h) - effect(params - h)) / 2e-6
                         for h in np.eye(len(params)) * 1e-6])
    se = np.sqrt(np.einsum("ik,ij,jk->k", gradient, model.cov.to_numpy(), gradient))
    np.testing.assert_allclose(commuter["se"], se, rtol=1e-5)
    assert commuter["ame"].sum() == pytest.approx(0, abs=1e-10)
    age = ame[ame["variable"] == "age"]
    X = _matrix(sample)
    P = _probabilities(X, params)
    slopes = np.concatenate([[0.0], params.reshape(2, -1)[:, 1]]) / 10   # per year of age
    derivative = P * (slopes[None, :] - (P * slopes).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(age["ame"], 100 * np.average(derivative, axis=0, weights=w),
                               rtol=1e-5)
    assert set(ame["contrast"][ame["variable"] == "group"]) == {"mid vs low", "high vs low"}


def test_missing_values_are_a_domain(sample) -> None:
    holes = sample.assign(age=sample["age"].where(np.arange(len(sample)) % 10 != 0),
                          dest=sample["dest"].where(np.arange(len(sample)) % 9 != 0))
    design = _survey(holes)
    model = design.multinomial_logit(FORMULA)
    keep = (holes["age"].notna() & holes["dest"].notna()).to_numpy()
    assert model.n == keep.sum() and model.n_dropped == len(sample) - keep.sum()
    subset = design.subset(keep).multinomial_logit(FORMULA)
    np.testing.assert_allclose(model.params, subset.params, rtol=1e-10)
    np.testing.assert_allclose(model.bse, subset.bse, rtol=1e-10)


def test_no_warning_on_ordinary_data(sample) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _survey(sample).multinomial_logit(FORMULA)


def test_separation_and_empty_cells_are_warned_about(sample) -> None:
    separated = sample.assign(dest=sample["dest"].where(sample["group"] != "high", "abroad"))
    with pytest.warns(SeparationWarning) as caught:
        _survey(separated).multinomial_logit(FORMULA)
    messages = " ".join(str(w.message) for w in caught)
    assert "separated" in messages and "do not interpret" in messages
    assert "no respondent with 'grouphigh' has the outcome 'stay'" in messages


def test_errors_say_what_to_do(sample, monkeypatch) -> None:
    design = _survey(sample)
    with pytest.raises(sk.ArgumentError, match=r"reference level 'abraod'.*did you mean "
                                              r"'abroad'"):
        design.multinomial_logit(FORMULA, reference="abraod")
    empty = sample.assign(dest=pd.Categorical(sample["dest"], categories=[*LEVELS, "other"]))
    with pytest.raises(sk.ArgumentError, match=r"\['other'\] have no respondents"):
        _survey(empty).multinomial_logit(FORMULA)
    with pytest.raises(sk.ArgumentError, match=r"collinear"):
        design.multinomial_logit("dest ~ commuter + I(2 * commuter)")
    monkeypatch.setattr(multinomial_module, "_newton",
                        partial(multinomial_module._newton, max_iter=1))
    with pytest.raises(sk.ConvergenceError, match=r"did not converge.*merge sparse"):
        design.multinomial_logit(FORMULA)


@pytest.mark.slow
def test_destination_model_recovers_the_true_parameters() -> None:
    from test_models_recovery_ordinal import PREDICTORS, example_survey, outside, r_term

    design, truth = example_survey()
    movers = design.subset(design.data["willing_to_move"].eq(1).fillna(False).to_numpy(bool))
    model = movers.multinomial_logit(
        f"destination ~ {PREDICTORS} + home_owner + children + migration_background",
        reference="within_region")
    # the truth names the levels by their German labels, in the order of the codes 1, 2, 3
    labels = dict(zip(["innerhalb der Region", "anderswo in Deutschland", "ins Ausland"],
                      ["within_region", "elsewhere_germany", "abroad"], strict=True))
    assert labels[truth["destination"]["reference"]] == model.reference
    expected = {}
    for label, outcome in truth["destination"]["outcomes"].items():
        expected[f"{labels[label]}:(Intercept)"] = outcome["intercept"]
        expected |= {f"{labels[label]}:{r_term(name)}": value
                     for name, value in outcome["beta"].items()}
    assert set(expected) == set(model.params.index)
    assert not outside(model.summary(level=0.99), expected)
    assert model.n > 50_000


@pytest.mark.parametrize("replicate", [False, True])
def test_grouped_likelihood_gives_the_fit_on_every_respondent(monkeypatch, replicate) -> None:
    """On large data the multinomial likelihood runs on groups of respondents alike in x
    and y with their summed weights (the same sums, so the same Newton path), and the
    influence goes to the variance engine per group; estimates, covariance and deviance
    must be those of the fit on every respondent, and the grouping must really be taken."""
    from surveykit.models import cell_matrix, grouped

    rng = np.random.default_rng(9)
    n = 24_000
    frame = pd.DataFrame({
        "stratum": rng.integers(0, 4, n), "psu": rng.integers(0, 12, n),
        "w": rng.uniform(0.5, 3, n), "age": rng.integers(18, 80, n).astype(float),
        "group": pd.Categorical(rng.choice(["low", "mid", "high"], n),
                                categories=["low", "mid", "high"]),
        "commuter": rng.integers(0, 2, n)})
    P = special.softmax(np.column_stack([np.zeros(n), _matrix(frame) @ TRUE_BETA]), axis=1)
    frame["dest"] = pd.Categorical.from_codes(
        (rng.random(n)[:, None] > P.cumsum(axis=1)).sum(axis=1), LEVELS)
    design = _survey(frame).rake({"group": {"low": 9000.0, "mid": 8000.0, "high": 7000.0}})
    if replicate:
        design = design.replicate("bootstrap", replicates=20, seed=4)
    found = []
    original = grouped.distinct_groups
    monkeypatch.setattr(grouped, "distinct_groups",
                        lambda columns: found.append(original(columns)) or found[-1])
    on_groups = design.multinomial_logit(FORMULA)
    assert found[0] is not None and len(found[0][1]) < n / 5
    monkeypatch.setattr(cell_matrix, "CELL_MINIMUM", 10**9)
    every = design.multinomial_logit(FORMULA)
    assert found[1] is None
    np.testing.assert_allclose(on_groups.params, every.params, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(on_groups.cov, every.cov, rtol=1e-7, atol=1e-14)
    assert on_groups.deviance == pytest.approx(every.deviance, rel=1e-10)
