"""A model matrix whose 0/1 columns take few combinations: products on the table of cells.

Categorical predictors, 0/1 predictors and the intercept give columns that are 0 or 1, and
on a million respondents they take only a few hundred combinations ("cells"). The IRLS of a
GLM needs ``X'WX``, ``X'Wz`` and ``Xβ`` in every iteration. With the respondents' cell codes,
the 0/1 part of those products is a ``np.bincount`` of the weights per cell followed by a
product with the small cell table; only the other (numeric) columns are touched per
respondent. The arithmetic is the same sums in another order, so results agree with the
dense products to rounding.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from surveykit._core.factorize import present_in_span

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CellGrid", "CellMatrix", "CodedPart", "cell_matrix", "cell_table",
           "cells_of_bit_codes", "cells_of_combined", "coded_cell_matrix", "distinct_groups"]

#: Below this many rows the dense products are fast enough (and results stay bit-identical).
CELL_MINIMUM = 20_000
#: At most this many 0/1 columns (their combination is packed into the bits of an integer).
MAX_BINARY = 40
#: Bits for which the cell codes are counted with a bincount instead of sorted.
BINCOUNT_BITS = 22


@dataclass(frozen=True)
class CellMatrix:
    """A model matrix as cells of its 0/1 columns plus its other columns.

    Attributes
    ----------
    cells
        Each respondent's cell (0 … K−1).
    table
        K × q: the 0/1 columns' values in each cell.
    binary, other
        Column indices of the 0/1 columns and of the others.
    values
        n × (p − q) the other columns (column-major).
    """

    cells: np.ndarray
    table: np.ndarray
    binary: np.ndarray
    other: np.ndarray
    values: np.ndarray

    @property
    def n_cells(self) -> int:
        return self.table.shape[0]

    @property
    def shape(self) -> tuple[int, int]:
        """``(n, p)`` of the matrix it stands for."""
        return len(self.cells), len(self.binary) + len(self.other)

    def rows(self, selected: np.ndarray) -> CellMatrix:
        """The matrix of the rows ``selected`` (a boolean mask), on the same cell table."""
        return CellMatrix(self.cells[selected], self.table, self.binary, self.other,
                          np.asfortranarray(self.values[selected]))

    def varying(self) -> np.ndarray:
        """Per column: does it take more than one value in these rows?"""
        varies = np.empty(self.shape[1], dtype=bool)
        present = np.bincount(self.cells, minlength=self.n_cells) > 0
        varies[self.binary] = np.ptp(self.table[present], axis=0) > 0
        if len(self.other):
            varies[self.other] = np.ptp(self.values, axis=0) > 0
        return varies

    def columns(self, keep: np.ndarray) -> CellMatrix:
        """The matrix of the columns ``keep`` (a boolean mask), renumbered in order."""
        position = np.cumsum(keep) - 1
        kept_binary, kept_other = keep[self.binary], keep[self.other]
        return CellMatrix(self.cells, self.table[:, kept_binary],
                          position[self.binary[kept_binary]], position[self.other[kept_other]],
                          np.asfortranarray(self.values[:, kept_other]))

    def product(self, beta: np.ndarray) -> np.ndarray:
        """``X β`` for coefficients ``β`` of shape (p,) or (p, m)."""
        # np.take gathers faster than fancy indexing; a vector's few numeric columns are
        # added one by one (a matrix-vector product of one column costs four times more).
        eta = np.take(self.table @ beta[self.binary], self.cells, axis=0)
        if beta.ndim == 1:
            for position, column in enumerate(self.other):
                eta += self.values[:, position] * beta[column]
        elif len(self.other):
            eta += self.values @ beta[self.other]
        return eta

    def transpose_product(self, residuals: np.ndarray) -> np.ndarray:
        """``X' R`` for an n × m matrix ``R``."""
        out = np.empty((len(self.binary) + len(self.other), residuals.shape[1]))
        for column in range(residuals.shape[1]):
            out[self.binary, column] = self.table.T @ np.bincount(
                self.cells, weights=residuals[:, column], minlength=self.n_cells)
        if len(self.other):
            out[self.other] = self.values.T @ residuals
        return out

    def gram(self, weights: np.ndarray) -> np.ndarray:
        """``X' diag(weights) X``."""
        return self.cross(weights, np.zeros(0))[0]

    def cross(self, working: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``X' W X`` and ``X' W z`` for the working weights ``W`` and response ``z``."""
        return self.cross_and_sums(working, working * z if len(z) else z)

    def cross_and_sums(self, working: np.ndarray, r: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray]:
        """``X' diag(working) X`` and ``X' r`` (``r`` empty: the first alone).

        The IRLS asks for ``X' r`` with ``r`` the working weights times the working
        response, or the weighted residuals of a Newton step."""
        p = len(self.binary) + len(self.other)
        size = self.n_cells
        with_rhs = len(r) > 0  # gram() asks for X'WX alone
        cell_weight = np.bincount(self.cells, weights=working, minlength=size)
        cross = np.empty((p, p))
        rhs = np.empty(p)
        table = self.table
        b = self.binary
        cross[np.ix_(b, b)] = table.T @ (table * cell_weight[:, None])
        if with_rhs:
            rhs[b] = table.T @ np.bincount(self.cells, weights=r, minlength=size)
        for position, column in enumerate(self.other):
            values = self.values[:, position]
            weighted = working * values
            cell_sums = table.T @ np.bincount(self.cells, weights=weighted, minlength=size)
            cross[b, column] = cell_sums
            cross[column, b] = cell_sums
            for later, second in enumerate(self.other[position:], start=position):
                cross[column, second] = cross[second, column] = \
                    weighted @ self.values[:, later]
            if with_rhs:
                rhs[column] = values @ r
        return cross, rhs


def cell_matrix(X: np.ndarray, indicators: Sequence[int] = ()) -> CellMatrix | None:
    """The cell form of ``X``, or None if it would not pay (small n, many cells).

    ``indicators``: columns known to be 0/1 (the model frame's intercept and level
    indicators); the others are scanned.
    """
    n, p = X.shape
    if n < CELL_MINIMUM:
        return None
    known = set(indicators)
    binary = np.array([j for j in range(p) if j in known
                       or bool(np.all((X[:, j] == 0) | (X[:, j] == 1)))], dtype=np.int64)
    if len(binary) == 0 or len(binary) > MAX_BINARY:
        return None
    if all(np.isfinite(X[:, j]).all() for j in range(p) if j not in set(binary.tolist())):
        # One matrix-vector product (0 × the other columns): sums of distinct powers of two
        # below 2⁴⁰ are exact.
        powers = np.zeros(p)
        powers[binary] = 2.0 ** np.arange(len(binary))
        codes = (X @ powers).astype(np.int64)
    else:
        codes = np.zeros(n, dtype=np.int64)
        for bit, column in enumerate(binary):
            codes |= X[:, column].astype(np.int64) << bit
    other = np.array([j for j in range(p) if j not in set(binary.tolist())], dtype=np.int64)
    return cells_of_bit_codes(codes, binary, other, lambda: X[:, other])


def cells_of_bit_codes(codes: np.ndarray, binary: np.ndarray, other: np.ndarray,
                       other_values: Callable[[], np.ndarray]) -> CellMatrix | None:
    """`cell_matrix` from each row's code ``Σ_b 2^b x_b`` over the 0/1 columns ``binary``
    (bit b for the b-th of them): cells numbered in the order of their codes; None where
    more than one row in twenty would be a cell of its own. ``other_values()`` gives the
    other columns' n × (p − q) values (asked for only if the cells pay)."""
    n = len(codes)
    if len(binary) <= BINCOUNT_BITS:
        present = present_in_span(codes, 1 << len(binary))
        observed = np.flatnonzero(present)
        if len(observed) > n // 20:
            return None
        cells = np.take(np.cumsum(present) - 1, codes)
    else:
        observed, cells = np.unique(codes, return_inverse=True)
        if len(observed) > n // 20:
            return None
    table = ((observed[:, None] >> np.arange(len(binary))[None, :]) & 1).astype(float)
    return CellMatrix(cells.astype(np.intp, copy=False), table, binary, other,
                      np.asfortranarray(other_values()))


@dataclass(frozen=True)
class CodedPart:
    """A predictor whose columns are a function of a level code, as a digit of a combined
    code: ``level = (combined // multiplier) % len(table)``; ``table`` (L × w) holds its
    columns' values per level and ``columns`` the w column indices they fill."""

    table: np.ndarray
    columns: np.ndarray
    multiplier: int


def coded_cell_matrix(n_columns: int,
                      coded: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray]],
                      numeric: Sequence[tuple[np.ndarray, np.ndarray]],
                      share: float = 0.05) -> CellMatrix | None:
    """The cell form of a matrix given by its predictors rather than by its columns.

    Builds what `cell_matrix` would find in the dense matrix, without making it: the
    imputation models refit on a million rows hundreds of times, and building and scanning
    the dense matrix cost more than the fits.

    Parameters
    ----------
    n_columns
        Columns of the matrix (p).
    coded
        Predictors whose columns are a function of a level code: ``(codes, table,
        columns)`` with codes 0 … L−1 per row, the L × w table of their columns' values
        per level, and the w column indices they fill. An intercept is a predictor with
        one level.
    numeric
        The other predictors: ``(values, columns)`` with n × w values.
    share
        At most this many cells per row; otherwise the cells would not pay.

    Returns
    -------
    CellMatrix or None
        None where there would be more than ``share × n`` cells.
    """
    n = len(coded[0][0])
    radices = [len(table) for _, table, _ in coded]
    if math.prod(radices) >= 1 << 62:  # the combined code would overflow an int64
        return None
    combined = np.zeros(n, dtype=np.int64)
    parts = []
    multiplier = 1
    for (codes, table, columns), radix in zip(coded, radices, strict=True):
        if radix > 1:
            combined += codes.astype(np.int64) * multiplier
        parts.append(CodedPart(table, columns, multiplier))
        multiplier *= radix
    return cells_of_combined(n_columns, combined, multiplier, parts, numeric, share)


