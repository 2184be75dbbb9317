"""Design-based estimators: totals, means, proportions and ratios, overall and by domain.

Every estimator here is a ratio of weighted sums, ``θ = Σ w·y / Σ w·x`` (``x = 1`` for a
mean, no denominator for a total, ``y·1_d`` and ``x·1_d`` in a domain ``d``). That one form
gives the estimate for any weights — the full-sample weights or a matrix of replicate
weights — and the influence values the variance engine needs. Domains are estimated as
subpopulations of the whole design (their respondents' influence values, everyone else
zero), never by cutting the design down; respondents with a missing value are left out as
R does with ``na.rm=TRUE``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from surveykit.config import did_you_mean
from surveykit.errors import ConfigError

__all__ = [
    "LinearStatistic",
    "confidence_interval",
    "design_matrix",
    "domain_codes",
    "logit_interval",
    "proportion_interval",
    "result_frame",
]


@dataclass(frozen=True)
class LinearStatistic:
    """A vector of ratio-of-weighted-sums estimates ``Σ w·y_j / Σ w·x_j``.

    Attributes
    ----------
    numerator
        n × k values ``y`` (zero where a respondent does not count).
    denominator
        n × k values ``x``, or ``None`` for totals.
    names
        One label per estimate.
    n
        Unweighted number of respondents behind each estimate.
    """

    numerator: np.ndarray
    denominator: np.ndarray | None
    names: list
    n: np.ndarray

    def estimate(self, weights: np.ndarray) -> np.ndarray:
        """Estimates for a weight vector (k,) or a weight matrix n × R (→ R × k)."""
        totals = weights.T @ self.numerator
        if self.denominator is None:
            return totals
        with np.errstate(divide="ignore", invalid="ignore"):
            return totals / (weights.T @ self.denominator)

    def influence(self, weights: np.ndarray) -> np.ndarray:
        """Influence values (n × k) of the estimates at ``weights``."""
        if self.denominator is None:
            return self.numerator * weights[:, None]
        denominator = weights @ self.denominator
        ratio = self.estimate(weights)
        with np.errstate(divide="ignore", invalid="ignore"):
            return (self.numerator - self.denominator * ratio) * weights[:, None] / denominator


def _column(data: pd.DataFrame, name: str) -> pd.Series:
    if name not in data.columns:
        raise ConfigError(f"no variable {name!r} in the design's data"
                          f"{did_you_mean(name, map(str, data.columns))}")
    return data[name]


def is_categorical(values: pd.Series) -> bool:
    """Whether a column is treated as categorical (one estimate per level)."""
    return isinstance(values.dtype, pd.CategoricalDtype) or values.dtype == object or \
        pd.api.types.is_string_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype)


def _levels(values: pd.Series) -> list:
    if isinstance(values.dtype, pd.CategoricalDtype):
        return list(values.cat.categories)
    return sorted(values.dropna().unique().tolist())


def design_matrix(data: pd.DataFrame, variables: Sequence[str]
                  ) -> tuple[np.ndarray, list[tuple[str, object]], np.ndarray]:
    """Numeric matrix of the variables, categorical ones expanded to level indicators.

    Returns the matrix (n × k), one ``(variable, level)`` label per column (``level`` is
    ``None`` for numeric variables) and a mask of rows without a missing value.
    """
    columns, labels = [], []
    complete = np.ones(len(data), dtype=bool)
    for name in variables:
        values = _column(data, name)
        missing = values.isna().to_numpy()
        complete &= ~missing
        if is_categorical(values):
            for level in _levels(values):
                columns.append((values == level).fillna(False).to_numpy(dtype=float))
                labels.append((name, level))
        else:
            numeric = pd.to_numeric(values, errors="coerce")
            if (numeric.isna() & ~values.isna()).any():
                raise ConfigError(f"variable {name!r} is neither numeric nor categorical")
            columns.append(numeric.to_numpy(dtype=float, na_value=np.nan))
            labels.append((name, None))
    matrix = np.column_stack(columns) if columns else np.empty((len(data), 0))
    matrix = np.where(complete[:, None], matrix, 0.0)
    return matrix, labels, complete


def domain_codes(data: pd.DataFrame, by: str | Sequence[str]
                 ) -> tuple[np.ndarray, pd.Index]:
    """Integer domain codes (−1 where a ``by`` value is missing) and the domain index."""
    names = [by] if isinstance(by, str) else list(by)
    frames = [_column(data, name) for name in names]
    if len(frames) == 1:
        values = frames[0]
        levels = _levels(values)
        codes = pd.Categorical(values, categories=levels).codes.astype(np.int64)
        return codes, pd.Index(levels, name=names[0])
    combined = pd.MultiIndex.from_arrays(frames, names=names)
    present = ~np.any([f.isna().to_numpy() for f in frames], axis=0)
    index = pd.MultiIndex.from_tuples(sorted(set(combined[present])), names=names)
    codes = np.full(len(data), -1, dtype=np.int64)
    codes[present] = index.get_indexer(combined[present])
    return codes, index


def confidence_interval(estimate: np.ndarray, se: np.ndarray, level: float,
                        df: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Wald interval: normal quantiles (``df=None``) or t quantiles with ``df``."""
    upper = 0.5 + level / 2
    quantile = stats.norm.ppf(upper) if df is None or np.isinf(df) else stats.t.ppf(upper, df)
    return estimate - quantile * se, estimate + quantile * se


