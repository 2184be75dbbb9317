"""``surveykit init``: a first survey config guessed from a file's own labels.

Every guess is marked ``# REVIEW`` so the data manager checks it; variables that were not
recognised are listed at the end. The written file validates, so the workflow can run on it
at once and the data manager refines it step by step.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from surveykit.data.io import Codebook, Variable

__all__ = ["ConceptGuess", "guess_concepts", "skeleton_yaml"]

# Keyword stems (lower case, umlauts folded) searched in variable names and labels.
_KEYWORDS: dict[str, tuple[str, ...]] = {
    "intent": ("wegzieh", "wegzug", "abwander", "fortzieh", "move away", "moving away",
               "leave the", "migration intent", "umzugsabsicht"),
    "destination": ("wohin", "zielort", "wegzug_ziel", "destination", "where would you move"),
    "age": ("alter", "age", "lebensjahr"),
    "sex": ("geschlecht", "sex", "gender"),
    "qualification": ("berufsabschluss", "berufliche", "degree", "qualification",
                      "ausbildungsabschluss"),
    "school": ("schulabschluss", "schulbildung", "school"),
    "employment": ("erwerb", "employment", "beschaeftig", "labour force", "work status"),
    "commuter": ("pendl", "pendel", "commut"),
    "municipality": ("gemeinde", "municipality", "ortsteil", "wohnort", "town", "district"),
    "children": ("kinder", "children"),
    "home_owner": ("eigentum", "wohneigentum", "tenure", "home owner", "homeowner"),
    "years_of_residence": ("wohndauer", "years of residence", "seit wann"),
    "migration_background": ("herkunft", "migration", "zugewandert", "zugezogen", "born in"),
    "participation_wish": ("mitwirk", "beteilig", "participat", "mitbestimm"),
    "social_contacts": ("kontakt", "freunde", "contacts", "friends"),
    "weights": ("gewicht", "weight", "wgt", "gew"),
    "id_variable": ("lfdnr", "laufende nummer", "identification", "respondent id", "fallnummer"),
    "strata": ("schicht", "stratum", "strata"),
}
_LEISURE = ("kultur", "freizeit", "sport", "gastro", "verein", "treff", "culture", "leisure")
_INFRASTRUCTURE = ("oepnv", "nahverkehr", "aerzt", "arzt", "schule", "einkauf", "internet",
                   "transport", "doctor", "shops")
_SATISFACTION = ("zufrieden", "zuf_", "satisf")
_MISSING_LABELS = ("keine angabe", "weiss nicht", "weiß nicht", "verweigert", "no answer",
                   "don't know", "dont know", "refused", "missing", "not applicable",
                   "trifft nicht zu", "k.a.")


def _fold(text: str) -> str:
    """Lower case with umlauts folded (ä → ae), for keyword matching."""
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
    text = text.replace("ß", "ss")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _slug(text: str) -> str:
    """A level name from a label: 'Sehr wahrscheinlich' → 'sehr_wahrscheinlich'."""
    slug = re.sub(r"[^a-z0-9]+", "_", _fold(text)).strip("_")
    return slug or "level"


def _matches(variable: Variable, stems: Sequence[str]) -> bool:
    name, label = _fold(variable.name), _fold(variable.label)
    for stem in stems:
        folded = _fold(stem)
        if len(folded) <= 4:
            # Short stems ("age", "sex", "gew") must be whole words, or they match too much.
            pattern = rf"(^|[^a-z]){re.escape(folded)}([^a-z]|$)"
            if re.search(pattern, name) or re.search(pattern, label):
                return True
        elif folded in name or folded in label:
            return True
    return False


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
        if any(_fold(marker) in _fold(label) for marker in _MISSING_LABELS):
            found.append(code)
    return found


def guess_concepts(codebook: Codebook) -> list[ConceptGuess]:
    """Guess canonical concepts from variable names and labels (first match wins)."""
    guesses: list[ConceptGuess] = []
    used: set[str] = set()
    leisure, infrastructure = [], []
    for variable in codebook:
        if variable.type == "numeric" and _matches(variable, _SATISFACTION):
            if _matches(variable, _LEISURE):
                leisure.append(variable.name)
                used.add(variable.name)
            elif _matches(variable, _INFRASTRUCTURE):
                infrastructure.append(variable.name)
                used.add(variable.name)
    taken: set[str] = set()
    for concept, stems in _KEYWORDS.items():
        for variable in codebook:
            if variable.name in used or concept in taken:
                continue
            if _matches(variable, stems):
                guesses.append(ConceptGuess(concept, (variable.name,),
                                            f"name/label {variable.label or variable.name!r}"))
                used.add(variable.name)
                taken.add(concept)
    for concept, items in (("leisure_satisfaction", leisure),
                           ("infrastructure_satisfaction", infrastructure)):
        if len(items) >= 2:
            guesses.append(ConceptGuess(concept, tuple(items), "satisfaction items"))
    return guesses


def _levels_block(variable: Variable, exclude: set) -> dict:
    levels = {}
    for code, label in variable.value_labels.items():
        if code in exclude:
            continue
        levels[code] = _slug(label)
    return levels


def _concept_spec(guess: ConceptGuess, codebook: Codebook, missing: dict[str, list]
                  ) -> dict | None:
    variable = codebook[guess.variables[0]]
    exclude = set(variable.missing_values) | set(missing.get(variable.name, []))
    labelled = bool(_levels_block(variable, exclude))
    if guess.concept in ("leisure_satisfaction", "infrastructure_satisfaction"):
        codes = sorted(c for c in variable.value_labels if c not in exclude
                       and not isinstance(c, str))
        low, high = (codes[0], codes[-1]) if len(codes) >= 2 else (1, 5)
        return {"type": "scale", "items": list(guess.variables), "valid_range": [low, high],
                "reverse": False, "min_items": max(2, (len(guess.variables) + 1) // 2)}
    if guess.concept == "age":
        return {"type": "numeric", "source": variable.name, "valid_range": [14, 110]}
    if guess.concept == "years_of_residence":
        return {"type": "numeric", "source": variable.name}
    if guess.concept == "intent" and labelled:
        levels = _levels_block(variable, exclude)
        return {"type": "ordinal", "source": variable.name, "map": levels,
                "order": list(dict.fromkeys(levels.values()))}
    if labelled and variable.measure != "scale":
        levels = _levels_block(variable, exclude)
        return {"type": "ordinal" if variable.measure == "ordinal" else "categorical",
                "source": variable.name, "map": levels}
    return {"type": "numeric" if variable.type == "numeric" else "categorical",
            "source": variable.name}


def _dump(document: object, indent: int = 0) -> str:
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
    pad = " " * indent
    return "".join(pad + line + "\n" for line in text.splitlines())


def skeleton_yaml(codebook: Codebook, survey_id: str, source_path: str,
                  source_format: str | None = None) -> str:
    """The text of a first ``config/surveys/<id>.yaml`` for ``codebook``.

    The result validates against the survey schema; every guess carries ``# REVIEW``.
    """
    guesses = guess_concepts(codebook)
    by_concept = {g.concept: g for g in guesses}
    missing = {v.name: _value_label_missing(v) for v in codebook if v.type == "numeric"}
    missing = {name: codes for name, codes in missing.items() if codes}
    out = [
        f"# Survey config for {survey_id}, written by 'surveykit init' from {source_path}.",
        "# Every line marked REVIEW is a guess from the file's labels: check it, then delete",
        "# the marker. Schema: surveykit/data/schemas/survey.schema.json.",
        "# Nothing here is run as code.",
        f"id: {survey_id}",
        f"title: {json.dumps(codebook.file_label or survey_id, ensure_ascii=False)}",
        "source:",
        f"  path: {source_path}",
    ]
    if source_format:
        out.append(f"  format: {source_format}")
    if "id_variable" in by_concept:
        out.append(f"  id_variable: {by_concept['id_variable'].variables[0]}  "
                   "# REVIEW: respondent id (checked for uniqueness, never output)")
    if missing:
        out.append("# Codes that carry a 'no answer'-like value label but are not declared "
                   "missing in the file:")
        out.append("missing:  # REVIEW")
        out.append(_dump(missing, 2).rstrip("\n"))
    out.append("concepts:")
    design_roles = {"weights": "weights", "strata": "strata"}
    for guess in guesses:
        if guess.concept in ("id_variable", *design_roles):
            continue
        spec = _concept_spec(guess, codebook, missing)
        out.append(f"  {guess.concept}:  # REVIEW: guessed from {guess.reason}")
        out.append(_dump(spec, 4).rstrip("\n"))
        if guess.concept == "intent" and "map" in spec:
            out.append("  willing_to_move:  # REVIEW: which intent levels count as willing?")
            out.append(_dump({"type": "binary", "from": "intent",
                              "true_values": spec["order"][:2]}, 4).rstrip("\n"))
        if guess.concept == "age":
            out.append("  age_group:  # REVIEW: bands")
            out.append(_dump({"type": "ordinal", "from": "age", "bins": {
                "breaks": [0, 30, 45, 60, 75, ".inf"],
                "labels": ["bis 29", "30-44", "45-59", "60-74", "75+"], "right": False}},
                4).rstrip("\n"))
    design = {role: by_concept[role].variables[0] for role in design_roles if role in by_concept}
    if design:
        out.append("design:  # REVIEW: sampling design (weights, strata, ids, fpc)")
        out.append(_dump(design, 2).rstrip("\n"))
    mapped = {v for g in guesses for v in g.variables}
    rest = [v for v in codebook if v.name not in mapped]
    if rest:
        out.append("# Not recognised (add as concepts where needed):")
        for variable in rest:
            out.append(f"#   {variable.name}: {variable.label}")
    return "\n".join(out) + "\n"


def add_to_sheet(sheet: Path, survey_id: str, config_path: str) -> None:
    """Append ``survey_id`` to ``config/surveys.tsv`` (creating it with a header)."""
    if not sheet.exists():
        sheet.parent.mkdir(parents=True, exist_ok=True)
        sheet.write_text("survey_id\tconfig\n", encoding="utf-8")
    text = sheet.read_text(encoding="utf-8")
    if not text.endswith("\n"):
        text += "\n"
    sheet.write_text(text + f"{survey_id}\t{config_path}\n", encoding="utf-8")