def cells_of_combined(n_columns: int, combined: np.ndarray, space: int,
                      parts: Sequence[CodedPart],
                      numeric: Sequence[tuple[np.ndarray, np.ndarray]],
                      share: float = 0.05) -> CellMatrix | None:
    """`coded_cell_matrix` from the combined codes (0 … ``space`` − 1) of its parts.

    A caller that refits while one predictor changes (the chained equations) keeps the
    combined code up to date instead of recombining every predictor.
    """
    n = len(combined)
    largest = int(share * n)
    if space <= 1 << BINCOUNT_BITS:
        present = np.bincount(combined, minlength=space) > 0
        observed = np.flatnonzero(present)
        if len(observed) > largest:
            return None
        cells = (np.cumsum(present) - 1)[combined]
    else:
        observed, cells = np.unique(combined, return_inverse=True)
        if len(observed) > largest:
            return None
    binary, table = cell_table(observed, parts)
    if numeric:
        other = np.concatenate([columns for _, columns in numeric]).astype(np.int64)
        values = np.asfortranarray(np.hstack([values for values, _ in numeric]))
    else:
        other, values = np.zeros(0, dtype=np.int64), np.empty((n, 0), order="F")
    if len(binary) + len(other) != n_columns:
        raise ValueError("coded_cell_matrix: the predictors do not fill the columns")
    return CellMatrix(cells.astype(np.intp, copy=False), table, binary, other, values)


