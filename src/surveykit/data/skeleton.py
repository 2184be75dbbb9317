"""``surveykit init``: a first survey config guessed from a file's own labels.

Every guess is marked ``# REVIEW`` so the data manager checks it. The skeleton lists only the
variables it maps (and the "no answer" codes of those variables); every other variable is in
a commented catalogue at the end. The keywords it looks for, in German and English, are
data: ``surveykit/data/init_keywords.yaml`` (extend it to teach ``init`` another wording).
Outcome items are matched first and are never given to a background concept. The written
file validates, so the workflow can run on it at once and the data manager refines it step
by step. Every text taken from the file is written as a quoted YAML scalar or a one-line
comment, so a label cannot add keys to the config.
"""

from __future__ import annotations

import itertools
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from surveykit.data.io import Codebook, Variable

__all__ = ["ConceptGuess", "add_to_sheet", "age_bands", "file_language", "guess_concepts",
           "keywords", "sheet_with_survey", "skeleton_yaml"]

KEYWORDS_FILE = Path(__file__).with_name("init_keywords.yaml")
SCALES = ("leisure_satisfaction", "infrastructure_satisfaction")
_DESIGN_ROLES = ("weights", "strata")


@cache
def keywords() -> dict[str, Any]:
    """The keyword file (``init_keywords.yaml``), parsed safely."""
    return yaml.safe_load(KEYWORDS_FILE.read_text(encoding="utf-8"))


def _fold(text: str) -> str:
    """Lower case with umlauts folded (ä → ae), for keyword matching."""
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    text = text.replace("ß", "ss")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _slug(text: str) -> str:
    """A level name from a label: 'Sehr wahrscheinlich' → 'sehr_wahrscheinlich'."""
    slug = re.sub(r"[^a-z0-9]+", "_", _fold(text)).strip("_")
    return slug or "level"


def _word_in(stem: str, text: str) -> bool:
    return re.search(rf"(^|[^a-z]){re.escape(stem)}([^a-z]|$)", text) is not None


def _matches(variable: Variable, stems: Sequence[str]) -> bool:
    name, label = _fold(variable.name), _fold(variable.label)
    for stem in stems:
        folded = _fold(stem)
        if len(folded) <= 4:
            # Short stems ("age", "sex", "gew") must be whole words, or they match too much.
            if _word_in(folded, name) or _word_in(folded, label):
                return True
        elif folded in name or folded in label:
            return True
    return False


def _one_line(text: str) -> str:
    """A label as one comment line: no line breaks or control characters."""
    return " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())


@dataclass(frozen=True)
class ConceptGuess:
    """A guessed concept: name, source variable(s), type and why it was guessed."""

    concept: str
    variables: tuple[str, ...]
    reason: str


def _value_label_missing(variable: Variable) -> list:
    """Codes labelled like 'keine Angabe' that the file does not declare missing."""
    declared = set(variable.missing_values)
    found = []
    for code, label in variable.value_labels.items():
        if code in declared or any(lo <= float(code) <= hi for lo, hi in variable.missing_ranges
                                   if not isinstance(code, str)):
            continue
        if any(_fold(marker) in _fold(label) for marker in keywords()["missing_labels"]):
            found.append(code)
    return found


def _fits(concept: str, variable: Variable) -> bool:
    """Whether a variable can be the concept at all (weights are unlabelled numbers …)."""
    if concept == "weights":
        return variable.type == "numeric" and not variable.value_labels
    if concept in ("age", "commuting_minutes"):
        return variable.type == "numeric" and len(variable.value_labels) <= 3
    if concept == "id_variable":
        return len(variable.value_labels) <= 1
    return True


def guess_concepts(codebook: Codebook) -> list[ConceptGuess]:
    """Guess canonical concepts from variable names and labels.

    Outcome concepts first, then the design, then background concepts; a variable goes to
    the first concept that matches it, and one that matches an outcome keyword never goes to
    a design or background concept.
    """
    words = keywords()
    guesses: list[ConceptGuess] = []
    used: set[str] = set()
    scale_items: dict[str, list[str]] = {name: [] for name in SCALES}
    for variable in codebook:
        if variable.type == "numeric" and _matches(variable, words["scales"]["satisfaction"]):
            topic = next((s for s in SCALES if _matches(variable, words["scales"][s])), None)
            if topic:
                scale_items[topic].append(variable.name)
                used.add(variable.name)
    outcome_like = {v.name for v in codebook
                    if any(_matches(v, stems) for stems in words["outcome"].values())}
    for section in ("outcome", "design", "background"):
        for concept, stems in words[section].items():
            for variable in codebook:
                if variable.name in used or (section != "outcome"
                                             and variable.name in outcome_like):
                    continue
                if _fits(concept, variable) and _matches(variable, stems):
                    reason = _one_line(variable.label or variable.name)
                    guesses.append(ConceptGuess(concept, (variable.name,),
                                                f"name/label {reason!r}"))
                    used.add(variable.name)
                    break
    for concept, items in scale_items.items():
        if len(items) >= 2:
            guesses.append(ConceptGuess(concept, tuple(items), "satisfaction items"))
    return guesses


