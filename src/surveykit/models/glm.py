"""Design-based generalised linear models (R's ``svyglm``): logistic and linear.

Weighted maximum likelihood by iteratively reweighted least squares, with the sandwich
covariance from the design's variance engine (or its replicate weights): exactly R's
``svyglm(family=quasibinomial())`` and ``svyglm(family=gaussian())``. Results add what a
report on migration intent needs: odds ratios, Wald tests per term, average marginal effects
in percentage points with delta-method design-based SEs, predicted probabilities for
profiles, pseudo-R² and (generalised) variance inflation factors.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from surveykit._core.distributions import t_sf
from surveykit._core.errors import ArgumentError
from surveykit.design.sparse_variance import ProjectedInfluence
from surveykit.estimation.intervals import critical_value
from surveykit.models.base import ModelResult, model_covariance, model_degf, warn_if_separated
from surveykit.models.categorical import model_contrasts, set_level
from surveykit.models.cell_matrix import CellMatrix, cell_matrix, distinct_groups
from surveykit.models.frame import INTERCEPT, ModelFrame, model_frame
from surveykit.models.links import expit

if TYPE_CHECKING:
    from surveykit.design import SurveyDesign

__all__ = ["GLMResult", "fit_glm"]

FAMILIES = ("binomial", "gaussian")
#: Other names users (and R) give the same families.
FAMILY_ALIASES = {"quasibinomial": "binomial", "logit": "binomial", "logistic": "binomial",
                  "quasi-binomial": "binomial", "linear": "gaussian", "normal": "gaussian",
                  "identity": "gaussian"}


@dataclass(frozen=True)
class _Family:
    name: str

    def linkinv(self, eta: np.ndarray) -> np.ndarray:
        return expit(eta) if self.name == "binomial" else eta

    def mu_eta(self, eta: np.ndarray) -> np.ndarray:
        return self.mu_eta_of(eta, self.linkinv(eta))

    def mu_eta_of(self, eta: np.ndarray, mu: np.ndarray) -> np.ndarray:
        """dμ/dη given μ = linkinv(η) already computed."""
        if self.name == "binomial":
            return np.maximum(mu * (1 - mu), np.finfo(float).eps)
        return np.ones_like(eta)

    def variance(self, mu: np.ndarray) -> np.ndarray:
        return np.maximum(mu * (1 - mu), np.finfo(float).eps) if self.name == "binomial" \
            else np.ones_like(mu)

    def deviance(self, y: np.ndarray, mu: np.ndarray, w: np.ndarray,
                 outcome: _Outcome | None = None) -> float:
        if self.name == "binomial":
            # y is 0/1: one logarithm per respondent, of the probability of what happened,
            # (1 − y) + (2y − 1) μ: μ where y = 1 and 1 − μ where y = 0, bit for bit.
            outcome = outcome or _Outcome.of(y)
            chance = outcome.sign * mu
            chance += outcome.base
            np.maximum(chance, 1e-300, out=chance)
            return float(-2 * np.dot(w, np.log(chance, out=chance)))
        return float(np.sum(w * (y - mu) ** 2))

    def mean_and_deviance(self, eta: np.ndarray, y: np.ndarray, w: np.ndarray,
                          outcome: _Outcome | None = None,
                          failures: np.ndarray | None = None) -> tuple[np.ndarray, float]:
        """``μ = linkinv(η)`` and the deviance at it, together.

        For the logit ``−log μ = log(1 + e^−η)`` and ``−log(1 − μ) = η + log(1 + e^−η)``:
        the deviance is ``2 (w · log(1 + e^−η) + w (1 − y) · η)``, from the ``1 + e^−η``
        that μ is the reciprocal of — one logarithm and two dot products, not five passes
        over the respondents. ``failures``: ``w (1 − y)`` where the caller has it. Where a
        term overflows (``|η|`` beyond 709, separation) the deviance is taken from μ as
        `deviance` does (which keeps the logarithm finite).
        """
        if self.name != "binomial":
            return eta, self.deviance(y, eta, w)
        outcome = outcome or _Outcome.of(y)
        against = np.negative(np.asarray(eta, dtype=float))
        with np.errstate(over="ignore"):  # e^−η = inf gives μ = 0, as in expit
            np.exp(against, out=against)
        against += 1.0
        mu = np.reciprocal(against)   # expit(η), bit for bit
        np.log(against, out=against)
        if failures is None:
            failures = w * outcome.base
        with np.errstate(invalid="ignore"):   # inf − inf: taken from μ below
            deviance = 2.0 * (float(np.dot(w, against)) + float(np.dot(failures, eta)))
        if not np.isfinite(deviance):
            deviance = self.deviance(y, mu, w, outcome)
        return mu, deviance

    def weights(self, mu: np.ndarray, w: np.ndarray) -> np.ndarray:
        """IRLS's working weights ``w μ'(η)² / V(μ)``: ``w μ (1 − μ)`` for the logit."""
        if self.name != "binomial":
            return w
        spread = np.subtract(1.0, mu)
        spread *= mu
        np.maximum(spread, np.finfo(float).eps, out=spread)
        spread *= w
        return spread

    def working(self, eta: np.ndarray, mu: np.ndarray, y: np.ndarray, w: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        """IRLS's working response ``z = η + (y − μ) / μ'(η)`` and working weights ``w
        μ'(η)² / V(μ)``. For the logit ``μ'(η) = V(μ) = μ (1 − μ)``, so the weights are
        ``w μ (1 − μ)``: three passes over the respondents instead of eight."""
        if self.name != "binomial":  # identity link: μ'(η) = V(μ) = 1
            return eta + (y - mu), w
        spread = np.subtract(1.0, mu)
        spread *= mu
        np.maximum(spread, np.finfo(float).eps, out=spread)
        z = np.subtract(y, mu)
        z /= spread
        z += eta
        spread *= w
        return z, spread

    def start(self, y: np.ndarray, w: np.ndarray, outcome: _Outcome | None = None
              ) -> np.ndarray:
        """The first linear predictor: R's ``binomial()$initialize``, μ = (w y + ½) / (w +
        1), on the link scale; for a 0/1 outcome its odds are 2w + 1 (y = 1) or 1 / (2w + 1)
        (y = 0), so η = ±log1p(2w): one logarithm per respondent instead of four passes and
        a division (the same value to rounding; R iterates to the same coefficients)."""
        if self.name != "binomial":
            return y.astype(float)
        outcome = outcome or _Outcome.of(y)
        eta = np.multiply(w, 2.0)
        np.log1p(eta, out=eta)
        eta *= outcome.sign
        return eta


@dataclass(frozen=True)
class _Outcome:
    """A 0/1 outcome as the binomial deviance wants it: ``1 − y`` and ``2y − 1``, made once
    per fit rather than once per iteration."""

    base: np.ndarray
    sign: np.ndarray

    @classmethod
    def of(cls, y: np.ndarray) -> _Outcome:
        return cls(1.0 - y, 2.0 * y - 1.0)


@dataclass(frozen=True)
class _Fit:
    """The state R's ``glm.fit`` ends in: coefficients and the last working weights."""

    beta: np.ndarray
    working: np.ndarray   # working weights of the last iteration (R's glm$weights)
    converged: bool
    iterations: int
    cross: np.ndarray | None = None  # X' diag(working) X of the last iteration
    #: The linear predictor, mean and deviance at ``beta`` (with the fit's weights).
    eta: np.ndarray | None = None
    mu: np.ndarray | None = None
    deviance: float = np.nan