def cell_table(observed: np.ndarray, parts: Sequence[CodedPart]
               ) -> tuple[np.ndarray, np.ndarray]:
    """The columns the ``parts`` fill and their values in each cell of ``observed``
    (combined codes): a K × q table, columns in the parts' order."""
    binary = np.concatenate([part.columns for part in parts]).astype(np.int64)
    table = np.empty((len(observed), len(binary)))
    position = 0
    for part in parts:
        width = len(part.columns)
        levels = (observed // part.multiplier) % len(part.table)
        table[:, position:position + width] = part.table[levels]
        position += width
    return binary, table


@dataclass(frozen=True)
class CellGrid:
    """A model matrix whose rows are points of a grid of two codes: row i holds
    ``outer[outer_of[i]]`` in the columns ``outer_columns`` and ``inner[inner_of[i]]`` in
    ``inner_columns``.

    Cells of many 0/1 columns times the levels of one predictor with many values (a
    0–10 score) are many rows of many columns; on the grid ``X'WX`` costs a few
    bincounts over the rows and products of the two small tables, not rows × columns².
    """

    outer: np.ndarray
    inner: np.ndarray
    outer_columns: np.ndarray
    inner_columns: np.ndarray
    outer_of: np.ndarray
    inner_of: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, p)`` of the matrix it stands for."""
        return len(self.outer_of), len(self.outer_columns) + len(self.inner_columns)

    def product(self, beta: np.ndarray) -> np.ndarray:
        """``X β`` for ``β`` of shape (p, m)."""
        return (self.outer @ beta[self.outer_columns])[self.outer_of] \
            + (self.inner @ beta[self.inner_columns])[self.inner_of]

    @functools.cached_property
    def _points(self) -> np.ndarray | None:
        """Each row's place in the full outer × inner table, where that table is not much
        larger than the rows: sums per outer and per inner row, and the sums of the mixed
        products, then come from one count per table instead of one per inner column."""
        size = len(self.outer) * len(self.inner)
        if size > max(4 * len(self.outer_of), 1 << 16):
            return None
        return self.outer_of.astype(np.int64) * len(self.inner) + self.inner_of

    def _table(self, values: np.ndarray) -> np.ndarray:
        """Sums of ``values`` per (outer, inner) pair: outer × inner."""
        return np.bincount(self._points, weights=values,
                           minlength=len(self.outer) * len(self.inner)).reshape(
            len(self.outer), len(self.inner))

    def _sums(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sums of ``values`` per outer and per inner row."""
        if self._points is not None:
            table = self._table(values)
            return table.sum(axis=1), table.sum(axis=0)
        return (np.bincount(self.outer_of, weights=values, minlength=len(self.outer)),
                np.bincount(self.inner_of, weights=values, minlength=len(self.inner)))

    def transpose_product(self, residuals: np.ndarray) -> np.ndarray:
        """``X' R`` for an n × m matrix ``R``."""
        out = np.empty((self.shape[1], residuals.shape[1]))
        for column in range(residuals.shape[1]):
            by_outer, by_inner = self._sums(residuals[:, column])
            out[self.outer_columns, column] = self.outer.T @ by_outer
            out[self.inner_columns, column] = self.inner.T @ by_inner
        return out

    def gram(self, weights: np.ndarray) -> np.ndarray:
        """``X' diag(weights) X``."""
        outer, inner = self.outer_columns, self.inner_columns
        if self._points is not None:
            table = self._table(weights)
            by_outer, by_inner = table.sum(axis=1), table.sum(axis=0)
            mixed = table @ self.inner                   # outer × inner columns
        else:
            by_outer, by_inner = self._sums(weights)
            mixed = np.column_stack([
                np.bincount(self.outer_of, weights=weights * self.inner[self.inner_of, c],
                            minlength=len(self.outer)) for c in range(self.inner.shape[1])]) \
                if self.inner.shape[1] else np.zeros((len(self.outer), 0))
        out = np.empty((self.shape[1], self.shape[1]))
        out[np.ix_(outer, outer)] = self.outer.T @ (self.outer * by_outer[:, None])
        out[np.ix_(inner, inner)] = self.inner.T @ (self.inner * by_inner[:, None])
        cross = self.outer.T @ mixed
        out[np.ix_(outer, inner)] = cross
        out[np.ix_(inner, outer)] = cross.T
        return out


def distinct_groups(columns: pd.DataFrame, share: float = 0.25
                    ) -> tuple[np.ndarray, np.ndarray] | None:
    """Respondents alike in all ``columns``: each row's group (0 … G−1) and the first row
    of each group; None below `CELL_MINIMUM` rows or with more than ``share`` × rows
    groups (then the grouping would not pay).

    A model's likelihood, average effects and margins are weighted sums of a function of
    a respondent's variables, so respondents alike in all of them can be taken together
    with their summed weight.
    """
    n = len(columns)
    if n < CELL_MINIMUM or columns.shape[1] == 0:
        return None
    group = columns.groupby(list(columns.columns), observed=True, dropna=False,
                            sort=False).ngroup().to_numpy()
    size = int(group.max()) + 1
    if size > int(share * n):
        return None
    first = np.empty(size, dtype=np.intp)
    first[group[::-1]] = np.arange(n)[::-1]
    return group, first
