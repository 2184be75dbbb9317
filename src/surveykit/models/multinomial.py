"""Design-based multinomial (baseline-category) logit models.

log(P(Y = j) / P(Y = r)) = x'β_j for every outcome level j other than the reference r. The
fit is weighted maximum likelihood by Newton–Raphson; the covariance is the design-based
sandwich: the per-respondent score contributions w_i (y_ij − p_ij) x_i of the stacked
parameter vector, times the inverse information, are the influence values that the design's
variance engine turns into a covariance (replicate designs: every replicate is refitted).
R's ``survey`` package has no multinomial model; with two outcome levels this is exactly
``svyglm(family=quasibinomial())`` (`SurveyDesign.logit`).

Parameters are named ``"level:coefficient"`` (``"abroad:(Intercept)"``,
``"abroad:age_group18-29"``), equation by equation in the outcome's level order.

The module also holds what every categorical-outcome model shares (the ordinal model uses
it): the outcome's model frame, contrasts for marginal effects and the long tables of
probabilities and effects.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import special

from surveykit._core.distributions import f_sf
from surveykit._core.errors import ArgumentError, ConvergenceError
from surveykit._core.messages import did_you_mean
from surveykit.models.base import (
    ModelResult,
    SeparationWarning,
    WaldTest,
    model_covariance,
    model_degf,
)
from surveykit.models.categorical import (
    CategoricalPredictions,
    categorical_frame,
    check_rank,
)
from surveykit.models.frame import ModelFrame, term_columns
from surveykit.models.grouped import group_sums, respondent_groups, respondent_influence

if TYPE_CHECKING:
    from surveykit.design import SurveyDesign

__all__ = ["MultinomialResult", "fit_multinomial"]


# ---------------------------------------------------------------- the model


def _probabilities(X: np.ndarray, beta: np.ndarray, equations: np.ndarray, levels: int
                   ) -> np.ndarray:
    """n × K probabilities; ``beta`` is p × E (one column per non-reference level)."""
    eta = np.zeros((len(X), levels))
    eta[:, equations] = X @ beta
    return special.softmax(eta, axis=1)


def _log_likelihood(P: np.ndarray, y: np.ndarray, w: np.ndarray) -> float:
    with np.errstate(divide="ignore"):
        return float(np.sum(w * np.log(P[np.arange(len(y)), y])))


def _score_and_information(X: np.ndarray, y: np.ndarray, w: np.ndarray, P: np.ndarray,
                           equations: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-respondent scores (n × E·p, equation-major) and the information matrix."""
    residual = (y[:, None] == equations).astype(float) - P[:, equations]
    scores = (w[:, None, None] * residual[:, :, None] * X[:, None, :]).reshape(len(X), -1)
    p, size = X.shape[1], len(equations)
    information = np.empty((size * p, size * p))
    for e, j in enumerate(equations):
        for f, k in enumerate(equations[: e + 1]):
            weight = w * P[:, j] * ((j == k) - P[:, k])
            block = X.T @ (X * weight[:, None])
            information[e * p:(e + 1) * p, f * p:(f + 1) * p] = block
            information[f * p:(f + 1) * p, e * p:(e + 1) * p] = block.T
    return scores, information


def _newton(X: np.ndarray, y: np.ndarray, w: np.ndarray, equations: np.ndarray, levels: int,
            start: np.ndarray, max_iter: int = 100) -> tuple[np.ndarray, int, bool]:
    """Weighted ML by Newton–Raphson with step halving; returns (β p × E, iterations,
    converged). Converged: the last step moved no coefficient by more than 1e-10 relative,
    or the log-likelihood stopped increasing (separation: coefficients drift to infinity)."""
    w = w / w.mean()  # scale-free: the same estimates, well-conditioned sums
    beta = start.copy()
    P = _probabilities(X, beta, equations, levels)
    value = _log_likelihood(P, y, w)
    for iteration in range(1, max_iter + 1):
        scores, information = _score_and_information(X, y, w, P, equations)
        try:
            step = np.linalg.solve(information, scores.sum(axis=0)).reshape(beta.shape, order="F")
        except np.linalg.LinAlgError:
            return beta, iteration, False
        size = 1.0
        while size > 1e-10:
            candidate = beta + size * step
            P_new = _probabilities(X, candidate, equations, levels)
            new = _log_likelihood(P_new, y, w)
            if new >= value - 1e-12 * abs(value):
                break
            size /= 2
        else:
            return beta, iteration, True
        gain = new - value
        beta, P, value = candidate, P_new, new
        if np.all(np.abs(size * step) <= 1e-10 * (1 + np.abs(beta))) or \
                abs(gain) <= 1e-15 * (abs(value) + 0.1):
            return beta, iteration, True
    return beta, max_iter, False


