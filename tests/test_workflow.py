"""The Snakemake workflow end to end, in a fresh copy of the project (marked slow)."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import sha256, write_changed_config

SNAKEMAKE = [sys.executable, "-m", "snakemake", "--cores", "2"]
OUTPUTS = [
    "results/example/ingest/data.parquet",
    "results/example/ingest/codebook.json",
    "results/example/ingest/ingest_report.json",
    "results/example/ingest/ingest_report.csv",
    "results/example/harmonised.parquet",
    "results/example/harmonise/concepts.json",
    "results/example/harmonise/report.json",
    "results/example/weights.parquet",
    "results/example/weighting/adjustments.npz",
    "results/example/weighting/diagnostics.json",
    "results/example/weighting/margins.csv",
    "results/example/models/models.json",
    "results/example/tables/odds_ratios.csv",
    "results/example/tables/ame.csv",
    "results/example/tables/predictions.csv",
    "results/example/tables.xlsx",
    "results/example/tables/shares/willing_to_move.csv",
    "results/example/tables/shares/willingness_by_group.csv",
    "results/example/tables/shares/priority_matrix.csv",
    "results/example/estimate/estimate.json",
    "results/example/figures/willing_by_group.svg",
    "results/example/figures/intent_scale.svg",
    "results/example/figures/priority_matrix.svg",
    "results/example/figures/odds_ratios.svg",
    "results/example/figures/figures.json",
    "results/gruenfelde/harmonised.parquet",
    "results/gruenfelde/tables/shares/willing_to_move.csv",
    "results/gruenfelde/tables.xlsx",
    "results/gruenfelde/report.html",
    "results/gruenfelde/slides.pptx",
    "results/comparison/comparison.csv",
    "results/comparison/areas.csv",
    "results/comparison/comparison.xlsx",
    "results/comparison/report.html",
    "results/comparison/figures/compare_willing_to_move.svg",
    "results/comparison/figures/areas_gruenfelde.svg",
]


def snakemake(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*SNAKEMAKE, *args], cwd=project, capture_output=True, text=True,
                          timeout=600)


def digest(project: Path) -> dict[str, str]:
    return {name: hashlib.sha256((project / name).read_bytes()).hexdigest()
            for name in OUTPUTS if not name.endswith(".parquet")}


@pytest.mark.slow
def test_workflow_runs_and_reruns_identically(project: Path,
                                              tmp_path_factory: pytest.TempPathFactory
                                              ) -> None:
    raw = project / "data" / "raw" / "example_survey.sav"
    before = sha256(raw)
    done = snakemake(project)
    assert done.returncode == 0, done.stderr[-3000:]
    for name in OUTPUTS:
        assert (project / name).is_file(), name
    data = pd.read_parquet(project / "results/example/harmonised.parquet")
    assert len(data) == 2377 and "willing_to_move" in data.columns
    assert data["intent"].cat.ordered
    first = digest(project)
    frame = pd.read_parquet(project / "results/example/harmonised.parquet")
    # Nothing to do on a second run; forcing everything gives the same bytes.
    again = snakemake(project)
    assert again.returncode == 0
    assert re.search(r"Nothing to be done", again.stdout + again.stderr)
    forced = snakemake(project, "--forceall")
    assert forced.returncode == 0, forced.stderr[-3000:]
    assert digest(project) == first
    pd.testing.assert_frame_equal(
        pd.read_parquet(project / "results/example/harmonised.parquet"), frame)
    assert sha256(raw) == before
    _check_comparison(project)
    _check_figures_in_processes(project, tmp_path_factory.mktemp("figures"))


def _check_figures_in_processes(project: Path, scratch: Path) -> None:
    """The rule's figures (drawn in two processes where the run has two cores) are the
    very files one process draws, and two processes draw the same."""
    from surveykit.pipeline.figures import run_figures

    results = project / "results/example"
    published = results / "figures"
    names = sorted(path.name for path in published.iterdir()
                   if path.name != ".snakemake_timestamp")  # Snakemake's, of a directory
    assert len(names) >= 20 and "figures.json" in names
    for workers in (1, 2):
        out = scratch / f"workers{workers}"
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(project)
            run_figures("config/surveys/example.yaml", results / "harmonise/concepts.json",
                        results / "tables/shares", results / "estimate/estimate.json",
                        results / "weights.parquet", results / "weighting/margins.csv",
                        results / "weighting/diagnostics.json", results / "tables", out,
                        workers=workers)
        assert sorted(path.name for path in out.iterdir()) == names
        for name in names:
            assert (out / name).read_bytes() == (published / name).read_bytes(), \
                f"{name} drawn by {workers} process(es) differs from the rule's"


def _check_comparison(project: Path) -> None:
    """The comparison's difference test, recomputed by hand from what the two surveys
    published (their shares, standard errors and design df)."""
    import json
    import math

    from scipy import stats

    from surveykit.publish.tables import read_published_csv

    comparison = read_published_csv(project / "results/comparison/comparison.csv")
    rows = comparison[comparison["indicator"] == "willing_to_move"].set_index("survey")
    published, dfs = {}, {}
    for survey in ("example", "gruenfelde"):
        table = read_published_csv(
            project / f"results/{survey}/tables/shares/willing_to_move.csv")
        published[survey] = table[table["breakdown"] == ""].iloc[0]
        summary = json.loads((project / f"results/{survey}/estimate/estimate.json")
                             .read_text(encoding="utf-8"))
        dfs[survey] = summary["design"]["df"]
    a, b = published["example"], published["gruenfelde"]
    se = math.sqrt(a["se"] ** 2 + b["se"] ** 2)
    df = se**4 / (a["se"] ** 4 / dfs["example"] + b["se"] ** 4 / dfs["gruenfelde"])
    t = (a["estimate"] - b["estimate"]) / se
    assert rows.loc["example", "difference"] == pytest.approx(a["estimate"] - b["estimate"],
                                                              rel=1e-12)
    assert rows.loc["example", "difference_se"] == pytest.approx(se, rel=1e-12)
    assert rows.loc["example", "df"] == pytest.approx(df, rel=1e-12)
    assert rows.loc["example", "p_value"] == pytest.approx(2 * stats.t.sf(abs(t), df),
                                                           rel=1e-9)
    assert rows.loc["example", "mark"] == "▲" and rows.loc["gruenfelde", "mark"] == "▼"
    # What only one survey asked is "–" for the other, never a number.
    housing = comparison[(comparison["indicator"] == "sat_housing")
                         & (comparison["survey"] == "example")].iloc[0]
    assert housing["status"] == "not_collected" and housing["symbol"] == "–"
    # The 4- and the 5-point intent items are shown, not tested.
    intent = comparison[comparison["indicator"] == "intent"]
    assert set(intent["status"]) == {"shown"} and intent["p_value"].isna().all()
    areas = read_published_csv(project / "results/comparison/areas.csv")
    assert set(areas["survey"]) == {"example", "gruenfelde"}
    assert set(areas.loc[areas["survey"] == "gruenfelde", "areas"]) == {"district"}
    html = (project / "results/comparison/report.html").read_text(encoding="utf-8")
    assert "Befragungen im Vergleich" in html and "nicht erhoben" in html
    assert "http://" not in html and "https://" not in html


@pytest.mark.slow
def test_the_small_ci_config_runs_the_whole_workflow(project: Path) -> None:
    """`.test/` (snakemake-workflows convention): the workflow on an 844-respondent sample."""
    done = snakemake(project, "--directory", ".test")
    assert done.returncode == 0, done.stderr[-3000:]
    small = project / ".test"
    for name in OUTPUTS:
        if name.startswith("results/example/"):  # .test holds the example survey only
            assert (small / name).is_file(), name
    # With one survey the comparison has nothing to test but still sets its areas side by
    # side.
    comparison = pd.read_csv(small / "results/comparison/comparison.csv")
    assert set(comparison["status"]) <= {"shown", "suppressed", "not_tabulated"}
    assert comparison["p_value"].isna().all()
    assert (small / "results/comparison/figures/areas_example.png").is_file()
    data = pd.read_parquet(small / "results/example/harmonised.parquet")
    assert 800 <= len(data) < 900  # synth --n 800 gives 844 respondents
    models = (small / "results/example/models/models.json").read_text(encoding="utf-8")
    assert '"m": 5' in models  # the small config's own setting
    # The model step names thin cells (min_cell_n from .test/config/config.yaml).
    assert "below min_cell_n = 30" in done.stderr


def _edit_config(project: Path, change) -> None:
    path = project / "config" / "surveys" / "example.yaml"
    write_changed_config(path, path, change)


def _truncate(project: Path) -> None:
    path = project / "data" / "raw" / "example_survey.sav"
    path.write_bytes(path.read_bytes()[:4000])


BAD = {
    "missing file": (lambda p: (p / "data/raw/example_survey.sav").unlink(),
                     r"example_survey.sav: file not found \(source of survey 'example'"),
    "corrupt sav": (_truncate, r"cannot read this SPSS file"),
    "unknown variable": (
        lambda p: _edit_config(p, lambda s: s["concepts"]["intent"].update(source="wegzg")),
        r"concepts.intent.source names the variable 'wegzg'.*did you mean 'wegzug'"),
    "level typo": (
        lambda p: _edit_config(p, lambda s: s["concepts"]["willing_to_move"].update(
            true_values=["rather likely", "very_likely"])),
        r"example.yaml: concepts.willing_to_move.true_values names 'rather likely'.*"
        r"did you mean 'rather_likely'"),
    "schema": (lambda p: _edit_config(p, lambda s: s["concepts"]["sex"].update(type="sex")),
               r"at concepts.sex.type: 'sex' is not allowed"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_stops_the_workflow_cleanly(project: Path, case: str) -> None:
    damage, message = BAD[case]
    damage(project)
    raw = {p.name: sha256(p) for p in (project / "data" / "raw").iterdir()}
    done = snakemake(project)
    assert done.returncode != 0
    output = done.stdout + done.stderr
    assert re.search(message, output), output[-3000:]
    assert "Traceback" not in output
    # Only the damaged survey must leave nothing: the other bundled survey's steps may
    # have finished (complete, valid outputs) before snakemake stopped.
    damaged = project / "results" / "example"
    leftovers = [p for p in damaged.rglob("*") if p.is_file()] if damaged.exists() else []
    assert not (project / "results" / "comparison").exists()
    assert [p for p in leftovers if "logs" not in p.parts] == []
    assert {p.name: sha256(p) for p in (project / "data" / "raw").iterdir()} == raw


def test_the_small_ci_config_is_the_example_config_with_fewer_imputations() -> None:
    """`.test/` must not drift from the example it stands for."""
    import yaml

    root = Path(__file__).resolve().parents[1]
    example = yaml.safe_load((root / "config/surveys/example.yaml").read_text("utf-8"))
    small = yaml.safe_load((root / ".test/config/surveys/example.yaml").read_text("utf-8"))
    assert small["models"].pop("imputations") == 5
    example["models"].pop("imputations")
    assert small == example
