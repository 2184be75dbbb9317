"""Calibration to population totals: linear (GREG), raking and logit distances, with bounds.

The numbers are those of R's ``calibrate()`` for a ``survey.design2``:

* unbounded linear calibration is R's ``regcalibrate``: ``g = 1 + X λ`` with
  ``λ = (Xᵀ W X)⁻¹ (T − Xᵀ w)``, one linear solve;
* every other case is R's ``grake``: Newton steps on ``g = 1 + F(X η)`` with the distance's
  ``F`` (``cal.linear``, ``cal.raking``, ``cal.logit``), a generalised inverse for
  rank-deficient model matrices, step halving, and convergence when every total is within
  ``tol · (1 + |T|)``.

Bounds apply to ``g`` = calibrated weight / weight before calibration. The variance uses the
residuals of the weighted regression on the model matrix, as R's ``svyrecvar`` does with
the ``greg_calibration`` object: ``x ← resid(X √w₀, x / (g √w₀)) · g √w₀``.

The population is given by variable, not by model-matrix column: a categorical variable as
``{level: count}`` (one indicator per level, no reference level: the model matrix may be
rank deficient, which the generalised inverse handles; the calibrated weights are those of
R's ``~ factor`` with intercept), a numeric variable as its population total, and
optionally ``"(Intercept)"`` as the population size.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from surveykit._core.errors import ArgumentError, ConvergenceError, DataError
from surveykit._core.messages import did_you_mean
from surveykit.weighting.margins import code_margins, margin_key

if TYPE_CHECKING:
    from surveykit.design import SurveyDesign

__all__ = ["METHODS", "GregCalibration", "calibrate"]

#: Calibration distances (R's ``calfun``).
METHODS = ("linear", "raking", "logit")
INTERCEPT = "(Intercept)"
#: R's grake rescales the weights first when every population total exceeds the sample
#: total by more than this factor.
_RESCALE_THRESHOLD = 20.0
#: Relative eigenvalue below which a direction of the (equilibrated) normal equations is
#: treated as rank deficient.
_RANK_TOL = 1e-12
#: Largest sample for which a failed bounded calibration is checked for feasibility.
_FEASIBILITY_MAX_N = 100_000


@dataclass(frozen=True, eq=False)
class GregCalibration:
    """Calibration as the variance sees it (R's ``greg_calibration``, stage 0).

    ``residualise`` returns ``resid(X √w₀, x / w) · w`` with ``w = g · √w₀``: the
    residuals of the influence values from the weighted regression on the calibration
    model matrix.

    Attributes
    ----------
    model_matrix
        n × p calibration variables.
    weights
        Weights before calibration.
    g
        Calibrated / old weights.
    """

    model_matrix: np.ndarray
    weights: np.ndarray
    g: np.ndarray

    @cached_property
    def _sqrt_weights(self) -> np.ndarray:
        return np.sqrt(np.clip(self.weights, 0, None))

    @cached_property
    def _basis(self) -> np.ndarray:
        """Orthonormal basis of the column space of ``X √w₀`` (rank deficiency allowed)."""
        scaled = self.model_matrix * self._sqrt_weights[:, None]
        norms = np.sqrt((scaled**2).sum(axis=0))
        scaled = scaled[:, norms > 0] / norms[norms > 0]
        if scaled.shape[1] == 0:
            return scaled
        left, singular, _ = np.linalg.svd(scaled, full_matrices=False)
        return left[:, singular > singular[0] * 1e-10]

    def residualise(self, influence: np.ndarray) -> np.ndarray:
        x = np.asarray(influence, dtype=float)
        w = self.g * self._sqrt_weights
        y = np.divide(x, w[:, None], out=np.zeros_like(x), where=w[:, None] != 0)
        basis = self._basis
        return (y - basis @ (basis.T @ y)) * w[:, None]


# ---------------------------------------------------------------------- distances


def _inside(u: np.ndarray, lower: float, upper: float) -> np.ndarray:
    return (u < upper - 1) & (u > lower - 1)


def _linear(u: np.ndarray, lower: float, upper: float) -> tuple[np.ndarray, np.ndarray]:
    return np.clip(u + 1, lower, upper) - 1, _inside(u, lower, upper).astype(float)


def _raking(u: np.ndarray, lower: float, upper: float) -> tuple[np.ndarray, np.ndarray]:
    growth = np.exp(u)
    return (np.clip(growth, lower, upper) - 1,
            np.where(_inside(u, lower, upper), growth, 0.0))


def _logit(u: np.ndarray, lower: float, upper: float) -> tuple[np.ndarray, np.ndarray]:
    slope = (upper - lower) / ((upper - 1) * (1 - lower))
    growth = np.exp(slope * u)
    denominator = upper - 1 + (1 - lower) * growth
    numerator = lower * (upper - 1) + upper * (1 - lower) * growth
    value = numerator / denominator - 1
    derivative = (upper * (1 - lower) * growth * slope / denominator
                  - numerator * ((1 - lower) * growth * slope) / denominator**2)
    return value, derivative


_DISTANCES = {"linear": _linear, "raking": _raking, "logit": _logit}


# ---------------------------------------------------------------------- model matrix


@dataclass(frozen=True)
class _Model:
    matrix: np.ndarray      # n × p
    targets: np.ndarray     # p population totals
    labels: list[str]


def _model(data: pd.DataFrame, population: Mapping[Any, Any], weights: np.ndarray
           ) -> _Model:
    if not isinstance(population, Mapping) or not population:
        raise ArgumentError("calibrate: population must be a non-empty mapping: categorical "
                          "variables as {level: count}, numeric variables as a total")
    categorical = {key: value for key, value in population.items()
                   if isinstance(value, (Mapping, pd.Series))}
    coded = {}
    table = None
    if categorical:
        table, margins = code_margins(data, categorical, weights=weights,
                                      purpose="calibrate")
        coded = {margin.key: margin for margin in margins}
    in_sample = weights != 0
    columns, targets, labels = [], [], []
    for key, value in population.items():
        if isinstance(value, (Mapping, pd.Series)):
            margin = coded[margin_key(key)]
            rows = margin.row_levels(table)
            for level in range(margin.n_levels):
                if margin.population[level] == 0:
                    continue  # no respondents either (checked): R drops the column
                columns.append((rows == level).astype(float))
                targets.append(margin.population[level])
                labels.append(f"{margin.name}[{margin.describe_level(level)}]")
            continue
        target = _number(key, value)
        if key == INTERCEPT:
            columns.append(np.ones(len(data)))
        else:
            columns.append(_numeric_column(data, key, in_sample))
        targets.append(target)
        labels.append(str(key))
    return _Model(np.column_stack(columns), np.asarray(targets, dtype=float), labels)


def _number(key: Any, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise ArgumentError(f"calibrate: the population of {key!r} is {value!r}; give a "
                          "categorical variable as {level: count} and a numeric variable "
                          "as its population total")
    return number


def _numeric_column(data: pd.DataFrame, name: Any, in_sample: np.ndarray) -> np.ndarray:
    if not isinstance(name, str) or name not in data.columns:
        raise ArgumentError(f"calibrate: {name!r} is not a column of the data"
                          f"{did_you_mean(str(name), map(str, data.columns))}")
    values = data[name]
    if not (pd.api.types.is_numeric_dtype(values.dtype)
            or pd.api.types.is_bool_dtype(values.dtype)) \
            or isinstance(values.dtype, pd.CategoricalDtype):
        raise ArgumentError(f"calibrate: {name!r} is categorical; give its population as "
                          "{level: count}, or a single total only for a numeric variable")
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    missing = np.isnan(numbers) & in_sample
    if missing.any():
        rows = np.flatnonzero(missing)
        raise DataError(f"calibrate: {name!r} is missing for {len(rows)} respondent(s) "
                        f"(first in row {rows[0] + 1}); calibration needs it for everyone: "
                        "impute it or drop these respondents explicitly")
    return np.where(np.isnan(numbers), 0.0, numbers)


# ---------------------------------------------------------------------- solving


def _solve(matrix: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """Minimum-norm solution of symmetric ``matrix · x = rhs`` (a generalised inverse,
    as R's ``MASS::ginv``), on equilibrated columns so the rank decision is scale-free."""
    diagonal = np.abs(np.diag(matrix))
    scale = np.divide(1.0, np.sqrt(diagonal), out=np.zeros_like(diagonal),
                      where=diagonal > 0)
    scaled = matrix * scale[:, None] * scale[None, :]
    values, vectors = np.linalg.eigh(scaled)
    keep = np.abs(values) > _RANK_TOL * max(np.abs(values).max(initial=0.0), 1e-300)
    inverse = (vectors[:, keep] / values[keep]) @ vectors[:, keep].T
    return scale * (inverse @ (scale * rhs))


def _relative_misfit(model: _Model, weights: np.ndarray, g: np.ndarray) -> np.ndarray:
    achieved = model.matrix.T @ (weights * g)
    return np.abs(model.targets - achieved) / (1 + np.abs(model.targets))


def _linear_g(model: _Model, weights: np.ndarray, tol: float) -> np.ndarray:
    """R's ``regcalibrate``: unbounded linear (GREG) calibration in one solve."""
    matrix = model.matrix
    normal = matrix.T @ (matrix * weights[:, None])
    g = 1 + matrix @ _solve(normal, model.targets - matrix.T @ weights)
    misfit = _relative_misfit(model, weights, g)
    if (misfit >= tol).any():
        worst = int(np.argmax(misfit))
        raise ConvergenceError(
            f"calibrate: the population totals cannot all be met: the total of "
            f"{model.labels[worst]!r} stays off by {misfit[worst]:.2g} (relative). The "
            "totals contradict each other (e.g. two categorical variables whose counts sum "
            "to different population sizes, or a variable that is constant in the sample); "
            "check the population totals"
        )
    return g


def _grake(model: _Model, weights: np.ndarray, method: str, lower: float, upper: float,
           tol: float, max_iter: int) -> np.ndarray:
    """R's ``grake``: Newton iterations for the g-weights of a calibration distance."""
    distance = _DISTANCES[method]
    matrix, targets = model.matrix, model.targets
    sample_total = matrix.T @ weights
    with np.errstate(divide="ignore", invalid="ignore"):
        scales = targets / sample_total
    rescale = None
    if np.all(np.isfinite(scales)) and scales.min() > _RESCALE_THRESHOLD:
        rescale = float(scales.mean())
        weights = weights * rescale
        sample_total = sample_total * rescale
    eta = np.zeros(matrix.shape[1])
    xeta = np.zeros(matrix.shape[0])
    iteration = 1
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        offset, derivative = distance(xeta, lower, upper)
        while True:
            normal = matrix.T @ (matrix * (weights * derivative)[:, None])
            misfit = targets - sample_total - matrix.T @ (weights * offset)
            if not (np.isfinite(normal).all() and np.isfinite(misfit).all()):
                _fail(model, method, lower, upper, np.abs(misfit) / (1 + np.abs(targets)),
                      iteration + 1, weights)
            step = _solve(normal, misfit)
            eta = eta + step
            xeta = matrix @ eta
            offset, derivative = distance(xeta, lower, upper)
            while iteration < max_iter and not (np.isfinite(offset).all()
                                                and np.isfinite(derivative).all()):
                iteration += 1
                step = step / 2
                eta = eta - step
                xeta = matrix @ eta
                offset, derivative = distance(xeta, lower, upper)
            misfit = targets - sample_total - matrix.T @ (weights * offset)
            relative = np.abs(misfit) / (1 + np.abs(targets))
            if np.all(relative < tol):
                break
            iteration += 1
            if iteration > max_iter:
                _fail(model, method, lower, upper, relative, iteration, weights)
    g = 1 + offset
    return g * rescale if rescale is not None else g


def _fail(model: _Model, method: str, lower: float, upper: float, relative: np.ndarray,
          iterations: int, weights: np.ndarray) -> None:
    relative = np.where(np.isfinite(relative), relative, np.inf)
    worst = int(np.argmax(relative))
    bounded = np.isfinite(lower) or np.isfinite(upper)
    if not bounded:
        hint = "check the population totals (they may contradict each other), or raise max_iter"
    elif _infeasible(model, weights, lower, upper):
        hint = ("no weights with g = calibrated / design weight within the bounds can meet "
                "these totals (checked by linear programming): widen the bounds, or check the "
                "population totals")
    else:
        hint = ("the bounds on g = calibrated / design weight may be too tight for these "
                "totals: widen them, try method='logit', or raise max_iter")
    with_bounds = f" with bounds ({lower:g}, {upper:g})" if bounded else ""
    raise ConvergenceError(
        f"calibrate: {method} calibration{with_bounds} "
        f"did not converge in {iterations - 1} iterations: the total of "
        f"{model.labels[worst]!r} is still off by {relative[worst]:.2g} (relative); {hint}"
    )


def _infeasible(model: _Model, weights: np.ndarray, lower: float, upper: float) -> bool:
    """Whether no g within the bounds meets the totals (a linear program; small n only)."""
    if len(weights) > _FEASIBILITY_MAX_N:
        return False
    from scipy.optimize import linprog

    result = linprog(np.zeros(len(weights)), A_eq=model.matrix.T * weights,
                     b_eq=model.targets, bounds=(lower, upper), method="highs")
    return result.status == 2


def _bounds(method: str, bounds: Any) -> tuple[float, float]:
    if bounds is None:
        if method == "logit":
            raise ArgumentError("calibrate: method='logit' needs finite bounds on g, e.g. "
                              "bounds=(0.7, 1.7)")
        return -np.inf, np.inf
    try:
        lower, upper = (float(b) for b in bounds)
    except (TypeError, ValueError):
        raise ArgumentError(f"calibrate: bounds={bounds!r} must be a pair (lower, upper) on "
                          "g = calibrated / design weight") from None
    if not lower < upper:
        raise ArgumentError(f"calibrate: bounds={bounds!r}: lower must be below upper")
    if method == "logit" and not (np.isfinite(lower) and np.isfinite(upper)
                                  and lower < 1 < upper):
        raise ArgumentError(f"calibrate: method='logit' needs finite bounds with "
                          f"lower < 1 < upper; got {bounds!r}")
    return lower, upper


def calibrate(design: SurveyDesign, population: Mapping[Any, Any], method: str = "linear",
              bounds: tuple[float, float] | None = None, max_iter: int = 50,
              tol: float = 1e-7) -> SurveyDesign:
    """Calibrate the weights to population totals (R's ``calibrate``).

    Parameters
    ----------
    design
        The design to adjust.
    population
        Categorical variables as ``{level: population count}`` (a tuple of variables with
        tuple levels for a joint classification), numeric variables as their population
        total, and optionally ``"(Intercept)"`` as the population size, e.g.
        ``{"stype": {"E": 4421, "H": 755, "M": 1018}, "api99": 3914069}``.
    method
        The distance: ``"linear"`` (GREG; without bounds R's ``regcalibrate``),
        ``"raking"`` (multiplicative, g > 0) or ``"logit"`` (needs bounds).
    bounds
        ``(lower, upper)`` on g = calibrated / design weight, as R's ``bounds``.
    max_iter
        Largest number of Newton iterations (R's ``maxit``).
    tol
        Every total must be met within ``tol · (1 + |total|)`` (R's ``epsilon``).

    Returns
    -------
    SurveyDesign
        A new design; its variance uses the residuals from the calibration regression.

    Raises
    ------
    ArgumentError
        Unknown variables or methods, bad bounds, a categorical variable given a single
        total, a level in the data without a population count.
    DataError
        Missing values in a calibration variable, a level with a count but no respondents,
        negative design weights.
    ConvergenceError
        Calibration fails (bounds too tight, contradictory totals): R's "Calibration failed".

    Notes
    -----
    Linear calibration without bounds can give negative weights, as in R; use bounds (or
    ``method="raking"``/``"logit"``) to keep them positive.

    Examples
    --------
    >>> cal = d.calibrate({"stype": {"E": 4421, "H": 755, "M": 1018}, "api99": 3914069},
    ...                   method="logit", bounds=(0.7, 1.7))       # doctest: +SKIP
    >>> cal.mean("api00")                                          # doctest: +SKIP
    """
    if method not in METHODS:
        raise ArgumentError(f"calibrate: method={method!r} is not known; use one of "
                          f"{', '.join(METHODS)}")
    lower, upper = _bounds(method, bounds)
    if not (isinstance(tol, (int, float)) and tol > 0):
        raise ArgumentError(f"calibrate: tol={tol!r} must be a positive number")
    if not (isinstance(max_iter, (int, np.integer)) and max_iter >= 1):
        raise ArgumentError(f"calibrate: max_iter={max_iter!r} must be a positive integer")
    weights = design.weights
    if (weights < 0).any():
        row = int(np.flatnonzero(weights < 0)[0])
        raise DataError(f"calibrate: the weight in row {row + 1} is negative "
                        f"({weights[row]:.6g}), probably from an earlier unbounded linear "
                        "calibration; calibrate the design weights in one step, with bounds")
    model = _model(design._data, population, weights)
    closed_form = method == "linear" and bounds is None

    def adjust(weights: np.ndarray) -> tuple[np.ndarray, GregCalibration]:
        weights = np.asarray(weights, dtype=float)
        if closed_form:
            g = _linear_g(model, weights, tol)
        else:
            g = _grake(model, weights, method, lower, upper, tol, max_iter)
        return weights * g, GregCalibration(model.matrix, weights, g)

    return design._adjusted(adjust)
