"""Workflow step ``model``: who is willing to move away, and why.

Builds the model formulas from the survey config's ``models`` section (outcome, predictors,
controls, reference levels), fits them on the weighted design as the weight step wrote it
(final weights and their variance adjustments, so the variance accounts for raking or
calibration without weighting again), and returns tidy tables: the
binary logit of ``willing_to_move`` (complete cases and, with ``imputations`` > 0, pooled
over multiple imputations), the proportional-odds model of the full ``intent`` scale with
its assumption check, the multinomial model of the destination among those willing to move,
and a robustness appendix (gradient boosting vs logit, scale reliability).

The imputations and the robustness check's folds can be computed beforehand, as separate
jobs (`surveykit.pipeline.model_parts`); `run_models` then gathers them and the result is
the same, byte for byte.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from surveykit._core.codes import format_code
from surveykit._core.errors import ConfigError
from surveykit.data.config import SurveyConfig, load_survey_config
from surveykit.data.outputs import output_set
from surveykit.pipeline.columns import model_columns
from surveykit.pipeline.harmonise import read_harmonised
from surveykit.pipeline.settings import config_errors, step_settings
from surveykit.pipeline.weight import read_weighted_design
from surveykit.publish.safe_text import write_inert_csv

if TYPE_CHECKING:
    from surveykit.design import SurveyDesign

__all__ = ["ROBUSTNESS_FOLDS", "ModelParts", "categorical_sections", "categorical_spec_keys",
           "fit_models", "model_formula", "model_predictors",
           "model_terms", "run_models", "small_cells"]

#: Cross-validation folds of the robustness appendix (one cluster job each).
ROBUSTNESS_FOLDS = 5


@dataclass(frozen=True)
class ModelParts:
    """Parts of the model step computed by separate jobs (`surveykit.pipeline.model_parts`).

    ``imputations``: estimates, covariances and residual df of every imputation in order;
    ``folds``: the robustness check's `FoldResult`s; ``categorical``: the sections of the
    ordinal and multinomial models (`categorical_sections`); ``warnings``: what the jobs
    warned.
    ``None`` means: compute that part here.
    """

    imputations: tuple[list[pd.Series], list[pd.DataFrame], list[float]] | None = None
    folds: list[Any] | None = None
    categorical: dict[str, Any] | None = None
    warnings: tuple[str, ...] = ()


def model_terms(data: pd.DataFrame, variables: Sequence[str],
                reference_levels: Mapping[str, Any], config_path: str | Path = "") -> list[str]:
    """Formula terms: categorical concepts with their configured reference level.

    The config's references are checked when it is loaded; the checks here guard data that
    does not fit the config (``config_path`` names the config in their messages).
    """
    where = f"{config_path}: " if config_path else ""
    terms = []
    for name in variables:
        if name not in data.columns:
            raise ConfigError(f"{where}models names the concept {name!r}, which the harmonised "
                              "data does not have; rerun the harmonise step")
        column = data[name]
        reference = reference_levels.get(name)
        categorical = isinstance(column.dtype, pd.CategoricalDtype) or column.dtype == object
        if categorical and reference is not None:
            levels = list(column.cat.categories) if isinstance(column.dtype,
                                                               pd.CategoricalDtype) else []
            if levels and reference not in levels:
                raise ConfigError(f"{where}models.reference_levels.{name} is {reference!r}, "
                                  "which is "
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
    terms = model_terms(data, variables, spec.get("reference_levels") or {}, config.path)
    return f"{outcome} ~ " + " + ".join(terms)


def model_predictors(config: SurveyConfig) -> tuple[str, list[str]]:
    """The binary outcome and the predictors and controls of the config's ``models``."""
    spec = config.spec.get("models") or {}
    return spec["outcome"], list(spec.get("predictors") or []) + list(spec.get("controls")
                                                                      or [])


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


