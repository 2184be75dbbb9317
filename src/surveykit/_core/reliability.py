"""Cronbach's α of a multi-item scale: the one place surveykit computes it.

Harmonisation reports it for every configured scale and the robustness appendix for the
scales the models use; both call :func:`cronbach_alpha`, so the two numbers cannot drift
apart.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["cronbach_alpha"]


def cronbach_alpha(items: pd.DataFrame, nan_policy: str = "listwise", level: float = 0.95
                   ) -> tuple[float, tuple[float, float]]:
    """Cronbach's α and its F-based confidence interval, as pingouin computes them.

    The formulas and every arithmetic step are pingouin's ``cronbach_alpha`` (0.5–0.7):
    α = k / (k − 1) · (1 − tr C / ΣC) from the items' covariance matrix C (pairwise
    complete, as pandas computes it), and the interval 1 − (1 − α) · F⁻¹ with n − 1 and
    (n − 1)(k − 1) degrees of freedom, its limits rounded to three decimals. They are
    written out here rather than called because importing pingouin imports matplotlib:
    2.7 s in every workflow step that reports a scale, a quarter of harmonising a million
    respondents and most of harmonising a small survey. The tests check the results
    against pingouin itself.

    Parameters
    ----------
    items
        One column per item, one row per respondent, missing answers as NaN.
    nan_policy
        ``"listwise"``: respondents who answered every item; ``"pairwise"``: respondents
        who answered at least one (pingouin's default), each covariance from the
        respondents who answered both items.
    level
        Confidence level of the interval.

    Returns
    -------
    alpha, (ci_low, ci_high)
    """
    from scipy import special  # deferred: scipy is not needed by `import surveykit`

    if nan_policy not in ("listwise", "pairwise"):
        raise ValueError(f"nan_policy must be 'listwise' or 'pairwise', not {nan_policy!r}")
    # pingouin takes the n of its interval before dropping incomplete rows: drop first.
    kept = items.dropna(how="any" if nan_policy == "listwise" else "all")
    n, k = kept.shape
    if k < 2 or n < 2:
        raise ValueError(f"Cronbach's alpha needs at least 2 items and 2 respondents, not "
                         f"{k} and {n}")
    covariance = kept.cov(numeric_only=True)
    alpha = (k / (k - 1)) * (1 - np.trace(covariance) / covariance.sum().sum())
    tail = 1 - level
    df1 = n - 1
    df2 = df1 * (k - 1)
    # F.isf(q) = F⁻¹(1 − q): scipy.stats' f.isf evaluates the same inverse (fdtri).
    lower = 1 - (1 - alpha) * special.fdtri(df1, df2, 1 - tail / 2)
    upper = 1 - (1 - alpha) * special.fdtri(df1, df2, tail / 2)
    low, high = np.round([lower, upper], 3)
    return float(alpha), (float(low), float(high))
