"""Cronbach's α of a multi-item scale: the one place surveykit computes it.

Harmonisation reports it for every configured scale and the robustness appendix for the
scales the models use; both call :func:`cronbach_alpha`, so the two numbers cannot drift
apart.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["cronbach_alpha"]


def cronbach_alpha(items: pd.DataFrame, nan_policy: str = "listwise", level: float = 0.95
                   ) -> tuple[float, tuple[float, float]]:
    """Cronbach's α and its F-based confidence interval (pingouin).

    Parameters
    ----------
    items
        One column per item, one row per respondent, missing answers as NaN.
    nan_policy
        ``"listwise"``: respondents who answered every item; ``"pairwise"``: respondents
        who answered at least one (pingouin's default).
    level
        Confidence level of the interval (pingouin rounds its limits to three decimals).

    Returns
    -------
    alpha, (ci_low, ci_high)
    """
    import pingouin  # deferred: pingouin imports matplotlib, too heavy for `import surveykit`

    # pingouin takes the n of its interval before dropping incomplete rows: drop first.
    kept = items.dropna(how="any" if nan_policy == "listwise" else "all")
    alpha, interval = pingouin.cronbach_alpha(data=kept, nan_policy=nan_policy, ci=level)
    return float(alpha), (float(interval[0]), float(interval[1]))
