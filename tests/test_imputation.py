"""Multiple imputation (surveykit.models.imputation): Rubin's rules against hand-computed
numbers, the no-missing-data limit, the D1 Wald test, determinism, dtypes and PMM."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

import surveykit as sk
from surveykit.models.imputation import PooledResult, fit_imputed, impute, pool

FORMULA = "y ~ age + group + commuter + score"


def _sample(n: int = 1500, seed: int = 5) -> pd.DataFrame:
    """A stratified clustered sample with a binary outcome and typed predictors."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["low", "mid", "high"], n, p=[0.3, 0.5, 0.2])
    age = rng.uniform(18, 80, n)
    score = np.clip(np.round((3 + 0.8 * rng.standard_normal(n) - 0.01 * (age - 50)) * 4) / 4,
                    1, 5)
    commuter = rng.binomial(1, special.expit(-0.5 + 0.02 * (50 - age)))
    eta = -0.5 + 0.03 * (age - 50) + 0.7 * (group == "high") - 0.4 * (group == "low") \
        + 0.5 * commuter - 0.6 * (score - 3)
    return pd.DataFrame({
        "stratum": rng.integers(0, 4, n), "psu": rng.integers(0, 12, n),
        "w": rng.uniform(0.5, 3, n), "age": age,
        "group": pd.Categorical(group, categories=["low", "mid", "high", "none"],
                                ordered=True),
        "commuter": pd.array(commuter, dtype="Int8"), "score": score,
        "y": pd.array(rng.binomial(1, special.expit(eta)), dtype="Int8"),
        "region": rng.choice(["north", "south"], n).astype(object),
    })


def _with_missing(frame: pd.DataFrame, seed: int = 6) -> pd.DataFrame:
    """Score missing more often when y = 1 (MAR), group and commuter MCAR."""
    rng = np.random.default_rng(seed)
    out = frame.copy()
    y = out["y"].to_numpy(dtype=float)
    out.loc[rng.random(len(out)) < special.expit(-2.2 + 1.2 * y), "score"] = np.nan
    out.loc[rng.random(len(out)) < 0.08, "group"] = np.nan
    out.loc[rng.random(len(out)) < 0.05, "commuter"] = pd.NA
    out.loc[rng.random(len(out)) < 0.04, "y"] = pd.NA
    return out


def _design(frame: pd.DataFrame) -> sk.SurveyDesign:
    return sk.SurveyDesign(frame, weights="w", strata="stratum", ids="psu", nest=True)


@pytest.fixture(scope="module")
def complete() -> pd.DataFrame:
    return _sample()


@pytest.fixture(scope="module")
def incomplete(complete) -> pd.DataFrame:
    return _with_missing(complete)


# ----------------------------------------------------------------------- Rubin's rules

ESTIMATES = [pd.Series([1.0, 2.0], index=["a", "b"]), pd.Series([1.2, 1.8], index=["a", "b"]),
             pd.Series([0.8, 2.3], index=["a", "b"])]
COVARIANCES = [pd.DataFrame(c, index=["a", "b"], columns=["a", "b"]) for c in (
    [[0.04, 0.01], [0.01, 0.09]], [[0.05, 0.012], [0.012, 0.08]],
    [[0.03, 0.008], [0.008, 0.10]])]


def test_rubins_rules_match_hand_computation() -> None:
    pooled = pool(ESTIMATES, COVARIANCES, df_complete=50)
    # Q̄ = (1 + 1.2 + 0.8)/3, (2 + 1.8 + 2.3)/3; Ū = element-wise means
    np.testing.assert_allclose(pooled.params, [1.0, 6.1 / 3])
    np.testing.assert_allclose(pooled.within, [[0.04, 0.01], [0.01, 0.09]])
    # B (divisor m − 1 = 2): deviations a (0, .2, −.2), b (−1/30, −7/30, 8/30)
    np.testing.assert_allclose(pooled.between, [[0.04, -0.05], [-0.05, 0.19 / 3]])
    # T = Ū + (1 + 1/3) B
    np.testing.assert_allclose(pooled.cov, [[0.04 + 0.16 / 3, 0.01 - 0.2 / 3],
                                            [0.01 - 0.2 / 3, 0.09 + 0.76 / 9]])
    np.testing.assert_allclose(pooled.bse, np.sqrt([0.04 + 0.16 / 3, 0.09 + 0.76 / 9]))
    riv = np.array([4 / 3 * 0.04 / 0.04, 4 / 3 * (0.19 / 3) / 0.09])
    np.testing.assert_allclose(pooled.riv, riv)
    # Barnard–Rubin: λ = r/(1 + r), ν_old = (m − 1)/λ², ν_obs = (ν+1)/(ν+3) ν (1 − λ)
    share = riv / (1 + riv)
    old = 2 / share**2
    observed = 51 / 53 * 50 * (1 - share)
    df = old * observed / (old + observed)
    np.testing.assert_allclose(pooled.df, df)
    np.testing.assert_allclose(pooled.df, [4.722282, 6.351197], rtol=1e-6)  # by hand
    np.testing.assert_allclose(pooled.fmi, (riv + 2 / (df + 3)) / (riv + 1))
    table = pooled.summary(level=0.9)
    quantile = stats.t.ppf(0.95, df)
    np.testing.assert_allclose(table["ci_high"] - table["estimate"], quantile * pooled.bse)
    np.testing.assert_allclose(table["p_value"],
                               2 * stats.t.sf(np.abs(pooled.params / pooled.bse), df))
    mice = pooled.pooling()
    assert list(mice.columns) == ["estimate", "ubar", "b", "t", "dfcom", "df", "riv",
                                  "lambda", "fmi"]
    np.testing.assert_allclose(mice["lambda"], share)


