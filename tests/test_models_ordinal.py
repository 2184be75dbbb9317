"""Design-based proportional-odds models: R's svyolr golden values, a replicate design
against R, and predictions, marginal effects and the proportional-odds test checked against
independent computations."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from golden_cases import assert_close, cases
from scipy import optimize, special, stats
from statsmodels.miscmodels.ordinal_model import OrderedModel
from test_models_golden import _design

import surveykit as sk
from surveykit.models import SeparationWarning
from surveykit.models import grouped as grouped_module
from surveykit.models import ordinal as ordinal_module
from surveykit.models.ordinal import OrdinalResult

COEF_RTOL, SE_RTOL = 1e-6, 1e-5
OLR = cases("olr")


@pytest.mark.parametrize("case", OLR, ids=[c["id"] for c in OLR])
def test_svyolr_matches_r(case) -> None:
    model = _design(case).ordinal_logit(case["args"]["formula"], link=case["args"]["link"])
    result = case["result"]
    assert isinstance(model, OrdinalResult)
    assert list(model.params.index) == list(result["coefficients"])
    assert model.df_resid == result["df_residual"]
    assert model.n == result["n_used"]
    assert_close(model.deviance, result["deviance"], f"{case['id']} deviance", rtol=1e-8)
    summary = model.summary()
    for name, value in result["coefficients"].items():
        assert_close(model.params[name], value, f"{case['id']} coef {name}", rtol=COEF_RTOL)
        assert_close(model.bse[name], result["se"][name], f"{case['id']} se {name}",
                     rtol=SE_RTOL)
        assert_close(summary.loc[name, "t"], result["t_value"][name], f"{case['id']} t {name}",
                     rtol=SE_RTOL)
    vcov = result["vcov"]
    for i, row in enumerate(vcov["rownames"]):
        for j, col in enumerate(vcov["colnames"]):
            assert_close(model.cov.loc[row, col], vcov["values"][i][j],
                         f"{case['id']} vcov[{row},{col}]", rtol=SE_RTOL, atol=1e-14)


def test_all_olr_cases_are_here() -> None:
    assert {c["args"]["method"] for c in OLR} == {"logistic", "probit"}
    assert len(OLR) >= 3


# R 4.2.2, survey 4.1.1 (the olr_logistic_clus1 design as JK1 replicates):
#   rclus1 <- as.svrepdesign(update(dclus1, mealcat = cut(meals, c(0, 25, 50, 75, 100))),
#                            type = "JK1")
#   m <- svyolr(mealcat ~ avg.ed + mobility + stype, design = rclus1)
#   print(coef(m), digits = 17); print(sqrt(diag(vcov(m))), digits = 17)
R_JK1_COEF = [-2.69989424502599196, 0.03250360874241788, -1.75751396813565197,
              -0.61916004042310724, -8.85781377494034494, -6.58639666537133373,
              -4.92490428116033030]
R_JK1_SE = [1.464522253072321201, 0.029119685165482717, 0.895330429794830351,
            0.349650493853641053, 4.768102509747286888, 4.010974994956289841,
            3.723771907016842242]


def test_replicate_design_matches_r_svyolr_svyrep() -> None:
    case = next(c for c in OLR if c["id"] == "olr_logistic_clus1")
    model = _design(case).replicate("JK1").ordinal_logit(case["args"]["formula"])
    np.testing.assert_allclose(model.params, R_JK1_COEF, rtol=COEF_RTOL)
    np.testing.assert_allclose(model.bse, R_JK1_SE, rtol=SE_RTOL)
    assert model.df_resid == 10
    assert model.deviance == pytest.approx(329.66808675445333, rel=1e-8)


# ---------------------------------------------------------------- simulated surveys


def _simulate(n: int, seed: int, slopes_by_split: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "stratum": rng.integers(0, 4, n), "psu": rng.integers(0, 15, n),
        "w": rng.uniform(0.5, 3, n), "age": rng.uniform(18, 80, n),
        "group": pd.Categorical(rng.choice(["low", "mid", "high"], n),
                                categories=["low", "mid", "high"]),
        "commuter": rng.integers(0, 2, n)})
    latent = (0.03 * (frame["age"] - 50) + 0.8 * (frame["group"] == "high")
              - 0.4 * (frame["group"] == "mid") + 0.6 * frame["commuter"]).to_numpy()
    noise = rng.logistic(size=n)
    cuts = np.array([-1.0, 0.3, 1.5])
    if slopes_by_split:  # commuting moves people out of the bottom level only
        stay = latent - 0.6 * frame["commuter"].to_numpy() + noise
        codes = (latent + noise > cuts[0]).astype(int) + (stay > cuts[1]) + (stay > cuts[2])
    else:
        codes = (latent[:, None] + noise[:, None] > cuts).sum(axis=1)
    frame["intent"] = pd.Categorical.from_codes(codes, ["none", "low", "mid", "high"],
                                                ordered=True)
    return frame


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    return _simulate(3000, 7)


def _survey(frame: pd.DataFrame, weights: str | None = "w") -> sk.SurveyDesign:
    return sk.SurveyDesign(frame, weights=weights, strata="stratum", ids="psu", nest=True)


FORMULA = "intent ~ age + group + commuter"


@pytest.fixture(scope="module")
def model(sample) -> OrdinalResult:
    return _survey(sample).ordinal_logit(FORMULA)


def _probabilities(X: np.ndarray, params: np.ndarray, link=special.expit) -> np.ndarray:
    p = X.shape[1]
    cumulative = link(params[p:][None, :] - (X @ params[:p])[:, None])
    padded = np.column_stack([np.zeros(len(X)), cumulative, np.ones(len(X))])
    return np.diff(padded, axis=1)


def test_estimates_are_the_weighted_maximum_likelihood(sample, model) -> None:
    X = model.frame.matrix(sample)
    y = sample["intent"].cat.codes.to_numpy()
    w = sample["w"].to_numpy()

    def negative_log_likelihood(params: np.ndarray) -> float:
        if np.any(np.diff(params[X.shape[1]:]) <= 0):
            return np.inf
        return -np.sum(w * np.log(_probabilities(X, params)[np.arange(len(y)), y]))

    best = optimize.minimize(negative_log_likelihood, model.params.to_numpy(),
                             method="Nelder-Mead",
                             options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 40000})
    # R's optimiser (and so surveykit) stops within 0.1 % of a standard error of the maximum
    assert np.all(np.abs(model.params - best.x) < 1e-3 * model.bse)
    assert list(model.cutpoints.index) == ["none|low", "low|mid", "mid|high"]
    assert list(model.coefficients.index) == ["age", "groupmid", "grouphigh", "commuter"]


def test_equal_weights_give_statsmodels_ordered_logit(sample) -> None:
    model = _survey(sample, weights=None).ordinal_logit(FORMULA)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = OrderedModel(sample["intent"].cat.codes.to_numpy(),
                                 model.frame.matrix(sample), distr="logit").fit(
            method="bfgs", disp=0, gtol=1e-10, maxiter=2000)
    increments = reference.params[4:]   # statsmodels: first cut-point, then log increments
    cuts = np.cumsum(np.concatenate([increments[:1], np.exp(increments[1:])]))
    expected = np.concatenate([reference.params[:4], cuts])
    assert np.all(np.abs(model.params.to_numpy() - expected) < 1e-3 * model.bse.to_numpy())


def test_odds_ratios_leave_out_cut_points(model) -> None:
    table = model.odds_ratios()
    assert list(table.index) == ["age", "groupmid", "grouphigh", "commuter"]
    assert table.loc["commuter", "odds_ratio"] == pytest.approx(
        np.exp(model.params["commuter"]), rel=1e-12)
    assert model.terms_table().loc["group", "df"] == 2


def test_predictions_sum_to_one_and_match_hand_computation(model) -> None:
    profiles = pd.DataFrame({"age": [25.0, 70.0], "commuter": [1, 0],
                             "group": pd.Categorical(["high", "low"],
                                                     categories=["low", "mid", "high"])})
    predicted = model.predict(profiles)
    assert list(predicted["outcome"][:4]) == ["none", "low", "mid", "high"]
    X = model.frame.matrix(profiles)
    expected = _probabilities(X, model.params.to_numpy())
    np.testing.assert_allclose(predicted["estimate"].to_numpy().reshape(2, 4), expected,
                               rtol=1e-12)
    np.testing.assert_allclose(predicted.groupby(["age"])["estimate"].sum(), 1.0, rtol=1e-12)
    # delta-method SE against a numerical gradient of the probability
    params = model.params.to_numpy()
    gradient = np.array([(_probabilities(X, params + h) - _probabilities(X, params - h))
                         / 2e-6 for h in np.eye(len(params)) * 1e-6])   # k × m × K
    se = np.sqrt(np.einsum("imk,ij,jmk->mk", gradient, model.cov.to_numpy(), gradient))
    np.testing.assert_allclose(predicted["se"].to_numpy().reshape(2, 4), se, rtol=1e-5)
    assert (predicted["ci_low"] < predicted["estimate"]).all()
    assert (predicted["estimate"] < predicted["ci_high"]).all()


def _rows(table: pd.DataFrame, variable: str, contrast: str) -> pd.DataFrame:
    """The rows of one contrast, in outcome order."""
    flat = table.reset_index()
    return flat[(flat["variable"] == variable) & (flat["contrast"] == contrast)]


def test_marginal_effects_match_hand_computation(sample, model) -> None:
    ame = model.marginal_effects()
    assert ame.attrs["unit"] == "percentage points"
    w = sample["w"].to_numpy()
    params = model.params.to_numpy()
    X1 = model.frame.matrix(sample.assign(commuter=1))
    X0 = model.frame.matrix(sample.assign(commuter=0))

    def effect(b: np.ndarray) -> np.ndarray:
        return 100 * np.average(_probabilities(X1, b) - _probabilities(X0, b), axis=0,
                                weights=w)

    commuter = _rows(ame, "commuter", "1 vs 0")
    np.testing.assert_allclose(commuter["ame"], effect(params), rtol=1e-10)
    assert commuter["ame"].sum() == pytest.approx(0, abs=1e-10)
    gradient = np.array([(effect(params + h) - effect(params - h)) / 2e-6
                         for h in np.eye(len(params)) * 1e-6])
    se = np.sqrt(np.einsum("ik,ij,jk->k", gradient, model.cov.to_numpy(), gradient))
    np.testing.assert_allclose(commuter["se"], se, rtol=1e-5)
    # a numeric predictor: the average derivative, which sums to zero over the levels
    slope = _rows(ame, "age", "per unit")
    X = model.frame.matrix(sample)
    density = stats.logistic.pdf(params[4:][None, :] - (X @ params[:4])[:, None])
    padded = np.column_stack([np.zeros(len(X)), density, np.zeros(len(X))])
    derivative = -np.diff(padded, axis=1) * params[0] * 100
    np.testing.assert_allclose(slope["ame"], np.average(derivative, axis=0, weights=w),
                               rtol=1e-5)
    assert ("group", "high vs low", "mid") in ame.index


def test_marginal_effects_use_the_models_reference_level(sample) -> None:
    model = _survey(sample).ordinal_logit(
        "intent ~ age + C(group, contr.treatment('mid')) + commuter")
    contrasts = set(model.marginal_effects(["group"]).index.get_level_values("contrast"))
    assert contrasts == {"low vs mid", "high vs mid"}


def test_probit_link(sample) -> None:
    probit = _survey(sample).ordinal_logit(FORMULA, link="probit")
    logit = _survey(sample).ordinal_logit(FORMULA)
    assert probit.link == "probit"
    # logistic coefficients are about 1.6–1.8 times the probit ones
    ratio = logit.coefficients["commuter"] / probit.coefficients["commuter"]
    assert 1.4 < ratio < 1.9
    predicted = probit.predict(sample.head(3))
    np.testing.assert_allclose(predicted["estimate"].to_numpy().reshape(3, 4).sum(axis=1), 1)
    expected = _probabilities(probit.frame.matrix(sample.head(3)), probit.params.to_numpy(),
                              link=special.ndtr)
    np.testing.assert_allclose(predicted["estimate"].to_numpy().reshape(3, 4), expected,
                               rtol=1e-12)


def test_missing_values_are_a_domain(sample) -> None:
    holes = sample.assign(age=sample["age"].where(np.arange(len(sample)) % 10 != 0),
                          intent=sample["intent"].where(np.arange(len(sample)) % 7 != 0))
    design = _survey(holes)
    model = design.ordinal_logit(FORMULA)
    keep = (holes["age"].notna() & holes["intent"].notna()).to_numpy()
    assert model.n == keep.sum() and model.n_dropped == len(sample) - keep.sum()
    subset = design.subset(keep).ordinal_logit(FORMULA)
    np.testing.assert_allclose(model.params, subset.params, rtol=1e-10)
    np.testing.assert_allclose(model.bse, subset.bse, rtol=1e-10)
    assert model.df_resid == design.degf - 4


def test_proportional_odds_test_accepts_proportional_odds(sample, model) -> None:
    table = model.proportional_odds_test()
    assert list(table.index) == ["age", "group", "commuter", "overall"]
    assert table.loc["overall", "df"] == 4 * 2 and table.loc["group", "df"] == 2 * 2
    assert table.loc["overall", "ddf"] == model.df_resid
    assert (table["p_value"] > 0.01).all()
    slopes = table.attrs["slopes"]
    assert list(slopes.columns) == ["> none", "> low", "> mid"]
    # each split is the design-based logit of the binary outcome Y > k
    design = _survey(sample.assign(above=(sample["intent"].cat.codes > 1).astype(int)))
    binary = design.logit("above ~ age + group + commuter")
    np.testing.assert_allclose(slopes["> low"], binary.params.iloc[1:], rtol=1e-7)


def psu_sandwich(influence: np.ndarray, strata: np.ndarray, psu: np.ndarray) -> np.ndarray:
    """With-replacement design covariance Σ_h n_h/(n_h − 1) Σ_i (z_hi − z̄_h)(z_hi − z̄_h)'
    of PSU totals z_hi of the influence values, written out with numpy."""
    covariance = np.zeros((influence.shape[1], influence.shape[1]))
    for stratum in np.unique(strata):
        inside = strata == stratum
        labels, codes = np.unique(psu[inside], return_inverse=True)
        totals = np.zeros((len(labels), influence.shape[1]))
        np.add.at(totals, codes, influence[inside])
        centred = totals - totals.mean(axis=0)
        covariance += len(labels) / (len(labels) - 1) * centred.T @ centred
    return covariance


def test_proportional_odds_test_by_hand(sample, model) -> None:
    table = model.proportional_odds_test()
    X = np.column_stack([np.ones(len(sample)), model.frame.X])
    w = sample["w"].to_numpy()
    codes = sample["intent"].cat.codes.to_numpy()
    estimates, influences = [], []
    for k in range(3):
        above = (codes > k).astype(float)
        fit = sm.GLM(above, X, family=sm.families.Binomial(), freq_weights=w).fit(tol=1e-12)
        mu = fit.fittedvalues
        bread = np.linalg.inv((X * (w * mu * (1 - mu))[:, None]).T @ X)
        estimates.append(fit.params)
        influences.append((X * (w * (above - mu))[:, None]) @ bread)
    estimate = np.concatenate(estimates)
    covariance = psu_sandwich(np.column_stack(influences), sample["stratum"].to_numpy(),
                              sample["psu"].to_numpy())
    commuter = [4, 9, 14]   # the commuter slope in each split
    contrast = np.array([[-1, 1, 0], [-1, 0, 1]]) @ np.eye(15)[commuter]
    difference = contrast @ estimate
    chisq = difference @ np.linalg.solve(contrast @ covariance @ contrast.T, difference)
    row = table.loc["commuter"]
    assert row["chisq"] == pytest.approx(chisq, rel=1e-6)
    assert row["F"] == pytest.approx(chisq / 2, rel=1e-6)
    assert row["p_value"] == pytest.approx(stats.f.sf(chisq / 2, 2, model.df_resid), rel=1e-5)
    np.testing.assert_allclose(table.attrs["slopes"].loc["commuter"], estimate[commuter],
                               rtol=1e-7)


def test_proportional_odds_test_rejects_split_specific_effects() -> None:
    frame = _simulate(6000, 11, slopes_by_split=True)
    table = _survey(frame).ordinal_logit(FORMULA).proportional_odds_test()
    assert table.loc["commuter", "p_value"] < 1e-6
    assert table.loc["overall", "p_value"] < 1e-4
    assert table.loc["age", "p_value"] > 0.001


def test_proportional_odds_test_on_replicate_design(sample) -> None:
    design = sk.SurveyDesign(sample, weights="w", ids="psu")
    linear = design.ordinal_logit(FORMULA).proportional_odds_test()
    replicated = design.replicate("JK1").ordinal_logit(FORMULA).proportional_odds_test()
    np.testing.assert_allclose(replicated["chisq"], linear["chisq"], rtol=0.35)


def test_where_r_stops_short_newton_steps_reach_the_maximum(sample, model,
                                                            monkeypatch) -> None:
    vmmin = ordinal_module.vmmin
    monkeypatch.setattr(ordinal_module, "vmmin",
                        lambda fn, gr, start: vmmin(fn, gr, start, maxit=4))
    polished = _survey(sample).ordinal_logit(FORMULA)
    assert np.all(np.abs(polished.params - model.params) < 1e-3 * model.bse)
    lik = ordinal_module._Likelihood(polished.frame.X, polished.frame.y.astype(int),
                                     sample["w"].to_numpy(), ordinal_module.Link("logit"), 3)
    step = np.linalg.solve(lik.hessian(polished.coefficients.to_numpy(),
                                       polished.cutpoints.to_numpy()),
                           lik.gradient(polished.params.to_numpy(), "zeta"))
    assert np.all(np.abs(step) < 1e-8 * polished.bse.to_numpy())


def test_no_warning_on_ordinary_data(sample) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _survey(sample).ordinal_logit(FORMULA)


def test_separation_is_warned_about(sample) -> None:
    separated = sample.assign(intent=sample["intent"].where(sample["group"] != "high", "high"))
    with pytest.warns(SeparationWarning, match=r"separated.*grouphigh"):
        _survey(separated).ordinal_logit(FORMULA)


def test_errors_say_what_to_do(sample) -> None:
    design = _survey(sample.assign(
        two=pd.Categorical(np.where(sample["commuter"] == 1, "a", "b")),
        text=np.where(sample["commuter"] == 1, "yes", "no"),
        sparse=pd.Categorical(sample["intent"].astype(str).replace("high", "mid"),
                              categories=["none", "low", "mid", "high"], ordered=True)))
    with pytest.raises(sk.ArgumentError, match=r"needs at least three.*design.logit"):
        design.ordinal_logit("two ~ age")
    with pytest.raises(sk.ArgumentError, match=r"is text.*ordered categorical"):
        design.ordinal_logit("text ~ age")
    with pytest.raises(sk.ArgumentError, match=r"\['high'\] have no respondents.*merge"):
        design.ordinal_logit("sparse ~ age")
    with pytest.raises(sk.ArgumentError, match=r"link 'cloglog' is not supported"):
        design.ordinal_logit(FORMULA, link="cloglog")
    with pytest.raises(sk.ArgumentError, match=r"outcome 'intnet'.*did you mean 'intent'"):
        design.ordinal_logit("intnet ~ age")
    with pytest.raises(sk.ArgumentError, match=r"collinear"):
        design.ordinal_logit("intent ~ commuter + I(2 * commuter)")
    with pytest.raises(sk.ArgumentError, match=r"holds 'yes' \(row \d+\), which is not one of"):
        ordinal_module.fit_ordinal(design, "text ~ age", levels=["no", "maybe", "never"])


def test_newton_without_a_maximum_raises_convergence_error(sample) -> None:
    y = (sample["group"] == "high").to_numpy().astype(int) * 2
    X = (sample["group"] == "high").to_numpy(float)[:, None]
    lik = ordinal_module._Likelihood(X, y, np.ones(len(y)), ordinal_module.Link("logit"), 2)
    with pytest.raises(sk.ConvergenceError, match=r"no finite maximum.*merge sparse"):
        ordinal_module._newton(lik, np.array([0.0, -1.0, 1.0]))


@pytest.mark.parametrize("replicate", [False, True])
def test_grouped_likelihood_gives_the_fit_on_every_respondent(monkeypatch, replicate) -> None:
    """On large data the likelihood runs on groups of respondents alike in x and y with
    their summed weights; estimates, covariance and deviance must be those of the fit on
    every respondent (to the optimiser's tolerance), and so must the proportional-odds
    test, with linearisation and with replicate weights; the grouping must really be
    taken (age in whole years: few groups)."""
    from surveykit.models import cell_matrix

    frame = _simulate(24_000, 12).assign(age=lambda f: f["age"].round())
    design = _survey(frame)
    if replicate:
        design = design.replicate("bootstrap", replicates=30, seed=3)
    groups = []
    original = grouped_module.distinct_groups

    def spy(columns):
        found = original(columns)
        groups.append(None if found is None else len(found[1]))
        return found
    monkeypatch.setattr(grouped_module, "distinct_groups", spy)
    grouped = design.ordinal_logit(FORMULA)
    grouped_test = grouped.proportional_odds_test()
    # found once: the test runs on the fit's groups
    assert len(groups) == 1 and groups[0] is not None and groups[0] < 24_000 / 10
    assert grouped.groups is not None and len(grouped.groups[1]) == groups[0]
    monkeypatch.setattr(cell_matrix, "CELL_MINIMUM", 10**9)
    every = design.ordinal_logit(FORMULA)
    every_test = every.proportional_odds_test()
    assert groups[1:] == [None] and every.groups is None
    # Grouped rows start from their respondents' mean weight, so R's BFGS takes another
    # path and stops elsewhere within its tolerance (about 1e-5 relative, module doc).
    np.testing.assert_allclose(grouped.params, every.params, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(grouped.cov, every.cov, rtol=1e-4, atol=1e-12)
    assert grouped.deviance == pytest.approx(every.deviance, rel=1e-9)
    # the split models start from per-row values as R's glm.fit: to its tolerance
    pd.testing.assert_frame_equal(grouped_test, every_test, rtol=1e-6)
    pd.testing.assert_frame_equal(grouped_test.attrs["slopes"], every_test.attrs["slopes"],
                                  rtol=1e-6)


def test_proportional_odds_test_refuses_a_singular_covariance() -> None:
    """With fewer replicates than the overall test's degrees of freedom the covariance of
    the slope differences is singular and the Wald statistic would be rounding noise (it
    came out as −5e14): the test must say so instead."""
    design = _survey(_simulate(3000, 12)).replicate("bootstrap", replicates=6, seed=3)
    model = design.ordinal_logit(FORMULA)
    with pytest.raises(sk.ArgumentError, match=r"covariance of the \d+ slope differences "
                                               r"has rank \d+.*too few PSUs or replicates"):
        model.proportional_odds_test()


@pytest.mark.parametrize("design_kind", ["clustered", "one respondent per PSU, raked"])
def test_grouped_influence_has_the_covariance_of_its_dense_values(monkeypatch,
                                                                  design_kind) -> None:
    """On groups of respondents the model's and the proportional-odds test's influence
    values go to the variance engine as one entry per respondent times the groups' rows;
    the covariance must be that of the same values as a dense matrix."""
    frame = _simulate(24_000, 14).assign(age=lambda f: f["age"].round())
    if design_kind == "clustered":
        design = _survey(frame)
    else:
        design = sk.SurveyDesign(frame, weights="w", strata="stratum").rake(
            {"group": {"low": 9000.0, "mid": 8000.0, "high": 7000.0},
             "commuter": {0: 15000.0, 1: 9000.0}})
    kinds = []
    original = ordinal_module.respondent_influence

    def spy(*args, **kwargs):
        influence = original(*args, **kwargs)
        kinds.append(type(influence).__name__)
        return influence
    monkeypatch.setattr(ordinal_module, "respondent_influence", spy)
    projected = design.ordinal_logit(FORMULA)
    projected_test = projected.proportional_odds_test()
    assert kinds == ["ProjectedInfluence", "ProjectedInfluence"]
    monkeypatch.setattr(ordinal_module, "respondent_influence",
                        lambda *args, **kwargs: np.asarray(original(*args, **kwargs)))
    dense = design.ordinal_logit(FORMULA)
    dense_test = dense.proportional_odds_test()
    np.testing.assert_array_equal(projected.params, dense.params)
    np.testing.assert_allclose(projected.cov, dense.cov, rtol=1e-9, atol=1e-15)
    pd.testing.assert_frame_equal(projected_test, dense_test, rtol=1e-9)
