"""Shared pieces of models with categorical outcomes and of marginal effects: the model
frame of a categorical outcome, rank checks, counterfactual contrasts for average marginal
effects, and long tables of probabilities and effects with intervals."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import special

from surveykit._core.distributions import t_sf
from surveykit._core.errors import ArgumentError
from surveykit._core.messages import did_you_mean
from surveykit.estimation.intervals import critical_value
from surveykit.models.frame import ModelFrame, model_frame

if TYPE_CHECKING:
    from surveykit.design import SurveyDesign

__all__ = ["CategoricalPredictions", "categorical_frame", "check_rank", "contrasts",
           "effect_table", "interval_table", "model_contrasts", "set_level"]


def contrasts(data: pd.DataFrame, variable: str):
    """Counterfactual data pairs (label, high, low, step) for a marginal effect."""
    values = data[variable]
    if isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object or \
            pd.api.types.is_string_dtype(values.dtype) or pd.api.types.is_bool_dtype(values):
        # The levels that occur: the model has no column for a category nobody in it has
        # (its frame drops them, as R's model.frame does), so no effect either.
        levels = _occurring(values) if isinstance(values.dtype, pd.CategoricalDtype) \
            else sorted(values.dropna().unique().tolist())
        reference = levels[0]
        for level in levels[1:]:
            yield (f"{level} vs {reference}", set_level(data, variable, level),
                   set_level(data, variable, reference), 1.0)
        return
    numeric = pd.to_numeric(values).astype(float)
    if set(np.unique(numeric.dropna())) <= {0.0, 1.0}:
        yield "1 vs 0", set_level(data, variable, 1), set_level(data, variable, 0), 1.0
        return
    step = 1e-4 * max(float(numeric.std()), 1e-8)
    yield "per unit", data.assign(**{variable: numeric + step / 2}), \
        data.assign(**{variable: numeric - step / 2}), step


def _occurring(values: pd.Series) -> list:
    """A categorical's categories that some row holds, in category order."""
    return list(values.cat.remove_unused_categories().cat.categories)


def set_level(data: pd.DataFrame, variable: str, value: object) -> pd.DataFrame:
    column = data[variable]
    if isinstance(column.dtype, pd.CategoricalDtype):
        new = pd.Categorical([value] * len(data), categories=column.cat.categories,
                             ordered=column.cat.ordered)
        return data.assign(**{variable: new})
    if str(column.dtype).startswith(("Int", "UInt")):
        return data.assign(**{variable: pd.array([value] * len(data), dtype=column.dtype)})
    return data.assign(**{variable: value})




def categorical_frame(design: SurveyDesign, formula: str, kind: str,
                      levels: list | None = None) -> ModelFrame:
    """The model frame of a categorical outcome (level codes 0 … K−1 in ``frame.y``).

    The outcome's level order is its categorical order, ``levels`` if given, or sorted
    numeric codes; an ordinal outcome given as text must say its order.
    """
    data = design._data
    name = formula.split("~")[0].strip().strip("`")
    if name not in data.columns:
        raise ArgumentError(f"model formula {formula!r}: the outcome {name!r} is not a column of "
                          f"the design's data{did_you_mean(name, map(str, data.columns))}")
    values = data[name]
    if levels is None and isinstance(values.dtype, pd.CategoricalDtype):
        levels = list(values.cat.categories)
    elif levels is None:
        if kind == "ordinal" and not pd.api.types.is_numeric_dtype(values):
            raise ArgumentError(
                f"ordinal outcome {name!r} is text, so the order of its levels is unknown; "
                "make it an ordered categorical (pd.Categorical(values, categories=[...], "
                "ordered=True)) or pass levels=[...]")
        levels = sorted(values.dropna().unique().tolist())
        if all(isinstance(v, int | float) and not isinstance(v, bool) and float(v).is_integer()
               for v in levels):
            levels = [int(v) for v in levels]   # codes 1.0, 2.0 … name cut-points "1|2"
    codes = pd.Index(levels).get_indexer(values)
    unknown = values.notna().to_numpy() & (codes < 0)
    if unknown.any():
        row = int(np.flatnonzero(unknown)[0])
        raise ArgumentError(f"outcome {name!r} holds {values.iloc[row]!r} (row {row + 1}), "
                          f"which is not one of its levels {levels}")
    if kind == "ordinal" and len(levels) < 3:
        raise ArgumentError(f"ordinal outcome {name!r} has {len(levels)} levels {levels}; it "
                          "needs at least three (use design.logit for two)")
    coded = data.assign(**{name: np.where(codes >= 0, codes, np.nan).astype(float)})
    frame = model_frame(coded, formula, "numeric", weights=design.weights,
                        intercept=kind != "ordinal")
    counts = np.bincount(frame.y[frame.used].astype(np.int64), minlength=len(levels))
    if (counts == 0).any():
        empty = [levels[i] for i in np.flatnonzero(counts == 0)]
        raise ArgumentError(f"outcome {name!r}: the level(s) {empty} have no respondents in the "
                          "model; merge them with a neighbouring level or drop them")
    return dataclasses.replace(frame, outcome_levels=list(levels))


def check_rank(X: np.ndarray, formula: str, intercept: bool) -> None:
    """Refuse collinear predictors (``intercept``: X lacks the intercept column)."""
    matrix = np.column_stack([np.ones(len(X)), X]) if intercept else X
    if np.linalg.matrix_rank(matrix) < matrix.shape[1]:
        raise ArgumentError(f"model {formula!r}: the predictors are collinear (the model matrix "
                          "has rank below its number of columns); drop a predictor or merge "
                          "levels")


