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
from typing import TYPE_CHECKING, Any

import pandas as pd

from surveykit.config import SurveyConfig
from surveykit.errors import ConfigError

if TYPE_CHECKING:
    from surveykit.design import SurveyDesign

__all__ = ["model_formula", "model_terms", "run_models"]


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


def _records(frame: pd.DataFrame, index_name: str = "parameter") -> list[dict[str, Any]]:
    """A table as JSON-ready records (index as a column; NaN → None)."""
    if frame.index.name is None and not isinstance(frame.index, pd.MultiIndex):
        frame = frame.rename_axis(index_name)
    out = frame.reset_index()
    out = out.astype(object).where(out.notna(), None)
    return out.to_dict(orient="records")


def _fit_section(model: Any, formula: str) -> dict[str, Any]:
    """What every model reports: formula, n, df, coefficients, term tests."""
    return {
        "formula": formula,
        "n": model.n,
        "n_dropped_missing": model.n_dropped,
        "df_resid": model.df_resid,
        "coefficients": _records(model.summary()),
        "odds_ratios": _records(model.odds_ratios()),
        "term_tests": _records(model.terms_table()),
    }


def _binary(design: SurveyDesign, data: pd.DataFrame, config: SurveyConfig,
            caught: list[str]) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    from surveykit.models.imputation import fit_imputed

    spec = config.spec.get("models") or {}
    formula = model_formula(data, config, "outcome")
    model = design.logit(formula)
    section = _fit_section(model, formula)
    section.update(pseudo_r2=model.pseudo_r2(), vif=_records(model.vif()))
    effects = model.marginal_effects()
    odds = model.odds_ratios().assign(model="complete cases")
    m = int(spec.get("imputations", 0) or 0)
    if m >= 2:
        pooled = fit_imputed(design, formula, model="logit", m=m,
                             seed=int(spec.get("seed", 20261121)))
        section["multiple_imputation"] = {
            "m": m, "imputed": pooled.imputed,
            "coefficients": _records(pooled.summary()),
            "comparison": _records(pooled.comparison()),
        }
        odds = pd.concat([odds, pooled.odds_ratios().assign(model=f"pooled over {m} "
                                                                  "imputations")])
    section["warnings"] = caught
    return section, odds, effects


def _ordinal(design: SurveyDesign, data: pd.DataFrame, config: SurveyConfig
             ) -> dict[str, Any]:
    formula = model_formula(data, config, "ordinal_outcome")
    model = design.ordinal_logit(formula)
    section = _fit_section(model, formula)
    section["proportional_odds_test"] = _records(model.proportional_odds_test())
    return section


def _destination(design: SurveyDesign, data: pd.DataFrame, config: SurveyConfig
                 ) -> dict[str, Any]:
    spec = config.spec.get("models") or {}
    outcome = spec.get("outcome")
    formula = model_formula(data, config, "destination_outcome")
    movers = design.subset(data[outcome] == 1) if outcome else design
    model = movers.multinomial_logit(formula)
    section = _fit_section(model, formula)
    section["population"] = f"respondents with {outcome} = 1" if outcome else "all"
    return section


def _robustness(design: SurveyDesign, data: pd.DataFrame, config: SurveyConfig,
                concepts: Mapping[str, Any]) -> dict[str, Any]:
    from surveykit.models.robustness import robustness_check

    spec = config.spec.get("models") or {}
    predictors = list(spec.get("predictors") or []) + list(spec.get("controls") or [])
    result = robustness_check(design, spec["outcome"], predictors,
                              seed=int(spec.get("seed", 20261121)))
    reliability = {name: info["reliability"] for name, info in concepts.items()
                   if "reliability" in info}
    return {"verdict": result.verdict, "finds_structure": result.finds_structure,
            "metrics": _records(result.metrics.reset_index(), "row"),
            "importance": _records(result.importance), "n": result.n,
            "scale_reliability": reliability}


def run_models(data: pd.DataFrame, concepts: Mapping[str, Any], config: SurveyConfig
               ) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """Fit every configured model on the weighted design.

    Returns
    -------
    models, odds_ratios, marginal_effects
        A JSON-ready dict (``binary``, ``ordinal``, ``destination``, ``robustness`` as
        configured) and the two tables the report uses.
    """
    import warnings

    from surveykit.survey_weights import weight_survey

    design = weight_survey(data, concepts.get("design", {}), config).design
    spec = config.spec.get("models") or {}
    results: dict[str, Any] = {"survey": config.id}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        binary, odds, effects = _binary(design, data, config, [])
        results["binary"] = binary
        if spec.get("ordinal_outcome"):
            results["ordinal"] = _ordinal(design, data, config)
        if spec.get("destination_outcome"):
            results["destination"] = _destination(design, data, config)
        results["robustness"] = _robustness(design, data, config,
                                            concepts.get("concepts", {}))
    results["warnings"] = sorted({str(w.message) for w in caught
                                  if issubclass(w.category, UserWarning)})
    return results, odds.rename_axis("parameter").reset_index(), effects.reset_index()
