"""The one variance engine: influence values → design-based covariance matrix.

Every estimator and model hands this module its influence values (one row per respondent,
one column per estimated quantity); nothing else in surveykit knows about strata, clusters or
finite population corrections. Two routes, as in R's ``survey`` package:

* `taylor_covariance` — Taylor linearisation for stratified multi-stage designs (R's
  ``svyrecvar``): influence values are first residualised for any post-stratification,
  raking or calibration of the weights, then summed to cluster totals and combined within
  strata, stage by stage, with finite population corrections and R's lonely-PSU options.
* `replicate_covariance` — the spread of replicate estimates (R's ``svrVar``).

The work is done on integer codes with ``np.bincount``: no Python loop runs over respondents
or clusters, so a million respondents cost milliseconds per quantity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from surveykit._core.errors import DataError
from surveykit.design.sparse_variance import (
    ProjectedInfluence,
    corrected_influence,
    sparse_stage_covariance,
)
from surveykit.design.structure import Structure

__all__ = [
    "LONELY_PSU_OPTIONS",
    "VarianceAdjustment",
    "replicate_covariance",
    "taylor_covariance",
]

#: From this many respondents, dense influence values are residualised for cell-based weight
#: adjustments all at once (`surveykit.design.sparse_variance.corrected_influence`); below,
#: each adjustment's ``residualise`` in turn (the same residuals up to rounding).
BATCHED_MINIMUM = 20_000

#: R's ``options(survey.lonely.psu=)`` values.
LONELY_PSU_OPTIONS = ("fail", "remove", "adjust", "average", "certainty")


class VarianceAdjustment(Protocol):
    """A weight adjustment (post-stratification, raking, calibration) as the variance sees it.

    ``residualise`` turns influence values into the residuals that the adjustment leaves,
    as R's ``svyrecvar`` does with a design's ``postStrata``. An adjustment that works on
    cells (raking, post-stratification) also has a ``correction``
    (`surveykit.design.sparse_variance.IndicatorCorrection`): the same residuals in a form
    that keeps sparse influence values sparse.
    """

    def residualise(self, influence: np.ndarray) -> np.ndarray: ...


def _group_sums(codes: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Column sums of ``values`` (n × k) within integer ``codes`` → (size × k)."""
    sums = np.empty((size, values.shape[1]), order="F")  # the next sum reads columns too
    # bincount reads a column several times faster when it is contiguous in memory.
    values = np.asfortranarray(values)
    for column in range(values.shape[1]):
        sums[:, column] = np.bincount(codes, weights=values[:, column], minlength=size)
    return sums


