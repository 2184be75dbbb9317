"""The whole workflow (slow), run once on a copy of the example whose labels try formula
injection; then a failed rerun.

- No CSV or XLSX output has a text cell that a spreadsheet would run as a formula (text
  starting with ``=``, ``+``, ``-``, ``@``, tab or CR: OWASP "CSV injection"), although
  value labels, a variable label and config labels start so.
- ``pipeline.layout.STEPS`` names every file the workflow writes, so a failed step can
  remove what it leaves stale.
- A rerun that fails at the weight step leaves no output of the weight step or of any step
  after it: results/ never mixes the new ingest with old tables and an old report.

The tests share one project (module scope) and run in file order: the rerun comes last.
"""

from __future__ import annotations

import csv
import math
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import copy_project, write_changed_config

from surveykit.pipeline.layout import STEPS

pytestmark = pytest.mark.slow

SNAKEMAKE = [sys.executable, "-m", "snakemake", "--cores", "2"]
RESULTS = Path("results") / "example"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Municipality names (value labels of 'gemeinde', and so levels, groups and margins).
MUNICIPALITIES = {1: '=HYPERLINK("http://example.invalid";"x")', 2: "+Eichenrode",
                  3: "-Falkenhain", 5: "@Kieferntal"}
PLAIN = {1: "Bergstedt", 2: "Eichenrode", 3: "Falkenhain", 5: "Kieferntal"}


def _inject(project: Path) -> None:
    """Formula-like text in value labels, a variable label and config labels."""
    book_path = project / "data" / "raw" / "example_survey.codebook.yaml"
    book = yaml.safe_load(book_path.read_text(encoding="utf-8"))
    book["variables"]["gemeinde"]["values"].update(MUNICIPALITIES)
    book["variables"]["alter"]["label"] = "=1+2 Alter"
    book_path.write_text(yaml.safe_dump(book, allow_unicode=True, sort_keys=False),
                         encoding="utf-8")
    margins = project / "config" / "margins" / "example_municipality.csv"
    text = margins.read_text(encoding="utf-8")
    for code, name in PLAIN.items():
        quoted = '"' + MUNICIPALITIES[code].replace('"', '""') + '"'
        text = text.replace(f"\n{name},", f"\n{quoted},")
    margins.write_text(text, encoding="utf-8")

    def change(spec: dict) -> None:
        spec["source"]["path"] = "data/raw/example_survey.csv"
        spec["concepts"]["sex"]["level_labels"]["female"]["de"] = "-weiblich"
        spec["concepts"]["qualification"]["label"]["de"] = "@Abschluss"
        spec["tables"]["willingness_by_group"]["title"]["de"] = "=Wanderung"

    config = project / "config" / "surveys" / "example.yaml"
    write_changed_config(config, config, change)


@pytest.fixture(scope="module")
def workflow(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    project = copy_project(tmp_path_factory.mktemp("safety") / "project")
    _inject(project)
    done = subprocess.run(SNAKEMAKE, cwd=project, capture_output=True, text=True,
                          timeout=900)
    return project, done


def _is_number(cell: str) -> bool:
    try:
        return math.isfinite(float(cell))
    except ValueError:
        return False


def _live_cells(project: Path) -> tuple[list[str], int, int]:
    """Text cells that would run as formulas; how many CSV and XLSX files were read."""
    from openpyxl import load_workbook

    live, csvs, workbooks = [], 0, 0
    for path in sorted((project / "results").rglob("*.csv")):
        csvs += 1
        with path.open(encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.reader(handle), start=1):
                live += [f"{path.name}:{number}: {cell!r}" for cell in row
                         if cell.startswith(FORMULA_STARTS) and not _is_number(cell)]
    for path in sorted((project / "results").rglob("*.xlsx")):
        workbooks += 1
        for sheet in load_workbook(path).worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if cell.data_type == "f" or (
                            isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS)):
                        live.append(f"{path.name}!{sheet.title}!{cell.coordinate}: "
                                    f"{cell.value!r}")
    return live, csvs, workbooks


def _all_text(project: Path) -> str:
    """Every CSV's text and every workbook's string cells, for finding the injected text."""
    from openpyxl import load_workbook

    parts = [path.read_text(encoding="utf-8")
             for path in sorted((project / "results").rglob("*.csv"))]
    for path in sorted((project / "results").rglob("*.xlsx")):
        for sheet in load_workbook(path).worksheets:
            parts += [str(cell.value) for row in sheet.iter_rows() for cell in row
                      if isinstance(cell.value, str)]
    return "\n".join(parts)


def test_no_csv_or_xlsx_output_holds_a_live_formula(workflow) -> None:
    project, done = workflow
    assert done.returncode == 0, done.stderr[-3000:]
    live, csvs, workbooks = _live_cells(project)
    # both example surveys' tables.xlsx and the comparison's workbook
    assert csvs >= 30 and workbooks == 3
    assert live == []
    # The injected labels did reach the outputs, made inert with a leading apostrophe.
    text = _all_text(project)
    for injected in ("'+Eichenrode", "'-Falkenhain", "'@Kieferntal", "'=1+2 Alter",
                     "'=HYPERLINK(", "'-weiblich", "'@Abschluss", "'=Wanderung"):
        assert injected in text, injected


def test_the_layout_names_every_output_of_the_workflow(workflow) -> None:
    project, done = workflow
    assert done.returncode == 0, done.stderr[-3000:]
    survey = project / RESULTS
    # The model step's parts are written only where a profile fans the model step out
    # (profiles/slurm); the local run fits them inside the model step. The figures drawn
    # before the models are a temporary folder, gone once rule figures took them over.
    outputs = [survey / output for name, step in STEPS.items()
               if name not in ("model_parts", "figures_descriptive")
               for output in step.outputs]
    assert not (survey / "figures_descriptive").exists()
    written = [path for path in survey.rglob("*") if path.is_file()
               and "logs" not in path.relative_to(survey).parts]
    unnamed = [str(path.relative_to(survey)) for path in written
               if not any(path == output or output in path.parents for output in outputs)]
    assert unnamed == []
    assert all(output.exists() for output in outputs), [
        str(o) for o in outputs if not o.exists()]


def test_a_failed_rerun_leaves_no_stale_output(workflow) -> None:
    project, done = workflow
    assert done.returncode == 0, done.stderr[-3000:]
    # Change the data (so ingest and harmonise rerun) and break a margin (weight fails).
    raw = project / "data" / "raw" / "example_survey.csv"
    rows = list(csv.reader(raw.open(encoding="utf-8", newline="")))
    rows = rows[:-5]
    with raw.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    margins = project / "config" / "margins" / "example_qualification.csv"
    lines = margins.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",-1"
    margins.write_text("\n".join(lines) + "\n", encoding="utf-8")

    again = subprocess.run(SNAKEMAKE, cwd=project, capture_output=True, text=True,
                           timeout=900)
    assert again.returncode == 1
    assert "surveykit weight: error:" in again.stderr and "Traceback" not in again.stderr
    survey = project / RESULTS
    left = sorted(str(path.relative_to(survey)) for path in survey.rglob("*")
                  if path.is_file() and "logs" not in path.relative_to(survey).parts)
    fresh = [output for step in ("ingest", "harmonise") for output in STEPS[step].outputs]
    assert left == sorted(fresh)
    import pandas as pd

    assert len(pd.read_parquet(survey / "harmonised.parquet")) == len(rows) - 1
    assert "surveykit weight: error:" in (survey / "logs" / "weight.log").read_text(
        encoding="utf-8")
