"""The priority matrix: which deficits matter most for staying.

Every item (satisfaction with public transport, medical care, culture …) gets two
coordinates, both design-based with intervals:

* ``share_dissatisfied`` (x): the share of respondents dissatisfied with the item;
* ``importance`` (y, derived importance): how much more often the dissatisfied are
  willing to move than the others — the difference of the outcome's share between the two
  groups, in percentage points, with its design-based test (the same cell-versus-rest
  contrast as the share tables).

Items above both averages form the critical quadrant: a deficit many feel *and* one that
goes with wanting to leave. A stated-importance question would not be needed; the data say
what goes with the outcome (association, not cause).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from surveykit._core.errors import ArgumentError
from surveykit._core.messages import did_you_mean
from surveykit.estimation.share_tables import share_table

if TYPE_CHECKING:
    from surveykit.design import SurveyDesign

__all__ = ["QUADRANTS", "PriorityMatrix", "priority_matrix"]

#: Quadrant names (x high/low × y high/low relative to the items' averages).
QUADRANTS = {
    (True, True): "critical",
    (False, True): "maintain",
    (True, False): "irritant",
    (False, False): "low",
}


@dataclass(frozen=True)
class PriorityMatrix:
    """Items with their coordinates, intervals, bases, tests and quadrant.

    ``items`` has one row per item: ``item, share_dissatisfied, share_ci_low,
    share_ci_high, n, n_dissatisfied, importance, importance_ci_low, importance_ci_high,
    p_value, p_adjusted, quadrant``; ``x_threshold`` and ``y_threshold`` are the averages
    that split the quadrants.
    """

    outcome: str
    items: pd.DataFrame
    x_threshold: float
    y_threshold: float


def priority_matrix(design: SurveyDesign, items: Sequence[str], dissatisfied: Sequence[Any],
                    outcome: str, level: float = 0.95, correction: str = "holm"
                    ) -> PriorityMatrix:
    """Place items by share dissatisfied and by their association with the outcome.

    Parameters
    ----------
    design
        The weighted design.
    items
        Categorical item columns (e.g. satisfaction on a 5-point scale).
    dissatisfied
        The item levels that count as dissatisfied.
    outcome
        A 0/1 column (e.g. ``willing_to_move``).
    level
        Confidence level of the intervals.
    correction
        Multiple-testing correction of the importance tests across items.
    """
    data = design._data
    for name in [*items, outcome]:
        if name not in data.columns:
            raise ArgumentError(f"priority matrix: {name!r} is not a column"
                                f"{did_you_mean(name, map(str, data.columns))}")
    rows = []
    for item in items:
        values = data[item]
        known = set(values.dropna().unique().tolist())
        unknown = [level_ for level_ in dissatisfied if level_ not in known
                   and str(level_) not in set(map(str, known))]
        if len(unknown) == len(dissatisfied):
            raise ArgumentError(f"priority matrix: none of the dissatisfied levels "
                                f"{list(dissatisfied)} occurs in {item!r}")
        # Decided once per distinct value (a million respondents give a handful), by
        # value or by its text: "2" in a config matches the code 2.
        codes, distinct = pd.factorize(values)
        texts = {str(level_) for level_ in dissatisfied}
        wanted = list(dissatisfied)
        hit = np.array([level_ in wanted or str(level_) in texts
                        for level_ in distinct], dtype=float)
        flag = pd.Series(np.where(codes < 0, np.nan, hit[codes] if len(hit) else 0.0),
                         index=data.index).astype("Float64")
        working = design.with_data(data.assign(_dissatisfied=flag))
        share = share_table(working, "_dissatisfied", "binary", level=level).cells.iloc[0]
        split = share_table(working, outcome, "binary", by="_dissatisfied", level=level,
                            correction="none").cells
        inside = split[split["_dissatisfied"] == 1]
        if inside.empty:
            continue
        cell = inside.iloc[0]
        se = cell["difference_se"]
        quantile = _t_quantile(level, design.degf)
        rows.append({"item": item, "share_dissatisfied": share["estimate"],
                     "share_ci_low": share["ci_low"], "share_ci_high": share["ci_high"],
                     "n": int(share["n"]), "n_dissatisfied": int(cell["n"]),
                     "importance": cell["difference"],
                     "importance_ci_low": cell["difference"] - quantile * se,
                     "importance_ci_high": cell["difference"] + quantile * se,
                     "p_value": cell["p_value"]})
    frame = pd.DataFrame(rows)
    if frame.empty:
        raise ArgumentError("priority matrix: no item has dissatisfied respondents")
    frame["p_adjusted"] = _adjust(frame["p_value"].to_numpy(), correction)
    x_threshold = float(frame["share_dissatisfied"].mean())
    y_threshold = float(frame["importance"].mean())
    frame["quadrant"] = [QUADRANTS[(x >= x_threshold, y >= y_threshold)]
                         for x, y in zip(frame["share_dissatisfied"], frame["importance"],
                                         strict=True)]
    return PriorityMatrix(outcome=outcome, items=frame, x_threshold=x_threshold,
                          y_threshold=y_threshold)


def _t_quantile(level: float, degf: float) -> float:
    from surveykit.estimation.intervals import critical_value

    return float(critical_value(0.5 + level / 2, float(degf)))


def _adjust(p_values: np.ndarray, correction: str) -> np.ndarray:
    from surveykit.estimation.share_tables import adjust_p_values

    return adjust_p_values(p_values, correction)
