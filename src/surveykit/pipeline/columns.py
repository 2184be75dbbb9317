"""Which harmonised columns a step needs: the weight and model steps read only those.

A harmonised survey has dozens of columns (every item of every scale); the weight step needs
the design columns and the margin variables, the model step and its parts the design
columns and the variables of the config's ``models`` section. At a million respondents
reading all columns costs each of those jobs 0.3–0.8 s, and every later copy of the frame
(a subpopulation, the margin imputation) copies them all.

What a section may name is found generously: every text anywhere in it (keys, values,
nested lists) that is a column. A text that happens to equal a column's name is read for
nothing; a column the step uses is never left out, so its results are those of reading all
columns.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from surveykit.data.config import SurveyConfig

__all__ = ["ColumnsOf", "model_columns", "named_in", "weighting_columns"]

#: Given the harmonise step's concept metadata, the columns a step reads (None: all).
ColumnsOf = Callable[[Mapping[str, Any]], "set[str] | None"]


def named_in(section: Any) -> Iterator[str]:
    """Every text in a config section: its keys, values and the items of its lists."""
    if isinstance(section, str):
        yield section
    elif isinstance(section, Mapping):
        for key, value in section.items():
            yield from named_in(key)
            yield from named_in(value)
    elif isinstance(section, (list, tuple)):
        for item in section:
            yield from named_in(item)


def _design_columns(concepts: Mapping[str, Any]) -> set[str]:
    """The harmonised design columns (weights, strata, PSUs, fpc) of the concept metadata."""
    return set(named_in(list((concepts.get("design") or {}).values())))


def model_columns(config: SurveyConfig) -> ColumnsOf:
    """For `surveykit.pipeline.harmonise.read_harmonised`: the columns of the model step
    and its parts (the design and what ``models`` names)."""
    named = set(named_in(config.spec.get("models") or {}))
    return lambda concepts: named | _design_columns(concepts)


def weighting_columns(config: SurveyConfig) -> ColumnsOf:
    """For `surveykit.pipeline.harmonise.read_harmonised`: the columns of the weight step
    (the design, what ``weighting`` names, the columns of its margins files); all columns
    where a margins file cannot be read (the weight step then reports it)."""
    spec = config.spec.get("weighting") or {}
    named = set(named_in(spec))
    try:
        for entry in spec.get("margins") or []:
            with open(config.resolve(entry["file"]), encoding="utf-8-sig", newline="") as file:
                named.update(name.strip() for name in next(csv.reader(file), []))
    except (OSError, UnicodeError, csv.Error, KeyError, TypeError):
        return lambda concepts: None
    return lambda concepts: named | _design_columns(concepts)
