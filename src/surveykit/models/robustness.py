"""Robustness appendix: does a flexible model find structure the design-weighted logit misses?

`robustness_check` fits two models of a 0/1 outcome on the same predictors and respondents:
the design-weighted logit with main effects (the model the report interprets) and
scikit-learn's ``HistGradientBoostingClassifier`` (categorical predictors as native
categorical features, the design weights as ``sample_weight``), which can pick up
interactions and non-linearity on its own; it is fitted on the distinct profiles of
predictors and outcome with their summed weights, which grows the respondents' trees up to
two minimum sizes (`_fit_boosting`). Both are judged by K-fold cross-validation — stratified
by the outcome, seeded, and by whole PSUs when the design has clusters, so that no cluster
is split between training and test — on the weighted out-of-fold AUC and Brier score, and by
permutation importance (the drop in weighted AUC when one predictor is shuffled in the test
fold). If boosting does not beat the logit beyond the fold-to-fold spread, the logit's main
effects miss nothing a flexible model could find.

The folds are independent: `robustness_folds` computes some or all of them (each with its
own random stream from the seed and its number) and `robustness_from_folds` combines them,
so a cluster runs one job per fold and gets exactly `robustness_check`'s result.

`scale_reliability` (from `surveykit.models.scores`) adds Cronbach's α (pingouin's formulas,
with its confidence interval) for the multi-item scales of the survey
(`surveykit.data.config.configured_scales` lists them from a survey config).

The weights are the design's current analysis weights (design weights, or the raked ones
for a raked design). Metrics are weighted estimates of population quantities: the weighted
AUC is the probability that a randomly drawn person of the population with the outcome gets
a higher predicted probability than one without it (ties count one half).

Examples
--------
>>> from surveykit.models.robustness import robustness_check
>>> result = robustness_check(design, "willing_to_move",
...                           ["age_group", "qualification", "commuter"])  # doctest: +SKIP
>>> result.verdict                                                       # doctest: +SKIP
'Gradient boosting finds no structure the logit misses: ...'
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from surveykit._core.errors import ArgumentError, DataError
from surveykit._core.factorize import first_and_inverse, sorted_integer_codes
from surveykit._core.messages import did_you_mean
from surveykit.models.glm import _Family, _irls
from surveykit.models.links import expit
from surveykit.models.scores import (
    numeric_values,
    scale_reliability,
    weighted_auc,
    weighted_brier,
)

if TYPE_CHECKING:
    from sklearn.ensemble import HistGradientBoostingClassifier

    from surveykit.design import SurveyDesign

# scikit-learn is imported where the folds are made and the models fitted, not with the
# module: importing it (and scipy.stats with it) takes 1.5 s, and the model step that
# gathers the folds of separate jobs needs neither.

__all__ = ["FoldResult", "RobustnessResult", "robustness_check", "robustness_folds",
           "robustness_from_folds", "scale_reliability", "weighted_auc", "weighted_brier"]

MODELS = ("logit", "boosting")
#: Smallest number of respondents in a test fold, and of each outcome value in it.
MIN_PER_FOLD = 30
MIN_EVENTS_PER_FOLD = 5
#: Permutation importances use at most this many of a fold's respondents (a random sample).
PERMUTATION_ROWS = 20_000
#: Categories a predictor may have (HistGradientBoosting bins categories, at most 255 bins).
MAX_LEVELS = 254
DEFAULT_SEED = 20261121
#: What a fold computes, in its parts' key: changed whenever a fold's results would change
#: for the same data (2: boosting on the distinct profiles, its validation respondents
#: drawn here), so the gather refuses parts an older version made.
FOLD_METHOD = "2"


# --------------------------------------------------------------------------- data


def _is_categorical(values: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(values.dtype):
        return False  # a 0/1 indicator: one coefficient in the logit, a split for boosting
    return isinstance(values.dtype, pd.CategoricalDtype) or not \
        pd.api.types.is_numeric_dtype(values.dtype)


@dataclass(frozen=True)
class _Prepared:
    """Complete cases as both models see them."""

    rows: np.ndarray                # positions in the design's data
    y: np.ndarray
    weights: np.ndarray
    boosting_matrix: np.ndarray     # category codes or values, one column per predictor
    categorical: np.ndarray         # per predictor
    logit_matrix: np.ndarray        # intercept, treatment dummies, numeric columns
    logit_blocks: list[np.ndarray]  # logit_matrix columns of each predictor
    groups: np.ndarray | None       # PSU codes when the design has clusters


def _outcome(data: pd.DataFrame, outcome: str) -> np.ndarray:
    values = data[outcome]
    if _is_categorical(values):
        levels = list(pd.unique(values.dropna()))[:5]
        raise DataError(f"robustness_check: the outcome {outcome!r} is categorical (values "
                        f"{levels}); it must be 0/1, e.g. the binary concept willing_to_move "
                        "instead of intent")
    y = numeric_values(values, f"robustness_check: the outcome {outcome!r}")
    observed = np.unique(y[~np.isnan(y)])
    if not set(observed.tolist()) <= {0.0, 1.0}:
        shown = [v for v in observed.tolist() if v not in (0.0, 1.0)][:5]
        raise DataError(f"robustness_check: the outcome {outcome!r} has the values {shown} "
                        "besides 0 and 1; recode it to a 0/1 (binary) concept")
    if len(observed) < 2:
        raise DataError(f"robustness_check: the outcome {outcome!r} is always "
                        f"{observed.tolist()}; a binary outcome needs both 0 and 1")
    return y


def _prepare(design: SurveyDesign, outcome: str, predictors: list[str],
             logit: bool = True) -> _Prepared:
    """The complete cases as both models see them; without ``logit`` the logit's matrix
    is left empty (its blocks are kept): gathering the folds needs only the outcome,
    weights and the boosting matrix (the folds' key), and at a million respondents the
    dummies take a few hundred milliseconds."""
    data = design.data
    for name in [outcome, *predictors]:
        if name not in data.columns:
            raise ArgumentError(f"robustness_check: {name!r} is not a column of the design's "
                              f"data{did_you_mean(name, map(str, data.columns))}")
    y = _outcome(data, outcome)
    weights = np.asarray(design.weights, dtype=float)
    used = (weights > 0) & ~np.isnan(y)
    for name in predictors:
        used &= data[name].notna().to_numpy()
    rows = np.flatnonzero(used)
    boosting_columns, categorical, logit_columns, blocks = [], [], [], []
    width = 1  # the intercept
    for name in predictors:
        values = data[name].iloc[rows]
        if _is_categorical(values):
            codes = pd.Categorical(values).remove_unused_categories()
            levels = len(codes.categories)
            if levels > MAX_LEVELS:
                raise DataError(f"robustness_check: predictor {name!r} has {levels} levels; "
                                f"at most {MAX_LEVELS} are possible: group the levels")
            integer = np.asarray(codes.codes, dtype=np.int64)
            boosting_columns.append(integer.astype(float))
            categorical.append(True)
            # Treatment dummies against the first level; predictions do not depend on it.
            block_width = levels - 1
            if logit:
                logit_columns.append((integer[:, None] == np.arange(1, levels)[None, :])
                                     .astype(float))
        else:
            column = numeric_values(values, f"robustness_check: predictor {name!r}")
            boosting_columns.append(column)
            categorical.append(False)
            block_width = 1
            if logit:
                logit_columns.append(column[:, None])
        blocks.append(np.arange(width, width + block_width))
        width += block_width
    logit_matrix = np.column_stack([np.ones(len(rows)), *logit_columns]) if logit \
        else np.empty((len(rows), 0))
    clusters = np.asarray(design.structure.clusters[0])[rows]
    grouped = len(pd.unique(clusters)) < len(rows)
    return _Prepared(rows, y[rows], weights[rows], np.column_stack(boosting_columns),
                     np.array(categorical), logit_matrix, blocks, clusters if grouped else None)


def _assign_folds(prepared: _Prepared, outcome: str, folds: int, seed: int) -> np.ndarray:
    """Fold (0 … K−1) of every complete case; whole PSUs when the design has clusters."""
    y, n = prepared.y, len(prepared.y)
    rarer = int(min(y.sum(), n - y.sum()))
    hint = (f"use fewer folds (folds={max(2, folds - 2)}) or a larger sample"
            if folds > 2 else "cross-validation is not meaningful with so few respondents")
    if n < folds * MIN_PER_FOLD:
        raise DataError(f"robustness_check: {n} complete respondents for {folds} folds leaves "
                        f"about {n // folds} per fold; at least {MIN_PER_FOLD} per fold are "
                        f"needed: {hint}")
    if rarer < folds * MIN_EVENTS_PER_FOLD:
        raise DataError(f"robustness_check: only {rarer} complete respondents have the rarer "
                        f"value of {outcome!r}, {rarer / folds:.1f} per fold; at least "
                        f"{MIN_EVENTS_PER_FOLD} per fold are needed: {hint}")
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    fold = np.empty(n, dtype=np.int64)
    if prepared.groups is None:
        splits = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(
            np.zeros(n), y)
    else:
        psus = len(pd.unique(prepared.groups))
        if psus < folds:
            raise DataError(f"robustness_check: the design has {psus} PSUs among the complete "
                            f"respondents, fewer than {folds} folds; folds keep PSUs whole: "
                            f"use folds={max(2, psus)} at most")
        splits = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed).split(
            np.zeros(n), y, prepared.groups)
    for k, (_, test) in enumerate(splits):
        fold[test] = k
    for k in range(folds):
        test = fold == k
        events = int(y[test].sum())
        if test.sum() < MIN_PER_FOLD or min(events, int(test.sum()) - events) < 1:
            raise DataError(f"robustness_check: fold {k + 1} has {int(test.sum())} "
                            f"respondents, {events} with {outcome!r} = 1; every fold needs "
                            f"{MIN_PER_FOLD} respondents and both outcome values: {hint}")
    return fold


def _assignment_key(prepared: _Prepared, folds: int, seed: int) -> str:
    """What a fold's part was made from, as a digest: the complete cases (their positions,
    outcome, weights, predictors and PSUs), the number of folds, the seed, the
    scikit-learn version whose splitter assigns the folds and `FOLD_METHOD`. A part whose
    key differs was computed on other respondents, with another fold assignment or by
    another version of the check."""
    from importlib.metadata import version

    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"folds={folds};seed={seed};sklearn={version('scikit-learn')};"
                  f"method={FOLD_METHOD}".encode())
    arrays = [prepared.rows, prepared.y, prepared.weights, prepared.boosting_matrix]
    if prepared.groups is not None:
        arrays.append(pd.factorize(prepared.groups)[0])
    for values in arrays:
        values = np.ascontiguousarray(values)
        digest.update(f"{values.dtype.str}{values.shape}".encode())
        digest.update(values.data)
    return digest.hexdigest()


def _fold_of_parts(prepared: _Prepared, parts: Sequence[FoldResult], folds: int,
                   seed: int) -> np.ndarray:
    """The fold of every complete case from the parts' test respondents, after checking
    that the parts were made from this data with this assignment (`_assignment_key`) and
    that their test respondents are every complete case once."""
    numbers = sorted(part.fold for part in parts)
    if numbers != list(range(1, folds + 1)):
        raise DataError(f"robustness_check: the cross-validation parts are folds {numbers}, "
                        f"not each of 1 … {folds} once; rerun the folds of this data")
    key = _assignment_key(prepared, folds, seed)
    fold = np.full(len(prepared.y), -1, dtype=np.int64)
    for part in sorted(parts, key=lambda part: part.fold):
        test = part.test
        if part.key != key or (len(test) and (test.min() < 0 or test.max() >= len(fold)
                                              or (fold[test] >= 0).any())):
            raise DataError(f"robustness_check: fold {part.fold} was computed on other "
                            "respondents or another fold assignment than this data gives "
                            "(or by an older version of the check); rerun the folds (e.g. "
                            "delete the old parts)")
        fold[test] = part.fold - 1
    if (fold < 0).any():
        raise DataError(f"robustness_check: the folds' parts leave {int((fold < 0).sum())} "
                        "complete respondents out; rerun the folds (e.g. delete the old parts)")
    return fold


# --------------------------------------------------------------------------- models


def _fit_logit(X: np.ndarray, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Design-weighted ML logit (the IRLS of `surveykit.models.glm`, R's glm.fit)."""
    return _irls(X, y, weights / weights.mean(), _Family("binomial")).beta


