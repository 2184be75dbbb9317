"""Differences between estimates from independent surveys, with design-based tests.

Two surveys of different regions are independent samples, so the variance of a difference
of their estimates is the sum of the two design-based variances (no covariance term). Each
estimate carries its own design degrees of freedom; the difference gets the
Welch–Satterthwaite degrees of freedom of the linear combination, and the t test and
interval use them (for large surveys this is the normal test).

With two surveys the comparison is the one difference A − B. With more, each survey is
compared with the unweighted mean of the others ("the other regions on average"): every
region counts once, whatever its size, which is what a benchmark across municipalities
means. The tests of one indicator are corrected for multiple testing together.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from surveykit._core.distributions import t_quantile, t_sf
from surveykit._core.errors import ArgumentError

__all__ = ["Contrast", "contrast", "versus_others"]


@dataclass(frozen=True)
class Contrast:
    """A linear combination of independent survey estimates and its t test.

    Attributes
    ----------
    difference : float
        ``sum(c_j * estimate_j)``.
    se : float
        ``sqrt(sum(c_j**2 * se_j**2))``: the surveys are independent.
    df : float
        Welch–Satterthwaite degrees of freedom of the combination (``inf`` when every
        estimate has infinite df).
    statistic : float
        ``difference / se``.
    p_value : float
        Two-sided p-value of ``statistic`` under t(df).
    ci_low, ci_high : float
        ``difference ± t_{df, 1-(1-level)/2} * se``.
    """

    difference: float
    se: float
    df: float
    statistic: float
    p_value: float
    ci_low: float
    ci_high: float


def contrast(coefficients: np.ndarray, estimates: np.ndarray, ses: np.ndarray,
             dfs: np.ndarray, level: float = 0.95) -> Contrast:
    """Test ``sum(c_j * estimate_j) = 0`` for estimates of independent surveys.

    Parameters
    ----------
    coefficients : array of float
        The contrast ``c`` (e.g. ``[1, -1]`` for A − B).
    estimates, ses : array of float
        Each survey's estimate and its design-based standard error.
    dfs : array of float
        Each survey's design degrees of freedom (``inf`` for a normal reference).
    level : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    Contrast

    Raises
    ------
    ArgumentError
        If the arrays differ in length, a value is not finite (``df`` may be ``inf``), a
        standard error or df is not positive, or ``level`` is not in (0, 1).
    """
    c, est, se, df = (np.asarray(a, dtype=float) for a in (coefficients, estimates, ses, dfs))
    if not c.shape == est.shape == se.shape == df.shape or c.ndim != 1:
        raise ArgumentError("contrast: coefficients, estimates, ses and dfs must be "
                            "one-dimensional arrays of equal length")
    if not (np.isfinite(c).all() and np.isfinite(est).all() and np.isfinite(se).all()):
        raise ArgumentError("contrast: coefficients, estimates and ses must be finite")
    if (se < 0).any() or not (df > 0).all():
        raise ArgumentError("contrast: standard errors must be >= 0 and df > 0")
    if not 0 < level < 1:
        raise ArgumentError(f"contrast: level must be in (0, 1), got {level!r}")
    parts = c**2 * se**2
    variance = float(parts.sum())
    difference = float(c @ est)
    # Welch–Satterthwaite: (sum v_j)^2 / sum(v_j^2 / df_j); terms with df = inf add nothing.
    denominator = float(np.sum(np.where(np.isinf(df), 0.0, parts**2 / df)))
    dof = variance**2 / denominator if denominator > 0 else np.inf
    root = np.sqrt(variance)
    if root == 0:
        return Contrast(difference, 0.0, dof, np.nan, np.nan, difference, difference)
    statistic = difference / root
    p_value = float(2 * t_sf(abs(statistic), dof))
    quantile = float(t_quantile(1 - (1 - level) / 2, dof))
    return Contrast(difference, float(root), float(dof), float(statistic), p_value,
                    difference - quantile * root, difference + quantile * root)


def versus_others(estimates: np.ndarray, ses: np.ndarray, dfs: np.ndarray,
                  level: float = 0.95) -> list[Contrast]:
    """Each survey against the unweighted mean of the others (with two: A − B and B − A).

    Parameters
    ----------
    estimates, ses, dfs : array of float
        One value per survey (at least two).
    level : float, default 0.95
        Confidence level of the intervals.

    Returns
    -------
    list of Contrast
        One per survey, in input order: ``estimate_i − mean_{j≠i} estimate_j``.
    """
    k = len(estimates)
    if k < 2:
        raise ArgumentError("versus_others: needs estimates of at least two surveys")
    results = []
    for i in range(k):
        c = np.full(k, -1.0 / (k - 1))
        c[i] = 1.0
        results.append(contrast(c, estimates, ses, dfs, level))
    return results
