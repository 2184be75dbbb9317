"""``surveykit init``'s skeleton on files built unlike the example: English labels, an
emigration item, a supplied weight; keywords from a data file; labels that try to inject."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml
from conftest import GSS, ROOT

from surveykit.data import skeleton
from surveykit.data.config import load_survey_config
from surveykit.data.io import Codebook, Variable, read_survey
from surveykit.data.skeleton import age_bands, guess_concepts, skeleton_yaml

OWN = ROOT / "data" / "raw" / "own_survey_en.sav"


def _bench():
    spec = importlib.util.spec_from_file_location("init_guesses",
                                                  ROOT / "bench" / "init_guesses.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _skeleton(tmp_path: Path, path: Path = OWN) -> tuple[str, dict]:
    data, codebook = read_survey(path)
    text = skeleton_yaml(codebook, "own", str(path), data=data)
    target = tmp_path / "own.yaml"
    target.write_text(text, encoding="utf-8")
    # validates, levels included (the data file lies outside tmp_path: a data folder)
    load_survey_config(target, root=tmp_path, data_dirs=[str(path.parent)])
    return text, yaml.safe_load(text)


def test_english_file_with_an_emigration_item_and_its_own_weight(tmp_path: Path) -> None:
    text, spec = _skeleton(tmp_path)
    concepts = spec["concepts"]
    assert concepts["intent"]["source"] == "emig"
    assert concepts["migration_background"]["source"] == "born_abroad"
    # The scale starts at "not at all": the upper half means willing.
    assert concepts["willing_to_move"]["true_values"] == ["somewhat", "a_lot"]
    assert concepts["age"]["valid_range"] == [16, 110]
    assert concepts["age_group"]["bins"]["breaks"][0] == 16
    assert concepts["age_group"]["bins"]["labels"][0] == "16-29"
    assert concepts["intent"]["label"] == {"en": "Emigration: in the past 12 months, how "
                                                 "much have you considered moving to another "
                                                 "country?"}
    assert spec["report"] == {"language": "en"}
    assert spec["design"] == {"weights": "finalwgt"}
    assert spec["weighting"] == {"method": "none"}
    assert spec["source"]["id_variable"] == "resp_id"
    # Only variables that are used get a missing: entry; the rest is a commented catalogue.
    assert spec["missing"] == {"gender": [9]}
    assert "#   trust_gov: Trust in the national government (0-10)" in text
    used = {c.get("source") for c in concepts.values()}
    assert "trust_gov" not in used and "lifesat" not in used


def test_german_example_keeps_german_labels_and_bands(tmp_path: Path) -> None:
    _, spec = _skeleton(tmp_path, ROOT / "data" / "raw" / "example_survey.sav")
    assert spec["report"] == {"language": "de"}
    assert spec["concepts"]["willing_to_move"]["true_values"] == ["sehr_wahrscheinlich",
                                                                  "eher_wahrscheinlich"]
    assert spec["concepts"]["age_group"]["bins"]["labels"][0] == "18-29"
    assert spec["concepts"]["commuting_minutes"]["source"] == "pendelzeit"
    assert set(spec["missing"]) == {"pendler", "wohndauer"}


def test_an_outcome_item_is_never_a_background_concept() -> None:
    codebook = Codebook((
        Variable("wegzug", "Wie wahrscheinlich ist es, dass Sie wegziehen?"),
        Variable("emig_plan", "Emigration plans (migration abroad)"),
        Variable("herkunft", "Herkunft"),
    ), source="test")
    guesses = {g.concept: g.variables for g in guess_concepts(codebook)}
    assert guesses["intent"] == ("wegzug",)
    assert guesses["migration_background"] == ("herkunft",)
    assert ("emig_plan",) not in guesses.values()


def test_age_bands_start_at_the_minimum_age() -> None:
    assert age_bands(16) == {"breaks": [16, 30, 45, 60, 75, ".inf"],
                             "labels": ["16-29", "30-44", "45-59", "60-74", "75+"],
                             "right": False}
    assert age_bands(50)["labels"] == ["50-59", "60-74", "75+"]


def test_keywords_are_data_that_can_be_extended(tmp_path: Path, monkeypatch) -> None:
    codebook = Codebook((Variable("p12", "¿Ha pensado en emigrar?"),), source="test")
    assert guess_concepts(codebook) == []
    words = yaml.safe_load(skeleton.KEYWORDS_FILE.read_text(encoding="utf-8"))
    words["outcome"]["intent"].append("emigrar")
    extended = tmp_path / "init_keywords.yaml"
    extended.write_text(yaml.safe_dump(words, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(skeleton, "KEYWORDS_FILE", extended)
    skeleton.keywords.cache_clear()
    try:
        assert [g.concept for g in guess_concepts(codebook)] == ["intent"]
    finally:
        monkeypatch.undo()
        skeleton.keywords.cache_clear()


def test_keyword_file_ships_with_the_package() -> None:
    from importlib import resources

    shipped = resources.files("surveykit.data") / "init_keywords.yaml"
    assert shipped.is_file()
    assert "emigrat" in yaml.safe_load(shipped.read_text(encoding="utf-8"))["outcome"]["intent"]


def test_labels_cannot_inject_yaml_keys(tmp_path: Path) -> None:
    evil = "Gender\ninjected: {key: 1}\nmodels: {outcome: x}"
    codebook = Codebook((
        Variable("id", "Respondent ID\nid: hacked"),
        Variable("gender", evil, measure="nominal",
                 value_labels={1: "man\n  injected: 1", 2: "woman"}),
        Variable("other", "Other\n  # not a comment\nreport: {language: de}"),
    ), source="test", file_label="Survey\ntitle: hacked")
    text = skeleton_yaml(codebook, "evil", "data/raw/evil.sav\nid: hacked")
    spec = yaml.safe_load(text)
    assert set(spec) == {"id", "title", "source", "concepts", "report"}
    assert spec["id"] == "evil" and spec["title"] == "Survey title: hacked"
    assert spec["source"]["path"] == "data/raw/evil.sav\nid: hacked"
    assert spec["concepts"]["sex"]["label"] == {"en": "Gender injected: {key: 1} "
                                                      "models: {outcome: x}"}
    assert spec["report"] == {"language": "en"}


def test_right_guesses_on_three_files() -> None:
    """The closing note's counts: every guess right on the example, GSS and English files."""
    bench = _bench()
    files = {"example": ROOT / "data" / "raw" / "example_survey.sav", "english": OWN}
    if GSS.is_file():
        files["gss"] = GSS
    for name, path in files.items():
        result = bench.score(path, bench.TRUTH[name])
        assert result["wrong"] == [] and result["missed"] == [], (name, result)
        assert len(result["right"]) == len(bench.TRUTH[name])


def test_gss_skeleton_loads(tmp_path: Path, gss_path: Path) -> None:
    _, spec = _skeleton(tmp_path, gss_path)
    assert spec["concepts"]["qualification"]["source"] == "degree"
    assert "missing" not in spec  # GSS declares its missing codes in the file
    data, _ = read_survey(gss_path)
    youngest = int(data.loc[data["age"] != 99, "age"].min())
    assert spec["concepts"]["age_group"]["bins"]["breaks"][0] == youngest