def _fit_boosting(X: np.ndarray, y: np.ndarray, weights: np.ndarray, categorical: np.ndarray,
                  seed: int, options: Mapping[str, Any]) -> HistGradientBoostingClassifier:
    """Boosting fitted on the respondents' distinct profiles (predictors and outcome).

    Respondents with the same predictors and outcome are one row with their summed weight
    (weights scaled to mean 1 first, so boosting is unaffected by the weights' total).
    A tree's split gains and leaf values, and the early-stopping loss, depend on the rows
    only through sums of weighted gradients and Hessians, so they are those of the
    respondents; only ``min_samples_leaf`` and the least support a category needs in a
    categorical split (scikit-learn's 10) count profiles, each of one respondent or more
    (tested: with ordinal predictors and ``min_samples_leaf=1`` the trees are the same to
    float32 rounding). A survey's predictors are levels and scale points: a training fold of
    680,000 respondents has some 34,000 profiles, and the fit takes a fifth of the time.
    The early-stopping validation respondents are drawn here, before the profiles are
    formed (stratified by the outcome, from ``seed``), and passed to scikit-learn as its
    validation set, so that they are a random share of respondents, not of profiles.
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    settings: dict[str, Any] = {"early_stopping": True, "random_state": seed}
    settings.update(options)
    if settings["early_stopping"] == "auto":  # scikit-learn's rule, on respondents
        settings["early_stopping"] = len(y) > 10_000
    model = HistGradientBoostingClassifier(
        categorical_features=categorical if categorical.any() else None, **settings)
    scaled = weights / weights.mean()
    fraction = settings.get("validation_fraction", 0.1)
    if not settings["early_stopping"] or fraction is None:
        return model.fit(*_profiles(X, y, scaled))
    from sklearn.model_selection import train_test_split

    fit_rows, validation_rows = train_test_split(np.arange(len(y)), test_size=fraction,
                                                 stratify=y, random_state=seed)
    X_fit, y_fit, w_fit = _profiles(X[fit_rows], y[fit_rows], scaled[fit_rows])
    X_val, y_val, w_val = _profiles(X[validation_rows], y[validation_rows],
                                    scaled[validation_rows])
    return model.fit(X_fit, y_fit, w_fit, X_val=X_val, y_val=y_val, sample_weight_val=w_val)


def _profiles(X: np.ndarray, y: np.ndarray, weights: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each distinct row of ``[X, y]`` once (in the order of `distinct_rows`), its outcome
    as integers and the summed ``weights`` of its respondents."""
    first, inverse = distinct_rows(np.column_stack([X, y]))
    return (X[first], y[first].astype(np.int64),
            np.bincount(inverse, weights=weights, minlength=len(first)))


