"""The sampling structure of a design: strata, clusters and population sizes per stage.

Built once when a `SurveyDesign` is created, as integer codes (``np.int64`` arrays of length
n), so that the variance engine never touches a DataFrame or a string again. The rules are
those of R's ``svydesign``: later-stage cluster ids are made unique within their parent
cluster, later-stage strata lie within the parent cluster, ``nest=True`` makes PSU ids unique
within strata, and an fpc is read as population sizes when every value exceeds 1 and as
sampling fractions when every value is at most 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from surveykit._core.errors import ArgumentError, DataError
from surveykit._core.factorize import distinct_integers, sorted_integer_codes
from surveykit._core.messages import did_you_mean

__all__ = ["Structure", "build_structure", "combine_codes", "count_distinct"]


def combine_codes(*codes: np.ndarray) -> np.ndarray:
    """Integer codes of the interaction of several integer code vectors (0 … k−1)."""
    combined = np.zeros(len(codes[0]), dtype=np.int64)
    for code in codes:
        combined = combined * (int(code.max(initial=0)) + 1) + code
    counted = sorted_integer_codes(combined)
    return pd.factorize(combined, sort=True)[0].astype(np.int64) if counted is None \
        else counted[0]


def _codes(values: pd.Series) -> np.ndarray:
    """``pd.factorize(values, sort=True)`` codes (values have no missing ones)."""
    counted = sorted_integer_codes(values.to_numpy())
    if counted is None:
        return pd.factorize(values, sort=True)[0].astype(np.int64)
    return counted[0]


def _count_codes(codes: np.ndarray) -> int:
    """How many distinct values codes 0 … k−1 that use every value hold: k."""
    return int(codes.max(initial=-1)) + 1


def count_distinct(values: np.ndarray) -> int:
    """How many distinct values an integer code vector holds."""
    return len(_distinct(values))


def _pair_codes(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """One int64 code per (first, second) pair (both non-negative integer codes)."""
    paired = np.multiply(first, int(second.max(initial=0)) + 1, dtype=np.int64)
    paired += second
    return paired


def _distinct(values: np.ndarray) -> np.ndarray:
    """Distinct values, in no particular order: counted over their range where it is small
    (`surveykit._core.factorize`), else with pandas' hash table (several times faster than
    np.unique)."""
    counted = distinct_integers(values)
    return pd.unique(values) if counted is None else counted


def _count_distinct_within(groups: np.ndarray, members: np.ndarray,
                           pairs: np.ndarray | None = None) -> np.ndarray:
    """For every row: how many distinct ``members`` its ``groups`` value has (``pairs``:
    the distinct ``_pair_codes(groups, members)``, if already found)."""
    if pairs is None:
        pairs = _distinct(_pair_codes(groups, members))
    span = int(members.max(initial=0)) + 1
    per_group = np.bincount(pairs // span, minlength=int(groups.max(initial=0)) + 1)
    return per_group[groups]


@dataclass(frozen=True)
class Structure:
    """Per-stage integer codes of a (multi-stage, stratified) sampling design.

    Attributes
    ----------
    strata, clusters
        One array of length n per stage. Codes are unique across the whole design (a stage-2
        stratum code identifies the stratum within its PSU).
    n_sampled
        Per stage and row: the number of sampled clusters in the row's stratum.
    population
        Per stage and row: the number of clusters in the population of the row's stratum,
        ``inf`` where no fpc is given; ``None`` when the design has no fpc at all (then only
        the first stage enters the variance, as with R's ``svydesign`` without ``fpc``).
    has_strata
        Whether strata were given.
    """

    strata: tuple[np.ndarray, ...]
    clusters: tuple[np.ndarray, ...]
    n_sampled: tuple[np.ndarray, ...]
    population: tuple[np.ndarray, ...] | None
    has_strata: bool

    @property
    def n_stages(self) -> int:
        return len(self.clusters)

    def one_cluster_per_row(self, stage: int = 0) -> bool:
        """Whether every row is its own cluster at ``stage``, in row order (``ids = ~1``):
        then a cluster's sums are its row's values and a group's clusters its rows."""
        clusters = self.clusters[stage]
        return bool(len(clusters) == 0 or (clusters[-1] == len(clusters) - 1 and (
            clusters == np.arange(len(clusters))).all()))

    def fpc_weights(self) -> np.ndarray:
        """Weights implied by the fpc: the product over stages of N/n."""
        if self.population is None:
            raise ArgumentError("no weights and no fpc given: cannot derive sampling weights")
        weight = np.ones(len(self.clusters[0]))
        for population, sampled in zip(self.population, self.n_sampled, strict=True):
            weight = weight * population / sampled
        return weight


def _column(data: pd.DataFrame, name: str, role: str) -> pd.Series:
    if name not in data.columns:
        raise ArgumentError(
            f"SurveyDesign: {role}={name!r} is not a column of the data"
            f"{did_you_mean(name, map(str, data.columns))}"
        )
    values = data[name]
    if values.isna().any():
        row = int(np.flatnonzero(values.isna().to_numpy())[0])
        raise DataError(
            f"SurveyDesign: {role} column {name!r} is missing in row {row + 1}; every "
            "respondent needs a value (drop incomplete rows before building the design)"
        )
    return values


def _names(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def build_structure(
    data: pd.DataFrame,
    ids: str | Sequence[str] | None,
    strata: str | Sequence[str] | None,
    fpc: str | Sequence[str] | None,
    nest: bool,
) -> Structure:
    """Build the stage structure from the design columns (R's ``svydesign`` rules)."""
    n = len(data)
    id_names = _names(ids)
    stages = max(1, len(id_names))
    if id_names:
        id_codes = [_codes(_column(data, name, "ids")) for name in id_names]
    else:
        id_codes = [np.arange(n, dtype=np.int64)]
    strata_names = _names(strata)
    has_strata = bool(strata_names)
    if len(strata_names) > stages:
        raise ArgumentError(f"SurveyDesign: {len(strata_names)} strata variables for {stages} "
                          "stage(s); give at most one per stage")
    strata_codes = ([_codes(_column(data, name, "strata")) for name in strata_names]
                    or [np.zeros(n, dtype=np.int64)])
    # Codes are 0 … k−1 (factorised, or row numbers): k distinct values.
    if _count_codes(id_codes[0]) == 1 and not (nest and has_strata):
        raise DataError("SurveyDesign: the design has only one primary sampling unit; a "
                        "variance cannot be estimated (check ids=)")
    for stage in range(1, stages):
        id_codes[stage] = combine_codes(*id_codes[: stage + 1])
    if nest and has_strata:
        for stage in range(stages):
            layers = strata_codes[: min(stage + 1, len(strata_codes))]
            id_codes[stage] = combine_codes(*layers, id_codes[stage])
    first_pairs = None  # distinct (stratum, PSU) pairs of stage 1, when they are needed
    if has_strata and not nest:
        first_pairs = _distinct(_pair_codes(strata_codes[0], id_codes[0]))
        if len(first_pairs) > _count_codes(id_codes[0]):
            raise DataError(
                "SurveyDesign: the same PSU id occurs in more than one stratum; PSU ids are "
                "probably numbered within strata: pass nest=True"
            )
    stage_strata = [strata_codes[0]]
    for stage in range(1, stages):
        own = strata_codes[min(stage, len(strata_codes) - 1)]
        stage_strata.append(combine_codes(own, id_codes[stage - 1]))
    n_sampled = tuple(_count_distinct_within(s, c, first_pairs if stage == 0 else None)
                      for stage, (s, c) in enumerate(zip(stage_strata, id_codes, strict=True)))
    population = _population(data, _names(fpc), stages, stage_strata, n_sampled)
    return Structure(tuple(stage_strata), tuple(id_codes), n_sampled, population, has_strata)


def _population(data: pd.DataFrame, fpc_names: list[str], stages: int,
                strata: list[np.ndarray], n_sampled: tuple[np.ndarray, ...]
                ) -> tuple[np.ndarray, ...] | None:
    if not fpc_names:
        return None
    if len(fpc_names) != stages:
        raise ArgumentError(f"SurveyDesign: fpc names {len(fpc_names)} column(s) for "
                          f"{stages} stage(s); give one fpc per stage")
    values = [pd.to_numeric(_column(data, name, "fpc"), errors="coerce").to_numpy(float)
              for name in fpc_names]
    stacked = np.stack(values, axis=1)
    if np.isnan(stacked).any():
        raise DataError("SurveyDesign: fpc columns must be numeric")
    as_sizes = bool((stacked > 1).any())
    if as_sizes and not (stacked >= 1).all():
        raise DataError("SurveyDesign: an fpc mixes population sizes (> 1) and sampling "
                        "fractions (≤ 1); give all stages in one form")
    population = []
    for stage, (name, fpc) in enumerate(zip(fpc_names, values, strict=True)):
        size = fpc if as_sizes else n_sampled[stage] / fpc
        if (size < n_sampled[stage] - 1e-9).any():
            row = int(np.flatnonzero(size < n_sampled[stage] - 1e-9)[0])
            raise DataError(
                f"SurveyDesign: fpc {name!r} in row {row + 1} implies a population of "
                f"{size[row]:g} but {n_sampled[stage][row]} units were sampled in that "
                "stratum; check the fpc (population count, or fraction ≤ 1)"
            )
        varies = pd.Series(size).groupby(strata[stage]).nunique()
        if (varies > 1).any():
            raise DataError(f"SurveyDesign: fpc {name!r} varies within a stratum at stage "
                            f"{stage + 1}; it must be constant per stratum")
        population.append(size)
    return tuple(population)
