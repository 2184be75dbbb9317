"""How many of ``surveykit init``'s guesses are right, on three differently built files.

The files: the bundled German example (``data/raw/example_survey.sav``), a real US file
written by other software (``../shared/data/gss_extract.sav``, skipped when absent) and a
small English survey with a 4-point "considered emigrating" item and a supplied weight
(`surveykit.synth.own_survey`, generated into a temporary folder).

For each file a person who knows it says which variable is the right source of each
concept (``TRUTH`` below); the script counts the guesses that name the right variable
(*right*), the guesses that name a wrong one or a concept the file does not have (*wrong*),
and the concepts the file has but ``init`` did not guess (*missed*). It also prints the
length of the skeleton and of its ``missing:`` block: what a person has to review.

Run: ``.venv/bin/python bench/init_guesses.py``
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from surveykit.data.io import read_survey
from surveykit.data.skeleton import guess_concepts, skeleton_yaml
from surveykit.synth.own_survey import write_own_survey

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "data" / "raw" / "example_survey.sav"
GSS = ROOT.parent / "shared" / "data" / "gss_extract.sav"

#: concept (or design role) -> the right source variable(s), per file.
TRUTH: dict[str, dict[str, tuple[str, ...]]] = {
    "example": {
        "id_variable": ("lfdnr",), "weights": ("dgew",), "intent": ("wegzug",),
        "destination": ("wegzug_ziel",), "age": ("alter",), "sex": ("geschlecht",),
        "qualification": ("berufsabschluss",), "school": ("schulabschluss",),
        "employment": ("erwerb",), "commuter": ("pendler",),
        "commuting_minutes": ("pendelzeit",), "municipality": ("gemeinde",),
        "children": ("kinder",), "home_owner": ("wohneigentum",),
        "years_of_residence": ("wohndauer",), "migration_background": ("herkunft",),
        "participation_wish": ("mitwirkung",), "social_contacts": ("kontakte",),
        "leisure_satisfaction": ("zuf_kultur", "zuf_freizeit", "zuf_sport", "zuf_gastro",
                                 "zuf_verein", "zuf_treff"),
        "infrastructure_satisfaction": ("zuf_oepnv", "zuf_aerzte", "zuf_schulen",
                                        "zuf_einkauf", "zuf_internet"),
    },
    "gss": {
        "id_variable": ("id",), "age": ("age",), "sex": ("sex",),
        "qualification": ("degree",), "school": ("educ",),
    },
    "english": {
        "id_variable": ("resp_id",), "weights": ("finalwgt",), "intent": ("emig",),
        "age": ("q1_age",), "sex": ("gender",), "qualification": ("educ",),
        "migration_background": ("born_abroad",), "municipality": ("region",),
        "children": ("hh_children",), "employment": ("employ",),
    },
}


def score(path: Path, truth: dict[str, tuple[str, ...]]) -> dict[str, object]:
    """Right, wrong and missed guesses of ``init`` on one file, and the skeleton's size."""
    _, codebook = read_survey(path)
    guesses = {g.concept: tuple(g.variables) for g in guess_concepts(codebook)}
    right = sorted(c for c, v in guesses.items() if truth.get(c) == v)
    wrong = sorted(f"{c}={','.join(v)}" for c, v in guesses.items() if truth.get(c) != v)
    missed = sorted(c for c in truth if c not in guesses)
    text = skeleton_yaml(codebook, "bench", str(path))
    lines = text.splitlines()
    missing_lines = 0
    if "missing:" in text:
        start = next(i for i, line in enumerate(lines) if line.startswith("missing:"))
        missing_lines = next((i for i in range(start + 1, len(lines))
                              if not lines[i].startswith(" ")), len(lines)) - start
    return {"right": right, "wrong": wrong, "missed": missed, "lines": len(lines),
            "missing_lines": missing_lines}


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        files = {"example": EXAMPLE, "gss": GSS,
                 "english": write_own_survey(Path(folder) / "own_survey_en.sav")}
        print(f"{'file':8} {'right':>5} {'wrong':>5} {'missed':>6} {'lines':>5} "
              f"{'missing:':>8}  details")
        for name, path in files.items():
            if not path.is_file():
                print(f"{name:8} (absent: {path})")
                continue
            result = score(path, TRUTH[name])
            print(f"{name:8} {len(result['right']):>2}/{len(TRUTH[name]):<2} "
                  f"{len(result['wrong']):>5} {len(result['missed']):>6} "
                  f"{result['lines']:>5} {result['missing_lines']:>8}  "
                  f"wrong: {', '.join(result['wrong']) or '-'}; "
                  f"missed: {', '.join(result['missed']) or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
