"""The command line: inspect, init, synth, and clean failures on bad input."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import EXAMPLE_CSV, EXAMPLE_SAV, ROOT, sha256, write_changed_config

from surveykit.data.config import load_survey_config, load_surveys_sheet
from surveykit.data.io import read_spss


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "surveykit", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_inspect_real_spss_file(gss_path: Path) -> None:
    done = run("inspect", str(gss_path))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"{gss_path}: 1473 rows, 22 variables, encoding UTF-8"
    variable_lines = [line for line in lines[2:] if line and not line.startswith(" ")]
    assert len(variable_lines) == 22
    by_name = {line.split()[0]: line for line in variable_lines}
    assert "Age of respondent" in by_name["age"]
    assert "missing codes: 99 (Missing data)" in by_name["age"]
    assert "missing codes: 9 (Missing data)" in by_name["marital"]
    assert "0.41 % missing" in by_name["age"]
    assert "     1 = Male" in done.stdout


def test_inspect_json(gss_path: Path) -> None:
    import json

    done = run("inspect", str(gss_path), "--json")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["rows"] == 1473 and len(document["variables"]) == 22
    age = next(v for v in document["variables"] if v["name"] == "age")
    assert age["missing_codes"] == ["99 (Missing data)"]


def test_init_writes_a_valid_config_and_sheet_row(tmp_path: Path, gss_path: Path) -> None:
    # The file lies outside the project: its folder is declared a data folder.
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text(
        f"surveys: config/surveys.tsv\ndata_dirs: [{gss_path.parent}]\n", encoding="utf-8")
    done = run("init", str(gss_path), "--id", "gss", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    config = load_survey_config(tmp_path / "config" / "surveys" / "gss.yaml", root=tmp_path)
    text = (tmp_path / "config" / "surveys" / "gss.yaml").read_text(encoding="utf-8")
    assert "REVIEW" in text
    assert config.concepts["age"]["source"] == "age"
    assert config.concepts["sex"]["map"] == {1: "male", 2: "female"}
    assert config.source["id_variable"] == "id"
    rows = load_surveys_sheet(tmp_path / "config" / "surveys.tsv")
    assert rows == [{"survey_id": "gss", "config": "config/surveys/gss.yaml"}]
    again = run("init", str(gss_path), "--id", "gss", cwd=tmp_path)
    assert again.returncode == 1
    assert "exists already" in again.stderr and "Traceback" not in again.stderr


def test_init_on_example_guesses_concepts_and_runs(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE_SAV, tmp_path / "survey.sav")
    done = run("init", "survey.sav", "--id", "harz", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    config = load_survey_config(tmp_path / "config" / "surveys" / "harz.yaml", root=tmp_path)
    concepts = config.concepts
    assert concepts["intent"]["source"] == "wegzug"
    assert concepts["willing_to_move"]["true_values"] == ["sehr_wahrscheinlich",
                                                          "eher_wahrscheinlich"]
    assert concepts["leisure_satisfaction"]["items"] == [
        "zuf_kultur", "zuf_freizeit", "zuf_sport", "zuf_gastro", "zuf_verein", "zuf_treff"]
    assert concepts["commuter"]["source"] == "pendler"
    assert config.design["weights"] == "dgew"
    # Codes labelled like "keine Angabe" / "trifft nicht zu" but not declared missing:
    assert config.missing == {"pendler": [7], "wohndauer": [99]}
    ingest = run("ingest", "config/surveys/harz.yaml", "--out", "out/ingest", cwd=tmp_path)
    assert ingest.returncode == 0, ingest.stderr
    harmonise = run("harmonise", "config/surveys/harz.yaml", "--ingested", "out/ingest",
                    "--out", "out", cwd=tmp_path)
    assert harmonise.returncode == 0, harmonise.stderr
    data = pd.read_parquet(tmp_path / "out" / "harmonised.parquet")
    assert data["willing_to_move"].notna().sum() > 2000


def test_synth_reproduces_the_committed_example(tmp_path: Path) -> None:
    done = run("synth", "--out", "raw", "--margins", "margins", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    raw = ROOT / "data" / "raw"
    for name in ("example_survey.csv", "example_survey.codebook.yaml", "example_survey.md",
                 "example_survey.truth.json"):
        assert (tmp_path / "raw" / name).read_bytes() == (raw / name).read_bytes(), name
    for margin in (ROOT / "config" / "margins").glob("example_*.csv"):
        assert (tmp_path / "margins" / margin.name).read_bytes() == margin.read_bytes()
    fresh, fresh_book = read_spss(tmp_path / "raw" / "example_survey.sav")
    committed, committed_book = read_spss(EXAMPLE_SAV)
    pd.testing.assert_frame_equal(fresh, committed)
    assert fresh_book.to_dict() == committed_book.to_dict()


def test_synth_reproduces_the_second_example(tmp_path: Path) -> None:
    done = run("synth", "--example", "gruenfelde", "--out", "raw", "--margins", "margins",
               cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    raw = ROOT / "data" / "raw"
    names = sorted(p.name for p in (tmp_path / "raw").iterdir())
    assert names == ["gruenfelde_survey.codebook.yaml", "gruenfelde_survey.csv",
                     "gruenfelde_survey.md", "gruenfelde_survey.truth.json"]
    for name in names:
        assert (tmp_path / "raw" / name).read_bytes() == (raw / name).read_bytes(), name
    for margin in (ROOT / "config" / "margins").glob("gruenfelde_*.csv"):
        assert (tmp_path / "margins" / margin.name).read_bytes() == margin.read_bytes()


# ---------------------------------------------------------------- bad input through the CLI


def _break_config(project: Path, change) -> None:
    path = project / "config" / "surveys" / "example.yaml"
    write_changed_config(path, path, change)


def _use_csv(spec: dict) -> None:
    spec["source"]["path"] = "data/raw/example_survey.csv"


def _corrupt_sav(project: Path) -> None:
    path = project / "data" / "raw" / "example_survey.sav"
    path.write_bytes(path.read_bytes()[:5000])


def _cp1252_csv(project: Path) -> None:
    path = project / "data" / "raw" / "example_survey.codebook.yaml"
    text = path.read_text(encoding="utf-8").replace("Mitgliedsgemeinde", "Gemeinde (Südharz)")
    path.write_text(text, encoding="utf-8")
    data = project / "data" / "raw" / "example_survey.csv"
    lines = data.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace("gemeinde", "gemeinde_ä")
    data.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    _break_config(project, _use_csv)


def _value_outside(project: Path) -> None:
    data = project / "data" / "raw" / "example_survey.csv"
    lines = data.read_text(encoding="utf-8").splitlines()
    fields = lines[3].split(",")
    fields[3] = "7"  # geschlecht
    lines[3] = ",".join(fields)
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _break_config(project, _use_csv)


BAD_INPUTS = {
    "missing file": (lambda p: (p / "data" / "raw" / "example_survey.sav").unlink(),
                     r"example_survey.sav: file not found; check source.path"),
    "corrupt sav": (_corrupt_sav, r"example_survey.sav: cannot read this SPSS file"),
    "wrong encoding": (_cp1252_csv, r"example_survey.csv: line 1 is not valid utf-8"),
    "variable the file lacks": (
        lambda p: _break_config(p, lambda s: s["concepts"]["age"].update(source="alte")),
        r"concepts.age.source names the variable 'alte'.*did you mean 'alter'"),
    "value outside codebook": (_value_outside,
                               r"'geschlecht', data row 3 \(line 4\): value 7 is not in the c"),
    "schema": (lambda p: _break_config(p, lambda s: s["design"].update(weight="dgew")),
               r"at design: Additional properties are not allowed \('weight' was unexpected"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_fails_cleanly_through_the_cli(project: Path, case: str) -> None:
    damage, message = BAD_INPUTS[case]
    damage(project)
    raw_files = sorted((project / "data" / "raw").iterdir())
    before = {path.name: sha256(path) for path in raw_files}
    done = run("ingest", "config/surveys/example.yaml", "--out", "results/example/ingest",
               cwd=project)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("surveykit: error: ")
    assert __import__("re").search(message, done.stderr), done.stderr
    assert not (project / "results").exists()
    assert {p.name: sha256(p) for p in sorted((project / "data" / "raw").iterdir())} == before


def test_csv_example_exists() -> None:
    assert EXAMPLE_CSV.stat().st_size > 0


def test_an_unexpected_error_is_one_line_and_its_traceback_goes_to_the_log(
        tmp_path, capsys) -> None:
    import surveykit as sk
    from surveykit.cli import exit_on_error

    log = tmp_path / "logs" / "step.log"
    with pytest.raises(SystemExit) as caught, exit_on_error("surveykit step", log=log):
        raise KeyError("weight")
    assert caught.value.code == 2
    printed = capsys.readouterr().err.strip().splitlines()
    assert len(printed) == 1 and "internal error (KeyError" in printed[0]
    assert str(log) in printed[0] and "Traceback" not in printed[0]
    assert "Traceback (most recent call last)" in log.read_text(encoding="utf-8")
    with pytest.raises(SystemExit) as caught, exit_on_error("surveykit step", log=log):
        raise sk.DataError("data.sav: row 3 has no weight; give one")
    assert caught.value.code == 1
    assert log.read_text(encoding="utf-8") == (
        "surveykit step: error: data.sav: row 3 has no weight; give one\n")


def test_init_on_a_portable_file_writes_a_config_that_loads(tmp_path: Path) -> None:
    """Issue 13: `init` on a .por file blamed "the schema"; it writes a valid config."""
    import pyreadstat

    (tmp_path / "data").mkdir()
    frame = pd.DataFrame({"ID": [1.0, 2.0, 3.0], "ALTER": [23.0, 45.0, 67.0],
                          "WEGZUG": [1.0, 2.0, 4.0]})
    pyreadstat.write_por(frame, str(tmp_path / "data" / "survey.por"),
                         column_labels=["Laufende Nummer", "Alter in Jahren",
                                        "Wie wahrscheinlich ist ein Wegzug?"])
    done = run("init", "data/survey.por", "--id", "por_survey", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    config = load_survey_config(tmp_path / "config" / "surveys" / "por_survey.yaml",
                                root=tmp_path)
    assert config.source["path"] == "data/survey.por"
    assert config.concepts["age"]["source"] == "ALTER"


def test_init_writes_nothing_when_it_fails(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE_SAV, tmp_path / "survey.sav")
    for bad in ("bad id", "x: {a: 1}", "../x", "1st"):
        done = run("init", "survey.sav", "--id", bad, cwd=tmp_path)
        assert done.returncode == 1 and "is not a plain identifier" in done.stderr, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["survey.sav"]
