"""Workflow step ``strategies``: which Handlungsstrategien the survey's findings support.

Reads what the estimate and model steps published — the tidy share tables, the priority
matrix, the AME table and the estimate summary (report language, the tables' correction) —
evaluates the conditions of the config's ``strategies`` section (`surveykit.strategies`)
and writes ``strategies.json``::

    {"survey": …, "language": "de",
     "fields": [{"id", "title", "concept",
                 "strategies": [{"id", "title", "text", "fired", "verdict",
                                 "evidence": [{"kind", "condition", "label", "value",
                                               "ci_low", "ci_high", "unit", "threshold",
                                               "comparison", "met", "evaluable", "reason",
                                               "reference": {"table", "figure"}, "text",
                                               "sentences": {"de", "en"}, "details"}]}]}]}

It computes nothing statistical: every number was published by an earlier step, so the
report's strategies cannot disagree with the tables.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from surveykit._core.errors import ConfigError
from surveykit.data.config import SurveyConfig, load_survey_config
from surveykit.data.outputs import output_set
from surveykit.pipeline.settings import config_errors
from surveykit.publish.tables import COLUMNS, read_published_csv
from surveykit.strategies.rules import (
    Findings,
    Vocabulary,
    evaluate_strategies,
    strategies_document,
)

__all__ = ["read_findings", "run_strategies"]


def _figures(config: SurveyConfig, summary: dict[str, Any], shares: Path) -> dict[str, str]:
    """Share table id → the figure the figures step draws from it."""
    models = config.spec.get("models") or {}
    figures = {}
    for table_id, figure in ((models.get("outcome", "willing_to_move"), "willing_by_group"),
                             (models.get("ordinal_outcome", "intent"), "intent_scale")):
        if (shares / f"{table_id}.csv").is_file():
            figures[table_id] = figure
    destination = models.get("destination_outcome", "destination")
    table_id = next((table["id"] for table in summary.get("tables", [])
                     if destination in table.get("indicators", [])), None)
    if table_id is not None:
        figures[table_id] = "destinations"
    return figures


def read_findings(config: SurveyConfig, shares_dir: str | Path, model_dir: str | Path | None,
                  summary: dict[str, Any]) -> Findings:
    """The published findings of one survey: every share table listed in the estimate
    summary, the priority matrix and (with models) the AME table."""
    shares = Path(shares_dir)
    frames = [read_published_csv(shares / f"{table['id']}.csv")
              for table in summary.get("tables", [])]
    frames = [frame for frame in frames if frame is not None and len(frame)]
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    ame = read_published_csv(Path(model_dir) / "ame.csv") if model_dir else None
    priority = read_published_csv(shares / "priority_matrix.csv")
    settings = summary.get("settings") or {}
    outcome = (summary.get("priority_matrix") or {}).get("outcome") or \
        (config.spec.get("models") or {}).get("outcome", "willing_to_move")
    return Findings(shares=rows, ame=ame, priority=priority,
                    correction=str(settings.get("correction", "holm")), outcome=outcome,
                    figures=_figures(config, summary, shares))


def run_strategies(config_path: str | Path, shares_dir: str | Path,
                   model_dir: str | Path | None, summary_path: str | Path,
                   out_json: str | Path, root: str | Path | None = None) -> None:
    """Evaluate the config's strategies against the published findings; write the JSON.

    Parameters
    ----------
    config_path
        ``config/surveys/<id>.yaml`` (with a ``strategies`` section).
    shares_dir
        The estimate step's ``tables/shares`` directory.
    model_dir
        The directory of the model step's ``ame.csv``, or ``None`` for a survey without
        models (AME conditions are then not evaluable).
    summary_path
        The estimate step's ``estimate.json`` (language, correction, tables).
    out_json
        ``results/<id>/strategies.json``.
    root
        Project root for the config's relative paths.
    """
    config = load_survey_config(config_path, root=root)
    section = config.spec.get("strategies")
    if not section:
        raise ConfigError(f"{config.path}: has no strategies section; add one (see "
                          "config/surveys/example.yaml) or leave this step out")
    summary = json.loads(Path(summary_path).read_text(encoding="utf-8"))
    language = (summary.get("settings") or {}).get("language") or \
        (config.spec.get("report") or {}).get("language", "de")
    findings = read_findings(config, shares_dir, model_dir, summary)
    with config_errors(config):
        fields = evaluate_strategies(section, findings, Vocabulary(config.concepts))
    with output_set() as out:
        out.write_json(out_json, strategies_document(config.id, fields, language))
