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

from dataclasses import dataclass

import numpy as np

__all__ = ["CellMatrix", "cell_matrix"]

#: Below this many rows the dense products are fast enough (and results stay bit-identical).
CELL_MINIMUM = 20_000
#: At most this many 0/1 columns (their combination is packed into the bits of an integer).
_MAX_BINARY = 40
#: Bits for which the cell codes are counted with a bincount instead of sorted.
_BINCOUNT_BITS = 22


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

    def product(self, beta: np.ndarray) -> np.ndarray:
        """``X β`` for coefficients ``β`` of shape (p,) or (p, m)."""
        eta = (self.table @ beta[self.binary])[self.cells]
        if len(self.other):
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
        p = len(self.binary) + len(self.other)
        size = self.n_cells
        with_rhs = len(z) > 0  # gram() asks for X'WX alone
        weighted_z = working * z if with_rhs else z
        cell_weight = np.bincount(self.cells, weights=working, minlength=size)
        cross = np.empty((p, p))
        rhs = np.empty(p)
        table = self.table
        b = self.binary
        cross[np.ix_(b, b)] = table.T @ (table * cell_weight[:, None])
        if with_rhs:
            rhs[b] = table.T @ np.bincount(self.cells, weights=weighted_z, minlength=size)
        for position, column in enumerate(self.other):
            weighted = working * self.values[:, position]
            cell_sums = table.T @ np.bincount(self.cells, weights=weighted, minlength=size)
            cross[b, column] = cell_sums
            cross[column, b] = cell_sums
            for later, second in enumerate(self.other[position:], start=position):
                cross[column, second] = cross[second, column] = \
                    weighted @ self.values[:, later]
            if with_rhs:
                rhs[column] = weighted @ z
        return cross, rhs


def cell_matrix(X: np.ndarray) -> CellMatrix | None:
    """The cell form of ``X``, or None if it would not pay (small n, many cells)."""
    n, p = X.shape
    if n < CELL_MINIMUM:
        return None
    binary = np.array([j for j in range(p)
                       if bool(np.all((X[:, j] == 0) | (X[:, j] == 1)))], dtype=np.int64)
    if len(binary) == 0 or len(binary) > _MAX_BINARY:
        return None
    codes = np.zeros(n, dtype=np.int64)
    for bit, column in enumerate(binary):
        codes |= X[:, column].astype(np.int64) << bit
    if len(binary) <= _BINCOUNT_BITS:
        present = np.bincount(codes, minlength=1 << len(binary)) > 0
        observed = np.flatnonzero(present)
        if len(observed) > n // 20:
            return None
        position = np.cumsum(present) - 1
        cells = position[codes]
    else:
        observed, cells = np.unique(codes, return_inverse=True)
        if len(observed) > n // 20:
            return None
    table = ((observed[:, None] >> np.arange(len(binary))[None, :]) & 1).astype(float)
    other = np.array([j for j in range(p) if j not in set(binary.tolist())], dtype=np.int64)
    return CellMatrix(cells.astype(np.intp), table, binary, other,
                      np.asfortranarray(X[:, other]))