def test_d1_matches_li_raghunathan_rubin_with_reiter_df() -> None:
    pooled = pool(ESTIMATES, COVARIANCES, df_complete=50)
    # m = 3, k = 2: t = k(m − 1) = 4, so the Li–Raghunathan–Rubin df (capped by ν*_com)
    ubar, between = np.array([[0.04, 0.01], [0.01, 0.09]]), pooled.between.to_numpy()
    r1 = 4 / 3 * np.trace(between @ np.linalg.inv(ubar)) / 2
    qbar = pooled.params.to_numpy()
    d1 = qbar @ np.linalg.solve(ubar, qbar) / (2 * (1 + r1))
    df2 = 4 * 1.5 * (1 + 1 / r1) ** 2 / 2
    test = pooled.wald_test(["a", "b"])
    assert test.statistic == pytest.approx(d1)
    assert test.chisq == pytest.approx(2 * d1)
    assert (test.df, test.ddf) == (2, pytest.approx(df2))
    assert test.p_value == pytest.approx(stats.f.sf(d1, 2, df2))
    # m = 5: Reiter's (2007) small-sample df, as mitml::testModels(df.com=)
    five = pool(ESTIMATES + ESTIMATES[:2], COVARIANCES + COVARIANCES[:2], df_complete=50)
    test = five.wald_test("a + b")
    r = 6 / 5 * np.trace(five.between.to_numpy() @ np.linalg.inv(five.within.to_numpy())) / 2
    t, a, v = 8, r * 8 / 6, 51 / 53 * 50
    c1, c2 = v - 2 * (1 + a), v - 4 * (1 + a)
    z = 1 / c2 + (a**2 * c1 / ((1 + a) ** 2 * c2) + 8 * a**2 * c1 / ((1 + a) * c2**2)
                  + 4 * a**2 / ((1 + a) * c2) + 4 * a**2 / (c2 * c1) + 16 * a**2 * c1 / c2**3
                  + 8 * a**2 / c2**2) / (t - 4)
    assert test.ddf == pytest.approx(4 + 1 / z)


def test_pool_refuses_fits_with_different_parameters() -> None:
    other = pd.Series([1.0, 2.0], index=["a", "c"])
    with pytest.raises(sk.DataError, match="different parameters"):
        pool([ESTIMATES[0], other], COVARIANCES[:2], df_complete=50)


# ----------------------------------------------------------------------- no missing data

def test_without_missing_data_pooling_returns_the_single_fit(complete) -> None:
    design = _design(complete)
    single = design.logit(FORMULA)
    completed = impute(complete, ["y", "age", "group", "commuter", "score"], m=3, seed=1)
    for frame in completed:
        pd.testing.assert_frame_equal(frame, complete)
    pooled = fit_imputed(design, FORMULA, m=3, seed=1)
    assert isinstance(pooled, PooledResult) and pooled.imputed == {}
    pd.testing.assert_series_equal(pooled.params, single.params)
    pd.testing.assert_frame_equal(pooled.cov, single.cov)
    assert (pooled.between.to_numpy() == 0).all()
    assert (pooled.fmi == 0).all() and (pooled.riv == 0).all()
    v = single.df_resid
    np.testing.assert_allclose(pooled.df, v * (v + 1) / (v + 3))  # Barnard–Rubin at B = 0
    pd.testing.assert_series_equal(pooled.complete_case.params, single.params)
    assert (pooled.comparison()["difference"] == 0).all()
    # D1 with agreeing imputations is the complete-data Wald F test
    test, ordinary = pooled.wald_test("group"), single.wald_test("group")
    assert test.statistic == pytest.approx(ordinary.statistic, rel=1e-12)
    assert test.df == ordinary.df == 2
    assert test.ddf == pytest.approx(v * (v + 1) / (v + 3))
    assert test.p_value == pytest.approx(single.wald_test("group", df=test.ddf).p_value)


