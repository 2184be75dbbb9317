"""The robustness appendix (surveykit.models.robustness): boosting against the logit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin
import pytest
from conftest import EXAMPLE_CONFIG, EXAMPLE_SAV, ROOT
from sklearn.metrics import roc_auc_score

import surveykit as sk
from surveykit.data.config import configured_scales, load_survey_config
from surveykit.models.robustness import (
    robustness_check,
    scale_reliability,
    weighted_auc,
    weighted_brier,
)

LEISURE = ["zuf_kultur", "zuf_freizeit", "zuf_sport", "zuf_gastro", "zuf_verein", "zuf_treff"]


def _sample(n: int, seed: int, truth: str, psu_size: int = 0) -> sk.SurveyDesign:
    """A weighted sample whose outcome is logistic-linear or has a strong interaction.

    ``truth="linear"``: logit P(y) = −0.3 + 0.9·x + 0.6·[region B] − 0.5·[region C] + 0.4·z.
    ``truth="interaction"``: the effect of x flips sign between regions and z enters as
    |z| — the main-effects logit cannot represent either.
    """
    rng = np.random.default_rng(seed)
    region = rng.choice(np.array(["A", "B", "C"]), n)
    x, z = rng.normal(size=n), rng.normal(size=n)
    if truth == "linear":
        eta = -0.3 + 0.9 * x + 0.6 * (region == "B") - 0.5 * (region == "C") + 0.4 * z
    else:
        eta = np.where(region == "A", 2.5 * x, -2.5 * x) + 1.5 * (np.abs(z) - 0.8)
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(np.int8)
    frame = pd.DataFrame({"y": y, "x": x, "z": z, "region": pd.Categorical(region),
                          "weight": rng.uniform(0.5, 3.0, n)})
    if psu_size:
        frame["psu"] = np.arange(n) // psu_size
        frame["stratum"] = frame["psu"] % 4
        return sk.SurveyDesign(frame, weights="weight", strata="stratum", ids="psu")
    return sk.SurveyDesign(frame, weights="weight")


@pytest.fixture(scope="module")
def example():
    config = load_survey_config(EXAMPLE_CONFIG, root=ROOT)
    raw, codebook = sk.read_survey(EXAMPLE_SAV)
    harmonised = sk.harmonise(raw, codebook, config)
    design = sk.SurveyDesign(harmonised.data, weights="design_weight",
                             strata="design_stratum")
    return config, raw, harmonised, design


# --------------------------------------------------------------------------- metrics


def test_weighted_auc_by_hand_and_as_sklearn() -> None:
    y = np.array([0, 0, 1, 1])
    score = np.array([0.1, 0.4, 0.4, 0.8])
    weights = np.array([1.0, 2.0, 3.0, 4.0])
    # positive × negative pairs, w_i w_j each, a tie counting one half:
    # (0.4 vs 0.1) 3·1 + (0.4 vs 0.4) ½·3·2 + (0.8 vs 0.1) 4·1 + (0.8 vs 0.4) 4·2 = 18 of 7·3
    assert weighted_auc(y, score, weights) == pytest.approx(18 / 21, abs=1e-15)
    assert weighted_auc(y, score, weights) == pytest.approx(
        roc_auc_score(y, score, sample_weight=weights), abs=1e-15)
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 500)
    score = np.round(rng.random(500), 2)  # many ties
    weights = rng.uniform(0.2, 5, 500)
    assert weighted_auc(y, score, weights) == pytest.approx(
        roc_auc_score(y, score, sample_weight=weights), abs=1e-12)
    # integer weights are frequency weights: the AUC of the replicated rows
    counts = rng.integers(1, 4, 500)
    assert weighted_auc(y, score, counts) == pytest.approx(
        roc_auc_score(np.repeat(y, counts), np.repeat(score, counts)), abs=1e-12)
    assert weighted_brier(np.array([0, 1]), np.array([0.2, 0.6]), np.array([1.0, 3.0])) == \
        pytest.approx((0.04 + 3 * 0.16) / 4)
    with pytest.raises(sk.DataError, match="both outcome values"):
        weighted_auc(np.array([1, 1]), np.array([0.2, 0.3]))


# --------------------------------------------------------------------------- the check


def test_logistic_linear_truth_boosting_does_not_beat_the_logit() -> None:
    result = robustness_check(_sample(3000, 1, "linear"), "y", ["x", "region", "z"],
                              seed=11, n_repeats=2)
    assert not result.finds_structure
    assert result.auc_gain < max(result.auc_gain_spread, 0.01)
    assert "finds no structure the logit misses" in result.verdict
    logit_auc = result.metrics.loc[("logit", "auc"), "mean"]
    assert 0.7 < logit_auc < 0.85
    # the logit's permutation importance ranks the truth's strongest effect first
    assert result.importance.loc["logit"].index[0] == "x"
    assert list(result.importance.index.get_level_values("model").unique()) == \
        ["boosting", "logit"]


def test_interaction_and_non_linearity_are_found() -> None:
    result = robustness_check(_sample(3000, 2, "interaction"), "y", ["x", "region", "z"],
                              seed=11, n_repeats=2)
    assert result.finds_structure
    assert result.auc_gain > 0.1 > result.auc_gain_spread
    assert result.metrics.loc[("difference", "brier"), "mean"] < 0  # boosting better
    assert result.verdict.startswith("Gradient boosting finds structure the logit misses")
    assert f"{result.auc_gain:+.3f}" in result.verdict
    boosting = result.importance.loc["boosting", "auc_drop"]
    logit = result.importance.loc["logit", "auc_drop"]
    assert boosting["x"] > 0.1 and boosting["x"] > logit["x"] + 0.1


def test_example_survey_logit_misses_nothing(example) -> None:
    config, raw, _, design = example
    predictors = config.spec["models"]["predictors"] + config.spec["models"]["controls"]
    items = raw[LEISURE].where(raw[LEISURE] < 9)
    result = robustness_check(design, "willing_to_move", predictors, n_repeats=2,
                              scales={"leisure_satisfaction": LEISURE}, item_data=items)
    assert not result.finds_structure
    assert result.n + result.n_dropped == design.n
    assert result.folds.notna().sum() == result.n
    assert set(result.fold_metrics["fold"]) == {1, 2, 3, 4, 5}
    assert result.reliability.loc["leisure_satisfaction", "n_complete"] > 2000


def test_deterministic_with_the_seed() -> None:
    design = _sample(1500, 4, "interaction")
    first = robustness_check(design, "y", ["x", "region", "z"], seed=5, n_repeats=2)
    again = robustness_check(design, "y", ["x", "region", "z"], seed=5, n_repeats=2)
    pd.testing.assert_frame_equal(first.metrics, again.metrics)
    pd.testing.assert_frame_equal(first.importance, again.importance)
    pd.testing.assert_series_equal(first.folds, again.folds)
    assert first.verdict == again.verdict
    other = robustness_check(design, "y", ["x", "region", "z"], seed=6, n_repeats=2)
    assert not first.folds.equals(other.folds)


def test_folds_keep_every_psu_whole() -> None:
    design = _sample(2400, 5, "linear", psu_size=16)  # 150 PSUs in 4 strata
    result = robustness_check(design, "y", ["x", "region", "z"], seed=2, n_repeats=1)
    assert result.grouped
    folds_per_psu = pd.DataFrame({"psu": design.data["psu"], "fold": result.folds}) \
        .groupby("psu")["fold"].nunique()
    assert (folds_per_psu == 1).all()
    assert set(result.folds.unique()) == {1, 2, 3, 4, 5}
    # without clusters the folds are stratified by the outcome, not grouped
    plain = robustness_check(_sample(2400, 5, "linear"), "y", ["x"], seed=2, n_repeats=1)
    assert not plain.grouped
    shares = plain.fold_metrics.loc[plain.fold_metrics["model"] == "logit", "n"]
    assert shares.max() - shares.min() <= 1


def test_zero_weight_respondents_are_left_out() -> None:
    design = _sample(2000, 6, "linear")
    subset = design.subset(design.data["region"] != "C")
    result = robustness_check(subset, "y", ["x", "z"], seed=1, n_repeats=1)
    assert result.n == subset.n
    assert result.folds[design.data["region"] == "C"].isna().all()


# --------------------------------------------------------------------------- errors


def test_clear_errors(example) -> None:
    _, _, _, design = example
    with pytest.raises(sk.DataError, match=r"'intent' is categorical.*willing_to_move"):
        robustness_check(design, "intent", ["age_group"])
    with pytest.raises(sk.DataError, match=r"'leisure_satisfaction' has the values .* recode"):
        robustness_check(design, "leisure_satisfaction", ["age_group"])
    with pytest.raises(sk.ArgumentError, match=r"'agegroup' is not a column.*'age_group'"):
        robustness_check(design, "willing_to_move", ["agegroup"])
    with pytest.raises(sk.ArgumentError, match="folds=1"):
        robustness_check(design, "willing_to_move", ["age_group"], folds=1)
    small = design.subset(np.arange(len(design.weights)) < 100)
    with pytest.raises(sk.DataError, match=r"per fold.*at least 30 per fold.*fewer folds"):
        robustness_check(small, "willing_to_move", ["age_group"])
    rare = pd.DataFrame({"y": (np.arange(600) < 12).astype(int),
                         "x": np.random.default_rng(0).normal(size=600)})
    with pytest.raises(sk.DataError, match=r"rarer value of 'y'"):
        robustness_check(sk.SurveyDesign(rare), "y", ["x"])
    clustered = _sample(600, 8, "linear", psu_size=200)  # 3 PSUs
    with pytest.raises(sk.DataError, match=r"3 PSUs.*folds=3 at most"):
        robustness_check(clustered, "y", ["x"])


# --------------------------------------------------------------------------- reliability


def test_alpha_matches_pingouin_on_the_example_leisure_items(example) -> None:
    config, raw, harmonised, _ = example
    scales = configured_scales(config)
    assert scales["leisure_satisfaction"] == LEISURE
    items = raw[LEISURE].where(raw[LEISURE] < 9)  # 9 = "keine Angabe"
    table = scale_reliability(items, {"leisure_satisfaction": LEISURE})
    complete = items.dropna()
    alpha, interval = pingouin.cronbach_alpha(data=complete)
    row = table.loc["leisure_satisfaction"]
    assert row["alpha"] == pytest.approx(alpha, abs=1e-12)
    assert [row["ci_low"], row["ci_high"]] == list(interval)
    assert row["n_complete"] == len(complete) and row["items"] == 6
    # the same as the harmonise report (which reverses the items: α does not change)
    reported = harmonised.report["concepts"]["leisure_satisfaction"]["reliability"]
    assert row["alpha"] == pytest.approx(reported["cronbach_alpha"], abs=1e-12)
    assert [row["ci_low"], row["ci_high"]] == reported["cronbach_alpha_ci95"]
    pairwise = scale_reliability(items, {"leisure": LEISURE}, nan_policy="pairwise")
    assert pairwise.loc["leisure", "alpha"] == pytest.approx(
        pingouin.cronbach_alpha(data=items.dropna(how="all"))[0], abs=1e-12)
    with pytest.raises(sk.ArgumentError, match=r"'zuf_kultr'.*did you mean 'zuf_kultur'"):
        scale_reliability(items, {"leisure": ["zuf_kultr", "zuf_sport"]})
    with pytest.raises(sk.ArgumentError, match="at least two"):
        scale_reliability(items, {"leisure": ["zuf_sport"]})


def test_permutations_on_a_sample_of_large_folds(monkeypatch) -> None:
    """Folds larger than PERMUTATION_ROWS are permuted on a random sample of that many:
    the importances still find the interaction, are reproducible, and differ from the
    whole-fold ones only by sampling error; AUCs and predictions use the whole fold."""
    from surveykit.models import robustness

    design = _sample(3000, 2, "interaction")
    whole = robustness_check(design, "y", ["x", "region", "z"], seed=11, n_repeats=2)
    monkeypatch.setattr(robustness, "PERMUTATION_ROWS", 300)
    sampled = robustness_check(design, "y", ["x", "region", "z"], seed=11, n_repeats=2)
    again = robustness_check(design, "y", ["x", "region", "z"], seed=11, n_repeats=2)
    pd.testing.assert_frame_equal(sampled.importance, again.importance)
    pd.testing.assert_frame_equal(sampled.metrics, whole.metrics)
    assert not sampled.importance.equals(whole.importance)
    boosting = sampled.importance.loc["boosting", "auc_drop"]
    assert boosting["x"] > 0.1
    np.testing.assert_allclose(boosting, whole.importance.loc["boosting", "auc_drop"],
                               atol=0.06)


def test_distinct_rows_give_back_every_row() -> None:
    """`distinct_rows` finds each distinct row once and maps every row to it, by the
    combined column codes and, where they would overflow, by `np.unique` over rows."""
    from surveykit.models.robustness import distinct_rows

    rng = np.random.default_rng(5)
    matrix = np.column_stack([rng.integers(0, 3, 500), rng.integers(0, 2, 500),
                              rng.choice([0.5, 1.25, 7.0], 500)]).astype(float)
    first, inverse = distinct_rows(matrix)
    np.testing.assert_array_equal(matrix[first][inverse], matrix)
    assert len(first) == len(np.unique(matrix, axis=0)) <= 18
    wide = np.column_stack([rng.normal(size=400) for _ in range(10)])  # 200¹⁰ ≥ 2⁶²
    wide[200:] = wide[:200]
    first, inverse = distinct_rows(wide)
    assert len(first) == 200
    np.testing.assert_array_equal(wide[first][inverse], wide)


@pytest.mark.parametrize("column", [
    np.array([3.0, 1.0, -2.0, 1.0, 3.0, -0.0, 0.0]),            # whole numbers, −0 = 0
    np.array([1.0, 2.5, 1.0, 2.5, 4.0]),                        # not whole: sorted
    np.array([1.0, np.nan, 2.0, np.nan, 1.0]),                  # NaN: sorted, NaN last
    np.array([1.0, np.inf, -np.inf, 1.0]),
    np.array([0.0, 1e15, 1e15, 0.0, 3.0]),                      # whole, too wide a span
    np.array([9.3e18, -9.3e18, 0.0]),                           # beyond int64
    np.array([5, 2, 5, 9, 2], dtype=np.int16),
    np.array([True, False, True]),
])
def test_a_columns_codes_are_those_of_numpys_unique(column: np.ndarray) -> None:
    """`distinct_rows` codes whole numbers by a table, others by a sort: either way the
    codes `np.unique` gives, so the rows and their order do not depend on the route."""
    from surveykit.models.robustness import _column_codes

    levels, expected = np.unique(column, return_inverse=True)
    codes, count = _column_codes(column)
    assert codes.dtype == np.int64 and count == len(levels)
    np.testing.assert_array_equal(codes, expected)


def test_distinct_rows_by_table_equal_those_by_sorting(monkeypatch) -> None:
    from surveykit.models import robustness

    rng = np.random.default_rng(11)
    matrix = np.column_stack([rng.integers(0, 4, 20_000), rng.integers(1, 6, 20_000),
                              rng.choice([0.5, 1.25, 7.0], 20_000),
                              rng.integers(-3, 3, 20_000)]).astype(float)
    fast = robustness.distinct_rows(matrix)
    monkeypatch.setattr(robustness, "sorted_integer_codes", lambda values: None)
    slow = robustness.distinct_rows(matrix)
    for got, expected in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(got, expected)


def test_boosting_predicts_distinct_rows_exactly_as_every_row() -> None:
    """A fold's boosting predictions from its distinct rows are the predictions of every
    row, bit for bit, so the check's AUCs and importances do not change."""
    from surveykit.models import robustness

    rng = np.random.default_rng(8)
    n = 4000
    X = np.column_stack([rng.integers(0, 4, n), rng.integers(0, 2, n),
                         rng.integers(1, 6, n)]).astype(float)
    y = (rng.random(n) < 1 / (1 + np.exp(-(X[:, 0] - 1.5 + X[:, 1] - 0.3 * X[:, 2])))
         ).astype(float)
    boosting = robustness._fit_boosting(X, y, rng.uniform(0.5, 2, n),
                                        np.array([True, True, False]), 3, {})
    fold = robustness._Fold(np.zeros(1), boosting)
    np.testing.assert_array_equal(fold.predict("boosting", X, X),
                                  boosting.predict_proba(X)[:, 1])


