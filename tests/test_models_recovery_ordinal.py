"""The design-based ordinal logit recovers the true parameters of the synthetic example
survey: 200,000 respondents, harmonised with the example's survey config, every true
coefficient and cut-point inside its 99 % interval."""

from __future__ import annotations

import time
from functools import cache

import numpy as np
import pytest
from conftest import EXAMPLE_CONFIG, ROOT

import surveykit as sk
from surveykit.data.config import load_survey_config
from surveykit.synth import generate
from surveykit.synth.example_files import synth_codebook

N, SEED = 200_000, 20261121
PREDICTORS = ("C(age_group, contr.treatment('45-59')) + C(qualification, "
              "contr.treatment('medium')) + commuter")
ORDINAL = (f"intent ~ {PREDICTORS} + I(leisure_satisfaction - 3) + participation_wish + "
           "children + home_owner + female + migration_background")


@cache
def example_survey(n: int = N, seed: int = SEED) -> tuple[sk.SurveyDesign, dict]:
    """The synthetic survey harmonised as the example config says, its design and truth."""
    survey = generate(n=n, seed=seed)
    config = load_survey_config(EXAMPLE_CONFIG, root=ROOT)
    harmonised = sk.harmonise(survey.data, synth_codebook(survey), config)
    roles = harmonised.design
    design = sk.SurveyDesign(harmonised.data, weights=roles["weights"],
                             strata=roles.get("strata"), ids=roles.get("ids"))
    return design, survey.truth


def r_term(truth_name: str) -> str:
    """The truth's ``age_group[18-29]`` → the model's ``age_group18-29``."""
    variable, _, level = truth_name.partition("[")
    return variable + level.rstrip("]")


def outside(summary, truth: dict[str, float]) -> dict[str, tuple[float, float, float]]:
    """Parameters whose true value is outside the interval: name → (truth, low, high)."""
    return {name: (value, summary.loc[name, "ci_low"], summary.loc[name, "ci_high"])
            for name, value in truth.items()
            if not summary.loc[name, "ci_low"] <= value <= summary.loc[name, "ci_high"]}


@pytest.mark.slow
def test_ordinal_logit_recovers_the_true_parameters() -> None:
    design, truth = example_survey()
    started = time.perf_counter()
    model = design.ordinal_logit(ORDINAL)
    elapsed = time.perf_counter() - started
    levels = list(design.data["intent"].cat.categories)
    expected = {("I(leisure_satisfaction - 3)" if name == "leisure_satisfaction"
                 else r_term(name)): value for name, value in truth["ordinal"]["beta"].items()}
    expected |= {f"{levels[int(k[0]) - 1]}|{levels[int(k[-1]) - 1]}": value
                 for k, value in truth["ordinal"]["cutpoints"].items()}
    assert set(expected) == set(model.params.index)
    summary = model.summary(level=0.99)
    assert not outside(summary, expected)
    assert model.n > 0.8 * N and elapsed < 30
    # the estimates are precise enough to matter: every SE is under 0.03
    assert np.all(model.bse < 0.03)
