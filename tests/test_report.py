"""The report and the slides: built by the workflow, self-contained, escaped, identical on a
rerun, and rendered in a real browser (headless Chromium) without errors."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, write_changed_config

EVIL = "<script>alert(1)</script>"
ARTIFACTS = ROOT / "test-artifacts"
SECTIONS = ["kernergebnisse", "wanderungsbereitschaft", "modelle", "defizite", "mitwirkung",
            "zugezogene", "ziele", "gewichtung", "strategien", "methoden", "grenzen", "datenschutz",
            "reproduzierbarkeit"]


def _snakemake(project: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "snakemake", "--cores", "2", *args],
                          cwd=project, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The example's results in a fresh copy of the project, with a hostile level label."""
    from conftest import copy_project

    project = copy_project(tmp_path_factory.mktemp("report") / "project")
    path = project / "config" / "surveys" / "example.yaml"
    write_changed_config(path, path, lambda spec: spec["concepts"]["sex"]["level_labels"][
        "male"].update(de=EVIL))
    done = _snakemake(project)
    assert done.returncode == 0, done.stderr[-3000:]
    return project


@pytest.mark.slow
def test_the_report_is_self_contained_and_has_every_section(built: Path) -> None:
    html = (built / "results/example/report.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and '<html lang="de">' in html
    for section in SECTIONS:
        assert f'id="{section}"' in html, section
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # no external request
    images = re.findall(r'<img src="data:image/png;base64,[^"]+" alt="([^"]+)"', html)
    assert len(images) >= 8 and all(alt.strip() for alt in images)
    assert "<caption>" in html and "Basis: n = " in html
    assert "95-%-KI" in html and "Grenzen der Aussagekraft" in html


@pytest.mark.slow
def test_text_from_data_is_never_markup(built: Path) -> None:
    html = (built / "results/example/report.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and EVIL not in html
    from openpyxl import load_workbook

    book = load_workbook(built / "results/example/tables.xlsx")
    cells = [c.value for sheet in book for row in sheet.iter_rows() for c in row
             if isinstance(c.value, str) and "script" in c.value]
    assert cells and all(EVIL in value for value in cells)
    with zipfile.ZipFile(built / "results/example/slides.pptx") as deck:
        xml = "".join(deck.read(name).decode("utf-8") for name in deck.namelist()
                      if name.startswith("ppt/slides/slide"))
    assert EVIL not in xml  # python-pptx writes text, escaped as XML


@pytest.mark.slow
def test_report_and_slides_are_byte_identical_on_a_rerun(built: Path) -> None:
    names = ["results/example/report.html", "results/example/slides.pptx"]
    before = {name: (built / name).read_bytes() for name in names}
    done = _snakemake(built, "--forcerun", "report")
    assert done.returncode == 0, done.stderr[-2000:]
    assert {name: (built / name).read_bytes() for name in names} == before


@pytest.mark.slow
def test_the_slides_have_title_findings_strategies_and_method(built: Path) -> None:
    from pptx import Presentation

    deck = Presentation(str(built / "results/example/slides.pptx"))
    titles = [next((shape.text_frame.text for shape in slide.shapes
                    if shape.has_text_frame and shape.text_frame.text), "")
              for slide in deck.slides]
    assert len(deck.slides) >= 6
    findings = [t for t in titles if t == "Projektergebnisse"]
    assert 3 <= len(findings) <= 6
    assert "Handlungsstrategien" in titles and titles[-1] == "Methode"
    pictures = sum(1 for slide in deck.slides for shape in slide.shapes
                   if shape.shape_type == 13)
    assert pictures == len(findings)


def _chromium() -> str | None:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None and os.environ.get("SURVEYKIT_REQUIRE_BROWSER"):
        pytest.fail("chromium is required here (SURVEYKIT_REQUIRE_BROWSER is set)")
    return found


@pytest.mark.slow
def test_the_report_renders_in_a_real_browser(built: Path) -> None:
    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium is not installed (.ci/run installs it)")
    report = (built / "results/example/report.html").resolve()
    ARTIFACTS.mkdir(exist_ok=True)
    screenshot, pdf = ARTIFACTS / "report-example.png", ARTIFACTS / "report-example.pdf"
    base = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
            "--enable-logging=stderr", "--v=0"]
    shot = subprocess.run([*base, "--window-size=1280,2400", f"--screenshot={screenshot}",
                           report.as_uri()], capture_output=True, text=True, timeout=180)
    assert screenshot.is_file() and screenshot.stat().st_size > 50_000
    console = [line for line in shot.stderr.splitlines() if "CONSOLE" in line
               or "Uncaught" in line or "net::ERR" in line]
    assert console == []
    dom = subprocess.run([*base, "--dump-dom", report.as_uri()], capture_output=True,
                         text=True, timeout=180).stdout
    for section in SECTIONS:
        assert f'id="{section}"' in dom, section
    assert dom.count("<img ") >= 8
    subprocess.run([*base, "--no-pdf-header-footer", f"--print-to-pdf={pdf}",
                    report.as_uri()], capture_output=True, text=True, timeout=180)
    from pypdf import PdfReader

    pages = len(PdfReader(str(pdf)).pages)
    assert 8 <= pages <= 40, pages
