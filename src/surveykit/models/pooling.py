"""Rubin's rules: pool a model fitted on m imputed data sets.

Pooled estimates, within- and between-imputation covariance, total variance, Barnard–Rubin
degrees of freedom, fractions of missing information, and the D1 multivariate Wald test
(Li, Raghunathan & Rubin 1991, with Reiter's 2007 denominator df as R's ``mitml``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from surveykit._core.distributions import f_sf, t_sf
from surveykit._core.errors import ArgumentError, DataError
from surveykit.estimation.intervals import critical_value
from surveykit.models.base import ModelResult, WaldTest
from surveykit.models.frame import term_columns

__all__ = ["PooledResult", "pool"]


def _barnard_rubin(riv: np.ndarray, m: int, df_complete: float) -> np.ndarray:
    """Barnard & Rubin (1999) degrees of freedom from the relative increase in variance."""
    share = riv / (1 + riv)  # λ: share of the total variance due to missing data
    observed = (df_complete + 1) / (df_complete + 3) * df_complete * (1 - share)
    with np.errstate(divide="ignore", invalid="ignore"):
        old = (m - 1) / share**2
        return np.where(share > 0, old * observed / (old + observed), observed)


def _reiter_df(riv: float, k: int, m: int, df_complete: float) -> float:
    """Denominator df of D1: Reiter (2007) from the complete-data df, as R's ``mitml``;
    for k(m − 1) ≤ 4 Li, Raghunathan & Rubin's (1991), capped by the complete-data df."""
    t, v_star = k * (m - 1), (df_complete + 1) / (df_complete + 3) * df_complete
    if t <= 4:
        return min(v_star, t * (1 + 1 / k) * (1 + 1 / riv) ** 2 / 2) if riv > 0 else v_star
    a = riv * t / (t - 2)
    c1, c2 = v_star - 2 * (1 + a), v_star - 4 * (1 + a)
    z = 1 / c2 + (a**2 * c1 / ((1 + a) ** 2 * c2) + 8 * a**2 * c1 / ((1 + a) * c2**2)
                  + 4 * a**2 / ((1 + a) * c2) + 4 * a**2 / (c2 * c1)
                  + 16 * a**2 * c1 / c2**3 + 8 * a**2 / c2**2) / (t - 4)
    return 4 + 1 / z


