"""Design-based proportional-odds models (R's ``svyolr``): ordinal logit and probit.

P(Y ≤ k | x) = F(ζ_k − x'β) with F the logistic or normal distribution function; the
parameters are ordered (β, ζ) and the cut-points are named ``"low|mid"`` from the outcome
levels, as R's. The fit is weighted maximum likelihood and the covariance the design-based
sandwich: the per-respondent gradients of the log-likelihood times the inverse Hessian are the
influence values that the design's variance engine turns into a covariance (replicate
designs: every replicate is refitted).

R is followed step by step, because its optimiser stops short of the maximum (on the relative
change of the objective, leaving the estimates about 1e-5 relative from it): the same starting
values (a weighted binary GLM at the middle split, with svyolr's spacing of the cut-points),
the same parametrisation (ζ₁, log(ζ_k − ζ_{k−1})), R's BFGS (``optim``'s ``vmmin``: relative
tolerance √ε, at most 100 iterations) and its finite-difference Hessian (step 1e-3). Where a
Newton step from R's stopping point would still move an estimate by more than 0.1 % of its
standard error (large samples, many parameters, or R's iteration limit), surveykit continues
with Newton steps to the maximum and differs from R in its favour.
"""

from __future__ import annotations

import dataclasses
import itertools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import linalg, special

from surveykit._core.distributions import chi2_sf, f_sf
from surveykit._core.errors import ArgumentError, ConvergenceError
from surveykit.models.base import ModelResult, model_covariance, model_degf, warn_if_separated
from surveykit.models.binary import BinaryFit, Link, binary_glm
from surveykit.models.categorical import (
    CategoricalPredictions,
    categorical_frame,
    check_rank,
)
from surveykit.models.frame import level_name, term_columns
from surveykit.models.grouped import group_sums, respondent_groups, respondent_influence
from surveykit.models.optim import optim_hessian, vmmin

if TYPE_CHECKING:
    from surveykit.design import SurveyDesign

__all__ = ["LINKS", "OrdinalResult", "fit_ordinal"]

LINKS = {"logit": "logit", "logistic": "logit", "probit": "probit"}
_RELTOL = float(np.sqrt(np.finfo(float).eps))   # optim()'s default reltol
_EPS = float(np.finfo(float).eps)
_OUTER_CUT = 100.0                               # svyolr's ζ₀ = −100, ζ_K = 100


# ---------------------------------------------------------------- the likelihood


def _zeta(theta: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):  # R's line search tries huge steps too, and rejects them
        return np.cumsum(np.concatenate([theta[:1], np.exp(theta[1:])]))


def _theta(zeta: np.ndarray) -> np.ndarray:
    return np.concatenate([zeta[:1], np.log(np.diff(zeta))])


def _jacobian(theta: np.ndarray) -> np.ndarray:
    """dζ/dθ (R's ``jacobian`` in svyolr)."""
    k = len(theta)
    matrix = np.zeros((k, k))
    matrix[:, 0] = 1
    for i in range(1, k):
        matrix[i:, i] = np.exp(theta[i])
    return matrix


