"""The variance engine's route for sparse influence values (share tables' cell totals).

Each respondent adds to few of a share table's totals, so its influence values are a sparse
n × k matrix. Centring it within strata, or residualising it for raking, would fill it in:
at a million respondents and a hundred totals that is most of the estimate step's time and
memory. This route never fills it:

* ``Σ_c s_h (t_c − m_h)(t_c − m_h)'`` is expanded into ``t' S t`` minus stratum terms;
* a weight adjustment whose residuals are ``x − B f(L x)`` — with ``B`` and ``L`` one value
  per respondent in the column of its cell (raking, post-stratification) and ``f`` a linear
  map on the small table of cell sums — is described by an `IndicatorCorrection`. The
  residuals of all adjustments in turn are ``x − Σ_a B_a C_a`` with small coefficient
  tables ``C_a``, and every product the variance needs is a ``np.bincount`` over the
  non-zero influence values or over the respondents.

The tables that depend only on the design (not on the influence values) are kept for the
last few designs, since a share-table step asks the same design for many tables.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["IndicatorCorrection", "ProjectedInfluence", "RespondentEntries",
           "corrected_influence", "sparse_stage_covariance"]


@dataclass(frozen=True, eq=False)
class IndicatorCorrection:
    """A weight adjustment's residuals as ``x − B · coefficients(L · x)``.

    Attributes
    ----------
    codes, size
        Each respondent's cell (0 … size−1): the one column of ``B`` and ``L`` it is in.
    basis
        Per respondent: its value in ``B`` (n × size).
    reading
        Per respondent: its value in ``L`` (size × n), which sums influence values to cells.
    coefficients
        The linear map from the size × k cell sums ``L x`` to the size × k table ``C``.
    """

    codes: np.ndarray
    size: int
    basis: np.ndarray
    reading: np.ndarray
    coefficients: Callable[[np.ndarray], np.ndarray]

    def __post_init__(self) -> None:
        # int64 codes: index arithmetic on them (code × columns) must not overflow
        object.__setattr__(self, "codes", np.asarray(self.codes, dtype=np.int64))


@dataclass(frozen=True, eq=False)
class RespondentEntries:
    """A sparse n × k matrix whose rows (respondents in ``used``) hold one entry per slot.

    Per slot, ``columns`` gives the column of each used respondent's entry (an array), or
    one column for all of them (an int: a numeric predictor's column), and ``values`` the
    entries (an array over the used respondents). The variance engine sums such entries
    per cluster straight from the slots, without the compressed matrix (`matrix`).
    """

    used: np.ndarray
    columns: tuple[np.ndarray | int, ...]
    values: tuple[np.ndarray, ...]
    n_columns: int

    def matrix(self) -> Any:
        """The CSR matrix: row by row the entries are already in slot order, so it is made
        from the arrays themselves, without a sort."""
        from scipy import sparse

        used, width, rows = self.used, len(self.columns), len(self.values[0])
        index = np.int32 if max(rows * width, self.n_columns) < 2**31 - 1 else np.int64
        if used.all():  # every respondent: the rows start every ``width`` entries
            pointers = np.arange(0, (len(used) + 1) * width, width, dtype=index)
        else:  # (a cumulative sum into another integer type runs a slow casting loop)
            pointers = np.zeros(len(used) + 1, dtype=index)
            np.cumsum(np.multiply(used, width, dtype=index), out=pointers[1:])
        if width == 1 and not isinstance(self.columns[0], (int, np.integer)):
            # one entry each (a share table's): the arrays as they are
            columns = np.asarray(self.columns[0]).astype(index, copy=False)
            values = np.ascontiguousarray(self.values[0])
        else:
            columns = np.empty((rows, width), dtype=index)
            values = np.empty((rows, width))
            for slot, (column, value) in enumerate(zip(self.columns, self.values,
                                                       strict=True)):
                columns[:, slot] = column
                values[:, slot] = value
        return sparse.csr_matrix((values.ravel(), columns.ravel(), pointers),
                                 shape=(len(used), self.n_columns))

    def column_sums(self) -> np.ndarray:
        """The sums of the matrix's columns (k,), entry by entry in row order as the CSR
        matrix's ``sum(axis=0)`` adds them."""
        sums = np.zeros(self.n_columns)
        for column, values in zip(self.columns, self.values, strict=True):
            if isinstance(column, (int, np.integer)):
                sums[column] += values.sum()
            else:
                sums += np.bincount(column, weights=values, minlength=self.n_columns)
        return sums

    def cluster_totals(self, clusters: np.ndarray, n_clusters: int) -> np.ndarray:
        """The sums per cluster (``clusters``: each respondent's, all n) as a dense
        clusters × k array: one count per slot, and for a slot with one column a count
        per cluster alone."""
        owner = clusters if self.used.all() else clusters[self.used]
        owner = owner.astype(np.intp, copy=False)
        k = self.n_columns
        totals = np.zeros((n_clusters, k))
        for column, values in zip(self.columns, self.values, strict=True):
            if isinstance(column, (int, np.integer)):
                totals[:, column] += np.bincount(owner, weights=values, minlength=n_clusters)
            else:
                totals += np.bincount(owner * k + column, weights=values,
                                      minlength=n_clusters * k).reshape(n_clusters, k)
        return totals


@dataclass(frozen=True, eq=False)
class ProjectedInfluence:
    """Influence values given as ``matrix @ projection``: sparse n × k times dense k × p.

    A model whose 0/1 predictors take few combinations (cells) has influence values
    ``r_i x_i' A``: each respondent's working residual in the column of its cell (and times
    each numeric predictor in a column of its own), times a k × p matrix. The variance is
    bilinear in the influence values, so the variance engine sums the sparse matrix as a
    share table's, and applies ``projection`` to its small tables as soon as it can: a
    million × p dense influence matrix is never made. Where that route does not apply,
    ``np.asarray`` gives the dense values. ``source`` is the sparse matrix, or its
    respondents' entries (`RespondentEntries`), from which it is made when first asked for.
    """

    source: Any
    projection: np.ndarray

    @property
    def entries(self) -> RespondentEntries | None:
        return self.source if isinstance(self.source, RespondentEntries) else None

    @functools.cached_property
    def matrix(self) -> Any:
        """The sparse n × k matrix (CSR)."""
        entries = self.entries
        return self.source if entries is None else entries.matrix()

    @property
    def shape(self) -> tuple[int, int]:
        entries = self.entries
        rows = self.source.shape[0] if entries is None else len(entries.used)
        return rows, self.projection.shape[1]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self.matrix @ self.projection, dtype=dtype or float)

    def totals(self) -> np.ndarray:
        """The influence values summed over the respondents (p,)."""
        entries = self.entries
        sums = np.asarray(self.source.sum(axis=0)).ravel() if entries is None \
            else entries.column_sums()
        return sums @ self.projection

    @classmethod
    def of_respondents(cls, used: np.ndarray, columns: np.ndarray | Sequence[Any],
                       values: np.ndarray | Sequence[np.ndarray], n_columns: int,
                       projection: np.ndarray) -> ProjectedInfluence:
        """The influence of respondents who each hold the same number of entries.

        ``columns`` and ``values`` have one row per respondent in ``used`` (a boolean mask
        over all n), with the respondent's entries in column order (or one entry each, as
        vectors); the others hold none. Or, slot by slot, sequences of per-respondent
        arrays, where a slot's column may be one int for all (`RespondentEntries`).
        """
        if isinstance(columns, np.ndarray):
            columns = columns.reshape(len(columns), -1)
            columns = tuple(columns[:, slot] for slot in range(columns.shape[1]))
            values = np.asarray(values, dtype=float).reshape(len(values), -1)
            values = tuple(values[:, slot] for slot in range(values.shape[1]))
        return cls(RespondentEntries(used, tuple(columns),
                                     tuple(np.asarray(v, dtype=float) for v in values),
                                     n_columns), projection)


