"""Models on groups of respondents alike in every variable of the formula and the outcome.

A likelihood that is a weighted sum over respondents of a function of (x, y) is the same
sum over the distinct (x, y) with summed weights: on a million respondents a few thousand
rows. `respondent_groups` finds the groups; `respondent_influence` turns the groups' score
rows back into every respondent's influence values, in the form the variance engine reads
without a million × k dense matrix.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from surveykit.design.sparse_variance import ProjectedInfluence
from surveykit.models.cell_matrix import distinct_groups

if TYPE_CHECKING:
    from surveykit.design import SurveyDesign

__all__ = ["group_sums", "respondent_groups", "respondent_influence"]

_OUTCOME_CODE = "__surveykit_outcome_code__"


def respondent_groups(design: SurveyDesign, frame: Any, y: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray] | None:
    """Groups of the model's respondents alike in every variable of the formula and in the
    outcome (`surveykit.models.cell_matrix.distinct_groups`); None where they do not pay."""
    data, used = design._data, frame.used
    if not all(name in data.columns for name in frame.variables):
        return None
    return distinct_groups(data.loc[used, frame.variables].assign(**{_OUTCOME_CODE: y}))


def respondent_influence(values: np.ndarray, w: np.ndarray,
                          groups: tuple[np.ndarray, np.ndarray] | None, used: np.ndarray,
                          projection: np.ndarray | None = None
                          ) -> np.ndarray | ProjectedInfluence:
    """Influence values of every respondent (n × k, zero outside the model) from rows of
    ``values`` times ``projection``: per respondent (``groups`` None), or per group.

    Scores and influence values are a respondent's weight times a function of x and y, so
    a respondent's row is its weight's share of its group's row: one entry per respondent
    (its share, in its group's column) times the groups' rows, which the variance engine
    takes as they are (`surveykit.design.sparse_variance.ProjectedInfluence`) instead of a
    million × k dense matrix.
    """
    rows = values if projection is None else values @ projection
    if groups is None:
        influence = np.zeros((len(used), rows.shape[1]))
        influence[used] = rows
        return influence
    group = groups[0]
    total = group_sums(groups, w)[group]
    share = np.divide(w, total, out=np.zeros(len(w)), where=total != 0)
    return ProjectedInfluence.of_respondents(used, group, share, len(rows), rows)


def group_sums(groups: tuple[np.ndarray, np.ndarray] | None, values: np.ndarray
               ) -> np.ndarray:
    """Per-respondent ``values`` summed per group (as they are where ``groups`` is None):
    the weights of a likelihood on groups."""
    return values if groups is None else np.bincount(groups[0], weights=values,
                                                     minlength=len(groups[1]))
