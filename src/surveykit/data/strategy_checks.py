"""The ``strategies`` section checked against the rest of the config when it is loaded.

A strategy condition names findings: a model predictor, a share table with its indicator,
breakdown, domain and level, an item of the priority matrix. A misspelt name would make the
condition silently "not evaluable" in every survey, and the report would say *keine Evidenz*
where the evidence exists. So every name is checked here, where it can be known from the
config (and, for ``levels: from_labels``, from the data file's metadata), and a mistake is
reported with the file, the key, the value and a did-you-mean hint. The conditions stay
structured data; nothing is evaluated.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from surveykit._core.codes import code_key, format_code
from surveykit._core.errors import ConfigError
from surveykit._core.messages import did_you_mean

if TYPE_CHECKING:
    from surveykit.data.config import SurveyConfig
    from surveykit.data.references import ConceptLevels

__all__ = ["check_strategy_references", "iter_conditions", "share_tables"]

SEPARATOR = " × "
CATEGORICAL = ("categorical", "ordinal")


def iter_conditions(condition: Any, key: str) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """``(key, kind, body)`` of every leaf condition below ``condition`` (``all``/``any``
    walked recursively)."""
    if not isinstance(condition, Mapping):
        return
    for kind, body in condition.items():
        if kind in ("all", "any"):
            for i, part in enumerate(body or []):
                yield from iter_conditions(part, f"{key}.{kind}[{i}]")
        else:
            yield f"{key}.{kind}", kind, body


def share_tables(spec: Mapping[str, Any]) -> dict[str, dict[str, list[str]]]:
    """The share tables the estimate step makes: id → its ``indicators`` and
    ``breakdowns`` (``"group"`` or ``"a × b"``)."""
    groups = list(spec.get("groups") or [])
    pairs = [SEPARATOR.join(pair) for pair in spec.get("breakdowns") or []]
    tables: dict[str, dict[str, list[str]]] = {}
    for indicator in spec.get("indicators") or []:
        tables[indicator] = {
            "indicators": [indicator],
            "breakdowns": [g for g in groups if g != indicator]
            + [p for p in pairs if indicator not in p.split(SEPARATOR)]}
    for table_id, table in (spec.get("tables") or {}).items():
        tables[table_id] = {"indicators": list(table.get("indicators") or []),
                            "breakdowns": list(table.get("groups") or [])}
    return tables


def _fail(config: SurveyConfig, key: str, value: Any, what: str, candidates: Sequence[Any],
          fix: str) -> ConfigError:
    shown = value if isinstance(value, str) else format_code(code_key(value))
    pool = [c if isinstance(c, str) else format_code(code_key(c)) for c in candidates]
    listed = ", ".join(pool[:12]) + (f" … ({len(pool)} in all)" if len(pool) > 12 else "")
    return ConfigError(
        f"{config.path}: {key} names {shown!r}, which is not {what}"
        f"{did_you_mean(str(shown), pool)} (there are: {listed or 'none'}); {fix}")


def _check_level(config: SurveyConfig, key: str, concept: str, value: Any,
                 levels: Mapping[str, ConceptLevels]) -> None:
    info = levels.get(concept)
    if info is None or info.levels is None:
        return
    if code_key(value) not in {code_key(level) for level in info.levels}:
        raise _fail(config, key, value, f"a level of {concept}", info.levels,
                    "use one of them exactly as written")


def _check_ame(config: SurveyConfig, key: str, body: Mapping[str, Any],
               levels: Mapping[str, ConceptLevels]) -> None:
    models = config.spec.get("models") or {}
    predictors = list(models.get("predictors") or []) + list(models.get("controls") or [])
    predictor = body["predictor"]
    if predictor not in predictors:
        raise _fail(config, f"{key}.predictor", predictor,
                    "a predictor or control of the models", predictors,
                    "name one of models.predictors or models.controls (or add it there)")
    kind = config.concepts[predictor]["type"] if predictor in config.concepts else None
    contrast = body.get("contrast")
    info = levels.get(predictor)
    if contrast is None:
        if kind in CATEGORICAL:
            raise ConfigError(
                f"{config.path}: {key} names the {kind} predictor {predictor!r}, which has "
                "one AME per level; give contrast: '<level> vs <reference level>' (as in "
                "tables/ame.csv)")
        return
    expected = {"binary": ["1 vs 0"], "numeric": ["per unit"], "scale": ["per unit"]}
    if kind in expected and contrast not in expected[kind]:
        raise _fail(config, f"{key}.contrast", contrast, f"a contrast of the {kind} "
                    f"predictor {predictor!r}", expected[kind], "leave contrast out or "
                    "write it as tables/ame.csv does")
    if kind in CATEGORICAL and info is not None and info.levels is not None:
        reference = (models.get("reference_levels") or {}).get(predictor, info.levels[0])
        candidates = [f"{format_code(code_key(level))} vs {reference}"
                      for level in info.levels if code_key(level) != code_key(reference)]
        if contrast not in candidates:
            raise _fail(config, f"{key}.contrast", contrast,
                        f"a contrast of {predictor!r} against its reference level "
                        f"{reference!r}", candidates, "write it as tables/ame.csv does")


def _check_cell(config: SurveyConfig, key: str, kind: str, body: Mapping[str, Any],
                tables: Mapping[str, Mapping[str, list[str]]],
                levels: Mapping[str, ConceptLevels]) -> None:
    table_id = body["table"]
    if table_id not in tables:
        raise _fail(config, f"{key}.table", table_id, "a share table", list(tables),
                    "name an entry of indicators or a key of tables")
    table = tables[table_id]
    indicator = body.get("indicator")
    if indicator is None:
        if len(table["indicators"]) != 1:
            raise ConfigError(
                f"{config.path}: {key}: the table {table_id!r} has the indicators "
                f"{', '.join(table['indicators'])}; name one as indicator")
        indicator = table["indicators"][0]
    elif indicator not in table["indicators"]:
        raise _fail(config, f"{key}.indicator", indicator, f"an indicator of the table "
                    f"{table_id!r}", table["indicators"], "name one of them")
    concept_type = (config.concepts.get(indicator) or {}).get("type")
    if kind == "share" and concept_type in ("scale", "numeric"):
        raise ConfigError(
            f"{config.path}: {key}: {indicator!r} is a {concept_type}, whose table holds "
            "means, not shares; use a difference condition, or a binary or categorical "
            "indicator")
    if "level" in body:
        if concept_type in ("scale", "numeric"):
            raise ConfigError(f"{config.path}: {key}.level: {indicator!r} is a "
                              f"{concept_type} and has no levels; leave level out")
        _check_level(config, f"{key}.level", indicator, body["level"], levels)
    elif concept_type in CATEGORICAL:
        info = levels.get(indicator)
        shown = f" ({', '.join(map(str, info.levels))})" if info and info.levels else ""
        raise ConfigError(f"{config.path}: {key}: {indicator!r} is {concept_type}; name the "
                          f"level whose share is meant as level{shown}")
    breakdown = body.get("breakdown")
    if breakdown is None:
        if "domain" in body:
            raise ConfigError(f"{config.path}: {key}.domain needs a breakdown; add "
                              "breakdown: <group> or leave domain out")
        return
    parts = [breakdown] if isinstance(breakdown, str) else list(breakdown)
    joined = SEPARATOR.join(parts)
    if joined not in table["breakdowns"]:
        raise _fail(config, f"{key}.breakdown", joined, f"a breakdown of the table "
                    f"{table_id!r}", table["breakdowns"],
                    "name one of its groups (or a pair of breakdowns as a list)")
    domain = body.get("domain")
    values = [domain] if not isinstance(domain, list) else domain
    if domain is None or len(values) != len(parts):
        raise ConfigError(f"{config.path}: {key}.domain: the breakdown {joined!r} needs "
                          f"{len(parts)} value(s) in domain (one level per group), got "
                          f"{domain!r}")
    for i, (concept, value) in enumerate(zip(parts, values, strict=True)):
        where = f"{key}.domain" + (f"[{i}]" if isinstance(domain, list) else "")
        _check_level(config, where, concept, value, levels)


def check_strategy_references(config: SurveyConfig,
                              levels: Mapping[str, ConceptLevels] | None = None) -> None:
    """Check every name in the ``strategies`` section; a `ConfigError` names file, key and
    value, with a did-you-mean hint.

    Parameters
    ----------
    config
        The schema-valid survey config.
    levels
        The concepts' levels (`surveykit.data.references.concept_levels`); default: from the
        config and the data file's metadata.
    """
    section = config.spec.get("strategies")
    if not section:
        return
    if levels is None:
        from surveykit.data.references import concept_levels, config_codebook

        levels = concept_levels(config, config_codebook(config))
    tables = share_tables(config.spec)
    items = list((config.spec.get("priority_matrix") or {}).get("items") or [])
    seen_fields: set[str] = set()
    seen: dict[str, str] = {}
    for i, field_spec in enumerate(section.get("fields") or []):
        where = f"strategies.fields[{i}]"
        if field_spec["id"] in seen_fields:
            raise ConfigError(f"{config.path}: {where}.id {field_spec['id']!r} is used twice; "
                              "give every Handlungsfeld its own id")
        seen_fields.add(field_spec["id"])
        for j, strategy in enumerate(field_spec.get("strategies") or []):
            here = f"{where}.strategies[{j}]"
            if strategy["id"] in seen:
                raise ConfigError(f"{config.path}: {here}.id {strategy['id']!r} is used by "
                                  f"{seen[strategy['id']]} already; give every strategy its "
                                  "own id")
            seen[strategy["id"]] = here
            for key, kind, body in iter_conditions(strategy.get("when"), f"{here}.when"):
                if kind == "ame":
                    _check_ame(config, key, body, levels)
                elif kind in ("share", "difference"):
                    _check_cell(config, key, kind, body, tables, levels)
                elif kind == "priority" and body["item"] not in items:
                    raise _fail(config, f"{key}.item", body["item"],
                                "an item of priority_matrix.items", items,
                                "name one of them (or add it to priority_matrix.items)")
