"""Strategy conditions evaluated against published findings; pure functions, no file I/O.

A condition is structured data from the survey config (never code)::

    ame:        {predictor: age_group, contrast: "18-29 vs 45-59", above: 5}
    share:      {table: willing_to_move, breakdown: age_group, domain: "18-29", above: 0.4}
    difference: {table: willing_to_move, breakdown: age_group, domain: "18-29",
                 direction: higher}
    priority:   {item: sat_culture, quadrant: critical}
    all: [condition, …]        any: [condition, …]

* ``ame`` holds if the average marginal effect (percentage points) is beyond ``above`` (or
  ``below``) *and* its 95 % interval excludes 0.
* ``share`` holds if the cell's share (0–1) is beyond the threshold; ``indicator`` defaults
  to the table's only indicator, ``level`` to ``1`` for a binary one, ``breakdown`` to the
  overall row. A suppressed cell is not evaluable and never holds.
* ``difference`` holds if the cell carries the published mark (▲ higher, ▼ lower): the
  cell-against-the-rest test after the table's multiple-testing correction.
* ``priority`` holds if the item lies in the quadrant (default ``critical``).

Every leaf yields an `Evidence` record, met or not, so a strategy that does not fire still
shows the number that fell short. The findings are the tables the estimate and model steps
publish (`Findings`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from surveykit._core.codes import code_key, format_code
from surveykit._core.errors import ArgumentError
from surveykit.strategies.evidence import (
    LANGUAGES,
    Evidence,
    ame_text,
    difference_text,
    not_evaluable_text,
    priority_text,
    share_text,
)

__all__ = [
    "CONDITION_KINDS",
    "FieldResult",
    "Findings",
    "Outcome",
    "StrategyResult",
    "Vocabulary",
    "evaluate_condition",
    "evaluate_strategies",
    "strategies_document",
]

#: Leaf conditions; ``all`` and ``any`` combine them.
CONDITION_KINDS = ("ame", "share", "difference", "priority")
SEPARATOR = " × "
MARKS = {"higher": "▲", "lower": "▼"}
VERDICT = {
    "de": {True: "durch diese Befragung gestützt", False: "in dieser Befragung keine Evidenz"},
    "en": {True: "supported by this survey", False: "no evidence in this survey"},
}
_OVERALL = {"de": "alle Befragten", "en": "all respondents"}
_PER_UNIT = {"de": "je Einheit", "en": "per unit"}
_BINARY = {"de": {1.0: "ja", 0.0: "nein"}, "en": {1.0: "yes", 0.0: "no"}}


def _text(value: Any, language: str) -> str:
    """A config text (string or ``{de:, en:}``) in ``language``, else the other one."""
    if isinstance(value, Mapping):
        return str(value.get(language) or next(iter(value.values()), ""))
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Vocabulary:
    """Labels of concepts and levels in German and English, from the config's concepts.

    Attributes
    ----------
    concepts
        The config's ``concepts`` section (``label``, ``type``, ``level_labels``).
    """

    concepts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def concept(self, name: str, language: str) -> str:
        """The concept's label, or its name."""
        return _text((self.concepts.get(name) or {}).get("label"), language) or name

    def level(self, name: str, level: Any, language: str) -> str:
        """A level's label (``ja``/``nein`` for a binary concept), or the level itself."""
        spec = self.concepts.get(name) or {}
        key = code_key(level)
        if spec.get("type") == "binary" and key in _BINARY[language]:
            return _BINARY[language][key]
        for written, label in (spec.get("level_labels") or {}).items():
            if code_key(written) == key:
                return _text(label, language)
        return format_code(key)

    def kind(self, name: str) -> str | None:
        """The concept's type, if the config defines it."""
        return (self.concepts.get(name) or {}).get("type")


