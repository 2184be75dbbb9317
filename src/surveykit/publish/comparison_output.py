"""Writing the comparison: figures, workbook and the comparison report.

`surveykit.publish.comparison` computes the rows; this module only shows them, in the same
style as a survey's own outputs: German conventions ("36,9 %", "Basis: n = …"), "/" for
suppressed cells, "–" for what a survey did not collect, ▲/▼ for significant differences,
fixed document properties and deterministic files so a rerun is byte-identical.
"""

from __future__ import annotations

import base64
import datetime
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from surveykit.data.config import SurveyConfig, text_in
from surveykit.publish.comparison import PublishedSurvey
from surveykit.publish.comparison_text import TEXT, difference_text, p_text, test_name
from surveykit.publish.formats import EXCEL_FORMATS, format_count, format_number
from surveykit.publish.report import ReportFigure, sha256_of, versions
from surveykit.publish.safe_text import neutralise
from surveykit.publish.zipfiles import normalise_zip

__all__ = ["write_comparison"]

_FIXED_DATE = datetime.datetime(2000, 1, 1)


def _numeric(kind: Any) -> bool:
    return str(kind) in ("scale", "numeric")


def _value(value: float, numeric: bool, language: str, decimals: int = 1) -> str:
    if value is None or not np.isfinite(value):
        return ""
    return format_number(value, 2, language) if numeric else format_number(
        value * 100, decimals, language)


def _estimate_cell(row: Any, numeric: bool, language: str) -> tuple[str, str]:
    """(value, interval) as a reader sees them: "–", "/", "(45,2)" or "45,2"."""
    if row.status in ("not_collected", "not_tabulated"):
        return "–", ""
    if row.status == "suppressed":
        return "/", ""
    value = _value(row.estimate, numeric, language)
    interval = f"{_value(row.ci_low, numeric, language)}–{_value(row.ci_high, numeric, language)}"
    if row.flag == "limited":
        return f"({value})", f"({interval})"
    return value, interval


_ABSENT = ("not_collected", "not_tabulated")


def _line(row: Any, numeric: bool, language: str) -> dict[str, str]:
    value, interval = _estimate_cell(row, numeric, language)
    shown = row.status in ("compared", "shown") and np.isfinite(row.n)
    return {"survey": row.survey_label, "value": value, "interval": interval,
            "n": format_count(row.n, language) if shown else "",
            "difference": difference_text(row.difference, numeric, language),
            "versus": row.versus if isinstance(row.versus, str) else "",
            "p": p_text(row.p_adjusted, language),
            "mark": row.mark if isinstance(row.mark, str) else "",
            "note": row.note if row.status in _ABSENT else ""}


def _blocks(between: pd.DataFrame, language: str) -> list[dict[str, Any]]:
    """Report and workbook blocks, a line per survey (those without the indicator last).

    A compared share or mean is one block; a compared ordinal or categorical indicator one
    block per level; an indicator shown without a test (its levels differ between the
    surveys, or one survey has it) one block with a line per survey and level.
    """
    t = TEXT[language]
    blocks = []
    for indicator, rows in between.groupby("indicator", sort=False):
        absent = rows[rows["status"].isin(_ABSENT)]
        present = rows[~rows["status"].isin(_ABSENT)]
        kinds = present["kind"].dropna()
        kind = str(kinds.iloc[0]) if len(kinds) else ""
        levelled = kind in ("ordinal", "categorical")
        per_level = levelled and (present["status"] == "compared").any()
        groups = [present[present["level"] == level]
                  for level in dict.fromkeys(present["level"])] if per_level else [present]
        for part in groups:
            records = list(pd.concat([part, absent]).itertuples(index=False))
            first = records[0]
            numeric = _numeric(kind)
            caption = str(first.indicator_label)
            if per_level:
                caption += f": {first.level_label}"
            lines = [_line(r, numeric, language) for r in records]
            if levelled and not per_level:
                for line, record in zip(lines, records, strict=True):
                    if record.status not in _ABSENT:
                        line["survey"] = f"{record.survey_label}: {record.level_label}"
            notes = sorted({str(r.note) for r in records if r.status not in _ABSENT
                            and isinstance(r.note, str) and r.note})
            blocks.append({"caption": caption, "anchor": f"v-{indicator}",
                           "indicator": indicator, "title": str(first.indicator_label),
                           "header": t["mean"] if numeric else t["share"],
                           "lines": lines, "records": records, "notes": notes})
    return blocks