# ----------------------------------------------------------------------- imputation

def test_imputation_is_deterministic_by_seed(incomplete) -> None:
    variables = ["y", "age", "group", "commuter", "score"]
    first = impute(incomplete, variables, m=2, seed=11, iterations=3)
    again = impute(incomplete, variables, m=2, seed=11, iterations=3)
    other = impute(incomplete, variables, m=2, seed=12, iterations=3)
    for a, b in zip(first, again, strict=True):
        pd.testing.assert_frame_equal(a, b)
    assert not first[0]["score"].equals(other[0]["score"])
    assert not first[0]["score"].equals(first[1]["score"])  # imputations differ


def test_completed_data_keep_dtypes_categories_and_observed_values(incomplete) -> None:
    frame = incomplete.copy()
    frame["flag"] = pd.array(np.where(frame["age"] > 50, True, False), dtype="boolean")
    frame.loc[frame.index % 13 == 0, "flag"] = pd.NA
    frame.loc[frame.index % 17 == 0, "region"] = None
    frame["untouched"] = np.where(frame.index % 5 == 0, np.nan, 1.0)
    variables = ["y", "age", "group", "commuter", "score", "flag", "region"]
    completed = impute(frame, variables, m=2, seed=3, iterations=2)
    for data in completed:
        assert list(data.columns) == list(frame.columns)
        pd.testing.assert_series_equal(data.dtypes, frame.dtypes)
        assert data["group"].cat.categories.tolist() == ["low", "mid", "high", "none"]
        assert data["group"].cat.ordered
        assert not data[variables].isna().any().any()
        pd.testing.assert_series_equal(data["untouched"], frame["untouched"])
        for name in variables:
            seen = frame[name].notna()
            pd.testing.assert_series_equal(data.loc[seen, name], frame.loc[seen, name])
        # only levels someone reported are imputed
        assert "none" not in set(data["group"])
        assert set(data["region"]) == {"north", "south"}
        assert set(data["y"].unique()) <= {0, 1}


def test_predictive_mean_matching_imputes_observed_values_only(incomplete) -> None:
    observed = set(incomplete["score"].dropna())
    for data in impute(incomplete, ["y", "age", "score"], m=3, seed=2):
        gaps = incomplete["score"].isna()
        assert gaps.sum() > 100
        assert set(data.loc[gaps, "score"]) <= observed
        assert data["score"].between(1, 5).all()


def test_imputation_models_recover_the_missing_distributions(complete, incomplete) -> None:
    variables = ["y", "age", "group", "commuter", "score"]
    completed = impute(incomplete, variables, m=5, seed=4, iterations=5)
    truth = complete["score"].mean()
    imputed = np.mean([data["score"].mean() for data in completed])
    observed = incomplete["score"].mean()
    # Score is missing more often when y = 1, so the observed mean is too high; the
    # imputations, conditioned on y, correct it.
    assert abs(imputed - truth) < 0.5 * abs(observed - truth)
    shares = np.mean([data["group"].value_counts(normalize=True).sort_index()
                      for data in completed], axis=0)
    expected = complete["group"].value_counts(normalize=True).sort_index()
    np.testing.assert_allclose(shares, expected, atol=0.02)


def test_fit_imputed_pools_the_model_on_completed_data(incomplete) -> None:
    design = _design(incomplete)
    pooled = fit_imputed(design, FORMULA, m=5, seed=8, iterations=5)
    assert pooled.m == 5 and pooled.seed == 8 and len(pooled.fits) == 5
    assert pooled.imputed == {name: int(incomplete[name].isna().sum())
                              for name in ["y", "group", "commuter", "score"]}
    assert all(fit.n == len(incomplete) for fit in pooled.fits)
    assert pooled.complete_case.n < len(incomplete)
    assert (pooled.fmi > 0).all() and (pooled.fmi < 1).all()
    assert pooled.fmi["score"] > pooled.fmi["age"]
    # the design is the same in every fit: only the data differ
    for fit in pooled.fits:
        assert fit.design.structure is design.structure
        np.testing.assert_array_equal(fit.design.weights, design.weights)
    assert design._data["score"].isna().any()  # the design's own data are untouched
    table = pooled.summary()
    assert list(table.columns) == ["estimate", "se", "t", "df", "p_value", "ci_low",
                                   "ci_high", "fmi"]
    odds = pooled.odds_ratios()
    np.testing.assert_allclose(odds["odds_ratio"], np.exp(table["estimate"]))
    comparison = pooled.comparison()
    np.testing.assert_allclose(comparison["difference"],
                               comparison["mi_estimate"] - comparison["cc_estimate"])
    np.testing.assert_allclose(comparison["cc_estimate"], pooled.complete_case.params)
    # the imputations recover information: fully observed predictors gain precision
    assert comparison.loc["age", "se_ratio"] < 1
    np.testing.assert_allclose(pooled.estimates.mean(), pooled.params)
    again = fit_imputed(design, FORMULA, m=5, seed=8, iterations=5)
    pd.testing.assert_series_equal(again.params, pooled.params)