def _table(first: np.ndarray, n_first: int, second: np.ndarray, n_second: int,
           weights: np.ndarray) -> np.ndarray:
    """``Σ weights`` by (first, second) as an n_first × n_second array."""
    flat = first.astype(np.int64) * n_second + second
    return np.bincount(flat, weights=weights, minlength=n_first * n_second).reshape(
        n_first, n_second)


@dataclass(frozen=True)
class _DesignTables:
    """What the singleton route needs of the design alone, per pair of adjustments."""

    reading_basis: dict[tuple[int, int], np.ndarray]   # L_a B_b
    basis_basis: dict[tuple[int, int], np.ndarray]     # B_a' D B_b
    strata_basis: list[np.ndarray]                     # stratum sums of B_a
    # Per respondent, what the adjustments sum to cells: column 2a its value in L_a,
    # column 2a + 1 in D B_a (row-major, so that one pass reads a respondent's row).
    per_respondent: np.ndarray                         # n × 2A
    shared_codes: np.ndarray | None                    # the cells, if all A share them


#: At most this many cluster × column sums are counted into a dense table
#: (`_cluster_totals`) rather than summed by a sparse product.
_DENSE_TOTALS = 1 << 22

#: At most this many (cell, column, adjustment) sums are computed in one pass by
#: `_singleton_corrections` (32 MB: a logit's ~900 cells and numeric columns × 240 raking
#: cells × 5 adjustments, three times faster than counting, fit); above, each adjustment's
#: tables are counted on their own.
_PRODUCT_SUMS = 1 << 22

