"""`LinearStatistic`: a vector of ratios of weighted sums, the currency of the variance engine.

Every linear estimator (total, mean, share, ratio, by domain) is ``θ = Σ w·y / Σ w·x``
(``x = 1`` for a mean, no denominator for a total, ``y·1_d`` and ``x·1_d`` in a domain
``d``). That one form gives the estimate for any weights — the full-sample weights or a
matrix of replicate weights — and the influence values that linearisation needs, so a design
can compute its variance either way without knowing which estimator it serves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["LinearStatistic"]


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
