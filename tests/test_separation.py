"""Separation in the logit: a category in which everyone (or no one) is willing to move.

Its coefficient has no finite estimate; surveykit finds the category from the data, leaves
its odds ratio and AME blank with the flag ``separation`` in every output, warns on the
console with the remedy, and no strategy rule fires on it (`surveykit.models.separation`).
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import copy_project

import surveykit as sk
from surveykit.models.separation import (
    FLAG,
    flag_effects,
    flag_odds_ratios,
    separated_levels,
)
from surveykit.strategies.rules import Findings, evaluate_condition


def _survey(all_yes_in: str | None = "c", all_no_in: str | None = None,
            n: int = 600, seed: int = 3) -> pd.DataFrame:
    """Respondents in groups a/b/c with a numeric covariate; the outcome is mixed except
    in the groups named."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b", "c"], size=n)
    age = rng.normal(45, 12, size=n)
    y = (rng.random(n) < 0.35 + 0.004 * (age - 45)).astype(float)
    if all_yes_in:
        y[group == all_yes_in] = 1.0
    if all_no_in:
        y[group == all_no_in] = 0.0
    return pd.DataFrame({"y": y, "group": pd.Categorical(group, ["a", "b", "c"]),
                         "age": age, "w": rng.uniform(0.5, 2.0, size=n)})