def test_boosting_on_profiles_is_boosting_on_the_respondents() -> None:
    """Boosting fitted on the distinct profiles with summed weights grows the trees that
    scikit-learn grows on the respondents themselves (same validation respondents;
    ``min_samples_leaf=1``, and ordinal predictors: the leaf minimum and a categorical
    split's minimum support count rows): the same number of iterations and the same
    predictions to float32 rounding, with and without early stopping. With native
    categorical predictors (where the support counts profiles) the held-out AUC agrees."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import train_test_split

    from surveykit.models import robustness

    rng = np.random.default_rng(21)
    n = 30_000
    X = np.column_stack([rng.integers(0, 5, n), rng.integers(0, 2, n),
                         rng.integers(1, 6, n), rng.integers(0, 3, n)]).astype(float)
    eta = 0.8 * (X[:, 0] == 2) - 0.6 * X[:, 1] + 0.3 * X[:, 2] * (X[:, 3] == 1) - 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    weights = rng.lognormal(0.0, 0.5, n)
    scaled = weights / weights.mean()
    assert len(robustness._profiles(X, y, scaled)[0]) < n / 50

    def reference(rows: np.ndarray, categorical: np.ndarray, options: dict
                  ) -> HistGradientBoostingClassifier:
        model = HistGradientBoostingClassifier(
            categorical_features=categorical if categorical.any() else None,
            random_state=7, **{"early_stopping": True, **options})
        X_rows, y_rows = X[rows], y[rows].astype(np.int64)
        w_rows = weights[rows] / weights[rows].mean()
        if not model.early_stopping:
            return model.fit(X_rows, y_rows, w_rows)
        fit, val = train_test_split(np.arange(len(rows)), test_size=0.1, stratify=y_rows,
                                    random_state=7)
        return model.fit(X_rows[fit], y_rows[fit], w_rows[fit], X_val=X_rows[val],
                         y_val=y_rows[val], sample_weight_val=w_rows[val])

    ordinal = np.zeros(4, dtype=bool)
    for options in ({"min_samples_leaf": 1},
                    {"min_samples_leaf": 1, "early_stopping": False, "max_iter": 40}):
        profiles = robustness._fit_boosting(X, y, weights, ordinal, 7, options)
        respondents = reference(np.arange(n), ordinal, options)
        assert profiles.n_iter_ == respondents.n_iter_ > 10
        np.testing.assert_allclose(profiles.predict_proba(X), respondents.predict_proba(X),
                                   rtol=0, atol=1e-7)
    categorical = np.array([True, True, False, True])
    test = rng.random(n) < 0.5
    train = np.flatnonzero(~test)
    auc = [weighted_auc(y[test], model.predict_proba(X[test])[:, 1], weights[test])
           for model in (robustness._fit_boosting(X[train], y[train], weights[train],
                                                  categorical, 7, {}),
                         reference(train, categorical, {}))]
    assert abs(auc[0] - auc[1]) < 0.005
