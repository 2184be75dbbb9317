"""The variance engine's sparse route against its dense route (surveykit.design.variance).

Sparse influence values (share tables' cell totals) stay sparse through raking and
post-stratification: the residuals are the influence values minus a sparse basis times a
small coefficient table. The same influence values as a dense array take the general
route (each adjustment's ``residualise``, then cluster and stratum sums). Both must give
the same covariance matrix on every design where both apply.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

import surveykit as sk
from surveykit.design.variance import taylor_covariance


def _sample(n: int = 900, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "stratum": rng.integers(0, 4, n),
        "age": pd.Categorical(rng.choice(["a", "b", "c"], n, p=[0.5, 0.3, 0.2])),
        "sex": pd.Categorical(rng.choice(["f", "m"], n)),
        "town": pd.Categorical(rng.choice(["t1", "t2", "t3", "t4"], n)),
        "w": rng.uniform(1, 6, n),
    })
    frame["psu"] = frame["stratum"] * 100 + rng.integers(0, 12, n)
    return frame


def _influence(frame: pd.DataFrame, seed: int = 5) -> sparse.csc_matrix:
    """Cell-total-like influence: each respondent in one of 8 columns (weight × 0/1) plus
    a numeric column, with a quarter of the respondents in none."""
    rng = np.random.default_rng(seed)
    n = len(frame)
    column = rng.integers(0, 8, n)
    keep = rng.random(n) > 0.25
    rows = np.flatnonzero(keep)
    values = frame["w"].to_numpy()[rows]
    numeric = frame["w"].to_numpy() * rng.normal(3, 1, n)
    return sparse.csc_matrix(sparse.hstack([
        sparse.csc_matrix((values, (rows, column[rows])), shape=(n, 8)),
        sparse.csc_matrix(numeric[:, None])]))


MARGINS = {"age": {"a": 5000.0, "b": 3500.0, "c": 1500.0},
           "sex": {"f": 5100.0, "m": 4900.0},
           "town": {"t1": 2000.0, "t2": 3000.0, "t3": 2500.0, "t4": 2500.0}}

DESIGNS = {
    "one respondent per PSU": lambda f: sk.SurveyDesign(f, weights="w"),
    "stratified": lambda f: sk.SurveyDesign(f, weights="w", strata="stratum"),
    "stratified clusters": lambda f: sk.SurveyDesign(f, weights="w", strata="stratum",
                                                      ids="psu"),
    "clusters, fpc": lambda f: sk.SurveyDesign(f.assign(fpc=50.0), weights="w",
                                               strata="stratum", ids="psu", fpc="fpc"),
}
ADJUSTMENTS = {
    "raked": lambda d: d.rake(MARGINS),
    "post-stratified": lambda d: d.poststratify("town", MARGINS["town"]),
    # the weight step's trimming loop: rake, trim, rake again (two Raking adjustments)
    "raked, trimmed, raked": lambda d: d.rake(MARGINS).trim_weights(upper=12.0).rake(MARGINS),
    "post-stratified, then raked": lambda d: d.poststratify("sex", MARGINS["sex"]).rake(
        MARGINS),
}


@pytest.mark.parametrize("adjust", list(ADJUSTMENTS))
@pytest.mark.parametrize("design_name", list(DESIGNS))
def test_sparse_route_equals_dense_route(design_name: str, adjust: str) -> None:
    frame = _sample()
    design = ADJUSTMENTS[adjust](DESIGNS[design_name](frame))
    assert design.adjustments  # the adjusted route is what is compared
    influence = _influence(frame)
    structure = design.structure
    fast = taylor_covariance(influence, structure, "fail", design.adjustments)
    general = taylor_covariance(influence.toarray(), structure, "fail", design.adjustments)
    np.testing.assert_allclose(fast, general, rtol=1e-9, atol=1e-9 * np.abs(general).max())
    assert np.abs(general).max() > 0


@pytest.mark.parametrize("lonely_psu", ["remove", "adjust", "certainty"])
def test_sparse_route_equals_dense_route_with_a_lonely_psu(lonely_psu: str) -> None:
    frame = _sample(seed=11)
    frame.loc[frame["stratum"] == 3, "psu"] = 300  # stratum 3 has one PSU
    design = sk.SurveyDesign(frame, weights="w", strata="stratum", ids="psu",
                             lonely_psu=lonely_psu).rake(MARGINS)
    influence = _influence(frame, seed=12)
    fast = taylor_covariance(influence, design.structure, lonely_psu, design.adjustments)
    general = taylor_covariance(influence.toarray(), design.structure, lonely_psu,
                                design.adjustments)
    np.testing.assert_allclose(fast, general, rtol=1e-9, atol=1e-9 * np.abs(general).max())


def test_design_variance_takes_sparse_influence_through_raking() -> None:
    frame = _sample(seed=21)
    design = sk.SurveyDesign(frame, weights="w", strata="stratum").rake(MARGINS)
    influence = _influence(frame, seed=22)
    np.testing.assert_allclose(design.variance(influence), design.variance(
        influence.toarray()), rtol=1e-9)


@pytest.mark.parametrize("adjust", list(ADJUSTMENTS))
def test_dense_influence_corrected_at_once_equals_each_adjustment_in_turn(
        adjust: str, monkeypatch) -> None:
    """On large data dense influence values are residualised for all cell-based
    adjustments at once (`corrected_influence`); the residuals and the covariance must be
    those of each adjustment's ``residualise`` in turn."""
    from surveykit.design import variance
    from surveykit.design.sparse_variance import corrected_influence

    frame = _sample(n=1500, seed=31)
    design = ADJUSTMENTS[adjust](sk.SurveyDesign(frame, weights="w", strata="stratum",
                                                 ids="psu"))
    rng = np.random.default_rng(32)
    values = np.asfortranarray(rng.normal(size=(len(frame), 4)) * frame["w"].to_numpy()[:, None])
    in_turn = values
    for adjustment in design.adjustments:
        in_turn = adjustment.residualise(in_turn)
    at_once = corrected_influence(values, [a.correction for a in design.adjustments])
    np.testing.assert_allclose(at_once, in_turn, rtol=1e-10, atol=1e-10 * np.abs(in_turn).max())
    assert np.abs(at_once - values).max() > 1e-3 * np.abs(values).max()  # it did correct
    sequential = taylor_covariance(values, design.structure, "fail", design.adjustments)
    monkeypatch.setattr(variance, "BATCHED_MINIMUM", 0)
    batched = taylor_covariance(values, design.structure, "fail", design.adjustments)
    np.testing.assert_allclose(batched, sequential, rtol=1e-10)


