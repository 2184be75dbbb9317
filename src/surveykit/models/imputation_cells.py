"""A chain's predictors as combined level codes: imputation models in cell form.

On large data each imputation model's predictors are a function of few cells (the level
codes of the other variables); `CellCodes` keeps one combined code per respondent up to date
as values are imputed, and gives a model as a `surveykit.models.cell_matrix.CellMatrix`
(`CellCodes.matrix`) or straight as counts per cell and level (`CellCodes.grouped`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from surveykit.models.cell_matrix import (
    BINCOUNT_BITS,
    CellGrid,
    CellMatrix,
    CodedPart,
    cell_table,
    cells_of_combined,
)
from surveykit.models.imputation_coding import Variable, block, level_codes, level_table
from surveykit.models.imputation_draws import GroupedCells

__all__ = ["CELL_SHARE", "GRID_LEVELS", "CellCodes", "move_to_end"]

#: At most this many cells per respondent: more, and the cell form of an imputation
#: model's predictors would not pay (a model whose columns all depend on the cell then
#: runs its Newton steps on the cells, so up to a quarter still pays).
CELL_SHARE = 0.25
#: A predictor with at least this many levels becomes the inner axis of a grid in the
#: chains' categorical models (`CellCodes.grouped`).
GRID_LEVELS = 8


class CellCodes:
    """A chain's predictors as one combined level code per respondent (a digit per
    predictor whose columns depend on a level), kept up to date as values are imputed.

    Each imputation model uses every predictor but its own variable; its cells are the
    combined code without that variable's digit, so one model's predictors cost two
    operations per respondent instead of one per predictor.
    """

    def __init__(self, variables: list[Variable], current: list[np.ndarray],
                 extras: list[Variable]) -> None:
        self.sources = [*extras, *variables]
        self.offset = len(extras)
        self.tables = [level_table(source) for source in self.sources]
        radices = [1 if table is None else len(table) for table in self.tables]
        self.usable = math.prod(radices) < 1 << 62  # the combined code fits an int64
        self.multipliers = [math.prod(radices[:k]) for k in range(len(radices))]
        self.space = math.prod(radices)
        n = len(current[0]) if current else 0
        self.codes: list[np.ndarray | None] = []
        self.total = np.zeros(n, dtype=np.int64)
        values = [source.values for source in extras] + current
        for table, source, column, multiplier in zip(self.tables, self.sources, values,
                                                     self.multipliers, strict=True):
            codes = None if table is None else level_codes(source, column)
            self.codes.append(codes)
            if codes is not None and self.usable:
                self.total += codes * multiplier
        #: Respondents per combined code, kept up to date by `update` once `grouped` has
        #: made it (a count over every respondent per model would cost more than the model).
        self._histogram: np.ndarray | None = None

    def _without_digits(self, combined: np.ndarray, sources: list[int]) -> np.ndarray:
        """``combined`` codes with the digits of ``sources`` taken out: the code of the
        remaining sources in the same mixed radix (highest digit first, so that the lower
        digits' multipliers stay valid)."""
        for source in sorted(sources, reverse=True):
            low = self.multipliers[source]
            high = low * (1 if self.tables[source] is None else len(self.tables[source]))
            combined = combined // high * low + combined % low
        return combined

    def update(self, j: int, rows: np.ndarray, values: np.ndarray) -> None:
        """Variable ``j`` took new ``values`` in ``rows`` (positions)."""
        k = self.offset + j
        codes = self.codes[k]
        if codes is None:
            return
        new = level_codes(self.sources[k], values)
        if self.usable:
            if self._histogram is not None:
                np.subtract.at(self._histogram, self.total[rows], 1)
            self.total[rows] += (new - codes[rows]) * self.multipliers[k]
            if self._histogram is not None:
                np.add.at(self._histogram, self.total[rows], 1)
        codes[rows] = new

    def _parts(self, j: int, current: list[np.ndarray] | None, inner: int | None = None
               ) -> tuple[list[CodedPart], list[tuple[np.ndarray, np.ndarray]], int]:
        """The coded parts and numeric blocks of ``[1, extras…, variables other than j]``
        and its number of columns (``current``: the chain's values, for numeric blocks).
        The part of source ``inner``, if given, comes last (the inner axis of a grid)."""
        parts = [CodedPart(np.ones((1, 1)), np.array([0]), 1)]
        last = []
        numeric = []
        column = 1
        skip = self.offset + j
        for k, (source, table) in enumerate(zip(self.sources, self.tables, strict=True)):
            if k == skip:
                continue
            width = 1 if table is None else table.shape[1]
            columns = np.arange(column, column + width)
            column += width
            if table is None:
                values = source.values if k < self.offset or current is None \
                    else current[k - self.offset]
                numeric.append((block(source, values), columns))
            elif width:
                (last if k == inner else parts).append(
                    CodedPart(table, columns, self.multipliers[k]))
        return parts + last, numeric, column

    def matrix(self, j: int, current: list[np.ndarray]) -> CellMatrix | None:
        """``[1, extras…, blocks of the variables other than j]`` in cell form."""
        if not self.usable:
            return None
        parts, numeric, columns = self._parts(j, current)
        skip = self.offset + j
        combined = self.total
        if self.codes[skip] is not None:
            combined = self.total - self.codes[skip] * self.multipliers[skip]
        return cells_of_combined(columns, combined, self.space, parts, numeric,
                                 share=CELL_SHARE)

    def grouped(self, j: int, rows: np.ndarray) -> GroupedCells | None:
        """Variable ``j``'s model as counts per cell and level, from one count of the
        combined codes of the respondents who answered (``rows``: the positions of those
        who did not); None where a predictor is numeric with many values, or where
        `matrix` would give no cell form.

        `matrix` followed by
        `surveykit.models.imputation_draws.fit_logit` counts the same cells and levels, but reads
        every respondent several times per model; here the respondents are read once, and
        the rest works on the table of codes: the same cells in the same order. Where a
        predictor has many levels (`GRID_LEVELS`), its levels become the inner axis of a
        grid (`surveykit.models.cell_matrix.CellGrid`) and the cells are those of the other
        predictors: the same model on far fewer cells (the same fit to rounding);
        otherwise the very same fit and draws as `matrix`.
        """
        k = self.offset + j
        if not self.usable or self.space > 1 << BINCOUNT_BITS or self.codes[k] is None \
                or any(table is None for table in self.tables):
            return None
        radices = [len(table) for table in self.tables]
        others = [s for s in range(len(self.sources)) if s != k]
        widest = max(others, key=lambda s: radices[s], default=None)
        inner = widest if widest is not None and radices[widest] >= GRID_LEVELS else None
        # The counts as an array with one axis per source (the first source varies
        # fastest), then: outer cells (the remaining sources, in the order of the combined
        # code) × inner level × level of j.
        outer_sources = [s for s in reversed(range(len(self.sources))) if s not in (k, inner)]
        outer_shape = tuple(radices[s] for s in outer_sources)
        axis = {s: len(self.sources) - 1 - s for s in range(len(self.sources))}
        levels_of_inner = radices[inner] if inner is not None else 1
        # the answers' codes: everyone's less the missing respondents' (``rows``)
        if self._histogram is None:
            self._histogram = np.bincount(self.total, minlength=self.space)
        missing_total = self.total[rows]
        answers = self._histogram.copy()
        np.subtract.at(answers, missing_total, 1)
        counts = move_to_end(answers, radices[::-1],
                             [axis[s] for s in (inner, k) if s is not None]
                             ).reshape(-1, levels_of_inner, radices[k])
        # The missing respondents' outer cells and inner levels from their combined codes
        # (one gather, not one per source): the outer cell is the combined code without
        # the digits of k and inner, which is the index `np.ravel_multi_index` gives for
        # the outer sources' codes in ``outer_shape``.
        missing_outer = self._without_digits(missing_total, [s for s in (k, inner)
                                                             if s is not None])
        missing_inner = missing_total // self.multipliers[inner] % radices[inner] \
            if inner is not None else np.zeros(len(rows), dtype=np.int64)
        # outer × inner: any answer in any level of j (a loop over the few levels: numpy's
        # reduction along an axis of two or three values is several times slower)
        answered = counts[:, :, 0] > 0
        for level in range(1, counts.shape[2]):
            answered |= counts[:, :, level] > 0
        cells = answered.copy()
        cells[missing_outer, missing_inner] = True
        everyone = cells.any(axis=1)
        # As `matrix`: where the cells would not pay, none (on a grid, its outer cells).
        if int(everyone.sum() if inner is not None else cells.sum()) \
                > int(CELL_SHARE * len(self.total)):
            return None
        compact = np.flatnonzero(everyone)
        combined = np.zeros(len(compact), dtype=np.int64)
        for source, levels in zip(outer_sources, np.unravel_index(compact, outer_shape),
                                  strict=True):
            combined += levels * self.multipliers[source]
        parts, _, columns = self._parts(j, None, inner)
        grid_part = parts[-1:] if inner is not None and self.tables[inner].shape[1] else []
        outer_columns, table = cell_table(combined, parts[:len(parts) - len(grid_part)])
        used = answered.any(axis=1)[compact]
        keep = np.zeros(columns, dtype=bool)
        keep[outer_columns] = np.ptp(table[used], axis=0) > 0  # mice's remove.lindep
        keep[0] = True
        missing_cells = (np.cumsum(everyone) - 1)[missing_outer]
        if inner is None:
            return GroupedCells(table[:, keep[outer_columns]]
                                 if not keep.all() else table, used,
                                 counts[compact[used], 0], missing_cells)
        if not grid_part:  # the inner predictor has no columns (one level observed)
            values, inner_columns = np.zeros((levels_of_inner, 0)), np.zeros(0, np.int64)
        else:
            values, inner_columns = grid_part[0].table, grid_part[0].columns
        keep[inner_columns] = np.ptp(values[answered.any(axis=0)], axis=0) > 0
        kept_outer, kept_inner = keep[outer_columns], keep[inner_columns]
        position = np.cumsum(keep) - 1
        # the grid's points: cells and inner levels with answers
        outer_of, inner_of = np.nonzero(answered[compact[used]])
        grid = CellGrid(table[used][:, kept_outer], values[:, kept_inner],
                        position[outer_columns[kept_outer]],
                        position[inner_columns[kept_inner]], outer_of, inner_of)
        return GroupedCells(table[:, kept_outer], used,
                             counts[compact[used][outer_of], inner_of], missing_cells,
                             grid, missing_inner)


def move_to_end(values: np.ndarray, shape: Sequence[int], axes: Sequence[int]
                 ) -> np.ndarray:
    """``values.reshape(shape)`` with ``axes`` moved to the end (in that order), the others
    kept in order, as an array; neighbouring kept axes are merged first, because a
    transposition of few axes copies much faster than one of a dozen."""
    cuts = sorted(axes)
    merged: list[int] = []
    start = 0
    for cut in cuts:
        merged += [math.prod(shape[start:cut]), shape[cut]]
        start = cut + 1
    merged.append(math.prod(shape[start:]))
    kept = [2 * i for i in range(len(cuts) + 1)]
    moved = [2 * cuts.index(a) + 1 for a in axes]
    return np.ascontiguousarray(values.reshape(merged).transpose([*kept, *moved]))


