"""Replicate-weight designs: jackknife (JK1, JKn), Rao–Wu bootstrap, or given weights.

A `ReplicateDesign` has the same methods as a `SurveyDesign`; each estimate is recomputed
with every column of replicate weights and its variance is their spread (R's ``svrVar``:
``scale · Σ rscales_r (θ_r − θ̄)²``). Raking or calibrating a replicate design adjusts every
replicate as well, as R does, so the variance reflects the adjustment without linearisation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import linalg

from surveykit._core.errors import ArgumentError, DataError
from surveykit.design.linear import LinearStatistic
from surveykit.design.structure import build_structure
from surveykit.design.survey_design import Recompute, SurveyDesign, subset_mask
from surveykit.design.variance import replicate_covariance

__all__ = ["REPLICATE_TYPES", "ReplicateDesign", "replicate_design"]

REPLICATE_TYPES = ("JK1", "JKn", "bootstrap")


def _rank(matrix: np.ndarray, tol: float = 1e-5) -> int:
    """Numerical rank by pivoted QR with R's default tolerance (``qr(x, tol=1e-5)``)."""
    if matrix.size == 0:
        return 0
    r = linalg.qr(matrix, mode="r", pivoting=True)[0]
    diagonal = np.abs(np.diag(r))
    return int((diagonal > tol * diagonal[0]).sum()) if diagonal[0] > 0 else 0


