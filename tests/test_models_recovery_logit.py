"""Recovery: at large n the design-based logit finds the synthetic survey's true coefficients.

The synthetic example (`surveykit synth --n 200000`) is generated with a fixed seed,
harmonised with ``config/surveys/example.yaml`` and analysed with the design (design weights,
strata) and with the raked design of the workflow's weighting step. The binary outcome
``willing_to_move`` follows a logit that is exactly linear in the model's predictors
(``truth["binary"]``, leisure satisfaction centred at 3), so every true coefficient must lie
inside its 99 % CI, and the average marginal effects the true coefficients imply on the same
sample must lie inside the estimated AMEs' 99 % CIs.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import EXAMPLE_CONFIG, ROOT, write_changed_config

import surveykit as sk
from surveykit.data.config import load_survey_config
from surveykit.pipeline.weight import weight_survey
from surveykit.synth import generate
from surveykit.synth.example_files import synth_codebook

pytestmark = pytest.mark.slow

N = 200_000
SEED = 20261121
LEVEL = 0.99
FORMULA = ("willing_to_move ~ C(age_group, contr.treatment('45-59')) "
           "+ C(qualification, contr.treatment('medium')) + commuter "
           "+ I(leisure_satisfaction - 3) + participation_wish + children + home_owner "
           "+ female + migration_background")


def true_coefficients(truth: dict) -> pd.Series:
    """``truth["binary"]`` under our parameter names (``age_group[18-29]`` → ``age_group18-29``)."""
    names = {"(Intercept)": truth["binary"]["intercept"]}
    for term, value in truth["binary"]["beta"].items():
        if term == "leisure_satisfaction":  # the truth's leisure enters centred at 3
            names["I(leisure_satisfaction - 3)"] = value
        elif "[" in term:
            variable, level = term.rstrip("]").split("[")
            names[f"{variable}{level}"] = value
        else:
            names[term] = value
    return pd.Series(names, dtype=float)


@pytest.fixture(scope="module")
def survey():
    return generate(n=N, seed=SEED)


@pytest.fixture(scope="module")
def models(survey, tmp_path_factory) -> dict[str, object]:
    """The logit fitted with the design weights and with the raked weights."""
    config = load_survey_config(EXAMPLE_CONFIG, root=ROOT)
    harmonised = sk.harmonise(survey.data, synth_codebook(survey), config)
    roles = harmonised.design
    design = sk.SurveyDesign(harmonised.data, weights=roles["weights"],
                             strata=roles["strata"])
    # Raking margins of this survey's (larger) population, as `surveykit synth` writes them.
    directory: Path = tmp_path_factory.mktemp("margins")
    files = []
    for name, frame in survey.margins.items():
        frame.to_csv(directory / f"example_{name}.csv", index=False)
        files.append({"file": str(directory / f"example_{name}.csv")})
    raked_config = load_survey_config(write_changed_config(
        EXAMPLE_CONFIG, directory / "example.yaml",
        lambda spec: spec["weighting"].update(margins=files)), root=ROOT,
        data_dirs=[str(directory)])  # the margins lie outside the project
    raked = weight_survey(harmonised.data, roles, raked_config)
    table = raked.margins_table
    np.testing.assert_allclose(table["after_total"], table["population"], rtol=1e-6)
    return {"design weights": design.logit(FORMULA), "raked": raked.design.logit(FORMULA)}


@pytest.mark.parametrize("weighting", ["design weights", "raked"])
def test_true_coefficients_lie_in_the_99_percent_intervals(models, survey, weighting) -> None:
    model = models[weighting]
    truth = true_coefficients(survey.truth)
    assert sorted(truth.index) == sorted(model.params.index)  # every coefficient is checked
    table = model.summary(level=LEVEL).loc[truth.index]
    z = (table["estimate"] - truth) / table["se"]
    outside = table[(truth < table["ci_low"]) | (truth > table["ci_high"])]
    assert outside.empty, (f"{weighting}: true values outside the 99 % CI:\n"
                           f"{outside.assign(truth=truth, z=z)}")
    assert model.n > 0.85 * N and model.converged
    assert np.abs(z).max() < 3.0


@pytest.mark.parametrize("weighting", ["design weights", "raked"])
def test_marginal_effects_agree_with_the_true_model(models, survey, weighting) -> None:
    model = models[weighting]
    truth = true_coefficients(survey.truth)
    estimated = model.marginal_effects(level=LEVEL)
    # The AMEs the true coefficients imply on the same respondents and weights.
    implied = dataclasses.replace(model, params=truth.loc[model.params.index]) \
        .marginal_effects(level=LEVEL)["ame"]
    assert len(estimated) == 13  # 4 age groups, 2 qualifications, 7 further predictors
    outside = estimated[(implied < estimated["ci_low"]) | (implied > estimated["ci_high"])]
    assert outside.empty, (f"{weighting}: true AMEs outside the 99 % CI:\n"
                           f"{outside.assign(true_ame=implied)}")
    z = (estimated["ame"] - implied) / estimated["se"]
    assert np.abs(z).max() < 3.0