def _figure(directory: Path, name: str, title: str, caption: str) -> ReportFigure:
    encoded = base64.b64encode((directory / f"{name}.png").read_bytes()).decode("ascii")
    return ReportFigure(name=name, title=title, caption=caption,
                        data_uri=f"data:image/png;base64,{encoded}",
                        alt=f"{title}. {caption}")


def _figure_jobs(surveys: Sequence[PublishedSurvey], between: pd.DataFrame,
                 areas: pd.DataFrame, language: str) -> list[tuple[str, str, pd.DataFrame,
                                                                  str, str]]:
    """Every figure to draw: (name, drawing function, rows, title, caption)."""
    t = TEXT[language]
    jobs = []
    for indicator, part in between.groupby("indicator", sort=False):
        kinds = part["kind"].replace("", np.nan).dropna()
        if not len(kinds) or (part["status"] == "shown").any():
            continue  # not comparable across the surveys (or one survey): tables only
        if part["estimate"].notna().sum() == 0:
            continue
        label = str(part["indicator_label"].iloc[0])
        if str(kinds.iloc[0]) in ("binary", "scale", "numeric"):
            jobs.append((f"compare_{indicator}", "survey_forest", part, label,
                         t["figure_caption"]))
        else:
            jobs.append((f"compare_{indicator}", "survey_stacked", part, label,
                         t["stacked_caption"]))
    shown = areas[areas["kind"].isin(["binary", "scale", "numeric"])]
    by_survey = dict(tuple(shown.groupby("survey", sort=False)))
    for survey in surveys:
        if survey.id in by_survey:
            jobs.append((f"areas_{survey.id}", "area_panels", by_survey[survey.id],
                         t["areas_title"].format(survey=survey.label), t["areas_caption"]))
    return jobs


def _draw_one(job: tuple[str, str, pd.DataFrame, str, str], figures_dir: Path,
              language: str) -> str:
    """Draw and save one figure (in a worker process or in this one); its name."""
    from surveykit.publish import comparison_figures
    from surveykit.publish.figure_style import figure_context, save_figure

    name, function, rows, title, caption = job
    with figure_context() as plt:
        figure = getattr(comparison_figures, function)(plt, rows, language, title, caption)
        save_figure(figure, figures_dir, name)
    return name


def _draw_figures(figures_dir: Path, surveys: Sequence[PublishedSurvey],
                  between: pd.DataFrame, areas: pd.DataFrame, language: str,
                  workers: int = 1) -> dict[str, ReportFigure]:
    """Every figure of the comparison, by name.

    Rendering (above all the SVG and PNG text) is most of the compare step's time with
    forty surveys, and figures are independent, so ``workers`` > 1 draws them in that many
    processes; each file is the same whichever process draws it.
    """
    import multiprocessing

    jobs = _figure_jobs(surveys, between, areas, language)
    if workers > 1 and len(jobs) > 1 and "fork" in multiprocessing.get_all_start_methods():
        from concurrent.futures import ProcessPoolExecutor
        from functools import partial

        from surveykit.publish.figure_style import warm_up

        warm_up()  # once here, not once in every forked worker
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            list(pool.map(partial(_draw_one, figures_dir=figures_dir, language=language),
                          jobs))
    else:
        for job in jobs:
            _draw_one(job, figures_dir, language)
    return {name: _figure(figures_dir, name, title, caption)
            for name, _function, _rows, title, caption in jobs}


