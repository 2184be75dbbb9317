"""The comparison report: surveys side by side, in the survey reports' style.

Every number comes from the comparison rows (`surveykit.publish.comparison`), which come
from the surveys' published tables; the key findings are sentences generated from them, so
the report cannot say more than the tables show.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from surveykit.data.config import SurveyConfig, text_in
from surveykit.publish.comparison import PublishedSurvey
from surveykit.publish.comparison_text import TEXT, difference_text, p_text
from surveykit.publish.formats import format_count, format_number, format_percent
from surveykit.publish.report import ReportFigure, render_report

__all__ = ["key_findings", "render_comparison", "report_context"]


def _shown(value: float, kind: str, language: str) -> str:
    if kind in ("scale", "numeric"):
        return format_number(value, 2, language)
    return format_percent(value, 1, language)


def _between_findings(between: pd.DataFrame, language: str) -> list[dict[str, str]]:
    t = TEXT[language]
    findings = []
    for indicator, rows in between.groupby("indicator", sort=False):
        label = str(rows["indicator_label"].iloc[0])
        anchor = f"v-{indicator}"
        collected = rows[~rows["status"].isin(["not_collected", "not_tabulated"])]
        if collected["survey"].nunique() < 2:
            continue  # one survey only: its table shows "–" for the others
        if (rows["status"] == "shown").any():
            note = next((str(n) for n in rows["note"] if isinstance(n, str) and n), "")
            findings.append({"text": t["not_comparable_finding"].format(
                indicator=label, note=note.split(": ", 1)[-1]), "anchor": anchor})
            continue
        kind = str(rows["kind"].dropna().iloc[0]) if rows["kind"].notna().any() else ""
        if kind not in ("binary", "scale", "numeric"):
            continue  # the levels of an ordinal indicator: tables and figure only
        compared = rows[rows["status"] == "compared"]
        if len(compared) < 2 or compared["p_value"].isna().all():
            continue
        if len(compared) == 2:
            a, b = compared.iloc[0], compared.iloc[1]
            values = {"indicator": label, "a": a["survey_label"], "b": b["survey_label"],
                      "first": _shown(a["estimate"], kind, language),
                      "second": _shown(b["estimate"], kind, language)}
            if a["mark"]:
                text = t["finding_two"].format(
                    **values, difference=difference_text(
                        a["difference"], kind in ("scale", "numeric"), language),
                    p=p_text(a["p_adjusted"], language))
            else:
                text = t["finding_two_none"].format(**values)
        else:
            above = compared[compared["mark"] == "▲"]
            below = compared[compared["mark"] == "▼"]
            if not len(above) and not len(below):
                text = t["finding_many_none"].format(indicator=label)
            else:
                def names(part: pd.DataFrame, kind: str = kind) -> str:
                    return ", ".join(f"{r.survey_label} ({_shown(r.estimate, kind, language)})"
                                     for r in part.itertuples())
                parts = []
                if len(above):
                    parts.append(t["finding_above"].format(indicator=label, names=names(above)))
                if len(below):
                    below_text = t["finding_below"].format(names=names(below))
                    parts.append(below_text if parts else f"{label}: {below_text}")
                text = "; ".join(parts) + "."
        findings.append({"text": text, "anchor": anchor})
    return findings


def _area_findings(areas: pd.DataFrame, surveys: Sequence[PublishedSurvey],
                   language: str) -> list[dict[str, str]]:
    t = TEXT[language]
    findings = []
    for survey in surveys:
        rows = areas[(areas["survey"] == survey.id) & (areas["kind"] == "binary")
                     & (areas["area"] != "")]
        if not len(rows):
            continue
        indicator = rows["indicator"].iloc[0]
        part = rows[(rows["indicator"] == indicator) & rows["estimate"].notna()]
        if len(part) < 2:
            continue
        low, high = part.loc[part["estimate"].idxmin()], part.loc[part["estimate"].idxmax()]
        p_value = float(part["test_p_value"].iloc[0])
        if not np.isfinite(p_value):
            continue  # no test across the areas: no claim about their differences
        significant = p_value < 0.05
        method = "Rao-Scott-Test" if language == "de" else "Rao-Scott test"
        findings.append({"text": t["finding_areas"].format(
            survey=survey.label, indicator=str(part["indicator_label"].iloc[0]),
            low=_shown(low["estimate"], "binary", language), low_area=low["area_label"],
            high=_shown(high["estimate"], "binary", language), high_area=high["area_label"],
            significance=t["significant" if significant else "not_significant"],
            method=method, p=p_text(p_value, language)), "anchor": f"g-{survey.id}"})
    return findings


def key_findings(between: pd.DataFrame, areas: pd.DataFrame,
                 surveys: Sequence[PublishedSurvey], language: str) -> list[dict[str, str]]:
    """Sentences from the comparison rows: differences between the surveys first, then the
    range across each survey's areas with its test."""
    return _between_findings(between, language) + _area_findings(areas, surveys, language)


