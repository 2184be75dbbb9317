"""Workflow step ``compare``: every survey of the sheet side by side, and each survey's areas.

Reads what each survey's estimate step published (share tables, tests, ``estimate.json``)
and its harmonised concept metadata, never microdata, and writes to ``results/comparison/``:

* ``comparison.csv``: the shared indicators of all surveys side by side, with t tests of
  the differences between independent surveys (`surveykit.publish.comparison`);
* ``areas.csv``: each survey's areas (``areas:`` in its config) with their domain estimates
  and the Rao–Scott test, as published (small cells stay suppressed);
* ``comparison.xlsx``, ``figures/`` and ``report.html`` (German or English).

What is compared is set in ``config/config.yaml`` under ``comparison`` (``indicators``,
``language``, ``correction``); without it, every indicator any survey lists is shown.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from surveykit._core.errors import ConfigError
from surveykit._core.messages import did_you_mean
from surveykit.data.config import SurveyConfig, load_survey_config, text_in
from surveykit.data.outputs import output_set
from surveykit.publish.comparison import (
    PublishedSurvey,
    compare_areas,
    compare_surveys,
)
from surveykit.publish.tables import read_published_csv, write_csv

__all__ = ["ComparisonInput", "read_survey", "run_compare"]


@dataclass(frozen=True)
class ComparisonInput:
    """One survey's files for the comparison (the estimate and harmonise steps' outputs)."""

    config: str | Path
    concepts: str | Path
    summary: str | Path
    shares: str | Path


def read_survey(files: ComparisonInput, language: str,
                root: str | Path | None = None) -> tuple[PublishedSurvey, SurveyConfig]:
    """Read one survey's published tables, tests, design df and concept metadata."""
    # The survey's own steps checked its references already; the comparison reads tables.
    config = load_survey_config(files.config, root=root, check_levels=False)
    summary = json.loads(Path(files.summary).read_text(encoding="utf-8"))
    concepts = json.loads(Path(files.concepts).read_text(encoding="utf-8")).get("concepts", {})
    shares = Path(files.shares)
    tables = {}
    for entry in summary.get("tables", []):
        if entry.get("population"):
            continue  # a filtered table does not describe the whole survey population
        rows = read_published_csv(shares / f"{entry['id']}.csv")
        if rows is not None:
            tables[entry["id"]] = rows
    tests = read_published_csv(shares / "tests.csv")
    if tests is None:
        tests = pd.DataFrame(columns=["table", "indicator", "breakdown", "method",
                                      "statistic", "ndf", "ddf", "p_value"])
    design = summary.get("design") or {}
    if "df" not in design:
        raise ConfigError(f"{files.summary}: has no design degrees of freedom (written by "
                          "surveykit's estimate step since the comparison exists); rerun "
                          f"the estimate step of survey {config.id!r}")
    spec = config.spec
    label = str(spec.get("region") or text_in(spec.get("title") or config.id, language))
    return PublishedSurvey(
        id=config.id, label=label, concepts=concepts, tables=tables, tests=tests,
        df=float(design["df"]), areas=spec.get("areas"),
        indicators=list(spec.get("indicators") or []),
        respondents=int(design.get("respondents", 0)),
    ), config


def comparison_indicators(settings: Mapping[str, Any], configs: Sequence[SurveyConfig]
                          ) -> list[str]:
    """The indicators to compare: ``comparison.indicators``, else every survey's list."""
    chosen = settings.get("indicators")
    if chosen:
        return list(chosen)
    return list(dict.fromkeys(name for config in configs
                              for name in config.spec.get("indicators") or []))


def run_compare(inputs: Sequence[ComparisonInput], out_dir: str | Path,
                settings: Mapping[str, Any] | None = None,
                root: str | Path | None = None) -> None:
    """Compare every survey of ``inputs`` and write ``results/comparison/``.

    Parameters
    ----------
    inputs : sequence of ComparisonInput
        One per survey, in the order of the survey sheet.
    out_dir : path
        The comparison directory (written all at once, or not at all).
    settings : mapping, optional
        The ``comparison`` section of the workflow config: ``indicators``, ``language``
        (``de``), ``correction`` (``holm``), ``alpha`` (0.05), ``min_cell_n``.
    root : path, optional
        Project root against which config paths resolve.
    """
    from surveykit.publish.comparison_output import write_comparison

    settings = dict(settings or {})
    language = settings.get("language", "de")
    if language not in ("de", "en"):
        raise ConfigError(f"comparison.language must be 'de' or 'en', got {language!r}")
    read = [read_survey(files, language, root=root) for files in inputs]
    surveys = [survey for survey, _ in read]
    configs = [config for _, config in read]
    indicators = comparison_indicators(settings, configs)
    unknown = [name for name in indicators
               if not any(name in survey.concepts for survey in surveys)]
    if unknown:
        # A notice, not an error: the same workflow config serves any survey sheet (a
        # region that reruns the workflow on its own survey keeps the bundled list).
        known = sorted({name for survey in surveys for name in survey.concepts})
        hints = "".join(did_you_mean(name, known) for name in unknown)
        print(f"surveykit compare: notice: comparison.indicators names "
              f"{', '.join(map(repr, unknown))}, which no survey of the sheet has; left "
              f"out{hints}", file=sys.stderr)
        indicators = [name for name in indicators if name not in unknown] or \
            comparison_indicators({}, configs)
    between = compare_surveys(surveys, indicators, language=language,
                              correction=settings.get("correction", "holm"),
                              alpha=float(settings.get("alpha", 0.05)))
    areas = pd.concat([compare_areas(survey) for survey in surveys], ignore_index=True)
    with output_set() as out:
        directory = out.directory(out_dir)
        write_csv(between, directory / "comparison.csv")
        write_csv(areas, directory / "areas.csv")
        write_comparison(directory, surveys, configs, between, areas, settings, language)