_CACHE: list[tuple[tuple[Any, ...], _DesignTables]] = []
_CACHE_SIZE = 4


def _design_tables(corrections: Sequence[IndicatorCorrection], scale: np.ndarray,
                   strata: np.ndarray, n_strata: int, key: tuple[Any, ...]) -> _DesignTables:
    for cached_key, tables in _CACHE:
        if len(cached_key) == len(key) and all(a is b for a, b in zip(cached_key[:-1],
                                                                       key[:-1],
                                                                       strict=True)) \
                and np.array_equal(cached_key[-1], key[-1]):
            return tables
    reading_basis, basis_basis = {}, {}
    for a, first in enumerate(corrections):
        for b, second in enumerate(corrections):
            if b < a:
                reading_basis[a, b] = _table(first.codes, first.size, second.codes,
                                             second.size, first.reading * second.basis)
            if b >= a:
                basis_basis[a, b] = _table(first.codes, first.size, second.codes,
                                           second.size, scale * first.basis * second.basis)
    per_respondent = np.empty((len(scale), 2 * len(corrections)))
    for a, correction in enumerate(corrections):
        per_respondent[:, 2 * a] = correction.reading
        per_respondent[:, 2 * a + 1] = scale * correction.basis
    # Successive adjustments of one weighting (raking, then trimming, then raking again)
    # usually have the same cells: then one (cell, column) index serves them all.
    first = corrections[0]
    shared = all(c.size == first.size and (c.codes is first.codes
                                           or np.array_equal(c.codes, first.codes))
                 for c in corrections[1:])
    tables = _DesignTables(reading_basis, basis_basis,
                           [_table(strata, n_strata, c.codes, c.size, c.basis)
                            for c in corrections],
                           per_respondent, first.codes if shared else None)
    _CACHE.insert(0, (key, tables))
    del _CACHE[_CACHE_SIZE:]
    return tables


