"""`Estimates`: the tidy table of design-based estimates, with its covariance kept durably.

An estimate table shows as the tidy frame users expect (``estimate, se, ci_low, ci_high,
deff, n``) and *is* a `pandas.DataFrame`, so everything that reads a frame reads it. Its
covariance matrix and the interval's degrees of freedom are real attributes, ``.vcov`` and
``.dof``, not entries of ``DataFrame.attrs`` (which pandas calls experimental and which
``concat``/``merge`` drop or mix). They survive ``copy()`` and pickling. Any operation that
changes rows or columns (slicing, ``concat``, arithmetic) gives a plain `DataFrame`: the
covariance of a different set of estimates is not the original one, so it is not carried
along by accident — select rows of ``.vcov`` explicitly when you need them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Estimates", "result_frame"]


class Estimates(pd.DataFrame):
    """A table of estimates with its covariance matrix (``.vcov``) and interval df (``.dof``).

    Attributes
    ----------
    vcov
        Covariance matrix of the ``estimate`` column, indexed like the rows.
    dof
        Degrees of freedom of the intervals (``None``: normal quantiles); for quantiles by
        domain a mapping domain → df.
    """

    _metadata = ["vcov", "dof"]  # noqa: RUF012 - pandas' protocol for subclass attributes

    @property
    def _constructor(self) -> type[pd.DataFrame]:
        # Derived frames are plain: see the module docstring.
        return pd.DataFrame

    def copy(self, deep: bool = True) -> Estimates:  # type: ignore[override]
        """A copy that keeps the covariance and the degrees of freedom."""
        frame = Estimates(pd.DataFrame(self).copy(deep=deep))
        frame.vcov = getattr(self, "vcov", None)
        frame.dof = getattr(self, "dof", None)
        return frame

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (pd.DataFrame(self), getattr(self, "vcov", None),
                           getattr(self, "dof", None)))


def _rebuild(frame: pd.DataFrame, vcov: pd.DataFrame | None, dof: Any) -> Estimates:
    result = Estimates(frame)
    result.vcov, result.dof = vcov, dof
    return result


def as_estimates(frame: pd.DataFrame, vcov: pd.DataFrame | None, dof: Any) -> Estimates:
    """Wrap a tidy frame with its covariance matrix and degrees of freedom."""
    return _rebuild(frame, vcov, dof)


def result_frame(index: pd.Index, estimate: np.ndarray, covariance: np.ndarray,
                 n: np.ndarray, ci: tuple[np.ndarray, np.ndarray],
                 deff: np.ndarray | None, df: float | None) -> Estimates:
    """The tidy result: estimate, se, ci_low, ci_high, deff, n; covariance as ``.vcov``."""
    se = np.sqrt(np.clip(np.diag(covariance), 0, None))
    frame = pd.DataFrame({
        "estimate": estimate,
        "se": se,
        "ci_low": ci[0],
        "ci_high": ci[1],
        "deff": deff if deff is not None else np.full(len(estimate), np.nan),
        "n": n.astype(np.int64),
    }, index=index)
    return as_estimates(frame, pd.DataFrame(covariance, index=index, columns=index), df)