def model_contrasts(frame: ModelFrame, data: pd.DataFrame, variable: str
                    ) -> Iterator[tuple[str, pd.DataFrame, pd.DataFrame, float]]:
    """Counterfactual pairs (label, high, low, step) for a marginal effect; a categorical
    predictor — or numbers written as ``C(x)`` — is contrasted with the model's own
    reference level (``C(x, contr.treatment("ref"))``), else with its first level; only
    levels that occur among the rows (the model has no column for the others)."""
    values = data[variable]
    reference = frame.references.get(variable)
    categorical = isinstance(values.dtype, pd.CategoricalDtype)
    coded = variable in frame.coded and not categorical
    if not coded and (reference is None or not categorical):
        yield from contrasts(data, variable)
        return
    # ``C(x)`` of numbers: its levels are the values that occur (not a slope per unit)
    levels = sorted(pd.unique(values.dropna())) if coded else _occurring(values)
    base = next((level for level in levels if str(level) == reference), levels[0])
    for level in levels:
        if level != base:
            yield (f"{level} vs {base}", set_level(data, variable, level),
                   set_level(data, variable, base), 1.0)


def interval_table(rows: pd.DataFrame, outcome: list, estimate: np.ndarray, se: np.ndarray,
                   quantile: float) -> pd.DataFrame:
    """Long table of probabilities (profiles × outcome levels) with intervals built on the
    logit of the probability, so that they stay within (0, 1)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        half = quantile * se / (estimate * (1 - estimate))
        centre = special.logit(estimate)
    out = rows.reset_index(drop=True).loc[np.repeat(np.arange(len(rows)), len(outcome))]
    out = out.reset_index(drop=True)
    out["outcome"] = np.tile(np.asarray(outcome, dtype=object), len(rows))
    out["estimate"] = estimate.ravel()
    out["se"] = se.ravel()
    out["ci_low"] = special.expit(centre - half).ravel()
    out["ci_high"] = special.expit(centre + half).ravel()
    return out


def effect_table(rows: list[dict], df: float, level: float) -> pd.DataFrame:
    """AME rows (variable, contrast, outcome, ame, se) → table with t intervals, in pp."""
    table = pd.DataFrame(rows)
    quantile = critical_value(0.5 + level / 2, df)
    table["ci_low"] = table["ame"] - quantile * table["se"]
    table["ci_high"] = table["ame"] + quantile * table["se"]
    table["p_value"] = 2 * t_sf(np.abs(table["ame"] / table["se"]), df)
    table.attrs["unit"] = "percentage points"
    return table.set_index(["variable", "contrast", "outcome"])




class CategoricalPredictions:
    """Predictions and average marginal effects of a model with a categorical outcome.

    A mix-in for results that know, for a model matrix X, the probability of every outcome
    level and what their derivatives need (``_state(X) -> (P, aux)``), and the derivatives
    of the probabilities with respect to the parameters (``_jacobian(X, aux, weights)``:
    per row, or their weighted mean when ``weights`` are given).
    """

    def predict(self, profiles: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
        """Probability of every outcome level for each profile, with design-based intervals.

        One row per profile and outcome level (column ``outcome``): ``estimate``, its
        delta-method ``se`` and an interval built on the logit of the probability (t with
        ``df_resid``), so it stays within (0, 1).
        """
        X = self.frame.matrix(profiles)
        probability, aux = self._state(X)
        gradient = self._jacobian(X, aux, None)
        se = np.sqrt(np.einsum("mki,ij,mkj->mk", gradient, self.cov.to_numpy(), gradient))
        quantile = critical_value(0.5 + level / 2, self.df_resid)
        return interval_table(profiles, list(self.levels), probability, se, quantile)

    def marginal_effects(self, variables: list[str] | None = None, level: float = 0.95
                         ) -> pd.DataFrame:
        """Average marginal effects on the probability of each outcome level, in percentage
        points, design-weighted over the respondents in the model.

        Categorical predictor: everyone moved from the reference level to each other level;
        0/1 predictor: from 0 to 1; numeric predictor: the average derivative (per unit).
        SEs by the delta method with the design-based covariance (t with ``df_resid``).
        Effects on the K levels sum to zero.
        """
        data = self.design._data.loc[self.frame.used]
        w = self.design.weights[self.frame.used]
        covariance = self.cov.to_numpy()
        rows = []
        for variable in variables or self.frame.variables:
            for label, high, low, step in model_contrasts(self.frame, data, variable):
                x_high, x_low = self.frame.matrix(high), self.frame.matrix(low)
                (p_high, a_high), (p_low, a_low) = self._state(x_high), self._state(x_low)
                effect = np.average(p_high - p_low, axis=0, weights=w) / step
                gradient = (self._jacobian(x_high, a_high, w)
                            - self._jacobian(x_low, a_low, w)) / step
                se = np.sqrt(np.einsum("ki,ij,kj->k", gradient, covariance, gradient))
                rows += [{"variable": variable, "contrast": label, "outcome": outcome,
                          "ame": 100 * effect[k], "se": 100 * se[k]}
                         for k, outcome in enumerate(self.levels)]
        return effect_table(rows, self.df_resid, level)
