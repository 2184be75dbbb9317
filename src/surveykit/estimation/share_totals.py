"""A whole share table from one variance computation of its cell totals (linearisation).

Every number of a share table is a smooth function of the weighted totals of its cells:
``T[d, ℓ] = Σ w·y_ℓ`` and the bases ``N[d] = Σ w`` of each domain ``d`` (respondents who
answered). Under Taylor linearisation the influence values of any such function are the
function's gradient applied to the totals' influence values, so its variance is
``g' V g`` with ``V`` the covariance of the totals — exactly, not approximately, and with
every weight adjustment (raking, calibration) already in ``V``. One pass of the variance
engine over the totals therefore gives the shares, their SEs, the cell-versus-rest
differences and the Rao–Scott test, where computing each from its own influence values
would run the engine four times over larger matrices. The numbers are the same as those of
`surveykit.estimation.linear_estimators` and R's ``svyby``/``svyciprop``/``svychisq``
(the golden tests check both).

Replicate designs do not use this: their variances come from recomputing each statistic
with every replicate's weights, as R does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from surveykit._core.distributions import t_sf
from surveykit._core.errors import DataError
from surveykit.design.sparse_variance import ProjectedInfluence
from surveykit.estimation.intervals import confidence_interval, proportion_interval

if TYPE_CHECKING:
    from surveykit.design import SurveyDesign

__all__ = ["CellTotals", "cell_totals"]


@dataclass(frozen=True)
class CellTotals:
    """Totals of the cells and bases of one indicator by one breakdown, with covariance.

    ``totals`` has ``E·(L + 1)`` entries: for each extended domain ``e`` (the breakdown's
    domains, then respondents whose breakdown value is missing) its ``L`` level totals and
    its base. ``counts`` are the unweighted respondents per extended domain.
    """

    totals: np.ndarray
    covariance: np.ndarray
    counts: np.ndarray
    squares: np.ndarray      # Σ w·y² per extended domain (numeric indicators)
    n_domains: int           # D (without the missing-breakdown group)
    n_levels: int            # L

    def t(self, domain: int, level: int) -> int:
        return domain * (self.n_levels + 1) + level

    def n(self, domain: int) -> int:
        return domain * (self.n_levels + 1) + self.n_levels


def cell_totals(design: SurveyDesign, matrix: np.ndarray, answered: np.ndarray,
                codes: np.ndarray, n_domains: int) -> CellTotals:
    """The totals' covariance from one pass of the design's variance engine.

    Parameters
    ----------
    matrix
        n × L values (level indicators, or the numeric indicator), 0 where not answered.
    answered
        Respondents with a value of the indicator and a non-zero weight.
    codes
        Domain per respondent, 0 … D−1, or −1 where the breakdown value is missing.
    n_domains
        D.
    """
    weights = design.weights
    n_levels = matrix.shape[1]
    extended = np.where(codes >= 0, codes, n_domains)
    domains = n_domains + (1 if (codes < 0).any() else 0)
    width = n_levels + 1
    from scipy import sparse

    rows = np.flatnonzero(answered)
    base = extended[rows] * width
    influence = _patterned_influence(weights, matrix, rows, answered, extended, domains)
    if influence is not None:
        covariance = design.variance(influence, _present(design, influence.shape, rows,
                                                         base, width))
        totals = influence.totals()
        return _finish(totals, covariance, weights, matrix, rows, extended, domains,
                       n_domains, n_levels)
    # Each respondent adds to few totals: a sparse matrix, which the variance engine sums
    # without filling it in (dense only where adjustments or multi-stage designs need it).
    entries = [(rows, base + n_levels, weights[rows])]
    for level in range(n_levels):
        values = weights[rows] * matrix[rows, level]
        keep = values != 0
        entries.append((rows[keep], base[keep] + level, values[keep]))
    row_index = np.concatenate([e[0] for e in entries])
    column_index = np.concatenate([e[1] for e in entries])
    influence = sparse.csc_matrix((np.concatenate([e[2] for e in entries]),
                                   (row_index, column_index)),
                                  shape=(len(weights), domains * width))
    covariance = design.variance(influence, _present(design, influence.shape, rows, base,
                                                     width))
    totals = np.asarray(influence.sum(axis=0)).ravel()
    return _finish(totals, covariance, weights, matrix, rows, extended, domains, n_domains,
                   n_levels)


def _present(design: SurveyDesign, shape: tuple[int, int], rows: np.ndarray,
             base: np.ndarray, width: int) -> np.ndarray | None:
    """Who belongs to each total's domain, for ``lonely_psu="average"`` (else None)."""
    if design.lonely_psu != "average":
        return None
    present = np.zeros(shape, dtype=bool)
    present[rows[:, None], base[:, None] + np.arange(width)[None, :]] = True
    return present


