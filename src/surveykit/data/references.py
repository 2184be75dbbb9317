"""Every reference in a survey config to a concept or a level, checked when it is loaded.

A level that does not exist must never turn into a different number: ``true_values:
[a lot]`` where the level is ``a_lot`` would count nobody as willing, and the share would
drop from 29 % to 6 % without a word. So every key that names a concept or a level is
listed once, in `REFERENCES`, with what it refers to, and :func:`check_config_references`
checks them all against the levels the config itself defines (targets of ``map``,
``order``, ``bins`` labels, levels of the concept a concept is derived ``from``) and, for
``levels: from_labels``, against the data file's value labels, read from its metadata only
(the SPSS dictionary or the CSV's YAML codebook). A new section of the config that names
concepts or levels is one more line in `REFERENCES`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from surveykit._core.codes import code_key, format_code
from surveykit._core.errors import ConfigError
from surveykit._core.messages import did_you_mean
from surveykit.data.io import Codebook, Variable, read_survey_metadata
from surveykit.data.missing import MissingRules

if TYPE_CHECKING:
    from surveykit.data.config import SurveyConfig

__all__ = ["CONCEPT", "INPUT", "LEVEL", "PRODUCED", "REFERENCES", "ConceptLevels", "Reference",
           "check_config_references", "concept_levels", "config_codebook", "iter_references"]

#: The value names a concept.
CONCEPT = "concept"
#: The value is a level of the concept bound by the path's first ``*`` (after ``order``).
LEVEL = "level"
#: The value is a level the concept's recode produces (``map`` targets, bins, labels).
PRODUCED = "produced level"
#: The value is a level of what the concept is made from: the concept it is derived
#: ``from``, or a code of its source variable.
INPUT = "input"

CATEGORICAL = ("categorical", "ordinal")


@dataclass(frozen=True)
class Reference:
    """One kind of reference in a survey config.

    Attributes
    ----------
    path
        Key path: ``a.b`` a key, ``*`` every key of a mapping (the first ``*`` binds the
        concept that ``LEVEL``, ``PRODUCED`` and ``INPUT`` refer to), ``[]`` every item of a
        list, ``<keys>`` the keys of a mapping themselves.
    refers_to
        `CONCEPT`, `LEVEL`, `PRODUCED` or `INPUT`.
    types
        For `CONCEPT`: the concept types allowed there (empty: any).
    """

    path: str
    refers_to: str
    types: tuple[str, ...] = ()


#: Every reference in a survey config. One line per key path.
REFERENCES: tuple[Reference, ...] = (
    # A concept's own levels first, so a typo is reported where it was made.
    Reference("concepts.*.order[]", PRODUCED),
    Reference("concepts.*.map.<keys>", INPUT),
    Reference("concepts.*.map.*", LEVEL),
    Reference("concepts.*.level_labels.<keys>", LEVEL),
    Reference("concepts.*.true_values[]", INPUT),
    Reference("concepts.*.false_values[]", INPUT),
    Reference("groups[]", CONCEPT),
    Reference("indicators[]", CONCEPT),
    Reference("areas", CONCEPT, CATEGORICAL),
    Reference("models.outcome", CONCEPT, ("binary",)),
    Reference("models.ordinal_outcome", CONCEPT, ("ordinal",)),
    Reference("models.destination_outcome", CONCEPT, CATEGORICAL),
    Reference("models.predictors[]", CONCEPT),
    Reference("models.controls[]", CONCEPT),
    Reference("models.reference_levels.<keys>", CONCEPT, CATEGORICAL),
    Reference("models.reference_levels.*", LEVEL),
)


@dataclass(frozen=True)
class ConceptLevels:
    """What a concept's level references are checked against; ``None`` where unknown.

    Attributes
    ----------
    type
        The concept's type.
    produced
        Levels its recode produces (before ``order``).
    levels
        Its levels (``order`` if given, else ``produced``).
    inputs
        Levels or codes of what it is made from.
    input_name
        What ``inputs`` are, for messages (``the concept 'intent'``, ``variable 'x' in …``).
    open_codes
        Source codes whose value labels leave gaps: whole numbers between the smallest and
        the largest labelled code count as existing too (``(low, high)``), else ``None``.
    """

    type: str
    produced: list[Any] | None
    levels: list[Any] | None
    inputs: list[Any] | None = None
    input_name: str = ""
    open_codes: tuple[float, float] | None = None


def config_codebook(config: SurveyConfig) -> Codebook | None:
    """The codebook of the config's data file, from its metadata; ``None`` if the file (or a
    CSV's codebook) is not there yet — the ingest step reports that."""
    from surveykit.data.io import default_codebook_path, detect_format

    path = config.source_path
    kind = detect_format(path, config.source.get("format"))
    book = config.codebook_path or default_codebook_path(path)
    if not path.is_file() or (kind == "csv" and not book.is_file()):
        return None
    return read_survey_metadata(path, kind, encoding=config.source.get("encoding"),
                                codebook=book if kind == "csv" else None)


