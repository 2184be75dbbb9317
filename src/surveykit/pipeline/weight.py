"""Workflow step ``weight``: harmonised survey + config → final weights, once for all steps.

Builds the `SurveyDesign` from the harmonised design columns, reads the population margins
named in the config (``config/margins/*.csv``), checks them against the sample, and rakes,
post-stratifies or calibrates as ``weighting.method`` says, then trims if asked (trimming
and re-adjusting in turn, `surveykit.weighting.trim_and_readjust`). Respondents with a
missing value in a margin variable get that value imputed for weighting only
(`surveykit.weighting.impute_margin_variables`); ``weighting.missing: error`` refuses
instead.

The step writes the final weights and the variance adjustments that produced them
(`surveykit.weighting.persist`); later steps rebuild the weighted design from those with
:func:`read_weighted_design` instead of weighting again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from surveykit._core.errors import ConfigError, DataError
from surveykit.data.config import SurveyConfig, load_survey_config
from surveykit.data.outputs import output_set
from surveykit.design import SurveyDesign
from surveykit.pipeline.columns import weighting_columns
from surveykit.pipeline.harmonise import read_harmonised
from surveykit.pipeline.settings import config_errors, weighting_method
from surveykit.publish.safe_text import write_inert_csv
from surveykit.weighting import (
    diagnostics,
    impute_margin_variables,
    read_margins,
    trim_and_readjust,
)
from surveykit.weighting.persist import read_adjustments, write_adjustments

__all__ = ["WeightingResult", "design_from_harmonised", "read_weighted_design", "run_weight",
           "weight_survey"]

CALIBRATION_METHODS = ("linear", "raking", "logit")


@dataclass(frozen=True)
class WeightingResult:
    """Final design, per-respondent weights, diagnostics and the margins table."""

    design: SurveyDesign
    weights: pd.DataFrame
    diagnostics: dict[str, Any]
    margins_table: pd.DataFrame


def design_from_harmonised(data: pd.DataFrame, roles: Mapping[str, Any],
                           config: SurveyConfig) -> SurveyDesign:
    """The survey's design from the harmonised design columns (``design_weight`` …)."""
    design = config.design
    with config_errors(config):
        return SurveyDesign(data, weights=roles.get("weights"), strata=roles.get("strata"),
                            ids=roles.get("ids"), fpc=roles.get("fpc"),
                            nest=bool(design.get("nest", False)),
                            lonely_psu=design.get("lonely_psu", "fail"))


def _variables(key: Any) -> list[str]:
    return list(key) if isinstance(key, tuple) else [key]


def _adjuster(method: str, margins: Mapping[Any, Any], spec: Mapping[str, Any],
              config: SurveyConfig) -> Callable[[SurveyDesign], SurveyDesign]:
    """The configured adjustment as a function of a design (so it can be repeated)."""
    tol, max_iter = spec.get("tolerance"), spec.get("max_iter")
    if method == "rake":
        return lambda design: design.rake(margins, tol=tol or 1e-8, max_iter=max_iter or 100)
    if method == "poststratify":
        if len(margins) != 1:
            raise ConfigError(f"{config.path}: poststratify needs exactly one margins "
                              "file (a joint table of all post-strata)")
        key, population = next(iter(margins.items()))
        return lambda design: design.poststratify(_variables(key), population)
    if method in CALIBRATION_METHODS:
        bounds = tuple(spec["bounds"]) if spec.get("bounds") else None
        return lambda design: design.calibrate(dict(margins), method=method, bounds=bounds,
                                               max_iter=max_iter or 50, tol=tol or 1e-7)
    raise ConfigError(f"{config.path}: weighting.method {method!r} is not known")