def file_language(codebook: Codebook) -> str:
    """``"de"`` or ``"en"``: the language most of the file's labels are written in."""
    text = " ".join(_fold(v.label) + " " + " ".join(_fold(lab) for lab in
                                                      v.value_labels.values())
                    for v in codebook)
    found = set(re.findall(r"[a-z]+", text))
    counts = {lang: len(found & set(stems)) for lang, stems in keywords()["language"].items()}
    return max(counts, key=lambda lang: (counts[lang], lang == "de"))


def _levels_block(variable: Variable, exclude: set) -> dict:
    return {code: _slug(label) for code, label in variable.value_labels.items()
            if code not in exclude}


def _valid_values(variable: Variable, values: pd.Series, exclude: set) -> pd.Series:
    numeric = pd.to_numeric(values, errors="coerce").dropna()
    keep = ~numeric.isin([float(c) for c in exclude | set(variable.value_labels)
                          if not isinstance(c, str)])
    for low, high in variable.missing_ranges:
        keep &= ~numeric.between(low, high)
    return numeric[keep]


def age_bands(minimum: float) -> dict[str, Any]:
    """Age bands that start at the survey's minimum age, with neutral labels (16-29 … 75+)."""
    start = int(minimum)
    edges = [start] + [edge for edge in (30, 45, 60, 75) if edge > start]
    labels = [f"{low}-{high - 1}" for low, high in itertools.pairwise(edges)]
    labels.append(f"{edges[-1]}+")
    return {"breaks": [*edges, ".inf"], "labels": labels, "right": False}