@dataclass(frozen=True)
class Findings:
    """The published findings the conditions are evaluated against.

    Attributes
    ----------
    shares
        The rows of every share table (the tidy CSV columns: ``table, indicator, kind,
        breakdown, domain, level, estimate, ci_low, ci_high, difference, p_adjusted, mark,
        flag`` …), all tables in one frame.
    ame
        The AME table (``variable, contrast, ame, ci_low, ci_high`` in percentage points), or
        ``None`` without models.
    priority
        The priority matrix (``item, share_dissatisfied, share_ci_low, share_ci_high,
        importance, importance_ci_low, importance_ci_high, quadrant, flag``), or ``None``.
    correction
        The share tables' multiple-testing correction (``holm``, ``bh``), for the sentences.
    outcome
        The priority matrix's outcome concept, for the sentences.
    figures
        Share table id → the figure that draws it (``willing_by_group`` …).
    """

    shares: pd.DataFrame
    ame: pd.DataFrame | None = None
    priority: pd.DataFrame | None = None
    correction: str = "holm"
    outcome: str = "willing_to_move"
    figures: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """Whether a condition holds, and the evidence of every leaf it evaluated."""

    met: bool
    evidence: list[Evidence]


@dataclass(frozen=True)
class StrategyResult:
    """One strategy: its texts (as configured), whether it fired, and its evidence."""

    id: str
    title: Any
    text: Any
    fired: bool
    evidence: list[Evidence]


@dataclass(frozen=True)
class FieldResult:
    """One Handlungsfeld with its evaluated strategies."""

    id: str
    title: Any
    concept: Any
    strategies: list[StrategyResult]


def _labels(make: Callable[[str], str]) -> dict[str, str]:
    return {language: make(language) for language in LANGUAGES}


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    number = float(value)
    return None if pd.isna(number) else number