def _first_of(codes: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """For each code 0 … size−1 the value of ``values`` at its first row."""
    out = np.empty(size, dtype=values.dtype)
    out[codes[::-1]] = values[::-1]
    return out


@dataclass(frozen=True)
class _StageData:
    """One stage's clusters with their stratum, scale and the onestage group they belong to."""

    cluster_codes: np.ndarray
    n_clusters: int
    cluster_stratum: np.ndarray
    n_strata: int
    stratum_group: np.ndarray
    n_sampled: np.ndarray      # per stratum
    finite: np.ndarray         # per stratum: 1 − n/N (1 without fpc)
    multiplier: np.ndarray     # per cluster: product of earlier-stage sampling fractions
    row_strata: np.ndarray     # per row: stratum code
    singletons: bool           # every row is its own cluster, in row order (ids = ~1)


#: The first stage's data of the last few designs: a share-table step asks the same design
#: for hundreds of variances, and the stage data cost several passes over the respondents.
_FIRST_STAGES: list[tuple[Structure, _StageData]] = []


def _first_stage(structure: Structure) -> _StageData:
    """``_stage(structure, 0, 1)``, kept for the last few structures (by identity)."""
    for cached, data in _FIRST_STAGES:
        if cached is structure:
            return data
    data = _stage(structure, 0, np.ones(len(structure.clusters[0])))
    _FIRST_STAGES.insert(0, (structure, data))
    del _FIRST_STAGES[4:]
    return data


def _stage(structure: Structure, stage: int, multiplier_rows: np.ndarray) -> _StageData:
    clusters = structure.clusters[stage]
    n_clusters = int(clusters.max()) + 1
    strata_rows = structure.strata[stage]
    cluster_stratum = _first_of(clusters, strata_rows, n_clusters)
    n_strata = int(strata_rows.max()) + 1
    n_sampled = _first_of(strata_rows, structure.n_sampled[stage], n_strata).astype(float)
    if structure.population is None:
        finite = np.ones(n_strata)
    else:
        population = _first_of(strata_rows, structure.population[stage], n_strata)
        with np.errstate(invalid="ignore"):
            finite = np.where(np.isinf(population), 1.0, (population - n_sampled) / population)
    if stage == 0:
        group = np.zeros(n_strata, dtype=np.int64)
    else:
        group = _first_of(strata_rows, structure.clusters[stage - 1], n_strata)
    multiplier = _first_of(clusters, multiplier_rows, n_clusters)
    singletons = structure.one_cluster_per_row(stage)
    return _StageData(clusters, n_clusters, cluster_stratum, n_strata, group, n_sampled,
                      finite, multiplier, strata_rows, singletons)


def _stage_covariance(influence: np.ndarray, data: _StageData, lonely_psu: str,
                      stage: int, present: np.ndarray) -> np.ndarray:
    # With one respondent per cluster the cluster totals are the influence values.
    totals = np.asfortranarray(influence) if data.singletons else \
        _group_sums(data.cluster_codes, influence, data.n_clusters)
    stratum_means = _group_sums(data.cluster_stratum, totals, data.n_strata)
    stratum_means /= data.n_sampled[:, None]
    lonely = data.n_sampled == 1
    census = data.finite < 1e-7
    contributing = ~census
    if lonely_psu == "fail":
        _check_lonely(data, stage)
    centre = stratum_means.copy()
    if lonely_psu == "adjust":
        centre[lonely] = 0.0  # R: a lonely PSU's total is used uncentred
    centred = totals - centre[data.cluster_stratum]
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(lonely, data.finite,
                         data.finite * data.n_sampled / (data.n_sampled - 1))
    scale = np.where(contributing, scale, 0.0)
    inflate_columns = None
    if lonely_psu == "average" and lonely.any():
        # R drops lonely strata and scales the rest up by nstrat / nokstrat within each
        # call of its onestage() (all strata at stage 1; per parent cluster later),
        # counting only strata with respondents in the (sub)population of each estimate.
        inflate_columns = _average_inflation(data, lonely, present)
        scale = np.where(lonely, 0.0, scale)
    elif lonely_psu in ("remove", "certainty"):
        scale = np.where(lonely, 0.0, scale)
    weight = scale[data.cluster_stratum] * data.multiplier
    weighted = centred * np.sqrt(weight)[:, None]
    if inflate_columns is not None:
        weighted = weighted * np.sqrt(inflate_columns[data.cluster_stratum])
    return weighted.T @ weighted


def _check_lonely(data: _StageData, stage: int) -> None:
    """R's ``survey.lonely.psu = "fail"``: a stratum with one PSU that contributes."""
    if ((data.n_sampled == 1) & (data.finite >= 1e-7)).any():
        raise DataError(
            f"a stratum has only one PSU at stage {stage + 1}; its variance cannot be "
            "estimated. Choose lonely_psu='remove', 'adjust', 'average' or 'certainty' "
            "(as R's options(survey.lonely.psu=)), or merge the stratum with a neighbour"
        )


def _average_inflation(data: _StageData, lonely: np.ndarray, present: np.ndarray
                       ) -> np.ndarray:
    """Per stratum and estimate: nstrat / nokstrat of the stratum's onestage group."""
    groups = int(data.stratum_group.max()) + 1
    inflation = np.zeros((data.n_strata, present.shape[1]))
    for column in range(present.shape[1]):
        rows = present[:, column]
        in_stratum = np.bincount(data.row_strata[rows], minlength=data.n_strata) > 0
        all_strata = np.bincount(data.stratum_group, weights=in_stratum.astype(float),
                                 minlength=groups)
        ok_strata = np.bincount(data.stratum_group, weights=(in_stratum & ~lonely).astype(float),
                                minlength=groups)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(ok_strata > 0, all_strata / ok_strata, 0.0)
        inflation[:, column] = ratio[data.stratum_group]
    return inflation


def taylor_covariance(
    influence: np.ndarray,
    structure: Structure,
    lonely_psu: str = "fail",
    adjustments: Sequence[VarianceAdjustment] = (),
    present: np.ndarray | None = None,
) -> np.ndarray:
    """Linearisation covariance of estimates with the given influence values.

    Parameters
    ----------
    influence
        n × k influence values (rows of respondents outside a domain, or with missing
        values, are zero).
    structure
        The design's stage structure.
    lonely_psu
        What to do with a stratum that has one PSU: ``"fail"`` (default), ``"remove"``,
        ``"certainty"`` (both: it contributes nothing), ``"adjust"`` (its PSU total enters
        uncentred) or ``"average"`` (the other strata's variance is scaled up), as in R.
    adjustments
        Weight adjustments in the order they were applied; each residualises the influence.
    present
        n × k (or n) mask of the respondents who belong to each estimate's
        (sub)population; only used by ``lonely_psu="average"``, which counts the strata
        present as R does after subsetting. Default: everyone.

    Returns
    -------
    numpy.ndarray
        The k × k covariance matrix.
    """
    projected = isinstance(influence, ProjectedInfluence)
    if hasattr(influence, "tocsc") or projected:  # a scipy.sparse matrix (times a matrix)
        single_stage = structure.population is None or structure.n_stages == 1
        corrections = [getattr(adjustment, "correction", None) for adjustment in adjustments]
        if all(c is not None for c in corrections) and single_stage \
                and lonely_psu != "average":
            data = _first_stage(structure)
            if lonely_psu == "fail":
                _check_lonely(data, 0)
            return sparse_stage_covariance(influence, data, lonely_psu, corrections,
                                           (*adjustments, structure))
        influence = np.asarray(influence) if projected else influence.toarray()
    values = np.asarray(influence, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    corrections = [getattr(adjustment, "correction", None) for adjustment in adjustments]
    if len(values) >= BATCHED_MINIMUM and corrections and \
            all(c is not None for c in corrections):
        values = corrected_influence(values, corrections)
    else:
        for adjustment in adjustments:
            values = adjustment.residualise(values)
    n = values.shape[0]
    if present is None:
        present = np.ones((n, values.shape[1]), dtype=bool)
    elif present.ndim == 1:
        present = np.repeat(present[:, None], values.shape[1], axis=1)
    covariance = np.zeros((values.shape[1], values.shape[1]))
    multiplier = np.ones(n)
    stages = structure.n_stages if structure.population is not None else 1
    for stage in range(stages):
        data = _stage(structure, stage, multiplier)
        covariance += _stage_covariance(values, data, lonely_psu, stage, present)
        if structure.population is not None:
            multiplier = multiplier * structure.n_sampled[stage] / structure.population[stage]
            if not multiplier.any():
                break
    return covariance


def replicate_covariance(
    replicates: np.ndarray,
    full: np.ndarray,
    scale: float,
    rscales: np.ndarray,
    mse: bool,
) -> np.ndarray:
    """Covariance from replicate estimates (R's ``svrVar``).

    ``v = scale · Σ_r rscales_r (θ_r − c)(θ_r − c)ᵀ`` with ``c`` the mean of the replicate
    estimates, or the full-sample estimate when ``mse`` is true.

    Parameters
    ----------
    replicates
        R × k replicate estimates.
    full
        The k full-sample estimates.
    """
    estimates = np.asarray(replicates, dtype=float)
    if estimates.ndim == 1:
        estimates = estimates[:, None]
    centre = np.asarray(full, dtype=float) if mse else estimates.mean(axis=0)
    deviations = estimates - centre
    weighted = deviations * np.sqrt(np.asarray(rscales, dtype=float))[:, None]
    return scale * (weighted.T @ weighted)
