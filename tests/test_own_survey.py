"""The README's walkthrough "Bringing your own survey": an English survey with its own weight.

``config/surveys/own_survey_en.yaml`` on ``data/raw/own_survey_en.sav`` must run through the
workflow with no code change, say what it skips, write no placeholder files, and give the
weighted share a hand computation gives.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat
import pytest
from conftest import ROOT, write_changed_config

from surveykit._core.errors import ConfigError
from surveykit.data.config import load_survey_config
from surveykit.data.io import read_survey
from surveykit.pipeline.settings import skipped_steps
from surveykit.synth.own_survey import own_survey

CONFIG = ROOT / "config" / "surveys" / "own_survey_en.yaml"
RAW = ROOT / "data" / "raw" / "own_survey_en.sav"
SURVEYKIT = [sys.executable, "-m", "surveykit"]


def hand_share(raw: Path = RAW) -> float:
    """Weighted share of emig in {3 somewhat, 4 a lot} among valid answers, by hand."""
    data, _ = pyreadstat.read_sav(str(raw), user_missing=True)
    valid = data[data["emig"] != 8]
    return float(np.sum(valid["finalwgt"] * valid["emig"].isin([3, 4]))
                 / np.sum(valid["finalwgt"]))


def weighted_share(results: Path) -> float:
    """The same share from the workflow's harmonised data and final weights."""
    import surveykit as sk

    data = pd.read_parquet(results / "harmonised.parquet")
    data["weight"] = pd.read_parquet(results / "weights.parquet")["weight"].to_numpy()
    data = data[data["willing_to_move"].notna()].astype({"willing_to_move": float})
    return float(sk.SurveyDesign(data, weights="weight").mean("willing_to_move")["estimate"]
                 .iloc[0])


def test_the_shipped_file_is_what_the_generator_writes() -> None:
    data, codebook = read_survey(RAW)
    expected, book = own_survey()
    pd.testing.assert_frame_equal(data, expected, check_dtype=False)
    assert codebook["emig"].value_labels == book["emig"].value_labels


def test_walkthrough_config_loads_and_a_level_typo_stops_it(tmp_path: Path) -> None:
    config = load_survey_config(CONFIG, root=ROOT)
    assert config.spec["weighting"] == {"method": "none"}
    typo = write_changed_config(CONFIG, tmp_path / "own.yaml", lambda s: s["concepts"][
        "willing_to_move"].update(true_values=["somewhat", "a lot"]))
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(typo))}: concepts\.willing_to_move"
                       r"\.true_values names 'a lot', which is not a level of the concept "
                       r"'intent'.*did you mean 'a_lot'"):
        load_survey_config(typo, root=ROOT)


def test_skipped_steps_are_named_with_the_reason(tmp_path: Path) -> None:
    config = load_survey_config(CONFIG, root=ROOT)
    assert set(skipped_steps(config)) == {"weight"}
    assert "its own weight variable 'finalwgt'" in skipped_steps(config)["weight"]
    bare = write_changed_config(CONFIG, tmp_path / "bare.yaml", lambda s: [
        s.pop("models"), s.pop("weighting"), s.pop("design")])
    notices = skipped_steps(load_survey_config(bare, root=ROOT))
    assert "model step is skipped" in notices["model"]
    assert "equal weights (no design.weights)" in notices["weight"]
    assert skipped_steps(load_survey_config(ROOT / "config/surveys/example.yaml",
                                            root=ROOT)) == {}


def test_steps_by_hand_write_no_margins_table_and_say_so(project: Path) -> None:
    out = project / "results" / "own_survey_en"
    config = "config/surveys/own_survey_en.yaml"
    steps = [["ingest", config, "--out", str(out / "ingest")],
             ["harmonise", config, "--ingested", str(out / "ingest"), "--out", str(out)],
             ["weight", config, "--out", str(out)]]
    for step in steps:
        done = subprocess.run([*SURVEYKIT, *step], cwd=project, capture_output=True,
                              text=True)
        assert done.returncode == 0, done.stderr
    assert "surveykit weight: notice: survey 'own_survey_en'" in done.stderr
    assert "writes no weighting/margins.csv" in done.stderr
    assert sorted(p.name for p in (out / "weighting").iterdir()) == ["adjustments.npz",
                                                                     "diagnostics.json"]
    assert weighted_share(out) == pytest.approx(hand_share(), rel=1e-12)
    assert 0.3 < hand_share() < 0.5  # and it is not the unweighted share
    data, _ = pyreadstat.read_sav(str(RAW), user_missing=True)
    assert abs(hand_share() - data.loc[data["emig"] != 8, "emig"].isin([3, 4]).mean()) > 0.01


@pytest.mark.slow
def test_walkthrough_runs_in_the_workflow(project: Path) -> None:
    """Two surveys: the walkthrough, and a copy without models (a notice, no model files)."""
    surveys = project / "config" / "surveys"
    write_changed_config(surveys / "own_survey_en.yaml", surveys / "own_no_models.yaml",
                         lambda s: [s.update(id="own_no_models"), s.pop("models")])
    (project / "config" / "surveys.tsv").write_text(
        "survey_id\tconfig\n"
        "own_survey_en\tconfig/surveys/own_survey_en.yaml\n"
        "own_no_models\tconfig/surveys/own_no_models.yaml\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2"], cwd=project,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    results = project / "results"
    assert weighted_share(results / "own_survey_en") == pytest.approx(hand_share(), rel=1e-12)
    assert (results / "own_survey_en" / "models" / "models.json").is_file()
    assert not (results / "own_no_models" / "models").exists()
    # no model tables (the share tables of the estimate step are there)
    assert not (results / "own_no_models" / "tables" / "odds_ratios.csv").exists()
    assert not (results / "own_no_models" / "tables" / "ame.csv").exists()
    assert (results / "own_no_models" / "report.html").is_file()
    for survey in ("own_survey_en", "own_no_models"):
        assert not (results / survey / "weighting" / "margins.csv").exists()
    notices = [line for line in done.stderr.splitlines() if "surveykit: notice:" in line]
    assert sum("weighting method is none" in line for line in notices) == 2
    skipped_models = [line for line in notices if "model step is skipped" in line]
    assert len(skipped_models) == 1 and "survey 'own_no_models'" in skipped_models[0]
    assert len(notices) == 3  # once each, when the workflow loads, not once per job
