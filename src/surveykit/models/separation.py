"""Separation in a binary logit: which published numbers it makes meaningless.

When every respondent of a category gives the same answer (all willing to move, or none),
the likelihood has no maximum: the category's coefficient drifts towards ±∞, its odds ratio
comes out as 1e-8 or 1e8 with a "p = 0", and its average marginal effect gets a standard
error that is far too small (the delta method sees a flat curve). Such a number must never
be read as a finding. This module finds the affected parameters from the data themselves
(a 0/1 column of the model matrix within which the outcome is constant), plus any
coefficient that diverged for another reason (|β| > 15 on the logit scale, an odds ratio
beyond 3·10⁶), and marks them in the published tables: the ``flag`` column says
``separation`` and the estimate, interval and p-value are left blank.

The remedy is in the config: merge the level with a neighbouring one (``map:`` or ``bins:``
of the concept) or leave the predictor out of the model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from surveykit.models.frame import INTERCEPT, ModelFrame, level_name

if TYPE_CHECKING:
    from surveykit.models.base import ModelResult

__all__ = ["DIVERGED", "FLAG", "SeparatedLevel", "flag_effects", "flag_odds_ratios",
           "separated_levels", "separation_message"]

#: The value of the ``flag`` column of a separated parameter or effect.
FLAG = "separation"
#: |coefficient| beyond which a logit coefficient is taken as diverged (odds ratio > 3·10⁶).
DIVERGED = 15.0
#: Columns blanked in a flagged row: no absurd number can be read as a finding.
_ODDS_COLUMNS = ("odds_ratio", "ci_low", "ci_high", "p_value")
_EFFECT_COLUMNS = ("ame", "se", "ci_low", "ci_high", "p_value")


@dataclass(frozen=True)
class SeparatedLevel:
    """A level of a predictor whose coefficients the data cannot estimate.

    Attributes
    ----------
    term
        The predictor (term label, e.g. ``age_group``).
    level
        The level as the model names it (``18-29``; ``1``/``0`` for a 0/1 predictor), or
        the parameter's name for a coefficient that diverged without a constant level.
    outcome
        The one outcome value (0 or 1) every respondent of the level has; ``None`` for a
        diverged coefficient.
    n
        Respondents in the level (in the model).
    parameters
        The parameters it makes inestimable (a reference level: all of its term's and the
        intercept).
    reference
        Whether the level is the term's reference level.
    """

    term: str
    level: str
    outcome: int | None
    n: int
    parameters: tuple[str, ...]
    reference: bool = False

    def record(self) -> dict[str, object]:
        """JSON-ready description (for ``models.json``)."""
        return {"term": self.term, "level": self.level, "outcome": self.outcome,
                "n": self.n, "parameters": list(self.parameters),
                "reference": self.reference}


def _reference_level(model: ModelResult, term: str, levels: list[str]) -> str:
    """The level of ``term`` that has no column (the reference), as the model names it."""
    reference = model.frame.references.get(term)
    if reference is not None:
        return level_name(reference)
    column = model.design._data[term] if term in model.design._data.columns else None
    if column is not None and isinstance(column.dtype, pd.CategoricalDtype):
        rest = [level_name(c) for c in column.cat.categories if level_name(c) not in levels]
        if len(rest) == 1:
            return rest[0]
    return "0" if levels == ["1"] else "(reference)"


def separated_levels(model: ModelResult) -> list[SeparatedLevel]:
    """The levels (and diverged coefficients) of a binary logit that separation affects.

    Parameters
    ----------
    model
        A fitted binary logit (`surveykit.models.glm.GLMResult`, family binomial).

    Returns
    -------
    list of SeparatedLevel
        In the order of the model's terms; empty when every coefficient is estimable.
    """
    frame = model.frame
    counts = _outcome_counts(frame)
    found: list[SeparatedLevel] = []
    covered: set[str] = set()
    for term, columns in frame.terms.items():
        if term == INTERCEPT or not columns or ":" in term:
            continue  # an interaction: only the divergence check below applies
        block = counts(columns)
        if block is None:
            continue  # a numeric predictor: only the divergence check below applies
        names = [frame.names[j] for j in columns]
        levels = [name[len(term):] if name.startswith(term) and name != term else "1"
                  for name in names]
        for (n, ones), name, level in zip(block[:-1], names, levels, strict=True):
            if n and ones in (0, n):
                found.append(SeparatedLevel(term, level, int(ones == n), n, (name,)))
                covered.add(name)
        n, ones = block[-1]
        if n and ones in (0, n):
            parameters = (*names, INTERCEPT) if INTERCEPT in frame.names else tuple(names)
            found.append(SeparatedLevel(term, _reference_level(model, term, levels),
                                        int(ones == n), n, parameters, reference=True))
            covered.update(parameters)
    for name, value in model.params.items():
        if name not in covered and name != INTERCEPT and abs(float(value)) > DIVERGED:
            term = next((t for t, columns in frame.terms.items()
                         if frame.names.index(name) in columns), name)
            found.append(SeparatedLevel(term, str(name), None, 0, (str(name),)))
    return found


def _outcome_counts(frame: ModelFrame) -> Callable[[list[int]], list[tuple[int, int]] | None]:
    """For a term's columns: the respondents in the model with each of its levels and how
    many of them have the outcome (1), then the same for those with none of its levels (the
    reference); None where the columns are not 0/1 level indicators (at most one per row).

    From the cell form where the frame gives one (each cell's respondents and outcomes,
    counted once), so that a million respondents need no n × p model matrix; else from the
    matrix.
    """
    used = frame.used
    y = frame.y if used.all() else frame.y[used]
    cells = frame.cells()
    if cells is None:
        # no copy of the model matrix when every row is used (a million respondents)
        X = frame.X if used.all() else frame.X[used]

        def from_matrix(columns: list[int]) -> list[tuple[int, int]] | None:
            block = X[:, columns]
            if not (np.isin(block, (0.0, 1.0)).all() and (block.sum(axis=1) <= 1).all()):
                return None
            groups = [block[:, index] == 1 for index in range(len(columns))]
            groups.append(block.sum(axis=1) == 0)
            return [(int(group.sum()), int(np.count_nonzero(y[group]))) for group in groups]
        return from_matrix
    size = cells.n_cells
    respondents = np.bincount(cells.cells, minlength=size)
    positive = np.bincount(cells.cells[y != 0], minlength=size)
    present = respondents > 0
    place = {int(column): bit for bit, column in enumerate(cells.binary)}

    def from_cells(columns: list[int]) -> list[tuple[int, int]] | None:
        if any(column not in place for column in columns):
            return None
        table = cells.table[:, [place[column] for column in columns]]
        if (table[present].sum(axis=1) > 1).any():
            return None
        groups = [table[:, index] == 1 for index in range(len(columns))]
        groups.append(table.sum(axis=1) == 0)
        return [(int(respondents[group].sum()), int(positive[group].sum()))
                for group in groups]
    return from_cells


def flag_odds_ratios(odds: pd.DataFrame, separated: list[SeparatedLevel]) -> pd.DataFrame:
    """Odds-ratio table (``parameter`` column or index) with a ``flag`` column; flagged rows
    keep no number (odds ratio, interval, p-value blank).

    A row is flagged if its parameter is affected in the complete-case model (the same
    parameter of the pooled imputations rests on the same separated data) or if its own
    odds ratio diverged (beyond e^15).
    """
    out = odds.copy()
    names = out["parameter"] if "parameter" in out.columns else pd.Series(out.index,
                                                                          index=out.index)
    affected = {p for level in separated for p in level.parameters}
    ratio = pd.to_numeric(out["odds_ratio"], errors="coerce")
    with np.errstate(divide="ignore"):
        diverged = np.abs(np.log(ratio.to_numpy(dtype=float))) > DIVERGED
    flagged = names.astype(str).isin(affected).to_numpy() | diverged
    out["flag"] = np.where(flagged, FLAG, "")
    columns = [c for c in _ODDS_COLUMNS if c in out.columns]
    out[columns] = out[columns].astype(float)
    out.loc[flagged, columns] = np.nan
    return out


def _contrast_levels(contrast: str) -> set[str]:
    parts = contrast.split(" vs ", 1) if " vs " in contrast else [contrast]
    return {level_name(part.strip()) for part in parts}


def flag_effects(effects: pd.DataFrame, separated: list[SeparatedLevel]) -> pd.DataFrame:
    """AME table (columns ``variable, contrast, …``) with a ``flag`` column; a contrast that
    involves a separated level (on either side), or any contrast of a predictor with a
    diverged coefficient, keeps no number."""
    out = effects.copy()
    levels = {(s.term, level_name(s.level)) for s in separated if s.outcome is not None}
    diverged = {s.term for s in separated if s.outcome is None}
    flagged = np.array([
        str(variable) in diverged
        or any((str(variable), level) in levels for level in _contrast_levels(str(contrast)))
        for variable, contrast in zip(out["variable"], out["contrast"], strict=True)],
        dtype=bool)
    out["flag"] = np.where(flagged, FLAG, "")
    columns = [c for c in _EFFECT_COLUMNS if c in out.columns]
    out[columns] = out[columns].astype(float)
    out.loc[flagged, columns] = np.nan
    return out


def separation_message(level: SeparatedLevel, outcome: str, remedy: str) -> str:
    """One sentence for the console and ``models.json``: which term, what the data show,
    what is (not) published, and ``remedy`` (the config change that helps)."""
    if level.outcome is None:
        what = (f"the coefficient {level.level} of {level.term} diverged (|β| > "
                f"{DIVERGED:g}), a sign of (quasi-)separation")
    else:
        which = "the reference level " if level.reference else ""
        what = (f"{which}{level.term} = {level.level!r} is separated: all {level.n} "
                f"respondents in it have {outcome} = {level.outcome}")
    return (f"{what}, so its odds ratio and average marginal effect cannot be estimated; "
            f"tables/odds_ratios.csv and tables/ame.csv leave them blank with flag "
            f"'{FLAG}', and no strategy is based on them. {remedy}")
