"""Golden cases' weight adjustments (``design.adjust`` steps) translated to surveykit's API.

R's arguments are recorded in tests/golden/golden.json (see tests/golden/README.md):

* ``rake``: ``margins`` in R's order and R's ``control``. A relative ``epsilon`` (< 1) is
  used as our ``tol``; R's default control (``epsilon = 1`` count, ``maxit = 10``) stops
  before convergence (~3e-5 relative in the weights), so those cases are raked to
  convergence here (``tol = 1e-10``) and compared at a looser tolerance
  (tests/test_weighting_golden.py).
* ``poststratify``: ``strata`` (a list) and ``population`` ``{level: count}``.
* ``calibrate``: R's ``population`` is keyed by model-matrix columns (``"(Intercept)"``,
  ``"stypeH"``, ``"api99"``) of the ``formula``; a factor's reference level gets
  ``(Intercept)`` minus its other levels.
* ``trim``: ``lower``, ``upper``, ``strict``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

import surveykit as sk

#: Convergence tolerance used for R's default rake control.
CONVERGED_TOL = 1e-10


def _is_factor(data: pd.DataFrame, variable: str) -> bool:
    values = data[variable]
    return not pd.api.types.is_numeric_dtype(values.dtype) or \
        isinstance(values.dtype, pd.CategoricalDtype)


def _levels(data: pd.DataFrame, variable: str) -> list:
    values = data[variable]
    if isinstance(values.dtype, pd.CategoricalDtype):
        return list(values.cat.categories)
    return sorted(values.dropna().unique().tolist())


def calibration_population(formula: str, population: dict[str, float], data: pd.DataFrame
                           ) -> dict[str, Any]:
    """R's model-matrix totals for ``formula`` → ``{variable: {level: count} | total}``."""
    terms = [t.strip() for t in formula.replace("~", "").split("+") if t.strip()]
    size = population.get("(Intercept)")
    result: dict[str, Any] = {}
    for term in terms:
        if _is_factor(data, term):
            levels = _levels(data, term)
            counts = {level: population[f"{term}{level}"] for level in levels[1:]}
            assert size is not None, "a factor needs the intercept's population size"
            result[term] = {levels[0]: size - sum(counts.values()), **counts}
        else:
            result[term] = population[term]
    if not any(_is_factor(data, t) for t in terms) and size is not None:
        result["(Intercept)"] = size
    return result


def rake_settings(control: dict[str, Any]) -> dict[str, Any]:
    if control.get("epsilon_is_relative"):
        return {"tol": control["epsilon"], "max_iter": control["maxit"]}
    return {"tol": CONVERGED_TOL, "max_iter": 1000}


def apply_adjust(design: sk.SurveyDesign, step: dict[str, Any], data: pd.DataFrame
                 ) -> sk.SurveyDesign:
    """Apply one golden ``design.adjust`` step (or an adjust case's ``op``/``args``)."""
    op, args = step["op"], step["args"]
    if op == "rake":
        margins = {name: args["margins"][name] for name in args["margin_order"]}
        return design.rake(margins, **rake_settings(args["control"]))
    if op == "poststratify":
        strata = args["strata"]
        return design.poststratify(strata[0] if len(strata) == 1 else strata,
                                   args["population"])
    if op == "calibrate":
        assert args["stage"] == 0 and not args["bounds_const"]
        population = calibration_population(args["formula"], args["population"], data)
        bounds = tuple(args["bounds"]) if args["bounds"] is not None else None
        return design.calibrate(population, method=args["calfun"], bounds=bounds,
                                max_iter=args["maxit"], tol=args["epsilon"])
    if op == "trim":
        return design.trim_weights(lower=args["lower"], upper=args["upper"],
                                   strict=args["strict"])
    raise AssertionError(f"unknown adjust op {op!r}")
