"""Which harmonised columns a step needs: the weight and model steps read only those.

A harmonised survey has dozens of columns (every item of every scale); the weight step needs
the design columns and the margin variables, the model step and its parts the design
columns and the concepts of the config's ``models`` section. At a million respondents
reading all columns costs each of those jobs 0.3–0.8 s, and every later copy of the frame
(a subpopulation, the margin imputation) copies them all.

The concepts a config section names come from the one list of them,
`surveykit.data.references.REFERENCES` (which the config's checks use too), and the margin
variables from the margins files as the weighting reads them (`read_margins`), so a column
the step uses cannot be left out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from surveykit._core.errors import SurveyError
from surveykit.data.config import SurveyConfig
from surveykit.data.references import CONCEPT, REFERENCES, iter_references

__all__ = ["ColumnsOf", "model_columns", "weighting_columns"]

#: Given the harmonise step's concept metadata, the columns a step reads (None: all).
ColumnsOf = Callable[[Mapping[str, Any]], "set[str] | None"]


def _design_columns(concepts: Mapping[str, Any]) -> set[str]:
    """The harmonised design columns (weights, strata, PSUs, fpc) of the concept metadata."""
    columns: set[str] = set()
    for value in (concepts.get("design") or {}).values():
        columns.update([value] if isinstance(value, str) else value or [])
    return columns


def model_columns(config: SurveyConfig) -> ColumnsOf:
    """For `surveykit.pipeline.harmonise.read_harmonised`: the columns of the model step
    and its parts (the design and the concepts ``models`` names: outcomes, predictors,
    controls, reference levels' concepts)."""
    named = {str(value) for reference in REFERENCES
             if reference.refers_to == CONCEPT and reference.path.startswith("models.")
             for _, value, _ in iter_references(config.spec, reference)}
    return lambda concepts: named | _design_columns(concepts)


def weighting_columns(config: SurveyConfig) -> ColumnsOf:
    """For `surveykit.pipeline.harmonise.read_harmonised`: the columns of the weight step
    (the design and the variables of its margins files); all columns where a margins file
    cannot be read (the weight step then reports it)."""
    from surveykit.weighting.margins import read_margins

    files = [entry.get("file") for entry in (config.spec.get("weighting") or {}).get("margins")
             or [] if isinstance(entry, Mapping)]
    named: set[str] = set()
    if files:
        try:
            margins = read_margins([config.resolve(file) for file in files])
        except (SurveyError, OSError, TypeError, ValueError):
            return lambda concepts: None
        named = {name for key in margins
                 for name in (key if isinstance(key, tuple) else (key,))}
    return lambda concepts: named | _design_columns(concepts)
