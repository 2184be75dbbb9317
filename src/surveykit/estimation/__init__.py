"""The estimation layer: design-based estimates, their intervals and tests.

Job
    Means, totals, ratios, proportions (`linear_estimators`), quantiles (`quantiles`),
    Rao–Scott tests of two-way tables (`rao_scott`), variables and domains as estimators
    see them (`domains`), confidence intervals (`intervals`, the only module that builds
    them) and the `Estimates` result type that keeps an estimate's covariance (`results`).
    The design computes every variance; this layer builds statistics and tidy results.

May import
    `surveykit.design` and `surveykit._core`.
"""

from surveykit.estimation.intervals import (
    PROPORTION_METHODS,
    confidence_interval,
    logit_interval,
    proportion_interval,
)
from surveykit.estimation.linear_estimators import mean, proportion, ratio, total
from surveykit.estimation.quantiles import quantile
from surveykit.estimation.rao_scott import ChisqResult, chisq
from surveykit.estimation.results import Estimates

__all__ = [
    "PROPORTION_METHODS",
    "ChisqResult",
    "Estimates",
    "chisq",
    "confidence_interval",
    "logit_interval",
    "mean",
    "proportion",
    "proportion_interval",
    "quantile",
    "ratio",
    "total",
]