def test_auxiliary_variables_and_predictors(incomplete) -> None:
    design = _design(incomplete)
    pooled = fit_imputed(design, "y ~ age + score", m=2, seed=1,
                         variables=["y", "age", "score", "group"], predictors=["w"])
    assert set(pooled.imputed) == {"y", "score", "group"}
    with pytest.raises(sk.ArgumentError, match=r"'commuter' has .* missing values"):
        impute(incomplete, ["score", "y"], m=2, predictors=["commuter"])


def test_ordinal_and_multinomial_models_pool_like_their_single_fits(complete) -> None:
    rng = np.random.default_rng(9)
    latent = 0.03 * (complete["age"] - 50) - 0.6 * (complete["score"] - 3) \
        + rng.logistic(size=len(complete))
    frame = complete.assign(
        intent=pd.Categorical(np.digitize(latent, [-1.0, 0.3, 1.5]), categories=[0, 1, 2, 3],
                              ordered=True),
        destination=pd.Categorical(rng.choice(["region", "germany", "abroad"],
                                              len(complete), p=[0.5, 0.35, 0.15])))
    design = _design(frame)
    ordinal = fit_imputed(design, "intent ~ age + score + group", model="ordinal_logit", m=2)
    single = design.ordinal_logit("intent ~ age + score + group")
    pd.testing.assert_series_equal(ordinal.params, single.params)
    assert "0|1" in ordinal.params.index
    assert ordinal.wald_test("group").statistic == pytest.approx(
        single.wald_test("group").statistic)
    nominal = fit_imputed(design, "destination ~ age + group", model="multinomial_logit",
                          m=2, reference="region")
    single = design.multinomial_logit("destination ~ age + group", reference="region")
    pd.testing.assert_series_equal(nominal.params, single.params)
    test = nominal.wald_test("group")  # both equations' group coefficients
    assert (test.df, test.statistic) == (4, pytest.approx(single.wald_test("group").statistic))


def test_a_subpopulation_is_imputed_within_itself(incomplete) -> None:
    design = _design(incomplete).subset(incomplete["region"] == "north")
    pooled = fit_imputed(design, FORMULA, m=2, seed=1, iterations=2)
    north = (incomplete["region"] == "north").to_numpy()
    assert pooled.imputed["score"] == incomplete.loc[north, "score"].isna().sum()
    for fit in pooled.fits:
        data = fit.design._data
        assert not data.loc[north, ["y", "group", "commuter", "score"]].isna().any().any()
        pd.testing.assert_frame_equal(data.loc[~north], incomplete.loc[~north])
        assert fit.n == north.sum()


# ----------------------------------------------------------------------- errors

def test_clear_errors(incomplete) -> None:
    design = _design(incomplete)
    with pytest.raises(sk.ArgumentError, match="m >= 2"):
        fit_imputed(design, FORMULA, m=1)
    with pytest.raises(sk.ArgumentError, match="m >= 2"):
        impute(incomplete, ["score"], m=1)
    empty = incomplete.assign(score=np.nan)
    with pytest.raises(sk.DataError, match="'score' is missing for all 1500"):
        fit_imputed(_design(empty), FORMULA, m=2)
    with pytest.raises(sk.ArgumentError, match=r"names 'scores', which is not.*'score'"):
        fit_imputed(design, "y ~ age + scores", m=2)
    with pytest.raises(sk.ArgumentError, match=r"not a column.*did you mean 'score'"):
        impute(incomplete, ["scor"], m=2)
    with pytest.raises(sk.ArgumentError, match="model='probit' is not supported"):
        fit_imputed(design, FORMULA, model="probit")
    with pytest.raises(sk.ArgumentError, match="needs an outcome"):
        fit_imputed(design, "age + score")
    with pytest.raises(sk.ArgumentError, match="'score' has missing values but is not among"):
        fit_imputed(design, FORMULA, variables=["y", "group", "commuter"])