def _willing_levels(variable: Variable, order: list[str], exclude: set) -> list[str]:
    """The half of an intent scale that means "willing": the upper half when the scale
    starts on the "no" side ("not at all", "very unlikely"), else the first half."""
    first = next((lab for code, lab in variable.value_labels.items() if code not in exclude),
                 "")
    negative = any(_word_in(_fold(word), _fold(first))
                   for word in keywords()["negative_first"])
    half = max(1, len(order) // 2)
    return order[-half:] if negative else order[:half]


def _concept_spec(guess: ConceptGuess, codebook: Codebook, missing: Mapping[str, list],
                  language: str, data: pd.DataFrame | None) -> dict:
    variable = codebook[guess.variables[0]]
    exclude = set(variable.missing_values) | set(missing.get(variable.name, []))
    levels = _levels_block(variable, exclude)
    label = {"label": {language: _one_line(variable.label)}} if variable.label else {}
    if guess.concept in SCALES:
        codes = sorted(c for c in variable.value_labels if c not in exclude
                       and not isinstance(c, str))
        low, high = (codes[0], codes[-1]) if len(codes) >= 2 else (1, 5)
        return {"type": "scale", "items": list(guess.variables), "valid_range": [low, high],
                "reverse": False, "min_items": max(2, (len(guess.variables) + 1) // 2)}
    if guess.concept == "age":
        valid = None if data is None or variable.name not in data else \
            _valid_values(variable, data[variable.name], exclude)
        low = int(valid.min()) if valid is not None and len(valid) else 18
        return {"type": "numeric", "source": variable.name, **label, "valid_range": [low, 110]}
    if guess.concept in ("years_of_residence", "commuting_minutes"):
        return {"type": "numeric", "source": variable.name, **label}
    if guess.concept == "intent" and levels:
        return {"type": "ordinal", "source": variable.name, **label, "map": levels,
                "order": list(dict.fromkeys(levels.values()))}
    if levels and variable.measure != "scale":
        return {"type": "ordinal" if variable.measure == "ordinal" else "categorical",
                "source": variable.name, **label, "map": levels}
    return {"type": "numeric" if variable.type == "numeric" else "categorical",
            "source": variable.name, **label}


def _dump(document: object, indent: int = 0) -> str:
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
    pad = " " * indent
    return "".join(pad + line + "\n" for line in text.splitlines())


def _block(key: str, document: object, comment: str = "", indent: int = 2) -> list[str]:
    """``key:  # comment`` and ``document`` dumped safely below it."""
    head = f"{' ' * (indent - 2)}{key}:" + (f"  # {_one_line(comment)}" if comment else "")
    return [head, _dump(document, indent).rstrip("\n")]


def skeleton_yaml(codebook: Codebook, survey_id: str, source_path: str,
                  source_format: str | None = None, data: pd.DataFrame | None = None) -> str:
    """The text of a first ``config/surveys/<id>.yaml`` for ``codebook``.

    The result validates against the survey schema; every guess carries ``# REVIEW``. With
    ``data`` the age bands start at the youngest respondent's age.
    """
    guesses = guess_concepts(codebook)
    by_concept = {g.concept: g for g in guesses}
    mapped = {v for g in guesses for v in g.variables}
    language = file_language(codebook)
    missing = {v.name: _value_label_missing(v) for v in codebook
               if v.type == "numeric" and v.name in mapped}
    missing = {name: codes for name, codes in missing.items() if codes}
    out = [
        f"# Survey config for {survey_id}, written by 'surveykit init' from "
        f"{_one_line(source_path)}.",
        "# Every line marked REVIEW is a guess from the file's labels: check it, then delete",
        "# the marker. Schema: surveykit/data/schemas/survey.schema.json.",
        "# Nothing here is run as code.",
        f"id: {survey_id}",
        f"title: {json.dumps(_one_line(codebook.file_label or survey_id), ensure_ascii=False)}",
        "source:",
        f"  path: {json.dumps(source_path, ensure_ascii=False)}",
    ]
    if source_format:
        out.append(f"  format: {source_format}")
    if "id_variable" in by_concept:
        out.append(f"  id_variable: {json.dumps(by_concept['id_variable'].variables[0])}  "
                   "# REVIEW: respondent id (checked for uniqueness, never output)")
    if missing:
        out.append("# Codes of the variables used below that carry a 'no answer'-like value "
                   "label but are not declared missing in the file:")
        out += _block("missing", missing, "REVIEW")
    out.append("concepts:")
    for guess in guesses:
        if guess.concept in ("id_variable", *_DESIGN_ROLES):
            continue
        spec = _concept_spec(guess, codebook, missing, language, data)
        out += _block(guess.concept, spec, f"REVIEW: guessed from {guess.reason}", 4)
        if guess.concept == "intent" and "map" in spec:
            variable = codebook[guess.variables[0]]
            exclude = set(variable.missing_values) | set(missing.get(variable.name, []))
            out += _block("willing_to_move", {
                "type": "binary", "from": "intent",
                "true_values": _willing_levels(variable, spec["order"], exclude)},
                "REVIEW: which intent levels count as willing?", 4)
        if guess.concept == "age":
            out += _block("age_group", {"type": "ordinal", "from": "age",
                                          "bins": age_bands(spec["valid_range"][0])},
                          "REVIEW: bands from the youngest respondent's age", 4)
    design = {role: by_concept[role].variables[0] for role in _DESIGN_ROLES
              if role in by_concept}
    if design:
        out += _block("design", design, "REVIEW: sampling design (weights, strata, ids, fpc)")
    if "weights" in design:
        out += _block("weighting", {"method": "none"},
                      "REVIEW: the file's own weight, used as given; rake to population "
                      "margins instead with method: rake and margins: (see the README)")
    out += _block("report", {"language": language})
    rest = [v for v in codebook if v.name not in mapped]
    if rest:
        out.append("# Not used (add as concepts where needed; 'surveykit inspect' shows "
                   "their codes):")
        for variable in rest:
            out.append(f"#   {_one_line(variable.name)}: {_one_line(variable.label)}")
    return "\n".join(out) + "\n"


def sheet_with_survey(sheet: Path, survey_id: str, config_path: str) -> str:
    """The text of ``config/surveys.tsv`` with a row for ``survey_id`` (added unless it is
    listed already; a new sheet gets its header)."""
    text = sheet.read_text(encoding="utf-8") if sheet.exists() else "survey_id\tconfig\n"
    if not text.endswith("\n"):
        text += "\n"
    ids = [line.split("\t", 1)[0] for line in text.splitlines()[1:]]
    return text if survey_id in ids else text + f"{survey_id}\t{config_path}\n"


def add_to_sheet(sheet: Path, survey_id: str, config_path: str) -> None:
    """Append ``survey_id`` to ``config/surveys.tsv`` (creating it with a header)."""
    sheet.parent.mkdir(parents=True, exist_ok=True)
    sheet.write_text(sheet_with_survey(sheet, survey_id, config_path), encoding="utf-8")