def _irls(X: np.ndarray | None, y: np.ndarray, w: np.ndarray, family: _Family,
          start: np.ndarray | None = None, epsilon: float = 1e-8, max_iter: int = 25,
          cells: CellMatrix | None = None, outcome: _Outcome | None = None) -> _Fit:
    """Weighted ML by IRLS, step for step as R's ``glm.fit``.

    Same starting values, the same stopping rule (``|dev − dev_old| / (|dev| + 0.1) <
    epsilon``) and the same final state, so design-based SEs agree with R's ``svyglm`` to
    rounding: R evaluates the sandwich with the working weights of the last iteration and
    the residuals of the final coefficients, and so does this. With ``cells`` (the cell
    form of ``X``, `surveykit.models.cell_matrix`) the products run on the cell table
    and ``X`` is not read (it may be None).
    """
    def product(beta: np.ndarray) -> np.ndarray:
        return X @ beta if cells is None else cells.product(beta)

    if outcome is None and family.name == "binomial":
        outcome = _Outcome.of(y)
    failures = w * outcome.base if outcome is not None else None   # w (1 − y)
    eta = family.start(y, w, outcome) if start is None else product(start)
    mu, deviance_old = family.mean_and_deviance(eta, y, w, outcome, failures)
    beta = start
    working = w
    p = X.shape[1] if cells is None else cells.shape[1]
    # [X·√W, z·√W] in one buffer: a single symmetric rank-k product gives X'WX and X'Wz.
    augmented = np.empty((X.shape[0] if cells is None else 0, p + 1),
                         order="F")  # column-wise: several times faster
    for iteration in range(1, max_iter + 1):
        if cells is None:
            z, working = family.working(eta, mu, y, w)
            root = np.sqrt(working)
            np.multiply(X, root[:, None], out=augmented[:, :p])
            np.multiply(z, root, out=augmented[:, p])
            normal = augmented.T @ augmented
            cross, rhs = normal[:p, :p], normal[:p, p]
            beta = _solve(cross, rhs)
        elif beta is None:   # η is the starting value, not Xβ: the working response
            z, working = family.working(eta, mu, y, w)
            cross, rhs = cells.cross(working, z)
            beta = _solve(cross, rhs)
        else:
            # The same step as a Newton step: with η = Xβ and W = w μ'(η)² / V(μ),
            # X'Wz = X'WX β + X' w (y − μ) (μ' = V for the logit, 1 for the identity), so
            # β_new = β + (X'WX)⁻¹ X' w (y − μ): two passes fewer than the working
            # response, and the step is solved for directly.
            working = family.weights(mu, w)
            score = np.subtract(y, mu)
            score *= w
            cross, gradient = cells.cross_and_sums(working, score)
            beta = beta + _solve(cross, gradient)
        eta = product(beta)
        mu, deviance = family.mean_and_deviance(eta, y, w, outcome, failures)
        if abs(deviance - deviance_old) / (abs(deviance) + 0.1) < epsilon:
            return _Fit(beta, working, True, iteration, cross, eta, mu, deviance)
        deviance_old = deviance
    return _Fit(beta, working, False, max_iter, cross, eta, mu, deviance)