def test_imputation_logit_on_cells_equals_the_dense_fit(monkeypatch) -> None:
    """From 20,000 rows the imputation models' Newton steps form X'WX, X'r and Xβ on the
    cells of the 0/1 columns; coefficients and information must be the dense ones."""
    from surveykit.models.cell_matrix import cell_matrix

    rng = np.random.default_rng(31)
    n = 30_000
    age = rng.integers(0, 5, n)
    X = np.column_stack([np.ones(n), (age[:, None] == np.arange(1, 5)).astype(float),
                         rng.integers(0, 2, (n, 3)), rng.integers(4, 21, n) / 4.0 - 3])
    eta = X @ rng.normal(0, 0.4, (X.shape[1], 2))
    probabilities = np.exp(np.column_stack([np.zeros(n), eta]))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    codes = (rng.random(n)[:, None] > np.cumsum(probabilities, axis=1)[:, :-1]).sum(axis=1)
    assert cell_matrix(X) is not None
    _assert_logit_fits_agree(monkeypatch, X, X, ((3, codes), (2, (codes > 0).astype(int))),
                             rtol=1e-10, atol=(1e-12, 1e-9))


def _assert_logit_fits_agree(monkeypatch, fast_X, X, outcomes, rtol, atol) -> None:
    """`_fit_logit` on ``fast_X`` (cell form, or dense with the cell route open) against
    the dense fit on ``X``: coefficients and information."""
    from surveykit.models import imputation_draws

    for classes, outcome in outcomes:
        fast = imputation_draws.fit_logit(fast_X, outcome, classes, None)
        with monkeypatch.context() as patch:
            patch.setattr(imputation_draws, "cell_matrix", lambda matrix: None)
            dense = imputation_draws.fit_logit(X, outcome, classes, None)
        np.testing.assert_allclose(fast[0], dense[0], rtol=rtol, atol=atol[0])
        np.testing.assert_allclose(fast[1], dense[1], rtol=rtol, atol=atol[1])


def test_cell_predictors_are_the_dense_imputation_matrix() -> None:
    """On large data the chain builds each model's predictors in cell form from the level
    codes; densified, they must be exactly the matrix `_rows` builds from the blocks, and
    the columns dropped as constant must be the same."""
    from surveykit.models import imputation_cells, imputation_coding

    rng = np.random.default_rng(7)
    n = 40_000
    frame = pd.DataFrame({
        "age": pd.Categorical(rng.choice(["18-29", "30-44", "45-64", "65+"], n)),
        "move": rng.integers(0, 2, n).astype(float),
        "edu": pd.Categorical(rng.choice(["low", "mid", "high"], n),
                              categories=["low", "mid", "high", "unused"]),
        "score": rng.integers(1, 50, n) / 8.0,
        "female": rng.integers(0, 2, n) == 1,
    })
    frame.loc[rng.random(n) < 0.1, "move"] = np.nan
    frame.loc[rng.random(n) < 0.05, "score"] = np.nan
    variables = [imputation_coding.encode(frame[name], name) for name in ("move", "edu", "score")]
    extras = [imputation_coding.encode(frame[name], name) for name in ("age", "female")]
    current = [v.values.copy() for v in variables]
    for j, variable in enumerate(variables):
        observed = variable.values[~variable.missing]
        current[j][variable.missing] = rng.choice(observed, int(variable.missing.sum()))
    blocks = [imputation_coding.block(v, c) for v, c in zip(variables, current, strict=True)]
    for j, variable in enumerate(variables):
        parts = [*(imputation_coding.block(e, e.values) for e in extras),
                 *(b for i, b in enumerate(blocks) if i != j)]
        dense = imputation_coding.predictor_rows(parts, ~variable.missing)
        cells = imputation_cells.CellCodes(variables, current, extras).matrix(j, current)
        assert cells is not None
        observed = cells.rows(~variable.missing)
        rebuilt = np.empty(dense.shape)
        rebuilt[:, observed.binary] = observed.table[observed.cells]
        rebuilt[:, observed.other] = observed.values
        np.testing.assert_array_equal(rebuilt, dense)
        np.testing.assert_array_equal(observed.varying(), np.ptp(dense, axis=0) > 0)
        beta = rng.normal(size=dense.shape[1])
        np.testing.assert_allclose(observed.product(beta), dense @ beta, rtol=1e-12)
        np.testing.assert_allclose(observed.gram(np.ones(len(dense))), dense.T @ dense,
                                   rtol=1e-10)


