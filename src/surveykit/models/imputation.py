"""Multiple imputation of item non-response by chained equations, pooled by Rubin's rules.

`impute` completes a data set ``m`` times (MICE / fully conditional specification, van
Buuren 2018); `fit_imputed` fits a design-based model on each completed data set with the
*same* design and pools the fits (`pool`) into a `PooledResult`: Barnard–Rubin df, fractions
of missing information, the D1 Wald test and the complete-case fit beside them.

The variables' coding is in `surveykit.models.imputation_coding`, the models' fits and draws
in `surveykit.models.imputation_draws`, their cell form on large data in
`surveykit.models.imputation_cells`; this module runs the chains and the analyses.

Examples
--------
>>> pooled = fit_imputed(design, "willing_to_move ~ age_group + leisure_satisfaction",
...                      m=20, seed=20261121)                        # doctest: +SKIP
>>> pooled.summary(); pooled.comparison()                            # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from surveykit._core.errors import ArgumentError, DataError
from surveykit._core.messages import did_you_mean
from surveykit.models.base import ModelResult
from surveykit.models.cell_matrix import CELL_MINIMUM, CellMatrix
from surveykit.models.frame import formula_variables
from surveykit.models.imputation_cells import CellCodes
from surveykit.models.imputation_coding import (
    Variable,
    block,
    encode,
    predictor_rows,
    restore,
)
from surveykit.models.imputation_draws import draw_logit, draw_logit_cells, draw_pmm
from surveykit.models.pooling import PooledResult, pool

if TYPE_CHECKING:
    from surveykit.design import SurveyDesign

__all__ = ["MODELS", "PooledResult", "fit_imputations", "fit_imputed", "imputation_fits",
           "impute", "pool", "pool_imputed"]

MODELS = ("logit", "glm", "ordinal_logit", "multinomial_logit")
DEFAULT_SEED = 20261121
_STRATUM_COLUMN = "__surveykit_stratum__"

# Why not scikit-learn's IterativeImputer: it models every column as numeric (no logistic
# or multinomial models; categories come back as floats), its ``sample_posterior`` draws
# values from a normal around the posterior-mean prediction (no β* drawn per imputation:
# not proper) and it has no predictive mean matching. The chained equations are short.


def _chain(variables: list[Variable], extras: list[Variable], visit: list[int],
           iterations: int, donors: int, rng: np.random.Generator) -> list[np.ndarray]:
    """One MICE chain: start from random observed values, then cycle the models.

    With many respondents each model's predictors are built in cell form straight from
    the level codes (`CellCodes`); otherwise, or where the cells would not pay, as
    a dense matrix. Both give the same models up to rounding."""
    current = [variable.values.copy() for variable in variables]
    for j in visit:
        variable = variables[j]
        observed = variable.values[~variable.missing]
        current[j][variable.missing] = rng.choice(observed, size=int(variable.missing.sum()))
    # Dense predictor blocks are made when a model needs them (None: not yet, or stale
    # since the variable took new values); models in cell form do not.
    blocks: list[np.ndarray | None] = [None] * len(variables)
    extra: list[np.ndarray] | None = None
    large = len(current[0]) >= CELL_MINIMUM
    coded = CellCodes(variables, current, extras) if large else None
    starts: dict[int, np.ndarray | None] = {}
    for _ in range(iterations):
        for j in visit:
            variable = variables[j]
            cells = None
            if coded is not None and int((~variable.missing).sum()) >= CELL_MINIMUM:
                rows = np.flatnonzero(variable.missing)  # few: index arrays are faster
                grouped = coded.grouped(j, rows) if variable.kind != "numeric" else None
                if grouped is not None:
                    draws, starts[j] = draw_logit_cells(grouped, rng, starts.get(j))
                    current[j][rows] = draws
                    blocks[j] = None
                    coded.update(j, rows, draws)
                    continue
                cells = coded.matrix(j, current)
            if cells is None:
                if extra is None:
                    extra = [block(variable, variable.values) for variable in extras]
                blocks = [block(variables[i], current[i]) if made is None else made
                          for i, made in enumerate(blocks)]
                parts = [*extra, *(b for i, b in enumerate(blocks) if i != j)]
                X_obs = predictor_rows(parts, ~variable.missing)
                X_mis = predictor_rows(parts, variable.missing)
                # Columns constant among the observed say nothing about the missing (mice's
                # remove.lindep): their coefficients would be drawn from the prior alone.
                keep = np.ptp(X_obs, axis=0) > 0
            else:
                X_obs, X_mis = cells.rows(~variable.missing), cells.rows(variable.missing)
                keep = X_obs.varying()
            keep[0] = True
            if not keep.all():
                X_obs, X_mis = _columns(X_obs, keep), _columns(X_mis, keep)
            y_obs = variable.values[~variable.missing]
            if variable.kind == "numeric":
                draws = draw_pmm(X_obs, y_obs, X_mis, donors, rng)
            else:
                draws, starts[j] = draw_logit(X_obs, y_obs, X_mis, rng, starts.get(j))
            current[j][variable.missing] = draws
            blocks[j] = None
            if coded is not None:
                coded.update(j, np.flatnonzero(variable.missing), draws)
    return current


def _columns(X: np.ndarray | CellMatrix, keep: np.ndarray) -> np.ndarray | CellMatrix:
    return X.columns(keep) if isinstance(X, CellMatrix) else X[:, keep]


def _names(values: str | Sequence[str] | None) -> list[str]:
    return list(dict.fromkeys([values] if isinstance(values, str) else values or []))


def _check_columns(data: pd.DataFrame, names: list[str], what: str, where: str = "") -> None:
    for name in names:
        if name not in data.columns:
            raise ArgumentError(f"{what} {name!r}{where} is not a column of the data"
                              f"{did_you_mean(str(name), map(str, data.columns))}")


def impute(data: pd.DataFrame, variables: Sequence[str], m: int = 20,
           seed: int = DEFAULT_SEED, iterations: int = 10,
           predictors: Sequence[str] | None = None, donors: int = 5,
           only: Sequence[int] | None = None) -> list[pd.DataFrame]:
    """Multiple imputation by chained equations (fully conditional specification).

    Each incomplete listed variable is imputed from all *other* listed variables and the
    ``predictors``, by a model for its type: binary (0/1, boolean, two-level categorical)
    → logistic regression; more levels, ordered or not → multinomial logit; numeric →
    Bayesian linear regression with predictive mean matching, so imputed values are
    observed values (a 1–5 scale stays in 1–5). Imputations are proper: parameters are
    drawn from their approximate posterior before values are drawn. Each imputation is
    its own chain, started from random observed values, with its own random stream, which
    depends on ``seed`` and the imputation's number alone: imputation ``i`` is the same
    whether ``m`` imputations are made at once or in parts (``only``), so a cluster can
    make them in separate jobs.

    List the analysis model's *outcome* among ``variables``: imputing a predictor without
    the outcome in its imputation model biases its coefficient towards zero.

    Parameters
    ----------
    data
        One row per respondent.
    variables
        Variables of the chained equations: incomplete ones are imputed, complete ones
        only predict.
    m
        Number of imputations (≥ 2; 20 or more when much information is missing).
    seed
        Seed of the random streams; equal seeds give equal imputations.
    iterations
        Cycles through the incomplete variables (one if only one is incomplete).
    predictors
        Further complete variables to condition on, e.g. design strata (categorical →
        dummies, numeric → linear term).
    donors
        Donors of predictive mean matching (mice's default, 5).
    only
        Numbers (0 … m − 1) of the imputations to make; default all ``m``.

    Returns
    -------
    list of pandas.DataFrame
        ``m`` (or ``len(only)``) copies of ``data``, observed values unchanged, missing values of
        ``variables`` filled in; dtypes, categories and level order kept.

    Raises
    ------
    ArgumentError
        ``m < 2``, an unknown column, an incomplete extra predictor.
    DataError
        A variable without any observed value.
    """
    return list(_imputations(data, variables, m, seed, iterations, predictors, donors, only))


def _imputations(data: pd.DataFrame, variables: Sequence[str], m: int, seed: int,
                 iterations: int, predictors: Sequence[str] | None, donors: int,
                 only: Sequence[int] | None) -> Iterator[pd.DataFrame]:
    """`impute`, the arguments checked now and the completed data sets made one at a
    time as they are asked for (`_completions`)."""
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 2:
        raise ArgumentError(f"multiple imputation needs m >= 2 imputations (got m={m!r}); "
                          "use m=20 or more")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ArgumentError(f"imputation seed must be a non-negative integer, got {seed!r}")
    if iterations < 1 or donors < 1:
        raise ArgumentError("impute: iterations and donors must be at least 1")
    numbers = _imputation_numbers(m, only)
    names = _names(variables)
    if not names:
        raise ArgumentError("impute: name at least one variable to impute")
    _check_columns(data, names, "variable to impute")
    extra_names = [name for name in _names(predictors) if name not in names]
    _check_columns(data, extra_names, "imputation predictor")
    encoded = [encode(data[name], name) for name in names]
    for variable in encoded:
        if variable.missing.all():
            raise DataError(f"variable {variable.name!r} is missing for all {len(data)} "
                            "respondents, so there is nothing to impute it from; drop it "
                            "from the model or check its harmonisation")
    extras = []
    for name in extra_names:
        variable = encode(data[name], name)
        if variable.missing.any():
            raise ArgumentError(f"imputation predictor {name!r} has {variable.missing.sum()} "
                              "missing values; list it among the variables to impute")
        extras.append(variable)
    return _completions(data, names, encoded, extras, numbers, int(seed), iterations, donors)


def _completions(data: pd.DataFrame, names: list[str], encoded: list[Variable],
                 extras: list[Variable], numbers: list[int], seed: int, iterations: int,
                 donors: int) -> Iterator[pd.DataFrame]:
    """`impute`'s completed data sets one at a time (the arguments checked and encoded),
    so that a caller who fits and forgets each holds one at a time."""
    visit = [j for j, variable in enumerate(encoded) if variable.missing.any()]
    cycles = iterations if len(visit) > 1 else 1
    for number in numbers:
        if not visit:
            yield data.copy()
            continue
        # The stream SeedSequence(seed).spawn(m)[number] would give, without the other m − 1.
        stream = np.random.SeedSequence(seed, spawn_key=(number,))
        values = _chain(encoded, extras, visit, cycles, donors, np.random.default_rng(stream))
        frame = data.copy()
        for j in visit:
            frame[names[j]] = restore(data[names[j]], encoded[j], values[j])
        yield frame


def _imputation_numbers(m: int, only: Sequence[int] | None) -> list[int]:
    """The imputations to make: all ``m``, or the listed numbers, each in 0 … m − 1."""
    if only is None:
        return list(range(int(m)))
    numbers = [int(number) for number in only]
    wrong = [number for number in numbers if not 0 <= number < m]
    if wrong or len(set(numbers)) < len(numbers):
        raise ArgumentError(f"impute: only={list(only)!r} must list distinct imputation "
                            f"numbers from 0 to {m - 1} (m={m})")
    return numbers


# --------------------------------------------------------------------------- fit_imputed

def _fit(design: SurveyDesign, formula: str, model: str, options: dict[str, Any]
         ) -> ModelResult:
    return getattr(design, model)(formula, **options)


@dataclass(frozen=True)
class _Setup:
    """What the imputations of one design and formula share."""

    chain: list[str]          # variables of the chained equations
    inside: np.ndarray        # respondents of the design's (sub)population
    work: pd.DataFrame        # their data (with the strata column if predicting from it)
    extra: list[str]          # complete predictors of every imputation model


def _setup(design: SurveyDesign, formula: str, model: str,
           variables: Sequence[str] | None, predictors: Sequence[str] | None) -> _Setup:
    if model not in MODELS:
        raise ArgumentError(f"model={model!r} is not supported; use one of {', '.join(MODELS)}")
    data = design._data
    names = formula_variables(data, formula)
    chain = _names(variables) or names
    _check_columns(data, chain, "variable to impute")
    inside = np.asarray(design.weights != 0)  # impute within the (sub)population only
    strata, work = design.structure.strata[0][inside], data.loc[inside]
    left_out = [n for n in names if n not in chain and work[n].isna().any()]
    if left_out:
        raise ArgumentError(f"formula variable {left_out[0]!r} has missing values but is not "
                          "among the variables to impute; add it to variables=")
    extra = [n for n in names if n not in chain]
    if predictors is not None:
        extra += _names(predictors)
    elif design.structure.has_strata and 1 < len(np.unique(strata)) <= 50:
        work = work.assign(**{_STRATUM_COLUMN: pd.Categorical(strata)})
        extra.append(_STRATUM_COLUMN)
    return _Setup(chain, inside, work, extra)


def fit_imputations(design: SurveyDesign, formula: str, model: str = "logit", m: int = 20,
                    seed: int = DEFAULT_SEED, only: Sequence[int] | None = None,
                    variables: Sequence[str] | None = None,
                    predictors: Sequence[str] | None = None, iterations: int = 10,
                    donors: int = 5, **model_options: Any) -> list[ModelResult]:
    """Fit the model on some or all of ``m`` imputed data sets, unpooled.

    The part of `fit_imputed` a cluster can spread over jobs: imputation ``i`` depends on
    ``seed`` and ``i`` alone (see `impute`), so fitting ``only=[0, 1]`` in one job and
    ``only=[2, 3]`` in another and pooling all four with `pool_imputed` gives exactly the
    result of ``fit_imputed(..., m=4)``. Arguments as for `fit_imputed`.

    Returns
    -------
    list of ModelResult
        One fit per imputation, in the order of ``only`` (default 0 … m − 1).
    """
    return list(imputation_fits(design, formula, model, m, seed, only, variables, predictors,
                                iterations, donors, **model_options))


def imputation_fits(design: SurveyDesign, formula: str, model: str = "logit", m: int = 20,
                    seed: int = DEFAULT_SEED, only: Sequence[int] | None = None,
                    variables: Sequence[str] | None = None,
                    predictors: Sequence[str] | None = None, iterations: int = 10,
                    donors: int = 5, **model_options: Any) -> Iterator[ModelResult]:
    """`fit_imputations` one fit at a time: each completed data set is made when its fit is
    asked for. A caller who keeps only what Rubin's rules need of each fit (its ``params``,
    ``cov`` and ``df_resid``) holds one completed data set and one fit at a time: at a
    million respondents each is some 200 MB (its data and model matrix). The arguments are
    checked at the call."""
    setup = _setup(design, formula, model, variables, predictors)
    data = design._data
    # only the columns the chains use: m copies of every column cost gigabytes at 1M rows
    columns = list(dict.fromkeys(setup.chain + setup.extra))
    completed = _imputations(setup.work[columns], setup.chain, m, seed, iterations,
                             setup.extra, donors, only)
    return _fits(design, data, setup, completed, formula, model, model_options)


def _fits(design: SurveyDesign, data: pd.DataFrame, setup: _Setup,
          completed: Iterator[pd.DataFrame], formula: str, model: str,
          options: dict[str, Any]) -> Iterator[ModelResult]:
    for part in completed:
        # A shallow copy: with pandas' copy-on-write only the imputed columns are new, so
        # m completed data sets do not hold m copies of every column.
        frame = data.copy(deep=False)
        for name in setup.chain:
            frame[name] = pd.concat([part[name],
                                     data.loc[~setup.inside, name]]).loc[data.index]
        yield _fit(design.with_data(frame), formula, model, options)


def pool_imputed(design: SurveyDesign, formula: str, estimates: Sequence[pd.Series],
                 covariances: Sequence[pd.DataFrame], df_resid: Sequence[float],
                 model: str = "logit", seed: int | None = DEFAULT_SEED,
                 variables: Sequence[str] | None = None,
                 predictors: Sequence[str] | None = None,
                 fits: Sequence[ModelResult] = (), complete_case: ModelResult | None = None,
                 **model_options: Any) -> PooledResult:
    """Pool fits on imputed data sets (from `fit_imputations`) by Rubin's rules.

    ``estimates``, ``covariances`` and ``df_resid`` are the fits' ``params``, ``cov`` and
    ``df_resid`` in the order of the imputations (they may come from files written by
    separate jobs; ``fits`` then stays empty). The complete-case fit (unless the caller
    has it: ``complete_case``, the same model on the same design and formula) and the counts
    of imputed values are computed here from the design. Other arguments as for
    `fit_imputed`.
    """
    setup = _setup(design, formula, model, variables, predictors)
    if complete_case is None:
        complete_case = _fit(design, formula, model, model_options)
    df_complete = float(np.mean(np.asarray(df_resid, dtype=float)))
    pooled = pool(estimates, covariances, df_complete, seed)
    imputed = {name: int(setup.work[name].isna().sum()) for name in setup.chain
               if setup.work[name].isna().any()}
    return PooledResult(pooled.params, pooled.within, pooled.between, pooled.df, df_complete,
                        len(estimates), seed, pooled.estimates, formula, model, imputed,
                        tuple(fits), complete_case)


def fit_imputed(design: SurveyDesign, formula: str, model: str = "logit", m: int = 20,
                seed: int = DEFAULT_SEED, variables: Sequence[str] | None = None,
                predictors: Sequence[str] | None = None, iterations: int = 10,
                donors: int = 5, complete_case: ModelResult | None = None,
                **model_options: Any) -> PooledResult:
    """Fit a design-based model on ``m`` imputed data sets and pool by Rubin's rules.

    The formula's incomplete variables are imputed by `impute`, each given all other
    formula variables — *the outcome included*: without it, imputed predictors' effects
    are biased towards zero. The model is fitted on every completed data set with this
    design's weights, strata and clusters unchanged (only the data are swapped), and the
    fits are pooled (`pool`); the complete-case fit comes alongside (``.complete_case``).
    Only respondents of the design's (sub)population (non-zero weight) are imputed, by
    models fitted among them: values missing *by design* (a filter question not asked)
    are not non-response — analyse them on ``design.subset(...)`` instead of imputing.
    It is `fit_imputations` followed by `pool_imputed`, the two halves a cluster runs as
    separate jobs.

    Parameters
    ----------
    design
        A `SurveyDesign` (or replicate design); its own data are not changed.
    formula
        ``"outcome ~ predictors"`` as for the model.
    model
        ``"logit"``, ``"glm"``, ``"ordinal_logit"`` or ``"multinomial_logit"``: the design
        method to fit; ``model_options`` go to it (``family=``, ``link=``, …).
    m, seed, iterations, donors
        As for `impute` (the seed makes the result reproducible).
    variables
        The chained-equations variables instead of the formula's, e.g. with auxiliary
        variables that predict the missing values. Complete formula variables left out
        still predict; incomplete ones must be listed.
    predictors
        Further complete predictors of every imputation model. Default: the design's
        first-stage strata as categories (if 2 to 50), so imputations respect the design;
        ``[]`` for none.
    complete_case
        The complete-case fit, if the caller has made it already (the same ``model`` on
        this design and formula); otherwise it is fitted here.

    Returns
    -------
    PooledResult
    """
    fits = fit_imputations(design, formula, model, m=m, seed=seed, variables=variables,
                           predictors=predictors, iterations=iterations, donors=donors,
                           **model_options)
    return pool_imputed(design, formula, [fit.params for fit in fits],
                        [fit.cov for fit in fits], [fit.df_resid for fit in fits], model,
                        seed, variables, predictors, fits, complete_case, **model_options)