def _grid(values: pd.Series, points: int = 17) -> list[Any]:
    """Values at which to predict: the levels of a categorical predictor, 0/1 of a binary
    one, or an even grid from the 5th to the 95th percentile of a numeric one."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return list(values.cat.categories)
    observed = values.dropna()
    if set(observed.unique().tolist()) <= {0, 1}:
        return [0, 1]
    low, high = observed.quantile([0.05, 0.95]).to_numpy(dtype=float)
    return [float(v) for v in np.linspace(low, high, points)]


def _predictions(model: Any, data: pd.DataFrame, config: SurveyConfig) -> pd.DataFrame:
    """Average predicted probabilities for the configured predictor pairs (tidy)."""
    frames = []
    for number, names in enumerate((config.spec.get("models") or {}).get("predictions")
                                   or [], start=1):
        missing = [name for name in names if name not in model.frame.variables]
        if missing:
            raise ConfigError(f"{config.path}: models.predictions[{number - 1}] names "
                              f"{missing}, which the logit does not use; list predictors "
                              "of models.predictors or models.controls")
        table = model.predictive_margins({name: _grid(data[name]) for name in names})
        frames.append(pd.DataFrame({
            "set": number, "x": names[0], "x_value": table[names[0]].astype(str),
            "hue": names[1] if len(names) > 1 else "",
            "hue_value": table[names[1]].astype(str) if len(names) > 1 else "",
            "estimate": table["estimate"], "se": table["se"], "ci_low": table["ci_low"],
            "ci_high": table["ci_high"]}))
    columns = ["set", "x", "x_value", "hue", "hue_value", "estimate", "se", "ci_low",
               "ci_high"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def _binary(design: SurveyDesign, data: pd.DataFrame, config: SurveyConfig, seed: int,
            caught: list[str], parts: ModelParts) -> tuple[dict[str, Any], pd.DataFrame,
                                                           pd.DataFrame, pd.DataFrame]:
    from surveykit.models.imputation import imputation_fits, pool_imputed
    from surveykit.models.separation import (
        flag_effects,
        flag_odds_ratios,
        separated_levels,
        separation_message,
    )

    spec = config.spec.get("models") or {}
    formula = model_formula(data, config, "outcome")
    model = design.logit(formula)
    separated = separated_levels(model)
    section = _fit_section(model, formula)
    section.update(pseudo_r2=model.pseudo_r2(), vif=_records(model.vif()))
    effects = flag_effects(model.marginal_effects().reset_index(), separated)
    predictions = _predictions(model, data, config)
    odds = model.odds_ratios().assign(model="complete cases")
    section["odds_ratios"] = _records(flag_odds_ratios(
        model.odds_ratios().rename_axis("parameter").reset_index(), separated)
        .set_index("parameter"))
    section["separation"] = [
        {**level.record(), "message": separation_message(
            level, str(spec.get("outcome")), separation_remedy(config, level.term))}
        for level in separated]
    m = int(spec.get("imputations", 0) or 0)
    if m >= 2:
        estimates = parts.imputations
        if estimates is None:  # fitted here, one at a time: only Rubin's inputs are kept
            params, covariances, df_resid = zip(*(
                (fit.params, fit.cov, fit.df_resid)
                for fit in imputation_fits(design, formula, "logit", m=m, seed=seed)),
                strict=True)
            estimates = (list(params), list(covariances), list(df_resid))
        pooled = pool_imputed(design, formula, *estimates, model="logit", seed=seed,
                              complete_case=model)
        section["multiple_imputation"] = {
            "m": m, "imputed": pooled.imputed,
            "coefficients": _records(pooled.summary()),
            "comparison": _records(pooled.comparison()),
        }
        odds = pd.concat([odds, pooled.odds_ratios().assign(model=f"pooled over {m} "
                                                                  "imputations")])
    section["warnings"] = caught
    odds = flag_odds_ratios(odds.rename_axis("parameter").reset_index(), separated)
    return section, odds, effects, predictions


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


def categorical_sections(design: SurveyDesign, data: pd.DataFrame, config: SurveyConfig
                         ) -> dict[str, Any]:
    """The ordinal model of ``models.ordinal_outcome`` (with its proportional-odds test)
    and the multinomial model of ``models.destination_outcome``, as configured: the
    ``ordinal`` and ``destination`` sections of the model step's results. They need
    neither the imputations nor the robustness check, so a fanned-out workflow fits them
    in a job of their own (`surveykit.pipeline.model_parts.run_categorical_models`)."""
    fits = {"ordinal": _ordinal, "destination": _destination}
    return {name: fits[name](design, data, config) for name in categorical_spec_keys(config)}


def categorical_spec_keys(config: SurveyConfig) -> list[str]:
    """The sections `categorical_sections` gives for this survey config."""
    spec = config.spec.get("models") or {}
    return [name for name, key in (("ordinal", "ordinal_outcome"),
                                   ("destination", "destination_outcome")) if spec.get(key)]


def _robustness(design: SurveyDesign, config: SurveyConfig, concepts: Mapping[str, Any],
                seed: int, parts: ModelParts) -> dict[str, Any]:
    from surveykit.models.robustness import robustness_check, robustness_from_folds

    outcome, predictors = model_predictors(config)
    if parts.folds is None:
        result = robustness_check(design, outcome, predictors, folds=ROBUSTNESS_FOLDS,
                                  seed=seed)
    else:
        result = robustness_from_folds(design, outcome, predictors, parts.folds,
                                       folds=ROBUSTNESS_FOLDS, seed=seed)
    reliability = {name: info["reliability"] for name, info in concepts.items()
                   if "reliability" in info}
    return {"verdict": result.verdict, "finds_structure": result.finds_structure,
            "metrics": _records(result.metrics.reset_index(), "row"),
            "importance": _records(result.importance), "n": result.n,
            "scale_reliability": reliability}


def separation_remedy(config: SurveyConfig, term: str) -> str:
    """What to change in the config when a level of ``term`` is separated."""
    concept = (config.spec.get("concepts") or {}).get(term) or {}
    if concept.get("type") == "binary":
        return (f"Fix: drop {term} from models.predictors/controls in {config.path}, or "
                "collect more answers.")
    key = "bins" if "bins" in concept else "map"
    return (f"Fix: merge the level with a neighbouring one in concepts.{term}.{key} of "
            f"{config.path} (see README, 'Separation'), or drop {term} from "
            "models.predictors/controls.")


def small_cells(data: pd.DataFrame, outcome: str, predictors: Sequence[str],
                min_cell_n: int, population: str = "") -> list[str]:
    """Warnings for cells of the outcome × categorical-predictor tables below ``min_cell_n``.

    A model estimated from a handful of respondents in a cell gives an effect that looks
    precise only on paper; each warning names the predictor level, the outcome value and
    the count.
    """
    warnings_: list[str] = []
    if outcome not in data.columns:
        return warnings_
    for name in predictors:
        column = data[name] if name in data.columns else None
        if column is None or not (isinstance(column.dtype, pd.CategoricalDtype)
                                  or column.dtype == object):
            continue
        for level, value, count in _cell_counts(column, data[outcome]):
            if count < min_cell_n:
                warnings_.append(
                    f"{population}only {int(count)} respondent(s) with {name} = "
                    f"'{level}' and {outcome} = {format_code(value)} (below min_cell_n "
                    f"= {min_cell_n}); the effect of {name} = '{level}' rests on very "
                    "few answers — merge levels in the config if it matters")
    return warnings_


def _cell_counts(column: pd.Series, outcome: pd.Series) -> list[tuple[Any, Any, int]]:
    """``(level, value, count)`` of the level × outcome table of the respondents with
    both, as ``pd.crosstab`` has it: the levels and outcome values present (each in
    category order, or sorted), every combination of them, zeros included.

    Counted from integer codes: ``pd.crosstab`` takes a second for a million respondents.
    """
    rows, columns = _as_categorical(column), _as_categorical(outcome)
    both = (rows.notna() & columns.notna()).to_numpy()
    n_columns = len(columns.cat.categories)
    counts = np.bincount(np.asarray(rows.cat.codes, dtype=np.int64)[both] * n_columns
                         + np.asarray(columns.cat.codes, dtype=np.int64)[both],
                         minlength=len(rows.cat.categories) * n_columns).reshape(
        len(rows.cat.categories), n_columns)
    present_rows = np.flatnonzero(counts.sum(axis=1))
    present_columns = np.flatnonzero(counts.sum(axis=0))
    return [(rows.cat.categories[i], columns.cat.categories[j], int(counts[i, j]))
            for i in present_rows for j in present_columns]


def _as_categorical(values: pd.Series) -> pd.Series:
    return values if isinstance(values.dtype, pd.CategoricalDtype) else \
        values.astype("category")


def fit_models(design: SurveyDesign, data: pd.DataFrame, concepts: Mapping[str, Any],
               config: SurveyConfig, seed: int, min_cell_n: int,
               parts: ModelParts | None = None
               ) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Fit every configured model on the weighted design.

    Parameters
    ----------
    design
        The weighted design (see `surveykit.pipeline.weight.read_weighted_design`).
    data
        The harmonised data (the design's respondents, same order).
    concepts
        The harmonise step's concept metadata.
    config
        The survey config.
    seed
        Seed of the multiple imputation and the robustness appendix's cross-validation.
    min_cell_n
        Smallest unweighted count of an outcome × predictor cell without a warning.
    parts
        Imputations and robustness folds computed by separate jobs; default: compute
        them here (the same numbers).

    Returns
    -------
    models, odds_ratios, marginal_effects, predictions
        A JSON-ready dict (``binary``, ``ordinal``, ``destination``, ``robustness`` as
        configured) and the three tables the report uses (odds ratios, AMEs in percentage
        points, average predicted probabilities of ``models.predictions``).
    """
    import warnings

    parts = parts or ModelParts()
    spec = config.spec.get("models") or {}
    predictors = list(spec.get("predictors") or []) + list(spec.get("controls") or [])
    results: dict[str, Any] = {"survey": config.id}
    cells = small_cells(data, spec.get("outcome", ""), predictors, min_cell_n)
    destination = spec.get("destination_outcome")
    if destination and spec.get("outcome") in data.columns:
        movers = data[data[spec["outcome"]] == 1]
        cells += small_cells(movers, destination, predictors, min_cell_n,
                             population="destination model (among movers): ")
    with warnings.catch_warnings(record=True) as caught, config_errors(config):
        warnings.simplefilter("always")
        for message in [*cells, *parts.warnings]:
            warnings.warn(message, UserWarning, stacklevel=2)
        binary, odds, effects, predictions = _binary(design, data, config, seed, [], parts)
        results["binary"] = binary
        results.update(categorical_sections(design, data, config)
                       if parts.categorical is None else parts.categorical)
        results["robustness"] = _robustness(design, config, concepts.get("concepts", {}),
                                            seed, parts)
    results["warnings"] = sorted({str(w.message) for w in caught
                                  if issubclass(w.category, UserWarning)})
    return results, odds, effects, predictions