def _population_sentences(configs: Sequence[SurveyConfig], language: str) -> list[str]:
    from surveykit.data.population import read_population_series
    from surveykit.publish.trend import trend_sentence

    sentences = []
    for config in configs:
        population = config.spec.get("population")
        if not population:
            continue
        series = read_population_series(config.resolve(population["file"]),
                                        int(population["base_year"]))
        sentences.append(trend_sentence(series, language))
    return sentences


def _study_rows(configs: Sequence[SurveyConfig], surveys: Sequence[PublishedSurvey],
                language: str) -> list[list[str]]:
    rows = []
    for config, survey in zip(configs, surveys, strict=True):
        spec = config.spec
        report = spec.get("report") or {}

        def field(key: str, report: Mapping[str, Any] = report) -> str:
            value = report.get(key)
            return text_in(value, language) if value else ""

        rows.append([text_in(spec.get("title") or config.id, language), survey.label,
                     str(spec.get("year", "")),
                     format_count(survey.respondents, language) if survey.respondents else "",
                     field("field_period"), field("mode"), field("population")])
    return rows


def report_context(surveys: Sequence[PublishedSurvey], configs: Sequence[SurveyConfig],
                   between: pd.DataFrame, areas: pd.DataFrame,
                   figures: Mapping[str, ReportFigure], language: str, *,
                   blocks: list[dict[str, Any]], area_blocks: Mapping[str, list[dict[str, Any]]],
                   inputs: list[tuple[str, str]], package_versions: list[tuple[str, str]],
                   min_cell_n: int | None = None) -> dict[str, Any]:
    """Everything the comparison template shows."""
    t = TEXT[language]
    indicator_sections = []
    for block in blocks:
        figure = figures.get(f"compare_{block['indicator']}")
        first = not indicator_sections or indicator_sections[-1]["indicator"] != \
            block["indicator"]
        indicator_sections.append({**block, "figure": figure if first else None,
                                   "first": first})
    area_sections = [{"survey": survey, "anchor": f"g-{survey.id}",
                      "title": t["ch_areas"].format(survey=survey.label),
                      "intro": t["areas_intro"].format(survey=survey.label),
                      "figure": figures.get(f"areas_{survey.id}"),
                      "blocks": area_blocks.get(survey.id, [])}
                     for survey in surveys if area_blocks.get(survey.id)]
    return {
        "t": t, "title": t["title"],
        "subtitle": t["subtitle"].format(count=len(surveys),
                                         names=", ".join(s.label for s in surveys)),
        "findings": key_findings(between, areas, surveys, language),
        "study_headers": t["study_headers"], "study_rows": _study_rows(configs, surveys,
                                                                       language),
        "population": _population_sentences(configs, language),
        "indicators": indicator_sections, "areas": area_sections,
        "methods": t["methods_text"], "privacy": t["privacy_text"],
        "min_cell_n": min_cell_n, "command": "snakemake compare",
        "inputs": inputs, "package_versions": package_versions,
    }


def render_comparison(context: Mapping[str, Any]) -> str:
    """The HTML text of the comparison report."""
    return render_report(context, "comparison.html.j2")
