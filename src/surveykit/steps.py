"""The workflow's steps as functions from files to files.

Each Snakemake rule script calls exactly one of these; so does the CLI. They read inputs,
call the library, and write all outputs at once (`surveykit.outputs`), so a failing step
leaves nothing behind.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from surveykit.config import load_survey_config
from surveykit.errors import DataError
from surveykit.harmonise import harmonise
from surveykit.ingest import ingest, report_table
from surveykit.io import Codebook
from surveykit.outputs import output_set
from surveykit.survey_weights import weight_survey

__all__ = ["read_harmonised", "read_ingested", "run_harmonise", "run_ingest", "run_models",
           "run_weight"]


def run_ingest(config_path: str | Path, data_out: str | Path, codebook_out: str | Path,
               report_json_out: str | Path, report_csv_out: str | Path,
               root: str | Path | None = None) -> None:
    """Read the raw file of a survey; write its data, codebook and ingest report."""
    config = load_survey_config(config_path, root=root)
    ingested = ingest(config)
    with output_set() as out:
        out.write_with(data_out, lambda p: ingested.data.to_parquet(p, index=False))
        out.write_json(codebook_out, {"source": ingested.codebook.source,
                                      **ingested.codebook.to_dict()})
        out.write_json(report_json_out, ingested.report)
        out.write_with(report_csv_out, lambda p: report_table(ingested.report).to_csv(
            p, index=False, lineterminator="\n"))


def read_ingested(data_path: str | Path, codebook_path: str | Path
                  ) -> tuple[pd.DataFrame, Codebook]:
    """Read what :func:`run_ingest` wrote."""
    try:
        data = pd.read_parquet(data_path)
        spec = json.loads(Path(codebook_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DataError(f"cannot read the ingested data ({error}); rerun the ingest step") \
            from None
    return data, Codebook.from_dict(spec, source=spec.get("source", str(data_path)))


def run_harmonise(config_path: str | Path, data_path: str | Path, codebook_path: str | Path,
                  harmonised_out: str | Path, concepts_out: str | Path,
                  report_out: str | Path, root: str | Path | None = None) -> None:
    """Harmonise ingested data to canonical concepts; write data, concepts and report."""
    config = load_survey_config(config_path, root=root)
    data, codebook = read_ingested(data_path, codebook_path)
    result = harmonise(data, codebook, config)
    with output_set() as out:
        out.write_with(harmonised_out, lambda p: result.data.to_parquet(p, index=False))
        out.write_json(concepts_out, {"survey": config.id, "design": result.design,
                                      "concepts": result.concepts})
        out.write_json(report_out, {"survey": config.id, **result.report})


def read_harmonised(harmonised_path: str | Path, concepts_path: str | Path
                    ) -> tuple[pd.DataFrame, dict]:
    """Read what :func:`run_harmonise` wrote: the data and the concept metadata."""
    try:
        data = pd.read_parquet(harmonised_path)
        concepts = json.loads(Path(concepts_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DataError(f"cannot read the harmonised data ({error}); rerun the harmonise "
                        "step") from None
    return data, concepts


def run_weight(config_path: str | Path, harmonised_path: str | Path,
               concepts_path: str | Path, weights_out: str | Path,
               diagnostics_out: str | Path, margins_out: str | Path,
               root: str | Path | None = None) -> None:
    """Weight a harmonised survey; write the weights, diagnostics and margins table."""
    config = load_survey_config(config_path, root=root)
    data, concepts = read_harmonised(harmonised_path, concepts_path)
    result = weight_survey(data, concepts.get("design", {}), config)
    with output_set() as out:
        out.write_with(weights_out, lambda p: result.weights.to_parquet(p, index=False))
        out.write_json(diagnostics_out, {"survey": config.id, **result.diagnostics})
        out.write_with(margins_out, lambda p: result.margins_table.round(10).to_csv(
            p, index=False, lineterminator="\n"))


def run_models(config_path: str | Path, harmonised_path: str | Path,
               concepts_path: str | Path, models_out: str | Path, odds_ratios_out: str | Path,
               effects_out: str | Path, root: str | Path | None = None) -> None:
    """Fit the configured models; write their results and the odds-ratio and AME tables."""
    from surveykit.survey_models import run_models as fit_models

    config = load_survey_config(config_path, root=root)
    data, concepts = read_harmonised(harmonised_path, concepts_path)
    results, odds, effects = fit_models(data, concepts, config)
    with output_set() as out:
        out.write_json(models_out, results)
        out.write_with(odds_ratios_out, lambda p: odds.round(10).to_csv(
            p, index=False, lineterminator="\n"))
        out.write_with(effects_out, lambda p: effects.round(10).to_csv(
            p, index=False, lineterminator="\n"))
