"""What every design-based model shares: the sandwich covariance through the design's
variance engine (or its replicate weights), degrees of freedom, coefficient tables, odds
ratios and design-based Wald tests of terms (R's ``regTermTest``)."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from surveykit._core.distributions import f_sf, t_sf
from surveykit.estimation.intervals import critical_value
from surveykit.models.frame import ModelFrame, term_columns

if TYPE_CHECKING:
    from surveykit.design import SurveyDesign

__all__ = ["ModelResult", "SeparationWarning", "WaldTest", "model_covariance", "model_degf"]


class SeparationWarning(UserWarning):
    """The data (quasi-)separate the outcome: some coefficients are not estimable."""


def model_degf(design: SurveyDesign, used: np.ndarray) -> int:
    """Design degrees of freedom of the respondents a model uses (R: after ``na.omit``)."""
    if np.array_equal(used, design.weights != 0):
        return design.degf
    return design.subset(used).degf


def model_covariance(design: SurveyDesign, influence: np.ndarray, used: np.ndarray,
                     refit: Callable[[np.ndarray], np.ndarray] | None = None,
                     estimate: np.ndarray | None = None) -> np.ndarray:
    """Design-based covariance of model parameters.

    Linearisation: the design's variance engine applied to the influence values
    ``U_i A⁻¹`` (estimating-function contributions times the inverse Hessian), as R's
    ``svy.varcoef``. Replicate designs: ``refit`` re-estimates the parameters with each
    replicate's weights and the replicate spread gives the covariance (R's svrVar).
    """
    def recompute(matrix: np.ndarray) -> np.ndarray:
        matrix = np.where(used[:, None], matrix, 0.0)  # respondents the model leaves out
        return np.array([refit(matrix[:, r]) for r in range(matrix.shape[1])])

    return design.statistic_covariance(
        estimate if estimate is not None else np.zeros(influence.shape[1]), influence,
        recompute if refit is not None and estimate is not None else None, present=used)


@dataclass(frozen=True)
class WaldTest:
    """A design-based Wald test that some coefficients are zero (R's ``regTermTest``).

    ``statistic`` is F = W / df with ``df`` numerator and ``ddf`` denominator degrees of
    freedom (the model's residual df); ``chisq`` is W itself.
    """

    terms: tuple[str, ...]
    statistic: float
    chisq: float
    df: int
    ddf: float
    p_value: float


@dataclass(frozen=True)
class ModelResult:
    """Parameters of a design-based model with their design-based covariance.

    Attributes
    ----------
    params, bse
        Estimates and standard errors (pandas Series, R-style names).
    cov
        Covariance matrix (DataFrame).
    df_resid
        Residual degrees of freedom: design df + 1 − number of parameters (R's svyglm).
    frame
        The model frame (outcome, model matrix, terms, rows used).
    n
        Respondents used; ``n_dropped`` those left out for missing values.
    """

    kind: str
    params: pd.Series
    cov: pd.DataFrame
    df_resid: float
    frame: ModelFrame
    design: SurveyDesign
    n: int
    n_dropped: int
    converged: bool = True
    iterations: int = 0

    @property
    def bse(self) -> pd.Series:
        return pd.Series(np.sqrt(np.clip(np.diag(self.cov), 0, None)), index=self.params.index)

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Coefficient table: estimate, se, t, p_value (t with ``df_resid``), ci_low, ci_high."""
        se = self.bse
        t = self.params / se
        quantile = critical_value(0.5 + level / 2, self.df_resid)
        return pd.DataFrame({
            "estimate": self.params,
            "se": se,
            "t": t,
            "p_value": 2 * t_sf(np.abs(t), self.df_resid),
            "ci_low": self.params - quantile * se,
            "ci_high": self.params + quantile * se,
        })

    def odds_ratios(self, level: float = 0.95) -> pd.DataFrame:
        """exp(coefficients) with exponentiated Wald intervals (cut-points excluded)."""
        table = self.summary(level)
        keep = [name for name in table.index if "|" not in name]
        out = table.loc[keep, ["estimate", "ci_low", "ci_high", "p_value"]].copy()
        out[["estimate", "ci_low", "ci_high"]] = np.exp(out[["estimate", "ci_low",
                                                             "ci_high"]])
        return out.rename(columns={"estimate": "odds_ratio"})

    def wald_test(self, terms: str | Sequence[str], df: float | None = None) -> WaldTest:
        """Design-based Wald test that all coefficients of ``terms`` are zero.

        As R's ``regTermTest(model, ~terms)``: F = β' V⁻¹ β / k on (k, ``df``) degrees of
        freedom, ``df`` defaulting to the model's residual df.
        """
        if isinstance(terms, str):
            terms = [t.strip() for t in terms.replace("~", "").split("+") if t.strip()]
        else:
            terms = [t.strip() for term in terms for t in term.replace("~", "").split("+")
                     if t.strip()]
        columns = term_columns(self.frame, terms)
        beta = self.params.to_numpy()[columns]
        covariance = self.cov.to_numpy()[np.ix_(columns, columns)]
        chisq = float(beta @ np.linalg.solve(covariance, beta))
        k = len(columns)
        ddf = self.df_resid if df is None else df
        statistic = chisq / k
        return WaldTest(tuple([terms] if isinstance(terms, str) else terms), statistic, chisq,
                        k, float(ddf), float(f_sf(statistic, k, ddf)))

    def terms_table(self) -> pd.DataFrame:
        """Wald test of every term (one row per term, intercept and cut-points excluded)."""
        rows = []
        for term in self.frame.terms:
            if term == "(Intercept)":
                continue
            test = self.wald_test(term)
            rows.append({"term": term, "F": test.statistic, "df": test.df, "ddf": test.ddf,
                         "p_value": test.p_value})
        return pd.DataFrame(rows).set_index("term")


def warn_if_separated(frame: ModelFrame, fitted: np.ndarray, params: np.ndarray,
                      converged: bool, what: str, present: np.ndarray | None = None) -> None:
    """Warn (instead of printing absurd coefficients silently) about (quasi-)separation.

    ``fitted``: the fitted probability (of the observed outcome) of each respondent in the
    model (``frame.used``); ``present``: per column of the model matrix, whether any of
    them has a non-zero value (default: read from ``frame.X``).
    """
    used = frame.used
    extreme = (fitted < 1e-8) | (fitted > 1 - 1e-8)
    large = np.abs(params) > 15
    if not converged or large.any() or extreme.mean() > 0.01:
        names = [frame.names[i] for i in np.flatnonzero(large)] or ["(none named)"]
        warnings.warn(
            f"{what}: the outcome is (quasi-)separated — {extreme.sum()} respondents have "
            f"fitted probabilities of 0 or 1 and coefficients {', '.join(names)} are not "
            "estimable. Merge sparse categories, drop the offending predictor, or use "
            "penalised estimation; do not interpret these coefficients.",
            SeparationWarning, stacklevel=3)
    if present is None:
        present = (frame.X if used.all() else frame.X[used]).any(axis=0)
    for term, columns in frame.terms.items():
        for column in columns:
            if not present[column]:
                warnings.warn(f"{what}: the level {frame.names[column]!r} of {term!r} has no "
                              "respondents; merge it with a neighbouring level",
                              SeparationWarning, stacklevel=3)