def _parts(value: Any) -> list[Any]:
    """A breakdown or domain as its parts: ``"a × b"`` or ``[a, b]`` → ``[a, b]``."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [part.strip() for part in str(value).split(SEPARATOR.strip())] \
        if SEPARATOR.strip() in str(value) else [value]


def _not_evaluable(kind: str, path: str, label: dict[str, str], reason: str,
                   reference: Mapping[str, str | None], threshold: Any, comparison: str,
                   flag: str = "", unit: str = "share") -> Evidence:
    return Evidence(kind=kind, condition=path, label=label, value=None, ci_low=None,
                    ci_high=None, unit=unit, threshold=threshold, comparison=comparison,
                    met=False, evaluable=False, reason=reason, reference=dict(reference),
                    text=not_evaluable_text(label, reason, flag),
                    details={"flag": flag} if flag else {})


def _threshold(spec: Mapping[str, Any], path: str) -> tuple[str, float]:
    sides = [side for side in ("above", "below") if spec.get(side) is not None]
    if len(sides) != 1:
        raise ArgumentError(f"{path}: give exactly one of above or below")
    return sides[0], float(spec[sides[0]])


# --- ame ------------------------------------------------------------------------------------

def _contrast_label(vocabulary: Vocabulary, predictor: str, contrast: str,
                    language: str) -> str:
    if contrast == "per unit":
        return _PER_UNIT[language]
    if " vs " in contrast:
        high, low = contrast.split(" vs ", 1)
        return (f"{vocabulary.level(predictor, high, language)} vs. "
                f"{vocabulary.level(predictor, low, language)}")
    return contrast


def _ame(spec: Mapping[str, Any], findings: Findings, vocabulary: Vocabulary,
         path: str) -> Evidence:
    predictor = spec["predictor"]
    direction, threshold = _threshold(spec, path)
    reference = {"table": "ame", "figure": "ame"}
    table = findings.ame
    rows = table[table["variable"].astype(str) == predictor] if table is not None else None
    contrast = spec.get("contrast")
    if rows is not None and contrast is not None:
        rows = rows[rows["contrast"].astype(str) == str(contrast)]
    elif rows is not None and len(rows) > 1:
        raise ArgumentError(
            f"{path}: the predictor {predictor!r} has several contrasts "
            f"({', '.join(map(repr, rows['contrast']))}); name one as contrast")
    shown = contrast if contrast is not None else \
        (str(rows["contrast"].iloc[0]) if rows is not None and len(rows) else "")
    label = _labels(lambda lang: f"{vocabulary.concept(predictor, lang)}"
                    + (f" ({_contrast_label(vocabulary, predictor, shown, lang)})"
                       if shown else ""))
    flag = str(rows["flag"].iloc[0] or "") if rows is not None and len(rows) and \
        "flag" in rows.columns and pd.notna(rows["flag"].iloc[0]) else ""
    if flag == "separation":  # the model step could not estimate it: never a finding
        return _not_evaluable("ame", path, label, "separation", reference, threshold,
                              direction, flag=flag, unit="pp")
    if rows is None or not len(rows) or _number(rows["ame"].iloc[0]) is None:
        return _not_evaluable("ame", path, label, "not_in_results", reference, threshold,
                              direction, unit="pp")
    row = rows.iloc[0]
    ame, low, high = float(row["ame"]), float(row["ci_low"]), float(row["ci_high"])
    beyond = ame > threshold if direction == "above" else ame < threshold
    excludes_zero = low > 0 or high < 0
    reason = "met" if beyond and excludes_zero else \
        ("short_of_threshold" if not beyond else "ci_includes_zero")
    return Evidence(kind="ame", condition=path, label=label, value=ame, ci_low=low,
                    ci_high=high, unit="pp", threshold=threshold, comparison=direction,
                    met=reason == "met", evaluable=True, reason=reason, reference=reference,
                    text=ame_text(label, ame, low, high, threshold, direction, reason),
                    details={"contrast": str(row["contrast"]),
                             "p_value": _number(row.get("p_value"))})


# --- share and difference -------------------------------------------------------------------

@dataclass(frozen=True)
class _Cell:
    row: pd.Series | None
    label: dict[str, str]
    reference: dict[str, str | None]


def _cell(spec: Mapping[str, Any], findings: Findings, vocabulary: Vocabulary,
          path: str) -> _Cell:
    """The share-table row a condition names, its label and where it is published."""
    table_id = str(spec["table"])
    rows = findings.shares[findings.shares["table"].astype(str) == table_id]
    indicator = spec.get("indicator")
    if indicator is None:
        names = list(dict.fromkeys(rows["indicator"].astype(str)))
        if len(names) > 1:
            raise ArgumentError(f"{path}: the table {table_id!r} has several indicators "
                                f"({', '.join(map(repr, names))}); name one as indicator")
        indicator = names[0] if names else table_id
    rows = rows[rows["indicator"].astype(str) == indicator]
    kind = vocabulary.kind(indicator) or (str(rows["kind"].iloc[0]) if len(rows) else None)
    level = spec.get("level", 1 if kind == "binary" else None)
    if level is None and kind in ("categorical", "ordinal"):
        raise ArgumentError(f"{path}: {indicator!r} is {kind}; name the level whose share "
                            "is meant (level: …)")
    breakdown = [str(part) for part in _parts(spec.get("breakdown"))]
    domain = _parts(spec.get("domain"))
    if len(domain) != len(breakdown):
        raise ArgumentError(f"{path}: the breakdown {SEPARATOR.join(breakdown)!r} needs "
                            f"{len(breakdown)} domain value(s), got {domain!r}")
    wanted_breakdown = SEPARATOR.join(breakdown)
    rows = rows[rows["breakdown"].fillna("").astype(str) == wanted_breakdown]
    keys = [code_key(part) for part in domain]
    rows = rows[[[code_key(p) for p in _parts(d)] == keys if keys else str(d) == ""
                 for d in rows["domain"].fillna("").astype(str)]]
    if level is not None:
        rows = rows[[code_key(v) == code_key(level) for v in rows["level"].astype(str)]]

    def label(language: str) -> str:
        text = vocabulary.concept(indicator, language)
        if level is not None and kind != "binary":
            text += f": {vocabulary.level(indicator, level, language)}"
        if breakdown:
            groups = SEPARATOR.join(vocabulary.concept(b, language) for b in breakdown)
            values = SEPARATOR.join(vocabulary.level(b, d, language)
                                    for b, d in zip(breakdown, domain, strict=True))
            return f"{text} ({groups} {values})"
        return f"{text} ({_OVERALL[language]})"

    figure = findings.figures.get(table_id) if len(breakdown) <= 1 else None
    return _Cell(row=rows.iloc[0] if len(rows) else None, label=_labels(label),
                 reference={"table": table_id, "figure": figure})


def _unavailable(cell: _Cell) -> tuple[str, str] | None:
    """``(reason, flag)`` if the cell cannot be evaluated, else ``None``."""
    if cell.row is None:
        return "not_in_results", ""
    flag = str(cell.row.get("flag") or "")
    if flag.startswith("suppressed"):
        return "suppressed", flag
    if _number(cell.row.get("estimate")) is None:
        return "no_estimate", flag
    return None


def _share(spec: Mapping[str, Any], findings: Findings, vocabulary: Vocabulary,
           path: str) -> Evidence:
    direction, threshold = _threshold(spec, path)
    cell = _cell(spec, findings, vocabulary, path)
    missing = _unavailable(cell)
    if missing:
        return _not_evaluable("share", path, cell.label, missing[0], cell.reference,
                              threshold, direction, missing[1])
    row = cell.row
    value, low, high = (float(row[c]) for c in ("estimate", "ci_low", "ci_high"))
    met = value > threshold if direction == "above" else value < threshold
    return Evidence(kind="share", condition=path, label=cell.label, value=value, ci_low=low,
                    ci_high=high, unit="share", threshold=threshold, comparison=direction,
                    met=met, evaluable=True, reason="met" if met else "short_of_threshold",
                    reference=cell.reference,
                    text=share_text(cell.label, value, low, high, threshold, direction, met),
                    details={"n": _number(row.get("n")), "flag": str(row.get("flag") or "")})


def _difference(spec: Mapping[str, Any], findings: Findings, vocabulary: Vocabulary,
                path: str) -> Evidence:
    direction = str(spec.get("direction", "higher"))
    cell = _cell(spec, findings, vocabulary, path)
    unit = "share" if cell.row is None or str(cell.row.get("kind")) != "scale" else "mean"
    missing = _unavailable(cell)
    if missing:
        return _not_evaluable("difference", path, cell.label, missing[0], cell.reference,
                              direction, "direction", missing[1], unit)
    row = cell.row
    value, low, high = (float(row[c]) for c in ("estimate", "ci_low", "ci_high"))
    mark = str(row.get("mark") or "")
    met = mark == MARKS[direction]
    reason = "met" if met else ("not_significant" if not mark else "opposite_direction")
    difference, p_adjusted = _number(row.get("difference")), _number(row.get("p_adjusted"))
    return Evidence(kind="difference", condition=path, label=cell.label, value=value,
                    ci_low=low, ci_high=high, unit=unit, threshold=direction,
                    comparison="direction", met=met, evaluable=True, reason=reason,
                    reference=cell.reference,
                    text=difference_text(cell.label, unit, value, low, high, difference,
                                         p_adjusted, mark, direction, findings.correction),
                    details={"difference": difference, "p_adjusted": p_adjusted,
                             "mark": mark, "correction": findings.correction})


# --- priority -------------------------------------------------------------------------------

def _priority(spec: Mapping[str, Any], findings: Findings, vocabulary: Vocabulary,
              path: str) -> Evidence:
    item = str(spec["item"])
    wanted = str(spec.get("quadrant", "critical"))
    reference = {"table": "priority_matrix", "figure": "priority_matrix"}
    label = _labels(lambda lang: vocabulary.concept(item, lang))
    matrix = findings.priority
    rows = matrix[matrix["item"].astype(str) == item] if matrix is not None else None
    if rows is None or not len(rows):
        return _not_evaluable("priority", path, label, "not_in_results", reference, wanted,
                              "quadrant")
    row = rows.iloc[0]
    flag = str(row.get("flag") or "")
    quadrant = str(row.get("quadrant") or "")
    if flag.startswith("suppressed") or not quadrant:
        return _not_evaluable("priority", path, label,
                              "suppressed" if flag.startswith("suppressed") else "no_estimate",
                              reference, wanted, "quadrant", flag)
    share, low, high = (float(row[c]) for c in ("share_dissatisfied", "share_ci_low",
                                                 "share_ci_high"))
    importance = [float(row[c]) for c in ("importance", "importance_ci_low",
                                          "importance_ci_high")]
    met = quadrant == wanted
    outcome = _labels(lambda lang: vocabulary.concept(findings.outcome, lang))
    return Evidence(kind="priority", condition=path, label=label, value=share, ci_low=low,
                    ci_high=high, unit="share", threshold=wanted, comparison="quadrant",
                    met=met, evaluable=True, reason="met" if met else "other_quadrant",
                    reference=reference,
                    text=priority_text(label, outcome, share, low, high, *importance,
                                       quadrant, wanted),
                    details={"quadrant": quadrant, "importance": importance[0],
                             "importance_ci_low": importance[1],
                             "importance_ci_high": importance[2],
                             "p_adjusted": _number(row.get("p_adjusted"))})


_RULES: dict[str, Callable[[Mapping[str, Any], Findings, Vocabulary, str], Evidence]] = {
    "ame": _ame, "share": _share, "difference": _difference, "priority": _priority,
}


def evaluate_condition(condition: Mapping[str, Any], findings: Findings,
                       vocabulary: Vocabulary | None = None, path: str = "when") -> Outcome:
    """Evaluate one condition (a leaf or ``all``/``any`` of conditions).

    Parameters
    ----------
    condition
        A mapping with exactly one key: ``ame``, ``share``, ``difference``, ``priority``,
        ``all`` or ``any``.
    findings
        The published tables.
    vocabulary
        Labels of concepts and levels (default: the names themselves).
    path
        Where the condition stands (named in the evidence and in errors).

    Returns
    -------
    Outcome
        Whether it holds, and one `Evidence` per leaf. Every leaf of ``all``/``any`` is
        evaluated, so the evidence lists what held and what fell short.
    """
    vocabulary = vocabulary or Vocabulary()
    if not isinstance(condition, Mapping) or len(condition) != 1:
        raise ArgumentError(f"{path}: a condition is a mapping with exactly one of "
                            f"{', '.join((*CONDITION_KINDS, 'all', 'any'))}")
    (kind, body), = condition.items()
    if kind in ("all", "any"):
        if not isinstance(body, Sequence) or isinstance(body, str) or not body:
            raise ArgumentError(f"{path}.{kind}: give a list of conditions")
        parts = [evaluate_condition(part, findings, vocabulary, f"{path}.{kind}[{i}]")
                 for i, part in enumerate(body)]
        combine = all if kind == "all" else any
        return Outcome(met=combine(part.met for part in parts),
                       evidence=[item for part in parts for item in part.evidence])
    if kind not in _RULES:
        raise ArgumentError(f"{path}: unknown condition {kind!r}; use one of "
                            f"{', '.join((*CONDITION_KINDS, 'all', 'any'))}")
    evidence = _RULES[kind](body, findings, vocabulary, f"{path}.{kind}")
    return Outcome(met=evidence.met, evidence=[evidence])


def evaluate_strategies(section: Mapping[str, Any], findings: Findings,
                        vocabulary: Vocabulary | None = None) -> list[FieldResult]:
    """Evaluate every strategy of the config's ``strategies`` section.

    Parameters
    ----------
    section
        ``{"fields": [{id, title, concept?, strategies: [{id, title, text?, when}]}]}``.
    findings, vocabulary
        As in `evaluate_condition`.
    """
    results = []
    for i, field_spec in enumerate(section.get("fields") or []):
        strategies = []
        for j, strategy in enumerate(field_spec.get("strategies") or []):
            where = f"strategies.fields[{i}].strategies[{j}].when"
            outcome = evaluate_condition(strategy["when"], findings, vocabulary, where)
            strategies.append(StrategyResult(
                id=strategy["id"], title=strategy.get("title", strategy["id"]),
                text=strategy.get("text", ""), fired=outcome.met, evidence=outcome.evidence))
        results.append(FieldResult(id=field_spec["id"],
                                   title=field_spec.get("title", field_spec["id"]),
                                   concept=field_spec.get("concept", ""),
                                   strategies=strategies))
    return results


def strategies_document(survey: str, fields: Sequence[FieldResult], language: str = "de"
                        ) -> dict[str, Any]:
    """The JSON document of the evaluated strategies (texts in ``language``).

    ``{survey, language, fields: [{id, title, concept, strategies: [{id, title, text,
    fired, verdict, evidence: [...]}]}]}``; each evidence record as `Evidence.as_dict`.
    """
    return {
        "survey": survey,
        "language": language,
        "fields": [{
            "id": field_result.id,
            "title": _text(field_result.title, language),
            "concept": _text(field_result.concept, language),
            "strategies": [{
                "id": strategy.id,
                "title": _text(strategy.title, language),
                "text": _text(strategy.text, language),
                "fired": strategy.fired,
                "verdict": VERDICT[language][strategy.fired],
                "evidence": [item.as_dict(language) for item in strategy.evidence],
            } for strategy in field_result.strategies],
        } for field_result in fields],
    }
