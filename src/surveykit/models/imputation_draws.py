"""The draws of a chained-equations imputation: each model's fit and its proper draws.

Bayesian linear regression with predictive mean matching for numeric variables
(`draw_pmm`), penalised logistic / baseline-category logits for binary and categorical ones
(`draw_logit`; `draw_logit_cells` for a model given by its cells' counts). Each draws β*
from the posterior before drawing values, so the imputations are proper (Rubin 1987).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from surveykit.models.cell_matrix import CellGrid, CellMatrix, cell_matrix

__all__ = ["PRIOR_PRECISION", "RIDGE", "GroupedCells", "draw_logit", "draw_logit_cells",
           "draw_pmm", "fit_logit", "fitted_order"]

RIDGE = 1e-5             # linear imputation model: ridge relative to diag(X'X), as mice
PRIOR_PRECISION = 1e-2   # logit imputation models: N(0, 100) prior keeps separation finite


def linear_predictor(X: np.ndarray | CellMatrix, beta: np.ndarray) -> np.ndarray:
    """``X β`` for a dense matrix or its cell form."""
    return X.product(beta) if isinstance(X, CellMatrix) else X @ beta


def draw_pmm(X_obs: np.ndarray | CellMatrix, y_obs: np.ndarray,
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
    fitted = linear_predictor(X_obs, beta)
    residual = y_obs - fitted
    sigma = np.sqrt(residual @ residual / rng.chisquare(max(n_obs - p, 1)))
    beta_star = beta + sigma * (np.linalg.cholesky(inverse) @ rng.standard_normal(p))
    order = fitted_order(X_obs, beta, fitted)
    ranked, target = fitted[order], linear_predictor(X_mis, beta_star)
    k, rows = min(donors, n_obs), np.arange(len(target))
    width = min(2 * k, n_obs)
    # The k nearest of a sorted vector lie within k places of the insertion point.
    start = np.clip(np.searchsorted(ranked, target) - k, 0, n_obs - width)
    window = start[:, None] + np.arange(width)[None, :]
    nearest = np.argsort(np.abs(ranked[window] - target[:, None]), axis=1, kind="stable")
    pick = nearest[rows, rng.integers(0, k, size=len(target))]
    return y_obs[order[window[rows, pick]]]


def fitted_order(X: np.ndarray | CellMatrix, beta: np.ndarray, fitted: np.ndarray
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


def logit_information(X: np.ndarray, probs: np.ndarray, penalty: np.ndarray,
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


def softmax(eta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities of levels 1 … K−1 (level 0: linear predictor 0) and log normalisers.

    The maximum and the sum run over the few columns one column at a time: numpy's
    reductions along rows of two or three values are several times slower, and summing
    the columns in order is the very sum ``scaled.sum(axis=1)`` gives.
    """
    columns = [eta[:, j] for j in range(eta.shape[1])]
    top = np.maximum(columns[0], 0.0)
    for column in columns[1:]:
        np.maximum(top, column, out=top)
    scaled = np.exp(eta - top[:, None])
    summed = scaled[:, 0].copy()
    for j in range(1, scaled.shape[1]):
        summed += scaled[:, j]
    total = np.exp(-top) + summed
    return scaled / total[:, None], top + np.log(total)


def fit_logit(X: np.ndarray | CellMatrix, codes: np.ndarray, classes: int,
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
        return newton(grouped, counts[used, 1:].astype(float), size[used].astype(float),
                       start, None)
    outcome = (codes[:, None] == np.arange(1, classes)[None, :]).astype(float)
    return newton(X, outcome, None, start, cells)


def newton(X: np.ndarray | CellMatrix, outcome: np.ndarray, frequency: np.ndarray | None,
            start: np.ndarray | None, cells: CellMatrix | None
            ) -> tuple[np.ndarray, np.ndarray]:
    """`fit_logit`'s Newton–Raphson on rows with ``outcome`` (counts of levels 1 … K−1)
    and ``frequency`` (rows' sizes; None: one respondent each)."""
    p, classes = X.shape[1], outcome.shape[1] + 1

    def product(beta: np.ndarray) -> np.ndarray:
        return X @ beta if cells is None else cells.product(beta)
    penalty = np.full(p, PRIOR_PRECISION)
    penalty[0] = 0.0  # the intercept is free

    def objective(beta: np.ndarray) -> tuple[float, np.ndarray]:
        eta = product(beta)
        probs, log_norm = softmax(eta)
        normaliser = log_norm.sum() if frequency is None else log_norm @ frequency
        return float(np.sum(outcome * eta) - normaliser
                     - 0.5 * np.sum(penalty[:, None] * beta**2)), probs

    beta = np.zeros((p, classes - 1)) if start is None else start.copy()
    current, probs = objective(beta)
    for _ in range(50):
        residuals = outcome - (probs if frequency is None else probs * frequency[:, None])
        gradient = (X.T @ residuals if cells is None else cells.transpose_product(residuals)) \
            - penalty[:, None] * beta
        information = logit_information(X, probs, penalty, cells, frequency)
        step = np.linalg.solve(information, gradient.ravel(order="F"))
        step = step.reshape((p, classes - 1), order="F")
        if np.max(np.abs(step)) < 1e-5:
            # converged: so small a step from so near the maximum does not descend (the
            # check below would evaluate the likelihood once more only to accept it)
            beta = beta + step
            break
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


def draw_logit(X_obs: np.ndarray | CellMatrix, codes_obs: np.ndarray,
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
    beta, information = fit_logit(X_obs, codes, classes, start)
    return draw_levels(beta, information, observed, lambda draw: linear_predictor(X_mis, draw),
                        X_mis.shape[0], rng), beta


def draw_levels(beta: np.ndarray, information: np.ndarray, observed: np.ndarray,
                 product: Any, n_missing: int, rng: np.random.Generator) -> np.ndarray:
    """β* ~ N(β̂, I(β̂)⁻¹), then each missing value's level from its probabilities under
    β* (``product(β*)`` gives the missing rows' linear predictors)."""
    covariance = np.linalg.inv(information)
    root = np.linalg.cholesky((covariance + covariance.T) / 2)
    draw = beta + (root @ rng.standard_normal(beta.size)).reshape(beta.shape, order="F")
    probs = softmax(product(draw))[0]
    below = np.cumsum(np.column_stack([1 - probs.sum(axis=1), probs[:, :-1]]), axis=1)
    chosen = (rng.random(n_missing)[:, None] > below).sum(axis=1)
    return observed[chosen].astype(float)


@dataclass(frozen=True)
class GroupedCells:
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


def draw_logit_cells(model: GroupedCells, rng: np.random.Generator,
                      start: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """`draw_logit` for a model given by its cells' counts: the same fit and draws."""
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
        beta, information = newton(model.table[model.used], counts[:, 1:].astype(float),
                                    counts.sum(axis=1).astype(float), start, None)
        return draw_levels(beta, information, observed,
                            lambda draw: (model.table @ draw)[model.missing_cells],
                            len(model.missing_cells), rng), beta
    beta, information = newton(grid, counts[:, 1:].astype(float),
                                counts.sum(axis=1).astype(float), start, grid)

    def missing_eta(draw: np.ndarray) -> np.ndarray:
        return (model.table @ draw[grid.outer_columns])[model.missing_cells] \
            + (grid.inner @ draw[grid.inner_columns])[model.missing_inner]
    return draw_levels(beta, information, observed, missing_eta,
                        len(model.missing_cells), rng), beta


