"""Publishing: the workbook's formats and footnotes, inert text, German number formats,
figures that leave hidden cells out, and byte-identical files on a rerun."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

import surveykit as sk
from surveykit.estimation.share_tables import share_table
from surveykit.publish import figures
from surveykit.publish.figure_style import figure_context, save_figure
from surveykit.publish.formats import format_count, format_interval, format_percent, format_pp
from surveykit.publish.labels import Labels
from surveykit.publish.safe_text import neutralise
from surveykit.publish.tables import PublishedTable, footnotes, publish_rows, write_csv
from surveykit.publish.workbook import write_workbook

EVIL = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def published() -> PublishedTable:
    rng = np.random.default_rng(11)
    sizes = {"=SUM(A1)": 400, EVIL: 260, "klein": 12, "mittel": 45}
    groups = np.repeat(list(sizes), list(sizes.values()))
    frame = pd.DataFrame({"group": pd.Categorical(groups, categories=list(sizes)),
                          "y": (rng.random(len(groups)) < np.where(groups == EVIL, 0.7, 0.3)
                                ).astype(float),
                          "w": rng.uniform(1, 3, len(groups))})
    design = sk.SurveyDesign(frame, weights="w")
    concepts = {"y": {"type": "binary", "label": {"de": "Wegzugsbereit", "en": "Willing"}},
                "group": {"type": "categorical", "label": {"de": "@Gruppe", "en": "Group"}}}
    labels = Labels(concepts, "de")
    parts = [publish_rows("willing", share_table(design, "y", "binary", by=by), labels, 30,
                          50) for by in (None, "group")]
    rows = pd.concat([p[0] for p in parts], ignore_index=True)
    tests = pd.concat([p[1] for p in parts if len(p[1])], ignore_index=True)
    return PublishedTable(id="willing", title="-Wegzug nach Gruppe", rows=rows, tests=tests,
                          notes=footnotes(rows, "holm", 0.05, 30, 50, "de"))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_german_number_formats() -> None:
    assert format_percent(0.4523, 0, "de") == "45 %"
    assert format_percent(0.4523, 1, "en") == "45.2%"
    assert format_count(2377, "de") == "2.377" and format_count(2377, "en") == "2,377"
    assert format_interval(0.35, 0.41, 0, "de") == "35–41 %"
    assert format_pp(0.123, 0, "de") == "+12 Pp." and format_pp(-0.05, 0, "en") == "−5 pp"


def test_workbook_has_contents_formats_symbols_and_footnotes(tmp_path: Path,
                                                             published: PublishedTable
                                                             ) -> None:
    path = tmp_path / "tables.xlsx"
    write_workbook({"willing": published}, path, "Befragung", "de", source="Test")
    book = load_workbook(path)
    assert book.sheetnames == ["Inhalt", "willing"]
    contents = book["Inhalt"]
    assert contents["A4"].hyperlink.location == "'willing'!A1"
    assert contents["B4"].value == "'-Wegzug nach Gruppe"  # formula text made inert
    sheet = book["willing"]
    assert sheet["A2"].value.startswith("Basis: n = ")
    assert sheet.freeze_panes is not None
    values = {row[0].value: row for row in sheet.iter_rows(min_row=1)}
    total = values["Insgesamt"]
    assert total[2].number_format == "0.0" and 0 < total[2].value < 100
    klein = next(row for key, row in values.items() if key and "klein" in str(key))
    assert klein[2].value == "/" and all(cell.value is None for cell in klein[3:9])
    inert = next(row for key, row in values.items() if key and "SUM" in str(key))
    assert inert[0].value == "'@Gruppe: =SUM(A1)"  # the cell text is inert as a whole
    script = next(row for key, row in values.items() if key and "script" in str(key))
    assert EVIL in script[0].value  # text, shown as written
    notes = [cell.value for cell in sheet["A"] if isinstance(cell.value, str)]
    assert any(note.startswith("/ Zahlenwert nicht sicher genug") for note in notes)
    assert any(note.startswith("Rao-Scott-Test") for note in notes)
    assert any(note.startswith("Quelle: Test") for note in notes)


def test_workbook_limited_cells_use_a_parenthesis_format(tmp_path: Path,
                                                        published: PublishedTable) -> None:
    rows = published.rows.copy()
    rows.loc[rows["domain"] == EVIL, "flag"] = "limited"
    table = PublishedTable(id="t", title="t", rows=rows, tests=published.tests)
    path = tmp_path / "limited.xlsx"
    write_workbook({"t": table}, path, "t", "de")
    sheet = load_workbook(path)["t"]
    row = next(r for r in sheet.iter_rows() if r[0].value and "script" in str(r[0].value))
    assert row[2].number_format == '"("0.0")"'


def test_workbook_and_csv_are_byte_identical_on_a_rerun(tmp_path: Path,
                                                        published: PublishedTable) -> None:
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_workbook({"willing": published}, first, "Befragung", "de")
    write_workbook({"willing": published}, second, "Befragung", "de")
    assert _sha(first) == _sha(second)
    write_csv(published.rows, tmp_path / "a.csv")
    write_csv(published.rows, tmp_path / "b.csv")
    assert _sha(tmp_path / "a.csv") == _sha(tmp_path / "b.csv")
    text = (tmp_path / "a.csv").read_text(encoding="utf-8")
    assert "'=SUM(A1)" in text and "\n=SUM" not in text and ",=SUM" not in text
    assert "'@Gruppe" in text


def test_neutralise_only_touches_formula_text() -> None:
    assert neutralise("=1+1") == "'=1+1" and neutralise("+49") == "'+49"
    assert neutralise("-x") == "'-x" and neutralise("@a") == "'@a"
    assert neutralise("18-29") == "18-29" and neutralise(-3.5) == -3.5


def test_a_figure_leaves_hidden_cells_out_and_is_byte_identical(tmp_path: Path,
                                                                published: PublishedTable
                                                                ) -> None:
    labels = Labels({"y": {"type": "binary"}, "group": {"type": "categorical"}}, "de")
    hashes = []
    for run in ("a", "b"):
        directory = tmp_path / run
        directory.mkdir()
        with figure_context() as plt:
            figure = figures.share_by_group(plt, published.rows, labels, "de", "Titel",
                                            "Basis: n = 717 Befragte, gewichtet")
            ticks = [t.get_text() for t in figure.axes[0].get_yticklabels()]
            save_figure(figure, directory, "shares")
        # "klein" (n = 12) and its protecting neighbour "mittel" (n = 45) are not drawn
        assert not any("klein" in t or "mittel" in t for t in ticks)
        assert any("Insgesamt" in t for t in ticks) and any("SUM" in t for t in ticks)
        hashes.append((_sha(directory / "shares.svg"), _sha(directory / "shares.png")))
    assert hashes[0] == hashes[1]
    svg = (tmp_path / "a" / "shares.svg").read_text(encoding="utf-8")
    assert "<dc:date>" not in svg


def test_english_on_request(published: PublishedTable) -> None:
    labels = Labels({"y": {"type": "binary", "label": {"de": "Wegzugsbereit",
                                                       "en": "Willing"}},
                     "group": {"type": "categorical", "label": {"de": "Gruppe",
                                                                "en": "Group"}}}, "en")
    assert labels.concept("y") == "Willing" and labels.level("y", 1) == "yes"
    notes = footnotes(published.rows, "holm", 0.05, 30, 50, "en")
    assert any(note.startswith("/ Not reliable enough") for note in notes)
    with figure_context() as plt:
        figure = figures.share_by_group(plt, published.rows, labels, "en", "Title", "Base")
        texts = [t.get_text() for t in figure.axes[0].texts]
        plt.close(figure)
    assert any(t.endswith("%") and " %" not in t for t in texts if "%" in t)