def _warn_if_separated(frame: ModelFrame, X: np.ndarray, y: np.ndarray, P: np.ndarray,
                       names: list[str], beta: np.ndarray, levels: list, what: str) -> None:
    """Warn about (quasi-)separation and predictor levels without some outcome level."""
    own = P[np.arange(len(y)), y]
    large = np.abs(beta.ravel(order="F")) > 15
    if large.any() or (own > 1 - 1e-8).mean() > 0.01:
        named = [names[i] for i in np.flatnonzero(large)] or ["(none named)"]
        warnings.warn(
            f"{what}: the outcome is (quasi-)separated — {(own > 1 - 1e-8).sum()} respondents "
            f"have fitted probabilities of 1 and coefficients {', '.join(named)} are not "
            "estimable. Merge sparse outcome or predictor levels, or drop the offending "
            "predictor; do not interpret these coefficients.", SeparationWarning, stacklevel=3)
    for column, name in enumerate(frame.names):
        x = X[:, column]
        if name == "(Intercept)" or not np.isin(x, (0.0, 1.0)).all():
            continue
        counts = np.bincount(y, weights=(x == 1) * 1.0, minlength=len(levels))
        for level in np.flatnonzero(counts == 0):
            warnings.warn(f"{what}: no respondent with {name!r} has the outcome "
                          f"{levels[level]!r}; merge sparse levels (its coefficients are not "
                          "estimable)", SeparationWarning, stacklevel=3)