@dataclass(frozen=True)
class _Likelihood:
    """The weighted log-likelihood of svyolr (``fmin``/``gmin``/``gmini``)."""

    X: np.ndarray
    y: np.ndarray      # level codes 0 … K−1
    w: np.ndarray
    link: Link
    q: int             # number of cut-points
    #: The respondents' mean weight where rows are groups of respondents alike in x and y
    #: (``w`` then holds their summed weights: the same likelihood, on fewer rows), and
    #: the respondents per row.
    mean_weight: float | None = None
    sizes: np.ndarray | None = None

    @property
    def respondent_mean(self) -> float:
        """The mean weight of the respondents (not of the rows, if they are groups)."""
        return float(self.w.mean()) if self.mean_weight is None else self.mean_weight

    def _split(self, par: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return par[: self.X.shape[1]], par[self.X.shape[1]:]

    def _parts(self, beta: np.ndarray, zeta: np.ndarray):
        eta = self.X @ beta
        cuts = np.concatenate([[-_OUTER_CUT], zeta, [_OUTER_CUT]])
        upper, lower = cuts[self.y + 1] - eta, cuts[self.y] - eta
        return upper, lower, self.link.cdf(upper) - self.link.cdf(lower)

    def value(self, par: np.ndarray, scale: str = "theta") -> float:
        beta, cuts = self._split(par)
        zeta = _zeta(cuts) if scale == "theta" else cuts
        if scale != "theta" and np.any(np.diff(zeta) <= 0):
            return np.inf
        with np.errstate(invalid="ignore"):
            probability = self._parts(beta, zeta)[2]
        return float(-np.sum(self.w * np.log(probability))) if np.all(probability > 0) \
            else np.inf

    def _weighted(self, beta: np.ndarray, zeta: np.ndarray):
        upper, lower, probability = self._parts(beta, zeta)
        return (self.w * self.link.pdf(upper) / probability,
                self.w * self.link.pdf(lower) / probability)

    def gradient(self, par: np.ndarray, scale: str = "theta") -> np.ndarray:
        beta, cuts = self._split(par)
        zeta = _zeta(cuts) if scale == "theta" else cuts
        at_upper, at_lower = self._weighted(beta, zeta)
        size = self.q + 1
        g_zeta = (np.bincount(self.y, at_lower, minlength=size)[1:]
                  - np.bincount(self.y, at_upper, minlength=size)[: self.q])
        if scale == "theta":
            g_zeta = g_zeta @ _jacobian(cuts)
        return np.concatenate([self.X.T @ (at_upper - at_lower), g_zeta])

    def _indicators(self) -> tuple[np.ndarray, np.ndarray]:
        levels = np.arange(self.q)
        return ((self.y[:, None] == levels).astype(float),
                (self.y[:, None] == levels + 1).astype(float))

    def scores(self, beta: np.ndarray, zeta: np.ndarray) -> np.ndarray:
        """Per-respondent gradients of −log L on the (β, ζ) scale (R's ``gmini``)."""
        at_upper, at_lower = self._weighted(beta, zeta)
        upper, lower = self._indicators()
        return np.column_stack([self.X * (at_upper - at_lower)[:, None],
                                lower * at_lower[:, None] - upper * at_upper[:, None]])

    def hessian(self, beta: np.ndarray, zeta: np.ndarray) -> np.ndarray:
        """Analytic Hessian of −log L on the (β, ζ) scale."""
        upper, lower, probability = self._parts(beta, zeta)
        at_upper, at_lower = self._indicators()
        du, dl = self.link.pdf(upper), self.link.pdf(lower)
        a = np.column_stack([-self.X, at_upper])   # ∂(ζ_y − η)/∂(β, ζ)
        b = np.column_stack([-self.X, at_lower])   # ∂(ζ_{y−1} − η)/∂(β, ζ)
        g = (a * du[:, None] - b * dl[:, None]) / probability[:, None]
        curvature = (a.T @ (a * (self.w * self.link.dpdf(upper) / probability)[:, None])
                     - b.T @ (b * (self.w * self.link.dpdf(lower) / probability)[:, None]))
        return -(curvature - g.T @ (g * self.w[:, None]))


# ---------------------------------------------------------------- R's optimiser


@dataclass(frozen=True)
class _Fit:
    beta: np.ndarray
    zeta: np.ndarray
    value: float
    iterations: int


def _newton(lik: _Likelihood, par: np.ndarray, max_iter: int = 50) -> tuple[np.ndarray, int]:
    """Newton–Raphson on the (β, ζ) scale with step halving, to full convergence."""
    value = lik.value(par, "zeta")
    p = lik.X.shape[1]
    for iteration in range(1, max_iter + 1):
        gradient = lik.gradient(par, "zeta")
        try:
            step = np.linalg.solve(lik.hessian(par[:p], par[p:]), gradient)
        except np.linalg.LinAlgError:
            break
        size = 1.0
        while size > 1e-12:
            candidate = par - size * step
            new = lik.value(candidate, "zeta")
            if new <= value + 1e-12 * abs(value):
                break
            size /= 2
        else:  # no step along the Newton direction lowers −log L: at its numerical minimum
            return par, iteration
        par, value = candidate, new
        if np.all(np.abs(size * step) <= 1e-10 * (1 + np.abs(par))):
            return par, iteration
    raise ConvergenceError(
        "ordinal model: the likelihood has no finite maximum (Newton steps did not "
        "converge); an outcome level is probably (quasi-)separated by a predictor — merge "
        "sparse outcome or predictor levels, or drop the offending predictor")


def _maximise(lik: _Likelihood, start: np.ndarray) -> _Fit:
    """R's BFGS path; Newton steps to the maximum where R stops materially short of it."""
    par, value, converged, iterations = vmmin(lik.value, lik.gradient, start)
    p = lik.X.shape[1]
    beta, zeta = par[:p], _zeta(par[p:])
    hessian = lik.hessian(beta, zeta)
    try:
        step = np.linalg.solve(hessian, lik.gradient(np.concatenate([beta, zeta]), "zeta"))
        se = np.sqrt(np.clip(np.diag(np.linalg.inv(hessian)), 0, None)
                     * lik.respondent_mean)
        short = not np.all(np.abs(step) <= 1e-3 * se)
    except np.linalg.LinAlgError:
        short = True
    if converged and not short:
        return _Fit(beta, zeta, value, iterations)
    polished, steps = _newton(lik, np.concatenate([beta, zeta]))
    return _Fit(polished[:p], polished[p:], lik.value(polished, "zeta"), iterations + steps)


def _start(lik: _Likelihood, rule: str) -> np.ndarray:
    """svyolr's (``rule="svyolr"``) or polr's starting values on the (β, θ) scale."""
    X, y, w, q, link = lik.X, lik.y, lik.w, lik.q, lik.link
    middle = (q + 1) // 2
    scale = lik.respondent_mean if rule == "svyolr" else 1.0
    fit = binary_glm(np.column_stack([np.ones(len(y)), X]), (y >= middle).astype(float),
                     w / scale, link,
                     start_weights=None if lik.sizes is None else w / lik.sizes / scale)
    if not fit.converged:
        raise ConvergenceError("ordinal model: the binary model for starting values did not "
                               "converge; merge sparse outcome levels")
    spacing = special.logit(np.arange(1, q + 1) / (q + 1))
    if rule == "svyolr" or link.name != "logit":  # svyolr tests method != "logit": always
        spacing = spacing / 1.7
    gammas = -fit.beta[0] + spacing - spacing[middle - 1]
    return np.concatenate([fit.beta[1:], _theta(gammas)])


# ---------------------------------------------------------------- results


def _densities(link: Link, zeta: np.ndarray, eta: np.ndarray) -> tuple[np.ndarray, ...]:
    """Level probabilities (n × K) and F' at each cut, padded with zeros (n × (K+1))."""
    gaps = zeta[None, :] - eta[:, None]
    cumulative = np.column_stack([np.zeros(len(eta)), link.cdf(gaps), np.ones(len(eta))])
    density = np.column_stack([np.zeros(len(eta)), link.pdf(gaps), np.zeros(len(eta))])
    return np.diff(cumulative, axis=1), density


def _zeta_jacobian(density: np.ndarray) -> np.ndarray:
    """∂P_k/∂ζ_j from the padded densities (…, K+1) → (…, K, K−1)."""
    q = density.shape[-1] - 2
    out = np.zeros((*density.shape[:-1], q + 1, q))
    cut = np.arange(q)
    out[..., cut, cut] = density[..., 1:-1]
    out[..., cut + 1, cut] = -density[..., 1:-1]
    return out


@dataclass(frozen=True)
class OrdinalResult(CategoricalPredictions, ModelResult):
    """A design-based proportional-odds model; see :func:`fit_ordinal`."""

    link: str = "logit"
    levels: tuple = ()
    deviance: float = np.nan
    #: The groups of respondents alike in x and y the fit ran on (None: every respondent),
    #: for the proportional-odds test, which runs on the same groups.
    groups: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False,
                                                         compare=False)

    @property
    def coefficients(self) -> pd.Series:
        """β (the predictors' effects on the latent scale)."""
        return self.params.iloc[: len(self.frame.names)]

    @property
    def cutpoints(self) -> pd.Series:
        """ζ, named ``"a|b"``."""
        return self.params.iloc[len(self.frame.names):]

    def _jacobian(self, X: np.ndarray, density: np.ndarray, weights: np.ndarray | None):
        """∂P_k/∂(β, ζ) per row (n × K × (p+q)) or its weighted mean (K × (p+q))."""
        slope = np.diff(density, axis=1)
        if weights is None:
            return np.concatenate([-slope[:, :, None] * X[:, None, :],
                                   _zeta_jacobian(density)], axis=2)
        share = weights / weights.sum()
        return np.column_stack([-(X.T @ (slope * share[:, None])).T,
                                _zeta_jacobian(share @ density)])

    def _state(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Probabilities of the outcome levels and the link densities at the cut-points."""
        beta, zeta = self.coefficients.to_numpy(), self.cutpoints.to_numpy()
        return _densities(Link(self.link), zeta, X @ beta)

    def proportional_odds_test(self) -> pd.DataFrame:
        """Design-based Brant-type test of the proportional-odds assumption.

        Method: for every split k of the outcome (Y > k, k = 1 … K−1) a binary model with the
        same link, P(Y > k) = F(α_k + x'β_k), is fitted by weighted ML on the same respondents.
        The stacked estimates (α_k, β_k) get one joint design-based covariance from their
        stacked influence values (design.covariance; replicate designs refit all K−1 models
        per replicate). The Wald statistic W of H₀: β_1 = β_2 = … = β_{K−1} — per term (its
        columns, df = columns × (K−2)) and overall (all slopes, df = p × (K−2)) — is reported
        with F = W/df on (df, ``df_resid``) degrees of freedom, as R's ``regTermTest``. A small
        p-value says the term's effect differs between splits of the outcome.

        Returns
        -------
        pandas.DataFrame
            Index ``term`` (terms, then ``overall``); columns ``chisq``, ``df``, ``F``,
            ``ddf``, ``p_value``. ``attrs["slopes"]`` holds β_k per predictor (rows) and
            split (columns).
        """
        frame, used = self.frame, self.frame.used
        y = frame.y[used]
        q, width = len(self.levels) - 1, frame.X.shape[1] + 1
        link = Link(self.link)
        w = self.design.weights[used]
        # On large data the split models run on groups of respondents alike in x and y, as
        # the model itself (`fit_ordinal`), with their summed weights.
        groups = self.groups
        rows = np.arange(len(y)) if groups is None else groups[1]
        X = np.column_stack([np.ones(len(rows)), frame.X[used][rows]])

        sizes = None if groups is None else np.bincount(groups[0])

        def fit_splits(weights: np.ndarray, influence: bool) -> list[BinaryFit]:
            summed = group_sums(groups, weights)
            fits = [binary_glm(X, (y[rows] > k).astype(float), summed, link, influence,
                               start_weights=None if sizes is None else summed / sizes)
                    for k in range(q)]
            for k, fit in enumerate(fits):
                if not fit.converged:
                    raise ConvergenceError(
                        f"proportional_odds_test: the binary model for the split after "
                        f"{self.levels[k]!r} did not converge; merge sparse outcome levels")
            return fits

        fits = fit_splits(w, True)
        estimate = np.concatenate([f.beta for f in fits])
        influence = respondent_influence(np.column_stack([f.influence for f in fits]), w,
                                          groups, used)

        def refit(weights: np.ndarray) -> np.ndarray:
            return np.concatenate([f.beta for f in fit_splits(weights[used], False)])

        covariance = model_covariance(self.design, influence, used, refit=refit,
                                      estimate=estimate)
        tests = {term: term_columns(frame, term) for term in frame.terms}
        tests["overall"] = list(range(width - 1))
        rows = [_equal_slopes(estimate, covariance, columns, q, width, self.df_resid)
                for columns in tests.values()]
        table = pd.DataFrame(rows, index=pd.Index(list(tests), name="term"))
        table.attrs["slopes"] = pd.DataFrame(
            estimate.reshape(q, width)[:, 1:].T, index=frame.names,
            columns=[f"> {lev}" for lev in self.levels[:-1]])
        return table


def _equal_slopes(estimate: np.ndarray, covariance: np.ndarray, columns: list[int], q: int,
                  width: int, ddf: float) -> dict[str, Any]:
    """Wald test that the slopes ``columns`` are equal across the q splits."""
    contrast = np.zeros(((q - 1) * len(columns), len(estimate)))
    row = 0
    for k in range(1, q):
        for column in columns:
            contrast[row, k * width + 1 + column] = 1
            contrast[row, 1 + column] = -1
            row += 1
    difference = contrast @ estimate
    df = len(difference)
    tested = contrast @ covariance @ contrast.T
    # A covariance of rank below df (fewer PSUs or replicates than the test has degrees of
    # freedom) gives a Wald statistic of rounding noise, possibly negative: refuse it.
    eigenvalues = np.linalg.eigvalsh((tested + tested.T) / 2)
    if not eigenvalues[-1] > 0 or eigenvalues[0] <= 1e-10 * eigenvalues[-1]:
        rank = int(np.sum(eigenvalues > 1e-10 * max(eigenvalues[-1], 0.0)))
        raise ArgumentError(
            f"proportional_odds_test: the design-based covariance of the {df} slope "
            f"differences has rank {rank}, so the Wald test cannot be computed; the design "
            "has too few PSUs or replicates for it (use more replicates, or the "
            "linearisation design), or slopes are not estimable at every split (merge "
            "sparse outcome or predictor levels)")
    try:
        chisq = float(difference @ np.linalg.solve(tested, difference))
    except np.linalg.LinAlgError:
        raise ArgumentError("proportional_odds_test: the slopes of a term are not estimable at "
                          "every split of the outcome; merge sparse outcome or predictor "
                          "levels") from None
    p_value = f_sf(chisq / df, df, ddf) if ddf > 0 else chi2_sf(chisq, df)
    return {"chisq": chisq, "df": df, "F": chisq / df, "ddf": float(ddf),
            "p_value": float(p_value)}


def fit_ordinal(design: SurveyDesign, formula: str, link: str = "logit",
                levels: list | None = None) -> OrdinalResult:
    """Fit a design-based proportional-odds model (R's ``svyolr``).

    Parameters
    ----------
    design
        A `SurveyDesign` or `ReplicateDesign`. Respondents with a missing value in any model
        variable stay in the design with no weight in the fit (a domain).
    formula
        ``"outcome ~ predictors"``; the outcome is an ordered categorical (or a categorical
        whose level order is the order of the scale, or numeric codes). The intercept is
        replaced by the K−1 cut-points.
    link
        ``"logit"`` (proportional odds, R's ``method="logistic"``) or ``"probit"``.
    levels
        Level order of the outcome, if its column does not carry one.

    Returns
    -------
    OrdinalResult
        ``params`` = (β, ζ) with cut-points ``"a|b"``, design-based ``cov``, ``df_resid`` =
        design df − number of β (R's), ``deviance``; ``summary()``, ``odds_ratios()``,
        ``wald_test()``, ``predict()``, ``marginal_effects()``,
        ``proportional_odds_test()``.

    Examples
    --------
    >>> m = design.ordinal_logit("intent ~ age_group + commuter")       # doctest: +SKIP
    >>> m.odds_ratios()                                                  # doctest: +SKIP
    """
    if link not in LINKS:
        raise ArgumentError(f"link {link!r} is not supported; use 'logit' or 'probit'")
    distribution = Link(LINKS[link])
    frame = categorical_frame(design, formula, "ordinal", levels)
    used = frame.used
    X, y, w = frame.X[used], frame.y[used].astype(np.int64), design.weights[used]
    # On large data the likelihood runs on groups of respondents alike in every variable
    # of the formula, outcome included, with their summed weights: the same sums. The
    # rank of the model matrix is that of its distinct rows.
    groups = respondent_groups(design, frame, y)
    check_rank(X if groups is None else X[groups[1]], formula, intercept=True)
    q, p = len(frame.outcome_levels) - 1, X.shape[1]
    if groups is None:
        lik = _Likelihood(X, y, w, distribution, q)
    else:
        group, first = groups
        lik = _Likelihood(X[first], y[first], group_sums(groups, w),
                          distribution, q, float(w.mean()), np.bincount(group))
    replicate = design.uses_replicates  # R's svrep method starts as polr
    fit = _maximise(lik, _start(lik, "polr" if replicate else "svyolr"))
    theta = _theta(fit.zeta)
    inverse = np.linalg.pinv(optim_hessian(lik.gradient, np.concatenate([fit.beta, theta])),
                             rcond=_RELTOL)  # MASS::ginv
    to_zeta = linalg.block_diag(np.eye(p), _jacobian(theta))
    influence = respondent_influence(lik.scores(fit.beta, fit.zeta), w, groups, used,
                                      to_zeta @ inverse @ to_zeta.T)
    estimate = np.concatenate([fit.beta, fit.zeta])

    def refit(weights: np.ndarray) -> np.ndarray:
        rows = weights[used]
        replicate_lik = dataclasses.replace(lik, w=rows) if groups is None else \
            dataclasses.replace(lik, w=group_sums(groups, rows),
                                mean_weight=float(rows.mean()))
        again = _maximise(replicate_lik, np.concatenate([fit.beta, theta]))
        return np.concatenate([again.beta, again.zeta])

    covariance = model_covariance(design, influence, used, refit=refit, estimate=estimate)
    probability = _densities(distribution, fit.zeta, X @ fit.beta)[0]
    warn_if_separated(frame, probability[np.arange(len(y)), y], fit.beta, True, formula)
    levels_ = frame.outcome_levels
    names = frame.names + [f"{level_name(a)}|{level_name(b)}"
                           for a, b in itertools.pairwise(levels_)]
    scale = design.weights[design.weights != 0].mean() if replicate else w.mean()
    return OrdinalResult(
        kind="ordinal", params=pd.Series(estimate, index=names),
        cov=pd.DataFrame(covariance, index=names, columns=names),
        df_resid=float(model_degf(design, used) - p), frame=frame, design=design,
        n=int(used.sum()), n_dropped=int(((design.weights != 0) & ~used).sum()),
        converged=True, iterations=fit.iterations, link=distribution.name,
        levels=tuple(levels_), deviance=2 * fit.value / scale, groups=groups)