class ReplicateDesign(SurveyDesign):
    """A design whose variances come from replicate weights.

    Create one with :meth:`SurveyDesign.replicate` (JK1, JKn, bootstrap) or
    :meth:`from_weights` (replicate weights shipped with a survey).
    """

    _replicate_weights: np.ndarray
    _scale: float
    _rscales: np.ndarray
    _mse: bool
    _type: str
    _replicate_degf: int

    @classmethod
    def from_weights(cls, data: pd.DataFrame, weights: str | np.ndarray,
                     replicate_weights: Sequence[str] | np.ndarray, scale: float,
                     rscales: Sequence[float] | float = 1.0, mse: bool = False,
                     type: str = "other") -> ReplicateDesign:
        """A replicate design from given analysis weights (full sample and replicates).

        Parameters
        ----------
        data
            One row per respondent.
        weights
            Column name or array of full-sample weights.
        replicate_weights
            Column names or an n × R array of replicate *analysis* weights (not factors).
        scale, rscales, mse
            Variance ``scale · Σ rscales_r (θ_r − c)²`` with ``c`` the replicates' mean,
            or the full-sample estimate if ``mse``.
        """
        frame = data.reset_index(drop=True)
        full = frame[weights].to_numpy(float) if isinstance(weights, str) else \
            np.asarray(weights, dtype=float)
        if isinstance(replicate_weights, np.ndarray):
            matrix = np.asarray(replicate_weights, dtype=float)
        else:
            matrix = frame[list(replicate_weights)].to_numpy(float)
        if matrix.shape[0] != len(frame) or full.shape[0] != len(frame):
            raise DataError("replicate weights need one row per respondent")
        if not np.isfinite(matrix).all() or (matrix < 0).any():
            raise DataError("replicate weights must be finite and non-negative")
        design = object.__new__(cls)
        structure = build_structure(frame, None, None, None, False)
        SurveyDesign._init(design, frame, structure, full, (), "fail",
                           {"weights": weights if isinstance(weights, str) else None,
                            "strata": None, "ids": None, "fpc": None, "nest": False})
        rscale_values = np.broadcast_to(np.asarray(rscales, dtype=float),
                                        (matrix.shape[1],)).copy()
        design._set_replicates(matrix, float(scale), rscale_values, mse, type,
                               _rank(matrix) - 1)
        return design

    def _set_replicates(self, matrix: np.ndarray, scale: float, rscales: np.ndarray,
                        mse: bool, type_: str, degf: int) -> None:
        matrix = np.array(matrix, dtype=float)
        matrix.setflags(write=False)
        self._replicate_weights = matrix
        self._scale = scale
        self._rscales = rscales
        self._mse = mse
        self._type = type_
        self._replicate_degf = degf

    @property
    def replicate_weights(self) -> np.ndarray:
        """n × R replicate analysis weights."""
        return self._replicate_weights

    @property
    def replicate_type(self) -> str:
        return self._type

    @property
    def scale(self) -> float:
        return self._scale

    @property
    def rscales(self) -> np.ndarray:
        return self._rscales

    @property
    def mse(self) -> bool:
        return self._mse

    @property
    def degf(self) -> int:
        """Rank of the replicate weight matrix minus one, as R's ``degf`` for replicates."""
        return self._replicate_degf

    def __repr__(self) -> str:
        return (f"<ReplicateDesign {self._type}, n={self.n}, "
                f"{self._replicate_weights.shape[1]} replicates>")

    @property
    def uses_replicates(self) -> bool:
        """True: variances come from the replicate weights."""
        return True

    def variance(self, influence: np.ndarray, present: np.ndarray | None = None
                 ) -> np.ndarray:
        raise ArgumentError(
            "a replicate design has no linearisation variance; estimate with its methods "
            "(mean, total, …), linear_estimate() or statistic_covariance(), which use the "
            "replicate weights"
        )

    def statistic_covariance(self, estimate: np.ndarray, influence: np.ndarray | None,
                             recompute: Recompute | None, present: np.ndarray | None = None
                             ) -> np.ndarray:
        """Covariance from the statistic recomputed with every replicate's weights."""
        if recompute is None:
            raise ArgumentError("this statistic cannot be recomputed with replicate weights; "
                                "use a linearisation design")
        replicates = np.asarray(recompute(self._replicate_weights), dtype=float)
        return self.replicate_variance(replicates.reshape(self._replicate_weights.shape[1],
                                                          -1), np.atleast_1d(estimate))

    def _estimate_with_covariance(self, statistic: LinearStatistic, present: np.ndarray
                                  ) -> tuple[np.ndarray, np.ndarray]:
        estimate = statistic.estimate(self._weights)
        replicates = statistic.estimate(self._replicate_weights)
        return estimate, replicate_covariance(replicates, estimate, self._scale,
                                              self._rscales, self._mse)

    def replicate_estimates(self, numerator: np.ndarray,
                            denominator: np.ndarray | None = None) -> np.ndarray:
        """R × k replicate estimates of ``Σ w·y / Σ w·x`` (for estimators built outside)."""
        numerator = np.asarray(numerator, dtype=float).reshape(len(self._weights), -1)
        if denominator is not None:
            denominator = np.asarray(denominator, dtype=float).reshape(len(self._weights), -1)
        statistic = LinearStatistic(numerator, denominator, [], np.zeros(numerator.shape[1]))
        return statistic.estimate(self._replicate_weights)

    def replicate_variance(self, replicates: np.ndarray, full: np.ndarray) -> np.ndarray:
        """Covariance of any statistic from its replicate values (R's ``svrVar``)."""
        return replicate_covariance(replicates, full, self._scale, self._rscales, self._mse)

    def subset(self, mask: np.ndarray | pd.Series) -> ReplicateDesign:
        keep = subset_mask(mask, len(self._weights))
        new = super().subset(keep)
        matrix = np.where(keep[:, None], self._replicate_weights, 0.0)
        # R recomputes the degrees of freedom from the replicates of the subset.
        new._set_replicates(matrix, self._scale, self._rscales, self._mse, self._type,
                            _rank(matrix[keep]) - 1)
        return new

    def _adjusted(self, adjust) -> ReplicateDesign:
        weights, _ = adjust(self._weights)
        columns = [adjust(self._replicate_weights[:, r])[0]
                   for r in range(self._replicate_weights.shape[1])]
        new = self._derive(weights=weights)
        new._set_replicates(np.column_stack(columns), self._scale, self._rscales, self._mse,
                            self._type, self._replicate_degf)
        return new

    def replicate(self, *args, **kwargs) -> ReplicateDesign:
        raise ArgumentError("this design has replicate weights already")


def _jk1(psu: np.ndarray, population: np.ndarray | None) -> tuple[np.ndarray, float,
                                                                    np.ndarray]:
    n = int(psu.max()) + 1
    factors = np.full((n, n), n / (n - 1))
    np.fill_diagonal(factors, 0.0)
    finite = 1.0 if population is None else (population[0] - n) / population[0]
    return factors, finite * (n - 1) / n, np.ones(n)


