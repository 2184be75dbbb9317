"""A small English-language survey from "another region", for the own-survey walkthrough.

It is built unlike the bundled example on purpose: English labels, a 4-point "considered
emigrating" item, its own final weight supplied by the fieldwork agency (no population
margins), no commuting or leisure items, a migration-background item whose label contains
"migration", and a "prefer not to say" code that carries only a value label.
``config/surveys/own_survey_en.yaml`` is the walkthrough config for it; the README's
"Bringing your own survey" section uses both, and a test runs the workflow on them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from surveykit.data.io import Codebook, Variable, write_sav

__all__ = ["OWN_SURVEY_FILE_LABEL", "own_survey", "write_own_survey"]

OWN_SURVEY_FILE_LABEL = "Residents' survey, Northshire 2025 (synthetic)"

_EMIGRATION_LABELS = {1: "not at all", 2: "a little", 3: "somewhat", 4: "a lot",
                      8: "don't know"}


def _variables() -> tuple[Variable, ...]:
    return (
        Variable("resp_id", "Respondent ID", measure="scale", format="F6.0"),
        Variable("q1_age", "Age of respondent (years)", measure="scale", format="F3.0"),
        Variable("gender", "Gender", measure="nominal",
                 value_labels={1: "man", 2: "woman", 9: "prefer not to say"}, format="F1.0"),
        Variable("emig", "Emigration: in the past 12 months, how much have you "
                 "considered moving to another country?", measure="ordinal",
                 value_labels=_EMIGRATION_LABELS, missing_values=(8,), format="F1.0"),
        Variable("born_abroad", "Migration background: born abroad", measure="nominal",
                 value_labels={1: "yes", 2: "no"}, format="F1.0"),
        Variable("educ", "Highest level of education completed", measure="ordinal",
                 value_labels={1: "primary or less", 2: "secondary", 3: "tertiary"},
                 format="F1.0"),
        Variable("region", "Region of residence", measure="nominal",
                 value_labels={1: "North", 2: "East", 3: "South", 4: "West"}, format="F1.0"),
        Variable("hh_children", "Children under 18 living in the household", measure="nominal",
                 value_labels={1: "yes", 2: "no"}, format="F1.0"),
        Variable("employ", "Employment status", measure="nominal",
                 value_labels={1: "employed", 2: "unemployed", 3: "in education",
                               4: "retired", 5: "other"}, format="F1.0"),
        Variable("trust_gov", "Trust in the national government (0-10)", measure="scale",
                 value_labels={0: "no trust at all", 10: "complete trust", 99: "no answer"},
                 format="F2.0"),
        Variable("lifesat", "All things considered, how satisfied are you with your life "
                 "(0-10)?", measure="scale",
                 value_labels={0: "not at all satisfied", 10: "completely satisfied",
                               99: "no answer"}, format="F2.0"),
        Variable("mode", "Interview mode", measure="nominal",
                 value_labels={1: "web", 2: "telephone"}, format="F1.0"),
        Variable("finalwgt", "Final weight (supplied by the fieldwork agency)",
                 measure="scale", format="F8.4"),
    )


def own_survey(n: int = 300, seed: int = 20250611) -> tuple[pd.DataFrame, Codebook]:
    """The synthetic English survey: ``n`` respondents, deterministic in ``seed``.

    Younger respondents consider emigrating more; the weight up-weights the young, so the
    weighted share of "a lot" differs from the unweighted one.
    """
    rng = np.random.default_rng(seed)
    age = rng.integers(16, 90, size=n)
    young = age < 35
    probabilities = np.where(young[:, None], [0.25, 0.20, 0.20, 0.35],
                             [0.50, 0.25, 0.15, 0.10])
    emig = np.array([rng.choice([1, 2, 3, 4], p=p) for p in probabilities])
    emig[rng.random(n) < 0.03] = 8
    gender = rng.choice([1, 2, 9], size=n, p=[0.48, 0.49, 0.03])
    weight = np.round(np.where(young, 1.6, 0.8) * rng.uniform(0.8, 1.25, size=n), 4)
    data = pd.DataFrame({
        "resp_id": np.arange(1001, 1001 + n),
        "q1_age": age,
        "gender": gender,
        "emig": emig,
        "born_abroad": rng.choice([1, 2], size=n, p=[0.15, 0.85]),
        "educ": rng.choice([1, 2, 3], size=n, p=[0.2, 0.5, 0.3]),
        "region": rng.choice([1, 2, 3, 4], size=n),
        "hh_children": rng.choice([1, 2], size=n, p=[0.3, 0.7]),
        "employ": rng.choice([1, 2, 3, 4, 5], size=n, p=[0.5, 0.07, 0.1, 0.28, 0.05]),
        "trust_gov": np.where(rng.random(n) < 0.05, 99, rng.integers(0, 11, size=n)),
        "lifesat": np.where(rng.random(n) < 0.05, 99, rng.integers(0, 11, size=n)),
        "mode": rng.choice([1, 2], size=n, p=[0.7, 0.3]),
        "finalwgt": weight,
    }).astype(float)
    return data, Codebook(_variables(), source="", file_label=OWN_SURVEY_FILE_LABEL,
                          encoding="UTF-8")


def write_own_survey(path: str | Path, n: int = 300, seed: int = 20250611) -> Path:
    """Write :func:`own_survey` as an SPSS file; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    data, codebook = own_survey(n=n, seed=seed)
    write_sav(data, codebook, path)
    return path