def _source_codes(variable: Variable) -> tuple[list[Any] | None, tuple[float, float] | None]:
    """Labelled codes of a source variable and, where the labels leave gaps, their range."""
    codes = list(variable.value_labels)
    if not codes:
        return None, None
    numbers = sorted(float(c) for c in codes if not isinstance(c, str))
    whole = [n for n in numbers if n.is_integer()]
    gaps = len(whole) >= 2 and len(set(whole)) < whole[-1] - whole[0] + 1
    return codes, (whole[0], whole[-1]) if gaps else None


def _labelled_levels(variable: Variable, rules: MissingRules) -> list[str]:
    """Levels of ``levels: from_labels``: labels of codes that are not missing (as harmonise
    makes them)."""
    codes = list(variable.value_labels)
    missing = rules.mask(variable.name, pd.Series(codes, dtype=object)) if codes else []
    return list(dict.fromkeys(label for (_, label), gone
                              in zip(variable.value_labels.items(), missing, strict=True)
                              if not gone))


def concept_levels(config: SurveyConfig, codebook: Codebook | None
                   ) -> dict[str, ConceptLevels]:
    """The levels of every concept, as far as the config and the file's metadata tell."""
    rules = None
    if codebook is not None:
        try:
            rules = MissingRules.from_config(codebook, config)
        except ConfigError:
            rules = None  # a misspelt name under missing: is reported at ingest
    result: dict[str, ConceptLevels] = {}
    for name in config.concept_order():
        spec = config.concepts[name]
        kind = spec["type"]
        inputs: list[Any] | None = None
        input_name, open_codes = "", None
        variable = None
        if "from" in spec:
            inputs = result[spec["from"]].levels
            input_name = f"the concept {spec['from']!r} it is derived from"
        elif "source" in spec and codebook is not None and spec["source"] in codebook:
            variable = codebook[spec["source"]]
            inputs, open_codes = _source_codes(variable)
            input_name = f"variable {variable.name!r} in {codebook.source}"
        produced: list[Any] | None = None
        if kind == "binary":
            produced = [0, 1]
        elif kind in CATEGORICAL:
            if "map" in spec:
                produced = list(dict.fromkeys(str(v) for v in spec["map"].values()))
            elif "bins" in spec:
                produced = list(spec["bins"]["labels"])
            elif "from" in spec:
                produced = None if inputs is None else [format_code(code_key(v))
                                                        for v in inputs]
            elif (variable is not None and rules is not None and variable.value_labels
                  and spec.get("levels", "from_labels") == "from_labels"):
                produced = _labelled_levels(variable, rules)
        levels = produced
        if kind in CATEGORICAL and "order" in spec:
            levels = [str(v) for v in spec["order"]]
        result[name] = ConceptLevels(kind, produced, levels, inputs, input_name, open_codes)
    return result


def iter_references(spec: Mapping[str, Any], reference: Reference
                    ) -> Iterator[tuple[str, Any, str | None]]:
    """``(key, value, bound concept)`` for every place ``reference.path`` matches."""

    def walk(node: Any, segments: Sequence[str], key: str, bound: str | None
             ) -> Iterator[tuple[str, Any, str | None]]:
        if not segments:
            yield key, node, bound
            return
        head, rest = segments[0], segments[1:]
        is_list = head.endswith("[]")
        name = head.removesuffix("[]")
        if name == "<keys>":
            if isinstance(node, Mapping):
                for child in node:
                    yield key, child, bound if bound is not None else str(child)
            return
        if name == "*":
            if isinstance(node, Mapping):
                for child_key, child in node.items():
                    yield from walk(child, rest, f"{key}.{child_key}",
                                    bound if bound is not None else str(child_key))
            return
        if not isinstance(node, Mapping) or node.get(name) is None:
            return
        child, child_key = node[name], f"{key}.{name}" if key else name
        if is_list:
            for item in child if isinstance(child, list) else []:
                yield from walk(item, rest, child_key, bound)
        else:
            yield from walk(child, rest, child_key, bound)

    yield from walk(spec, reference.path.split("."), "", None)


