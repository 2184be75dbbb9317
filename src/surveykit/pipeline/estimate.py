"""Workflow step ``estimate``: share tables, the priority matrix and the workbook.

Which tables exist comes from the survey config:

* one table per entry of ``indicators``: the indicator overall, by every entry of
  ``groups`` and by every two-way ``breakdowns`` entry (shares for binary and
  categorical concepts, every level's share for ordinal ones, means for scales);
* one table per entry of ``tables`` (the seed findings): its indicators overall and by its
  groups, optionally among a ``population`` (e.g. those willing to move);
* the ``priority_matrix`` of dissatisfaction against association with the outcome.

A table whose concept the survey does not have is skipped with a notice (printed and kept
in ``estimate.json``), never an error: a region without commuting questions still gets
every other table. Cells are flagged and suppressed by the disclosure rules
(``report.min_cell_n``, else the workflow's ``min_cell_n``; ``report.reliability_n``,
default 50).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from surveykit._core.errors import ConfigError
from surveykit.data.config import SurveyConfig, load_survey_config, text_in
from surveykit.data.outputs import output_set
from surveykit.design import SurveyDesign
from surveykit.estimation.priority import PriorityMatrix, priority_matrix
from surveykit.estimation.share_tables import share_table
from surveykit.pipeline.harmonise import read_harmonised
from surveykit.pipeline.settings import config_errors, step_settings
from surveykit.pipeline.weight import read_weighted_design
from surveykit.publish.labels import Labels
from surveykit.publish.tables import (
    PublishedTable,
    footnotes,
    publish_rows,
    write_csv,
)
from surveykit.publish.workbook import write_workbook

__all__ = ["EstimateResult", "TableSpec", "estimate_survey", "plan_tables", "run_estimate"]

DEFAULT_RELIABILITY_N = 50


@dataclass(frozen=True)
class TableSpec:
    """One planned table: its indicators, breakdowns and population."""

    id: str
    title: Any
    indicators: list[str]
    breakdowns: list[tuple[str, ...]]
    population: dict[str, list[Any]] = field(default_factory=dict)


@dataclass
class EstimateResult:
    """The published tables, the priority matrix and the notices of skipped parts."""

    tables: dict[str, PublishedTable]
    priority: PriorityMatrix | None
    notices: list[str]
    settings: dict[str, Any]


def plan_tables(config: SurveyConfig, concepts: Mapping[str, Any]
                ) -> tuple[list[TableSpec], list[str]]:
    """The tables the config asks for, and notices for parts the survey lacks."""
    spec = config.spec
    notices: list[str] = []
    known = set(concepts)

    def keep(names: list[str], where: str) -> list[str]:
        kept = []
        for name in names:
            if name in known:
                kept.append(name)
            else:
                notices.append(f"{where}: this survey has no concept {name!r}; that part "
                               "is skipped")
        return kept

    plans = []
    groups = keep(list(spec.get("groups") or []), "groups")
    two_way = [tuple(pair) for pair in spec.get("breakdowns") or []
               if len(keep(list(pair), "breakdowns")) == 2]
    for indicator in keep(list(spec.get("indicators") or []), "indicators"):
        breakdowns = [(), *[(g,) for g in groups if g != indicator],
                      *[pair for pair in two_way if indicator not in pair]]
        plans.append(TableSpec(id=indicator, title=concepts[indicator].get("label") or
                               indicator, indicators=[indicator], breakdowns=breakdowns))
    for table_id, table in (spec.get("tables") or {}).items():
        where = f"tables.{table_id}"
        indicators = keep(list(table["indicators"]), f"{where}.indicators")
        table_groups = keep(list(table.get("groups") or []), f"{where}.groups")
        population = dict(table.get("population") or {})
        if not set(population) <= known:
            notices.append(f"{where}: the population needs "
                           f"{sorted(set(population) - known)}, which this survey lacks; "
                           "table skipped")
            continue
        if not indicators:
            notices.append(f"{where}: none of its indicators exists here; table skipped")
            continue
        plans.append(TableSpec(id=table_id, title=table.get("title") or table_id,
                               indicators=indicators,
                               breakdowns=[(), *[(g,) for g in table_groups]],
                               population=population))
    return plans, notices


def _population(design: SurveyDesign, data: pd.DataFrame, population: Mapping[str, Any],
                labels: Labels) -> tuple[SurveyDesign, str]:
    """The design restricted to a population (a domain), and its description."""
    mask = pd.Series(True, index=data.index)
    parts = []
    for name, values in population.items():
        column = data[name]
        mask &= column.astype(object).isin(values) | column.astype(str).isin(
            [str(v) for v in values])
        parts.append(f"{labels.concept(name)} = "
                     f"{', '.join(labels.level(name, v) for v in values)}")
    return design.subset(mask.to_numpy()), "; ".join(parts)


def estimate_survey(design: SurveyDesign, data: pd.DataFrame, concepts: Mapping[str, Any],
                    config: SurveyConfig, min_cell_n: int) -> EstimateResult:
    """Every planned share table and the priority matrix of one weighted survey."""
    report = config.spec.get("report") or {}
    options = config.spec.get("estimate") or {}
    language = report.get("language", "de")
    labels = Labels(concepts, language)
    reliability_n = int(report.get("reliability_n", DEFAULT_RELIABILITY_N))
    if reliability_n < min_cell_n:
        raise ConfigError(f"{config.path}: report.reliability_n ({reliability_n}) is below "
                          f"min_cell_n ({min_cell_n}); parentheses mark bases between the "
                          "two, so give reliability_n ≥ min_cell_n")
    interval = options.get("interval", "logit")
    correction = options.get("correction", "holm")
    alpha = float(options.get("alpha", 0.05))
    level = float(options.get("level", 0.95))
    plans, notices = plan_tables(config, concepts)
    tables: dict[str, PublishedTable] = {}
    with config_errors(config):
        for plan in plans:
            working, population_text = design, ""
            if plan.population:
                working, population_text = _population(design, data, plan.population,
                                                       labels)
            rows, tests = [], []
            for indicator in plan.indicators:
                kind = labels.kind(indicator)
                for breakdown in plan.breakdowns:
                    share = share_table(working, indicator, kind, by=list(breakdown) or None,
                                        interval=interval, level=level,
                                        deff=options.get("deff", "auto"),
                                        correction=correction, alpha=alpha)
                    published, test = publish_rows(plan.id, share, labels, min_cell_n,
                                                   reliability_n)
                    rows.append(published)
                    tests.append(test)
            frame = pd.concat(rows, ignore_index=True)
            test_frame = pd.concat([t for t in tests if len(t)], ignore_index=True) \
                if any(len(t) for t in tests) else tests[0]
            tables[plan.id] = PublishedTable(
                id=plan.id, title=text_in(plan.title, language), rows=frame,
                tests=test_frame, population=population_text, interval=interval,
                notes=footnotes(frame, correction, alpha, min_cell_n, reliability_n,
                                language))
        priority = None
        matrix = config.spec.get("priority_matrix")
        if matrix:
            items = [item for item in matrix["items"] if item in concepts]
            outcome = matrix.get("outcome", (config.spec.get("models") or {}).get("outcome"))
            missing = sorted(set(matrix["items"]) - set(items))
            if missing:
                notices.append(f"priority_matrix: this survey has no concept(s) {missing}; "
                               "they are left out")
            if outcome in concepts and len(items) >= 2:
                priority = priority_matrix(design, items, matrix["dissatisfied"], outcome,
                                           level=level, correction=correction)
            else:
                notices.append("priority_matrix: needs an outcome concept and two items; "
                               "skipped")
    settings = {"min_cell_n": min_cell_n, "reliability_n": reliability_n,
                "interval": interval, "correction": correction, "alpha": alpha,
                "level": level, "language": language}
    return EstimateResult(tables=tables, priority=priority, notices=notices,
                          settings=settings)


def _priority_frame(priority: PriorityMatrix, labels: Labels, min_cell_n: int
                    ) -> pd.DataFrame:
    frame = priority.items.copy()
    frame.insert(1, "item_label", [labels.concept(item) for item in frame["item"]])
    thin = frame["n_dissatisfied"] < min_cell_n
    frame["flag"] = ["suppressed" if hidden else "" for hidden in thin]
    frame.loc[thin, ["importance", "importance_ci_low", "importance_ci_high", "p_value",
                     "p_adjusted", "quadrant", "n_dissatisfied"]] = None
    frame["x_threshold"] = priority.x_threshold
    frame["y_threshold"] = priority.y_threshold
    return frame


def run_estimate(config_path: str | Path, harmonised_path: str | Path,
                 concepts_path: str | Path, weights_path: str | Path,
                 adjustments_path: str | Path, shares_out: str | Path,
                 workbook_out: str | Path, summary_out: str | Path,
                 workflow_config: dict[str, Any] | str | Path | None = None,
                 root: str | Path | None = None) -> None:
    """Estimate every configured table on the weighted design; write one CSV per table
    (and ``tests.csv``, ``priority_matrix.csv``) into ``shares_out``, the workbook and a
    JSON summary."""
    config = load_survey_config(config_path, root=root)
    settings = step_settings(config, workflow_config)
    data, concepts_doc = read_harmonised(harmonised_path, concepts_path)
    concepts = concepts_doc.get("concepts", {})
    design = read_weighted_design(data, concepts_doc, config, weights_path, adjustments_path)
    result = estimate_survey(design, data, concepts, config, settings.min_cell_n)
    for notice in result.notices:
        print(f"surveykit estimate: notice: {config.id}: {notice}", file=sys.stderr)
    labels = Labels(concepts, result.settings["language"])
    report = config.spec.get("report") or {}
    language = result.settings["language"]
    source = text_in(report.get("source") or config.spec.get("title") or config.id, language)
    with output_set() as out:
        directory = out.directory(shares_out)
        for table in result.tables.values():
            write_csv(table.rows, directory / f"{table.id}.csv")
        tests = [t.tests for t in result.tables.values() if len(t.tests)]
        if tests:
            write_csv(pd.concat(tests, ignore_index=True), directory / "tests.csv")
        if result.priority is not None:
            write_csv(_priority_frame(result.priority, labels, settings.min_cell_n),
                      directory / "priority_matrix.csv")
        out.write_with(workbook_out, lambda p: write_workbook(
            result.tables, p, text_in(config.spec.get("title") or config.id, language),
            language=language, source=source))
        out.write_json(summary_out, {
            "survey": config.id, "settings": result.settings, "notices": result.notices,
            "design": {"df": design.degf, "respondents": int(design.n)},
            "tables": [{"id": t.id, "title": t.title, "population": t.population,
                        "indicators": list(dict.fromkeys(t.rows["indicator"])),
                        "notes": t.notes} for t in result.tables.values()],
            "priority_matrix": None if result.priority is None else {
                "outcome": result.priority.outcome,
                "x_threshold": result.priority.x_threshold,
                "y_threshold": result.priority.y_threshold},
        })