def _finish(totals: np.ndarray, covariance: np.ndarray, weights: np.ndarray,
            matrix: np.ndarray, rows: np.ndarray, extended: np.ndarray, domains: int,
            n_domains: int, n_levels: int) -> CellTotals:
    domain = extended[rows]
    counts = np.bincount(domain, minlength=domains)
    # Σ w·y² serves the design effects of means (one column); shares do not need it.
    squares = np.bincount(domain, weights=weights[rows] * matrix[rows, 0] ** 2,
                          minlength=domains) if n_levels == 1 else np.full(domains, np.nan)
    return CellTotals(totals, covariance, counts, squares, n_domains, n_levels)


#: At most this many distinct rows of the level matrix (answer patterns) per table, and
#: at most this many entries in the projection, for the patterned form of the influence.
_MAX_PATTERNS = 256
_MAX_PROJECTION = 1 << 22


def _patterns(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Each row's answer pattern and the table of patterns (Q × L), where the rows take few
    distinct values: one-hot level indicators (a level, or none) or a numeric answer with
    few values (a rating). None otherwise."""
    n_levels = values.shape[1]
    if n_levels == 1:
        codes, distinct = pd.factorize(values[:, 0], sort=True)
        return (codes, distinct[:, None]) if len(distinct) <= _MAX_PATTERNS else None
    if n_levels + 1 > _MAX_PATTERNS or not np.isin(values, (0.0, 1.0)).all():
        return None
    counts = values.sum(axis=1)
    if (counts > 1).any():
        return None
    codes = (values @ np.arange(n_levels, dtype=float)).astype(np.int64)
    codes[counts == 0] = n_levels                      # no level: the last pattern
    return codes, np.vstack([np.eye(n_levels), np.zeros((1, n_levels))])


def _patterned_influence(weights: np.ndarray, matrix: np.ndarray, rows: np.ndarray,
                         answered: np.ndarray, extended: np.ndarray, domains: int
                         ) -> ProjectedInfluence | None:
    """The totals' influence values as one entry per respondent times a projection.

    A respondent's influence on the totals is its weight times its answer pattern (its
    level indicators, and 1 for its domain's base): with few patterns it is ``w_i`` in the
    column of its (domain, pattern) cell, times a small cells × totals matrix. The
    variance engine then reads one entry per respondent instead of one per total it adds
    to (`surveykit.design.sparse_variance.ProjectedInfluence`).
    """
    found = _patterns(matrix[rows])
    if found is None:
        return None
    pattern, table = found
    q, width = len(table), matrix.shape[1] + 1
    if (domains * q) * (domains * width) > _MAX_PROJECTION:
        return None
    per_pattern = np.column_stack([table, np.ones(q)])      # Q × (L + 1)
    return ProjectedInfluence.of_respondents(answered, extended[rows] * q + pattern,
                                             weights[rows], domains * q,
                                             np.kron(np.eye(domains), per_pattern))


def _quadratic(gradients: np.ndarray, covariance: np.ndarray) -> np.ndarray:
    """diag(G V G') without forming G V G'."""
    return np.einsum("ij,jk,ik->i", gradients, covariance, gradients)


def domain_degrees_of_freedom(design: SurveyDesign, codes: np.ndarray, n_domains: int
                              ) -> np.ndarray:
    """Per domain: the design df of its subset design (PSUs minus strata with a member),
    counting respondents whose indicator is missing, as R's ``degf(subset(...))``."""
    inset = (design.weights != 0) & (codes >= 0)
    domain = codes[inset]

    def distinct(groups: np.ndarray) -> np.ndarray:
        # a domain × group table of "seen" flags: no sort of a million pairs
        seen = np.zeros((n_domains, int(groups.max()) + 1 if len(groups) else 1), dtype=bool)
        seen[domain, groups] = True
        return seen.sum(axis=1)

    if design.structure.one_cluster_per_row():
        # every respondent its own PSU (ids = ~1): a domain's PSUs are its respondents
        psus = np.bincount(domain, minlength=n_domains)
    else:
        psus = distinct(design.structure.clusters[0][inset])
    strata = distinct(design.structure.strata[0][inset])
    return (psus - strata).astype(float)


def share_cells(design: SurveyDesign, totals: CellTotals, kind: str, levels: list[Any],
                interval: str, level: float, deff: str, with_tests: bool,
                domain_df: np.ndarray | None) -> pd.DataFrame:
    """Estimates, SEs, intervals, bases, design effects and (with a breakdown) the cell
    versus rest tests, one row per (domain, level) of a non-empty domain."""
    D, L = totals.n_domains, totals.n_levels
    V, T = totals.covariance, totals.totals
    numeric = kind in ("numeric", "scale")
    shown = list(range(L)) if kind != "binary" else [levels.index(1)] if 1 in levels else []
    rows, gradients, rest_gradients = [], [], []
    non_missing = [d for d in range(D) if totals.counts[d] > 0]
    base_all = sum(T[totals.n(d)] for d in non_missing)
    for d in non_missing:
        n_d = T[totals.n(d)]
        for ell in shown:
            estimate = T[totals.t(d, ell)] / n_d
            gradient = np.zeros(len(T))
            gradient[totals.t(d, ell)] = 1 / n_d
            gradient[totals.n(d)] = -estimate / n_d
            gradients.append(gradient)
            rows.append({"domain": d, "level": levels[ell] if not numeric else "",
                         "estimate": estimate, "n": int(totals.counts[d]),
                         "n_weighted": n_d})
            if with_tests:
                rest_total = sum(T[totals.t(o, ell)] for o in non_missing if o != d)
                rest_base = base_all - n_d
                rest = rest_total / rest_base if rest_base > 0 else np.nan
                difference = gradient.copy()
                for other in non_missing:
                    if other != d:
                        difference[totals.t(other, ell)] = -1 / rest_base
                        difference[totals.n(other)] = rest / rest_base
                rest_gradients.append(difference)
                rows[-1]["difference"] = estimate - rest
    frame = pd.DataFrame(rows)
    if frame.empty:
        raise DataError("share table: no respondent has a value in any domain")
    gradients_ = np.array(gradients)
    frame["se"] = np.sqrt(np.clip(_quadratic(gradients_, V), 0, None))
    estimate, se = frame["estimate"].to_numpy(), frame["se"].to_numpy()
    if numeric:
        low, high = confidence_interval(estimate, se, level, float(design.degf))
    else:
        dof = domain_df[frame["domain"].to_numpy()] if domain_df is not None else \
            float(design.degf)
        low, high = proportion_interval(interval, estimate, se, level, dof, design.n)
    frame["ci_low"], frame["ci_high"] = low, high
    frame["deff"] = _design_effects(totals, frame, kind, levels, deff, numeric)
    with np.errstate(divide="ignore", invalid="ignore"):
        frame["n_eff"] = frame["n"] / frame["deff"]
    if with_tests:
        variance = _quadratic(np.array(rest_gradients), V)
        frame["difference_se"] = np.sqrt(np.clip(variance, 0, None))
        with np.errstate(divide="ignore", invalid="ignore"):
            t = frame["difference"] / frame["difference_se"]
        frame["p_value"] = 2 * t_sf(np.abs(t), float(design.degf))
    return frame


def _design_effects(totals: CellTotals, frame: pd.DataFrame, kind: str, levels: list,
                    deff: str, numeric: bool) -> np.ndarray:
    """The design effect of each share or mean: its variance over the SRS variance (Kish's
    with-replacement form, or R's default without replacement)."""
    nobs = frame["n"].to_numpy(dtype=float)
    psum = frame["n_weighted"].to_numpy()
    mean = frame["estimate"].to_numpy()
    if numeric:
        squares = totals.squares[frame["domain"].to_numpy()]
        spread = squares / psum - mean**2
    else:
        spread = mean * (1 - mean)  # weighted variance of a 0/1 indicator
    with np.errstate(divide="ignore", invalid="ignore"):
        variance = spread * nobs / (nobs - 1)
        srs = variance / nobs if deff == "replace" else \
            variance * (psum - nobs) / (psum * nobs)
        return frame["se"].to_numpy() ** 2 / srs


def rao_scott_from_totals(design: SurveyDesign, totals: CellTotals, kind: str,
                          present: list[int]) -> dict[str, Any] | None:
    """Rao–Scott F test of indicator × breakdown (R's ``svychisq(statistic="F")``) from the
    cell totals; ``None`` when a margin of the table is empty."""
    from surveykit.estimation.rao_scott import _rao_scott

    T = totals.totals
    columns = [d for d in range(totals.n_domains) if totals.counts[d] > 0]
    rows_: list[np.ndarray] = []
    for d in columns:
        for ell in present:
            gradient = np.zeros(len(T))
            if kind == "binary" and ell == -1:  # the 0 level: base minus the 1 level
                gradient[totals.n(d)] = 1.0
                gradient[totals.t(d, 0)] = -1.0
            else:
                gradient[totals.t(d, ell)] = 1.0
            rows_.append(gradient)
    cell_gradients = np.array(rows_)           # cells, rows (levels) varying fastest
    cell_totals_ = cell_gradients @ T
    n_rows, n_columns = len(present), len(columns)
    table = cell_totals_.reshape(n_columns, n_rows)
    if (table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any() or \
            n_rows < 2 or n_columns < 2:
        return None
    complete = cell_totals_.sum()
    share = cell_totals_ / complete
    base_gradient = np.zeros(len(T))
    for d in columns:
        base_gradient[totals.n(d)] = 1.0
    jacobian = (cell_gradients - share[:, None] * base_gradient[None, :]) / complete
    covariance = jacobian @ totals.covariance @ jacobian.T
    shaped = _Shape(n_rows, n_columns, int(design.n))
    result = _rao_scott(shaped, share, covariance, cell_totals_, "F", float(design.degf))
    return {"method": "Rao-Scott F (second-order)", "statistic": result["statistic"],
            "ndf": result["ndf"], "ddf": result["ddf"], "p_value": result["p_value"]}


@dataclass(frozen=True)
class _Shape:
    """What the Rao–Scott computation needs to know of a table."""

    n_rows: int
    n_columns: int
    n_design: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.n_rows, self.n_columns


def equal_means_test(design: SurveyDesign, totals: CellTotals) -> dict[str, Any]:
    """Design-based Wald F test that the domain means are equal."""
    from surveykit.estimation.share_tables import wald_equal_means

    T = totals.totals
    columns = [d for d in range(totals.n_domains) if totals.counts[d] > 0]
    gradients = []
    means = []
    for d in columns:
        gradient = np.zeros(len(T))
        mean = T[totals.t(d, 0)] / T[totals.n(d)]
        gradient[totals.t(d, 0)] = 1 / T[totals.n(d)]
        gradient[totals.n(d)] = -mean / T[totals.n(d)]
        gradients.append(gradient)
        means.append(mean)
    jacobian = np.array(gradients)
    covariance = jacobian @ totals.covariance @ jacobian.T
    return wald_equal_means(pd.DataFrame({"estimate": means}), covariance,
                             float(design.degf))