def _workbook(path: Path, between: pd.DataFrame, areas: pd.DataFrame, language: str,
              title: str) -> None:
    """The comparison as a workbook: one sheet across surveys, one of the areas."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    t = TEXT[language]
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = t["sheet_surveys"]
    sheet.cell(row=1, column=1, value=neutralise(title)).font = Font(bold=True, size=14)
    row_number = 3
    for block in _blocks(between, language):
        sheet.cell(row=row_number, column=1, value=neutralise(block["caption"])).font = \
            Font(bold=True)
        row_number += 1
        for column, header in enumerate(t["xlsx_headers"], start=1):
            sheet.cell(row=row_number, column=column, value=header).font = Font(bold=True)
        sheet.cell(row=row_number, column=2, value=block["header"]).font = Font(bold=True)
        row_number += 1
        for line, record in zip(block["lines"], block["records"], strict=True):
            _write_line(sheet, row_number, line, record, language)
            row_number += 1
        for note in block["notes"]:
            sheet.cell(row=row_number, column=1, value=neutralise(note)).font = \
                Font(italic=True)
            row_number += 1
        row_number += 1
    for note in t["xlsx_notes"]:
        sheet.cell(row=row_number, column=1, value=note).font = Font(italic=True)
        row_number += 1
    for column, width in zip("ABCDEFGHI", (62, 14, 12, 12, 10, 14, 30, 12, 10), strict=True):
        sheet.column_dimensions[column].width = width
    _area_sheet(workbook.create_sheet(t["sheet_areas"]), areas, language)
    properties = workbook.properties
    properties.creator = properties.lastModifiedBy = "surveykit"
    properties.created = properties.modified = _FIXED_DATE
    workbook.save(path)
    normalise_zip(path)


def _write_line(sheet: Any, row: int, line: Mapping[str, str], record: Any,
                language: str) -> None:
    numeric = _numeric(record.kind)
    scale = 1.0 if numeric else 100.0
    sheet.cell(row=row, column=1, value=neutralise(line["survey"]))
    if record.status in ("compared", "shown") and np.isfinite(record.estimate):
        limited = record.flag == "limited"
        number = EXCEL_FORMATS["decimal_limited" if numeric and limited else "decimal"
                               if numeric else "percent_limited" if limited else "percent"]
        for column, value in ((2, record.estimate), (3, record.ci_low), (4, record.ci_high)):
            cell = sheet.cell(row=row, column=column, value=float(value) * scale)
            cell.number_format = number
        sheet.cell(row=row, column=5, value=float(record.n)).number_format = \
            EXCEL_FORMATS["count"]
        if np.isfinite(record.difference):
            cell = sheet.cell(row=row, column=6, value=float(record.difference) * scale)
            cell.number_format = "+0.0;-0.0" if not numeric else "+0.00;-0.00"
            sheet.cell(row=row, column=7, value=neutralise(line["versus"]))
            sheet.cell(row=row, column=8, value=float(record.p_adjusted)).number_format = \
                EXCEL_FORMATS["pvalue"]
            sheet.cell(row=row, column=9, value=line["mark"])
    else:
        sheet.cell(row=row, column=2, value=line["value"])
        sheet.cell(row=row, column=7, value=neutralise(line["note"]))


def _area_sheet(sheet: Any, areas: pd.DataFrame, language: str) -> None:
    from openpyxl.styles import Font

    t = TEXT[language]
    row_number = 1
    for (survey, _indicator), part in areas.groupby(["survey_label", "indicator"],
                                                  sort=False):
        numeric = _numeric(part["kind"].iloc[0])
        scale = 1.0 if numeric else 100.0
        levels = list(dict.fromkeys(part["level"]))
        for level in levels:
            rows = part[part["level"] == level]
            caption = f"{survey}: {rows['indicator_label'].iloc[0]}"
            if rows["kind"].iloc[0] in ("ordinal", "categorical"):
                caption += f": {rows['level_label'].iloc[0]}"
            sheet.cell(row=row_number, column=1, value=neutralise(caption)).font = \
                Font(bold=True)
            row_number += 1
            for column, header in enumerate(t["area_headers"], start=1):
                sheet.cell(row=row_number, column=column, value=header).font = Font(bold=True)
            row_number += 1
            for record in rows.itertuples(index=False):
                label = record.area_label or t["total"]
                sheet.cell(row=row_number, column=1, value=neutralise(label))
                if str(record.flag).startswith("suppressed") or not np.isfinite(
                        record.estimate):
                    sheet.cell(row=row_number, column=2, value="/")
                else:
                    limited = record.flag == "limited"
                    number = EXCEL_FORMATS[("decimal" if numeric else "percent")
                                           + ("_limited" if limited else "")]
                    for column, value in ((2, record.estimate), (3, record.ci_low),
                                          (4, record.ci_high)):
                        sheet.cell(row=row_number, column=column,
                                   value=float(value) * scale).number_format = number
                    sheet.cell(row=row_number, column=5, value=float(record.n)).number_format \
                        = EXCEL_FORMATS["count"]
                    sheet.cell(row=row_number, column=6, value=record.mark or None)
                row_number += 1
            test = rows["test_p_value"].iloc[0]
            if np.isfinite(test):
                sheet.cell(row=row_number, column=1, value=t["area_test"].format(
                    method=test_name(rows["test"].iloc[0], language),
                    p=p_text(test, language))).font = \
                    Font(italic=True)
                row_number += 1
            row_number += 1
    for column, width in zip("ABCDEF", (36, 14, 12, 12, 10, 8), strict=True):
        sheet.column_dimensions[column].width = width


def _area_blocks(part: pd.DataFrame, language: str) -> list[dict[str, Any]]:
    """A survey's areas as report blocks: rows = areas, a column per indicator (level)."""
    t = TEXT[language]
    if not len(part):
        return []
    columns = []
    for (_indicator, _level), rows in part.groupby(["indicator", "level"], sort=False):
        records = rows.to_dict("records")
        head = records[0]
        label = str(head["indicator_label"])
        if head["kind"] in ("ordinal", "categorical"):
            label += f": {head['level_label']}"
        columns.append((label, _numeric(head["kind"]), {r["area"]: r for r in records},
                        head))
    lines = []
    for area in dict.fromkeys(part["area"]):
        cells, first = [], None
        for _label, numeric, by_area, _head in columns:
            record = by_area.get(area)
            if record is None:
                cells.append({"value": "", "mark": ""})
                continue
            first = first or record
            if str(record["flag"]).startswith("suppressed") or not np.isfinite(
                    record["estimate"]):
                cells.append({"value": "/", "mark": ""})
                continue
            value = _value(record["estimate"], numeric, language)
            cells.append({"value": f"({value})" if record["flag"] == "limited" else value,
                          "mark": record["mark"] or ""})
        n = first["n"] if first else np.nan
        lines.append({"area": (first or {}).get("area_label") or t["total"], "cells": cells,
                      "n": format_count(n, language) if np.isfinite(n) else ""})
    tests = [t["area_test"].format(method=test_name(head["test"], language),
                                   p=p_text(head["test_p_value"], language)) + f" ({label})"
             for label, _numeric_, _by_area, head in columns
             if np.isfinite(head["test_p_value"])]
    return [{"headers": [label + ("" if numeric else " (%)")
                         for label, numeric, _by_area, _head in columns],
             "lines": lines, "tests": tests}]