def _singleton_corrections(matrix: Any, corrections: Sequence[IndicatorCorrection],
                           scale: np.ndarray, strata: np.ndarray, n_strata: int,
                           key: tuple[Any, ...], projection: np.ndarray | None = None
                           ) -> tuple[np.ndarray, np.ndarray]:
    """With one respondent per cluster: the terms the adjustments add to ``t' S t`` and to
    the stratum sums, ``(C'B'DBC − X'DBC − (X'DBC)', Σ_a (H B_a) C_a)``; of ``X P`` where a
    ``projection`` P is given (then the coefficient tables C are of ``X P``)."""
    n, k = matrix.shape
    width = k if projection is None else projection.shape[1]
    per_row = np.diff(matrix.indptr)
    columns = matrix.indices
    tables = _design_tables(corrections, scale, strata, n_strata, key)
    # All adjustments in one pass where they share their cells and k is small (a share
    # table's patterns): the matrix's entries moved to the column (cell, column) of their
    # respondent's cell, transposed, times the respondents' rows of L_a and D B_a values
    # (scipy's CSC product adds each entry's value times its respondent's row): the same
    # sums in the same order as one bincount per column. Where k is large (a grouped
    # model's thousands of groups) the product is slower than counting and its
    # size·k × 2A sums would take gigabytes: each adjustment's tables are counted.
    shared = tables.shared_codes
    if shared is not None and corrections[0].size * k * 2 * len(corrections) <= _PRODUCT_SUMS:
        from scipy import sparse

        single = len(columns) == n and bool((per_row == 1).all())  # one entry each
        cells = shared if single else np.repeat(shared, per_row)
        moved = sparse.csr_matrix((matrix.data, cells * k + columns, matrix.indptr),
                                  shape=(n, corrections[0].size * k))
        sums, rows = moved.T @ tables.per_respondent, None
    else:
        sums, rows = None, np.repeat(np.arange(n), per_row)               # CSR: in order
    coefficients: list[np.ndarray] = []
    mixed = np.zeros((width, width))
    for a, correction in enumerate(corrections):
        # Both tables of the adjustment: L_a X and X' D B_a.
        if sums is not None:
            start = np.ascontiguousarray(sums[:, 2 * a]).reshape(correction.size, k)
            cross = np.ascontiguousarray(sums[:, 2 * a + 1]).reshape(correction.size, k)
        else:
            flat = correction.codes[rows] * k + columns
            start = np.bincount(flat, weights=matrix.data * correction.reading[rows],
                                minlength=correction.size * k).reshape(correction.size, k)
            cross = np.bincount(flat, weights=matrix.data
                                * tables.per_respondent[rows, 2 * a + 1],
                                minlength=correction.size * k).reshape(correction.size, k)
        if projection is not None:
            start, cross = start @ projection, cross @ projection
        for b, earlier in enumerate(coefficients):
            start -= tables.reading_basis[a, b] @ earlier
        coefficient = correction.coefficients(start)
        coefficients.append(coefficient)
        mixed += cross.T @ coefficient
    inner = np.zeros((width, width))
    for (a, b), table in tables.basis_basis.items():
        term = coefficients[a].T @ table @ coefficients[b]
        inner += term if a == b else term + term.T
    stratum_terms = sum(table @ coefficient for table, coefficient
                        in zip(tables.strata_basis, coefficients, strict=True))
    return inner - mixed - mixed.T, stratum_terms


def _corrections_as_matrices(matrix: Any, corrections: Sequence[IndicatorCorrection],
                             projection: np.ndarray | None = None
                             ) -> tuple[Any, np.ndarray]:
    """``basis`` (n × r, sparse) and ``coefficients`` (r × k): the residuals are
    ``matrix − basis @ coefficients`` (the general route, for clustered designs); of
    ``matrix @ projection`` where a projection is given (then r × p)."""
    from scipy import sparse

    n = matrix.shape[0]
    bases: list[Any] = []
    blocks: list[np.ndarray] = []
    for correction in corrections:
        reading = sparse.csr_matrix((correction.reading, (correction.codes, np.arange(n))),
                                    shape=(correction.size, n))
        start = _dense(reading @ matrix)
        if projection is not None:
            start = start @ projection
        if bases:
            start -= (reading @ sparse.hstack(bases, format="csc")).toarray() \
                @ np.vstack(blocks)
        bases.append(sparse.csc_matrix((correction.basis, (np.arange(n), correction.codes)),
                                       shape=(n, correction.size)))
        blocks.append(correction.coefficients(start))
    return sparse.hstack(bases, format="csc"), np.vstack(blocks)


def _singleton_cross(matrix: Any, scale: np.ndarray, per_cluster: Any,
                     projection: np.ndarray | None) -> np.ndarray:
    """``X' D X`` of a CSR matrix with one respondent per cluster (k × k, or ``P' X' D X P``
    p × p with a projection P; never a dense k × k then, k may be tens of thousands of
    groups). Where every respondent has at most one entry (a share table's or a grouped
    model's influence) ``X' D X`` is diagonal: one count over the entries."""
    per_row = np.diff(matrix.indptr)
    if per_row.max(initial=0) > 1:
        counted = _cross_of_fixed_rows(matrix, per_row, scale, projection)
        if counted is not None:
            return counted
        cross = matrix.T @ per_cluster @ matrix                       # sparse k × k
        return _dense(cross) if projection is None else projection.T @ _dense(
            cross @ projection)
    rows = np.flatnonzero(per_row)
    diagonal = np.bincount(matrix.indices, weights=scale[rows] * matrix.data ** 2,
                           minlength=matrix.shape[1])
    if projection is None:
        return np.diag(diagonal)
    return (projection * diagonal[:, None]).T @ projection