def test_coded_cells_give_way_to_the_dense_matrix_when_they_do_not_pay() -> None:
    """More cells than n / 20 (a near-unique code per row): no cell form."""
    from surveykit.models.cell_matrix import coded_cell_matrix

    n = 30_000
    codes = np.arange(n) % 5_000
    table = np.eye(5_000)[:, 1:]
    intercept = (np.zeros(n, dtype=np.int64), np.ones((1, 1)), np.array([0]))
    assert coded_cell_matrix(5_000, [intercept, (codes, table, np.arange(1, 5_000))],
                             []) is None
    few = (codes % 3, np.array([[0.0], [1.0], [0.0]]), np.array([1]))
    built = coded_cell_matrix(2, [intercept, few], [])
    assert built is not None and built.n_cells == 3


def test_imputation_logit_on_grouped_cells_equals_the_dense_fit(monkeypatch) -> None:
    """Where every column depends only on the cell, Newton runs on each cell's counts per
    level; coefficients and information must be those of the fit on every row."""
    from surveykit.models.cell_matrix import coded_cell_matrix

    rng = np.random.default_rng(37)
    n = 25_000
    age, score = rng.integers(0, 5, n), rng.integers(1, 6, n)
    X = np.column_stack([np.ones(n), (age[:, None] == np.arange(1, 5)).astype(float),
                         rng.integers(0, 2, (n, 2)), (score - 3) / 1.4])
    eta = X @ rng.normal(0, 0.5, (X.shape[1], 3))
    probabilities = np.exp(np.column_stack([np.zeros(n), eta]))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    codes = (rng.random(n)[:, None] > np.cumsum(probabilities, axis=1)[:, :-1]).sum(axis=1)
    intercept = (np.zeros(n, dtype=np.int64), np.ones((1, 1)), np.array([0]))
    cells = coded_cell_matrix(8, [
        intercept, (age, np.eye(5)[:, 1:], np.arange(1, 5)),
        ((X[:, 5] + 2 * X[:, 6]).astype(np.int64), np.array([[0, 0], [1, 0], [0, 1], [1, 1.0]]),
         np.array([5, 6])),
        (score - 1, ((np.arange(1, 6) - 3) / 1.4)[:, None], np.array([7]))], [])
    assert cells is not None and len(cells.other) == 0 and cells.n_cells <= 5 * 4 * 5
    _assert_logit_fits_agree(monkeypatch, cells, X, ((4, codes), (2, (codes > 1).astype(int))),
                             rtol=1e-9, atol=(1e-11, 1e-8))


def test_the_chains_combined_codes_follow_imputed_values() -> None:
    """The chain keeps one combined level code per respondent and updates it as a variable
    takes imputed values; every model's cells must then equal those built afresh."""
    from surveykit.models import imputation_cells, imputation_coding

    rng = np.random.default_rng(41)
    n = 30_000
    frame = pd.DataFrame({
        "edu": pd.Categorical(rng.choice(["low", "mid", "high"], n)),
        "score": rng.integers(1, 8, n).astype(float),
        "move": rng.integers(0, 2, n).astype(float),
        "stratum": pd.Categorical(rng.integers(0, 6, n)),
    })
    for name in ("edu", "score", "move"):
        frame.loc[rng.random(n) < 0.1, name] = np.nan
    variables = [imputation_coding.encode(frame[name], name) for name in ("edu", "score", "move")]
    extras = [imputation_coding.encode(frame["stratum"], "stratum")]
    current = [v.values.copy() for v in variables]
    for j, variable in enumerate(variables):
        observed = variable.values[~variable.missing]
        current[j][variable.missing] = rng.choice(observed, int(variable.missing.sum()))
    kept = imputation_cells.CellCodes(variables, current, extras)
    for j, variable in enumerate(variables):
        observed = variable.values[~variable.missing]
        draws = rng.choice(observed, int(variable.missing.sum()))
        current[j][variable.missing] = draws
        kept.update(j, variable.missing, draws)
        for k in range(len(variables)):
            fresh = imputation_cells.CellCodes(variables, current, extras).matrix(k, current)
            updated = kept.matrix(k, current)
            np.testing.assert_array_equal(updated.table[updated.cells],
                                          fresh.table[fresh.cells])