def _solve(cross: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """``cross⁻¹ rhs``; least squares where ``cross`` is singular."""
    try:
        return np.linalg.solve(cross, rhs)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(cross, rhs, rcond=None)[0]


def _cell_influence(cells: CellMatrix, residual: np.ndarray, bread: np.ndarray,
                    used: np.ndarray) -> ProjectedInfluence:
    """The influence values ``r_i x_i' A`` of a model in cell form, as sparse × dense.

    Respondent i's row is its working residual ``r_i`` in the column of its cell and
    ``r_i v_ij`` in a column per numeric predictor j; ``projection`` maps those columns to
    the model's (each cell to its 0/1 columns' values, each numeric column to itself) and
    multiplies by the bread ``A``. The variance engine sums the sparse part per cell and
    projects its small tables (`surveykit.design.sparse_variance.ProjectedInfluence`).
    """
    n_cells, numeric = cells.n_cells, len(cells.other)
    columns = (cells.cells, *(n_cells + j for j in range(numeric)))
    values = (residual, *(residual * cells.values[:, j] for j in range(numeric)))
    expansion = np.zeros((n_cells + numeric, bread.shape[0]))
    expansion[:n_cells][:, cells.binary] = cells.table
    expansion[n_cells + np.arange(numeric), cells.other] = 1.0
    return ProjectedInfluence.of_respondents(used, columns, values, n_cells + numeric,
                                             expansion @ bread)


@dataclass(frozen=True)
class GLMResult(ModelResult):
    """A design-based GLM; see :func:`fit_glm`."""

    family: str = "binomial"
    dispersion: float = 1.0
    deviance: float = np.nan
    null_deviance: float = np.nan

    def _weights(self) -> np.ndarray:
        return np.where(self.frame.used, self.design.weights, 0.0)

    @functools.cached_property
    def _distinct(self) -> tuple[pd.DataFrame, np.ndarray]:
        """The respondents in the model and their weights; on large data each distinct
        combination of the formula's variables once, with its summed weight.

        Average effects and margins are weighted means of a function of a respondent's
        variables, so respondents alike in all of them can be taken together: on a million
        rows the counterfactual model matrices are then built for a few thousand rows.
        Found once per model (a report asks for effects and several margins).
        """
        data = self.design._data.loc[self.frame.used]
        w = self.design.weights[self.frame.used]
        columns = [name for name in self.frame.variables if name != self.frame.outcome]
        if any(name not in data.columns for name in columns):
            return data, w
        groups = distinct_groups(data[columns])
        if groups is None:
            return data, w
        group, first = groups
        return data.iloc[first], np.bincount(group, weights=w, minlength=len(first))

    def predict(self, profiles: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
        """Predicted probabilities (or means) for profiles, with design-based intervals.

        ``profiles`` has one row per profile with every predictor of the model, e.g.
        ``age_group × commuter`` combinations. Intervals are built on the link scale.
        """
        matrix = self.frame.matrix(profiles)
        beta = self.params.to_numpy()
        eta = matrix @ beta
        se = np.sqrt(np.einsum("ij,jk,ik->i", matrix, self.cov.to_numpy(), matrix))
        quantile = critical_value(0.5 + level / 2, self.df_resid)
        link = _Family(self.family).linkinv
        out = profiles.reset_index(drop=True).copy()
        out["estimate"] = link(eta)
        out["ci_low"] = link(eta - quantile * se)
        out["ci_high"] = link(eta + quantile * se)
        out["se_link"] = se
        return out

    def marginal_effects(self, variables: list[str] | None = None, level: float = 0.95
                         ) -> pd.DataFrame:
        """Average marginal effects, design-weighted over the respondents in the model.

        For a categorical predictor: the average change in the predicted probability when
        everyone moves from the reference level to each other level; for a 0/1 predictor:
        from 0 to 1; for a numeric predictor: the average derivative (per unit). Binomial
        models report percentage points. SEs by the delta method with the design-based
        covariance of the coefficients (t with ``df_resid`` for intervals).
        """
        data, w = self._distinct
        beta = self.params.to_numpy()
        family = _Family(self.family)
        scale = 100.0 if self.family == "binomial" else 1.0
        rows = []
        for variable in variables or self.frame.variables:
            for label, high, low, step in model_contrasts(self.frame, data, variable):
                x_high, x_low = self.frame.matrix(high), self.frame.matrix(low)
                eta_high, eta_low = x_high @ beta, x_low @ beta
                difference = (family.linkinv(eta_high) - family.linkinv(eta_low)) / step
                gradient = (family.mu_eta(eta_high)[:, None] * x_high
                            - family.mu_eta(eta_low)[:, None] * x_low) / step
                effect = np.average(difference, weights=w)
                grad = np.average(gradient, axis=0, weights=w)
                se = float(np.sqrt(grad @ self.cov.to_numpy() @ grad))
                rows.append({"variable": variable, "contrast": label,
                             "ame": scale * effect, "se": scale * se})
        table = pd.DataFrame(rows)
        quantile = critical_value(0.5 + level / 2, self.df_resid)
        table["ci_low"] = table["ame"] - quantile * table["se"]
        table["ci_high"] = table["ame"] + quantile * table["se"]
        table["p_value"] = 2 * t_sf(np.abs(table["ame"] / table["se"]), self.df_resid)
        table.attrs["unit"] = "percentage points" if self.family == "binomial" else "outcome"
        return table.set_index(["variable", "contrast"])

    def predictive_margins(self, settings: Mapping[str, Sequence[Any]], level: float = 0.95
                           ) -> pd.DataFrame:
        """Average predicted probabilities (or means) with the focal variables set.

        For every combination of the values in ``settings`` (e.g. ``{"age_group": [...],
        "commuter": [0, 1]}``) each respondent in the model gets those values, keeps their
        own other characteristics, and the design-weighted mean prediction is the margin
        (Stata's ``margins``; R's ``marginaleffects::avg_predictions``). Wald intervals on
        the outcome's scale by the delta method with the design-based covariance (t with
        ``df_resid``); for probabilities clipped to [0, 1].
        """
        data, w = self._distinct
        beta = self.params.to_numpy()
        family = _Family(self.family)
        covariance = self.cov.to_numpy()
        quantile = critical_value(0.5 + level / 2, self.df_resid)
        names = list(settings)
        rows = []
        for combination in itertools.product(*(list(settings[name]) for name in names)):
            counterfactual = data
            for name, value in zip(names, combination, strict=True):
                counterfactual = set_level(counterfactual, name, value)
            matrix = self.frame.matrix(counterfactual)
            eta = matrix @ beta
            estimate = float(np.average(family.linkinv(eta), weights=w))
            gradient = np.average(family.mu_eta(eta)[:, None] * matrix, axis=0, weights=w)
            se = float(np.sqrt(gradient @ covariance @ gradient))
            rows.append({**dict(zip(names, combination, strict=True)), "estimate": estimate,
                         "se": se, "ci_low": estimate - quantile * se,
                         "ci_high": estimate + quantile * se})
        table = pd.DataFrame(rows)
        if self.family == "binomial":
            table["ci_low"] = table["ci_low"].clip(lower=0.0)
            table["ci_high"] = table["ci_high"].clip(upper=1.0)
        return table

    def pseudo_r2(self) -> dict[str, float]:
        """McFadden's and Nagelkerke's pseudo-R² from the weighted deviances."""
        w = self._weights()
        n = w.sum()
        mcfadden = 1 - self.deviance / self.null_deviance
        cox_snell = 1 - np.exp((self.deviance - self.null_deviance) / n)
        maximum = 1 - np.exp(-self.null_deviance / n)
        return {"mcfadden": float(mcfadden), "cox_snell": float(cox_snell),
                "nagelkerke": float(cox_snell / maximum)}

    def vif(self) -> pd.DataFrame:
        """(Generalised) variance inflation factors per term (Fox & Monette), weighted.

        ``gvif_adjusted`` = GVIF^(1/(2·df)) is comparable across terms with different df.
        """
        columns = [i for i, name in enumerate(self.frame.names) if name != "(Intercept)"]
        covariance = _weighted_covariance(self.frame, self._weights()[self.frame.used])
        covariance = covariance[np.ix_(columns, columns)]
        sd = np.sqrt(np.diag(covariance))
        correlation = covariance / np.outer(sd, sd)
        position = {c: i for i, c in enumerate(columns)}
        rows = []
        for term, indices in self.frame.terms.items():
            inner = [position[i] for i in indices if i in position]
            if not inner or len(inner) == len(columns):
                continue
            outer = [i for i in range(len(columns)) if i not in inner]
            gvif = (np.linalg.det(correlation[np.ix_(inner, inner)])
                    * np.linalg.det(correlation[np.ix_(outer, outer)])
                    / np.linalg.det(correlation))
            rows.append({"term": term, "gvif": gvif, "df": len(inner),
                         "gvif_adjusted": gvif ** (1 / (2 * len(inner)))})
        return pd.DataFrame(rows).set_index("term")


def _weighted_covariance(frame: ModelFrame, weights: np.ndarray) -> np.ndarray:
    """The weighted covariance matrix (p × p) of the model matrix's columns over the rows
    in the model (``weights``: theirs).

    From the cell form where the frame gives one, so that a million respondents need no
    n × p matrix: ``Σ w x x' / Σ w − m m'`` with the numeric columns centred first (the 0/1
    columns' means lie in [0, 1], so nothing cancels); else from the centred matrix.
    """
    cells = frame.cells()
    if cells is None:
        X = frame.X[frame.used]
        centred = X - np.average(X, axis=0, weights=weights)
        return (centred * weights[:, None]).T @ centred / weights.sum()
    shift = np.average(cells.values, axis=0, weights=weights) if len(cells.other) else 0.0
    centred = CellMatrix(cells.cells, cells.table, cells.binary, cells.other,
                         np.asfortranarray(cells.values - shift))
    total = weights.sum()
    mean = centred.transpose_product(weights[:, None])[:, 0] / total
    return centred.gram(weights) / total - np.outer(mean, mean)


def fit_glm(design: SurveyDesign, formula: str, family: str = "binomial") -> GLMResult:
    """Fit a design-based GLM (R's ``svyglm``).

    Parameters
    ----------
    design
        A `SurveyDesign` or `ReplicateDesign`.
    formula
        ``"outcome ~ predictors"`` (formulaic syntax; ``C(x, contr.treatment("ref"))``
        chooses a reference level).
    family
        ``"binomial"`` (logit link, quasi-binomial: R's ``quasibinomial()``) or
        ``"gaussian"`` (identity link).
    """
    family = FAMILY_ALIASES.get(str(family).lower(), str(family).lower())
    if family not in FAMILIES:
        raise ArgumentError(f"family {family!r} is not supported; use one of "
                          f"{', '.join(FAMILIES)}")
    kind = "binary" if family == "binomial" else "numeric"
    frame: ModelFrame = model_frame(design._data, formula, kind, weights=design.weights)
    used = frame.used
    every = bool(used.all())
    y = frame.y if every else frame.y[used]
    w = design.weights if every else design.weights[used]
    fam = _Family(family)
    p = len(frame.names)
    scaled = w / w.mean()  # R's rescale=TRUE: does not change estimates or the sandwich
    # The cell form straight from the variables where the frame can (no n × p matrix is
    # then made at all), else from the matrix; the same cells either way.
    cells = frame.cells()
    X = None
    if cells is None:
        X = frame.X if every else frame.X[used]
        cells = cell_matrix(X, frame.indicators)
        if cells is None:
            X = np.asfortranarray(X)  # the dense IRLS works column by column
    outcome = _Outcome.of(y) if family == "binomial" else None
    fit = _irls(X, y, scaled, fam, cells=cells, outcome=outcome)
    # Collinearity from the (scaled) cross-product the IRLS built anyway: an SVD of the
    # n × p matrix would cost a fifth of a second at n = 1,000,000.
    scale = np.sqrt(np.diag(fit.cross))
    if (scale == 0).any() or np.linalg.matrix_rank(fit.cross / np.outer(scale, scale),
                                                   tol=1e-10) < p:
        matrix = frame.X if every else frame.X[used]
        constant = [term for term, columns in frame.terms.items()
                    if columns and all(frame.names[j] != INTERCEPT
                                       and np.ptp(matrix[:, j]) == 0 for j in columns)]
        which = (f" ({', '.join(constant)} "
                 f"{'has' if len(constant) == 1 else 'have'} one value for every respondent "
                 "in the model)" if constant else "")
        raise ArgumentError(f"model {formula!r}: the predictors are collinear{which} (the "
                            "model matrix has rank below its number of columns); drop a "
                            "predictor or merge levels")
    beta, eta, mu = fit.beta, fit.eta, fit.mu
    if family == "binomial":
        present = None
        if cells is not None:  # the columns' non-zero rows, from the small tables
            present = np.empty(p, dtype=bool)
            present[cells.binary] = cells.table.any(axis=0)
            present[cells.other] = cells.values.any(axis=0)
        warn_if_separated(frame, mu, beta, fit.converged, formula, present)
    variance = fam.variance(mu)
    mu_eta = variance if family == "binomial" else fam.mu_eta_of(eta, mu)  # μ(1 − μ) both
    # R's svy.varcoef: estfun = X · working residual · working weight, bread = (X'WX)⁻¹.
    bread = np.linalg.inv(fit.cross)
    difference = np.subtract(y, mu)
    residual = difference / mu_eta
    residual *= fit.working
    if cells is not None:
        influence = _cell_influence(cells, residual, bread, used)
    else:
        # Computed transposed so the n × p result is column-major, as the variance
        # engine wants.
        scores = (bread.T @ (X.T * residual)).T
        if every:
            influence = scores
        else:
            influence = np.zeros((len(used), p), order="F")
            influence[used] = scores

    def refit(weights: np.ndarray) -> np.ndarray:
        rows = weights[used]
        return _irls(X, y, rows / rows.sum(), fam, start=beta, cells=cells,
                     outcome=outcome).beta  # as svyglm.svyrep

    covariance = model_covariance(design, influence, used, refit=refit, estimate=beta)
    df_resid = model_degf(design, used) + 1 - p
    null_deviance = _null_deviance(fam, y, w, "(Intercept)" in frame.names, outcome)
    # R's summary.svyglm: the design-weighted variance of the Pearson residuals.
    # (R's residuals carry the ratio of the mean weight of the rows used to that of all rows,
    # from rescaling the weights before na.omit.)
    all_mean = design.weights.sum() / np.count_nonzero(design.weights)
    dispersion = _pearson_dispersion(difference, variance, w, np.sqrt(w.mean() / all_mean))
    converged, iterations = fit.converged, fit.iterations
    names = frame.names
    return GLMResult(
        kind="glm", params=pd.Series(beta, index=names),
        cov=pd.DataFrame(covariance, index=names, columns=names), df_resid=float(df_resid),
        frame=frame, design=design, n=int(used.sum()),
        n_dropped=int(((design.weights != 0) & ~used).sum()), converged=converged,
        iterations=iterations, family=family, dispersion=dispersion,
        # the IRLS's deviance at β is with the weights scaled to mean 1
        deviance=fit.deviance * float(w.mean()), null_deviance=null_deviance)


def _pearson_dispersion(difference: np.ndarray, variance: np.ndarray, w: np.ndarray,
                        factor: float) -> float:
    """The design-weighted variance of the Pearson residuals ``factor (y − μ) / √V(μ)``
    (R's ``summary.svyglm``), with n / (n − 1); ``difference`` is y − μ."""
    pearson = np.sqrt(variance)
    np.divide(difference, pearson, out=pearson)
    pearson *= factor
    total = float(w.sum())
    pearson -= np.dot(w, pearson) / total
    np.square(pearson, out=pearson)
    n = len(pearson)
    return float(np.dot(w, pearson) / total * n / (n - 1))


def _null_deviance(family: _Family, y: np.ndarray, w: np.ndarray, intercept: bool,
                   outcome: _Outcome | None) -> float:
    """The deviance of the model without predictors: the weighted mean of y with an
    intercept (R's glm.fit: ``wtdmu``), else the mean at η = 0. For a 0/1 outcome the mean
    is one value, so the deviance is two sums, not a pass over every respondent."""
    mean = float(np.dot(w, y) / w.sum()) if intercept else \
        float(family.linkinv(np.zeros(1))[0])
    if family.name != "binomial":
        return family.deviance(y, np.full(len(y), mean), w, outcome)
    positive = float(np.dot(w, y))
    negative = float(w.sum()) - positive
    return float(-2 * (positive * np.log(max(mean, 1e-300))
                       + negative * np.log(max(1 - mean, 1e-300))))
