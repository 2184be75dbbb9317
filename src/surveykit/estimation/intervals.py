"""Confidence intervals: the one module that turns estimates and SEs into intervals.

Means, totals, ratios, proportions (R's ``svyciprop`` methods), quantiles (Woodruff's
share limits) and model coefficients all build their intervals here, so a quantile and a
degrees-of-freedom convention mean the same everywhere: ``df=None`` (or infinite) gives
normal quantiles, a number gives t quantiles, as R's ``confint(df=)``.
"""

from __future__ import annotations

import numpy as np

from surveykit._core.distributions import beta_quantile, normal_quantile, t_quantile
from surveykit._core.errors import ArgumentError

__all__ = [
    "PROPORTION_METHODS",
    "confidence_interval",
    "critical_value",
    "logit_interval",
    "proportion_interval",
]

#: R's ``svyciprop`` methods (``mean`` is R's name for the Wald interval of a share).
PROPORTION_METHODS = ("logit", "xlogit", "wald", "mean", "asin", "beta")


def critical_value(probability: float | np.ndarray, df: float | np.ndarray | None
                   ) -> np.ndarray:
    """R's ``qt(p, df)``, or ``qnorm(p)`` where ``df`` is None or infinite (``df`` may be
    one value per estimate, as the Barnard–Rubin df of pooled imputations)."""
    if df is None:
        return normal_quantile(probability)
    df = np.asarray(df, dtype=float)
    if df.ndim == 0:
        return normal_quantile(probability) if np.isinf(df) else t_quantile(probability, df)
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(df), normal_quantile(probability),
                        t_quantile(probability, np.where(np.isinf(df), 1.0, df)))


def confidence_interval(estimate: np.ndarray, se: np.ndarray, level: float,
                        df: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Wald interval ``estimate ± q · se``: normal quantiles (``df=None``) or t with ``df``."""
    quantile = critical_value(0.5 + level / 2, df)
    return estimate - quantile * se, estimate + quantile * se


def logit_interval(share: np.ndarray, se: np.ndarray, level: float, df: float | None,
                   se_is_logit: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Logit-scale interval for a proportion, as R's ``svyciprop(method="logit")``.

    The interval for ``logit(p)`` has half-width ``q · se_logit`` with
    ``se_logit = se / (p(1 − p))`` (the design-based SE of the intercept of a quasi-binomial
    ``svyglm``) unless ``se_is_logit`` says ``se`` is on the logit scale already (a
    replicate design's spread of replicate logits). It is mapped back with the expit, so it
    stays inside [0, 1] and is asymmetric near the ends, where Wald intervals fail. A share
    of exactly 0 or 1 gets the degenerate interval [p, p].
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        logit = np.log(share / (1 - share))
        se_logit = se if se_is_logit else se / (share * (1 - share))
        low, high = confidence_interval(logit, se_logit, level, df)
        low, high = 1 / (1 + np.exp(-low)), 1 / (1 + np.exp(-high))
    degenerate = (share <= 0) | (share >= 1)
    return np.where(degenerate, share, low), np.where(degenerate, share, high)


def proportion_interval(method: str, share: np.ndarray, se: np.ndarray, level: float,
                        df: float | None, n_rows: int, design_df: float | None = None
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Confidence interval for proportions by one of R's ``svyciprop`` methods.

    Parameters
    ----------
    method
        ``logit``/``xlogit``: Wald interval on the logit scale (identical in R up to
        rounding); ``wald``/``mean``: symmetric Wald interval; ``asin``: Wald interval for
        ``asin(sqrt(p))``; ``beta``: Korn–Graubard Clopper–Pearson interval with the
        effective sample size ``p(1 − p)/v``, adjusted by the ratio of t quantiles as R does.
    share, se
        Estimated proportions and their standard errors.
    level
        Confidence level.
    df
        Degrees of freedom of the interval's quantiles (None: normal).
    n_rows
        Number of respondents (the ``n − 1`` of the beta interval's t-ratio).
    design_df
        Degrees of freedom of the beta interval's t-ratio denominator; R's Woodruff
        quantile intervals use the design's whatever ``df`` is (default: ``df``).
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
            ratio_df = df if design_df is None else design_df
            effective = effective * (t_quantile(alpha / 2, n_rows - 1)
                                     / critical_value(alpha / 2, ratio_df)) ** 2
            low = beta_quantile(alpha / 2, effective * share, effective * (1 - share) + 1)
            high = beta_quantile(1 - alpha / 2, effective * share + 1,
                                  effective * (1 - share))
        return low, high
    raise ArgumentError(f"interval method {method!r} is not known; use one of "
                        f"{', '.join(PROPORTION_METHODS)}")