def run_models(config_path: str | Path, harmonised_path: str | Path,
               concepts_path: str | Path, weights_path: str | Path,
               adjustments_path: str | Path, models_out: str | Path,
               odds_ratios_out: str | Path, effects_out: str | Path,
               predictions_out: str | Path,
               workflow_config: dict[str, Any] | str | Path | None = None,
               root: str | Path | None = None,
               imputation_parts: Sequence[str | Path] | None = None,
               robustness_parts: Sequence[str | Path] | None = None,
               categorical_parts: Sequence[str | Path] | None = None) -> None:
    """Fit the configured models on the weighted design the weight step wrote; write their
    results and the odds-ratio and AME tables.

    ``imputation_parts``, ``robustness_parts`` and ``categorical_parts`` are the files of
    `surveykit.pipeline.model_parts` (the imputation chunks, robustness folds and the
    ordinal and multinomial models computed by separate jobs); they are gathered instead
    of computed, with the same result.
    """
    config = load_survey_config(config_path, root=root)
    settings = step_settings(config, workflow_config)
    data, concepts = read_harmonised(harmonised_path, concepts_path, model_columns(config))
    design = read_weighted_design(data, concepts, config, weights_path, adjustments_path)
    parts = None
    if imputation_parts or robustness_parts or categorical_parts:
        from surveykit.pipeline.model_parts import read_parts

        parts = read_parts(imputation_parts, robustness_parts, config, settings.seed,
                           categorical_parts)
    results, odds, effects, predictions = fit_models(design, data, concepts, config,
                                                     settings.seed, settings.min_cell_n, parts)
    for message in results["warnings"]:
        print(f"surveykit model: warning: {message}", file=sys.stderr)
    for level in results["binary"].get("separation", []):
        print(f"surveykit: warning: survey {config.id!r}, logit of "
              f"{(config.spec.get('models') or {}).get('outcome')}: {level['message']}",
              file=sys.stderr)
    with output_set() as out:
        out.write_json(models_out, results)
        out.write_with(odds_ratios_out, lambda p: write_inert_csv(odds.round(10), p))
        out.write_with(effects_out, lambda p: write_inert_csv(effects.round(10), p))
        out.write_with(predictions_out, lambda p: write_inert_csv(predictions.round(10), p))
