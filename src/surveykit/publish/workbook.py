"""The Excel workbook of a survey's tables (openpyxl): what project leads open first.

A contents sheet, then one sheet per table: title, "Basis: n = …, gewichtet", one block per
indicator with a frozen header, shares in percent as cell number formats (Excel shows
"45,2" in a German installation), limited reliability in parentheses through the number
format, suppressed cells as "/", the test of each breakdown, and footnotes that explain
every symbol and mark. Document properties are fixed and the zip is normalised, so a rerun
is byte-identical.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from surveykit.publish.formats import EXCEL_FORMATS, format_count, format_number
from surveykit.publish.safe_text import neutralise
from surveykit.publish.tables import PublishedTable
from surveykit.publish.zipfiles import normalise_zip

__all__ = ["write_workbook"]

_FIXED_DATE = datetime.datetime(2000, 1, 1)
_HEADERS = {
    "de": ["Gruppe", "Ausprägung", "Anteil in %", "95-%-KI von", "bis", "n (ungewichtet)",
           "N (gewichtet)", "n effektiv", "Deff", "Signifikanz"],
    "en": ["Group", "Level", "Share in %", "95% CI from", "to", "n (unweighted)",
           "N (weighted)", "effective n", "Deff", "Significance"],
}
_MEAN_HEADER = {"de": "Mittelwert", "en": "Mean"}
_TEXT = {
    "de": {"contents": "Inhalt", "table": "Tabelle", "title": "Titel", "total": "Insgesamt",
           "basis": "Basis: n = {n} Befragte, gewichtet", "source": "Quelle",
           "population": "Nur: {text}",
           "deff": {"replace": "Deff: Designeffekt mit Zurücklegen (Kish); n effektiv = n / "
                               "Deff.",
                    "srswor": "Deff: Designeffekt gegenüber einfacher Zufallsauswahl ohne "
                              "Zurücklegen (wie R); n effektiv = n / Deff."},
           "test": "{method} für {breakdown}: F = {statistic} (df {ndf}; {ddf}), p {p}",
           "interval": "95-%-Konfidenzintervalle: {method}."},
    "en": {"contents": "Contents", "table": "Table", "title": "Title", "total": "Total",
           "basis": "Base: n = {n} respondents, weighted", "source": "Source",
           "population": "Only: {text}",
           "deff": {"replace": "Deff: design effect with replacement (Kish); effective n = "
                               "n / Deff.",
                    "srswor": "Deff: design effect against simple random sampling without "
                              "replacement (as R); effective n = n / Deff."},
           "test": "{method} for {breakdown}: F = {statistic} (df {ndf}; {ddf}), p {p}",
           "interval": "95% confidence intervals: {method}."},
}
_INTERVALS = {
    "de": {"logit": "Logit-Intervall (R: svyciprop)", "t": "t-Verteilung mit den "
           "Freiheitsgraden des Designs", "beta": "Korn-Graubard (Beta)", "asin":
           "Arkussinus", "wald": "Wald", "mean": "Wald", "xlogit": "Logit-Intervall"},
    "en": {"logit": "logit interval (R: svyciprop)", "t": "t with the design's degrees of "
           "freedom", "beta": "Korn-Graubard (beta)", "asin": "arcsine", "wald": "Wald",
           "mean": "Wald", "xlogit": "logit interval"},
}


def _sheet_name(table_id: str, taken: set[str]) -> str:
    """An Excel sheet name: at most 31 characters, none of ``[]:*?/\\``, unique."""
    name = re.sub(r"[\[\]:*?/\\]", "_", table_id)[:31] or "table"
    base, k = name, 2
    while name.lower() in taken:
        suffix = f"_{k}"
        name, k = base[: 31 - len(suffix)] + suffix, k + 1
    taken.add(name.lower())
    return name


def _p_text(p: float, language: str) -> str:
    if not np.isfinite(p):
        return "–"
    if p < 0.001:
        return "< 0,001" if language == "de" else "< 0.001"
    return "= " + format_number(p, 3, language)


def _test_lines(table: PublishedTable, language: str) -> list[str]:
    lines = []
    for test in table.tests.itertuples(index=False):
        breakdown_label = table.rows.loc[table.rows["breakdown"] == test.breakdown,
                                         "breakdown_label"]
        method = "Rao-Scott-Test" if test.method.startswith("Rao") else (
            "Wald-Test gleicher Mittelwerte" if language == "de" else
            "Wald test of equal means")
        if language == "en" and test.method.startswith("Rao"):
            method = "Rao-Scott test"
        lines.append(_TEXT[language]["test"].format(
            method=method,
            breakdown=breakdown_label.iloc[0] if len(breakdown_label) else test.breakdown,
            statistic=format_number(test.statistic, 2, language),
            ndf=format_number(test.ndf, 1, language), ddf=format_number(test.ddf, 0, language),
            p=_p_text(test.p_value, language)))
    return lines


def _write_block(sheet, start: int, rows: pd.DataFrame, language: str, labels_total: str
                 ) -> int:
    """One indicator's rows: header, then every breakdown's cells. Returns the next row."""
    from openpyxl.styles import Alignment, Font

    numeric = rows["kind"].iloc[0] in ("numeric", "scale")
    headers = list(_HEADERS[language])
    if numeric:
        headers[2] = _MEAN_HEADER[language]
    sheet.cell(row=start, column=1, value=neutralise(rows["indicator_label"].iloc[0])).font = \
        Font(bold=True)
    start += 1
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=start, column=column, value=header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    header_row = start
    start += 1
    scale = 1.0 if numeric else 100.0
    for row in rows.itertuples(index=False):
        group = labels_total if not row.breakdown else f"{row.breakdown_label}: {row.domain_label}"
        level = "" if numeric else row.level_label
        values = [neutralise(group), neutralise(level)]
        for column, value in enumerate(values, start=1):
            sheet.cell(row=start, column=column, value=value)
        suppressed = row.flag.startswith("suppressed")
        limited = row.flag == "limited"
        number = EXCEL_FORMATS["decimal" if numeric else "percent"]
        limited_number = EXCEL_FORMATS["decimal_limited" if numeric else "percent_limited"]
        if suppressed:
            sheet.cell(row=start, column=3, value="/")
        else:
            for column, value in ((3, row.estimate), (4, row.ci_low), (5, row.ci_high)):
                cell = sheet.cell(row=start, column=column, value=float(value) * scale)
                cell.number_format = limited_number if limited else number
            for column, value, fmt in ((6, row.n, "count"), (7, row.n_weighted, "count"),
                                       (8, row.n_eff, "count"), (9, row.deff, "decimal")):
                if pd.notna(value):
                    cell = sheet.cell(row=start, column=column, value=float(value))
                    cell.number_format = EXCEL_FORMATS[fmt]
            if row.mark:
                sheet.cell(row=start, column=10, value=row.mark)
        start += 1
    return start + 1 if header_row else start


def _write_table(sheet, table: PublishedTable, language: str, source: str) -> None:
    from openpyxl.styles import Font

    text = _TEXT[language]
    sheet.cell(row=1, column=1, value=neutralise(table.title)).font = Font(bold=True, size=14)
    overall = table.rows[table.rows["breakdown"] == ""]
    base = int(overall["n"].dropna().max()) if overall["n"].notna().any() else 0
    sheet.cell(row=2, column=1, value=text["basis"].format(n=format_count(base, language)))
    row = 3
    if table.population:
        sheet.cell(row=row, column=1,
                   value=neutralise(text["population"].format(text=table.population)))
        row += 1
    row += 1
    sheet.freeze_panes = sheet.cell(row=row + 2, column=3)
    for indicator in dict.fromkeys(table.rows["indicator"]):
        block = table.rows[table.rows["indicator"] == indicator]
        row = _write_block(sheet, row, block, language, text["total"])
    kinds = set(table.rows["kind"])
    method = "t" if kinds <= {"numeric", "scale"} else table.interval
    notes = [*table.notes, text["interval"].format(method=_INTERVALS[language].get(
        method, method)), text["deff"][table.rows["deff_form"].iloc[0]],
        *_test_lines(table, language), f"{text['source']}: {source}"]
    for note in notes:
        sheet.cell(row=row, column=1, value=neutralise(note)).font = Font(italic=True, size=9)
        row += 1
    widths = [38, 26, 12, 12, 10, 14, 14, 11, 8, 11]
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[chr(64 + column)].width = width


def write_workbook(tables: Mapping[str, PublishedTable], path: str | Path, title: str,
                   language: str = "de", source: str = "",
                   order: Sequence[str] | None = None) -> None:
    """Write every table to one workbook with a contents sheet (byte-identical reruns)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.hyperlink import Hyperlink

    text = _TEXT[language]
    workbook = Workbook()
    contents = workbook.active
    contents.title = text["contents"]
    contents.cell(row=1, column=1, value=neutralise(title)).font = Font(bold=True, size=14)
    contents.cell(row=3, column=1, value=text["table"]).font = Font(bold=True)
    contents.cell(row=3, column=2, value=text["title"]).font = Font(bold=True)
    taken = {contents.title.lower()}
    for row, table_id in enumerate(order or list(tables), start=4):
        table = tables[table_id]
        name = _sheet_name(table_id, taken)
        _write_table(workbook.create_sheet(name), table, language, source)
        link = contents.cell(row=row, column=1, value=name)
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{name}'!A1")
        link.font = Font(color="0563C1", underline="single")
        contents.cell(row=row, column=2, value=neutralise(table.title))
    contents.column_dimensions["A"].width = 34
    contents.column_dimensions["B"].width = 90
    properties = workbook.properties
    properties.creator = "surveykit"
    properties.lastModifiedBy = "surveykit"
    properties.created = _FIXED_DATE
    properties.modified = _FIXED_DATE
    workbook.save(path)
    normalise_zip(path)
