"""Turn a survey file's own variables into canonical concepts, as the survey config says.

One row per respondent in, one row per respondent out, with one column per concept
(``intent``, ``willing_to_move``, ``age_group``, ``leisure_satisfaction`` …) plus the design
columns (``design_weight``, ``design_stratum``, ``design_psu``, ``design_fpc``). Categorical
concepts become pandas categoricals with the configured level order, binary concepts 0/1
(``Int8``), numeric concepts and scale scores float64. Every recode is declarative (see
`surveykit.recode`); a value the config does not cover stops the run with its row.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from surveykit._core.errors import ConfigError, DataError
from surveykit._core.messages import did_you_mean
from surveykit._core.reliability import cronbach_alpha
from surveykit.data.config import SurveyConfig, text_in
from surveykit.data.io.codebook import Codebook
from surveykit.data.missing import MissingRules, parse_missing_spec
from surveykit.data.recode import (
    apply_bins,
    code_key,
    format_code,
    map_codes,
    reverse_code,
    unmapped_error,
)

__all__ = ["DESIGN_COLUMNS", "Harmonised", "check_references", "harmonise"]

#: Canonical names of the design columns in the harmonised data.
DESIGN_COLUMNS = {
    "weights": "design_weight",
    "strata": "design_stratum",
    "ids": "design_psu",
    "fpc": "design_fpc",
}


@dataclass(frozen=True)
class Harmonised:
    """The harmonised data and what was done to make it.

    Attributes
    ----------
    data
        One row per respondent, one column per concept, then the design columns.
    concepts
        Per concept: type, labels (de/en), source variable(s), levels and level labels.
    report
        Per concept: valid and missing counts, level counts, scale reliability.
    design
        The design columns present, by role (``weights``, ``strata``, ``ids``, ``fpc``).
    """

    data: pd.DataFrame
    concepts: dict[str, dict[str, Any]]
    report: dict[str, Any]
    design: dict[str, Any] = field(default_factory=dict)


class _Context:
    """What every concept recode needs: the data, the rules and where to point in messages."""

    def __init__(self, data: pd.DataFrame, codebook: Codebook, config: SurveyConfig) -> None:
        self.data = data
        self.codebook = codebook
        self.config = config
        self.rules = MissingRules.from_config(codebook, config)

    def where(self, concept: str) -> str:
        return f"{self.config.path}: concepts.{concept}"

    def variable(self, concept: str, name: str, key: str = "source") -> pd.Series:
        if name not in self.data.columns:
            raise ConfigError(
                f"{self.where(concept)}.{key} names the variable {name!r}, which "
                f"{self.codebook.source} does not have{did_you_mean(name, self.data.columns)}; "
                f"run 'surveykit inspect {self.codebook.source}' to list its variables"
            )
        return self.data[name]

    def clean(self, concept: str, name: str, spec: Mapping[str, Any], key: str = "source"
              ) -> pd.Series:
        """Source variable with all missing codes (file, config, concept) set to missing."""
        values = self.rules.apply(name, self.variable(concept, name, key))
        extra = parse_missing_spec(spec.get("missing"))
        return values.mask(extra.mask(values)) if extra.values or extra.ranges else values


def _numeric(values: pd.Series, where: str, name: str) -> pd.Series:
    numeric = pd.to_numeric(values, errors="coerce")
    bad = numeric.isna() & values.notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataError(
            f"{where}: variable {name!r} must be numeric, but data row {row + 1} holds "
            f"{values.iloc[row]!r}; use a categorical concept or recode the variable"
        )
    return numeric.astype(float)


def _check_range(values: pd.Series, spec: Mapping[str, Any], where: str, name: str
                 ) -> pd.Series:
    if "valid_range" not in spec:
        return values
    low, high = spec["valid_range"]
    outside = values.notna() & ((values < low) | (values > high))
    if not outside.any():
        return values
    if spec.get("out_of_range") == "missing":
        return values.mask(outside)
    raise unmapped_error(
        where, name, values, outside.to_numpy(),
        f"valid_range is [{low:g}, {high:g}]. Declare such codes under missing, or set "
        "out_of_range: missing",
    )


def _levels_from_labels(values: pd.Series, ctx: _Context, concept: str, name: str
                        ) -> tuple[pd.Series, list[str], dict[str, str]]:
    labels = ctx.codebook[name].value_labels
    codes = map_codes(values, labels)
    if codes.unmapped.any():
        raise unmapped_error(
            ctx.where(concept), name, values, codes.unmapped,
            "it has no value label; add a map: for this concept, declare the code missing, "
            "or use levels: from_values",
        )
    mapped = _level_series(codes.positions, list(codes.targets[:-1]), values.index)
    used = {code_key(v) for v in values.dropna().unique()}
    order = [label for code, label in labels.items() if code_key(code) in used
             or not ctx.rules.mask(name, pd.Series([code])).any()]
    return mapped, list(dict.fromkeys(order)), {}


def _categorical(spec: Mapping[str, Any], values: pd.Series, ctx: _Context, concept: str,
                 origin: str, from_concept: bool) -> tuple[pd.Series, list[str], dict[str, str]]:
    """Levels for a categorical/ordinal concept; returns values, level order, source labels."""
    where = ctx.where(concept)
    if "map" in spec:
        codes = map_codes(values, spec["map"])
        if codes.unmapped.any() and spec.get("unmapped") != "missing":
            raise unmapped_error(
                where, origin, values, codes.unmapped,
                f"add it to concepts.{concept}.map, declare it missing, or set unmapped: missing",
            )
        targets = [str(v) for v in spec["map"].values()]
        mapped = _level_series(codes.positions, [None if target is None else str(target)
                                                 for target in codes.targets[:-1]],
                               values.index)
        source_labels: dict[str, str] = {}
        if not from_concept:
            labels = ctx.codebook[origin].value_labels
            for level in dict.fromkeys(targets):
                codes = [k for k, v in spec["map"].items() if str(v) == level]
                if len(codes) == 1 and code_key(codes[0]) in {code_key(c) for c in labels}:
                    source_labels[level] = next(
                        lab for c, lab in labels.items() if code_key(c) == code_key(codes[0]))
        return mapped, list(dict.fromkeys(targets)), source_labels
    if "bins" in spec:
        bins = spec["bins"]
        numeric = _numeric(values, where, origin)
        binned, outside = apply_bins(numeric, bins["breaks"], bins["labels"],
                                     bins.get("right", False))
        if outside.any():
            raise unmapped_error(where, origin, numeric, outside,
                                 "it lies outside every bin; widen bins.breaks or declare it "
                                 "missing")
        return binned, list(bins["labels"]), {}
    use_labels = spec.get("levels", "from_labels") == "from_labels"
    if not from_concept and use_labels and ctx.codebook[origin].value_labels:
        return _levels_from_labels(values, ctx, concept, origin)
    present = values.dropna()
    keys = sorted({code_key(v) for v in present.unique()}, key=lambda k: (isinstance(k, str), k))
    mapped = _map_distinct(values, lambda v: format_code(code_key(v)))
    return mapped, [format_code(k) for k in keys], {}


def _map_distinct(values: pd.Series, function: Any) -> pd.Series:
    """``function`` of each non-missing value as a categorical (missing where the value
    is), evaluated once per distinct value: a survey has few codes but may have a million
    rows."""
    positions, uniques = pd.factorize(values, use_na_sentinel=True)
    return _level_series(positions, [function(value) for value in uniques], values.index)


def _level_series(positions: np.ndarray, levels: list[Any], index: pd.Index) -> pd.Series:
    """Every row's level as a categorical, from the level of each distinct value.

    ``positions`` gives each row's distinct value (``-1``: missing), ``levels`` each
    distinct value's level (``None``: missing). Equal levels of different values become
    one category, as a factorisation of the rows' levels would make them; the categories
    are the distinct levels given, in the order of their first distinct value (each
    distinct value of a factorisation occurs in some row).
    """
    categories = list(dict.fromkeys(level for level in levels if level is not None))
    category_of = {level: number for number, level in enumerate(categories)}
    code_of_value = np.array([-1 if level is None else category_of[level] for level in levels]
                             + [-1], dtype=np.int64)
    return pd.Series(pd.Categorical.from_codes(code_of_value[positions],
                                               categories=pd.Index(categories, dtype=object)),
                     index=index)


def _finish_categorical(mapped: pd.Series, order: list[str], spec: Mapping[str, Any],
                        where: str, ordered: bool) -> tuple[pd.Series, list[str]]:
    # Coded from the distinct values: a million strings matched one by one take seconds.
    # The recodes give their levels as a categorical already (`_level_series`).
    if isinstance(mapped.dtype, pd.CategoricalDtype):
        positions = np.asarray(mapped.cat.codes, dtype=np.int64)
        uniques = list(mapped.cat.categories)
    else:
        positions, uniques = pd.factorize(mapped, use_na_sentinel=True)
    if "order" in spec:
        configured = [str(v) for v in spec["order"]]
        absent = sorted(set(uniques) - set(configured))
        if absent:
            raise ConfigError(
                f"{where}.order lacks the level(s) {', '.join(map(repr, absent))} that the "
                "recode produces; list every level in order"
            )
        order = configured
    level_of_unique = np.append(pd.Index(order, dtype=object).get_indexer(
        pd.Index(uniques, dtype=object)), -1)
    categorical = pd.Categorical.from_codes(level_of_unique[positions],
                                            categories=order, ordered=ordered)
    return pd.Series(categorical, index=mapped.index), order


def _binary(spec: Mapping[str, Any], values: pd.Series, ctx: _Context, concept: str,
            origin: str) -> pd.Series:
    where = ctx.where(concept)
    if "map" in spec:
        codes = map_codes(values, {k: int(bool(v)) for k, v in spec["map"].items()})
    elif "true_values" in spec:
        true_keys = {code_key(v) for v in spec["true_values"]}
        if "false_values" in spec:
            mapping = {**{k: 0 for k in spec["false_values"]},
                       **{k: 1 for k in spec["true_values"]}}
            codes = map_codes(values, mapping)
        else:
            mapping = {v: int(code_key(v) in true_keys) for v in values.dropna().unique()}
            codes = map_codes(values, mapping)
    else:
        raise ConfigError(f"{where}: a binary concept needs map: or true_values: "
                          "to say which codes mean yes")
    if codes.unmapped.any() and spec.get("unmapped") != "missing":
        raise unmapped_error(where, origin, values, codes.unmapped,
                             f"add it to concepts.{concept} (map or false_values), declare it "
                             "missing, or set unmapped: missing")
    # 0/1 as an Int8 array built from the distinct values' flags: pandas' conversion of a
    # million Python objects takes seconds.
    missing_of_value = np.array([pd.isna(target) for target in codes.targets], dtype=bool)
    flag_of_value = np.array([0 if missing else target for target, missing
                              in zip(codes.targets, missing_of_value, strict=True)],
                             dtype=np.int8)
    missing = missing_of_value[codes.positions] | codes.unmapped
    flags = np.where(missing, 0, flag_of_value[codes.positions]).astype(np.int8)
    return pd.Series(pd.arrays.IntegerArray(flags, missing), index=values.index)


def _scale(spec: Mapping[str, Any], ctx: _Context, concept: str
           ) -> tuple[pd.Series, dict[str, Any]]:
    where = ctx.where(concept)
    items = list(spec["items"])
    low, high = spec["valid_range"]
    reverse = spec.get("reverse", False)
    reversed_items = set(items) if reverse is True else set(reverse or [])
    columns = {}
    for item in items:
        values = _numeric(ctx.clean(concept, item, spec, "items"), where, item)
        values = _check_range(values, spec, where, item)
        columns[item] = reverse_code(values, low, high) if item in reversed_items else values
    frame = pd.DataFrame(columns)
    answered = frame.notna().sum(axis=1)
    min_items = spec.get("min_items", math.ceil(len(items) / 2))
    score = frame.mean(axis=1).where(answered >= min_items)
    if spec.get("score", "mean") == "sum":
        # Prorated sum, so respondents who skipped an item stay comparable.
        score = score * len(items)
    complete = frame.dropna()
    reliability: dict[str, Any] = {"items": items, "min_items": min_items,
                                   "reversed": sorted(reversed_items),
                                   "n_complete": len(complete)}
    if len(complete) > len(items):
        alpha, (low, high) = cronbach_alpha(complete)
        reliability.update(cronbach_alpha=alpha, cronbach_alpha_ci95=[low, high])
    return score.astype(float), reliability


def _harmonise_concept(name: str, spec: Mapping[str, Any], ctx: _Context,
                       done: dict[str, pd.Series]) -> tuple[pd.Series, dict[str, Any]]:
    kind = spec["type"]
    where = ctx.where(name)
    info: dict[str, Any] = {"type": kind}
    if kind == "scale":
        values, reliability = _scale(spec, ctx, name)
        info.update(items=list(spec["items"]), reliability=reliability,
                    source_label=None)
        return values, info
    from_concept = "from" in spec
    if from_concept:
        origin = spec["from"]
        values = done[origin]
        if isinstance(values.dtype, pd.CategoricalDtype):
            values = values.astype(object).where(values.notna(), None)
        info["from"] = origin
        source_label = None
    else:
        origin = spec["source"]
        values = ctx.clean(name, origin, spec)
        info["source"] = origin
        source_label = ctx.codebook[origin].label
    info["source_label"] = source_label
    if kind in ("categorical", "ordinal"):
        mapped, order, source_labels = _categorical(spec, values, ctx, name, origin, from_concept)
        result, order = _finish_categorical(mapped, order, spec, where, kind == "ordinal")
        info.update(levels=order, source_level_labels=source_labels)
        return result, info
    if kind == "binary":
        return _binary(spec, values, ctx, name, origin), info
    numeric = _numeric(values, where, origin)
    numeric = _check_range(numeric, spec, where, origin)
    if spec.get("reverse"):
        numeric = reverse_code(numeric, *spec["valid_range"])
    return numeric, info


def _level_labels(spec: Mapping[str, Any], info: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    configured = spec.get("level_labels") or {}
    labels = {}
    for level in info.get("levels", []):
        given = configured.get(level)
        if given is None:
            german = info.get("source_level_labels", {}).get(level, level)
            labels[level] = {"de": german, "en": level}
        else:
            labels[level] = {"de": text_in(given, "de"), "en": text_in(given, "en")}
    return labels


#: Largest design weight or population count accepted: a thousand times the world's
#: population. Anything above is a data error (1e308 would overflow every sum of squares).
MAX_DESIGN_VALUE = 1e13


def _design_columns(ctx: _Context) -> tuple[dict[str, pd.Series], dict[str, Any]]:
    columns: dict[str, pd.Series] = {}
    roles: dict[str, Any] = {}
    for role, canonical in DESIGN_COLUMNS.items():
        names = ctx.config.design.get(role)
        if not names:
            continue
        names = [names] if isinstance(names, str) else list(names)
        out_names = [canonical] if len(names) == 1 else [f"{canonical}_{i + 1}"
                                                         for i in range(len(names))]
        for source, out in zip(names, out_names, strict=True):
            values = ctx.rules.apply(source, _design_variable(ctx, role, source))
            if values.isna().any():
                row = int(np.flatnonzero(values.isna().to_numpy())[0])
                raise DataError(
                    f"{ctx.codebook.source}: design variable {source!r} ({role}) is missing "
                    f"in data row {row + 1}; every respondent needs a value. Correct the data "
                    "or drop those respondents before ingest"
                )
            if role in ("weights", "fpc"):
                values = _numeric(values, f"{ctx.config.path}: design.{role}", source)
                checks = [
                    (~((values > 0) & np.isfinite(values)), format_code,
                     f"; {role} must be positive finite numbers; correct the data"),
                    (values > MAX_DESIGN_VALUE, lambda value: f"{value:.6g}",
                     f", more than {MAX_DESIGN_VALUE:.0e}; a {role} value counts people, so "
                     "this is a data error (sums of such weights overflow); correct the data"),
                ]
                for bad, shown, why in checks:
                    if bad.any():
                        row = int(np.flatnonzero(bad.to_numpy())[0])
                        raise DataError(
                            f"{ctx.codebook.source}: design variable {source!r} ({role}) is "
                            f"{shown(values.iloc[row])} in data row {row + 1}{why}")
            columns[out] = values
        roles[role] = out_names[0] if len(out_names) == 1 else out_names
    return columns, roles


def _design_variable(ctx: _Context, role: str, source: str) -> pd.Series:
    if source not in ctx.data.columns:
        raise ConfigError(
            f"{ctx.config.path}: design.{role} names the variable {source!r}, which "
            f"{ctx.codebook.source} does not have{did_you_mean(source, ctx.data.columns)}"
        )
    return ctx.data[source]


def _concept_report(values: pd.Series, info: Mapping[str, Any]) -> dict[str, Any]:
    report: dict[str, Any] = {"n": len(values), "n_valid": int(values.notna().sum()),
                              "n_missing": int(values.isna().sum())}
    if "levels" in info:
        counts = values.value_counts(sort=False)
        report["level_counts"] = {str(level): int(counts.get(level, 0))
                                  for level in info["levels"]}
    elif info["type"] == "binary":
        report["n_true"] = int((values == 1).sum())
    else:
        valid = values.dropna()
        if len(valid):
            report.update(min=float(valid.min()), max=float(valid.max()),
                          mean=float(valid.mean()))
    return report


def _check_identifier(ctx: _Context) -> None:
    name = ctx.config.source.get("id_variable")
    if not name:
        return
    ids = ctx.data[name] if name in ctx.data.columns else None
    if ids is None:
        raise ConfigError(
            f"{ctx.config.path}: source.id_variable names {name!r}, which "
            f"{ctx.codebook.source} does not have{did_you_mean(name, ctx.data.columns)}"
        )
    duplicated = ids.duplicated(keep=False).to_numpy()
    if duplicated.any():
        rows = np.flatnonzero(duplicated)[:2] + 1
        raise DataError(
            f"{ctx.codebook.source}: the respondent id {name!r} is the same in data rows "
            f"{rows[0]} and {rows[1]}; ids must be unique: remove duplicate interviews"
        )


def check_references(config: SurveyConfig, codebook: Codebook) -> None:
    """Fail early if the config names a variable the file does not have.

    Checked at ingest, so a misspelt variable stops the run before anything is written.
    """
    references: list[tuple[str, str]] = []
    for name, spec in config.concepts.items():
        if "source" in spec:
            references.append((f"concepts.{name}.source", spec["source"]))
        references += [(f"concepts.{name}.items", item) for item in spec.get("items") or []]
    for role in DESIGN_COLUMNS:
        names = config.design.get(role) or []
        for source in [names] if isinstance(names, str) else names:
            references.append((f"design.{role}", source))
    if config.source.get("id_variable"):
        references.append(("source.id_variable", config.source["id_variable"]))
    for key, name in references:
        if name not in codebook:
            raise ConfigError(
                f"{config.path}: {key} names the variable {name!r}, which {codebook.source} "
                f"does not have{did_you_mean(name, codebook.names)}; run "
                f"'surveykit inspect {codebook.source}' to list its variables"
            )
    MissingRules.from_config(codebook, config)


def harmonise(data: pd.DataFrame, codebook: Codebook, config: SurveyConfig) -> Harmonised:
    """Build the canonical analysis data set of one survey.

    Parameters
    ----------
    data
        The raw data as ingested (user-missing codes still as codes).
    codebook
        The file's codebook.
    config
        The validated survey config (``concepts``, ``missing``, ``design``).

    Returns
    -------
    Harmonised
        Data, concept metadata and a report. The respondent id is checked, never copied.
    """
    check_references(config, codebook)
    ctx = _Context(data, codebook, config)
    _check_identifier(ctx)
    done: dict[str, pd.Series] = {}
    concepts: dict[str, dict[str, Any]] = {}
    report: dict[str, Any] = {}
    for name in config.concept_order():
        spec = config.concepts[name]
        values, info = _harmonise_concept(name, spec, ctx, done)
        done[name] = values.reset_index(drop=True)
        label = spec.get("label")
        info["label"] = {
            "de": text_in(label, "de") if label else (info.get("source_label") or name),
            "en": text_in(label, "en") if label else name,
        }
        if "levels" in info:
            info["level_labels"] = _level_labels(spec, info)
        info.pop("source_level_labels", None)
        info.pop("source_label", None)
        concepts[name] = info
        report[name] = _concept_report(values, info)
        if "reliability" in info:
            report[name]["reliability"] = info["reliability"]
    design_columns, roles = _design_columns(ctx)
    ordered = [name for name in config.concepts]
    frame = pd.DataFrame({name: done[name] for name in ordered})
    for column, values in design_columns.items():
        frame[column] = values.reset_index(drop=True).to_numpy()
    return Harmonised(frame, {n: concepts[n] for n in ordered},
                      {"rows": len(frame), "concepts": {n: report[n] for n in ordered}},
                      roles)
