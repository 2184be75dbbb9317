"""The second bundled example (Stadt Grünfelde): its own questionnaire harmonises to the same
concepts, and a design-based logit on a large draw recovers its documented truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

import surveykit as sk
from surveykit.data.config import load_survey_config
from surveykit.synth.example_files import synth_codebook
from surveykit.synth.small_town import TOWN_FILE_LABEL, generate_town

TOWN_CONFIG = ROOT / "config" / "surveys" / "gruenfelde.yaml"


def _harmonised(n: int, seed: int) -> tuple[pd.DataFrame, dict, dict]:
    survey = generate_town(n=n, seed=seed)
    config = load_survey_config(TOWN_CONFIG, root=ROOT)
    harmonised = sk.harmonise(survey.data, synth_codebook(survey, file_label=TOWN_FILE_LABEL),
                              config)
    return harmonised.data, harmonised.design, survey.truth | {"raw": survey.data}


def test_another_questionnaire_gives_the_same_concepts() -> None:
    data, roles, truth = _harmonised(900, 20251015)
    raw = truth["raw"]
    assert len(data) == len(raw) == 893
    # sex is coded 1 = female here (2 = female in the Harz survey)
    assert (data["female"] == (raw["F03_GESCHLECHT"] == 1)).all()
    # satisfaction 5 = very satisfied here (1 = very satisfied in the Harz survey)
    culture = data["sat_culture"].astype(str)
    assert (culture[raw["F10_A"] == 5] == "very_satisfied").all()
    assert (culture[raw["F10_A"] == 1] == "very_dissatisfied").all()
    # the 5-point intent: willing = "eher ja" or "bestimmt"; "vielleicht" is not willing
    answered = raw["F20_WEGZUG"] > 0
    assert (data.loc[answered, "willing_to_move"] == (raw.loc[answered, "F20_WEGZUG"] >= 4)
            ).all()
    assert data.loc[~answered, "willing_to_move"].isna().all()  # -8/-9 are user-missing
    assert list(data["intent"].cat.categories) == ["certainly_not", "rather_not", "maybe",
                                                   "rather_yes", "certainly"]
    assert roles["weights"] == "design_weight" and roles.get("strata") is None
    assert np.allclose(data["design_weight"], raw["GEW_D"])


@pytest.mark.slow
def test_a_large_draw_recovers_the_true_logit() -> None:
    data, roles, truth = _harmonised(60_000, 7)
    raw = truth["raw"]
    housing = raw["F10_I"].where(raw["F10_I"] > 0)
    data = data.assign(housing=housing.to_numpy())
    design = sk.SurveyDesign(data, weights=roles["weights"])
    model = design.logit(
        "willing_to_move ~ C(age_group, contr.treatment('45-59')) "
        "+ C(qualification, contr.treatment('medium')) + commuter "
        "+ I(leisure_satisfaction - 3) + I(housing - 3) + children + home_owner + female")
    beta = truth["binary"]["beta"]
    expected = {"(Intercept)": truth["binary"]["intercept"],
                "I(leisure_satisfaction - 3)": beta["leisure_satisfaction"],
                "I(housing - 3)": beta["housing_satisfaction"]}
    for term, value in beta.items():
        if "[" in term:
            variable, level = term.rstrip("]").split("[")
            expected[f"{variable}{level}"] = value
        elif term not in ("leisure_satisfaction", "housing_satisfaction"):
            expected[term] = value
    expected = pd.Series(expected)
    table = model.summary(level=0.99).loc[sorted(model.params.index)]
    assert sorted(expected.index) == list(table.index)
    truth_sorted = expected.loc[table.index]
    outside = table[(truth_sorted < table["ci_low"]) | (truth_sorted > table["ci_high"])]
    assert outside.empty, outside.assign(truth=truth_sorted)
    z = (table["estimate"] - truth_sorted) / table["se"]
    assert np.abs(z).max() < 3.0
