"""Strategy rules: each condition fires, and stays silent, as the evidence says.

The findings are small fixture tables with known effects (an AME of +20 pp whose interval
excludes 0, one of +9 pp whose interval includes 0, a share of 65 % marked ▲, a suppressed
cell, items in the critical and in another quadrant …), shaped like the tables the estimate
and model steps publish. The config side: the schema rejects malformed conditions and the
load-time check names file, key and value with a did-you-mean hint. The end-to-end test runs
the workflow on the example.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import EXAMPLE_CONFIG, ROOT, write_changed_config

from surveykit._core.errors import ArgumentError, ConfigError
from surveykit.data.config import load_survey_config
from surveykit.strategies.rules import (
    Findings,
    Vocabulary,
    evaluate_condition,
    evaluate_strategies,
    strategies_document,
)

NAN = math.nan

AME = pd.DataFrame([
    # variable, contrast, ame (pp), ci_low, ci_high, p_value
    ("age_group", "18-29 vs 45-59", 20.09, 10.06, 30.12, 0.0001),
    ("age_group", "60-74 vs 45-59", -15.06, -21.0, -9.12, 0.0001),
    ("migration_background", "1 vs 0", 9.47, -1.36, 20.30, 0.09),
    ("children", "1 vs 0", -3.84, -9.65, 1.96, 0.19),
    ("leisure_satisfaction", "per unit", -9.35, -12.23, -6.47, 0.0),
    ("commuter", "1 vs 0", 5.3, 0.4, 10.2, 0.03),
], columns=["variable", "contrast", "ame", "ci_low", "ci_high", "p_value"])


def _row(table: str, indicator: str, kind: str, breakdown: str, domain: str, level: str,
         estimate: float, ci_low: float, ci_high: float, mark: str = "", flag: str = "",
         difference: float = NAN, p_adjusted: float = NAN) -> dict:
    return {"table": table, "indicator": indicator, "kind": kind, "breakdown": breakdown,
            "domain": domain, "level": level, "estimate": estimate, "ci_low": ci_low,
            "ci_high": ci_high, "n": 100.0, "difference": difference,
            "p_adjusted": p_adjusted, "mark": mark, "flag": flag}


SHARES = pd.DataFrame([
    _row("willing_to_move", "willing_to_move", "binary", "", "", "1.0", 0.37, 0.35, 0.39),
    _row("willing_to_move", "willing_to_move", "binary", "age_group", "18-29", "1.0",
         0.6513, 0.5637, 0.7297, "▲", difference=0.3226, p_adjusted=1e-12),
    _row("willing_to_move", "willing_to_move", "binary", "age_group", "75+", "1.0",
         0.1125, 0.0868, 0.1444, "▼", difference=-0.3049, p_adjusted=1e-50),
    _row("willing_to_move", "willing_to_move", "binary", "municipality", "Hohenwarte", "1.0",
         0.4343, 0.3746, 0.4960, difference=0.0743, p_adjusted=0.2252),
    _row("willing_to_move", "willing_to_move", "binary", "age_group × commuter", "18-29 × 1",
         "1.0", NAN, NAN, NAN, flag="suppressed_secondary"),
    _row("willing_to_move", "willing_to_move", "binary", "age_group × commuter", "75+ × 1",
         "1.0", NAN, NAN, NAN, flag="suppressed"),
    _row("willing_to_move", "willing_to_move", "binary", "age_group × commuter", "30-44 × 1",
         "1.0", 0.5632, 0.4791, 0.6438, "▲", difference=0.2131, p_adjusted=1e-6),
    _row("intent", "intent", "ordinal", "commuter", "1", "very_likely", 0.1992, 0.1657,
         0.2377, "▲", difference=0.09, p_adjusted=0.001),
    _row("intent", "intent", "ordinal", "commuter", "1", "rather_likely", 0.3155, 0.2758,
         0.3580, "▲", difference=0.11, p_adjusted=0.001),
    _row("infrastructure_satisfaction", "infrastructure_satisfaction", "scale",
         "municipality", "Wippertal", "", 2.3779, 2.2798, 2.4760, "▼", difference=-0.5088,
         p_adjusted=4e-20),
    _row("satisfaction_by_willingness", "sat_clubs", "ordinal", "", "", "very_dissatisfied",
         0.02, 0.01, 0.03),
])

PRIORITY = pd.DataFrame([
    # item, share dissatisfied and CI, importance and CI, quadrant, flag
    ("sat_culture", 0.3799, 0.3586, 0.4017, 0.0790, 0.0316, 0.1264, "critical", ""),
    ("sat_transport", 0.5264, 0.5040, 0.5487, 0.0492, 0.0029, 0.0954, "irritant", ""),
    ("sat_internet", 0.3, 0.28, 0.32, NAN, NAN, NAN, "", "suppressed"),
], columns=["item", "share_dissatisfied", "share_ci_low", "share_ci_high", "importance",
            "importance_ci_low", "importance_ci_high", "quadrant", "flag"])

CONCEPTS = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))["concepts"]


@pytest.fixture
def findings() -> Findings:
    return Findings(shares=SHARES, ame=AME, priority=PRIORITY, correction="holm",
                    figures={"willing_to_move": "willing_by_group", "intent": "intent_scale"})


def _one(condition: dict, findings: Findings):
    outcome = evaluate_condition(condition, findings, Vocabulary(CONCEPTS))
    assert len(outcome.evidence) == 1
    evidence = outcome.evidence[0]
    assert outcome.met is evidence.met
    return evidence


# --- ame ------------------------------------------------------------------------------------

def test_an_ame_beyond_the_threshold_with_its_interval_excluding_0_fires(findings) -> None:
    evidence = _one({"ame": {"predictor": "age_group", "contrast": "18-29 vs 45-59",
                             "above": 5}}, findings)
    assert evidence.met and evidence.reason == "met" and evidence.evaluable
    assert (evidence.value, evidence.ci_low, evidence.ci_high) == (20.09, 10.06, 30.12)
    assert evidence.threshold == 5 and evidence.comparison == "above"
    assert evidence.reference == {"table": "ame", "figure": "ame"}
    assert evidence.text["de"] == ("Altersgruppe (18-29 vs. 45-59): AME +20 Pp. (95-%-KI: "
                                   "+10 bis +30 Pp.) – über der Schwelle von +5 Pp., KI "
                                   "schließt 0 aus.")
    assert evidence.text["en"] == ("Age group (18-29 vs. 45-59): AME +20 pp (95% CI: +10 to "
                                   "+30 pp) – above the threshold of +5 pp, CI excludes 0.")


def test_an_ame_short_of_the_threshold_stays_silent_with_its_number(findings) -> None:
    evidence = _one({"ame": {"predictor": "age_group", "contrast": "18-29 vs 45-59",
                             "above": 25}}, findings)
    assert not evidence.met and evidence.reason == "short_of_threshold"
    assert evidence.value == 20.09  # the number that fell short is kept
    assert "nicht über der Schwelle von +25 Pp." in evidence.text["de"]


def test_an_ame_whose_interval_includes_0_stays_silent_even_beyond_the_threshold(
        findings) -> None:
    evidence = _one({"ame": {"predictor": "migration_background", "contrast": "1 vs 0",
                             "above": 5}}, findings)
    assert evidence.value > 5 and evidence.ci_low < 0
    assert not evidence.met and evidence.reason == "ci_includes_zero"
    assert evidence.text["de"] == ("Aus dem Ausland zugezogen (ja vs. nein): AME +9 Pp. "
                                   "(95-%-KI: −1 bis +20 Pp.) – über +5 Pp., aber das KI "
                                   "schließt 0 ein.")
    assert "but the CI includes 0" in evidence.text["en"]


def test_below_fires_on_a_negative_effect_and_not_on_a_positive_one(findings) -> None:
    negative = _one({"ame": {"predictor": "leisure_satisfaction", "below": -5}}, findings)
    assert negative.met and "unter der Schwelle von −5 Pp." in negative.text["de"]
    assert "(je Einheit)" in negative.text["de"] and "(per unit)" in negative.text["en"]
    positive = _one({"ame": {"predictor": "age_group", "contrast": "18-29 vs 45-59",
                             "below": -5}}, findings)
    assert not positive.met and positive.reason == "short_of_threshold"
    # the interval excludes 0 but the effect is within (-5, 5): silent
    within = _one({"ame": {"predictor": "children", "contrast": "1 vs 0", "below": -5}},
                  findings)
    assert not within.met


def test_a_value_close_to_the_threshold_is_shown_with_a_decimal(findings) -> None:
    evidence = _one({"ame": {"predictor": "commuter", "contrast": "1 vs 0", "above": 5}},
                    findings)
    assert evidence.met
    assert "AME +5,3 Pp." in evidence.text["de"] and "Schwelle von +5,0 Pp." in \
        evidence.text["de"]


def test_a_predictor_with_several_contrasts_needs_one_named(findings) -> None:
    with pytest.raises(ArgumentError, match=r"when\.ame: the predictor 'age_group' has "
                       r"several contrasts.*name one as contrast"):
        evaluate_condition({"ame": {"predictor": "age_group", "above": 5}}, findings)


def test_an_ame_without_models_is_not_evaluable(findings) -> None:
    bare = Findings(shares=SHARES, ame=None, priority=PRIORITY)
    evidence = _one({"ame": {"predictor": "commuter", "above": 5}}, bare)
    assert not evidence.met and not evidence.evaluable
    assert evidence.reason == "not_in_results" and evidence.value is None
    assert "nicht auswertbar" in evidence.text["de"]


# --- share ----------------------------------------------------------------------------------

def test_a_share_above_the_threshold_fires_and_below_it_stays_silent(findings) -> None:
    condition = {"table": "willing_to_move", "breakdown": "age_group", "domain": "18-29"}
    fired = _one({"share": {**condition, "above": 0.4}}, findings)
    assert fired.met and fired.value == 0.6513 and fired.unit == "share"
    assert fired.reference == {"table": "willing_to_move", "figure": "willing_by_group"}
    assert fired.text["de"] == ("Wanderungsbereitschaft (Altersgruppe 18-29): 65 % "
                                "(95-%-KI: 56–73 %) – über der Schwelle von 40 %.")
    assert fired.text["en"] == ("Willing to move away (Age group 18-29): 65% (95% CI: "
                                "56–73%) – above the threshold of 40%.")
    silent = _one({"share": {**condition, "above": 0.7}}, findings)
    assert not silent.met and silent.reason == "short_of_threshold"
    assert "nicht über der Schwelle von 70 %" in silent.text["de"]
    assert _one({"share": {**condition, "below": 0.7}}, findings).met
    assert not _one({"share": {**condition, "below": 0.6}}, findings).met


def test_the_threshold_is_strict(findings) -> None:
    assert not _one({"share": {"table": "willing_to_move", "above": 0.37}}, findings).met
    assert not _one({"share": {"table": "willing_to_move", "below": 0.37}}, findings).met


def test_the_overall_row_and_the_default_level_of_a_binary_indicator(findings) -> None:
    evidence = _one({"share": {"table": "willing_to_move", "above": 0.3}}, findings)
    assert evidence.met and evidence.value == 0.37
    assert evidence.label["de"] == "Wanderungsbereitschaft (alle Befragten)"


def test_a_level_of_an_ordinal_indicator_and_a_numeric_domain(findings) -> None:
    evidence = _one({"share": {"table": "intent", "level": "very_likely",
                               "breakdown": "commuter", "domain": 1, "above": 0.15}},
                    findings)
    assert evidence.met and evidence.value == 0.1992
    assert evidence.label["de"].endswith(": sehr wahrscheinlich (Pendler/in ja)")
    assert evidence.reference["figure"] == "intent_scale"
    with pytest.raises(ArgumentError, match="'intent' is ordinal; name the level"):
        evaluate_condition({"share": {"table": "intent", "breakdown": "commuter",
                                      "domain": 1, "above": 0.15}}, findings,
                           Vocabulary(CONCEPTS))


@pytest.mark.parametrize(("domain", "flag"), [(["18-29", "1"], "suppressed_secondary"),
                                              ("75+ × 1", "suppressed")])
def test_a_suppressed_cell_is_not_evaluable_and_never_fires(findings, domain, flag) -> None:
    for side in ({"above": 0.0}, {"below": 1.0}):  # would hold for any number
        evidence = _one({"share": {"table": "willing_to_move",
                                   "breakdown": ["age_group", "commuter"], "domain": domain,
                                   **side}}, findings)
        assert not evidence.met and not evidence.evaluable
        assert evidence.reason == "suppressed" and evidence.value is None
        assert evidence.details["flag"] == flag
        assert "nicht auswertbar – Zelle ausgeblendet" in evidence.text["de"]
        assert "not evaluable – cell hidden" in evidence.text["en"]
        assert evidence.reference["figure"] is None  # two-way cells are not drawn


def test_a_two_way_cell_that_is_published_is_evaluated(findings) -> None:
    evidence = _one({"share": {"table": "willing_to_move",
                               "breakdown": ["age_group", "commuter"],
                               "domain": ["30-44", 1], "above": 0.5}}, findings)
    assert evidence.met and evidence.value == 0.5632
    assert evidence.label["de"] == "Wanderungsbereitschaft (Altersgruppe × Pendler/in " \
        "30-44 × ja)"


def test_a_cell_the_results_do_not_have_is_not_evaluable(findings) -> None:
    evidence = _one({"share": {"table": "willing_to_move", "breakdown": "age_group",
                               "domain": "30-44", "above": 0.1}}, findings)
    assert not evidence.met and evidence.reason == "not_in_results"


# --- difference -----------------------------------------------------------------------------

def test_a_difference_fires_on_the_published_mark(findings) -> None:
    evidence = _one({"difference": {"table": "willing_to_move", "breakdown": "age_group",
                                    "domain": "18-29", "direction": "higher"}}, findings)
    assert evidence.met and evidence.details["mark"] == "▲"
    assert evidence.text["de"] == ("Wanderungsbereitschaft (Altersgruppe 18-29): 65 % "
                                   "(95-%-KI: 56–73 %), +32 Pp. gegenüber der übrigen "
                                   "Bevölkerung – signifikant höher (▲, Holm-korrigiert).")


def test_no_mark_means_no_difference_after_the_correction(findings) -> None:
    evidence = _one({"difference": {"table": "willing_to_move", "breakdown": "municipality",
                                    "domain": "Hohenwarte", "direction": "higher"}},
                    findings)
    assert not evidence.met and evidence.reason == "not_significant"
    assert evidence.details["difference"] == 0.0743  # the difference that fell short
    assert "nach Holm-Korrektur nicht signifikant (p = 0,23)" in evidence.text["de"]
    assert "not significant after Holm correction (p = 0.23)" in evidence.text["en"]


def test_a_mark_in_the_other_direction_does_not_fire(findings) -> None:
    higher = _one({"difference": {"table": "willing_to_move", "breakdown": "age_group",
                                  "domain": "75+", "direction": "higher"}}, findings)
    assert not higher.met and higher.reason == "opposite_direction"
    assert "signifikant niedriger (▼, Holm-korrigiert), nicht höher" in higher.text["de"]
    lower = _one({"difference": {"table": "willing_to_move", "breakdown": "age_group",
                                 "domain": "75+", "direction": "lower"}}, findings)
    assert lower.met


def test_a_difference_of_means_is_written_as_a_mean(findings) -> None:
    evidence = _one({"difference": {"table": "infrastructure_satisfaction",
                                    "breakdown": "municipality", "domain": "Wippertal",
                                    "direction": "lower"}}, findings)
    assert evidence.met and evidence.unit == "mean"
    assert "2,38 (95-%-KI: 2,28–2,48), −0,51 gegenüber" in evidence.text["de"]
    assert "2.38 (95% CI: 2.28–2.48), −0.51 compared" in evidence.text["en"]


# --- priority -------------------------------------------------------------------------------

def test_an_item_in_the_critical_quadrant_fires(findings) -> None:
    evidence = _one({"priority": {"item": "sat_culture"}}, findings)
    assert evidence.met and evidence.threshold == "critical"
    assert evidence.reference == {"table": "priority_matrix", "figure": "priority_matrix"}
    assert evidence.text["de"] == (
        "Kulturangebot: 38 % (95-%-KI: 36–40 %) unzufrieden; Unzufriedene: "
        "Wanderungsbereitschaft +8 Pp. (95-%-KI: +3 bis +13 Pp.) – Quadrant „kritisch“.")


def test_an_item_in_another_quadrant_stays_silent(findings) -> None:
    evidence = _one({"priority": {"item": "sat_transport", "quadrant": "critical"}},
                    findings)
    assert not evidence.met and evidence.reason == "other_quadrant"
    assert evidence.details["quadrant"] == "irritant"
    assert "Quadrant „verbreitet unzufrieden, schwacher Bezug“, nicht „kritisch“" in \
        evidence.text["de"]
    assert _one({"priority": {"item": "sat_transport", "quadrant": "irritant"}},
                findings).met


def test_a_suppressed_priority_item_is_not_evaluable(findings) -> None:
    evidence = _one({"priority": {"item": "sat_internet"}}, findings)
    assert not evidence.met and evidence.reason == "suppressed"


# --- all / any ------------------------------------------------------------------------------

FIRES = {"ame": {"predictor": "age_group", "contrast": "18-29 vs 45-59", "above": 5}}
SILENT = {"ame": {"predictor": "migration_background", "contrast": "1 vs 0", "above": 5}}
SUPPRESSED = {"share": {"table": "willing_to_move", "breakdown": ["age_group", "commuter"],
                        "domain": ["75+", 1], "above": 0.0}}


@pytest.mark.parametrize(("condition", "met", "pattern"), [
    ({"all": [FIRES, FIRES]}, True, [True, True]),
    ({"all": [FIRES, SILENT]}, False, [True, False]),
    ({"any": [SILENT, FIRES]}, True, [False, True]),
    ({"any": [SILENT, SUPPRESSED]}, False, [False, False]),
    ({"any": [SILENT, {"all": [FIRES, {"priority": {"item": "sat_culture"}}]}]}, True,
     [False, True, True]),
    ({"all": [FIRES, {"any": [SILENT, SUPPRESSED]}]}, False, [True, False, False]),
])
def test_all_and_any_combine_and_every_leaf_leaves_evidence(findings, condition, met,
                                                            pattern) -> None:
    outcome = evaluate_condition(condition, findings, Vocabulary(CONCEPTS))
    assert outcome.met is met
    assert [item.met for item in outcome.evidence] == pattern


def test_leaves_are_named_by_where_they_stand(findings) -> None:
    outcome = evaluate_condition({"any": [SILENT, {"all": [FIRES]}]}, findings)
    assert [item.condition for item in outcome.evidence] == ["when.any[0].ame",
                                                             "when.any[1].all[0].ame"]


def test_the_document_lists_every_strategy_with_its_verdict(findings) -> None:
    section = {"fields": [{
        "id": "retention", "title": {"de": "Halten", "en": "Retention"},
        "concept": "HF 5.4 Halte- und Rückkehrfaktoren für Jugendliche und junge Familien",
        "strategies": [
            {"id": "young", "title": {"de": "Junge", "en": "Young"},
             "text": {"de": "Maßnahme", "en": "Measure"}, "when": FIRES},
            {"id": "families", "title": "Familien", "when": {"all": [FIRES, SILENT]}},
        ]}]}
    fields = evaluate_strategies(section, findings, Vocabulary(CONCEPTS))
    document = strategies_document("example", fields, "de")
    assert list(document) == ["survey", "language", "fields"]
    field_doc = document["fields"][0]
    assert list(field_doc) == ["id", "title", "concept", "strategies"]
    assert field_doc["title"] == "Halten" and field_doc["concept"].startswith("HF 5.4")
    young, families = field_doc["strategies"]
    assert list(young) == ["id", "title", "text", "fired", "verdict", "evidence"]
    assert young["fired"] and young["verdict"] == "durch diese Befragung gestützt"
    assert not families["fired"]
    assert families["verdict"] == "in dieser Befragung keine Evidenz"
    short = [item for item in families["evidence"] if not item["met"]]
    assert len(short) == 1 and short[0]["value"] == 9.47  # the number that fell short
    assert set(short[0]) == {"kind", "condition", "label", "value", "ci_low", "ci_high",
                             "unit", "threshold", "comparison", "met", "evaluable", "reason",
                             "reference", "text", "sentences", "details"}
    assert short[0]["text"] == short[0]["sentences"]["de"]
    english = strategies_document("example", fields, "en")
    assert english["fields"][0]["strategies"][0]["verdict"] == "supported by this survey"
    assert english["fields"][0]["strategies"][1]["evidence"][1]["text"].startswith(
        "Migration background (yes vs. no): AME +9 pp")
    json.dumps(document, allow_nan=False)  # valid JSON: no NaN


# --- the config -----------------------------------------------------------------------------

def _with_condition(tmp_path: Path, condition: dict) -> Path:
    def change(spec: dict) -> None:
        spec["strategies"]["fields"][0]["strategies"][0]["when"] = condition
    return write_changed_config(EXAMPLE_CONFIG, tmp_path / "example.yaml", change)


@pytest.mark.parametrize(("condition", "message"), [
    ({"amee": {"predictor": "age_group", "above": 5}},
     r"at strategies\.fields\.0\.strategies\.0\.when: give exactly one of ame, share, "
     r"difference, priority, all, any \(found: none of them\); 'amee' is not one of them"),
    ({"ame": {"predictor": "age_group", "contrast": "18-29 vs 45-59", "above": 5,
              "below": 1}},
     r"when\.ame: give exactly one of above, below \(found: above, below\)"),
    ({"share": {"table": "willing_to_move", "above": 40}},
     r"when\.share\.above: 40 is greater than the maximum of 1"),
    ({"any": [{"difference": {"table": "willing_to_move", "breakdown": "age_group",
                              "domain": "18-29", "direction": "up"}}]},
     r"when\.any\.0\.difference\.direction: 'up' is not allowed; use one of 'higher', "
     r"'lower'"),
    ({"ame": {"predictor": "age_group", "above": "__import__('os').system('true')"}},
     r"when\.ame\.above: .* is not of type 'number'"),
    ({"ame": {"predictor": "age_group", "above": 5}, "share": {"table": "x", "above": 0.1}},
     r"give exactly one of .* \(found: ame, share\)"),
    ({"any": []}, r"when\.any: \[\] should be non-empty"),
])
def test_the_schema_rejects_a_malformed_condition(tmp_path: Path, condition: dict,
                                                  message: str) -> None:
    path = _with_condition(tmp_path, condition)
    with pytest.raises(ConfigError, match=message) as caught:
        load_survey_config(path, root=ROOT)
    assert str(caught.value).startswith(f"{path} does not follow the survey schema")


@pytest.mark.parametrize(("condition", "message"), [
    ({"ame": {"predictor": "age_grup", "contrast": "18-29 vs 45-59", "above": 5}},
     r"when\.ame\.predictor names 'age_grup', which is not a predictor or control of the "
     r"models \(did you mean 'age_group'\?\)"),
    ({"ame": {"predictor": "age_group", "contrast": "18-29 vs 45-60", "above": 5}},
     r"when\.ame\.contrast names '18-29 vs 45-60', .*did you mean '18-29 vs 45-59'"),
    ({"ame": {"predictor": "age_group", "above": 5}},
     r"when\.ame names the ordinal predictor 'age_group'.*give contrast"),
    ({"ame": {"predictor": "commuter", "contrast": "ja vs nein", "above": 5}},
     r"when\.ame\.contrast names 'ja vs nein', which is not a contrast of the binary "
     r"predictor 'commuter' \(there are: 1 vs 0\)"),
    ({"share": {"table": "willing_to_mov", "above": 0.3}},
     r"when\.share\.table names 'willing_to_mov', which is not a share table "
     r"\(did you mean 'willing_to_move'"),
    ({"share": {"table": "satisfaction_by_willingness", "level": "dissatisfied",
                "above": 0.3}},
     r"when\.share: the table 'satisfaction_by_willingness' has the indicators .*; name one"),
    ({"share": {"table": "willing_to_move", "breakdown": "agegroup", "domain": "18-29",
                "above": 0.3}},
     r"when\.share\.breakdown names 'agegroup'.*did you mean 'age_group'"),
    ({"difference": {"table": "willing_to_move", "breakdown": "municipality",
                     "domain": "Hohenwarde", "direction": "higher"}},
     r"when\.difference\.domain names 'Hohenwarde', which is not a level of municipality "
     r"\(did you mean 'Hohenwarte'"),
    ({"any": [{"share": {"table": "willing_to_move", "breakdown": ["age_group", "commuter"],
                         "domain": ["18-29", 2], "above": 0.3}}]},
     r"when\.any\[0\]\.share\.domain\[1\] names '2', which is not a level of commuter"),
    ({"share": {"table": "intent", "breakdown": "commuter", "domain": 1, "above": 0.3}},
     r"when\.share: 'intent' is ordinal; name the level"),
    ({"share": {"table": "intent", "level": "very likely", "above": 0.3}},
     r"when\.share\.level names 'very likely'.*did you mean 'very_likely'"),
    ({"share": {"table": "leisure_satisfaction", "above": 0.3}},
     r"when\.share: 'leisure_satisfaction' is a scale, whose table holds means"),
    ({"all": [{"priority": {"item": "sat_cultur"}}]},
     r"when\.all\[0\]\.priority\.item names 'sat_cultur', which is not an item of "
     r"priority_matrix\.items \(did you mean 'sat_culture'"),
])
def test_a_wrong_reference_is_named_with_file_key_and_a_suggestion(
        tmp_path: Path, condition: dict, message: str) -> None:
    path = _with_condition(tmp_path, condition)
    with pytest.raises(ConfigError, match=message) as caught:
        load_survey_config(path, root=ROOT)
    assert str(caught.value).startswith(
        f"{path}: strategies.fields[0].strategies[0].when"), str(caught.value)


def test_strategy_ids_are_unique(tmp_path: Path) -> None:
    def change(spec: dict) -> None:
        strategies = spec["strategies"]["fields"][0]["strategies"]
        strategies[1]["id"] = strategies[0]["id"]
    path = write_changed_config(EXAMPLE_CONFIG, tmp_path / "example.yaml", change)
    with pytest.raises(ConfigError, match=r"strategies\.fields\[0\]\.strategies\[1\]\.id "
                       r"'young_perspectives' is used by strategies\.fields\[0\]\."
                       r"strategies\[0\] already"):
        load_survey_config(path, root=ROOT)


def test_the_example_ships_six_fields_of_one_to_three_strategies() -> None:
    spec = load_survey_config(EXAMPLE_CONFIG, root=ROOT).spec
    fields = spec["strategies"]["fields"]
    assert [f["id"] for f in fields] == ["retention", "culture_leisure", "participation",
                                         "mobility", "meeting_integration",
                                         "residential_environment"]
    assert all(1 <= len(f["strategies"]) <= 3 for f in fields)
    assert fields[0]["concept"].startswith("HF 5.4 Halte- und Rückkehrfaktoren")


# --- end to end -----------------------------------------------------------------------------

@pytest.mark.slow
def test_the_workflow_writes_strategies_json_for_the_example(project: Path) -> None:
    target = "results/example/strategies.json"
    done = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", target],
                          cwd=project, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    written = (project / target).read_bytes()
    document = json.loads(written)
    assert document["survey"] == "example" and document["language"] == "de"
    strategies = {s["id"]: s for f in document["fields"] for s in f["strategies"]}
    assert len(strategies) == 13
    fired = {key for key, s in strategies.items() if s["fired"]}
    # What the example data say (data/raw/example_survey.md): young adults, graduates and commuters
    # are more willing to move, leisure satisfaction and home ownership keep people.
    assert {"young_perspectives", "skilled_returners", "low_threshold_offers",
            "citizen_dialogues", "commuter_mobility", "vacancy_ownership"} <= fired
    # No evidence: children's AME and migration background's interval include 0,
    # Hohenwarte is not significant after Holm, public transport is not critical.
    assert not fired & {"young_families", "integration_immigrants", "village_centres",
                        "public_transport"}
    for strategy in strategies.values():
        assert strategy["evidence"]
        if not strategy["fired"]:
            assert strategy["verdict"] == "in dieser Befragung keine Evidenz"
            assert any(item["value"] is not None for item in strategy["evidence"])
    migration = strategies["integration_immigrants"]["evidence"][0]
    assert migration["reason"] == "ci_includes_zero" and migration["ci_low"] < 0
    # The command line gives the same bytes.
    cli = subprocess.run([sys.executable, "-m", "surveykit", "strategies",
                          "config/surveys/example.yaml", "--out", "results/example"],
                         cwd=project, capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    assert (project / target).read_bytes() == written
