"""Tests of independence in a two-way table for complex samples, as R's ``svychisq``.

The Pearson X² of the weighted table is too large under clustering and unequal weights.
Rao & Scott correct it with the eigenvalues δ of the generalised design-effect matrix
``Δ = (C'D⁻¹C/n)⁻¹ (C'D⁻¹ V D⁻¹ C)`` (V the design-based covariance of the cell
proportions, D their diagonal, C the interaction contrasts):

* ``"F"`` (default, second-order): ``F = X² / Σδ`` on ``d₀ = (Σδ)² / Σδ²`` and ``d₀·ν``
  degrees of freedom (fractional; ν the design's degrees of freedom);
* ``"Chisq"`` (first-order): ``X² / mean(δ)`` against χ² with (r−1)(c−1) df;
* ``"Wald"``, ``"adjWald"``: Koch-type Wald tests of ``N_ij − N_i· N_·j / N = 0`` on the
  estimated population table, referred to F with ν (or ν − d + 1) denominator df.

The covariance comes from the design's ``linear_estimate``, so replicate designs are tested
with their replicate variance, as R's ``svychisq.svyrep.design``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from surveykit._core.distributions import chi2_sf, f_sf
from surveykit._core.errors import ArgumentError, DataError
from surveykit._core.messages import did_you_mean

__all__ = ["STATISTICS", "ChisqResult", "chisq"]

#: Test statistics of R's ``svychisq`` implemented here.
STATISTICS = ("F", "Chisq", "Wald", "adjWald")

_RAO_SCOTT = "Pearson's X^2: Rao & Scott adjustment"
_WALD = "Design-based Wald test of association"


@dataclass(frozen=True)
class ChisqResult:
    """The result of a design-based test of independence.

    Attributes
    ----------
    statistic
        F statistic (``"F"``, ``"Wald"``, ``"adjWald"``) or the Pearson X² of the weighted
        table scaled to the sample size (``"Chisq"``, whose p-value uses X² / mean(δ)).
    p_value
        Upper-tail p-value.
    statistic_name
        ``"F"`` or ``"X-squared"`` (R's names).
    method
        R's description of the test.
    df
        Degrees of freedom of the χ² reference (``"Chisq"`` only).
    ndf, ddf
        Numerator and denominator degrees of freedom of the F reference (F-type tests).
    test
        The statistic asked for: ``"F"``, ``"Chisq"``, ``"Wald"`` or ``"adjWald"``.
    row, column
        The two variables.
    pearson
        The uncorrected Pearson X² of the weighted table scaled to the sample size.
    design_effects
        Eigenvalues δ of the generalised design-effect matrix (Rao–Scott tests only).
    """

    statistic: float
    p_value: float
    statistic_name: str
    method: str
    df: float | None = None
    ndf: float | None = None
    ddf: float | None = None
    test: str = "F"
    row: str = ""
    column: str = ""
    pearson: float = float("nan")
    design_effects: tuple[float, ...] = ()
    cells: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False, compare=False)

    def table(self, wide: bool = False) -> pd.DataFrame:
        """Weighted cell proportions of the table (respondents with both values).

        Parameters
        ----------
        wide
            ``False`` (default): one row per cell, indexed by (row level, column level),
            with ``estimate`` (cell proportion), ``se``, ``total`` (weighted count) and
            ``n`` (unweighted count). ``True``: the proportions as an r × c table.
        """
        if not wide:
            return self.cells.copy()
        # levels in the order of the table (unstack would sort them)
        rows = self.cells.index.get_level_values(0).unique()
        columns = self.cells.index.get_level_values(1).unique()
        shares = self.cells["estimate"].to_numpy().reshape(len(rows), len(columns))
        return pd.DataFrame(shares, index=rows, columns=columns)


# ---------------------------------------------------------------------- the table


@dataclass(frozen=True)
class _Table:
    """Integer cell codes of the respondents and the levels of both margins."""

    row_levels: list
    column_levels: list
    cell: np.ndarray          # per respondent: row + n_rows · column, −1 if not in the table
    complete: np.ndarray      # respondents with both values and a non-zero weight
    has_missing: bool
    n_design: int             # respondents with a non-zero weight (R's nrow(design))

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.row_levels), len(self.column_levels)

    def indicators(self) -> np.ndarray:
        """n × (r·c) cell indicators, rows varying fastest (R's interaction order)."""
        n_cells = self.shape[0] * self.shape[1]
        matrix = np.zeros((len(self.cell), n_cells))
        rows = np.flatnonzero(self.complete)
        matrix[rows, self.cell[rows]] = 1.0
        return matrix


def _column(data: pd.DataFrame, name: str) -> pd.Series:
    if name not in data.columns:
        raise ArgumentError(f"no variable {name!r} in the design's data"
                          f"{did_you_mean(name, map(str, data.columns))}")
    return data[name]


def _present_levels(values: pd.Series, rows: np.ndarray) -> list:
    """Levels present among ``rows`` (R's ``factor()`` of the column: unused levels drop)."""
    present = values[rows].dropna()
    if isinstance(values.dtype, pd.CategoricalDtype):
        seen = set(present.unique())
        return [level for level in values.cat.categories if level in seen]
    return sorted(present.unique().tolist())


def _codes(values: pd.Series, levels: list) -> np.ndarray:
    """Level codes 0 … k−1; −1 for a missing value or a level not in ``levels``."""
    return pd.Categorical(values, categories=levels).codes.astype(np.int64)


def _build_table(design, row: str, column: str) -> _Table:
    data = design._data
    row_values, column_values = _column(data, row), _column(data, column)
    in_design = np.asarray(design.weights) != 0
    row_levels = _present_levels(row_values, in_design)
    column_levels = _present_levels(column_values, in_design)
    for name, levels in ((row, row_levels), (column, column_levels)):
        if len(levels) < 2:
            raise DataError(f"{name!r} has {len(levels)} level(s) among the respondents; a "
                            "test of independence needs at least two in each variable")
    row_codes, column_codes = _codes(row_values, row_levels), _codes(column_values,
                                                                     column_levels)
    missing = (row_codes < 0) | (column_codes < 0)
    complete = in_design & ~missing
    cell = np.where(complete, row_codes + len(row_levels) * column_codes, -1)
    return _Table(row_levels, column_levels, cell, complete,
                  bool((in_design & missing).any()), int(in_design.sum()))


def _check_margins(table: _Table, counts: np.ndarray, row: str, column: str) -> None:
    """Refuse a table with an empty row or column: its expected counts would be zero."""
    n_rows, _ = table.shape
    for axis, name, levels in ((1, row, table.row_levels), (0, column, table.column_levels)):
        margin = counts.reshape(-1, n_rows).T.sum(axis=axis)
        empty = np.flatnonzero(margin == 0)
        if empty.size:
            other = column if name == row else row
            raise DataError(f"level {levels[empty[0]]!r} of {name!r} has no respondent with "
                            f"a value of {other!r} (an empty margin); drop or merge the level")


def _pearson(totals: np.ndarray, n_rows: int, size: float) -> float:
    """Pearson X² of the weighted table scaled to ``size`` respondents (R's
    ``chisq.test(svytable(..., Ntotal=size))``)."""
    counts = totals.reshape(-1, n_rows).T * size / totals.sum()
    expected = np.outer(counts.sum(axis=1), counts.sum(axis=0)) / counts.sum()
    return float(((counts - expected) ** 2 / expected).sum())


def _cell_frame(table: _Table, share: np.ndarray, covariance: np.ndarray,
                totals: np.ndarray, counts: np.ndarray, row: str, column: str
                ) -> pd.DataFrame:
    index = pd.MultiIndex.from_product([table.row_levels, table.column_levels],
                                       names=[row, column])
    n_rows, n_columns = table.shape
    # cells are stored with rows varying fastest; the frame lists rows first
    order = (np.arange(n_rows)[:, None] + n_rows * np.arange(n_columns)[None, :]).ravel()
    return pd.DataFrame({
        "estimate": share[order],
        "se": np.sqrt(np.clip(np.diag(covariance), 0, None))[order],
        "total": totals[order],
        "n": counts[order].astype(np.int64),
    }, index=index)


# ---------------------------------------------------------------------- the tests


def _interaction_contrasts(n_rows: int, n_columns: int) -> np.ndarray:
    """R's ``Cmat``: interaction columns of the saturated model, residualised on the
    main-effects model (cells with rows varying fastest)."""
    rows = np.tile(np.arange(n_rows), n_columns)
    columns = np.repeat(np.arange(n_columns), n_rows)
    main = np.column_stack([np.ones(n_rows * n_columns)]
                           + [(rows == i).astype(float) for i in range(1, n_rows)]
                           + [(columns == j).astype(float) for j in range(1, n_columns)])
    interaction = np.column_stack([((rows == i) & (columns == j)).astype(float)
                                   for j in range(1, n_columns) for i in range(1, n_rows)])
    q, _ = np.linalg.qr(main)
    return interaction - q @ (q.T @ interaction)


def _design_effect_matrix(share: np.ndarray, covariance: np.ndarray, n_rows: int,
                          n_columns: int, size: float) -> np.ndarray:
    """Rao–Scott's generalised design-effect matrix Δ."""
    contrasts = _interaction_contrasts(n_rows, n_columns)
    with np.errstate(divide="ignore"):
        inverse = np.where(share == 0, 0.0, 1 / share)
    scaled = contrasts * inverse[:, None]
    denominator = contrasts.T @ scaled / size
    numerator = scaled.T @ covariance @ scaled
    return np.linalg.solve(denominator, numerator)


def _rao_scott(table: _Table, share: np.ndarray, covariance: np.ndarray,
               totals: np.ndarray, statistic: str, nu: float) -> dict:
    n_rows, n_columns = table.shape
    size = float(table.n_design)
    delta = _design_effect_matrix(share, covariance, n_rows, n_columns, size)
    pearson = _pearson(totals, n_rows, size)
    trace, trace_square = np.trace(delta), np.trace(delta @ delta)
    effects = tuple(sorted(np.linalg.eigvals(delta).real.tolist(), reverse=True))
    common = {"method": _RAO_SCOTT, "pearson": pearson, "design_effects": effects}
    if statistic == "F":
        d0 = trace**2 / trace_square
        value = pearson / trace
        return {"statistic": value, "p_value": float(f_sf(value, d0, d0 * nu)),
                "statistic_name": "F", "ndf": float(d0), "ddf": float(d0 * nu), **common}
    df = delta.shape[1]
    p_value = float(chi2_sf(pearson / np.mean(np.diag(delta)), df))
    return {"statistic": pearson, "p_value": p_value, "statistic_name": "X-squared",
            "df": float(df), **common}


def _wald(design, table: _Table, statistic: str, nu: float) -> dict:
    n_rows, n_columns = table.shape
    n_cells = n_rows * n_columns
    cells = table.indicators()
    rows = cells.reshape(len(cells), n_columns, n_rows).sum(axis=1)
    columns = cells.reshape(len(cells), n_columns, n_rows).sum(axis=2)
    one = table.complete[:, None].astype(float)
    totals, covariance = design.linear_estimate(np.hstack([cells, rows, columns, one]))
    row_totals = totals[n_cells:n_cells + n_rows]
    column_totals = totals[n_cells + n_rows:n_cells + n_rows + n_columns]
    population = totals[-1]
    cell_row = np.tile(np.arange(n_rows), n_columns)
    cell_column = np.repeat(np.arange(n_columns), n_rows)
    in_row = (cell_row[:, None] == np.arange(n_rows)).astype(float)
    in_column = (cell_column[:, None] == np.arange(n_columns)).astype(float)
    # derivatives of Y_ij = N_ij − N_i· N_·j / N with respect to (N_ij, N_i·, N_·j, N)
    jacobian = np.hstack([
        np.eye(n_cells),
        -in_row * (column_totals[cell_column] / population)[:, None],
        -in_column * (row_totals[cell_row] / population)[:, None],
        (row_totals[cell_row] * column_totals[cell_column] / population**2)[:, None],
    ])
    deviation = totals[:n_cells] - row_totals[cell_row] * column_totals[cell_column] \
        / population
    variance = jacobian @ covariance @ jacobian.T
    use = (cell_row > 0) & (cell_column > 0)
    try:
        quadratic = float(deviation[use] @ np.linalg.solve(variance[np.ix_(use, use)],
                                                           deviation[use]))
    except np.linalg.LinAlgError as error:
        raise DataError(f"{statistic}: the design-based covariance of the table is "
                        "singular (no variation between PSUs); use statistic='F'") from error
    ndf = (n_rows - 1) * (n_columns - 1)
    if statistic == "Wald":
        value, ddf = quadratic / ndf, nu
    else:
        ddf = nu - ndf + 1
        if ddf <= 0:
            raise DataError(f"adjWald needs more design degrees of freedom ({nu:g}) than "
                            f"the table's {ndf} contrasts; use statistic='F'")
        value = quadratic * ddf / (ndf * nu)
    return {"statistic": value, "p_value": float(f_sf(value, ndf, ddf)),
            "statistic_name": "F", "ndf": float(ndf), "ddf": float(ddf), "method": _WALD}


def chisq(design, row: str, column: str, statistic: str = "F", na_rm: bool = True
          ) -> ChisqResult:
    """Design-based test of independence of two categorical variables (R's ``svychisq``).

    Parameters
    ----------
    design
        A `SurveyDesign` or `ReplicateDesign`.
    row, column
        The two variables (any type; each distinct value is a level).
    statistic
        ``"F"`` (Rao–Scott second-order correction, default), ``"Chisq"`` (first-order
        correction), ``"Wald"`` or ``"adjWald"`` (Koch-type Wald tests).
    na_rm
        Leave out respondents with a missing value in either variable (default). With
        ``False`` and missing values present, statistic and p-value are NaN, as in R.

    Returns
    -------
    ChisqResult
        ``statistic``, ``p_value``, ``df`` or ``ndf``/``ddf``; ``.table()`` gives the
        weighted cell proportions.

    Notes
    -----
    As R: the design's degrees of freedom ν count all respondents with a non-zero weight;
    the weighted table is scaled to that number of respondents (including those with a
    missing value) before X² is computed, which matters only for the reported X² of
    ``"Chisq"`` — the F statistics and all p-values do not depend on the scaling.

    Examples
    --------
    >>> result = d.chisq("sch.wide", "stype")          # doctest: +SKIP
    >>> result.statistic, result.ndf, result.ddf       # doctest: +SKIP
    (5.1934, 1.4946, 20.925)
    """
    if statistic not in STATISTICS:
        raise ArgumentError(f"statistic={statistic!r} is not known; use one of "
                          f"{', '.join(STATISTICS)}")
    if row == column:
        raise ArgumentError(f"row and column are both {row!r}; give two different variables")
    table = _build_table(design, row, column)
    n_rows = table.shape[0]
    weights = np.asarray(design.weights, dtype=float)
    complete_cells = table.cell[table.complete]
    n_cells = n_rows * table.shape[1]
    totals = np.bincount(complete_cells, weights=weights[table.complete], minlength=n_cells)
    counts = np.bincount(complete_cells, minlength=n_cells)
    _check_margins(table, totals, row, column)
    nu = float(design.degf)
    complete = np.repeat(table.complete[:, None].astype(float), n_cells, axis=1)
    share, covariance = design.linear_estimate(table.indicators(), complete)
    if statistic in ("Wald", "adjWald"):
        fields = _wald(design, table, statistic, nu)
    else:
        fields = _rao_scott(table, share, covariance, totals, statistic, nu)
    fields.setdefault("pearson", _pearson(totals, n_rows, float(table.n_design)))
    cells = _cell_frame(table, share, covariance, totals, counts, row, column)
    if table.has_missing and not na_rm:
        fields.update(statistic=float("nan"), p_value=float("nan"))
    return ChisqResult(statistic=float(fields.pop("statistic")), test=statistic, row=row,
                       column=column, cells=cells, **fields)
