"""The grid form of a model matrix (surveykit.models.cell_matrix.CellGrid) against the
dense matrix it stands for."""

from __future__ import annotations

import numpy as np
import pytest

from surveykit.models.cell_matrix import CellGrid


@pytest.mark.parametrize("points", [500, 30_000])  # few: sums per row; many: per table
def test_grid_products_equal_the_dense_products(points: int) -> None:
    rng = np.random.default_rng(61)
    outer = rng.integers(0, 2, size=(300, 4)).astype(float)
    inner = rng.normal(size=(300, 3))
    outer_of, inner_of = rng.integers(0, 300, points), rng.integers(0, 300, points)
    grid = CellGrid(outer, inner, np.array([0, 2, 4, 5]), np.array([1, 3, 6]),
                    outer_of, inner_of)
    assert (grid._points is None) == (points == 500)
    dense = np.empty((points, 7))
    dense[:, [0, 2, 4, 5]] = outer[outer_of]
    dense[:, [1, 3, 6]] = inner[inner_of]
    weights = rng.uniform(0.1, 2.0, points)
    residuals = rng.normal(size=(points, 2))
    beta = rng.normal(size=(7, 2))
    np.testing.assert_allclose(grid.gram(weights), dense.T @ (dense * weights[:, None]),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grid.transpose_product(residuals), dense.T @ residuals,
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(grid.product(beta), dense @ beta, rtol=1e-12, atol=1e-12)
