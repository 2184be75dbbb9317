"""Workflow step ``report``: the HTML report from every published result of one survey.

Reads what the earlier steps wrote — share tables, figures, models, weighting diagnostics,
strategies — and the raw inputs' checksums, and writes ``report.html`` (self-contained,
deterministic). It computes nothing statistical itself: every number it shows was published
by an earlier step, so the report cannot disagree with the tables.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from surveykit.data.config import SurveyConfig, load_survey_config, text_in
from surveykit.data.outputs import output_set
from surveykit.pipeline.settings import step_settings
from surveykit.publish.findings import key_findings
from surveykit.publish.formats import format_count, format_number, format_percent
from surveykit.publish.labels import Labels
from surveykit.publish.report import (
    ReportChapter,
    ReportTable,
    figure_for,
    html_rows,
    render_report,
    sha256_of,
    share_base,
    versions,
)
from surveykit.publish.report_tables import (
    ame_table,
    margins_table,
    odds_ratio_table,
    predictions_table,
    separation_sentence,
)
from surveykit.publish.report_text import TEXT
from surveykit.publish.safe_text import restore_frame
from surveykit.publish.slides import ResultSlide, write_slides
from surveykit.publish.tables import read_published_csv as _read_csv

__all__ = ["run_report"]

_METHOD = {"de": {"rake": "Raking", "poststratify": "Nachschichtung", "linear":
                  "lineare Kalibrierung", "raking": "Kalibrierung (Raking)", "logit":
                  "Logit-Kalibrierung"},
           "en": {"rake": "Raking", "poststratify": "Post-stratification", "linear":
                  "linear calibration", "raking": "calibration (raking)", "logit":
                  "logit calibration"}}


def _table(rows: pd.DataFrame, caption: str, notes: list[str], tests: pd.DataFrame | None,
           labels: Labels, language: str) -> ReportTable:
    test_lines = []
    if tests is not None and len(tests):
        several = tests["indicator"].nunique() > 1
        for test in tests.itertuples(index=False):
            names = " × ".join(labels.concept(n) for n in str(test.breakdown).split(" × "))
            if several:
                by = "nach" if language == "de" else "by"
                names = f"{labels.concept(test.indicator)} {by} {names}"
            p_value = float(test.p_value)
            p_text = ("< 0,001" if language == "de" else "< 0.001") if p_value < 0.001 else \
                "= " + format_number(p_value, 3, language)
            kind = "Rao-Scott" if str(test.method).startswith("Rao") else "Wald"
            test_lines.append(f"{kind}-{'Test' if language == 'de' else 'test'} "
                              f"{names}: F = {format_number(float(test.statistic), 2, language)}"
                              f", p {p_text}")
    numeric = bool(len(rows)) and rows["kind"].iloc[0] in ("numeric", "scale")
    return ReportTable(caption=caption, base=share_base(rows, language), numeric=numeric,
                       blocks=html_rows(rows, language), notes=notes, tests=test_lines)


def _share_tables(shares: Path, summary: Mapping[str, Any], labels: Labels, language: str
                  ) -> dict[str, tuple[pd.DataFrame, ReportTable]]:
    """Every published share table, by id, as rows and as a report table."""
    tests = _read_csv(shares / "tests.csv")
    out = {}
    for entry in summary["tables"]:
        rows = _read_csv(shares / f"{entry['id']}.csv")
        if rows is None:
            continue
        table_tests = tests[tests["table"] == entry["id"]] if tests is not None else None
        caption = entry["title"] + (f" ({entry['population']})" if entry["population"] else "")
        table = _table(rows, caption, entry["notes"], table_tests, labels, language)
        out[entry["id"]] = (rows, dataclasses.replace(table, anchor=f"tab-{entry['id']}"))
    return out


def _subset(table: ReportTable, rows: pd.DataFrame, labels: Labels, language: str,
            table_id: str) -> ReportTable:
    """The part of a published table about some of its indicators."""
    indicators = list(dict.fromkeys(rows["indicator"]))
    caption = " · ".join(labels.concept(i) for i in indicators) if len(indicators) <= 2 \
        else table.caption
    return dataclasses.replace(table, caption=caption, base=share_base(rows, language),
                               blocks=html_rows(rows, language),
                               anchor=f"tab-{table_id}-{indicators[0]}")


def _priority_table(priority: pd.DataFrame, title: str, language: str) -> ReportTable:
    """The priority matrix as a table: share dissatisfied and association, with intervals."""
    de = language == "de"
    quadrants = {"critical": "kritisch" if de else "critical",
                 "maintain": "erhalten" if de else "maintain",
                 "irritant": "Ärgernis" if de else "irritant",
                 "low": "gering" if de else "low"}
    headers = (["Angebot", "Quadrant", "unzufrieden in %", "95-%-KI", "n",
                "Differenz in Pp. (95-%-KI)", "Sig."] if de else
               ["Item", "Quadrant", "dissatisfied in %", "95% CI", "n",
                "difference in pp (95% CI)", "Sig."])
    rows = []
    for row in priority.sort_values("importance", ascending=False).itertuples(index=False):
        rows.append([
            str(row.item_label), quadrants.get(str(row.quadrant), str(row.quadrant)),
            format_number(row.share_dissatisfied * 100, 1, language),
            f"{format_number(row.share_ci_low * 100, 1, language)}–"
            f"{format_number(row.share_ci_high * 100, 1, language)}",
            format_count(row.n, language),
            f"{format_number(row.importance * 100, 1, language)} "
            f"({format_number(row.importance_ci_low * 100, 1, language)} – "
            f"{format_number(row.importance_ci_high * 100, 1, language)})",
            "▲" if row.p_adjusted < 0.05 else ""])
    note = ("Differenz: Anteil der Wanderungsbereiten unter den Unzufriedenen minus unter "
            "den übrigen Befragten, in Prozentpunkten; ▲: signifikant (Holm über die "
            "Angebote)." if de else
            "Difference: share willing to move among the dissatisfied minus among the "
            "others, in percentage points; ▲: significant (Holm across items).")
    return ReportTable(caption=title, base=TEXT[language]["basis"].format(
        n=format_count(int(priority["n"].max()), language)), numeric=False, blocks=[],
        notes=[note], tests=[], anchor="tab-priority_matrix", headers=headers, rows=rows)


def _study(config: SurveyConfig, diagnostics: Mapping[str, Any], language: str, n: int
           ) -> list[tuple[str, str]]:
    t = TEXT[language]
    report = config.spec.get("report") or {}
    rows = []
    if report.get("population"):
        rows.append((t["population"], text_in(report["population"], language)))
    rows.append((t["sample"], t["respondents"].format(n=format_count(n, language))))
    if report.get("mode"):
        rows.append((t["mode"], text_in(report["mode"], language)))
    if report.get("field_period"):
        rows.append((t["field_period"], text_in(report["field_period"], language)))
    if report.get("gross_sample"):
        gross = int(report["gross_sample"])
        rows.append((t["response"], t["response_rate"].format(
            n=format_count(n, language), gross=format_count(gross, language),
            rate=format_percent(n / gross, 1, language))))
    rows.append((t["weighting"], _weighting_text(config, diagnostics, language)))
    rows.append((t["design_effect"], format_number(diagnostics["kish_deff"], 2, language)))
    rows.append((t["effective_n"], format_count(diagnostics["effective_n"], language)))
    return rows


def _weighting_text(config: SurveyConfig, diagnostics: Mapping[str, Any], language: str
                    ) -> str:
    t = TEXT[language]
    method = diagnostics.get("method", "none")
    if method == "none":
        return t["weighting_none"]
    margins = _margin_names(config)
    trim = diagnostics.get("trim") or {}
    bounds = ("–".join(format_number(b, 1, language) for b in
                       (trim.get("lower"), trim.get("upper")) if b is not None)
              + (" × " + ("Mittel" if language == "de" else "mean")
                 if trim.get("relative") else "")) if trim else "–"
    return t["weighting_text"].format(method=_METHOD[language].get(method, method),
                                      margins=margins, trim=bounds)


def _margin_names(config: SurveyConfig) -> str:
    files = [Path(entry["file"]).stem for entry in
             (config.spec.get("weighting") or {}).get("margins") or []]
    return ", ".join(files) if files else "–"


def _strategies(path: Path | None) -> list[dict[str, Any]]:
    """Handlungsfelder with their strategies and evidence, as the strategies step wrote."""
    if path is None or not path.is_file():
        return []
    document = json.loads(path.read_text(encoding="utf-8"))
    fields = []
    for field_ in document.get("fields", []):
        strategies = []
        for strategy in field_.get("strategies", []):
            evidence = []
            for item in strategy.get("evidence", []):
                reference = item.get("reference") or {}
                figure = reference.get("figure") if isinstance(reference, dict) else None
                table = reference.get("table") if isinstance(reference, dict) else None
                evidence.append({"text": item.get("text", ""), "met": item.get("met", False),
                                 "link": f"abb-{figure}" if figure else
                                 (f"tab-{table}" if table else "")})
            strategies.append({"title": strategy.get("title", strategy.get("id", "")),
                               "text": strategy.get("text", ""),
                               "fired": bool(strategy.get("fired")), "evidence": evidence})
        fields.append({"id": field_.get("id", ""), "title": field_.get("title", ""),
                       "concept": field_.get("concept", ""), "strategies": strategies})
    return fields


def run_report(config_path: str | Path, concepts_path: str | Path, shares_dir: str | Path,
               summary_path: str | Path, figures_dir: str | Path,
               diagnostics_path: str | Path, margins_path: str | Path | None,
               models_path: str | Path | None,
               model_dir: str | Path | None, strategies_path: str | Path | None,
               report_out: str | Path, slides_out: str | Path | None = None,
               workflow_config: dict[str, Any] | str | Path | None = None,
               root: str | Path | None = None) -> None:
    """Write ``report.html`` (and ``slides.pptx``) for one survey from its results."""
    config = load_survey_config(config_path, root=root)
    settings = step_settings(config, workflow_config)
    concepts = json.loads(Path(concepts_path).read_text(encoding="utf-8"))["concepts"]
    summary = json.loads(Path(summary_path).read_text(encoding="utf-8"))
    diagnostics = json.loads(Path(diagnostics_path).read_text(encoding="utf-8"))
    language = summary["settings"]["language"]
    t = TEXT[language]
    labels = Labels(concepts, language)
    shares = Path(shares_dir)
    figures = Path(figures_dir)
    listing = json.loads((figures / "figures.json").read_text(encoding="utf-8"))
    tables = _share_tables(shares, summary, labels, language)
    spec = config.spec
    models_spec = spec.get("models") or {}
    outcome = models_spec.get("outcome", "willing_to_move")
    willing = tables.get(outcome, (None, None))[0]
    model = Path(model_dir) if model_dir else None
    ame = _read_csv(model / "ame.csv") if model else None
    priority = _read_csv(shares / "priority_matrix.csv")
    if priority is not None:
        priority = priority[priority["flag"].fillna("") == ""]

    def table_with(indicator: str) -> tuple[str, pd.DataFrame] | None:
        for entry in summary["tables"]:
            if indicator in entry.get("indicators", []) and entry["id"] != indicator:
                return entry["id"], tables[entry["id"]][0]
        return None

    participation = table_with("participation_wish")
    participation_rows = None
    if participation is not None:
        rows = participation[1]
        participation_rows = rows[rows["indicator"] == "participation_wish"]
    destination = models_spec.get("destination_outcome", "destination")
    destinations = table_with(destination)
    groups = list(next((t_.get("groups") for t_ in (spec.get("tables") or {}).values()
                        if outcome in t_.get("indicators", [])), None)
                  or spec.get("groups") or [])
    intent = models_spec.get("ordinal_outcome")
    intent_label = labels.concept(intent) if intent else labels.concept(outcome)
    findings = key_findings(willing, intent_label, groups, ame, priority, participation_rows,
                            destinations[1][destinations[1]["indicator"] == destination]
                            if destinations else None, labels, language)

    def figure(name: str) -> list:
        found = figure_for(figures, listing, name)
        return [found] if found else []

    separation = separation_sentence(_read_csv(model / "odds_ratios.csv") if model else None,
                                     labels, language)
    chapters = []
    willing_chapter = ReportChapter("wanderungsbereitschaft", t["ch_willing"],
                                    t["ch_willing_intro"],
                                    figure("willing_by_group") + figure("intent_scale"))
    for table_id in (outcome, intent):
        if table_id in tables:
            willing_chapter.tables.append(tables[table_id][1])
    chapters.append(willing_chapter)
    if model is not None:
        models_chapter = ReportChapter("modelle", t["ch_models"], t["ch_models_intro"],
                                       figure("ame") + figure("odds_ratios")
                                       + figure("predicted_1") + figure("predicted_2"))
        models_chapter.paragraphs = _model_paragraphs(models_path, language) + (
            [separation] if separation else [])
        model_n = _model_n(models_path)
        if ame is not None and len(ame):
            models_chapter.tables.append(ame_table(ame, labels, language, model_n))
        odds = _read_csv(model / "odds_ratios.csv")
        if odds is not None and len(odds):
            models_chapter.tables.append(odds_ratio_table(odds, labels, language, model_n))
        predictions = _read_csv(model / "predictions.csv")
        if predictions is not None:
            for number in sorted(set(predictions["set"])):
                part = predictions[predictions["set"] == number].reset_index(drop=True)
                models_chapter.tables.append(predictions_table(part, labels, language,
                                                               model_n))
        chapters.append(models_chapter)
    if priority is not None:
        chapter = ReportChapter("defizite", t["ch_deficits"], t["ch_deficits_intro"],
                                figure("priority_matrix"))
        chapter.tables.append(_priority_table(priority, t["ch_deficits"], language))
        if participation is not None:
            rows = participation[1]
            items = rows[rows["indicator"] != "participation_wish"]
            if len(items):
                chapter.tables.append(_subset(tables[participation[0]][1], items, labels,
                                              language, participation[0]))
        chapters.append(chapter)
    if participation_rows is not None and len(participation_rows):
        chapter = ReportChapter("mitwirkung", t["ch_participation"])
        chapter.tables.append(_subset(tables[participation[0]][1], participation_rows,
                                      labels, language, participation[0]))
        chapters.append(chapter)
    # the seed table that compares newcomers with long-standing residents: grouped by the
    # canonical concept ``newcomer``
    newcomers = next((table_id for table_id, entry in (spec.get("tables") or {}).items()
                      if "newcomer" in (entry.get("groups") or []) and table_id in tables),
                     None)
    if newcomers is not None:
        chapter = ReportChapter("zugezogene", t["ch_newcomers"])
        chapter.tables.append(tables[newcomers][1])
        chapters.append(chapter)
    if destinations is not None:
        chapter = ReportChapter("ziele", t["ch_destinations"], figures=figure("destinations"))
        chapter.tables.append(tables[destinations[0]][1])
        chapters.append(chapter)
    population = spec.get("population")
    if population:
        from surveykit.data.population import read_population_series
        from surveykit.publish.trend import trend_sentence

        series = read_population_series(config.resolve(population["file"]),
                                        int(population["base_year"]))
        chapter = ReportChapter("bevoelkerung", t["ch_population"],
                                trend_sentence(series, language), figure("population_trend"))
        index = series.index()
        chapter.tables.append(ReportTable(
            caption=t["ch_population"], base="", numeric=True, blocks=[], notes=[
                f"{series.base_year} = 100; " + "; ".join(series.sources)
                + "".join(f"; {year}: {note}" for year, note in series.notes.items())],
            tests=[], anchor="tab-population",
            headers=[t["year"]] + [series.areas[level] for level in series.table.columns],
            rows=[[str(year)] + [f"{format_count(series.table.loc[year, level], language)} "
                                 f"({format_number(index.loc[year, level], 1, language)})"
                                 for level in series.table.columns]
                  for year in series.table.index]))
        chapters.append(chapter)
    weighting_chapter = ReportChapter("gewichtung", t["ch_weighting"], t["ch_weighting_intro"],
                                      figure("weighting_margins")
                                      + figure("weight_distribution"))
    if margins_path is not None and Path(margins_path).is_file():
        margins = restore_frame(pd.read_csv(margins_path))
        weighting_chapter.tables.append(margins_table(margins, labels, language))
    chapters.append(weighting_chapter)
    n = int(diagnostics["n"])
    report_spec = spec.get("report") or {}
    gross = report_spec.get("gross_sample")
    limitations = t["limitations_items"].format(
        rate=format_percent(n / int(gross), 1, language) if gross else "–",
        margins=_margin_names(config),
        n_eff=format_count(diagnostics["effective_n"], language),
        n=format_count(n, language), min_n=settings.min_cell_n).split("\n")
    inputs = [(str(Path(spec["source"]["path"])), sha256_of(config.source_path))]
    inputs += [(str(entry["file"]), sha256_of(config.resolve(entry["file"])))
               for entry in (spec.get("weighting") or {}).get("margins") or []]
    context = {
        "t": t,
        "title": text_in(spec.get("title") or config.id, language),
        "subtitle": " · ".join(filter(None, [str(spec.get("region") or ""),
                                             str(spec.get("year") or "")])),
        "findings": [{"text": f.text, "anchor": f.anchor} for f in findings],
        "chapters": chapters,
        "fields": _strategies(Path(strategies_path) if strategies_path else None),
        "study": _study(config, diagnostics, language, n),
        "methods": _methods(models_path, language, config, labels),
        "limitations": limitations,
        "privacy": t["privacy_text"].format(min_n=settings.min_cell_n,
                                            rel_n=summary["settings"]["reliability_n"]),
        "command": f"snakemake --cores all --forceall {Path(report_out).as_posix()}",
        "config_digest": hashlib.sha256(Path(config.path).read_bytes()).hexdigest(),
        "inputs": inputs,
        "package_versions": versions(),
    }
    html = render_report(context)
    figure_of = {"wanderungsbereitschaft": ["willing_by_group", "intent_scale"],
                 "modelle": ["ame"], "defizite": ["priority_matrix"], "ziele": ["destinations"]}
    results, used = [], set()
    for finding in findings:
        names = [n for n in figure_of.get(finding.anchor, []) if n not in used]
        entry = next((f for f in listing.get("figures", []) if names and f["name"] == names[0]),
                     None)
        if entry is None:
            continue
        used.add(entry["name"])
        results.append(ResultSlide(finding.text, figures / entry["png"], entry["caption"]))
    method_lines = [f"{term}: {description}" for term, description in context["study"]]
    if separation:
        method_lines.append(separation)
    with output_set() as out:
        out.write_text(report_out, html)
        if slides_out is not None:
            out.write_with(slides_out, lambda p: write_slides(
                p, context["title"], context["subtitle"], results[:6], context["fields"],
                method_lines, text_in((spec.get("report") or {}).get("source") or config.id,
                                      language), language))


def _model_n(models_path: str | Path | None) -> int:
    if models_path is None or not Path(models_path).is_file():
        return 0
    return int((json.loads(Path(models_path).read_text(encoding="utf-8")).get("binary")
                or {}).get("n", 0))


def _model_paragraphs(models_path: str | Path | None, language: str) -> list[str]:
    if models_path is None or not Path(models_path).is_file():
        return []
    models = json.loads(Path(models_path).read_text(encoding="utf-8"))
    robustness = (models.get("robustness") or {}).get("verdict")
    return [robustness] if robustness and language == "en" else []


def _methods(models_path: str | Path | None, language: str, config: SurveyConfig,
             labels: Labels) -> list[str]:
    t = TEXT[language]
    if models_path is None or not Path(models_path).is_file():
        return []
    models = json.loads(Path(models_path).read_text(encoding="utf-8"))
    binary = models.get("binary") or {}
    tests = (models.get("ordinal") or {}).get("proportional_odds_test") or []
    overall = next((row for row in tests if row.get("term") == "overall"), None)
    p_po = "–" if overall is None else ("= " + format_number(overall["p_value"], 3, language))
    spec = config.spec.get("models") or {}
    references = spec.get("reference_levels") or {}
    reference_word = "Referenz" if language == "de" else "reference"
    terms = [labels.concept(name) + (f" ({reference_word}: "
                                     f"{labels.level(name, references[name])})"
                                     if name in references else "")
             for name in [*(spec.get("predictors") or []), *(spec.get("controls") or [])]]
    paragraphs = [t["models_text"].format(formula="; ".join(terms),
                                          n=format_count(binary.get("n", 0), language),
                                          p_po=p_po)]
    if binary.get("multiple_imputation"):
        paragraphs.append(t["imputation_text"].format(m=binary["multiple_imputation"]["m"]))
    return paragraphs
