"""Ingest: read the raw survey file exactly as it is and report on it.

The raw file is only read, never written. The ingest report lists per variable how many
values are missing and for which reason (empty, user-missing declared in the file or
codebook, declared missing in the survey config), so that a data manager sees which codes
were set aside before any number is computed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from surveykit._core.errors import DataError
from surveykit.data.config import SurveyConfig
from surveykit.data.harmonisation import check_references
from surveykit.data.io import Codebook, read_survey
from surveykit.data.missing import MissingRules

__all__ = ["Ingested", "ingest", "ingest_report", "report_table"]


@dataclass(frozen=True)
class Ingested:
    """Raw data (user-missing codes kept), its codebook and the ingest report."""

    data: pd.DataFrame
    codebook: Codebook
    report: dict[str, Any]


def ingest_report(data: pd.DataFrame, codebook: Codebook, rules: MissingRules
                  ) -> dict[str, Any]:
    """Rows, variables and missing values per variable with the reasons.

    Returns a JSON-ready dict: ``rows``, ``variables`` and, per variable, ``label``, ``type``,
    ``measure``, ``n_valid``, the counts ``system_missing``, ``user_missing``,
    ``config_missing``, ``missing_share`` (0–1) and ``missing_codes`` (code and reason).
    """
    variables = {}
    rows = len(data)
    for variable in codebook:
        masks = rules.masks(variable.name, data[variable.name])
        counts = {reason: int(mask.sum()) for reason, mask in masks.items()}
        missing = sum(counts.values())
        variables[variable.name] = {
            "label": variable.label,
            "type": variable.type,
            "measure": variable.measure,
            "n_valid": rows - missing,
            "system_missing": counts["system"],
            "user_missing": counts["user"],
            "config_missing": counts["config"],
            "missing_share": round(missing / rows, 6) if rows else 0.0,
            "missing_codes": rules.reasons(variable.name),
        }
    return {
        "source": codebook.source,
        "file_label": codebook.file_label,
        "encoding": codebook.encoding,
        "rows": rows,
        "n_variables": len(codebook),
        "variables": variables,
    }


def report_table(report: dict[str, Any]) -> pd.DataFrame:
    """The per-variable part of an ingest report as a flat table (one row per variable)."""
    records = []
    for name, entry in report["variables"].items():
        records.append({
            "variable": name,
            "label": entry["label"],
            "type": entry["type"],
            "measure": entry["measure"],
            "n_valid": entry["n_valid"],
            "system_missing": entry["system_missing"],
            "user_missing": entry["user_missing"],
            "config_missing": entry["config_missing"],
            "missing_share": entry["missing_share"],
            "missing_codes": "; ".join(f"{c['code']}: {c['reason']}"
                                       for c in entry["missing_codes"]),
        })
    return pd.DataFrame.from_records(records)


def ingest(config: SurveyConfig, processes: int = 1) -> Ingested:
    """Read the survey named by ``config.source`` and build its ingest report
    (``processes``: may read parts of a large SPSS file in parallel)."""
    source = config.source
    data, codebook = read_survey(
        config.source_path,
        format=source.get("format"),
        encoding=source.get("encoding"),
        codebook=config.codebook_path,
        delimiter=source.get("delimiter"),
        decimal=source.get("decimal"),
        processes=processes,
    )
    if data.empty:
        raise DataError(f"{config.source_path}: the file has variables but no rows (0 "
                        "respondents), so there is nothing to analyse; export the data with "
                        "its cases, or check source.path")
    # Outputs name the raw file as the config does (relative to the project root), so that
    # they do not depend on where the project lies: a clone elsewhere, or a cluster node
    # that mounts it under another path, writes the same bytes.
    codebook = replace(codebook, source=str(source["path"]))
    check_references(config, codebook)
    rules = MissingRules.from_config(codebook, config)
    return Ingested(data, codebook, ingest_report(data, codebook, rules))