def _jkn(psu: np.ndarray, strata: np.ndarray, population: np.ndarray | None,
         lonely_psu: str) -> tuple[np.ndarray, float, np.ndarray]:
    n_psu = int(psu.max()) + 1
    psu_stratum = np.empty(n_psu, dtype=np.int64)
    psu_stratum[psu] = strata
    psu_population = None
    if population is not None:
        psu_population = np.empty(n_psu)
        psu_population[psu] = population
    n_strata = int(strata.max()) + 1
    columns, rscales = [], []
    for stratum in range(n_strata):
        members = np.flatnonzero(psu_stratum == stratum)
        n_h = len(members)
        size = np.inf if psu_population is None else psu_population[members[0]]
        finite = 1.0 if np.isinf(size) else (size - n_h) / size
        if finite == 0:
            continue  # a census stratum contributes no variance (R drops its replicates)
        if n_h == 1:
            if lonely_psu == "fail":
                raise DataError("JKn: a stratum has only one PSU; choose lonely_psu="
                                "'remove', 'certainty', 'average' or 'adjust'")
            if lonely_psu == "adjust":
                column = np.where(psu_stratum == stratum, 0.0, n_strata / (n_strata - 1))
                columns.append(column)
                rscales.append((n_strata - 1) / n_strata)
            continue
        for dropped in members:
            column = np.ones(n_psu)
            column[members] = n_h / (n_h - 1)
            column[dropped] = 0.0
            columns.append(column)
            rscales.append(finite * (n_h - 1) / n_h)
    if not columns:
        raise DataError("JKn: every stratum was sampled completely; there is no variance")
    scale = 1.0
    if lonely_psu == "average" and len(columns) < n_psu:
        scale = n_psu / len(columns)
    return np.column_stack(columns), scale, np.asarray(rscales)


def _rao_wu_bootstrap(psu: np.ndarray, strata: np.ndarray, replicates: int,
                      rng: np.random.Generator) -> tuple[np.ndarray, float, np.ndarray]:
    n_psu = int(psu.max()) + 1
    psu_stratum = np.empty(n_psu, dtype=np.int64)
    psu_stratum[psu] = strata
    factors = np.empty((n_psu, replicates))
    for stratum in np.unique(psu_stratum):
        members = np.flatnonzero(psu_stratum == stratum)
        n_h = len(members)
        if n_h < 2:
            raise DataError("bootstrap: a stratum has only one PSU; merge it with another "
                            "stratum before resampling")
        draws = rng.integers(0, n_h, size=(n_h - 1, replicates))
        counts = np.zeros((n_h, replicates))
        for r in range(replicates):
            counts[:, r] = np.bincount(draws[:, r], minlength=n_h)
        factors[members] = counts * n_h / (n_h - 1)
    return factors, 1.0 / (replicates - 1), np.ones(replicates)


def replicate_design(design: SurveyDesign, type: str = "JK1", replicates: int | None = None,
                     seed: int | None = None, mse: bool = False) -> ReplicateDesign:
    """Convert a design to replicate weights (R's ``as.svrepdesign``).

    Parameters
    ----------
    design
        A linearisation design.
    type
        ``"JK1"`` (delete-one-PSU jackknife, unstratified designs), ``"JKn"`` (stratified
        jackknife) or ``"bootstrap"`` (Rao–Wu rescaling bootstrap: n_h − 1 PSUs drawn with
        replacement in each stratum, factors rescaled by n_h/(n_h − 1); R's
        ``"subbootstrap"``).
    replicates
        Number of bootstrap replicates (default 200).
    seed
        Seed of the bootstrap draws (reproducible designs).
    mse
        Centre the replicates at the full-sample estimate instead of their mean.

    Only the first-stage fpc is used, as R does.
    """
    if isinstance(design, ReplicateDesign):
        raise ArgumentError("this design has replicate weights already")
    structure = design.structure
    psu = structure.clusters[0]
    strata = structure.strata[0]
    population = None if structure.population is None else structure.population[0]
    if type == "JK1":
        if structure.has_strata and len(np.unique(strata)) > 1:
            raise ArgumentError("JK1 is for unstratified designs; use type='JKn'")
        if int(psu.max()) + 1 > 5000:
            raise ArgumentError(f"JK1 would create {int(psu.max()) + 1} replicates (one per "
                              "PSU); use type='bootstrap' with replicates=…")
        factors, scale, rscales = _jk1(psu, population)
    elif type == "JKn":
        if not structure.has_strata:
            raise ArgumentError("JKn needs a stratified design; use type='JK1' or 'bootstrap'")
        factors, scale, rscales = _jkn(psu, strata, population, design.lonely_psu)
    elif type == "bootstrap":
        count = 200 if replicates is None else int(replicates)
        if count < 2:
            raise ArgumentError("bootstrap needs at least 2 replicates")
        factors, scale, rscales = _rao_wu_bootstrap(psu, strata, count,
                                                    np.random.default_rng(seed))
    else:
        raise ArgumentError(f"replicate type {type!r} is not known; use one of "
                          f"{', '.join(REPLICATE_TYPES)}")
    matrix = design.weights[:, None] * factors[psu]
    new = object.__new__(ReplicateDesign)
    new.__dict__.update(design.__dict__)
    new._adjustments = ()
    new._set_replicates(matrix, scale, rscales, mse, type, _rank(matrix) - 1)
    return new