def _fit(data: pd.DataFrame, formula: str = "y ~ group + age"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sk.SurveyDesign(data, weights="w").logit(formula)


def _tables(model):
    separated = separated_levels(model)
    odds = flag_odds_ratios(model.odds_ratios().rename_axis("parameter").reset_index(),
                            separated)
    effects = flag_effects(model.marginal_effects().reset_index(), separated)
    return separated, odds.set_index("parameter"), effects.set_index("contrast")


def test_a_category_where_everyone_says_yes_is_found_and_blanked() -> None:
    model = _fit(_survey(all_yes_in="c"))
    assert model.params["groupc"] > 8  # what would otherwise be published: OR ~ 1e4 and up
    separated, odds, effects = _tables(model)

    assert [(s.term, s.level, s.outcome, s.reference) for s in separated] == \
        [("group", "c", 1, False)]
    assert separated[0].n == int((_survey()["group"] == "c").sum())
    assert odds.loc["groupc", "flag"] == FLAG
    assert odds.loc["groupc", ["odds_ratio", "ci_low", "ci_high", "p_value"]].isna().all()
    # the other terms keep their numbers and no flag
    assert (odds.drop("groupc")["flag"] == "").all()
    assert odds.drop("groupc")["odds_ratio"].notna().all()
    assert effects.loc["c vs a", "flag"] == FLAG
    assert effects.loc["c vs a", ["ame", "se", "ci_low", "ci_high", "p_value"]].isna().all()
    assert effects.loc["b vs a", "flag"] == ""
    assert np.isfinite(effects.loc["b vs a", "ame"])


def test_a_reference_category_where_no_one_says_yes_flags_every_contrast_with_it() -> None:
    model = _fit(_survey(all_yes_in=None, all_no_in="a"))
    separated, odds, effects = _tables(model)

    assert [(s.term, s.level, s.outcome, s.reference) for s in separated] == \
        [("group", "a", 0, True)]
    assert set(separated[0].parameters) == {"groupb", "groupc", "(Intercept)"}
    assert list(odds.index[odds["flag"] == FLAG]) == ["(Intercept)", "groupb", "groupc"]
    assert odds.loc["age", "flag"] == ""
    flagged = effects[effects["flag"] == FLAG]
    assert sorted(flagged.index) == ["b vs a", "c vs a"]


def test_a_model_without_separation_is_left_as_it_was() -> None:
    model = _fit(_survey(all_yes_in=None))
    separated, odds, effects = _tables(model)
    assert separated == []
    assert (odds["flag"] == "").all() and (effects["flag"] == "").all()
    pd.testing.assert_series_equal(odds["odds_ratio"], model.odds_ratios()["odds_ratio"],
                                   check_names=False)


def test_merging_the_separated_level_with_a_neighbour_is_the_remedy() -> None:
    data = _survey(all_yes_in="c")
    merged = data.assign(group=pd.Categorical(data["group"].astype(str).replace("c", "b"),
                                              ["a", "b"]))
    separated, odds, _ = _tables(_fit(merged))
    assert separated == []
    assert np.isfinite(odds.loc["groupb", "odds_ratio"])


def test_a_pooled_row_of_a_separated_parameter_is_flagged_too() -> None:
    odds = pd.DataFrame({"parameter": ["groupc", "groupc", "age"],
                         "odds_ratio": [4e7, 3e7, 1.2], "ci_low": [1e7, 1e7, 1.0],
                         "ci_high": [9e7, 9e7, 1.4], "p_value": [0.0, 0.0, 0.01],
                         "model": ["complete cases", "pooled over 5 imputations",
                                   "complete cases"]})
    flagged = flag_odds_ratios(odds, separated_levels(_fit(_survey(all_yes_in="c"))))
    assert list(flagged["flag"]) == [FLAG, FLAG, ""]
    # a diverged odds ratio is flagged even without a constant category
    alone = flag_odds_ratios(odds.assign(parameter=["x", "y", "age"]), [])
    assert list(alone["flag"]) == [FLAG, FLAG, ""]


def test_a_strategy_condition_on_a_flagged_effect_is_not_evaluable() -> None:
    ame = pd.DataFrame({"variable": ["group"], "contrast": ["c vs a"], "ame": [np.nan],
                        "se": [np.nan], "ci_low": [np.nan], "ci_high": [np.nan],
                        "p_value": [np.nan], "flag": [FLAG]})
    findings = Findings(shares=pd.DataFrame(columns=["table", "indicator"]), ame=ame)
    outcome = evaluate_condition({"ame": {"predictor": "group", "contrast": "c vs a",
                                          "above": 5}}, findings)
    assert not outcome.met
    [evidence] = outcome.evidence
    assert (evidence.evaluable, evidence.reason) == (False, "separation")
    assert "nicht auswertbar – Separation" in evidence.text["de"]
    assert "not evaluable – separation" in evidence.text["en"]


# ---------------------------------------------------------------- the whole workflow

def _everyone_young_is_willing(project: Path) -> int:
    """All respondents aged 18-29 in the CSV copy say they will very likely move; the
    config reads the CSV. Returns how many rows changed."""
    path = project / "data" / "raw" / "example_survey.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    age, intent, destination = (header.index(c) for c in ("alter", "wegzug", "wegzug_ziel"))
    changed = 0
    for row in rows[1:]:
        if row[age] and 18 <= float(row[age]) < 30:
            row[intent], row[destination] = "1", row[destination] or "2"
            changed += 1
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    config = project / "config" / "surveys" / "example.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("path: data/raw/example_survey.sav",
                                   "path: data/raw/example_survey.csv", 1), encoding="utf-8")
    return changed