def _cross_of_fixed_rows(matrix: Any, per_row: np.ndarray, scale: np.ndarray,
                         projection: np.ndarray | None) -> np.ndarray | None:
    """``X' D X`` (or ``P' X' D X P``) counted entry by entry where every respondent has
    the same entries but one: its cell, and columns the same for all (a model's influence
    in cell form: the cell, then one column per numeric predictor). Then the products of
    two entries are one count per pair of positions; None where rows differ otherwise.
    """
    rows = np.flatnonzero(per_row)
    width = int(per_row[rows[0]])
    k = matrix.shape[1]
    if (per_row[rows] != width).any() or (projection is None and k * k > _DENSE_TOTALS):
        return None
    index = matrix.indices.reshape(-1, width)
    value = matrix.data.reshape(-1, width)
    fixed = [bool((index[:, a] == index[0, a]).all()) for a in range(width)]
    if sum(not f for f in fixed) > 1:
        return None
    basis = np.eye(k) if projection is None else projection           # k × p
    d = scale[rows]
    out = np.zeros((basis.shape[1], basis.shape[1]))
    for a in range(width):
        for b in range(a, width):
            weights = d * value[:, a] * value[:, b]
            if a == b:
                diagonal = np.bincount(index[:, a], weights=weights, minlength=k)
                out += (basis * diagonal[:, None]).T @ basis
                continue
            varying, constant = (a, b) if fixed[b] else (b, a)
            sums = np.bincount(index[:, varying], weights=weights, minlength=k)
            term = np.outer(basis.T @ sums, basis[index[0, constant]])
            out += term + term.T
    return out


def _strata_matrix(data: Any) -> Any:
    """The strata × clusters indicator matrix of a stage (sparse)."""
    from scipy import sparse

    return sparse.csr_matrix((np.ones(data.n_clusters),
                              (data.cluster_stratum, np.arange(data.n_clusters))),
                             shape=(data.n_strata, data.n_clusters))


def _singleton_stratum_sums(matrix: Any, data: Any, projection: np.ndarray | None
                            ) -> np.ndarray:
    """The sums of a CSR matrix's rows (one respondent per cluster) per stratum (H × k, or
    H × p times a projection): one count over the entries where the table is small, else
    a sparse product."""
    if data.n_strata * matrix.shape[1] > _DENSE_TOTALS:
        sums = _strata_matrix(data) @ matrix
        return _dense(sums) if projection is None else _dense(sums @ projection)
    sums = _cluster_totals(matrix, data.cluster_stratum, data.n_strata)
    return sums if projection is None else sums @ projection


def _counted(data: Any, k: int, projection: np.ndarray | None,
             corrections: Sequence[IndicatorCorrection]) -> bool:
    """Whether the clustered route sums the influence per cluster into a dense table
    (clusters × k small enough, no adjustments to residualise for)."""
    return projection is not None and not corrections and not data.singletons \
        and data.n_clusters * k <= _DENSE_TOTALS


def _cluster_totals(matrix: Any, clusters: np.ndarray, n_clusters: int) -> np.ndarray:
    """The sums of a sparse n × k matrix (CSR) per cluster, as a dense clusters × k array:
    one count over its entries (for few columns, where the result is small)."""
    k = matrix.shape[1]
    owner = np.repeat(clusters, np.diff(matrix.indptr))
    return np.bincount(owner * k + matrix.indices, weights=matrix.data,
                       minlength=n_clusters * k).reshape(n_clusters, k)


def _dense(product: Any) -> np.ndarray:
    """A product that is sparse or dense, as a dense array."""
    return product.toarray() if hasattr(product, "toarray") else np.asarray(product)


def corrected_influence(values: np.ndarray, corrections: Sequence[IndicatorCorrection]
                        ) -> np.ndarray:
    """Dense influence values residualised for every adjustment in turn.

    The same residuals as calling each adjustment's ``residualise`` in order, as
    ``x − Σ_a B_a C_a``: adjustment a's coefficients ``C_a`` come from the cell sums of
    ``x`` read by ``L_a``, less ``Σ_{b<a} (L_a B_b) C_b`` (small tables), so ``x`` is
    read once per adjustment and corrected once per adjustment at the end. A raked and
    trimmed design has several adjustments; residualising a million × p matrix through
    each in turn (each pass making new n × p arrays) was most of a large model's variance.
    """
    # Column by column: bincount and the gathers from the small coefficient tables read
    # contiguous columns, and no n × p temporary is made.
    residuals = np.array(values, dtype=float, order="F")
    k = residuals.shape[1]
    coefficients: list[np.ndarray] = []
    for a, correction in enumerate(corrections):
        start = np.empty((correction.size, k))
        for column in range(k):
            start[:, column] = np.bincount(correction.codes,
                                           weights=residuals[:, column] * correction.reading,
                                           minlength=correction.size)
        for earlier, coefficient in zip(corrections[:a], coefficients, strict=True):
            start -= _table(correction.codes, correction.size, earlier.codes, earlier.size,
                            correction.reading * earlier.basis) @ coefficient
        coefficients.append(correction.coefficients(start))
    for correction, coefficient in zip(corrections, coefficients, strict=True):
        for column in range(k):
            residuals[:, column] -= correction.basis * coefficient[correction.codes, column]
    return residuals