def _shown(values: Sequence[Any], limit: int = 12) -> str:
    shown = [format_code(code_key(v)) if not isinstance(v, str) else v for v in values]
    text = ", ".join(shown[:limit])
    return text + (f" … ({len(shown)} in all)" if len(shown) > limit else "")


def _exists(value: Any, candidates: Sequence[Any], open_codes: tuple[float, float] | None
            ) -> bool:
    key = code_key(value)
    if key in {code_key(c) for c in candidates}:
        return True
    if open_codes is None or isinstance(key, str):
        return False
    return key.is_integer() and open_codes[0] <= key <= open_codes[1]


def _fail(config: SurveyConfig, key: str, value: Any, what: str, candidates: Sequence[Any],
          fix: str) -> ConfigError:
    shown = value if isinstance(value, str) else format_code(code_key(value))
    return ConfigError(
        f"{config.path}: {key} names {shown!r}, which is not {what}"
        f"{did_you_mean(str(shown), [str(c) for c in candidates])}; {fix}"
    )


def _check(config: SurveyConfig, reference: Reference, key: str, value: Any,
           bound: str | None, levels: Mapping[str, ConceptLevels]) -> None:
    concepts = config.concepts
    if reference.refers_to == CONCEPT:
        if value not in concepts:
            raise ConfigError(
                f"{config.path}: {key} names the concept {value!r}, which is not defined"
                f"{did_you_mean(str(value), concepts)}; define it under concepts or fix the name")
        kind = concepts[value]["type"]
        if reference.types and kind not in reference.types:
            raise ConfigError(
                f"{config.path}: {key} names {value!r}, a {kind} concept, but {key} needs "
                f"a {' or '.join(reference.types)} concept; name another concept or change "
                f"concepts.{value}.type")
        return
    info = levels.get(bound or "")
    if info is None:
        return  # the bound concept itself is checked by its own CONCEPT reference
    if reference.refers_to == INPUT:
        candidates, what, open_codes = info.inputs, info.input_name, info.open_codes
        if candidates is None:
            return
        what = f"a level of {what} ({_shown(candidates)})" if "concept" in what else \
            f"a code of {what} (labelled codes: {_shown(candidates)})"
        fix = "use one of them exactly as written"
    else:
        candidates = info.produced if reference.refers_to == PRODUCED else info.levels
        if candidates is None:
            return
        open_codes = None
        source = "its recode produces" if reference.refers_to == PRODUCED else "it has"
        what = f"a level of {bound} (the levels {source}: {_shown(candidates)})"
        fix = "use one of them exactly as written"
    if not _exists(value, candidates, open_codes):
        raise _fail(config, key, value, what, candidates, fix)


def _check_order_complete(config: SurveyConfig, levels: Mapping[str, ConceptLevels]) -> None:
    for name, info in levels.items():
        order = config.concepts[name].get("order")
        if order is None or info.produced is None or info.type not in CATEGORICAL:
            continue
        listed = {code_key(v) for v in order}
        absent = [level for level in info.produced if code_key(level) not in listed]
        if absent:
            raise ConfigError(
                f"{config.path}: concepts.{name}.order lacks the level(s) "
                f"{', '.join(map(repr, absent))} that its recode produces; list every level "
                "in order")


def check_config_references(config: SurveyConfig, codebook: Codebook | None = None,
                            read_file: bool = True) -> None:
    """Check every reference in `REFERENCES`; a `ConfigError` names file, key and value.

    Parameters
    ----------
    config
        The schema-valid survey config.
    codebook
        The data file's codebook; ``None`` reads it from the file's metadata if
        ``read_file`` (and skips the checks that need it if the file is not there).
    read_file
        Whether to read the data file's metadata when no codebook is given.
    """
    if codebook is None and read_file:
        codebook = config_codebook(config)
    levels = concept_levels(config, codebook)
    for reference in REFERENCES:
        for key, value, bound in iter_references(config.spec, reference):
            _check(config, reference, key, value, bound, levels)
        if reference.path == "concepts.*.order[]":
            _check_order_complete(config, levels)
    _check_areas_are_a_group(config)


def _check_areas_are_a_group(config: SurveyConfig) -> None:
    """``areas`` compares the estimate stage's domain estimates: it must be one of ``groups``."""
    areas = config.spec.get("areas")
    groups = config.spec.get("groups") or []
    if areas is not None and areas not in groups:
        raise ConfigError(
            f"{config.path}: areas names {areas!r}, which is not in groups "
            f"({', '.join(groups) or 'empty'}); add {areas!r} to groups so that the tables "
            "break every indicator down by it")
