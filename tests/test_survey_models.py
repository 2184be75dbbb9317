"""The workflow's model step on the example survey, driven by the config alone."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import EXAMPLE_CONFIG, ROOT, write_changed_config

import surveykit as sk
from surveykit.data.config import load_survey_config
from surveykit.pipeline.model import fit_models, model_formula, small_cells
from surveykit.pipeline.weight import weight_survey


@pytest.fixture(scope="module")
def harmonised():
    config = load_survey_config(EXAMPLE_CONFIG, root=ROOT)
    data, codebook = sk.read_survey(config.source_path)
    result = sk.harmonise(data, codebook, config)
    return result.data, {"design": result.design, "concepts": result.concepts}


def test_formula_comes_from_the_config(harmonised) -> None:
    data, _ = harmonised
    config = load_survey_config(EXAMPLE_CONFIG, root=ROOT)
    formula = model_formula(data, config)
    assert formula.startswith("willing_to_move ~ C(age_group, contr.treatment('45-59')) + "
                              "C(qualification, contr.treatment('medium')) + commuter")
    assert formula.endswith("+ migration_background")
    assert model_formula(data, config, "ordinal_outcome").startswith("intent ~ ")


def test_bad_reference_level_is_named_at_load_time(tmp_path: Path, harmonised) -> None:
    data, _ = harmonised
    path = write_changed_config(EXAMPLE_CONFIG, tmp_path / "example.yaml", lambda s: s[
        "models"]["reference_levels"].update(age_group="45-60"))
    with pytest.raises(sk.ConfigError, match=rf"^{re.escape(str(path))}: models\."
                       r"reference_levels\.age_group names '45-60', which is not a level of "
                       r"age_group \(.*18-29, 30-44.*did you mean '45-59'"):
        load_survey_config(path, root=ROOT)
    # Data that does not fit the config still stops the model step, naming the file.
    config = load_survey_config(path, root=ROOT, check_levels=False)
    with pytest.raises(sk.ConfigError, match=rf"^{re.escape(str(path))}: models\."
                       r"reference_levels\.age_group is '45-60', which is not a level"):
        model_formula(data, config)


def test_all_configured_models_are_fitted(harmonised) -> None:
    data, concepts = harmonised
    config = load_survey_config(EXAMPLE_CONFIG, root=ROOT)
    design = weight_survey(data, concepts["design"], config).design
    results, odds, effects, predictions = fit_models(design, data, concepts, config,
                                                     seed=20261121, min_cell_n=30)
    binary = results["binary"]
    names = {row["parameter"] for row in binary["coefficients"]}
    assert {"(Intercept)", "age_group18-29", "qualificationhigh", "commuter",
            "leisure_satisfaction", "participation_wish"} <= names
    assert binary["multiple_imputation"]["m"] == 20
    assert binary["multiple_imputation"]["imputed"]["leisure_satisfaction"] > 0
    assert {t["term"] for t in binary["term_tests"]} >= {"age_group", "qualification"}
    assert "overall" in {row["term"] for row in results["ordinal"]["proportional_odds_test"]}
    assert results["destination"]["population"] == "respondents with willing_to_move = 1"
    assert results["robustness"]["verdict"].startswith("Gradient boosting")
    assert set(odds["model"]) == {"complete cases", "pooled over 20 imputations"}
    young = effects[(effects["variable"] == "age_group")
                    & (effects["contrast"] == "18-29 vs 45-59")].iloc[0]
    # The synthetic truth: the young are far more willing to move (about +20 points).
    assert 5 < young["ame"] < 35 and young["ci_low"] > 0
    young_commuters = predictions[(predictions["x_value"] == "18-29")
                                  & (predictions["hue_value"] == "1")]["estimate"].iloc[0]
    old_locals = predictions[(predictions["x_value"] == "75+")
                             & (predictions["hue_value"] == "0")]["estimate"].iloc[0]
    assert young_commuters > old_locals + 0.3
    assert set(predictions["set"]) == {1, 2}
    leisure = results["robustness"]["scale_reliability"]["leisure_satisfaction"]
    assert 0.7 < leisure["cronbach_alpha"] < 0.9


def test_small_outcome_cells_are_named(harmonised) -> None:
    data, _ = harmonised
    warnings = small_cells(data, "willing_to_move", ["age_group", "commuter"], 10_000)
    # every cell of a 5-level and a numeric predictor: only age_group is tabulated
    assert len(warnings) == 10
    assert any("with age_group = '18-29' and willing_to_move = 1 " in w for w in warnings)
    assert small_cells(data, "willing_to_move", ["age_group"], 1) == []


def test_cell_counts_are_pandas_crosstab() -> None:
    """The small-cell check counts level × outcome cells from codes; they must be the cells
    of ``pd.crosstab`` (levels and values present, zeros included, the same order), for
    categorical, text, 0/1 and float outcomes."""
    from surveykit.data.recode import format_code
    from surveykit.pipeline.model import _cell_counts

    rng = np.random.default_rng(20261201)
    for trial in range(400):
        n = int(rng.integers(1, 60))
        levels = ["x", "y", "z", "w"][:int(rng.integers(1, 5))]
        column = pd.Series(pd.Categorical(rng.choice([*levels, None], n),
                                          categories=levels[::-1] if trial % 2 else levels,
                                          ordered=bool(trial % 3)))
        if trial % 5 == 0:
            column = column.astype(object)
        outcome = [pd.Series(rng.choice([0, 1, None], n), dtype="Int8"),
                   pd.Series(pd.Categorical(rng.choice(["a", "b", "c", None], n),
                                            categories=["c", "b", "a"])),
                   pd.Series(rng.choice([0.0, 1.0, np.nan], n)),
                   pd.Series(rng.choice(["q", "p", None], n), dtype=object)][trial % 4]
        table = pd.crosstab(column, outcome)
        expected = [(level, format_code(value), int(count))
                    for level, row in table.iterrows() for value, count in row.items()]
        assert [(level, format_code(value), count)
                for level, value, count in _cell_counts(column, outcome)] == expected
