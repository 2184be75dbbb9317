"""Scores of the robustness appendix: weighted AUC and Brier score of a 0/1 prediction, and
Cronbach's α of multi-item scales (`surveykit.models.robustness` re-exports all three).

Metrics are weighted estimates of population quantities: the weighted AUC is the probability
that a randomly drawn person of the population with the outcome gets a higher predicted
probability than one without it (ties count one half).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from surveykit._core.errors import ArgumentError, DataError
from surveykit._core.messages import did_you_mean
from surveykit._core.reliability import cronbach_alpha

__all__ = ["numeric_values", "scale_reliability", "weighted_auc", "weighted_brier"]


def weighted_auc(y: np.ndarray, score: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Weighted area under the ROC curve.

    The probability that a randomly drawn positive (weight-proportional) scores higher than
    a randomly drawn negative, ties counting one half:
    ``Σ_{i: y=1} Σ_{j: y=0} w_i w_j ([s_i > s_j] + ½[s_i = s_j]) / (W₁ W₀)``. Equals
    scikit-learn's ``roc_auc_score(y, score, sample_weight=weights)``.

    Parameters
    ----------
    y
        0/1 outcomes.
    score
        Predicted probabilities (any score whose order matters).
    weights
        Non-negative weights (default: all 1).

    Returns
    -------
    float
        The AUC, in [0, 1].

    Examples
    --------
    >>> weighted_auc(np.array([0, 1, 1]), np.array([0.2, 0.6, 0.2]), np.array([1, 2, 1]))
    0.8333333333333334
    """
    y = np.asarray(y, dtype=float)
    score = np.asarray(score, dtype=float)
    weights = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)
    if not (len(y) == len(score) == len(weights)):
        raise ArgumentError("weighted_auc: y, score and weights must have the same length")
    _, position = np.unique(score, return_inverse=True)
    positive = np.bincount(position, weights=weights * y)
    negative = np.bincount(position, weights=weights * (1.0 - y))
    total_positive, total_negative = positive.sum(), negative.sum()
    if total_positive <= 0 or total_negative <= 0:
        raise DataError("weighted_auc: the AUC needs respondents with both outcome values")
    below = np.cumsum(negative) - negative  # negative weight strictly below each score
    return float(positive @ (below + 0.5 * negative) / (total_positive * total_negative))


def weighted_brier(y: np.ndarray, probability: np.ndarray,
                   weights: np.ndarray | None = None) -> float:
    """Weighted Brier score ``Σ w (p − y)² / Σ w`` (lower is better; 0.25 for p = ½)."""
    y = np.asarray(y, dtype=float)
    probability = np.asarray(probability, dtype=float)
    return float(np.average((probability - y) ** 2, weights=weights))


# --------------------------------------------------------------------------- reliability


def scale_reliability(data: pd.DataFrame, scales: Mapping[str, Sequence[str]],
                      level: float = 0.95, nan_policy: str = "listwise") -> pd.DataFrame:
    """Cronbach's α of multi-item scales, with confidence intervals (pingouin's formulas,
    `surveykit._core.reliability`).

    Parameters
    ----------
    data
        One row per respondent with the item columns, missing answers as NaN (clean codes
        such as 9 "keine Angabe" first; reversing all items of a scale does not change α).
    scales
        ``{scale name: [item columns]}``, e.g. from `surveykit.data.config.configured_scales`.
    level
        Confidence level of the interval (pingouin's F-based interval, rounded
        to three decimals).
    nan_policy
        ``"listwise"`` (respondents who answered every item, as the harmonise report) or
        ``"pairwise"`` (pingouin's default; respondents who answered no item are left out).
        The interval's degrees of freedom use the respondents kept.

    Returns
    -------
    pandas.DataFrame
        Indexed by scale: ``items`` (number of items), ``n_complete`` (respondents with
        every item), ``alpha``, ``ci_low``, ``ci_high``.

    Examples
    --------
    >>> scale_reliability(items, {"leisure_satisfaction": ["zuf_kultur", "zuf_freizeit",
    ...                   "zuf_sport"]})                                    # doctest: +SKIP
                          items  n_complete     alpha  ci_low  ci_high
    scale
    leisure_satisfaction      3        2301  0.712000   0.694    0.729
    """
    if nan_policy not in ("listwise", "pairwise"):
        raise ArgumentError(f"scale_reliability: nan_policy={nan_policy!r}; use 'listwise' or "
                          "'pairwise'")
    rows = []
    for name, items in scales.items():
        items = [items] if isinstance(items, str) else list(items)
        if len(items) < 2:
            raise ArgumentError(f"scale_reliability: scale {name!r} has {len(items)} item(s); "
                              "Cronbach's alpha needs at least two")
        for item in items:
            if item not in data.columns:
                raise ArgumentError(f"scale_reliability: item {item!r} of scale {name!r} is not "
                                  f"a column{did_you_mean(item, map(str, data.columns))}")
        frame = pd.DataFrame({item: numeric_values(data[item], f"item {item!r} of scale {name!r}")
                              for item in items})
        complete = int(frame.notna().all(axis=1).sum())
        if complete <= len(items):
            raise DataError(f"scale_reliability: only {complete} respondents answered every "
                            f"item of scale {name!r} ({len(items)} items); alpha needs more "
                            "complete answers than items")
        alpha, (low, high) = cronbach_alpha(frame, nan_policy=nan_policy, level=level)
        rows.append({"scale": name, "items": len(items), "n_complete": complete,
                     "alpha": alpha, "ci_low": low, "ci_high": high})
    return pd.DataFrame(rows, columns=["scale", "items", "n_complete", "alpha", "ci_low",
                                       "ci_high"]).set_index("scale")



def numeric_values(values: pd.Series, what: str) -> np.ndarray:
    """A numeric (or boolean) column as floats, NaN where missing; ``what`` names it in the
    error for any other column."""
    if isinstance(values.dtype, pd.CategoricalDtype) or not (
            pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values)):
        raise DataError(f"{what} is not numeric (dtype {values.dtype}); give numbers with "
                        "missing answers as NaN")
    return values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