def write_comparison(directory: Path, surveys: Sequence[PublishedSurvey],
                     configs: Sequence[SurveyConfig], between: pd.DataFrame,
                     areas: pd.DataFrame, settings: Mapping[str, Any], language: str) -> None:
    """Write ``figures/``, ``comparison.xlsx`` and ``report.html`` into ``directory``."""
    from surveykit.publish.comparison_report import render_comparison, report_context

    t = TEXT[language]
    figures_dir = directory / "figures"
    figures_dir.mkdir()
    figures = _draw_figures(figures_dir, surveys, between, areas, language,
                            workers=int(settings.get("threads", 1)))
    title = t["title"]
    _workbook(directory / "comparison.xlsx", between, areas, language, title)
    inputs = [(str(config.path), sha256_of(config.path)) for config in configs]
    context = report_context(surveys, configs, between, areas, figures, language,
                             blocks=_blocks(between, language),
                             area_blocks={survey: _area_blocks(part, language)
                                          for survey, part in areas.groupby("survey")},
                             inputs=inputs, package_versions=versions(),
                             min_cell_n=settings.get("min_cell_n"))
    (directory / "report.html").write_text(render_comparison(context), encoding="utf-8")


def survey_text(config: SurveyConfig, key: str, language: str) -> str:
    """A report field of a survey config in the language ('' if absent)."""
    value = (config.spec.get("report") or {}).get(key)
    return text_in(value, language) if value else ""