@dataclass(frozen=True)
class _Fold:
    """Both models fitted on one fold's training respondents."""

    logit_beta: np.ndarray
    boosting: HistGradientBoostingClassifier

    def predict(self, model: str, boosting_matrix: np.ndarray, logit_matrix: np.ndarray
                ) -> np.ndarray:
        if model == "logit":
            return expit(logit_matrix @ self.logit_beta)
        # Trees predict each row on its own, so predicting each distinct row once and
        # copying gives the same values; a fold of a large survey has few distinct rows,
        # and the permutation importance predicts every fold many times.
        first, inverse = distinct_rows(boosting_matrix)
        return self.boosting.predict_proba(boosting_matrix[first])[:, 1][inverse]


def distinct_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first row of each distinct row of ``matrix`` and every row's distinct row.

    ``matrix[first][inverse]`` equals ``matrix``. Columns are coded one by one and the
    codes combined into one integer per row, which is much faster than ``np.unique`` over
    rows; where the combined code would not fit an int64 it falls back to that. Where the
    combined codes span a small range (a survey's levels and scale points) the distinct
    ones are counted over that range instead of sorted (`first_and_inverse`): the same
    rows in the same order as ``np.unique`` gives.
    """
    n, p = matrix.shape
    combined = np.zeros(n, dtype=np.int64)
    space = 1
    for column in range(p):
        codes, count = _column_codes(matrix[:, column])
        if space * count >= 1 << 62:
            _, first, inverse = np.unique(matrix, axis=0, return_index=True,
                                          return_inverse=True)
            return first, inverse.ravel()
        combined += codes * space
        space *= count
    counted = first_and_inverse(combined, space)  # a survey's profiles: few, no sort
    if counted is not None:
        return counted
    _, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
    return first, inverse


def _column_codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    """The codes ``np.unique(values, return_inverse=True)`` gives (int64) and the number of
    distinct values. Level codes and scale points are whole numbers of a small range: their
    codes come from one table lookup (`sorted_integer_codes`), not from a sort, the same
    codes a sort gives (at 600,000 respondents some 3 ms instead of 40 per column)."""
    integers = values
    if values.dtype.kind == "f":
        with np.errstate(invalid="ignore"):  # NaN and ±inf: not whole numbers, see below
            integers = values.astype(np.int64)
        if not np.array_equal(integers, values):
            integers = None
    coded = None if integers is None else sorted_integer_codes(integers)
    if coded is None:
        levels, codes = np.unique(values, return_inverse=True)
        return codes.astype(np.int64, copy=False).ravel(), len(levels)
    return coded[0], len(coded[1])


@dataclass(frozen=True)
class FoldResult:
    """One cross-validation fold of `robustness_check`: what a cluster job computes.

    Attributes
    ----------
    fold
        The fold's number, 1 … K.
    test
        Positions of its test respondents among the complete cases.
    predictions
        Model → out-of-fold predicted probabilities of the test respondents.
    metrics
        One record per model: ``fold``, ``model``, ``n``, ``weight``, ``auc``, ``brier``.
    auc_drops
        Model → per predictor, the drops of the weighted AUC over the permutation repeats.
    key
        What the fold was made from (`_assignment_key`): checked where the folds are
        gathered.
    """

    fold: int
    test: np.ndarray
    predictions: dict[str, np.ndarray]
    metrics: list[dict[str, Any]]
    auc_drops: dict[str, list[list[float]]]
    key: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; the per-respondent arrays as the bytes of their values (base64), so
        that they read back exactly and a fold of a million respondents stays a few MB
        that parse in milliseconds (as JSON numbers: 11 MB and 0.5 s to parse)."""
        return {"fold": self.fold, "test": _array_record(self.test),
                "predictions": {model: _array_record(values)
                                for model, values in self.predictions.items()},
                "metrics": self.metrics, "auc_drops": self.auc_drops, "key": self.key}

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> FoldResult:
        """The fold as `to_dict` wrote it."""
        if not isinstance(record.get("key"), str):
            raise DataError("robustness_check: a fold's part holds no key of what it was made "
                            "from, as parts of older versions; rerun the folds (e.g. delete "
                            "the old parts)")
        return cls(int(record["fold"]), _array_of(record["test"]).astype(np.int64),
                   {model: _array_of(values).astype(float)
                    for model, values in record["predictions"].items()},
                   [dict(row) for row in record["metrics"]],
                   {model: [list(map(float, drops)) for drops in per_predictor]
                    for model, per_predictor in record["auc_drops"].items()},
                   record["key"])


#: Byte order and types of the arrays in a fold's record (`_array_record`).
_ARRAY_TYPES = {"int64": "<i8", "float64": "<f8"}


def _array_record(values: np.ndarray) -> dict[str, Any]:
    """An int64 or float64 vector as ``{"dtype", "length", "base64"}`` (little-endian)."""
    kind = "int64" if np.issubdtype(values.dtype, np.integer) else "float64"
    data = np.ascontiguousarray(values, dtype=_ARRAY_TYPES[kind])
    return {"dtype": kind, "length": len(data),
            "base64": base64.b64encode(data.tobytes()).decode("ascii")}


def _array_of(record: Mapping[str, Any]) -> np.ndarray:
    """The vector `_array_record` wrote; a record of another form is refused."""
    kind = record.get("dtype") if isinstance(record, Mapping) else None
    if kind not in _ARRAY_TYPES or not isinstance(record.get("base64"), str):
        raise DataError("robustness_check: a fold's part holds an array in another form than "
                        "this version writes; rerun the folds (e.g. delete the old parts)")
    values = np.frombuffer(base64.b64decode(record["base64"]), dtype=_ARRAY_TYPES[kind])
    if len(values) != record.get("length"):
        raise DataError(f"robustness_check: a fold's part holds {len(values)} values where "
                        f"it says {record.get('length')}; rerun the folds")
    return values


def _cross_validate_fold(prepared: _Prepared, fold: np.ndarray, k: int, seed: int,
                         n_repeats: int, options: Mapping[str, Any], key: str) -> FoldResult:
    """Both models fitted without fold ``k`` (0-based), scored and permuted on it."""
    # Each fold has its own random stream (seed and fold number alone), so a fold gives
    # the same result whether the folds run in one process or as separate cluster jobs.
    rng = np.random.default_rng(np.random.SeedSequence(int(seed), spawn_key=(k,)))
    train, test = np.flatnonzero(fold != k), np.flatnonzero(fold == k)
    fitted = _Fold(
        _fit_logit(prepared.logit_matrix[train], prepared.y[train], prepared.weights[train]),
        _fit_boosting(prepared.boosting_matrix[train], prepared.y[train],
                      prepared.weights[train], prepared.categorical, seed, options))
    y, w = prepared.y[test], prepared.weights[test]
    boosting_matrix, logit_matrix = prepared.boosting_matrix[test], prepared.logit_matrix[test]
    predictions, base, rows = {}, {}, []
    for model in MODELS:
        predictions[model] = fitted.predict(model, boosting_matrix, logit_matrix)
        base[model] = weighted_auc(y, predictions[model], w)
        rows.append({"fold": k + 1, "model": model, "n": len(test), "weight": float(w.sum()),
                     "auc": base[model], "brier": weighted_brier(y, predictions[model], w)})
    # Permutation importances on at most PERMUTATION_ROWS of the fold's respondents (a
    # random sample from the fold's stream): on a million respondents the AUC drops are
    # as precise from a sample, and each repeat would otherwise predict the whole fold.
    if len(test) > PERMUTATION_ROWS:
        sample = np.sort(rng.choice(len(test), PERMUTATION_ROWS, replace=False))
        y, w = y[sample], w[sample]
        boosting_matrix, logit_matrix = boosting_matrix[sample], logit_matrix[sample]
        base = {model: weighted_auc(y, predictions[model][sample], w) for model in MODELS}
    drops: dict[str, list[list[float]]] = {model: [] for model in MODELS}
    for j, block in enumerate(prepared.logit_blocks):
        for model in MODELS:
            drops[model].append([])
        for _ in range(n_repeats):
            # One permutation for both models, so that their importances are paired.
            order = rng.permutation(len(y))
            boosting_shuffled = boosting_matrix.copy()
            boosting_shuffled[:, j] = boosting_matrix[order, j]
            logit_shuffled = logit_matrix.copy()
            logit_shuffled[:, block] = logit_matrix[np.ix_(order, block)]
            for model in MODELS:
                shuffled = fitted.predict(model, boosting_shuffled, logit_shuffled)
                drops[model][j].append(base[model] - weighted_auc(y, shuffled, w))
    return FoldResult(k + 1, test, predictions, rows, drops, key)


def _combine_folds(prepared: _Prepared, parts: Sequence[FoldResult]
                   ) -> tuple[dict[str, np.ndarray], list[dict], dict[str, list[list[float]]]]:
    """Out-of-fold predictions, per-fold metrics and AUC drops of all folds, in fold order
    (the parts checked by `_fold_of_parts`)."""
    predictions = {model: np.empty(len(prepared.y)) for model in MODELS}
    rows: list[dict] = []
    drops = {model: [[] for _ in prepared.logit_blocks] for model in MODELS}
    for part in sorted(parts, key=lambda part: part.fold):
        for model in MODELS:
            predictions[model][part.test] = part.predictions[model]
            for j, values in enumerate(part.auc_drops[model]):
                drops[model][j].extend(values)
        rows.extend(part.metrics)
    return predictions, rows, drops

# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class RobustnessResult:
    """Cross-validated comparison of the design-weighted logit with gradient boosting.

    Attributes
    ----------
    outcome, predictors
        The 0/1 outcome and the predictors (main effects in the logit).
    metrics
        Indexed by ``model`` (``logit``, ``boosting``, ``difference`` = boosting − logit,
        per fold) and ``metric`` (``auc``, ``brier``): ``pooled`` (on all out-of-fold
        predictions together), ``mean``, ``sd`` (fold-to-fold spread, ddof 1), ``min``,
        ``max`` over the folds. AUC and Brier score are weighted by the design weights.
    importance
        Indexed by ``model`` and ``predictor``: ``auc_drop`` (mean drop of the weighted AUC
        in the test folds when the predictor is shuffled, over folds × repeats), ``sd`` and
        ``rank`` (1 = most important), boosting first.
    fold_metrics
        One row per fold and model: ``n``, ``weight`` (sum of weights), ``auc``, ``brier``.
    folds
        Fold (1 … K) of every respondent of the design's data; ``<NA>`` for respondents
        left out (missing values or zero weight).
    verdict
        One plain-English sentence: the AUC gain of boosting over the logit and whether it
        exceeds the fold-to-fold spread of the gain.
    finds_structure
        Whether the mean AUC gain exceeds both its fold-to-fold SD and ``min_gain``.
    n, n_dropped
        Respondents used, and those left out for missing values.
    grouped
        Whether folds were formed from whole PSUs.
    reliability
        Cronbach's α per scale (:func:`scale_reliability`) if scales were given.
    """

    outcome: str
    predictors: tuple[str, ...]
    metrics: pd.DataFrame
    importance: pd.DataFrame
    fold_metrics: pd.DataFrame
    folds: pd.Series
    verdict: str
    finds_structure: bool
    n: int
    n_dropped: int
    n_folds: int
    grouped: bool
    seed: int
    reliability: pd.DataFrame | None = None

    @property
    def auc_gain(self) -> float:
        """Mean over folds of boosting's weighted AUC minus the logit's."""
        return float(self.metrics.loc[("difference", "auc"), "mean"])

    @property
    def auc_gain_spread(self) -> float:
        """Fold-to-fold SD of the AUC gain."""
        return float(self.metrics.loc[("difference", "auc"), "sd"])


def _summary(fold_metrics: pd.DataFrame, pooled: dict[tuple[str, str], float]
             ) -> pd.DataFrame:
    wide = fold_metrics.pivot(index="fold", columns="model", values=["auc", "brier"])
    rows = []
    for model in (*MODELS, "difference"):
        for metric in ("auc", "brier"):
            if model == "difference":
                values = wide[(metric, "boosting")] - wide[(metric, "logit")]
                total = pooled[("boosting", metric)] - pooled[("logit", metric)]
            else:
                values, total = wide[(metric, model)], pooled[(model, metric)]
            rows.append({"model": model, "metric": metric, "pooled": total,
                         "mean": values.mean(), "sd": values.std(ddof=1),
                         "min": values.min(), "max": values.max()})
    return pd.DataFrame(rows).set_index(["model", "metric"])


def _verdict(metrics: pd.DataFrame, min_gain: float) -> tuple[str, bool]:
    logit = metrics.loc[("logit", "auc"), "mean"]
    boosting = metrics.loc[("boosting", "auc"), "mean"]
    gain = metrics.loc[("difference", "auc"), "mean"]
    spread = metrics.loc[("difference", "auc"), "sd"]
    aucs = (f"its weighted out-of-fold AUC is {boosting:.3f} against {logit:.3f} for the "
            f"logit, a gain of {gain:+.3f}")
    if gain > spread and gain >= min_gain:
        return (f"Gradient boosting finds structure the logit misses: {aucs}, larger than "
                f"the fold-to-fold spread of the gain (SD {spread:.3f}), so interactions or "
                "non-linear terms deserve a look.", True)
    if gain > spread:
        return (f"Gradient boosting finds only a small consistent gain over the logit: "
                f"{aucs} (fold-to-fold SD {spread:.3f}), below the {min_gain:.3f} that "
                "would matter, so the logit's main effects capture the structure.", False)
    return (f"Gradient boosting finds no structure the logit misses: {aucs}, which does not "
            f"exceed the fold-to-fold spread of the gain (SD {spread:.3f}).", False)


# --------------------------------------------------------------------------- the check


def robustness_check(design: SurveyDesign, outcome: str, predictors: Sequence[str],
                     folds: int = 5, seed: int = DEFAULT_SEED, n_repeats: int = 5,
                     min_gain: float = 0.01,
                     boosting_options: Mapping[str, Any] | None = None,
                     scales: Mapping[str, Sequence[str]] | None = None,
                     item_data: pd.DataFrame | None = None,
                     threads: int | None = 1) -> RobustnessResult:
    """Cross-validate gradient boosting against the design-weighted logit.

    Parameters
    ----------
    design
        A `SurveyDesign` (its current weights are used; respondents with weight zero, as
        outside a subset, are left out).
    outcome
        A 0/1 column (``willing_to_move``).
    predictors
        Columns; categorical ones (pandas categoricals, strings) enter the logit as
        treatment dummies and boosting as native categorical features, numeric ones
        linearly (logit) or by splits (boosting). Respondents missing any of them or the
        outcome are left out of both models.
    folds
        Number of cross-validation folds K (stratified by the outcome; whole PSUs when the
        design has clusters, so that no PSU is split between training and test).
    seed
        Seed of the folds, of boosting's validation split and of the permutations; equal
        seeds give identical results.
    n_repeats
        Permutations per predictor and fold for the permutation importance. A fold with
        more than `PERMUTATION_ROWS` (20,000) respondents is permuted on a random sample
        of that many (drawn from the fold's stream): the AUC drops are as precise, and on
        a million respondents each repeat would otherwise predict the whole fold.
    min_gain
        The AUC gain below which a consistent gain is called too small to matter.
    boosting_options
        Further ``HistGradientBoostingClassifier`` arguments (default: scikit-learn's, with
        ``early_stopping=True`` so that boosting stops before it over-fits small samples).
    scales, item_data
        Optional multi-item scales ``{name: [items]}`` for :func:`scale_reliability`, with
        the data holding the items (default: the design's data).
    threads
        OpenMP threads for boosting. The default 1 is fastest for survey-sized samples and
        keeps the run fast on a busy machine (OpenMP threads that wait for a CPU slow
        boosting down many times over); ``None`` uses every core, for very large samples.

    Returns
    -------
    RobustnessResult
        ``metrics``, ``importance``, ``fold_metrics``, ``folds`` and the ``verdict``.

    Raises
    ------
    ArgumentError
        Unknown columns, or ``folds`` / ``n_repeats`` out of range.
    DataError
        A non-binary outcome, or too few respondents (or outcome events) per fold.
    """
    fold_results = robustness_folds(design, outcome, predictors, folds, seed, n_repeats,
                                    boosting_options, threads)
    return robustness_from_folds(design, outcome, predictors, fold_results, folds, seed,
                                 min_gain, scales, item_data)


def _checked_arguments(outcome: str, predictors: str | Sequence[str], folds: int,
                       n_repeats: int, threads: int | None) -> list[str]:
    """The predictors as a list, after checking every argument of the check."""
    predictors = [predictors] if isinstance(predictors, str) else list(predictors)
    if not predictors:
        raise ArgumentError("robustness_check: give at least one predictor")
    if len(set(predictors)) < len(predictors) or outcome in predictors:
        raise ArgumentError(f"robustness_check: predictors {predictors} repeat a name or "
                          f"contain the outcome {outcome!r}; list each predictor once")
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or folds < 2:
        raise ArgumentError(f"robustness_check: folds={folds!r}; use an integer of at least 2")
    if isinstance(n_repeats, bool) or not isinstance(n_repeats, (int, np.integer)) or \
            n_repeats < 1:
        raise ArgumentError(f"robustness_check: n_repeats={n_repeats!r}; use an integer of at "
                          "least 1")
    if threads is not None and (isinstance(threads, bool) or not isinstance(
            threads, (int, np.integer)) or threads < 1):
        raise ArgumentError(f"robustness_check: threads={threads!r}; use a positive integer or "
                          "None (every core)")
    return predictors


def robustness_folds(design: SurveyDesign, outcome: str, predictors: Sequence[str],
                     folds: int = 5, seed: int = DEFAULT_SEED, n_repeats: int = 5,
                     boosting_options: Mapping[str, Any] | None = None,
                     threads: int | None = 1, only: Sequence[int] | None = None
                     ) -> list[FoldResult]:
    """The cross-validation folds of `robustness_check`, all or ``only`` some of them.

    The part of the check a cluster spreads over jobs: a fold depends only on the data,
    ``seed`` and its number, so `robustness_from_folds` given the folds from separate jobs
    returns exactly what `robustness_check` does. Arguments as for `robustness_check`;
    ``only`` lists fold numbers (1 … ``folds``).
    """
    predictors = _checked_arguments(outcome, predictors, folds, n_repeats, threads)
    numbers = list(range(1, int(folds) + 1)) if only is None else [int(k) for k in only]
    if not set(numbers) <= set(range(1, int(folds) + 1)) or len(set(numbers)) < len(numbers):
        raise ArgumentError(f"robustness_folds: only={list(only or [])!r} must list distinct "
                            f"fold numbers from 1 to {folds}")
    prepared = _prepare(design, outcome, predictors)
    fold = _assign_folds(prepared, outcome, int(folds), int(seed))
    key = _assignment_key(prepared, int(folds), int(seed))
    with threadpool_limits(limits=threads, user_api="openmp"):
        return [_cross_validate_fold(prepared, fold, k - 1, int(seed), int(n_repeats),
                                     boosting_options or {}, key) for k in numbers]


def robustness_from_folds(design: SurveyDesign, outcome: str, predictors: Sequence[str],
                          fold_results: Sequence[FoldResult], folds: int = 5,
                          seed: int = DEFAULT_SEED, min_gain: float = 0.01,
                          scales: Mapping[str, Sequence[str]] | None = None,
                          item_data: pd.DataFrame | None = None) -> RobustnessResult:
    """`robustness_check`'s result from its folds (`robustness_folds`, possibly computed by
    separate jobs); every fold 1 … ``folds`` once, made with the same data and ``seed``."""
    predictors = _checked_arguments(outcome, predictors, folds, 1, 1)
    prepared = _prepare(design, outcome, predictors, logit=False)
    fold = _fold_of_parts(prepared, fold_results, int(folds), int(seed))
    predictions, fold_rows, drops = _combine_folds(prepared, fold_results)
    fold_metrics = pd.DataFrame(fold_rows)
    pooled = {}
    for model in MODELS:
        pooled[(model, "auc")] = weighted_auc(prepared.y, predictions[model], prepared.weights)
        pooled[(model, "brier")] = weighted_brier(prepared.y, predictions[model],
                                                  prepared.weights)
    metrics = _summary(fold_metrics, pooled)
    verdict, finds = _verdict(metrics, min_gain)
    importance = _importance(drops, predictors)
    assigned = pd.array(np.full(len(design.weights), pd.NA), dtype="Int64")
    assigned[prepared.rows] = fold + 1
    reliability = None
    if scales:
        reliability = scale_reliability(design.data if item_data is None else item_data,
                                        scales)
    return RobustnessResult(
        outcome=outcome, predictors=tuple(predictors), metrics=metrics,
        importance=importance, fold_metrics=fold_metrics,
        folds=pd.Series(assigned, name="fold"), verdict=verdict, finds_structure=finds,
        n=len(prepared.rows), n_dropped=int((np.asarray(design.weights) > 0).sum())
        - len(prepared.rows), n_folds=int(folds), grouped=prepared.groups is not None,
        seed=int(seed), reliability=reliability)


def _importance(drops: dict[str, list[list[float]]], predictors: list[str]) -> pd.DataFrame:
    rows = []
    for model in ("boosting", "logit"):
        values = [np.asarray(drops[model][j]) for j in range(len(predictors))]
        means = np.array([v.mean() for v in values])
        # Rank by importance, ties by the predictor's position: deterministic.
        order = sorted(range(len(predictors)), key=lambda j: (-means[j], j))
        for rank, j in enumerate(order, start=1):
            rows.append({"model": model, "predictor": predictors[j], "auc_drop": means[j],
                         "sd": values[j].std(ddof=1) if len(values[j]) > 1 else np.nan,
                         "rank": rank})
    return pd.DataFrame(rows).set_index(["model", "predictor"])