@pytest.mark.slow
def test_every_output_flags_the_separated_category(tmp_path: Path) -> None:
    from pptx import Presentation

    project = copy_project(tmp_path / "project")
    assert _everyone_young_is_willing(project) > 100
    done = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2"], cwd=project,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    out = project / "results" / "example"

    # console: one warning line naming survey, model, term and the remedy
    lines = [line for line in done.stderr.splitlines()
             if line.startswith("surveykit: warning:") and "separated" in line]
    assert len(lines) == 1, done.stderr[-3000:]
    assert re.search(r"survey 'example', logit of willing_to_move: age_group = '18-29' is "
                     r"separated: all \d+ respondents in it have willing_to_move = 1", lines[0])
    assert "concepts.age_group.bins of config/surveys/example.yaml" in lines[0]

    # tables: flag column, no number
    odds = pd.read_csv(out / "tables" / "odds_ratios.csv", keep_default_na=False)
    young = odds[odds["parameter"] == "age_group18-29"]
    assert list(young["model"]) == ["complete cases", "pooled over 20 imputations"]
    assert (young["flag"] == FLAG).all()
    assert (young[["odds_ratio", "ci_low", "ci_high", "p_value"]] == "").all().all()
    assert (odds.loc[odds["parameter"] != "age_group18-29", "flag"] == "").all()
    ame = pd.read_csv(out / "tables" / "ame.csv", keep_default_na=False)
    row = ame[ame["contrast"] == "18-29 vs 45-59"].iloc[0]
    assert row["flag"] == FLAG and row["ame"] == "" and row["ci_low"] == ""
    models = json.loads((out / "models" / "models.json").read_text(encoding="utf-8"))
    assert [s["level"] for s in models["binary"]["separation"]] == ["18-29"]
    published = {r["parameter"]: r for r in models["binary"]["odds_ratios"]}
    assert published["age_group18-29"]["flag"] == FLAG
    assert published["age_group18-29"]["odds_ratio"] is None

    # report: the model chapter names the term, its cells carry the flag and the note
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Hinweis – nicht schätzbar wegen Separation: Altersgruppe: 18-29." in html
    assert html.count("nicht schätzbar (Separation)¹") >= 3   # AME, OR, OR (MI)
    assert "¹ Separation: in dieser Gruppe sind alle oder keine Befragten" in html
    figures = json.loads((out / "figures" / "figures.json").read_text(encoding="utf-8"))
    captions = {f["name"]: f["caption"] for f in figures["figures"]}
    assert "Separation" in captions["ame"] and "Separation" in captions["odds_ratios"]

    # slides: the method slide names the term
    deck = Presentation(str(out / "slides.pptx"))
    text = "\n".join(shape.text_frame.text for slide in deck.slides for shape in slide.shapes
                     if shape.has_text_frame)
    assert "nicht schätzbar wegen Separation: Altersgruppe: 18-29" in text

    # strategies: the AME condition on 18-29 is not evaluable and did not make it fire
    strategies = json.loads((out / "strategies.json").read_text(encoding="utf-8"))
    evidence = [e for field in strategies["fields"] for s in field["strategies"]
                for e in s["evidence"] if e["kind"] == "ame"
                and e["details"].get("flag") == FLAG]
    assert evidence, "no AME condition on the separated contrast"
    for item in evidence:
        assert (item["evaluable"], item["met"], item["reason"]) == (False, False,
                                                                    "separation")
        assert "nicht auswertbar – Separation" in item["text"]


@pytest.mark.parametrize("reference", [False, True])
def test_large_models_find_separation_from_their_cells(monkeypatch, reference: bool) -> None:
    """From 20,000 respondents the levels are counted per cell of the model's 0/1 columns
    (no n × p model matrix); they must be the levels the matrix gives, with the same
    counts, and so must the variance inflation factors (with a 0/1 number, a numeric
    predictor far from zero and a level nobody in the model has)."""
    import surveykit.models.frame as frame_module

    data = _survey(all_yes_in=None if reference else "c", all_no_in="a" if reference else None,
                   n=30_000, seed=5)
    rng = np.random.default_rng(6)
    data["commuter"] = rng.integers(0, 2, len(data))
    data["year"] = 2020 + rng.integers(0, 5, len(data)) + rng.random(len(data))
    data.loc[rng.random(len(data)) < 0.05, "age"] = np.nan
    model = _fit(data, "y ~ group + age + commuter + year")
    assert model.frame.cells() is not None
    from_cells, vif_cells = separated_levels(model), model.vif()
    monkeypatch.setattr(frame_module, "_recipe_cells", lambda *args: None)
    assert model.frame.cells() is None
    from_matrix, vif_matrix = separated_levels(model), model.vif()
    assert from_cells == from_matrix
    assert [s.term for s in from_cells] == ["group"]
    assert from_cells[0].reference == reference
    pd.testing.assert_frame_equal(vif_cells, vif_matrix, rtol=1e-9)
    assert (vif_cells["gvif"] > 1).all()
