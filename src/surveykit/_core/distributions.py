"""The few distribution functions surveykit needs, evaluated by ``scipy.special``.

``scipy.stats`` computes its t, F, χ², normal and beta functions with exactly these
``scipy.special`` routines (the tests check every function bit for bit against it, edge
cases included), but importing ``scipy.stats`` costs 0.5–1 s — it parses the docstrings of
its hundreds of distributions — in every workflow step that reports an interval or a test.

Each function takes arrays or scalars (pandas objects are read as arrays, so that no
index is carried along) and returns float64 values with numpy's broadcasting.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import special

__all__ = ["beta_quantile", "chi2_sf", "f_sf", "normal_quantile", "t_quantile", "t_sf"]


def _values(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=float)


def normal_quantile(p: Any) -> Any:
    """Φ⁻¹(p), as ``scipy.stats.norm.ppf``."""
    return special.ndtri(_values(p))


def t_quantile(p: Any, df: Any) -> Any:
    """The p-quantile of Student's t with ``df`` degrees of freedom (``inf``: normal), as
    ``scipy.stats.t.ppf``: −∞ at p = 0, +∞ at p = 1, NaN for df ≤ 0."""
    p, df = _values(p), _values(df)
    with np.errstate(invalid="ignore"):
        quantiles = np.where(p == 0, -np.inf, np.where(p == 1, np.inf,
                                                       special.stdtrit(df, p)))
        return np.where(df > 0, quantiles, np.nan)[()]


def t_sf(x: Any, df: Any) -> Any:
    """P(T > x) for Student's t with ``df`` degrees of freedom, as ``scipy.stats.t.sf``."""
    return special.stdtr(_values(df), -_values(x))


def f_sf(x: Any, dfn: Any, dfd: Any) -> Any:
    """P(F > x) for the F distribution, as ``scipy.stats.f.sf``."""
    x, dfn, dfd = _values(x), _values(dfn), _values(dfd)
    with np.errstate(invalid="ignore"):
        return _on_positive_support(special.fdtrc(dfn, dfd, np.maximum(x, 0.0)), x,
                                    (dfn > 0) & (dfd > 0))


def chi2_sf(x: Any, df: Any) -> Any:
    """P(χ² > x) with ``df`` degrees of freedom, as ``scipy.stats.chi2.sf``."""
    x, df = _values(x), _values(df)
    with np.errstate(invalid="ignore"):
        return _on_positive_support(special.chdtrc(df, np.maximum(x, 0.0)), x, df > 0)


def _on_positive_support(sf: np.ndarray, x: np.ndarray, valid: np.ndarray) -> Any:
    """A survival function of a distribution on (0, ∞) as scipy.stats gives it at its
    edges: 1 at x ≤ 0, 0 at x = ∞, NaN where the parameters are not valid."""
    edges = np.where(x <= 0, 1.0, np.where(x == np.inf, 0.0, sf))
    return np.where(valid, edges, np.nan)[()]


def beta_quantile(p: Any, a: Any, b: Any) -> Any:
    """The p-quantile of the beta distribution, as ``scipy.stats.beta.ppf``."""
    return special.betaincinv(_values(a), _values(b), _values(p))