def logit_interval(share: np.ndarray, se: np.ndarray, level: float, df: float | None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Logit-scale interval for a proportion, as R's ``svyciprop(method="logit")``.

    The interval for ``logit(p)`` has half-width ``q · se / (p(1 − p))`` (the design-based
    SE of the intercept of a quasi-binomial ``svyglm``), mapped back with the expit. It
    stays inside [0, 1] and is asymmetric near the ends, where Wald intervals fail.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        logit = np.log(share / (1 - share))
        se_logit = se / (share * (1 - share))
        low, high = confidence_interval(logit, se_logit, level, df)
        low, high = 1 / (1 + np.exp(-low)), 1 / (1 + np.exp(-high))
    degenerate = (share <= 0) | (share >= 1)
    return np.where(degenerate, share, low), np.where(degenerate, share, high)


PROPORTION_METHODS = ("logit", "xlogit", "wald", "mean", "asin", "beta")


def proportion_interval(method: str, share: np.ndarray, se: np.ndarray, level: float,
                        df: float | None, n_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Confidence interval for proportions by one of R's ``svyciprop`` methods.

    ``logit``/``xlogit``: Wald interval on the logit scale (identical in R up to rounding);
    ``wald``/``mean``: symmetric Wald interval; ``asin``: Wald interval for
    ``asin(sqrt(p))``; ``beta``: Korn–Graubard Clopper–Pearson interval with the effective
    sample size ``p(1 − p)/v``, adjusted by the ratio of t quantiles as R does (``n_rows`` is
    the number of respondents).
    """
    if method in ("logit", "xlogit"):
        return logit_interval(share, se, level, df)
    if method in ("wald", "mean"):
        return confidence_interval(share, se, level, df)
    if method == "asin":
        with np.errstate(divide="ignore", invalid="ignore"):
            transformed = np.arcsin(np.sqrt(share))
            se_transformed = se / (2 * np.sqrt(share * (1 - share)))
        low, high = confidence_interval(transformed, se_transformed, level, df)
        return np.sin(low) ** 2, np.sin(high) ** 2
    if method == "beta":
        alpha = 1 - level
        with np.errstate(divide="ignore", invalid="ignore"):
            effective = share * (1 - share) / se**2
            design_df = np.inf if df is None else df
            effective = effective * (stats.t.ppf(alpha / 2, n_rows - 1)
                                     / stats.t.ppf(alpha / 2, design_df)) ** 2
            low = stats.beta.ppf(alpha / 2, effective * share, effective * (1 - share) + 1)
            high = stats.beta.ppf(1 - alpha / 2, effective * share + 1,
                                  effective * (1 - share))
        return low, high
    raise ConfigError(f"interval method {method!r} is not known; use one of "
                      f"{', '.join(PROPORTION_METHODS)}")


def result_frame(index: pd.Index, estimate: np.ndarray, covariance: np.ndarray,
                 n: np.ndarray, ci: tuple[np.ndarray, np.ndarray],
                 deff: np.ndarray | None, df: float | None) -> pd.DataFrame:
    """The tidy result: estimate, se, ci_low, ci_high, deff, n; covariance in ``attrs``."""
    se = np.sqrt(np.clip(np.diag(covariance), 0, None))
    frame = pd.DataFrame({
        "estimate": estimate,
        "se": se,
        "ci_low": ci[0],
        "ci_high": ci[1],
        "deff": deff if deff is not None else np.full(len(estimate), np.nan),
        "n": n.astype(np.int64),
    }, index=index)
    frame.attrs["vcov"] = pd.DataFrame(covariance, index=index, columns=index)
    frame.attrs["df"] = df
    return frame