def test_pmm_order_from_cells_is_the_stable_argsort() -> None:
    """Predictive mean matching sorts the observed respondents by their fitted values; from
    the cells it ranks the cells' values instead, and must give the very same order — ties
    (equal values in different cells, as two equal coefficients give) in row order."""
    from surveykit.models import imputation_draws
    from surveykit.models.cell_matrix import coded_cell_matrix

    rng = np.random.default_rng(21)
    n = 30_000
    first, second = rng.integers(0, 5, n), rng.integers(0, 4, n)
    dummies = np.eye(5)[:, 1:], np.eye(4)[:, 1:]
    cells = coded_cell_matrix(8, [(np.zeros(n, dtype=np.int64), np.ones((1, 1)),
                                   np.array([0])),
                                  (first, dummies[0], np.arange(1, 5)),
                                  (second, dummies[1], np.arange(5, 8))], [])
    assert cells is not None and not len(cells.other)
    for beta in (rng.normal(size=8),                          # distinct cell values
                 np.array([0.5, 1.0, 1.0, 2.0, 0.0, 1.0, 2.0, 0.0])):  # many ties
        fitted = cells.product(beta)
        order = imputation_draws.fitted_order(cells, beta, fitted)
        np.testing.assert_array_equal(order, np.argsort(fitted, kind="stable"))
    dense = np.column_stack([np.ones(n), rng.normal(size=n)])
    beta = np.array([0.1, 2.0])
    fitted = dense @ beta
    np.testing.assert_array_equal(imputation_draws.fitted_order(dense, beta, fitted),
                                  np.argsort(fitted, kind="stable"))


def _education_score_move(rng: np.random.Generator, n: int, score_levels: range
                          ) -> pd.DataFrame:
    """Education (three levels), an integer score, a 0/1 outcome depending on both and six
    strata, complete; the tests of the chains' cell forms make values missing."""
    edu = rng.choice(["low", "mid", "high"], n)
    score = rng.choice(np.array(score_levels, dtype=float), n)
    move = (rng.random(n) < special.expit(-1.5 + 0.5 * (edu == "high") + 0.15 * score)
            ).astype(float)
    return pd.DataFrame({"edu": pd.Categorical(edu), "score": score, "move": move,
                         "stratum": pd.Categorical(rng.integers(0, 6, n))})


def test_chains_on_grouped_counts_equal_the_cell_matrix_route(monkeypatch) -> None:
    """On large data a categorical variable's model is counted straight from the chain's
    combined codes (`_CellCodes.grouped`); the imputations must be those of the cell-matrix
    route bit for bit — the same cells, counts, fits and draws — including a level that a
    constant column among the observed drops, and a numeric variable (PMM) in the chain."""
    from surveykit.models import imputation_cells

    rng = np.random.default_rng(43)
    n = 45_000
    frame = _education_score_move(rng, n, score_levels=range(1, 8)).assign(
        region=pd.Categorical(rng.choice(["a", "b", "c", "d"], n)))
    # region "d" only where edu is missing: its dummy is constant among edu's observed
    # (region is complete, so it only predicts)
    frame.loc[rng.random(n) < 0.12, "edu"] = np.nan
    frame.loc[frame["region"].eq("d") & frame["edu"].notna(), "region"] = "c"
    for name in ("score", "move"):
        frame.loc[rng.random(n) < 0.08, name] = np.nan
    names = ["edu", "score", "move", "region"]
    calls = []
    original = imputation_cells.CellCodes.grouped

    def counted(self, j, missing):
        model = original(self, j, missing)
        calls.append(model is not None)
        return model
    monkeypatch.setattr(imputation_cells.CellCodes, "grouped", counted)
    grouped = impute(frame, names, m=2, seed=5, iterations=3, predictors=["stratum"])
    assert calls == [True] * 2 * 3 * 2  # edu and move × 3 iterations × 2 chains
    monkeypatch.setattr(imputation_cells.CellCodes, "grouped", lambda self, j, missing: None)
    matrix = impute(frame, names, m=2, seed=5, iterations=3, predictors=["stratum"])
    for first, second in zip(grouped, matrix, strict=True):
        pd.testing.assert_frame_equal(first, second)
    assert not grouped[0].equals(grouped[1])


