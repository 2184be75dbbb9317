"""The model frame's direct build of new rows' matrices (surveykit.models.frame)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import special

import surveykit as sk
from surveykit.models.categorical import model_contrasts, set_level

FORMULA = "y ~ C(group, contr.treatment('b')) + x + commuter + C(code) + region"

# The reference, formulaic, warns (through pandas) when the rows' categorical has a
# category its spec does not know: the fixture's "unused" category, which no row holds.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Constructing a Categorical with a dtype and values containing non-null")


@pytest.fixture(scope="module")
def model():
    """A logit on 30,000 respondents (enough for the frame's direct build): a categorical
    with an unused category, a coded ``C(code)``, a numeric, a nullable 0/1 and a text
    predictor."""
    rng = np.random.default_rng(12)
    n = 30_000
    group = rng.choice(["a", "b", "c"], n)
    x = rng.normal(size=n)
    commuter = rng.integers(0, 2, n)
    code = rng.integers(1, 4, n)
    eta = -0.4 + 0.5 * (group == "a") - 0.3 * (group == "c") + 0.6 * x + 0.4 * commuter \
        + 0.2 * code
    frame = pd.DataFrame({
        "y": (rng.random(n) < special.expit(eta)).astype(float),
        "group": pd.Categorical(group, categories=["a", "b", "c", "unused"]),
        "x": x, "commuter": pd.array(commuter, dtype="Int8"), "code": code,
        "region": pd.Categorical(rng.choice(["north", "south"], n)),
        "w": rng.uniform(0.5, 2.0, n)})
    return sk.SurveyDesign(frame, weights="w").logit(FORMULA)


def _formulaic(model):
    return dataclasses.replace(model.frame, direct=None)


def test_new_rows_are_built_directly_as_formulaic_builds_them(model) -> None:
    """Every counterfactual data set of the average effects and margins, and profiles, get
    the matrix formulaic gives (exactly), without formulaic where the recipes cover them."""
    frame, reference = model.frame, _formulaic(model)
    assert frame.direct is not None
    data = model._distinct[0]
    cases = [data, data.iloc[:7]]
    for variable in ("group", "x", "commuter", "region"):
        for _, high, low, _ in model_contrasts(frame, data, variable):
            cases += [high, low]
    cases.append(set_level(set_level(data, "group", "c"), "commuter", 1))
    for rows in cases:
        expected = reference.matrix(rows)
        np.testing.assert_array_equal(frame.matrix(rows), expected)
        direct = frame.direct.build(rows)
        assert direct is not None
        np.testing.assert_array_equal(direct, expected)
    # the results built on them are those of formulaic's matrices
    formulaic_model = dataclasses.replace(model, frame=reference)
    pd.testing.assert_frame_equal(model.marginal_effects(),
                                  formulaic_model.marginal_effects())
    settings = {"group": ["a", "c"], "commuter": [0, 1]}
    pd.testing.assert_frame_equal(model.predictive_margins(settings),
                                  formulaic_model.predictive_margins(settings))


def test_rows_the_recipes_do_not_cover_go_to_formulaic(model) -> None:
    """A missing value, a level the fit did not know, or a numeric column given as text
    are left to formulaic (which says what is wrong)."""
    direct = model.frame.direct
    data = model._distinct[0].iloc[:50].copy()
    assert direct.build(data) is not None
    missing = data.assign(x=np.where(np.arange(len(data)) == 3, np.nan, data["x"]))
    assert direct.build(missing) is None
    unknown = data.assign(group=pd.Categorical(["zzz"] * len(data),
                                               categories=["a", "b", "c", "zzz"]))
    assert direct.build(unknown) is None
    assert direct.build(data.assign(x=data["x"].astype(str))) is None
    assert direct.build(data.drop(columns="region")) is None
    # a category the fit did not know but no row holds does not matter
    wider = data.assign(group=data["group"].cat.add_categories(["new"]))
    np.testing.assert_array_equal(direct.build(wider), _formulaic(model).matrix(data))


def test_no_effect_for_a_category_nobody_in_the_model_has(model) -> None:
    """A category without respondents has no column in the model (R's model.frame drops
    it), so the average effects have no row for it (they had one of 0 with SE 0)."""
    effects = model.marginal_effects().loc["group"]
    assert list(effects.index) == ["a vs b", "c vs b"]
    assert (effects["se"] > 0).all()


def test_numbers_written_as_c_get_level_contrasts(model) -> None:
    """``C(code)`` of integers is a categorical predictor in the model: its average effects
    are contrasts of its levels against the first (the truth adds 0.2 on the logit per
    step), not a slope per unit — a slope moved the codes off their levels, which formulaic
    then encoded as no level at all."""
    assert model.frame.coded == ("code",)
    effects = model.marginal_effects().loc["code"]
    assert list(effects.index) == ["2 vs 1", "3 vs 1"]
    assert 0 < effects.loc["2 vs 1", "ame"] < effects.loc["3 vs 1", "ame"]
    data, w = model._distinct
    beta = model.params.to_numpy()

    def mean_probability(level: int) -> float:
        matrix = _formulaic(model).matrix(set_level(data, "code", level))
        return float(np.average(special.expit(matrix @ beta), weights=w))

    np.testing.assert_allclose(effects.loc["3 vs 1", "ame"],
                               100 * (mean_probability(3) - mean_probability(1)), rtol=1e-10)


def _cells_fields(cells) -> list[np.ndarray]:
    return [cells.cells, cells.table, cells.binary, cells.other, cells.values]


@pytest.mark.parametrize("incomplete", [False, True])
def test_cells_from_the_variables_are_those_of_the_matrix(incomplete: bool) -> None:
    """A frame with recipes gives the cell form of its used rows without the n × p matrix:
    the same cells in the same order, table, columns and numeric values as
    `cell_matrix` finds in the matrix; a fit in cell form never builds the matrix, and the
    matrix built later is formulaic's."""
    from surveykit.models.cell_matrix import cell_matrix
    from surveykit.models.frame import model_frame

    rng = np.random.default_rng(7)
    n = 40_000
    data = pd.DataFrame({
        "y": rng.integers(0, 2, n).astype(float),
        "group": pd.Categorical(rng.choice(["a", "b", "c"], n)),
        "x": rng.normal(size=n),
        "commuter": rng.integers(0, 2, n).astype(float),   # numeric but 0/1: a cell bit
        "code": rng.integers(1, 4, n),
        # 0/1 in every kind of numeric column (cell bits), and numbers that are not 0/1
        "married": rng.integers(0, 2, n).astype(bool),
        "female": rng.integers(0, 2, n),
        "owner": pd.array(rng.integers(0, 2, n), dtype="Int64"),
        "renter": rng.integers(0, 2, n).astype(np.uint8),
        "single": rng.integers(0, 2, n).astype(np.float32),
        "share": rng.choice([0.0, 0.5, 1.0], n),
        "years": rng.integers(18, 90, n)})
    if incomplete:
        data.loc[rng.random(n) < 0.1, "x"] = np.nan
        data.loc[rng.random(n) < 0.1, "group"] = np.nan
    formula = ("y ~ C(group, contr.treatment('b')) + x + commuter + C(code) + married"
               " + female + owner + renter + single + share + years")
    frame = model_frame(data, formula, "binary")
    assert frame.built is None and frame.plan is not None
    direct = frame.cells()
    assert "X" not in frame.__dict__  # the cells did not need the matrix
    expected = cell_matrix(frame.X[frame.used], frame.indicators)
    assert expected.table.shape[1] == 11 and len(expected.other) == 3   # x, share, years
    for got, want in zip(_cells_fields(direct), _cells_fields(expected), strict=True):
        np.testing.assert_array_equal(got, want)
        assert got.dtype == want.dtype
    reference = model_frame(data, formula, "binary")
    np.testing.assert_array_equal(reference.X,
                                  _formulaic_matrix(data, formula, reference.used))
    fitted = sk.SurveyDesign(data.assign(w=1.0), weights="w").logit(formula)
    assert "X" not in fitted.frame.__dict__


def _formulaic_matrix(data: pd.DataFrame, formula: str, used: np.ndarray) -> np.ndarray:
    """formulaic's model matrix of the used rows, zero elsewhere (the frame's ``X``)."""
    import formulaic

    rhs = formulaic.Formula(formula).rhs
    built = np.asarray(formulaic.model_matrix(rhs, data.loc[used], output="numpy"))
    X = np.zeros((len(data), built.shape[1]))
    X[used] = built
    return X
