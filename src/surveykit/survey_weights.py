"""The workflow's weighting step: harmonised survey + config → final weights + diagnostics.

Builds the `SurveyDesign` from the harmonised design columns, reads the population margins
named in the config (``config/margins/*.csv``), checks them against the sample, and rakes,
post-stratifies or calibrates as ``weighting.method`` says, then trims if asked.
Respondents with a missing value in a margin variable get that value imputed for weighting
only — the most frequent level among respondents who agree on every other margin
variable — and the count is reported; ``weighting.missing: error`` refuses instead.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from surveykit.config import SurveyConfig
from surveykit.design import SurveyDesign
from surveykit.errors import ConfigError, DataError
from surveykit.margins import read_margins
from surveykit.weighting import diagnostics

__all__ = ["WeightingResult", "design_from_harmonised", "weight_survey"]

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
    return SurveyDesign(data, weights=roles.get("weights"), strata=roles.get("strata"),
                        ids=roles.get("ids"), fpc=roles.get("fpc"),
                        nest=bool(design.get("nest", False)),
                        lonely_psu=design.get("lonely_psu", "fail"))


def _variables(key: Any) -> list[str]:
    return list(key) if isinstance(key, tuple) else [key]


def _impute_margin_variables(data: pd.DataFrame, margins: Mapping[Any, Any], policy: str,
                             config: SurveyConfig) -> tuple[pd.DataFrame, dict[str, int]]:
    names = [name for key in margins for name in _variables(key)]
    for name in names:
        if name not in data.columns:
            raise ConfigError(f"{config.path}: a margins file names {name!r}, which is not a "
                              "concept of this survey; name the margin columns after concepts")
    missing = {name: int(data[name].isna().sum()) for name in names}
    if not any(missing.values()):
        return data, missing
    if policy == "error":
        first = next(name for name, count in missing.items() if count)
        raise DataError(
            f"{config.path}: {missing[first]} respondents have no {first!r}, which the "
            "weighting margins need; set weighting.missing: impute (the default) or recode "
            "the missing answers"
        )
    imputed = data.copy()
    for name in names:
        gaps = imputed[name].isna()
        if not gaps.any():
            continue
        others = [o for o in names if o != name]
        known = imputed[~gaps]
        overall = known[name].astype(object).value_counts().index[0]
        fill = pd.Series(overall, index=imputed.index[gaps], dtype=object)
        if others:
            # Modal level among respondents who agree on all other margin variables
            # (group counts, vectorised: no Python work per respondent).
            counts = known.groupby([*others, name], observed=True, dropna=True).size()
            counts = counts[counts > 0].sort_values(ascending=False, kind="stable")
            modes = counts.reset_index().drop_duplicates(subset=others)
            targets = imputed.loc[gaps, others].reset_index()
            matched = targets.merge(modes[[*others, name]], on=others, how="left")
            found = matched[name].astype(object).to_numpy()
            fill = pd.Series(np.where(pd.isna(found), overall, found),
                             index=imputed.index[gaps], dtype=object)
        column = imputed[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            imputed[name] = pd.Categorical(column.astype(object).where(~gaps, fill),
                                           categories=column.cat.categories,
                                           ordered=column.cat.ordered)
        else:
            imputed[name] = column.astype(object).where(~gaps, fill)
    return imputed, missing


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


def _trim_and_readjust(design: SurveyDesign, trim: Mapping[str, Any],
                       adjust: Callable[[SurveyDesign], SurveyDesign],
                       max_rounds: int = 20) -> tuple[SurveyDesign, int]:
    """Alternate trimming and the adjustment until the weights respect the bounds.

    Trimming alone would leave the margins off; re-adjusting alone would undo the trim.
    Each round trims (bounds relative to the mean weight if ``relative``) and adjusts
    again, so the result always fits the margins; it stops when the adjusted weights lie
    within the bounds (0.1 % slack) or after ``max_rounds``.
    """
    for round_ in range(1, max_rounds + 1):
        used = design.weights[design.weights != 0]
        factor = float(used.mean()) if trim.get("relative", False) else 1.0
        lower = trim["lower"] * factor if trim.get("lower") is not None else None
        upper = trim["upper"] * factor if trim.get("upper") is not None else None
        inside = (lower is None or used.min() >= lower * (1 - 1e-3)) and \
            (upper is None or used.max() <= upper * (1 + 1e-3))
        if inside:
            return design, round_ - 1
        design = adjust(design.trim_weights(lower=lower, upper=upper, strict=True))
    return design, max_rounds


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
    if method != "none":
        files = [config.resolve(entry["file"]) for entry in spec.get("margins") or []]
        if not files:
            raise ConfigError(f"{config.path}: weighting.method is {method!r} but no "
                              "weighting.margins files are listed")
        margins = read_margins(files)
        weighting_data, imputed_counts = _impute_margin_variables(
            data, margins, spec.get("missing", "impute"), config)
        margins = read_margins(files, data=weighting_data)
        design = design_from_harmonised(weighting_data, roles, config)
        adjust = _adjuster(method, margins, spec, config)
        design = adjust(design)
    else:
        def adjust(current: SurveyDesign) -> SurveyDesign:
            return current
    trim = spec.get("trim")
    rounds = 0
    if trim and (trim.get("lower") is not None or trim.get("upper") is not None):
        design, rounds = _trim_and_readjust(design, trim, adjust)
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