def weight_survey(data: pd.DataFrame, roles: Mapping[str, Any], config: SurveyConfig
                  ) -> WeightingResult:
    """Weight one harmonised survey as its config's ``weighting`` section says.

    Parameters
    ----------
    data
        The harmonised data (one row per respondent, design columns included).
    roles
        Design columns by role, as written by harmonise (``{"weights": "design_weight"}``).
    config
        The survey config.
    """
    spec = config.spec.get("weighting") or {}
    method = spec.get("method", "none")
    base = design_from_harmonised(data, roles, config)
    margins = None
    imputed_counts: dict[str, int] = {}
    design = base

    def adjust(current: SurveyDesign) -> SurveyDesign:
        return current

    with config_errors(config):
        if method != "none":
            files = [config.resolve(entry["file"]) for entry in spec.get("margins") or []]
            if not files:
                raise ConfigError(f"{config.path}: weighting.method is {method!r} but no "
                                  "weighting.margins files are listed")
            margins = read_margins(files)
            names = [name for key in margins for name in _variables(key)]
            for name in names:
                if name not in data.columns:
                    raise ConfigError(
                        f"{config.path}: a margins file names {name!r}, which is not a "
                        "concept of this survey; name the margin columns after concepts")
            weighting_data, imputed_counts = impute_margin_variables(
                data, names, spec.get("missing", "impute"), where=str(config.path))
            margins = read_margins(files, data=weighting_data)
            design = design_from_harmonised(weighting_data, roles, config)
            adjust = _adjuster(method, margins, spec, config)
            design = adjust(design)
        trim = spec.get("trim") or {}
        design, rounds = trim_and_readjust(design, adjust, lower=trim.get("lower"),
                                           upper=trim.get("upper"),
                                           relative=bool(trim.get("relative", False)))
        info = diagnostics(design, margins, before=base.weights)
    # The imputed margin values served the weighting only: analyses see the data as
    # answered (a respondent without a qualification stays without one).
    design = design.with_data(data)
    table = info.pop("margins", pd.DataFrame())
    info.update(method=method, imputed_for_weighting=imputed_counts,
                margins_files=[str(entry["file"]) for entry in spec.get("margins") or []],
                trim=trim or None, trim_rounds=rounds)
    weights = pd.DataFrame({"design_weight": base.weights, "weight": design.weights})
    weights["adjustment_factor"] = weights["weight"] / weights["design_weight"]
    return WeightingResult(design, weights, info, table)


def run_weight(config_path: str | Path, harmonised_path: str | Path,
               concepts_path: str | Path, weights_out: str | Path,
               adjustments_out: str | Path, diagnostics_out: str | Path,
               margins_out: str | Path | None, root: str | Path | None = None) -> None:
    """Weight a harmonised survey; write the weights, their variance adjustments, the
    diagnostics and — when it weights to population margins — the margins table.

    With ``weighting.method: none`` there are no margins: ``margins_out`` is not written
    (no empty placeholder file), and may be ``None``.
    """
    config = load_survey_config(config_path, root=root)
    data, concepts = read_harmonised(harmonised_path, concepts_path, weighting_columns(config))
    result = weight_survey(data, concepts.get("design", {}), config)
    with output_set() as out:
        out.write_with(weights_out, lambda p: result.weights.to_parquet(p, index=False))
        out.write_with(adjustments_out, lambda p: write_adjustments(result.design, p))
        out.write_json(diagnostics_out, {"survey": config.id, **result.diagnostics})
        if margins_out is not None and weighting_method(config) != "none":
            out.write_with(margins_out, lambda p: write_inert_csv(
                result.margins_table.round(10), p))


def read_weighted_design(data: pd.DataFrame, concepts: Mapping[str, Any],
                         config: SurveyConfig, weights_path: str | Path,
                         adjustments_path: str | Path) -> SurveyDesign:
    """The weighted design as the weight step left it, from its files (no reweighting).

    The design structure comes from the harmonised design columns, the final weights from
    ``weights.parquet`` and the variance adjustments (raking, calibration …) from
    ``adjustments.npz``, so variances are those of the weighted design.
    """
    try:
        weights = pd.read_parquet(weights_path, columns=["weight"])["weight"].to_numpy(float)
    except (OSError, ValueError, KeyError) as error:
        raise DataError(f"{weights_path}: cannot read the weights ({error}); rerun the weight "
                        "step") from None
    if len(weights) != len(data):
        raise DataError(f"{weights_path} has {len(weights)} rows but the harmonised data "
                        f"{len(data)}; rerun the weight step")
    base = design_from_harmonised(data, concepts.get("design", {}), config)
    return base.with_weights(np.asarray(weights), read_adjustments(adjustments_path))
