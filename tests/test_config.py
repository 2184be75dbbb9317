"""Survey configs: schema validation with messages that name the key, and cross-checks."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLE_CONFIG, ROOT

from surveykit._core.errors import ConfigError
from surveykit.data.config import (
    did_you_mean,
    load_survey_config,
    load_surveys_sheet,
    load_workflow_config,
)


def _write(tmp_path: Path, spec: dict) -> Path:
    path = tmp_path / "survey.yaml"
    path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def spec() -> dict:
    return yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))


def test_shipped_configs_validate() -> None:
    config = load_survey_config(EXAMPLE_CONFIG, root=ROOT)
    assert config.id == "example"
    assert config.source_path == ROOT / "data" / "raw" / "example_survey.sav"
    order = config.concept_order()
    assert order.index("age") < order.index("age_group")
    assert order.index("intent") < order.index("willing_to_move")
    rows = load_surveys_sheet(ROOT / "config" / "surveys.tsv")
    assert [r["survey_id"] for r in rows] == ["example", "gruenfelde"]
    town = load_survey_config(ROOT / rows[1]["config"], root=ROOT)
    assert town.id == "gruenfelde" and town.source_path.suffix == ".csv"
    assert load_workflow_config(ROOT / "config" / "config.yaml")["surveys"] == \
        "config/surveys.tsv"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: s["concepts"]["sex"].update(type="categorial"),
         r"at concepts\.sex\.type: 'categorial' is not allowed; use one of 'categorical'"),
        (lambda s: s.update(weigthing={}),
         r"at \(top level\): Additional properties are not allowed \('weigthing' was unexp"),
        (lambda s: s["concepts"]["sex"].update(mapping={1: "m"}),
         r"at concepts\.sex: .*'mapping' was unexpected.*allowed keys here: .*map"),
        (lambda s: s.pop("source"), r"'source' is a required property"),
        (lambda s: s["concepts"]["age"].update(valid_range=[18]),
         r"at concepts\.age\.valid_range: \[18\] is too short"),
        (lambda s: s["concepts"]["age"].update(**{"from": "sex"}),
         r"at concepts\.age: give exactly one of source, from, items \(found: source, from\)"),
        (lambda s: s["concepts"]["age"].pop("source"),
         r"at concepts\.age: give exactly one of source, from, items \(found: none of them\)"),
        (lambda s: s["report"].update(language="fr"),
         r"at report\.language: 'fr' is not allowed; use one of 'de', 'en'"),
    ],
)
def test_schema_errors_name_key_and_reason(tmp_path: Path, spec: dict, change, expected) -> None:
    change(spec)
    with pytest.raises(ConfigError, match=expected) as caught:
        load_survey_config(_write(tmp_path, spec))
    assert "survey.yaml does not follow the survey schema" in str(caught.value)


def test_unknown_concept_reference_suggests_the_name(tmp_path: Path, spec: dict) -> None:
    spec["models"]["predictors"].append("comuter")
    with pytest.raises(ConfigError, match=r"models\.predictors names the concept 'comuter'.*"
                                          r"did you mean 'commuter'"):
        load_survey_config(_write(tmp_path, spec))


def test_bins_need_one_label_per_bin(tmp_path: Path, spec: dict) -> None:
    spec["concepts"]["age_group"]["bins"]["labels"].pop()
    with pytest.raises(ConfigError, match=r"6 breaks make 5 bins, but 4 labels"):
        load_survey_config(_write(tmp_path, spec))


def test_derivation_cycle_is_refused(tmp_path: Path, spec: dict) -> None:
    spec["concepts"]["intent"] = {"type": "ordinal", "from": "willing_to_move"}
    with pytest.raises(ConfigError, match=r"in a circle \((willing_to_move|intent) → "):
        load_survey_config(_write(tmp_path, spec))


def test_reverse_needs_range(tmp_path: Path, spec: dict) -> None:
    spec["concepts"]["age"]["reverse"] = True
    del spec["concepts"]["age"]["valid_range"]
    with pytest.raises(ConfigError, match=r"reverse-coding needs valid_range"):
        load_survey_config(_write(tmp_path, spec))


def test_invalid_yaml_names_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("id: x\nsource:\n  path: [unclosed\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"broken\.yaml: not valid YAML at line \d+"):
        load_survey_config(path)


def test_yaml_tags_are_not_executed(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text("id: !!python/object/apply:os.system ['echo hacked']\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"evil\.yaml: not valid YAML"):
        load_survey_config(path)


def test_duplicate_survey_ids_in_sheet(tmp_path: Path) -> None:
    sheet = tmp_path / "surveys.tsv"
    sheet.write_text("survey_id\tconfig\na\ta.yaml\na\tb.yaml\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"line 3: survey_id 'a' occurs twice"):
        load_surveys_sheet(sheet)


def test_did_you_mean() -> None:
    assert did_you_mean("geschlect", ["geschlecht", "alter"]) == " (did you mean 'geschlecht'?)"
    assert did_you_mean("ALTER", ["alter"]) == " (did you mean 'alter'?)"
    assert did_you_mean("xyz", ["alter"]) == ""