def test_chains_on_a_grid_fit_the_models_of_the_cell_table(monkeypatch) -> None:
    """A predictor with many levels (an 11-point score) becomes the inner axis of a grid in
    the categorical models; the fits must be those on the cells of every predictor to
    rounding, and the chains' imputations the same."""
    from surveykit.models import imputation_cells, imputation_coding, imputation_draws

    rng = np.random.default_rng(47)
    n = 40_000
    frame = _education_score_move(rng, n, score_levels=range(11))
    for name, share in (("edu", 0.12), ("score", 0.05), ("move", 0.08)):
        frame.loc[rng.random(n) < share, name] = np.nan
    variables = [imputation_coding.encode(frame[name], name) for name in ("edu", "score", "move")]
    extras = [imputation_coding.encode(frame["stratum"], "stratum")]
    current = [v.values.copy() for v in variables]
    for j, variable in enumerate(variables):
        current[j][variable.missing] = rng.choice(variable.values[~variable.missing],
                                                  int(variable.missing.sum()))
    coded = imputation_cells.CellCodes(variables, current, extras)
    for j in (0, 2):  # edu (three levels) and move (0/1)
        on_grid = coded.grouped(j, np.flatnonzero(variables[j].missing))
        assert on_grid.grid is not None and len(on_grid.grid.inner) == 11
        assert on_grid.grid.shape[0] == len(on_grid.counts) <= len(on_grid.table) * 11
        with monkeypatch.context() as patch:
            patch.setattr(imputation_cells, "GRID_LEVELS", 10**6)
            flat = coded.grouped(j, np.flatnonzero(variables[j].missing))
        assert flat.grid is None and len(flat.table) > 5 * len(on_grid.table)
        draws_grid, beta_grid = imputation_draws.draw_logit_cells(on_grid,
                                                             np.random.default_rng(1), None)
        draws_flat, beta_flat = imputation_draws.draw_logit_cells(flat, np.random.default_rng(1),
                                                             None)
        np.testing.assert_allclose(beta_grid, beta_flat, rtol=1e-9, atol=1e-12)
        np.testing.assert_array_equal(draws_grid, draws_flat)
    names = ["edu", "score", "move"]
    grid = impute(frame, names, m=2, seed=9, iterations=3, predictors=["stratum"])
    monkeypatch.setattr(imputation_cells, "GRID_LEVELS", 10**6)
    flat = impute(frame, names, m=2, seed=9, iterations=3, predictors=["stratum"])
    for first, second in zip(grid, flat, strict=True):
        pd.testing.assert_frame_equal(first, second)


def test_cell_grid_products_are_those_of_its_dense_matrix() -> None:
    """`CellGrid` stands for the matrix whose row i is outer row ``outer_of[i]`` and inner
    row ``inner_of[i]`` in their columns (interleaved in any order); its products must be
    the dense ones."""
    from surveykit.models.cell_matrix import CellGrid

    rng = np.random.default_rng(4)
    outer_of, inner_of = np.nonzero(rng.random((9, 6)) < 0.6)
    grid = CellGrid(rng.integers(0, 2, (9, 4)).astype(float), rng.normal(size=(6, 2)),
                    np.array([0, 1, 3, 5]), np.array([2, 4]), outer_of, inner_of)
    dense = np.zeros((len(outer_of), 6))
    dense[:, [0, 1, 3, 5]] = grid.outer[outer_of]
    dense[:, [2, 4]] = grid.inner[inner_of]
    assert grid.shape == dense.shape
    weights, beta = rng.normal(size=len(dense)), rng.normal(size=(6, 2))
    residuals = rng.normal(size=(len(dense), 3))
    np.testing.assert_allclose(grid.gram(weights), dense.T @ (dense * weights[:, None]),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grid.product(beta), dense @ beta, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grid.transpose_product(residuals), dense.T @ residuals,
                               rtol=1e-12, atol=1e-12)


def test_imputation_fits_come_one_at_a_time_as_fit_imputations_makes_them(
        incomplete, monkeypatch) -> None:
    """`imputation_fits` checks its arguments at the call, then makes each completed data
    set only when its fit is asked for: the fits equal `fit_imputations`' (and those of
    the imputations made alone), and a generator taken one step has made one chain."""
    from surveykit.models import imputation

    design = _design(incomplete)
    with pytest.raises(sk.ArgumentError, match="m >= 2"):
        imputation.imputation_fits(design, FORMULA, m=1)
    together = imputation.fit_imputations(design, FORMULA, m=4, seed=8, iterations=3,
                                          only=[2, 0])
    chains = []
    original = imputation._chain

    def counted(*args, **kwargs):
        chains.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(imputation, "_chain", counted)
    fits = imputation.imputation_fits(design, FORMULA, m=4, seed=8, iterations=3,
                                      only=[2, 0])
    assert not chains
    first = next(fits)
    assert len(chains) == 1
    rest = list(fits)
    assert len(chains) == 2 and len(rest) == 1
    for fit, reference in zip([first, *rest], together, strict=True):
        pd.testing.assert_series_equal(fit.params, reference.params)
        pd.testing.assert_frame_equal(fit.cov, reference.cov)
    alone = imputation.fit_imputations(design, FORMULA, m=4, seed=8, iterations=3, only=[0])
    pd.testing.assert_series_equal(alone[0].params, rest[0].params)
