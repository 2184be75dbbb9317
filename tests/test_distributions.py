"""surveykit's distribution functions (scipy.special) against scipy.stats, bit for bit."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
from scipy import stats

from surveykit._core import distributions as dist

EDGES = [0.0, 1e-300, 1e-8, 0.025, 0.5, 0.975, 1.0, 1.5, 7.0, 1e6, np.inf, -np.inf, -1.0,
         np.nan]
DFS = [-1.0, 0.0, 0.5, 1.0, 2.0, 3.5, 30.0, 1e4, 1e9, np.inf, np.nan]


def _same(ours, theirs) -> bool:
    ours, theirs = np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float)
    return ours.shape == theirs.shape and bool(np.all((ours == theirs)
                                                      | (np.isnan(ours) & np.isnan(theirs))))


def test_each_function_is_scipy_stats_on_a_grid_with_its_edges() -> None:
    rng = np.random.default_rng(20261201)
    x = np.concatenate([EDGES, rng.normal(0, 4, 400), rng.uniform(0, 60, 200)])
    p = np.concatenate([EDGES, rng.uniform(0, 1, 400)])
    for df in DFS:
        assert _same(dist.t_sf(x, df), stats.t.sf(x, df)), df
        assert _same(dist.t_quantile(p, df), stats.t.ppf(p, df)), df
        assert _same(dist.chi2_sf(x, df), stats.chi2.sf(x, df)), df
        for dfn in (1.0, 2.0, 5.0, 30.0):
            assert _same(dist.f_sf(x, dfn, df), stats.f.sf(x, dfn, df)), (dfn, df)
            assert _same(dist.f_sf(x, df, dfn), stats.f.sf(x, df, dfn)), (df, dfn)
    assert _same(dist.normal_quantile(p), stats.norm.ppf(p))
    shapes = [0.0, 1e-3, 0.5, 1.0, 7.5, 300.0, np.inf, np.nan, -1.0]
    for a, b in itertools.product(shapes, shapes):
        assert _same(dist.beta_quantile(p, a, b), stats.beta.ppf(p, a, b)), (a, b)


def test_scalars_stay_scalars_and_series_lose_their_index() -> None:
    assert isinstance(dist.t_quantile(0.975, 12.0), float)
    assert isinstance(dist.chi2_sf(3.0, 2), float)
    assert dist.t_quantile(0.975, np.inf) == stats.t.ppf(0.975, np.inf)
    shifted = pd.Series([1.0, 2.0], index=[10, 11])
    values = dist.t_sf(shifted, 5.0)
    assert isinstance(values, np.ndarray) and _same(values, stats.t.sf([1.0, 2.0], 5.0))
