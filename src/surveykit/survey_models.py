"""The workflow's model step: who is willing to move away, and why.

Builds the model formulas from the survey config's ``models`` section (outcome, predictors,
controls, reference levels), fits them on the weighted design (the weighting is redone in
memory so the variance accounts for raking or calibration), and returns tidy tables: the
binary logit of ``willing_to_move`` (complete cases and, with ``imputations`` > 0, pooled
over multiple imputations), the proportional-odds model of the full ``intent`` scale with
its assumption check, the multinomial model of the destination among those willing to move,
and a robustness appendix (gradient boosting vs logit, scale reliability).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from surveykit.config import SurveyConfig
from surveykit.errors import ConfigError

__all__ = ["model_formula", "model_terms"]


def model_terms(data: pd.DataFrame, variables: Sequence[str],
                reference_levels: Mapping[str, Any]) -> list[str]:
    """Formula terms: categorical concepts with their configured reference level."""
    terms = []
    for name in variables:
        if name not in data.columns:
            raise ConfigError(f"models names the concept {name!r}, which the harmonised data "
                              "does not have")
        column = data[name]
        reference = reference_levels.get(name)
        categorical = isinstance(column.dtype, pd.CategoricalDtype) or column.dtype == object
        if categorical and reference is not None:
            levels = list(column.cat.categories) if isinstance(column.dtype,
                                                               pd.CategoricalDtype) else []
            if levels and reference not in levels:
                raise ConfigError(f"models.reference_levels.{name} is {reference!r}, which is "
                                  f"not a level of {name} ({', '.join(map(str, levels))})")
            terms.append(f"C({name}, contr.treatment({str(reference)!r}))")
        else:
            terms.append(name)
    return terms


def model_formula(data: pd.DataFrame, config: SurveyConfig, outcome_key: str = "outcome"
                  ) -> str:
    """``outcome ~ predictors + controls`` from the config's ``models`` section."""
    spec = config.spec.get("models") or {}
    outcome = spec.get(outcome_key)
    if not outcome:
        raise ConfigError(f"{config.path}: models.{outcome_key} is not set")
    variables = list(spec.get("predictors") or []) + list(spec.get("controls") or [])
    if not variables:
        raise ConfigError(f"{config.path}: models.predictors is empty")
    terms = model_terms(data, variables, spec.get("reference_levels") or {})
    return f"{outcome} ~ " + " + ".join(terms)