@dataclass(frozen=True, repr=False)
class PooledResult:
    """A model fitted on ``m`` imputed data sets and pooled by Rubin's rules.

    Attributes
    ----------
    params
        Pooled estimates Q̄ (mean over imputations); ``estimates`` holds the m × p fits'.
    within, between
        Within-imputation covariance Ū (mean of the design-based covariances) and
        between-imputation covariance B (of the estimates, divisor m − 1).
    df
        Barnard–Rubin degrees of freedom with the complete-data ``df_complete`` (the
        model's residual df).
    imputed
        Imputed variable → number of imputed values.
    fits, complete_case
        The fits on the completed data sets and on the complete cases (`fit_imputed`).
    """

    params: pd.Series
    within: pd.DataFrame
    between: pd.DataFrame
    df: pd.Series
    df_complete: float
    m: int
    seed: int | None
    estimates: pd.DataFrame
    formula: str = ""
    model: str = ""
    imputed: dict[str, int] = field(default_factory=dict)
    fits: tuple[ModelResult, ...] = ()
    complete_case: ModelResult | None = None

    def __repr__(self) -> str:
        return (f"<PooledResult {self.model or 'estimates'} {self.formula!r}: "
                f"{len(self.params)} parameters, m={self.m}, seed={self.seed}>")

    @property
    def cov(self) -> pd.DataFrame:
        """Total covariance T = Ū + (1 + 1/m) B."""
        return self.within + (1 + 1 / self.m) * self.between

    @property
    def bse(self) -> pd.Series:
        return pd.Series(np.sqrt(np.clip(np.diag(self.cov), 0, None)), index=self.params.index)

    @property
    def riv(self) -> pd.Series:
        """Relative increase in variance due to non-response, r = (1 + 1/m) B / Ū."""
        between = np.diag(self.between)
        with np.errstate(divide="ignore", invalid="ignore"):
            riv = np.where(between > 0, (1 + 1 / self.m) * between / np.diag(self.within), 0.0)
        return pd.Series(riv, index=self.params.index)

    @property
    def fmi(self) -> pd.Series:
        """Fraction of missing information (r + 2/(ν + 3)) / (1 + r), as R's ``mice``;
        0 where the imputations agree (B = 0; ``mice`` reports 2/(ν + 3) there)."""
        riv = self.riv
        return ((riv + 2 / (self.df + 3)) / (1 + riv)).where(np.diag(self.between) > 0, 0.0)

    def pooling(self) -> pd.DataFrame:
        """Rubin's rules per parameter, in the columns of R's ``mice::pool``."""
        riv = self.riv
        return pd.DataFrame({"estimate": self.params, "ubar": np.diag(self.within),
                             "b": np.diag(self.between), "t": np.diag(self.cov),
                             "dfcom": self.df_complete, "df": self.df, "riv": riv,
                             "lambda": riv / (1 + riv), "fmi": self.fmi})

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """Pooled coefficients: estimate, se, t, df, p_value, ci_low, ci_high, fmi."""
        se = self.bse
        t = self.params / se
        quantile = critical_value(0.5 + level / 2, self.df)
        return pd.DataFrame({"estimate": self.params, "se": se, "t": t, "df": self.df,
                             "p_value": 2 * t_sf(np.abs(t), self.df),
                             "ci_low": self.params - quantile * se,
                             "ci_high": self.params + quantile * se, "fmi": self.fmi})

    def odds_ratios(self, level: float = 0.95) -> pd.DataFrame:
        """exp(pooled coefficients) with exponentiated intervals (cut-points excluded)."""
        table = self.summary(level)
        out = table.loc[[n for n in table.index if "|" not in n],
                        ["estimate", "ci_low", "ci_high", "p_value", "fmi"]].copy()
        out[["estimate", "ci_low", "ci_high"]] = np.exp(out[["estimate", "ci_low", "ci_high"]])
        return out.rename(columns={"estimate": "odds_ratio"})

    def wald_test(self, terms: str | Sequence[str]) -> WaldTest:
        """Pooled Wald test that all coefficients of ``terms`` (or parameters) are zero.

        D1 of Li, Raghunathan & Rubin (1991): D1 = Q̄' Ū⁻¹ Q̄ / (k (1 + r₁)), r₁ = (1 + 1/m)
        tr(B Ū⁻¹) / k, on F(k, ν) with Reiter's (2007) ν (R's ``mice::D1``); ``chisq`` is
        k · D1. If the imputations agree (B = 0) it is the complete-data Wald F test on
        ν = ν_com (ν_com + 1) / (ν_com + 3) denominator df.
        """
        wanted = [t.strip() for term in ([terms] if isinstance(terms, str) else terms)
                  for t in term.replace("~", "").split("+") if t.strip()]
        names = list(self.params.index)
        if all(term in names for term in wanted) or not self.fits:
            unknown = [term for term in wanted if term not in names]
            if unknown:
                raise ArgumentError(f"no parameter {unknown[0]!r}; the parameters are "
                                  f"{', '.join(names)}")
            columns = sorted(names.index(term) for term in wanted)
        else:  # a term's columns; a multinomial model has them once per equation
            columns = term_columns(self.fits[0].frame, wanted)
            p = len(self.fits[0].frame.names)
            columns = [e * p + c for e in range(len(names) // p if self.model ==
                                                 "multinomial_logit" else 1) for c in columns]
        k = len(columns)
        qbar = self.params.to_numpy()[columns]
        within = self.within.to_numpy()[np.ix_(columns, columns)]
        between = self.between.to_numpy()[np.ix_(columns, columns)]
        riv = (1 + 1 / self.m) * float(np.trace(np.linalg.solve(within, between))) / k
        statistic = float(qbar @ np.linalg.solve(within, qbar)) / (k * (1 + riv))
        ddf = _reiter_df(riv, k, self.m, self.df_complete)
        return WaldTest(tuple(wanted), statistic, statistic * k, k, float(ddf),
                        float(f_sf(statistic, k, ddf)))

    def comparison(self, level: float = 0.95) -> pd.DataFrame:
        """Pooled (``mi_*``) and complete-case (``cc_*``) coefficients side by side.

        ``difference`` is MI − CC, ``se_ratio`` MI / CC standard errors (below 1 where the
        imputations recover information); ``attrs`` hold each analysis's n.
        """
        if self.complete_case is None:
            raise ArgumentError("this pooled result has no complete-case fit; use fit_imputed")
        parts = {"mi": self.summary(level), "cc": self.complete_case.summary(level)}
        table = pd.concat([frame[["estimate", "se", "ci_low", "ci_high"]].add_prefix(f"{k}_")
                           for k, frame in parts.items()], axis=1)
        table = table.reindex([*parts["mi"].index,
                               *(n for n in parts["cc"].index if n not in parts["mi"].index)])
        table["difference"] = table["mi_estimate"] - table["cc_estimate"]
        table["se_ratio"] = table["mi_se"] / table["cc_se"]
        table["fmi"] = self.fmi
        table.attrs.update(mi_n=self.fits[0].n if self.fits else None,
                           cc_n=self.complete_case.n, m=self.m)
        return table


def pool(estimates: Sequence[pd.Series], covariances: Sequence[pd.DataFrame],
         df_complete: float, seed: int | None = None) -> PooledResult:
    """Pool ``m`` estimates and covariances by Rubin's rules (Rubin 1987).

    Q̄ = mean estimate, Ū = mean covariance, B = covariance of the estimates over
    imputations (divisor m − 1), T = Ū + (1 + 1/m) B; Barnard–Rubin df from
    ``df_complete``, the complete-data degrees of freedom.
    """
    m = len(estimates)
    if m < 2 or len(covariances) != m:
        raise ArgumentError("pooling needs at least two imputations, each with estimates and "
                          "a covariance matrix")
    names = estimates[0].index
    for estimate in estimates[1:]:
        if not estimate.index.equals(names):
            raise DataError(f"the fits on the imputed data sets have different parameters "
                            f"({list(names)} and {list(estimate.index)}): a category is "
                            "missing from some completed data; merge rare levels")
    matrix = np.array([e.to_numpy(dtype=float) for e in estimates])
    covs = np.array([c.loc[names, names].to_numpy(dtype=float) for c in covariances])
    # Deviations from the first imputation: exactly zero (B = 0) when the fits agree.
    deviation = matrix - matrix[0]
    centred = deviation - deviation.mean(axis=0)
    between = centred.T @ centred / (m - 1)
    within = covs[0] + (covs - covs[0]).mean(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        riv = np.where(np.diag(between) > 0,
                       (1 + 1 / m) * np.diag(between) / np.diag(within), 0.0)
    square = lambda values: pd.DataFrame(values, index=names, columns=names)  # noqa: E731
    return PooledResult(pd.Series(matrix[0] + deviation.mean(axis=0), index=names),
                        square(within), square(between),
                        pd.Series(_barnard_rubin(riv, m, float(df_complete)), index=names),
                        float(df_complete), m, seed, pd.DataFrame(matrix, columns=names))