@pytest.mark.parametrize("adjustment", ["none", *ADJUSTMENTS])
@pytest.mark.parametrize("design_name", ["one respondent per PSU", "stratified",
                                         "stratified clusters"])
def test_logit_on_cells_has_the_covariance_of_its_dense_influence(monkeypatch, design_name,
                                                                   adjustment) -> None:
    """A large logit in cell form hands the variance engine its influence values as sparse
    (residuals per cell and numeric column) times a projection; the covariance must be that
    of the dense influence values, and the sparse route must really be taken."""
    from surveykit.design import sparse_variance
    from surveykit.models import glm

    rng = np.random.default_rng(31)
    frame = _sample(24_000, 7)
    frame["score"] = rng.normal(size=len(frame))
    frame.loc[rng.random(len(frame)) < 0.1, "score"] = np.nan   # rows the model leaves out
    eta = 0.3 * frame["age"].cat.codes - 0.4 * (frame["sex"] == "m") + 0.5 * frame["score"]
    frame["y"] = (rng.random(len(frame)) < 1 / (1 + np.exp(-eta))).astype(int)
    design = DESIGNS[design_name](frame)
    if adjustment != "none":
        design = ADJUSTMENTS[adjustment](design)
    formula = "y ~ age + sex + town + score"
    projected = []
    original = sparse_variance.sparse_stage_covariance

    def spy(*args, **kwargs):
        projected.append(isinstance(args[0], sparse_variance.ProjectedInfluence))
        return original(*args, **kwargs)
    monkeypatch.setattr("surveykit.design.variance.sparse_stage_covariance", spy)
    fast = design.logit(formula)
    assert projected == [True]
    dense_influence = glm._cell_influence
    monkeypatch.setattr(glm, "_cell_influence",
                        lambda *args: np.asarray(dense_influence(*args)))
    dense = design.logit(formula)
    np.testing.assert_array_equal(fast.params, dense.params)
    np.testing.assert_allclose(fast.cov, dense.cov, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("adjust", ["none", *ADJUSTMENTS])
@pytest.mark.parametrize("design_name", list(DESIGNS))
def test_one_entry_per_respondent_projected_equals_dense_route(design_name: str,
                                                               adjust: str) -> None:
    """A share table's patterned influence: at most one entry per respondent (its weight in
    the column of its answer pattern) times a projection onto the totals. With one
    respondent per PSU its cross-product is a diagonal count; every route must give the
    covariance of the dense values."""
    from surveykit.design.sparse_variance import ProjectedInfluence

    frame = _sample(seed=41)
    design = DESIGNS[design_name](frame)
    if adjust != "none":
        design = ADJUSTMENTS[adjust](design)
    one_hot = _influence(frame, seed=42)[:, :8].tocsr()
    assert np.diff(one_hot.indptr).max() == 1
    projection = np.random.default_rng(43).normal(size=(8, 5))
    fast = taylor_covariance(ProjectedInfluence(one_hot, projection), design.structure,
                             "fail", design.adjustments)
    general = taylor_covariance(one_hot.toarray() @ projection, design.structure, "fail",
                                design.adjustments)
    np.testing.assert_allclose(fast, general, rtol=1e-9, atol=1e-9 * np.abs(general).max())
    plain = taylor_covariance(one_hot, design.structure, "fail", design.adjustments)
    np.testing.assert_allclose(plain, taylor_covariance(one_hot.toarray(), design.structure,
                                                        "fail", design.adjustments),
                               rtol=1e-9, atol=1e-9 * np.abs(plain).max())


@pytest.mark.parametrize("with_projection", [False, True])
def test_cross_of_rows_with_one_varying_entry_is_the_sparse_product(with_projection) -> None:
    """With one respondent per PSU, ``X' D X`` of rows holding a cell and the same numeric
    columns (a logit's influence in cell form) is counted per pair of entries; it must be
    the sparse product, and rows of another shape must be left to that product."""
    from surveykit.design import sparse_variance

    rng = np.random.default_rng(51)
    n, cells = 5_000, 40
    used = rng.random(n) > 0.2
    rows = np.flatnonzero(used)
    columns = np.column_stack([rng.integers(0, cells, len(rows)),
                               np.full(len(rows), cells), np.full(len(rows), cells + 1)])
    values = rng.normal(size=(len(rows), 3))
    pointers = np.concatenate([[0], np.cumsum(used * 3)])
    matrix = sparse.csr_matrix((values.ravel(), columns.ravel(), pointers),
                               shape=(n, cells + 2))
    scale = rng.uniform(0.5, 2.0, n)
    projection = rng.normal(size=(cells + 2, 4)) if with_projection else None
    counted = sparse_variance._cross_of_fixed_rows(matrix, np.diff(matrix.indptr), scale,
                                                   projection)
    product = (matrix.T @ sparse.diags(scale) @ matrix).toarray()
    if with_projection:
        product = projection.T @ product @ projection
    np.testing.assert_allclose(counted, product, rtol=1e-10, atol=1e-10)
    columns[::2, 1] = 0  # two entries that vary between respondents: not counted
    other = sparse.csr_matrix((values.ravel(), columns.ravel(), pointers),
                              shape=(n, cells + 2))
    assert sparse_variance._cross_of_fixed_rows(other, np.diff(other.indptr), scale,
                                                projection) is None


@pytest.mark.parametrize("entries", ["one per respondent", "several per respondent"])
def test_adjustments_summed_in_one_product_equal_their_counts(monkeypatch, entries) -> None:
    """With one respondent per PSU, the adjustments of one weighting (rake, trim, rake
    again: the same cells) are summed for all of them in one sparse product; above
    `_PRODUCT_SUMS` each adjustment's tables are counted. Both give the same sums in the
    same order: the covariances are equal bit for bit."""
    from surveykit.design import sparse_variance

    frame = _sample(seed=51)
    design = ADJUSTMENTS["raked, trimmed, raked"](DESIGNS["one respondent per PSU"](frame))
    matrix = _influence(frame, seed=52).tocsr()
    if entries == "one per respondent":
        matrix = matrix[:, :8]
    projection = np.random.default_rng(53).normal(size=(matrix.shape[1], 4))
    influence = sparse_variance.ProjectedInfluence(matrix, projection)
    taken = []
    original = sparse_variance._singleton_corrections
    limit = sparse_variance._PRODUCT_SUMS

    def spy(*args, **kwargs):
        taken.append(sparse_variance._PRODUCT_SUMS)
        return original(*args, **kwargs)
    monkeypatch.setattr(sparse_variance, "_singleton_corrections", spy)
    in_one = taylor_covariance(influence, design.structure, "fail", design.adjustments)
    assert sparse_variance._CACHE[0][1].shared_codes is not None  # the same cells
    sparse_variance._CACHE.clear()
    monkeypatch.setattr(sparse_variance, "_PRODUCT_SUMS", 0)
    counted = taylor_covariance(influence, design.structure, "fail", design.adjustments)
    assert taken == [limit, 0]
    np.testing.assert_array_equal(in_one, counted)
    dense = taylor_covariance(np.asarray(influence), design.structure, "fail",
                              design.adjustments)
    np.testing.assert_allclose(in_one, dense, rtol=1e-9, atol=1e-9 * np.abs(dense).max())


@pytest.mark.parametrize("everyone", [True, False])
def test_respondent_entries_are_their_matrix(everyone: bool) -> None:
    """Influence given slot by slot (a cell per respondent, numeric columns the same for
    all, some respondents without entries) is the CSR matrix made from it, and its sums per
    cluster are those of that matrix — also where a respondent holds one column twice."""
    from surveykit.design import sparse_variance

    rng = np.random.default_rng(61)
    n, cells, clusters = 6_000, 30, 70
    used = np.ones(n, dtype=bool) if everyone else rng.random(n) > 0.25
    m = int(used.sum())
    cell = rng.integers(0, cells, m)
    slots = (cell, cells, cells + 1, cell)   # the last slot repeats the cell's column
    values = tuple(rng.normal(size=m) for _ in slots)
    entries = sparse_variance.RespondentEntries(used, slots, values, cells + 2)
    dense = np.zeros((n, cells + 2))
    rows = np.flatnonzero(used)
    for column, value in zip(slots, values, strict=True):
        np.add.at(dense, (rows, column), value)
    matrix = entries.matrix()
    np.testing.assert_allclose(matrix.toarray(), dense, rtol=1e-15, atol=1e-15)
    owner = rng.integers(0, clusters, n)
    expected = np.zeros((clusters, cells + 2))
    np.add.at(expected, owner, dense)
    np.testing.assert_allclose(entries.cluster_totals(owner, clusters), expected,
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sparse_variance._cluster_totals(matrix, owner, clusters),
                               expected, rtol=1e-12, atol=1e-12)
    projection = rng.normal(size=(cells + 2, 3))
    influence = sparse_variance.ProjectedInfluence(entries, projection)
    assert influence.shape == (n, 3)
    np.testing.assert_allclose(np.asarray(influence), dense @ projection, rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(influence.totals(), dense.sum(axis=0) @ projection,
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(sparse_variance.ProjectedInfluence(matrix, projection).totals(),
                               dense.sum(axis=0) @ projection, rtol=1e-12, atol=1e-12)
    single = sparse_variance.RespondentEntries(used, (cell,), (values[0],), cells + 2)
    one_each = np.zeros((n, cells + 2))
    one_each[rows, cell] = values[0]
    np.testing.assert_array_equal(single.matrix().toarray(), one_each)
    np.testing.assert_allclose(single.column_sums(), one_each.sum(axis=0), rtol=1e-12,
                               atol=1e-12)
