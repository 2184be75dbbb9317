"""Weight adjustment: raking, post-stratification, calibration and trimming.

Every function takes a `SurveyDesign` and returns a new one (designs are immutable) whose
weights are adjusted and whose variance knows about the adjustment, as in R's ``survey``
package (``rake``, ``postStratify``, ``calibrate``, ``trimWeights``):

* the adjustment is a pure function of the weight vector (it closes over the integer codes
  of the data), so a replicate design applies the very same adjustment to every replicate;
* for linearisation it returns a `VarianceAdjustment` whose ``residualise`` replaces
  influence values by the residuals that the adjustment leaves, exactly as R's
  ``svyrecvar`` does with a design's ``postStrata``.

Raking and post-stratification work on the table of cell totals: the margin variables are
factorised once into integer codes, combined into one cell code, the cell totals are one
``np.bincount``, the iterative proportional fitting runs on the (small) cell table, and the
cell factors are mapped back to respondents once. Their variance residuals are computed on
the cell table as well, so a million respondents cost milliseconds.

Calibration (linear/GREG, raking and logit distances with bounds) lives in
`surveykit.weighting.calibration`, weight diagnostics in
`surveykit.weighting.weight_diagnostics`, reading and checking margins files in
`surveykit.weighting.margins`; `surveykit.weighting` exports them all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from surveykit._core.errors import ArgumentError, ConvergenceError
from surveykit.design.sparse_variance import IndicatorCorrection
from surveykit.weighting.margins import CodedMargin, code_margins, totals_of
from surveykit.weighting.weight_diagnostics import check_totals

if TYPE_CHECKING:
    from surveykit.design import SurveyDesign

__all__ = ["PostStratification", "Raking", "poststratify", "rake", "trim_weights"]

#: Backfitting sweeps of the raking variance (R's ``svyrecvar`` uses 10).
RAKING_VARIANCE_SWEEPS = 10


def _frame(design: SurveyDesign) -> pd.DataFrame:
    # The design's own frame (not the defensive copy of ``design.data``): read only.
    return design._data


def _cell_sums(cells: np.ndarray, values: np.ndarray, n_cells: int) -> np.ndarray:
    """Column sums of ``values`` (n × k) within cells → (n_cells × k)."""
    sums = np.empty((n_cells, values.shape[1]))
    for column in range(values.shape[1]):
        sums[:, column] = np.bincount(cells, weights=values[:, column], minlength=n_cells)
    return sums


def _divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """``numerator / denominator`` with 0 where the denominator is 0."""
    return np.divide(numerator, denominator, out=np.zeros(np.broadcast(
        numerator, denominator).shape), where=denominator != 0)


# ---------------------------------------------------------------------- variance adjustments


@dataclass(frozen=True, eq=False)
class PostStratification:
    """Post-stratification as the variance sees it (R's ``postStratify`` + ``svyrecvar``).

    Residuals ``x − w_new · Σ_s(x · w_old / w_new) / Σ_s w_old`` within post-strata ``s``.

    Attributes
    ----------
    weights
        Weights before post-stratification.
    cells, stratum_of_cell
        Respondents' cells and each cell's post-stratum.
    factors
        Per post-stratum: new weight / old weight.
    """

    weights: np.ndarray
    cells: np.ndarray
    stratum_of_cell: np.ndarray
    factors: np.ndarray

    def residualise(self, influence: np.ndarray) -> np.ndarray:
        x = np.asarray(influence, dtype=float)
        strata = self.stratum_of_cell[self.cells]
        size = len(self.factors)
        new = self.weights * self.factors[strata]
        ratio = _divide(self.weights, new)  # R: 0 where old and new weights are both 0
        sums = _cell_sums(strata, x * ratio[:, None], size)
        return x - self.coefficients(sums)[strata] * new[:, None]

    @cached_property
    def correction(self) -> IndicatorCorrection:
        """The residuals as the variance engine's sparse route takes them."""
        strata = self.stratum_of_cell[self.cells]
        new = self.weights * self.factors[strata]
        return IndicatorCorrection(strata, len(self.factors), new,
                                   _divide(self.weights, new), self.coefficients)

    def coefficients(self, sums: np.ndarray) -> np.ndarray:
        """Post-stratum means of ``x · w_old / w_new`` from their sums."""
        strata = self.stratum_of_cell[self.cells]
        old_totals = np.bincount(strata, weights=self.weights, minlength=len(self.factors))
        return _divide(sums, old_totals[:, None])


@dataclass(frozen=True, eq=False)
class Raking:
    """Raking as the variance sees it (R's ``rake`` + ``svyrecvar``).

    R approximates the projection on the margins by 10 backfitting sweeps: for each margin
    ``x ← x − w_m · ave(x / w_m, margin)``, with ``w_m`` the weights right after that margin
    was fitted in the last raking sweep and ``ave`` the plain mean within the margin's
    levels. Because ``w_m = w · f_m[cell]`` is a cell factor times the old weight, the sweeps
    run on the cell table: ``x / w`` changes by a constant per cell.

    Respondents with weight zero (outside a subpopulation that was raked) are left out of
    the level means; R would give NaN there.

    Attributes
    ----------
    weights
        Weights before raking.
    cells, n_cells
        Respondents' cells.
    margin_levels
        Per margin: each cell's level.
    sweep_factors
        Per margin: the cell factors (raked / old weight) right after that margin was fitted
        in the last sweep.
    """

    weights: np.ndarray
    cells: np.ndarray
    n_cells: int
    margin_levels: tuple[np.ndarray, ...]
    sweep_factors: tuple[np.ndarray, ...]

    def residualise(self, influence: np.ndarray) -> np.ndarray:
        x = np.asarray(influence, dtype=float)
        w = self.weights
        per_weight = _divide(x, w[:, None])
        start = _cell_sums(self.cells, per_weight, self.n_cells)     # Σ x/w per cell
        return x - w[:, None] * self.coefficients(start)[self.cells]

    @cached_property
    def correction(self) -> IndicatorCorrection:
        """The residuals as the variance engine's sparse route takes them."""
        return IndicatorCorrection(self.cells, self.n_cells, self.weights,
                                   _divide(1.0, self.weights), self.coefficients)

    @cached_property
    def _counts(self) -> np.ndarray:
        """Respondents with a non-zero weight per cell."""
        return np.bincount(self.cells, weights=(self.weights != 0).astype(float),
                           minlength=self.n_cells)

    def coefficients(self, start: np.ndarray) -> np.ndarray:
        """Per cell: how much ``x / w`` decreases after the backfitting sweeps, from the
        cell sums of ``x / w`` (the sweeps are linear in them)."""
        counts = self._counts
        shift = np.zeros_like(start)                                   # x/w decreases by it
        level_counts = [np.bincount(levels, weights=counts) for levels in self.margin_levels]
        for _ in range(RAKING_VARIANCE_SWEEPS):
            for levels, factor, n_level in zip(self.margin_levels, self.sweep_factors,
                                               level_counts, strict=True):
                # Σ over the level of x / w_m = Σ_cells (Σ x/w − count · shift) / f_m
                cell_values = _divide(start - counts[:, None] * shift, factor[:, None])
                level_sums = _cell_sums(levels, cell_values, len(n_level))
                means = _divide(level_sums, n_level[:, None])
                shift += factor[:, None] * means[levels]
        return shift


# ---------------------------------------------------------------------- raking


@dataclass(frozen=True)
class _Fit:
    factors: np.ndarray
    sweep_factors: tuple[np.ndarray, ...]
    sweeps: int


def _misfit(margin: CodedMargin, fitted: np.ndarray) -> np.ndarray:
    """Relative misfit per level; levels that cannot be reached (no weight) count 0."""
    reachable = (margin.population > 0) & (fitted != 0)
    return np.where(reachable, np.abs(fitted - margin.population)
                    / np.where(margin.population > 0, margin.population, 1.0), 0.0)


def _fit_cells(totals: np.ndarray, margins: Sequence[CodedMargin], tol: float,
               max_iter: int) -> _Fit:
    """Iterative proportional fitting of cell totals to the margins."""
    factors = np.ones(len(totals))
    populations = [np.append(m.population, 0.0) for m in margins]
    worst = (0.0, 0, 0)
    for sweep in range(1, max_iter + 1):
        after = []
        for margin, population in zip(margins, populations, strict=True):
            current = np.bincount(margin.level_of_cell, weights=totals * factors,
                                  minlength=margin.n_levels + 1)
            ratio = np.divide(population, current, out=np.ones_like(current),
                              where=current != 0)
            ratio[-1] = 1.0  # cells outside the margin (no respondents)
            factors = factors * ratio[margin.level_of_cell]
            after.append(factors)
        worst = (0.0, 0, 0)
        for index, margin in enumerate(margins):
            misfit = _misfit(margin, margin.totals(totals * factors))
            level = int(np.argmax(misfit))
            if misfit[level] > worst[0]:
                worst = (float(misfit[level]), index, level)
        if worst[0] < tol:
            return _Fit(factors, tuple(after), sweep)
    misfit, index, level = worst
    for margin in margins:
        empty = (margin.population > 0) & (margin.totals(totals) == 0)
        if empty.any():
            raise ConvergenceError(
                f"rake: level {margin.describe_level(int(np.flatnonzero(empty)[0]))!r} of "
                f"margin {margin.name!r} has no weight in this weight vector (a replicate "
                "that drops all of its respondents?), so the margins cannot all be met; merge "
                "sparse levels or use fewer, larger replicate groups"
            )
    margin = margins[index]
    fitted = margin.totals(totals * factors)[level]
    raise ConvergenceError(
        f"rake: margin {margin.name!r}{f' ({margin.source})' if margin.source else ''} "
        f"would not fit after {max_iter} sweeps: level {margin.describe_level(level)!r} is "
        f"weighted to {fitted:.10g} but its population count is "
        f"{margin.population[level]:.10g} (relative misfit {misfit:.2g} > tol={tol:g}). "
        "The margins probably contradict each other or the sample (e.g. a joint margin and "
        "a one-way margin that disagree, or a combination of levels without respondents); "
        "check the margins files, merge sparse levels, or raise max_iter"
    )


def _check_settings(tol: float, max_iter: int, what: str) -> None:
    if not (isinstance(tol, (int, float)) and tol > 0):
        raise ArgumentError(f"{what}: tol={tol!r} must be a positive number")
    if not (isinstance(max_iter, (int, np.integer)) and max_iter >= 1):
        raise ArgumentError(f"{what}: max_iter={max_iter!r} must be a positive integer")


def rake(design: SurveyDesign, margins: Mapping[Any, Mapping[Any, float]],
         tol: float = 1e-8, max_iter: int = 100) -> SurveyDesign:
    """Rake the weights to population margins (iterative proportional fitting).

    Parameters
    ----------
    design
        The design to adjust.
    margins
        ``{variable: {level: population count}}``, fitted in the order given. A key may be a
        tuple of variables with tuple levels for a joint margin, e.g.
        ``{("age_group", "sex"): {("18-29", "male"): 1632, …}}`` (as `read_margins` gives
        for a file with two concept columns). Every margin must describe the same
        population total.
    tol
        Convergence criterion: after a full sweep (each margin fitted once, in order), every
        level of every margin must be within ``tol`` of its population count, relatively
        (``|Σw − N_level| / N_level < tol``).
    max_iter
        Largest number of sweeps.

    Returns
    -------
    SurveyDesign
        A new design with raked weights. Its variance accounts for the raking as R's
        ``svyrecvar`` does (10 backfitting sweeps over the margins).

    Raises
    ------
    ArgumentError
        A margin variable is not a column, or a level occurs in the data but not in the
        margin.
    DataError
        A margin variable is missing for a respondent, or a level with a population count
        has no respondent.
    ConvergenceError
        The margins' totals differ, or the fit does not converge; the message names the
        margin and its worst level.

    Notes
    -----
    Agrees with R's ``rake(design, list(~stype, ~sch.wide), list(pop_types, pop_schwide),
    control = list(epsilon = 1e-10, maxit = 100))`` to about 1e-9 (relative) in weights and
    standard errors. R's default control (``epsilon = 1``: stop when the weighted joint
    table changes by less than one unit between sweeps) stops earlier; its weights differ
    from fully converged ones at about 3e-5 on the api data.

    Examples
    --------
    >>> import surveykit as sk
    >>> d = sk.SurveyDesign(apiclus1, weights="pw", ids="dnum", fpc="fpc")  # doctest: +SKIP
    >>> raked = d.rake({"stype": {"E": 4421, "H": 755, "M": 1018},
    ...                 "sch.wide": {"No": 1072, "Yes": 5122}})           # doctest: +SKIP
    >>> raked.mean("api00")                                               # doctest: +SKIP
    """
    _check_settings(tol, max_iter, "rake")
    table, coded = code_margins(_frame(design), margins, weights=design.weights,
                                purpose="rake")
    check_totals(totals_of(coded), tol, ConvergenceError, purpose="rake")
    cells, n_cells = table.cells, table.n_cells
    margin_levels = tuple(m.level_of_cell for m in coded)

    def adjust(weights: np.ndarray) -> tuple[np.ndarray, Raking]:
        weights = np.asarray(weights, dtype=float)
        totals = np.bincount(cells, weights=weights, minlength=n_cells)
        fit = _fit_cells(totals, coded, tol, max_iter)
        raked = weights * fit.factors[cells]
        return raked, Raking(weights, cells, n_cells, margin_levels, fit.sweep_factors)

    return design._adjusted(adjust)


# ---------------------------------------------------------------------- post-stratification


def _population_table(strata: list[str], population: Any) -> dict:
    """Population counts ``{level: count}`` from a mapping, Series or DataFrame."""
    if isinstance(population, pd.DataFrame):
        count_columns = [c for c in population.columns
                         if str(c).lower() in ("population", "freq")]
        if len(count_columns) != 1:
            raise ArgumentError("poststratify: the population table needs one count column "
                              "named 'population' (or 'Freq', as in R) next to the strata "
                              f"columns {strata}")
        missing = [s for s in strata if s not in population.columns]
        if missing:
            raise ArgumentError(f"poststratify: the population table has no column "
                              f"{missing[0]!r}; give one column per post-stratification "
                              "variable")
        counts = population[count_columns[0]].tolist()
        if len(strata) == 1:
            levels = population[strata[0]].tolist()
        else:
            levels = list(population[strata].itertuples(index=False, name=None))
        return dict(zip(levels, counts, strict=True))
    if isinstance(population, pd.Series):
        return population.to_dict()
    if isinstance(population, Mapping):
        return dict(population)
    raise ArgumentError("poststratify: population must be {level: count} (tuple levels for "
                      "several variables) or a DataFrame with a 'population' column")


def poststratify(design: SurveyDesign, strata: str | Sequence[str], population: Any
                 ) -> SurveyDesign:
    """Post-stratify: scale the weights in each post-stratum to its population count.

    Parameters
    ----------
    design
        The design to adjust.
    strata
        The post-stratification variable, or several (their combinations are the
        post-strata).
    population
        ``{level: count}`` (tuple levels for several variables), a Series, or a DataFrame
        with the strata columns and a ``population`` (or R's ``Freq``) column.

    Returns
    -------
    SurveyDesign
        A new design; its variance accounts for the post-stratification as R's
        ``svyrecvar`` does.

    Raises
    ------
    ArgumentError, DataError
        As `rake`: unknown variables, levels in the data without a population count,
        post-strata with a population count but no respondents, missing values.

    Examples
    --------
    >>> d.poststratify("stype", {"E": 4421, "H": 755, "M": 1018})  # doctest: +SKIP
    """
    names = [strata] if isinstance(strata, str) else list(strata)
    if not names:
        raise ArgumentError("poststratify: give at least one post-stratification variable")
    key = names[0] if len(names) == 1 else tuple(names)
    table, (margin,) = code_margins(_frame(design), {key: _population_table(names, population)},
                                    weights=design.weights, purpose="poststratify")
    cells, n_cells = table.cells, table.n_cells
    levels = margin.level_of_cell
    population_counts = np.append(margin.population, 0.0)

    def adjust(weights: np.ndarray) -> tuple[np.ndarray, PostStratification]:
        weights = np.asarray(weights, dtype=float)
        totals = np.bincount(cells, weights=weights, minlength=n_cells)
        current = np.bincount(levels, weights=totals, minlength=margin.n_levels + 1)
        factors = np.divide(population_counts, current, out=np.ones_like(current),
                            where=current != 0)
        factors[-1] = 1.0
        new = weights * factors[levels][cells]
        return new, PostStratification(weights, cells, levels, factors)

    return design._adjusted(adjust)


# ---------------------------------------------------------------------- trimming


def _trim(weights: np.ndarray, lower: float, upper: float, strict: bool,
          max_rounds: int = 10_000) -> np.ndarray:
    """R's ``trimWeights``: clip, then add the trimmed total equally to the others.

    With ``strict`` the rounds repeat until no weight is outside. Weights sitting at a
    bound share in the next round's spread, so the excess can shrink only geometrically
    (R would recurse forever); once every violation is below ``_SETTLED`` relative to the
    bounds, the last crumbs go to the weights strictly inside the bounds.
    """
    weights = np.asarray(weights, dtype=float)
    counted = weights != 0
    current = weights.copy()
    finite = [abs(b) for b in (lower, upper) if np.isfinite(b)]
    settled = _SETTLED * max(finite, default=1.0)
    for _ in range(max_rounds):
        outside = counted & ((current < lower) | (current > upper))
        if not outside.any():
            return current
        # R divides by zero when every weight is outside; then all share the spread.
        inside = counted & ~outside if (counted & ~outside).any() else counted
        clipped = np.where(outside, np.clip(current, lower, upper), current)
        excess = current - clipped
        if strict and np.abs(excess).max() <= settled:
            free = inside & (clipped > lower) & (clipped < upper)
            if free.any():
                clipped[free] += excess.sum() / free.sum()
                return clipped
        clipped[inside] += excess.sum() / inside.sum()
        current = clipped
        if not strict:
            return current
    raise ConvergenceError(f"trim_weights: strict trimming to [{lower:g}, {upper:g}] did not "
                           f"settle after {max_rounds} rounds; widen the bounds")


#: Violation (relative to the bounds) below which strict trimming stops repeating rounds.
_SETTLED = 1e-12


def trim_weights(design: SurveyDesign, lower: float | None = None,
                 upper: float | None = None, strict: bool = False) -> SurveyDesign:
    """Trim weights to ``[lower, upper]``, spreading the trimmed amount (R's ``trimWeights``).

    Weights below ``lower`` are set to ``lower`` and weights above ``upper`` to ``upper``;
    the net amount trimmed is then added **equally** (the same amount, not proportionally)
    to every weight that was inside the bounds, so the sum of the weights is unchanged.
    That can push a weight beyond a bound again; ``strict=True`` repeats until no weight is
    outside.

    Parameters
    ----------
    design
        The design to adjust.
    lower, upper
        Bounds on the weights themselves (not on ratios to the design weights); ``None``
        for no bound.
    strict
        Repeat until every weight is within the bounds.

    Returns
    -------
    SurveyDesign
        A new design. Earlier adjustments (raking, calibration) stay in its variance, as in
        R; the trimming itself adds none.

    Raises
    ------
    ArgumentError
        ``lower > upper``, or bounds that no set of weights with the same total can meet
        with ``strict=True``.
    ConvergenceError
        Strict trimming does not settle.

    Notes
    -----
    Respondents with weight zero (outside a subpopulation) keep weight zero and get no share
    of the trimmed amount; R would lift them to ``lower``.

    Examples
    --------
    >>> d.trim_weights(lower=20, upper=50)  # doctest: +SKIP
    """
    low = -np.inf if lower is None else float(lower)
    high = np.inf if upper is None else float(upper)
    if low > high:
        raise ArgumentError(f"trim_weights: lower={lower!r} is above upper={upper!r}")
    weights = design.weights
    counted = weights != 0
    if strict and counted.any():
        total, n = float(weights[counted].sum()), int(counted.sum())
        if total < low * n or total > high * n:
            raise ArgumentError(
                f"trim_weights: {n} weights summing to {total:.6g} cannot all lie in "
                f"[{low:g}, {high:g}] (their mean is {total / n:.6g}); widen the bounds"
            )

    def adjust(weights: np.ndarray) -> tuple[np.ndarray, None]:
        return _trim(weights, low, high, strict), None

    return design._adjusted(adjust)