def sparse_stage_covariance(influence: Any, data: Any, lonely_psu: str,
                            corrections: Sequence[IndicatorCorrection] = (),
                            key: tuple[Any, ...] = (),
                            projection: np.ndarray | None = None) -> np.ndarray:
    """One stage's covariance of sparse influence values, residualised by ``corrections``.

    ``data`` is the variance engine's stage description (`surveykit.design.variance`);
    ``key`` identifies the design (its adjustments and structure) for the cache of design
    tables. With a ``projection`` P (k × p) it is the covariance of the influence values
    ``influence @ P``; a `ProjectedInfluence` brings its own.
    """
    from scipy import sparse

    entries = None
    if isinstance(influence, ProjectedInfluence):
        entries, projection = influence.entries, influence.projection
        if entries is None or not _counted(data, entries.n_columns, projection, corrections):
            entries, influence = None, influence.matrix
        else:
            influence = None
    # Row-wise: the singleton route reads the entries with their respondents in order (its
    # gathers of per-respondent values then walk memory forwards), the clustered one sums
    # rows into clusters.
    matrix = None
    if influence is not None:
        matrix = sparse.csr_matrix(influence)
        matrix.sum_duplicates()
    lonely = data.n_sampled == 1
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(lonely, data.finite,
                         data.finite * data.n_sampled / (data.n_sampled - 1))
    scale = np.where(data.finite < 1e-7, 0.0, scale)
    if lonely_psu in ("remove", "certainty"):
        scale = np.where(lonely, 0.0, scale)
    cluster_scale = scale[data.cluster_stratum] * data.multiplier
    per_cluster = sparse.diags(cluster_scale)
    if data.singletons:
        covariance = _singleton_cross(matrix, cluster_scale, per_cluster, projection)
        sums = _singleton_stratum_sums(matrix, data, projection)        # H × k (or × p)
        if corrections:
            extra, stratum_terms = _singleton_corrections(
                matrix, corrections, cluster_scale, data.cluster_stratum, data.n_strata,
                (*key, cluster_scale), projection)
            covariance += extra
            sums -= stratum_terms
    else:
        strata = _strata_matrix(data)
        rows = len(data.cluster_codes)
        if matrix is None:  # clusters × p: dense and small, straight from the entries
            totals = entries.cluster_totals(data.cluster_codes, data.n_clusters) @ projection
        elif _counted(data, matrix.shape[1], projection, corrections):
            totals = _cluster_totals(matrix, data.cluster_codes, data.n_clusters) @ projection
        else:
            grouping = sparse.csr_matrix((np.ones(rows), (data.cluster_codes,
                                                          np.arange(rows))),
                                         shape=(data.n_clusters, rows))
            totals = sparse.csc_matrix(grouping @ matrix)
            if projection is not None:
                totals = _dense(totals @ projection)
        covariance = _dense(totals.T @ per_cluster @ totals)
        sums = _dense(strata @ totals)
        if corrections:
            basis, coefficients = _corrections_as_matrices(matrix, corrections, projection)
            basis_totals = sparse.csc_matrix(grouping @ basis)
            sums -= _dense(strata @ basis_totals) @ coefficients
            mixed = _dense(totals.T @ per_cluster @ basis_totals) @ coefficients
            inner = _dense(basis_totals.T @ per_cluster @ basis_totals)
            covariance += coefficients.T @ inner @ coefficients - mixed - mixed.T
    centre = sums / data.n_sampled[:, None]
    if lonely_psu == "adjust":
        centre[lonely] = 0.0
    cross = (sums * scale[:, None]).T @ centre
    covariance -= cross + cross.T
    covariance += (centre * (scale * data.n_sampled)[:, None]).T @ centre
    return covariance