@dataclass(frozen=True)
class MultinomialResult(CategoricalPredictions, ModelResult):
    """A design-based baseline-category logit; see :func:`fit_multinomial`."""

    levels: tuple = ()
    reference: object = None
    deviance: float = np.nan

    @property
    def equations(self) -> list:
        """The non-reference outcome levels, in parameter order."""
        return [level for level in self.levels if level != self.reference]

    def _beta(self) -> np.ndarray:
        return self.params.to_numpy().reshape(len(self.frame.names), -1, order="F")

    def _equation_index(self) -> np.ndarray:
        return np.array([i for i, level in enumerate(self.levels) if level != self.reference])

    def wald_test(self, terms: str | Sequence[str], df: float | None = None) -> WaldTest:
        """Design-based Wald test that the coefficients of ``terms`` are zero in every
        equation (F = W / k on (k, ``df_resid``) degrees of freedom, as ``regTermTest``)."""
        if isinstance(terms, str):
            terms = [t.strip() for t in terms.replace("~", "").split("+") if t.strip()]
        else:
            terms = [t.strip() for term in terms for t in term.replace("~", "").split("+")
                     if t.strip()]
        p = len(self.frame.names)
        columns = [e * p + c for e in range(len(self.equations))
                   for c in term_columns(self.frame, terms)]
        beta = self.params.to_numpy()[columns]
        chisq = float(beta @ np.linalg.solve(self.cov.to_numpy()[np.ix_(columns, columns)],
                                             beta))
        k, ddf = len(columns), self.df_resid if df is None else df
        return WaldTest(tuple(terms), chisq / k, chisq, k, float(ddf),
                        float(f_sf(chisq / k, k, ddf)))

    def odds_ratios(self, level: float = 0.95) -> pd.DataFrame:
        """exp(β): relative risk ratios — the odds of each outcome level against the
        reference — with exponentiated Wald intervals, plus ``outcome`` and ``term``."""
        table = super().odds_ratios(level)
        split = table.index.str.split(":", n=1)
        table.insert(0, "term", [parts[1] for parts in split])
        table.insert(0, "outcome", [parts[0] for parts in split])
        table.attrs["reference"] = self.reference
        return table

    def _jacobian(self, X: np.ndarray, P: np.ndarray, weights: np.ndarray | None
                  ) -> np.ndarray:
        """∂P_j/∂β: per row (n × K × E·p) or its weighted mean (K × E·p)."""
        index = self._equation_index()
        factor = P[:, :, None] * ((np.arange(len(self.levels))[:, None] == index)[None]
                                  - P[:, None, index])            # n × K × E
        if weights is None:
            return (factor[:, :, :, None] * X[:, None, None, :]).reshape(len(X),
                                                                          len(self.levels), -1)
        share = weights / weights.sum()
        return np.einsum("n,nke,np->kep", share, factor, X).reshape(len(self.levels), -1)

    def _state(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities of the outcome levels (they are all the Jacobian needs)."""
        P = _probabilities(X, self._beta(), self._equation_index(), len(self.levels))
        return P, P


def fit_multinomial(design: SurveyDesign, formula: str, reference: object = None,
                    levels: list | None = None) -> MultinomialResult:
    """Fit a design-based multinomial (baseline-category) logit.

    Parameters
    ----------
    design
        A `SurveyDesign` or `ReplicateDesign`. Respondents with a missing value in any model
        variable stay in the design with no weight in the fit (a domain).
    formula
        ``"outcome ~ predictors"`` with a categorical (or coded) outcome of two or more levels.
    reference
        The baseline outcome level (default: the first level).
    levels
        Level order of the outcome, if its column does not carry one.

    Returns
    -------
    MultinomialResult
        ``params`` named ``"level:coefficient"``, design-based ``cov``, ``df_resid`` =
        design df + 1 − coefficients per equation (as ``svyglm`` for each equation);
        ``summary()``, ``odds_ratios()`` (relative risk ratios), ``wald_test()`` (across all
        equations), ``predict()``, ``marginal_effects()``.

    Examples
    --------
    >>> movers = design.subset(design.data["willing_to_move"] == 1)     # doctest: +SKIP
    >>> m = movers.multinomial_logit("destination ~ age_group",         # doctest: +SKIP
    ...                              reference="within_region")
    """
    frame = categorical_frame(design, formula, "nominal", levels)
    outcome_levels = frame.outcome_levels
    if reference is None:
        reference = outcome_levels[0]
    if reference not in outcome_levels:
        raise ArgumentError(f"reference level {reference!r} is not a level of the outcome "
                          f"{frame.outcome!r}; its levels are {outcome_levels}"
                          f"{did_you_mean(str(reference), map(str, outcome_levels))}")
    used = frame.used
    X, y, w = frame.X[used], frame.y[used].astype(np.int64), design.weights[used]
    # On large data the likelihood runs on groups of respondents alike in every variable of
    # the formula, outcome included, with their summed weights: the same sums. The rank of
    # the model matrix is that of its distinct rows.
    groups = respondent_groups(design, frame, y)
    rows = slice(None) if groups is None else groups[1]
    check_rank(X[rows], formula, intercept=False)
    K, p = len(outcome_levels), X.shape[1]
    equations = np.array([i for i, level in enumerate(outcome_levels) if level != reference])
    start = np.zeros((p, len(equations)))
    if "(Intercept)" in frame.names:
        shares = np.bincount(y, weights=w, minlength=K)
        start[frame.names.index("(Intercept)")] = np.log(shares[equations]
                                                         / shares[outcome_levels.index(reference)])
    summed = group_sums(groups, w)
    beta, iterations, converged = _newton(X[rows], y[rows], summed, equations, K, start)
    if not converged:
        raise ConvergenceError(
            f"multinomial model {formula!r} did not converge in {iterations} Newton "
            "iterations; merge sparse outcome or predictor levels or drop a predictor")
    P = _probabilities(X, beta, equations, K)
    names = [f"{outcome_levels[j]}:{name}" for j in equations for name in frame.names]
    _warn_if_separated(frame, X, y, P, names, beta, outcome_levels, formula)
    scores, information = _score_and_information(X[rows], y[rows], summed, P[rows],
                                                  equations)
    influence = respondent_influence(scores, w, groups, used, np.linalg.inv(information))
    estimate = beta.ravel(order="F")

    def refit(weights: np.ndarray) -> np.ndarray:
        again, _, ok = _newton(X[rows], y[rows], group_sums(groups, weights[used]),
                               equations, K, beta)
        if not ok:
            raise ConvergenceError(f"multinomial model {formula!r}: a replicate fit did not "
                                   "converge; merge sparse outcome or predictor levels")
        return again.ravel(order="F")

    covariance = model_covariance(design, influence, used, refit=refit, estimate=estimate)
    return MultinomialResult(
        kind="multinomial", params=pd.Series(estimate, index=names),
        cov=pd.DataFrame(covariance, index=names, columns=names),
        df_resid=float(model_degf(design, used) + 1 - p), frame=frame, design=design,
        n=int(used.sum()), n_dropped=int(((design.weights != 0) & ~used).sum()),
        converged=True, iterations=iterations, levels=tuple(outcome_levels),
        reference=reference, deviance=-2 * _log_likelihood(P, y, w))
