"""Workflow step ``ingest``: read a survey's raw file with its codebook; never modify it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from surveykit.data.config import load_survey_config
from surveykit.data.ingestion import ingest, report_table
from surveykit.data.io import Codebook
from surveykit.data.outputs import output_set
from surveykit.pipeline.step_files import read_frame_and_json
from surveykit.publish.safe_text import write_inert_csv

__all__ = ["read_ingested", "run_ingest"]


def run_ingest(config_path: str | Path, data_out: str | Path, codebook_out: str | Path,
               report_json_out: str | Path, report_csv_out: str | Path,
               root: str | Path | None = None, processes: int = 1) -> None:
    """Read the raw file of a survey; write its data, codebook and ingest report
    (``processes``: the job's cores, for reading a large SPSS file in parts)."""
    config = load_survey_config(config_path, root=root)
    ingested = ingest(config, processes=processes)
    with output_set() as out:
        out.write_with(data_out, lambda p: ingested.data.to_parquet(p, index=False))
        out.write_json(codebook_out, {"source": ingested.codebook.source,
                                      **ingested.codebook.to_dict()})
        out.write_json(report_json_out, ingested.report)
        out.write_with(report_csv_out, lambda p: write_inert_csv(report_table(ingested.report),
                                                                 p))


def read_ingested(data_path: str | Path, codebook_path: str | Path
                  ) -> tuple[pd.DataFrame, Codebook]:
    """Read what :func:`run_ingest` wrote."""
    data, spec = read_frame_and_json(data_path, codebook_path, "ingested data", "ingest")
    return data, Codebook.from_dict(spec, source=spec.get("source", str(data_path)))
