"""The workflow's weighting step on the example survey, as its config says."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import EXAMPLE_CONFIG, ROOT, write_changed_config

import surveykit as sk
from surveykit.data.config import load_survey_config
from surveykit.pipeline.weight import read_weighted_design, weight_survey
from surveykit.weighting.persist import write_adjustments


@pytest.fixture(scope="module")
def harmonised():
    config = load_survey_config(EXAMPLE_CONFIG, root=ROOT)
    data, codebook = sk.read_survey(config.source_path)
    result = sk.harmonise(data, codebook, config)
    return result.data, result.design


def _config(tmp_path: Path, change):
    path = write_changed_config(EXAMPLE_CONFIG, tmp_path / "example.yaml", change)
    return load_survey_config(path, root=ROOT, data_dirs=[str(tmp_path)])


def test_example_is_raked_to_every_margin_within_trim_bounds(harmonised) -> None:
    data, roles = harmonised
    config = load_survey_config(EXAMPLE_CONFIG, root=ROOT)
    result = weight_survey(data, roles, config)
    table = result.margins_table
    np.testing.assert_allclose(table["after_total"], table["population"], rtol=1e-6)
    weights = result.weights["weight"].to_numpy()
    mean = weights.mean()
    assert weights.max() <= 3.0 * mean * 1.001 and weights.min() >= 0.3 * mean * 0.999
    assert weights.sum() == pytest.approx(25000, rel=1e-8)
    np.testing.assert_array_equal(result.weights["design_weight"], data["design_weight"])
    assert result.diagnostics["imputed_for_weighting"]["qualification"] == \
        int(data["qualification"].isna().sum()) > 0
    young = table[(table["level"].str.startswith("18-29"))]
    # Non-response bias: the young are under-represented until weighting puts them right.
    assert (young["before_share"] < young["population_share"]).all()
    assert 1 < result.diagnostics["kish_deff"] < 2
    assert result.diagnostics["effective_n"] < len(data)


def test_weighting_moves_the_willing_share_towards_the_population(harmonised) -> None:
    data, roles = harmonised
    config = load_survey_config(EXAMPLE_CONFIG, root=ROOT)
    raked = weight_survey(data, roles, config).design
    unweighted = data["willing_to_move"].mean()
    weighted = raked.mean("willing_to_move")["estimate"].iloc[0]
    # The synthetic sample over-represents the old, who rarely want to move.
    assert weighted > unweighted + 0.01


def test_method_none_keeps_design_weights(tmp_path: Path, harmonised) -> None:
    data, roles = harmonised
    config = _config(tmp_path, lambda s: s["weighting"].update(method="none", trim={}))
    result = weight_survey(data, roles, config)
    np.testing.assert_array_equal(result.weights["weight"], data["design_weight"])


def test_linear_calibration_fits_the_margins(tmp_path: Path, harmonised) -> None:
    data, roles = harmonised
    config = _config(tmp_path, lambda s: s["weighting"].update(method="linear", trim={}))
    table = weight_survey(data, roles, config).margins_table
    np.testing.assert_allclose(table["after_total"], table["population"], rtol=1e-6)


def test_missing_margin_values_can_be_refused(tmp_path: Path, harmonised) -> None:
    data, roles = harmonised
    config = _config(tmp_path, lambda s: s["weighting"].update(missing="error"))
    with pytest.raises(sk.DataError, match=r"44 respondents have no 'qualification'.*"
                                           r"weighting.missing: impute"):
        weight_survey(data, roles, config)


def test_margins_must_name_concepts(tmp_path: Path, harmonised) -> None:
    data, roles = harmonised
    margins = tmp_path / "bad.csv"
    pd.DataFrame({"gender": ["male", "female"], "population": [12000, 13000]}).to_csv(
        margins, index=False)
    config = _config(tmp_path, lambda s: s["weighting"].update(
        margins=[{"file": str(margins)}]))
    with pytest.raises(sk.ConfigError, match=r"names 'gender', which is not a concept"):
        weight_survey(data, roles, config)
    config = _config(tmp_path, lambda s: s["weighting"].update(
        margins=[{"file": str(tmp_path / "absent.csv")}]))
    with pytest.raises(sk.ConfigError, match=r"absent.csv does not exist"):
        weight_survey(data, roles, config)


def test_imputed_margin_values_do_not_leak_into_analyses(harmonised) -> None:
    data, roles = harmonised
    config = load_survey_config(EXAMPLE_CONFIG, root=ROOT)
    design = weight_survey(data, roles, config).design
    assert design.data["qualification"].isna().sum() == data["qualification"].isna().sum() > 0
    shares = design.proportion("qualification")
    assert shares["n"].iloc[0] == data["qualification"].notna().sum()


def test_later_steps_read_the_weighted_design_back_unchanged(tmp_path: Path, harmonised
                                                              ) -> None:
    """Weights and their variance adjustments written once give the same variances."""
    data, roles = harmonised
    config = load_survey_config(EXAMPLE_CONFIG, root=ROOT)
    result = weight_survey(data, roles, config)
    result.weights.to_parquet(tmp_path / "weights.parquet", index=False)
    write_adjustments(result.design, tmp_path / "adjustments.npz")
    again = read_weighted_design(data, {"design": roles}, config, tmp_path / "weights.parquet",
                                 tmp_path / "adjustments.npz")
    assert len(again.adjustments) == len(result.design.adjustments) > 0
    expected = result.design.mean(["willing_to_move", "age_group"], by="commuter")
    got = again.mean(["willing_to_move", "age_group"], by="commuter")
    pd.testing.assert_frame_equal(pd.DataFrame(got), pd.DataFrame(expected), rtol=1e-12)
    plain = again.with_weights(again.weights)  # same weights, no further adjustment
    assert plain.adjustments == again.adjustments


def test_equal_adjustment_arrays_are_written_once_and_read_back_as_one(
        tmp_path: Path, harmonised) -> None:
    """The cells shared by the rounds of one raking are stored once (format 2) and read
    back as one array; a file of format 1 (every array in full) still reads the same."""
    import dataclasses

    from surveykit.weighting import persist

    data, roles = harmonised
    config = load_survey_config(EXAMPLE_CONFIG, root=ROOT)
    design = weight_survey(data, roles, config).design
    path = tmp_path / "adjustments.npz"
    write_adjustments(design, path)
    with np.load(path) as file:
        names = file.files
    references = [name for name in names if name.endswith(".same_as")]
    assert len(design.adjustments) > 1 and references  # later rounds refer to the first
    back = persist.read_adjustments(path)
    assert len(back) == len(design.adjustments)
    for read, written in zip(back, design.adjustments, strict=True):
        assert type(read) is type(written)
        for field in dataclasses.fields(written):
            np.testing.assert_array_equal(getattr(read, field.name),
                                          getattr(written, field.name))
    shared = {name[: -len(".same_as")].split("/", 1)[1] for name in references}
    for field in shared:
        assert all(getattr(adjustment, field) is getattr(back[0], field)
                   for adjustment in back[1:])
    # format 1: every array in full, as earlier versions wrote it
    full = {"format_version": np.array(1), "count": np.array(len(design.adjustments))}
    for i, adjustment in enumerate(design.adjustments):
        full.update(persist._arrays_of(adjustment, f"{i}/"))
    np.savez(tmp_path / "old.npz", **full)
    assert (tmp_path / "old.npz").stat().st_size > path.stat().st_size
    old = persist.read_adjustments(tmp_path / "old.npz")
    for read, again in zip(old, back, strict=True):
        for field in dataclasses.fields(read):
            np.testing.assert_array_equal(getattr(read, field.name), getattr(again, field.name))
    # a reference to an array the file does not hold: a clear error, not a KeyError
    broken = dict(np.load(path))
    broken[references[0]] = np.array("9/nothing")
    np.savez(tmp_path / "broken.npz", **broken)
    with pytest.raises(sk.DataError, match=r"cannot read the weighting adjustments.*rerun"):
        persist.read_adjustments(tmp_path / "broken.npz")
