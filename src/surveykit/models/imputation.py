"""Multiple imputation of item non-response by chained equations, pooled by Rubin's rules.

`impute` completes a data set ``m`` times (MICE / fully conditional specification, van
Buuren 2018); `fit_imputed` fits a design-based model on each completed data set with the
*same* design and pools the fits (`pool`) into a `PooledResult`: Barnard–Rubin df, fractions
of missing information, the D1 Wald test and the complete-case fit beside them.

Examples
--------
>>> pooled = fit_imputed(design, "willing_to_move ~ age_group + leisure_satisfaction",
...                      m=20, seed=20261121)                        # doctest: +SKIP
>>> pooled.summary(); pooled.comparison()                            # doctest: +SKIP
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from surveykit._core.errors import ArgumentError, DataError
from surveykit._core.messages import did_you_mean
from surveykit.models.base import ModelResult
from surveykit.models.cell_matrix import (
    BINCOUNT_BITS,
    CELL_MINIMUM,
    CellGrid,
    CellMatrix,
    CodedPart,
    cell_matrix,
    cell_table,
    cells_of_combined,
)
from surveykit.models.frame import formula_variables
from surveykit.models.pooling import PooledResult, pool

if TYPE_CHECKING:
    from surveykit.design import SurveyDesign

__all__ = ["MODELS", "PooledResult", "fit_imputations", "fit_imputed", "impute", "pool",
           "pool_imputed"]

MODELS = ("logit", "glm", "ordinal_logit", "multinomial_logit")
DEFAULT_SEED = 20261121
RIDGE = 1e-5             # linear imputation model: ridge relative to diag(X'X), as mice
PRIOR_PRECISION = 1e-2   # logit imputation models: N(0, 100) prior keeps separation finite
_STRATUM_COLUMN = "__surveykit_stratum__"
#: A numeric variable with at most this many distinct values joins the cells of the
#: imputation models on large data (`_CellCodes`).
_FEW_VALUES = 64
#: At most this many cells per respondent: more, and the cell form of an imputation
#: model's predictors would not pay (a model whose columns all depend on the cell then
#: runs its Newton steps on the cells, so up to a quarter still pays).
_CELL_SHARE = 0.25
#: A predictor with at least this many levels becomes the inner axis of a grid in the
#: chains' categorical models (`_CellCodes.grouped`).
_GRID_LEVELS = 8

# Why not scikit-learn's IterativeImputer: it models every column as numeric (no logistic
# or multinomial models; categories come back as floats), its ``sample_posterior`` draws
# values from a normal around the posterior-mean prediction (no β* drawn per imputation:
# not proper) and it has no predictive mean matching. The chained equations are short.


@dataclass
class _Variable:
    """A column as the imputation models see it: numeric values or level codes."""

    name: str
    kind: str              # "numeric", "binary" or "categorical"
    values: np.ndarray     # float values, or level codes 0 … K−1; NaN where missing
    missing: np.ndarray
    levels: list | None = None
    centre: float = 0.0
    scale: float = 1.0
    dummies: np.ndarray = field(default_factory=lambda: np.empty(0))
    #: numeric: its observed values, sorted, where they are few (a rating scale, a score):
    #: imputed values are observed values, so the column is a function of a level code.
    distinct: np.ndarray | None = None


def _encode(series: pd.Series, name: str) -> _Variable:
    """Classify a column (binary, categorical or numeric) and code its values."""
    dtype = series.dtype
    missing = series.isna().to_numpy()
    if isinstance(dtype, pd.CategoricalDtype):
        levels = list(dtype.categories)
        values = series.cat.codes.to_numpy().astype(float)
    elif pd.api.types.is_bool_dtype(dtype):
        levels = [False, True]
        values = series.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    elif pd.api.types.is_numeric_dtype(dtype):
        values = series.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        observed = values[~missing]
        if np.isin(observed, (0.0, 1.0)).all():
            return _Variable(name, "binary", values, missing, [0, 1])
        centre = float(observed.mean()) if observed.size else 0.0
        scale = float(observed.std()) if observed.size > 1 else 0.0
        distinct = np.unique(observed)
        return _Variable(name, "numeric", values, missing, None, centre, scale or 1.0,
                         distinct=distinct if len(distinct) <= _FEW_VALUES else None)
    elif pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
        levels = sorted(series.dropna().unique().tolist(), key=str)
        values = pd.Categorical(series, categories=levels).codes.astype(float)
    else:
        raise ArgumentError(f"variable {name!r} has type {dtype}, which cannot be imputed; "
                          "convert it to numbers or categories first")
    values[missing] = np.nan
    kind = "binary" if len(levels) == 2 else "categorical"
    observed = np.unique(values[~missing]).astype(int)
    return _Variable(name, kind, values, missing, levels, dummies=observed[1:])


def _block(variable: _Variable, current: np.ndarray) -> np.ndarray:
    """Predictor columns of a variable: standardised value, 0/1, or level dummies."""
    if variable.kind == "numeric":
        return ((current - variable.centre) / variable.scale)[:, None]
    if variable.kind == "binary":
        return current[:, None]
    return (current[:, None] == variable.dummies[None, :]).astype(float)


def _restore(original: pd.Series, variable: _Variable, values: np.ndarray) -> pd.Series:
    """The completed column in the original dtype (categories and level order kept)."""
    dtype = original.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.Series(pd.Categorical.from_codes(values.astype(int), dtype=dtype),
                         index=original.index, name=original.name)
    if variable.kind == "numeric" or pd.api.types.is_numeric_dtype(dtype) or \
            pd.api.types.is_bool_dtype(dtype):
        return pd.Series(values, index=original.index, name=original.name).astype(dtype)
    labels = np.asarray(variable.levels, dtype=object)[values.astype(int)]
    return pd.Series(labels, index=original.index, name=original.name).astype(dtype)


# --------------------------------------------------------------------------- models

def _product(X: np.ndarray | CellMatrix, beta: np.ndarray) -> np.ndarray:
    """``X β`` for a dense matrix or its cell form."""
    return X.product(beta) if isinstance(X, CellMatrix) else X @ beta


def _draw_pmm(X_obs: np.ndarray | CellMatrix, y_obs: np.ndarray,
              X_mis: np.ndarray | CellMatrix, donors: int,
              rng: np.random.Generator) -> np.ndarray:
    """Bayesian linear regression + predictive mean matching (mice's ``pmm``, type 1).

    σ*² = RSS / χ²(n_obs − p), β* ~ N(β̂, σ*² (X'X)⁻¹) (Rubin 1987, p. 167); a missing value
    becomes the value of one of the ``donors`` respondents whose X β̂ is nearest its X β*.
    """
    n_obs, p = X_obs.shape
    if isinstance(X_obs, CellMatrix):
        crossprod = X_obs.gram(np.ones(n_obs))
        moment = X_obs.transpose_product(y_obs[:, None])[:, 0]
    else:
        crossprod = X_obs.T @ X_obs
        moment = X_obs.T @ y_obs
    crossprod[np.diag_indices(p)] += RIDGE * np.maximum(np.diag(crossprod), 1.0)
    inverse = np.linalg.inv(crossprod)
    inverse = (inverse + inverse.T) / 2
    beta = inverse @ moment
    fitted = _product(X_obs, beta)
    residual = y_obs - fitted
    sigma = np.sqrt(residual @ residual / rng.chisquare(max(n_obs - p, 1)))
    beta_star = beta + sigma * (np.linalg.cholesky(inverse) @ rng.standard_normal(p))
    order = _fitted_order(X_obs, beta, fitted)
    ranked, target = fitted[order], _product(X_mis, beta_star)
    k, rows = min(donors, n_obs), np.arange(len(target))
    width = min(2 * k, n_obs)
    # The k nearest of a sorted vector lie within k places of the insertion point.
    start = np.clip(np.searchsorted(ranked, target) - k, 0, n_obs - width)
    window = start[:, None] + np.arange(width)[None, :]
    nearest = np.argsort(np.abs(ranked[window] - target[:, None]), axis=1, kind="stable")
    pick = nearest[rows, rng.integers(0, k, size=len(target))]
    return y_obs[order[window[rows, pick]]]


def _fitted_order(X: np.ndarray | CellMatrix, beta: np.ndarray, fitted: np.ndarray
                  ) -> np.ndarray:
    """``np.argsort(fitted, kind="stable")``, faster where the fitted values are a function
    of few cells.

    Respondents are then sorted by the rank of their cell's value (equal values share a
    rank), which numpy's stable sort does in one counting pass for 16-bit keys: the same
    order, ties in row order, without comparing a million floats.
    """
    if not isinstance(X, CellMatrix) or len(X.other) or X.n_cells > 1 << 16:
        return np.argsort(fitted, kind="stable")
    values = X.table @ beta[X.binary]
    by_value = np.argsort(values, kind="stable")
    ordered = values[by_value]
    rank = np.empty(len(values), dtype=np.uint16)
    rank[by_value] = np.concatenate([[0], np.cumsum(ordered[1:] != ordered[:-1])])
    return np.argsort(rank[X.cells], kind="stable")


def _logit_information(X: np.ndarray, probs: np.ndarray, penalty: np.ndarray,
                       cells: CellMatrix | None = None,
                       frequency: np.ndarray | None = None) -> np.ndarray:
    """Penalised information matrix of a baseline-category logit (K − 1 blocks of p); rows
    count ``frequency`` times where given (grouped data)."""
    p, classes = X.shape[1], probs.shape[1]
    information = np.zeros((p * classes, p * classes))
    for a in range(classes):
        for b in range(a, classes):
            weight = probs[:, a] * (1 - probs[:, a]) if a == b else -probs[:, a] * probs[:, b]
            if frequency is not None:
                weight = weight * frequency
            if cells is not None:
                block = cells.gram(weight)
            elif a == b:  # X' W X with W ≥ 0 as a Gram matrix: the fast symmetric product
                root = X * np.sqrt(weight)[:, None]
                block = root.T @ root
            else:
                block = (X * weight[:, None]).T @ X
            information[a * p:(a + 1) * p, b * p:(b + 1) * p] = block
            information[b * p:(b + 1) * p, a * p:(a + 1) * p] = block.T
    return information + np.diag(np.tile(penalty, classes))


def _softmax(eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities of levels 1 … K−1 (level 0: linear predictor 0) and log normalisers."""
    top = np.maximum(eta.max(axis=1), 0.0)
    scaled = np.exp(eta - top[:, None])
    total = np.exp(-top) + scaled.sum(axis=1)
    return scaled / total[:, None], top + np.log(total)


def _fit_logit(X: np.ndarray | CellMatrix, codes: np.ndarray, classes: int,
               start: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Penalised ML of a baseline-category logit (Newton–Raphson with step halving):
    p × (K − 1) coefficients and the information matrix.

    On large data the products run on the cells of the 0/1 columns
    (`surveykit.models.cell_matrix`); where every column is a function of the cell, the
    likelihood depends only on each cell's count per level, and Newton runs on the cells.
    """
    cells = X if isinstance(X, CellMatrix) else cell_matrix(X)
    if cells is not None and not len(cells.other):
        counts = np.bincount(cells.cells * classes + codes,
                             minlength=cells.n_cells * classes).reshape(-1, classes)
        size = counts.sum(axis=1)
        used = size > 0
        grouped = np.zeros((int(used.sum()), X.shape[1]))
        grouped[:, cells.binary] = cells.table[used]
        return _newton(grouped, counts[used, 1:].astype(float), size[used].astype(float),
                       start, None)
    outcome = (codes[:, None] == np.arange(1, classes)[None, :]).astype(float)
    return _newton(X, outcome, None, start, cells)


def _newton(X: np.ndarray | CellMatrix, outcome: np.ndarray, frequency: np.ndarray | None,
            start: np.ndarray | None, cells: CellMatrix | None
            ) -> tuple[np.ndarray, np.ndarray]:
    """`_fit_logit`'s Newton–Raphson on rows with ``outcome`` (counts of levels 1 … K−1)
    and ``frequency`` (rows' sizes; None: one respondent each)."""
    p, classes = X.shape[1], outcome.shape[1] + 1

    def product(beta: np.ndarray) -> np.ndarray:
        return X @ beta if cells is None else cells.product(beta)
    penalty = np.full(p, PRIOR_PRECISION)
    penalty[0] = 0.0  # the intercept is free

    def objective(beta: np.ndarray) -> tuple[float, np.ndarray]:
        eta = product(beta)
        probs, log_norm = _softmax(eta)
        normaliser = log_norm.sum() if frequency is None else log_norm @ frequency
        return float(np.sum(outcome * eta) - normaliser
                     - 0.5 * np.sum(penalty[:, None] * beta**2)), probs

    beta = np.zeros((p, classes - 1)) if start is None else start.copy()
    current, probs = objective(beta)
    for _ in range(50):
        residuals = outcome - (probs if frequency is None else probs * frequency[:, None])
        gradient = (X.T @ residuals if cells is None else cells.transpose_product(residuals)) \
            - penalty[:, None] * beta
        information = _logit_information(X, probs, penalty, cells, frequency)
        step = np.linalg.solve(information, gradient.ravel(order="F"))
        step = step.reshape((p, classes - 1), order="F")
        scale = 1.0
        while True:
            candidate, candidate_probs = objective(beta + scale * step)
            if candidate >= current - 1e-10 or scale < 1e-6:
                break
            scale /= 2
        beta, current, probs = beta + scale * step, candidate, candidate_probs
        if np.max(np.abs(scale * step)) < 1e-5:
            break  # the information changes negligibly over so small a step
    return beta, information


def _draw_logit(X_obs: np.ndarray | CellMatrix, codes_obs: np.ndarray,
                X_mis: np.ndarray | CellMatrix, rng: np.random.Generator,
                start: np.ndarray | None
                ) -> tuple[np.ndarray, np.ndarray | None]:
    """Proper draws from a logistic or multinomial logit (mice's ``logreg``/``polyreg``).

    β* ~ N(β̂, I(β̂)⁻¹), then levels from their probabilities under β*. Only observed levels
    are modelled. Ordered categories use it too: it assumes no proportional odds, so it
    restricts no analysis model (at the price of more parameters).
    """
    # np.unique without its sort: the codes are small non-negative integers
    present = np.bincount(codes_obs.astype(np.int64)) > 0
    observed = np.flatnonzero(present)
    codes = (np.cumsum(present) - 1)[codes_obs.astype(np.int64)]
    if len(observed) == 1:
        return np.full(X_mis.shape[0], float(observed[0])), None
    classes = len(observed)
    if start is not None and start.shape != (X_obs.shape[1], classes - 1):
        start = None
    beta, information = _fit_logit(X_obs, codes, classes, start)
    return _draw_levels(beta, information, observed, lambda draw: _product(X_mis, draw),
                        X_mis.shape[0], rng), beta


def _draw_levels(beta: np.ndarray, information: np.ndarray, observed: np.ndarray,
                 product: Any, n_missing: int, rng: np.random.Generator) -> np.ndarray:
    """β* ~ N(β̂, I(β̂)⁻¹), then each missing value's level from its probabilities under
    β* (``product(β*)`` gives the missing rows' linear predictors)."""
    covariance = np.linalg.inv(information)
    root = np.linalg.cholesky((covariance + covariance.T) / 2)
    draw = beta + (root @ rng.standard_normal(beta.size)).reshape(beta.shape, order="F")
    probs = _softmax(product(draw))[0]
    below = np.cumsum(np.column_stack([1 - probs.sum(axis=1), probs[:, :-1]]), axis=1)
    chosen = (rng.random(n_missing)[:, None] > below).sum(axis=1)
    return observed[chosen].astype(float)


@dataclass(frozen=True)
class _GroupedCells:
    """A categorical imputation model on its cells, straight from the combined codes.

    ``table``: each cell's predictor columns (cells of all respondents, constant columns
    among the observed left out); ``used``: cells with observed values; ``counts``: per
    used cell, its observed respondents per level of the variable; ``missing_cells``: the
    cell of each respondent with a missing value.
    """

    table: np.ndarray
    used: np.ndarray
    counts: np.ndarray
    missing_cells: np.ndarray
    #: With a grid (its points: the used cells' inner levels with answers): ``table``
    #: holds the outer columns of every cell, ``counts`` is points × levels, and
    #: ``missing_inner`` the inner level of each missing respondent.
    grid: CellGrid | None = None
    missing_inner: np.ndarray | None = None


def _draw_logit_cells(model: _GroupedCells, rng: np.random.Generator,
                      start: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """`_draw_logit` for a model given by its cells' counts: the same fit and draws."""
    levels = model.counts.reshape(-1, model.counts.shape[-1])
    present = levels.sum(axis=0) > 0
    observed = np.flatnonzero(present)
    if len(observed) == 1:
        return np.full(len(model.missing_cells), float(observed[0])), None
    classes = len(observed)
    grid = model.grid
    p = model.table.shape[1] if grid is None else grid.shape[1]
    if start is not None and start.shape != (p, classes - 1):
        start = None
    counts = levels[:, observed]
    if grid is None:
        beta, information = _newton(model.table[model.used], counts[:, 1:].astype(float),
                                    counts.sum(axis=1).astype(float), start, None)
        return _draw_levels(beta, information, observed,
                            lambda draw: (model.table @ draw)[model.missing_cells],
                            len(model.missing_cells), rng), beta
    beta, information = _newton(grid, counts[:, 1:].astype(float),
                                counts.sum(axis=1).astype(float), start, grid)

    def missing_eta(draw: np.ndarray) -> np.ndarray:
        return (model.table @ draw[grid.outer_columns])[model.missing_cells] \
            + (grid.inner @ draw[grid.inner_columns])[model.missing_inner]
    return _draw_levels(beta, information, observed, missing_eta,
                        len(model.missing_cells), rng), beta


def _rows(parts: list[np.ndarray], rows: np.ndarray) -> np.ndarray:
    """``[1, parts…]`` of the selected rows: the predictors of an imputation model, built
    in one array without first stacking every respondent's columns."""
    selected = int(rows.sum())
    matrix = np.empty((selected, 1 + sum(part.shape[1] for part in parts)))
    matrix[:, 0] = 1.0
    position = 1
    for part in parts:
        matrix[:, position:position + part.shape[1]] = part[rows]
        position += part.shape[1]
    return matrix


def _level_table(variable: _Variable) -> np.ndarray | None:
    """A variable's predictor columns per level code (L × w), as `_block` makes them; None
    for a numeric variable with many distinct values."""
    if variable.kind == "numeric":
        if variable.distinct is None:
            return None
        return ((variable.distinct - variable.centre) / variable.scale)[:, None]
    if variable.kind == "binary":
        return np.array([[0.0], [1.0]])
    return (np.arange(len(variable.levels))[:, None]
            == variable.dummies[None, :]).astype(float)


def _level_codes(variable: _Variable, values: np.ndarray) -> np.ndarray:
    """Each respondent's level code (row of `_level_table`)."""
    if variable.kind == "numeric":
        return np.searchsorted(variable.distinct, values)
    return values.astype(np.int64)


class _CellCodes:
    """A chain's predictors as one combined level code per respondent (a digit per
    predictor whose columns depend on a level), kept up to date as values are imputed.

    Each imputation model uses every predictor but its own variable; its cells are the
    combined code without that variable's digit, so one model's predictors cost two
    operations per respondent instead of one per predictor.
    """

    def __init__(self, variables: list[_Variable], current: list[np.ndarray],
                 extras: list[_Variable]) -> None:
        self.sources = [*extras, *variables]
        self.offset = len(extras)
        self.tables = [_level_table(source) for source in self.sources]
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
            codes = None if table is None else _level_codes(source, column)
            self.codes.append(codes)
            if codes is not None and self.usable:
                self.total += codes * multiplier

    def update(self, j: int, rows: np.ndarray, values: np.ndarray) -> None:
        """Variable ``j`` took new ``values`` in ``rows`` (positions)."""
        k = self.offset + j
        codes = self.codes[k]
        if codes is None:
            return
        new = _level_codes(self.sources[k], values)
        if self.usable:
            self.total[rows] += (new - codes[rows]) * self.multipliers[k]
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
                numeric.append((_block(source, values), columns))
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
                                 share=_CELL_SHARE)

    def grouped(self, j: int, rows: np.ndarray) -> _GroupedCells | None:
        """Variable ``j``'s model as counts per cell and level, from one count of the
        combined codes of the respondents who answered (``rows``: the positions of those
        who did not); None where a predictor is numeric with many values, or where
        `matrix` would give no cell form.

        `matrix` followed by `_fit_logit` counts the same cells and levels, but reads
        every respondent several times per model; here the respondents are read once, and
        the rest works on the table of codes: the same cells in the same order. Where a
        predictor has many levels (`_GRID_LEVELS`), its levels become the inner axis of a
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
        inner = widest if widest is not None and radices[widest] >= _GRID_LEVELS else None
        # The counts as an array with one axis per source (the first source varies
        # fastest), then: outer cells (the remaining sources, in the order of the combined
        # code) × inner level × level of j.
        outer_sources = [s for s in reversed(range(len(self.sources))) if s not in (k, inner)]
        outer_shape = tuple(radices[s] for s in outer_sources)
        axis = {s: len(self.sources) - 1 - s for s in range(len(self.sources))}
        levels_of_inner = radices[inner] if inner is not None else 1
        # the answers' codes: everyone's less the missing respondents' (``rows``)
        counts = _move_to_end(np.bincount(self.total, minlength=self.space)
                              - np.bincount(self.total[rows], minlength=self.space),
                              radices[::-1], [axis[s] for s in (inner, k) if s is not None]
                              ).reshape(-1, levels_of_inner, radices[k])
        missing_outer = np.ravel_multi_index(
            [self.codes[s][rows] for s in outer_sources], outer_shape) \
            if outer_sources else np.zeros(len(rows), dtype=np.int64)
        missing_inner = self.codes[inner][rows] if inner is not None \
            else np.zeros(len(rows), dtype=np.int64)
        answered = counts.sum(axis=2) > 0                 # outer × inner
        cells = answered.copy()
        cells[missing_outer, missing_inner] = True
        everyone = cells.any(axis=1)
        # As `matrix`: where the cells would not pay, none (on a grid, its outer cells).
        if int(everyone.sum() if inner is not None else cells.sum()) \
                > int(_CELL_SHARE * len(self.total)):
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
            return _GroupedCells(table[:, keep[outer_columns]]
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
        return _GroupedCells(table[:, kept_outer], used,
                             counts[compact[used]][outer_of, inner_of], missing_cells,
                             grid, missing_inner)


def _move_to_end(values: np.ndarray, shape: Sequence[int], axes: Sequence[int]
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


def _chain(variables: list[_Variable], extras: list[_Variable], visit: list[int],
           iterations: int, donors: int, rng: np.random.Generator) -> list[np.ndarray]:
    """One MICE chain: start from random observed values, then cycle the models.

    With many respondents each model's predictors are built in cell form straight from
    the level codes (`_CellCodes`); otherwise, or where the cells would not pay, as
    a dense matrix. Both give the same models up to rounding."""
    current = [variable.values.copy() for variable in variables]
    for j in visit:
        variable = variables[j]
        observed = variable.values[~variable.missing]
        current[j][variable.missing] = rng.choice(observed, size=int(variable.missing.sum()))
    # Dense predictor blocks are made when a model needs them (None: not yet, or stale
    # since the variable took new values); models in cell form do not.
    blocks: list[np.ndarray | None] = [None] * len(variables)
    extra: list[np.ndarray] | None = None
    large = len(current[0]) >= CELL_MINIMUM
    coded = _CellCodes(variables, current, extras) if large else None
    starts: dict[int, np.ndarray | None] = {}
    for _ in range(iterations):
        for j in visit:
            variable = variables[j]
            cells = None
            if coded is not None and int((~variable.missing).sum()) >= CELL_MINIMUM:
                rows = np.flatnonzero(variable.missing)  # few: index arrays are faster
                grouped = coded.grouped(j, rows) if variable.kind != "numeric" else None
                if grouped is not None:
                    draws, starts[j] = _draw_logit_cells(grouped, rng, starts.get(j))
                    current[j][rows] = draws
                    blocks[j] = None
                    coded.update(j, rows, draws)
                    continue
                cells = coded.matrix(j, current)
            if cells is None:
                if extra is None:
                    extra = [_block(variable, variable.values) for variable in extras]
                blocks = [_block(variables[i], current[i]) if block is None else block
                          for i, block in enumerate(blocks)]
                parts = [*extra, *(b for i, b in enumerate(blocks) if i != j)]
                X_obs = _rows(parts, ~variable.missing)
                X_mis = _rows(parts, variable.missing)
                # Columns constant among the observed say nothing about the missing (mice's
                # remove.lindep): their coefficients would be drawn from the prior alone.
                keep = np.ptp(X_obs, axis=0) > 0
            else:
                X_obs, X_mis = cells.rows(~variable.missing), cells.rows(variable.missing)
                keep = X_obs.varying()
            keep[0] = True
            if not keep.all():
                X_obs, X_mis = _columns(X_obs, keep), _columns(X_mis, keep)
            y_obs = variable.values[~variable.missing]
            if variable.kind == "numeric":
                draws = _draw_pmm(X_obs, y_obs, X_mis, donors, rng)
            else:
                draws, starts[j] = _draw_logit(X_obs, y_obs, X_mis, rng, starts.get(j))
            current[j][variable.missing] = draws
            blocks[j] = None
            if coded is not None:
                coded.update(j, np.flatnonzero(variable.missing), draws)
    return current


def _columns(X: np.ndarray | CellMatrix, keep: np.ndarray) -> np.ndarray | CellMatrix:
    return X.columns(keep) if isinstance(X, CellMatrix) else X[:, keep]


def _names(values: str | Sequence[str] | None) -> list[str]:
    return list(dict.fromkeys([values] if isinstance(values, str) else values or []))


def _check_columns(data: pd.DataFrame, names: list[str], what: str, where: str = "") -> None:
    for name in names:
        if name not in data.columns:
            raise ArgumentError(f"{what} {name!r}{where} is not a column of the data"
                              f"{did_you_mean(str(name), map(str, data.columns))}")


def impute(data: pd.DataFrame, variables: Sequence[str], m: int = 20,
           seed: int = DEFAULT_SEED, iterations: int = 10,
           predictors: Sequence[str] | None = None, donors: int = 5,
           only: Sequence[int] | None = None) -> list[pd.DataFrame]:
    """Multiple imputation by chained equations (fully conditional specification).

    Each incomplete listed variable is imputed from all *other* listed variables and the
    ``predictors``, by a model for its type: binary (0/1, boolean, two-level categorical)
    → logistic regression; more levels, ordered or not → multinomial logit; numeric →
    Bayesian linear regression with predictive mean matching, so imputed values are
    observed values (a 1–5 scale stays in 1–5). Imputations are proper: parameters are
    drawn from their approximate posterior before values are drawn. Each imputation is
    its own chain, started from random observed values, with its own random stream, which
    depends on ``seed`` and the imputation's number alone: imputation ``i`` is the same
    whether ``m`` imputations are made at once or in parts (``only``), so a cluster can
    make them in separate jobs.

    List the analysis model's *outcome* among ``variables``: imputing a predictor without
    the outcome in its imputation model biases its coefficient towards zero.

    Parameters
    ----------
    data
        One row per respondent.
    variables
        Variables of the chained equations: incomplete ones are imputed, complete ones
        only predict.
    m
        Number of imputations (≥ 2; 20 or more when much information is missing).
    seed
        Seed of the random streams; equal seeds give equal imputations.
    iterations
        Cycles through the incomplete variables (one if only one is incomplete).
    predictors
        Further complete variables to condition on, e.g. design strata (categorical →
        dummies, numeric → linear term).
    donors
        Donors of predictive mean matching (mice's default, 5).
    only
        Numbers (0 … m − 1) of the imputations to make; default all ``m``.

    Returns
    -------
    list of pandas.DataFrame
        ``m`` (or ``len(only)``) copies of ``data``, observed values unchanged, missing values of
        ``variables`` filled in; dtypes, categories and level order kept.

    Raises
    ------
    ArgumentError
        ``m < 2``, an unknown column, an incomplete extra predictor.
    DataError
        A variable without any observed value.
    """
    if isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 2:
        raise ArgumentError(f"multiple imputation needs m >= 2 imputations (got m={m!r}); "
                          "use m=20 or more")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ArgumentError(f"imputation seed must be a non-negative integer, got {seed!r}")
    if iterations < 1 or donors < 1:
        raise ArgumentError("impute: iterations and donors must be at least 1")
    numbers = _imputation_numbers(m, only)
    names = _names(variables)
    if not names:
        raise ArgumentError("impute: name at least one variable to impute")
    _check_columns(data, names, "variable to impute")
    extra_names = [name for name in _names(predictors) if name not in names]
    _check_columns(data, extra_names, "imputation predictor")
    encoded = [_encode(data[name], name) for name in names]
    for variable in encoded:
        if variable.missing.all():
            raise DataError(f"variable {variable.name!r} is missing for all {len(data)} "
                            "respondents, so there is nothing to impute it from; drop it "
                            "from the model or check its harmonisation")
    extras = []
    for name in extra_names:
        variable = _encode(data[name], name)
        if variable.missing.any():
            raise ArgumentError(f"imputation predictor {name!r} has {variable.missing.sum()} "
                              "missing values; list it among the variables to impute")
        extras.append(variable)
    visit = [j for j, variable in enumerate(encoded) if variable.missing.any()]
    if not visit:
        return [data.copy() for _ in numbers]
    cycles = iterations if len(visit) > 1 else 1
    completed = []
    for number in numbers:
        # The stream SeedSequence(seed).spawn(m)[number] would give, without the other m − 1.
        stream = np.random.SeedSequence(int(seed), spawn_key=(number,))
        values = _chain(encoded, extras, visit, cycles, donors, np.random.default_rng(stream))
        frame = data.copy()
        for j in visit:
            frame[names[j]] = _restore(data[names[j]], encoded[j], values[j])
        completed.append(frame)
    return completed


def _imputation_numbers(m: int, only: Sequence[int] | None) -> list[int]:
    """The imputations to make: all ``m``, or the listed numbers, each in 0 … m − 1."""
    if only is None:
        return list(range(int(m)))
    numbers = [int(number) for number in only]
    wrong = [number for number in numbers if not 0 <= number < m]
    if wrong or len(set(numbers)) < len(numbers):
        raise ArgumentError(f"impute: only={list(only)!r} must list distinct imputation "
                            f"numbers from 0 to {m - 1} (m={m})")
    return numbers


# --------------------------------------------------------------------------- fit_imputed

def _fit(design: SurveyDesign, formula: str, model: str, options: dict[str, Any]
         ) -> ModelResult:
    return getattr(design, model)(formula, **options)


@dataclass(frozen=True)
class _Setup:
    """What the imputations of one design and formula share."""

    chain: list[str]          # variables of the chained equations
    inside: np.ndarray        # respondents of the design's (sub)population
    work: pd.DataFrame        # their data (with the strata column if predicting from it)
    extra: list[str]          # complete predictors of every imputation model


def _setup(design: SurveyDesign, formula: str, model: str,
           variables: Sequence[str] | None, predictors: Sequence[str] | None) -> _Setup:
    if model not in MODELS:
        raise ArgumentError(f"model={model!r} is not supported; use one of {', '.join(MODELS)}")
    data = design._data
    names = formula_variables(data, formula)
    chain = _names(variables) or names
    _check_columns(data, chain, "variable to impute")
    inside = np.asarray(design.weights != 0)  # impute within the (sub)population only
    strata, work = design.structure.strata[0][inside], data.loc[inside]
    left_out = [n for n in names if n not in chain and work[n].isna().any()]
    if left_out:
        raise ArgumentError(f"formula variable {left_out[0]!r} has missing values but is not "
                          "among the variables to impute; add it to variables=")
    extra = [n for n in names if n not in chain]
    if predictors is not None:
        extra += _names(predictors)
    elif design.structure.has_strata and 1 < len(np.unique(strata)) <= 50:
        work = work.assign(**{_STRATUM_COLUMN: pd.Categorical(strata)})
        extra.append(_STRATUM_COLUMN)
    return _Setup(chain, inside, work, extra)


def fit_imputations(design: SurveyDesign, formula: str, model: str = "logit", m: int = 20,
                    seed: int = DEFAULT_SEED, only: Sequence[int] | None = None,
                    variables: Sequence[str] | None = None,
                    predictors: Sequence[str] | None = None, iterations: int = 10,
                    donors: int = 5, **model_options: Any) -> list[ModelResult]:
    """Fit the model on some or all of ``m`` imputed data sets, unpooled.

    The part of `fit_imputed` a cluster can spread over jobs: imputation ``i`` depends on
    ``seed`` and ``i`` alone (see `impute`), so fitting ``only=[0, 1]`` in one job and
    ``only=[2, 3]`` in another and pooling all four with `pool_imputed` gives exactly the
    result of ``fit_imputed(..., m=4)``. Arguments as for `fit_imputed`.

    Returns
    -------
    list of ModelResult
        One fit per imputation, in the order of ``only`` (default 0 … m − 1).
    """
    setup = _setup(design, formula, model, variables, predictors)
    data = design._data
    # only the columns the chains use: m copies of every column cost gigabytes at 1M rows
    columns = list(dict.fromkeys(setup.chain + setup.extra))
    completed = impute(setup.work[columns], setup.chain, m=m, seed=seed,
                       iterations=iterations, predictors=setup.extra, donors=donors, only=only)
    fits = []
    for part in completed:
        # A shallow copy: with pandas' copy-on-write only the imputed columns are new, so
        # m completed data sets do not hold m copies of every column.
        frame = data.copy(deep=False)
        for name in setup.chain:
            frame[name] = pd.concat([part[name],
                                     data.loc[~setup.inside, name]]).loc[data.index]
        fits.append(_fit(design.with_data(frame), formula, model, model_options))
    return fits


def pool_imputed(design: SurveyDesign, formula: str, estimates: Sequence[pd.Series],
                 covariances: Sequence[pd.DataFrame], df_resid: Sequence[float],
                 model: str = "logit", seed: int | None = DEFAULT_SEED,
                 variables: Sequence[str] | None = None,
                 predictors: Sequence[str] | None = None,
                 fits: Sequence[ModelResult] = (), **model_options: Any) -> PooledResult:
    """Pool fits on imputed data sets (from `fit_imputations`) by Rubin's rules.

    ``estimates``, ``covariances`` and ``df_resid`` are the fits' ``params``, ``cov`` and
    ``df_resid`` in the order of the imputations (they may come from files written by
    separate jobs; ``fits`` then stays empty). The complete-case fit and the counts of
    imputed values are computed here from the design. Other arguments as for `fit_imputed`.
    """
    setup = _setup(design, formula, model, variables, predictors)
    complete_case = _fit(design, formula, model, model_options)
    df_complete = float(np.mean(np.asarray(df_resid, dtype=float)))
    pooled = pool(estimates, covariances, df_complete, seed)
    imputed = {name: int(setup.work[name].isna().sum()) for name in setup.chain
               if setup.work[name].isna().any()}
    return PooledResult(pooled.params, pooled.within, pooled.between, pooled.df, df_complete,
                        len(estimates), seed, pooled.estimates, formula, model, imputed,
                        tuple(fits), complete_case)


def fit_imputed(design: SurveyDesign, formula: str, model: str = "logit", m: int = 20,
                seed: int = DEFAULT_SEED, variables: Sequence[str] | None = None,
                predictors: Sequence[str] | None = None, iterations: int = 10,
                donors: int = 5, **model_options: Any) -> PooledResult:
    """Fit a design-based model on ``m`` imputed data sets and pool by Rubin's rules.

    The formula's incomplete variables are imputed by `impute`, each given all other
    formula variables — *the outcome included*: without it, imputed predictors' effects
    are biased towards zero. The model is fitted on every completed data set with this
    design's weights, strata and clusters unchanged (only the data are swapped), and the
    fits are pooled (`pool`); the complete-case fit comes alongside (``.complete_case``).
    Only respondents of the design's (sub)population (non-zero weight) are imputed, by
    models fitted among them: values missing *by design* (a filter question not asked)
    are not non-response — analyse them on ``design.subset(...)`` instead of imputing.
    It is `fit_imputations` followed by `pool_imputed`, the two halves a cluster runs as
    separate jobs.

    Parameters
    ----------
    design
        A `SurveyDesign` (or replicate design); its own data are not changed.
    formula
        ``"outcome ~ predictors"`` as for the model.
    model
        ``"logit"``, ``"glm"``, ``"ordinal_logit"`` or ``"multinomial_logit"``: the design
        method to fit; ``model_options`` go to it (``family=``, ``link=``, …).
    m, seed, iterations, donors
        As for `impute` (the seed makes the result reproducible).
    variables
        The chained-equations variables instead of the formula's, e.g. with auxiliary
        variables that predict the missing values. Complete formula variables left out
        still predict; incomplete ones must be listed.
    predictors
        Further complete predictors of every imputation model. Default: the design's
        first-stage strata as categories (if 2 to 50), so imputations respect the design;
        ``[]`` for none.

    Returns
    -------
    PooledResult
    """
    fits = fit_imputations(design, formula, model, m=m, seed=seed, variables=variables,
                           predictors=predictors, iterations=iterations, donors=donors,
                           **model_options)
    return pool_imputed(design, formula, [fit.params for fit in fits],
                        [fit.cov for fit in fits], [fit.df_resid for fit in fits], model,
                        seed, variables, predictors, fits, **model_options)
